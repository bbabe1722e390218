"""The passage model's half of ``fit_answer_weights.py``: each MultiHop question's fused candidates with
their signals and labels (a passage holding a gold fact), the fit, and the retrieval figures it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.learned import LogisticModel, fit_logistic
from assistant.pipeline import Assistant
from assistant.retrieval import passage_model
from assistant.retrieval.rerank import MeaningReranker
from evals.split import half
from evals.stats import hits_at, mrr

RETRIEVAL_K = 10  # the benchmark's Hits@10


@dataclass
class Pool:
    """One MultiHop question's fused candidates, with their passage signals and labels."""

    half: str
    x: np.ndarray
    labels: np.ndarray


def passage_pools(a: Assistant, questions: list[dict[str, Any]]) -> list[Pool]:
    reranker = a.pipeline.reranker
    assert isinstance(reranker, MeaningReranker)
    out = []
    for q in questions:
        facts = [e["fact"] for e in q["evidence"]]
        if not facts:
            continue
        analysis = a.pipeline.analyse(q["question"], k=RETRIEVAL_K)
        pool = a.pipeline.hybrid.search(analysis, reranker.depth(RETRIEVAL_K))
        x = reranker.rows(analysis, pool)
        labels = np.array([1.0 if any(f in p.text for f in facts) else 0.0 for p in pool])
        out.append(Pool(half(q["id"]), x, labels))
    return out


def ranks(pools: list[Pool], model: LogisticModel | None) -> list[int | None]:
    """The rank (1-based) of each question's first gold passage in the top RETRIEVAL_K, by the model
    (None: the fused order)."""
    out: list[int | None] = []
    for p in pools:
        order = np.arange(len(p.labels)) if model is None else np.argsort(-model.prob(p.x), kind="stable")
        hit = next((r for r, i in enumerate(order[:RETRIEVAL_K], 1) if p.labels[i]), None)
        out.append(hit)
    return out


def retrieval_figures(pools: list[Pool], model: LogisticModel | None) -> dict[str, float | None]:
    r = ranks(pools, model)
    return {"hits_at_4": hits_at(r, 4), "hits_at_10": hits_at(r, 10), "mrr_at_10": mrr(r, 10)}


def cross_validated_mrr(pools: list[Pool], l2: float, folds: int = 5, repeats: int = 6) -> dict[str, float]:
    """MRR@10 of the passage model on the fit half by ``repeats`` x ``folds``-fold cross-validation (folds
    shuffled by a fixed seed each repeat), with its standard error: how a new signal is judged without the
    check half (one 5-fold split moves by ~0.01 with the folds)."""
    fit_pools = [p for p in pools if p.half == "fit"]
    scores = []
    for r in range(repeats):
        order = np.random.default_rng(r).permutation(len(fit_pools))
        fold = np.empty(len(fit_pools), dtype=int)
        fold[order] = np.arange(len(fit_pools)) % folds
        for k in range(folds):
            train = [p for p, f in zip(fit_pools, fold, strict=True) if f != k]
            held = [p for p, f in zip(fit_pools, fold, strict=True) if f == k]
            scores.append(mrr(ranks(held, fit_passages(train, l2)), RETRIEVAL_K))
    return {"mrr_at_10": round(float(np.mean(scores)), 4),
            "standard_error": round(float(np.std(scores) / np.sqrt(len(scores))), 4)}


def fit_passages(pools: list[Pool], l2: float, pairwise: bool = False) -> LogisticModel:
    """The passage model on the fit half: pointwise (a passage holds a gold fact), or pairwise (a gold
    passage ranks above a passage of the same question without one: the differences of their rows, both
    ways, so the intercept is ~0 and the probability orders passages as the pairwise score does)."""
    fit_pools = [p for p in pools if p.half == "fit" and p.labels.any()]
    if not fit_pools:
        raise SystemExit("no fit-half question has a gold passage among its candidates: is the corpus in the store?")
    if not pairwise:
        x = np.vstack([p.x for p in fit_pools])
        y = np.concatenate([p.labels for p in fit_pools])
        w = np.concatenate([np.full(len(p.labels), 1.0 / len(p.labels)) for p in fit_pools]) * len(fit_pools)
        return fit_logistic(x, y, passage_model.FEATURES, w, l2=l2)
    rows, ys, ws = [], [], []
    for p in fit_pools:
        pos, neg = p.x[p.labels > 0], p.x[p.labels == 0]
        if not len(neg):
            continue
        diff = (pos[:, None, :] - neg[None, :, :]).reshape(-1, p.x.shape[1])
        rows += [diff, -diff]
        ys += [np.ones(len(diff)), np.zeros(len(diff))]
        ws += [np.full(2 * len(diff), 1.0 / (2 * len(diff)))]  # each question weighs the same
    x, y, w = np.vstack(rows), np.concatenate(ys), np.concatenate(ws) * len(ws)
    model = fit_logistic(x, y, passage_model.FEATURES, w, l2=l2)
    # the differences were standardised around ~0: score raw rows on the same scale, without their mean
    return LogisticModel(model.features, model.coef, 0.0, np.zeros_like(model.mean), model.scale)
