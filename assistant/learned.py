"""Logistic regressions fitted on labelled questions and shipped as JSON in ``assistant/resources``:
the answer model (a sentence states an asked-for fact) and the passage model (a passage holds one).

``fit_logistic`` fits one (``scripts/fit_answer_weights.py`` runs it); ``LogisticModel`` applies it.
A weights file names its features: a file made for other features is refused, not misread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

CORE = ("features", "coef", "intercept", "mean", "scale")


@dataclass(frozen=True)
class LogisticModel:
    features: tuple[str, ...]
    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)  # thresholds fitted with it, provenance, figures

    def prob(self, x: np.ndarray) -> np.ndarray:
        """The probability of each row of ``x``."""
        if len(x) == 0:
            return np.zeros(0, dtype=np.float32)
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def with_extra(self, **extra: Any) -> LogisticModel:
        return LogisticModel(self.features, self.coef, self.intercept, self.mean, self.scale,
                             {**self.extra, **extra})

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "coef": [round(float(c), 6) for c in self.coef],
                "intercept": round(self.intercept, 6), "mean": [round(float(m), 6) for m in self.mean],
                "scale": [round(float(s), 6) for s in self.scale], **self.extra}

    @classmethod
    def from_dict(cls, d: dict[str, Any], features: tuple[str, ...]) -> LogisticModel:
        if tuple(d.get("features", ())) != tuple(features):
            raise ValueError(f"the weights are for features {d.get('features')}, not {list(features)}: "
                             "fit them again (python scripts/fit_answer_weights.py)")
        return cls(tuple(features), np.asarray(d["coef"], dtype=np.float32), float(d["intercept"]),
                   np.asarray(d["mean"], dtype=np.float32), np.asarray(d["scale"], dtype=np.float32),
                   {k: v for k, v in d.items() if k not in CORE})


def load_weights(name: str, features: tuple[str, ...], path: str | Path | None = None) -> LogisticModel:
    """The model in the package's resource file ``name``, or in ``path``."""
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("assistant.resources").joinpath(name).read_text(encoding="utf-8")
    return LogisticModel.from_dict(json.loads(text), features)


def fit_logistic(x: np.ndarray, y: np.ndarray, features: tuple[str, ...], weight: np.ndarray | None = None,
                 l2: float = 1.0, iterations: int = 50) -> LogisticModel:
    """An L2-regularised logistic regression on standardised features, by Newton's method (a few hundred
    thousand rows of fifteen features fit in seconds)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))]).astype(np.float64)
    w = np.ones(len(x)) if weight is None else weight.astype(np.float64)
    beta = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0  # the intercept is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
        grad = z.T @ (w * (p - y)) + reg * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return LogisticModel(tuple(features), beta[:-1].astype(np.float32), float(beta[-1]),
                         mean.astype(np.float32), scale.astype(np.float32))
