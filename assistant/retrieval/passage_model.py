"""The passage model: a logistic regression (``assistant.learned``) over a retrieved passage's signals,
the probability that it holds a fact the question asks about; shipped as
``assistant/resources/passage_weights.json`` by ``scripts/fit_answer_weights.py``.

Signals: its fused rank and score, whether each ranker found it and the dense score, how much of
the question's IDF-weighted terms it holds (and of the best-held side of a question with several),
the similarity of its best and second-best sentences to the question, how much of those terms its
best single sentence holds (against the pool's best and its own article's best passage), and whether
its outlet and year are ones the question names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.learned import LogisticModel, load_weights
from assistant.models import Passage
from assistant.retrieval.analysis import QueryAnalysis
from assistant.text.coverage import Coverage
from assistant.text.dates import near_day

WEIGHTS_FILE = "passage_weights.json"
PassageModel = LogisticModel

FEATURES = (
    "fused_top",  # 1 / (1 + its fused rank)
    "fused_rel",  # its fused score over the best one's
    "lexical",  # BM25 found it
    "dense",  # the dense score (0 when the dense ranker did not find it)
    "cover",  # share of the question's IDF-weighted term groups in the passage
    "cover_rel",  # ...over the best candidate's
    "part_cover",  # the best share of one side's terms, for a question with several sides (else cover)
    "best_sim",  # its best sentence's similarity to the question
    "best_sim_rel",  # ...less the best over all candidates
    "second_sim",  # its second-best sentence's
    "outlet_named",  # the question names outlets and this is one of them
    "outlet_other",  # the question names outlets and this is none of them
    "year_named",  # the question names years and the article was published in one of them
    "day_named",  # the question names days and the article was published on one of them
    # a fact is one sentence: which of an article's passages holds it turns on the sentence that holds
    # the question's terms together (MultiHop fit half, 6 x 5-fold CV: MRR@10 0.717 -> 0.732)
    "sent_cover",  # the best share of the question's IDF-weighted term groups in one of its sentences
    "sent_cover_rel",  # ...less the best over all candidates
    "sent_cover_art",  # ...less the best over its own article's candidates
)


def load_passage_model(path: str | Path | None = None) -> PassageModel:
    return load_weights(WEIGHTS_FILE, FEATURES, path)


def passage_rows(passages: list[Passage], sims: list[np.ndarray], analysis: QueryAnalysis,
                 held: list[frozenset[str]], sentence_held: list[tuple[frozenset[str], ...]],
                 idf: dict[str, float]) -> np.ndarray:
    """One row of ``FEATURES`` per passage, in their fused order; ``held`` are each passage's analysed
    terms, ``sentence_held`` each of its sentences', and ``idf`` the weights of the question's term groups."""
    x = np.zeros((len(passages), len(FEATURES)), dtype=np.float32)
    if not passages:
        return x
    cover = Coverage(analysis.terms, idf)
    covers = [cover(h) for h in held]
    sent_covers = [max(map(cover, hs), default=0.0) for hs in sentence_held]
    best_sent_cover = max(sent_covers)
    article_best: dict[str, float] = {}
    for p, c in zip(passages, sent_covers, strict=True):
        article_best[p.article_id] = max(c, article_best.get(p.article_id, 0.0))
    best_cover = max(covers) or 1.0
    parts = [Coverage(g, idf) for g in analysis.parts]
    part_covers = [max((part(h) for part in parts), default=c) for h, c in zip(held, covers, strict=True)]
    top_score = max(p.score for p in passages) or 1.0
    bests = [float(s.max()) if len(s) else 0.0 for s in sims]
    best_all = max(bests)
    outlets = set(analysis.outlets)
    years = {str(y) for y in analysis.years}
    for i, (p, s) in enumerate(zip(passages, sims, strict=True)):
        second = float(np.sort(s)[-2]) if len(s) > 1 else bests[i]
        x[i] = (
            1.0 / (1.0 + i),
            p.score / top_score,
            1.0 if p.lexical is not None else 0.0,
            p.dense if p.dense is not None else 0.0,
            covers[i],
            covers[i] / best_cover,
            part_covers[i],
            bests[i],
            bests[i] - best_all,
            second,
            1.0 if outlets and p.source in outlets else 0.0,
            1.0 if outlets and p.source not in outlets else 0.0,
            1.0 if years and (p.published or "")[:4] in years else 0.0,
            1.0 if near_day(p.published, analysis.days) else 0.0,
            sent_covers[i],
            sent_covers[i] - best_sent_cover,
            sent_covers[i] - article_best[p.article_id],
        )
    return x
