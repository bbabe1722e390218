"""The answer model: a logistic regression over a sentence's ``features`` (``assistant.learned``),
shipped as ``assistant/resources/answer_weights.json`` with what was fitted with it: the answerable
model (a second regression, over the question's ``QUESTION_FEATURES``: how well its best candidates
answer it), the threshold under which the answer is ``no_answer`` (``abstain_below``), the share of
the best sentence's probability a further quote needs (``quote_floor``; ``article_floor`` for the first
quote of another article), and how many quotes an answer takes (``max_quotes``, ``same_article_share``),
all chosen on the fit half."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.answer.extractive.features import FEATURES, QUESTION_FEATURES, question_row
from assistant.answer.extractive.sentences import ExtractiveConfig
from assistant.learned import LogisticModel, load_weights

WEIGHTS_FILE = "answer_weights.json"
AnswerModel = LogisticModel


def load_model(path: str | Path | None = None) -> AnswerModel:
    """The shipped answer model, or the one in ``path``."""
    return load_weights(WEIGHTS_FILE, FEATURES, path)


def abstain_below(model: AnswerModel) -> float:
    return float(model.extra.get("abstain_below", 0.5))


def quote_floor(model: AnswerModel) -> float:
    return float(model.extra.get("quote_floor", 0.5))


def article_floor(model: AnswerModel) -> float:
    """The share of the best probability the best sentence of a further article needs to be quoted."""
    return float(model.extra.get("article_floor", quote_floor(model)))


def with_fitted(cfg: ExtractiveConfig, model: AnswerModel) -> ExtractiveConfig:
    """``cfg`` with the quote counts it leaves open (None) taken from the model's fit."""
    if cfg.max_quotes is not None and cfg.same_article_share is not None:
        return cfg
    return replace(cfg, max_quotes=cfg.max_quotes or int(model.extra.get("max_quotes", 3)),
                   same_article_share=(cfg.same_article_share if cfg.same_article_share is not None
                                       else float(model.extra.get("same_article_share", 0.8))))


class _Read(Protocol):
    x: np.ndarray
    names_missing: float
    unknown: float
    idf: dict[str, float]


def answerable(model: AnswerModel, p: np.ndarray, reading: _Read) -> float:
    """The probability that the question is answered by its candidates (the best sentence's
    probability when the weights hold no answerable model)."""
    q = _answerable_model(model)
    if q is None:
        return float(p.max())
    return float(q.prob(question_row(p, reading.x, reading.names_missing, reading.unknown, len(reading.idf)))[0])


_parsed: dict[int, tuple[AnswerModel, LogisticModel | None]] = {}  # by id of the answer model: parsed once


def _answerable_model(model: AnswerModel) -> LogisticModel | None:
    held = _parsed.get(id(model))
    if held is None or held[0] is not model:  # the model is held with it: its id is never reused meanwhile
        if len(_parsed) >= 64:  # a fit's grid tries many; a service holds one
            _parsed.clear()
        sub = model.extra.get("answerable")
        held = _parsed[id(model)] = (model, LogisticModel.from_dict(sub, QUESTION_FEATURES) if sub else None)
    return held[1]
