"""What the answer model knows of each candidate sentence: the signals its fitted weights combine.

Each row is one sentence: how much of the question's weighted terms it covers (``scoring``), how
close it is in meaning to the question (``meaning``), whether it carries the kind of answer asked
for, its passage's rank, whether its outlet and year are those the question names, and where it
stands in its article. Signals relative to the best candidate let one set of weights serve questions
of any length. ``scripts/fit_answer_weights.py`` fits the weights on these rows.
"""

from __future__ import annotations

import numpy as np

from assistant.answer.extractive.sentences import Sentence
from assistant.retrieval.analysis import QueryAnalysis
from assistant.text.coverage import Coverage
from assistant.text.cues import CUE_REQUIRED
from assistant.text.dates import near_day

FEATURES = (
    "cover",  # share of the question's IDF-weighted terms in the sentence
    "near",  # ...only in a neighbouring sentence of its paragraph
    "cover_rel",  # cover over the best candidate's
    "part_cover",  # the best share of one side's terms, for a question with several sides (else cover)
    "sim",  # cosine of the sentence's and the question's vectors
    "sim_rel",  # sim less the best candidate's
    "sim_top",  # 1 / (1 + the sentence's rank by sim)
    "cue",  # carries the kind of answer asked for (a reason for why, a date for when)
    "cue_missing",  # the question needs that kind of answer and the sentence has none
    "passage_rank",  # 1 / (1 + its passage's rank)
    "outlet_named",  # the question names outlets and this is one of them
    "outlet_other",  # the question names outlets and this is none of them
    "year_named",  # the question names years and the article was published in one of them
    "day_named",  # the question names days and the article was published on one of them
    "position",  # where in its article the sentence starts (0 first, 1 last)
    "short",  # fewer than five terms
)


def feature_rows(sents: list[Sentence], sims: np.ndarray, analysis: QueryAnalysis, idf: dict[str, float],
                 texts: dict[str, str]) -> np.ndarray:
    """One row of ``FEATURES`` per sentence (scored already), in the order of ``sents``."""
    n = len(sents)
    x = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return x
    total = sum(idf.values()) or 1.0
    best_cover = max(s.cover for s in sents) or 1.0
    best_sim = float(sims.max())
    sim_rank = np.empty(n, dtype=np.float32)
    sim_rank[np.argsort(-sims, kind="stable")] = np.arange(n, dtype=np.float32)
    outlets = set(analysis.outlets)
    years = {str(y) for y in analysis.years}
    kind = analysis.kind
    # a word the question's IDF does not know (an outlet's) weighs 1 in a side's share
    parts = [Coverage(part, idf, missing=1.0) for part in analysis.parts]
    for i, s in enumerate(sents):
        part_cover = max((share(s.terms) for share in parts), default=s.cover)
        c = s.cue
        src = s.passage.source
        x[i] = (
            s.cover,
            sum(idf.get(g, 0.0) for g in s.near) / total,
            s.cover / best_cover,
            part_cover,
            sims[i],
            sims[i] - best_sim,
            1.0 / (1.0 + sim_rank[i]),
            c,
            1.0 if kind in CUE_REQUIRED and c == 0.0 else 0.0,
            1.0 / (1.0 + s.rank),
            1.0 if outlets and src in outlets else 0.0,
            1.0 if outlets and src not in outlets else 0.0,
            1.0 if years and (s.passage.published or "")[:4] in years else 0.0,
            1.0 if near_day(s.passage.published, analysis.days) else 0.0,
            s.start / max(1, len(texts[s.article_id])),
            1.0 if len(s.terms) < 5 else 0.0,
        )
    return x


QUESTION_FEATURES = (
    "top_p",  # the best sentence's probability
    "top3_p",  # the mean of the best three's
    "top_sim",  # the best similarity of any candidate to the question
    "top_cover",  # the best coverage of the question's terms
    "names_missing",  # share of the names the question asks about that no candidate's article holds
    "unknown",  # share of the question's words no article uses
    "cue_missing",  # the question needs a kind of answer (a reason, a date, a number) the best three lack
    "length",  # log of the number of the question's term groups: a long question is rarely covered whole
)


def question_row(p: np.ndarray, x: np.ndarray, names_missing: float, unknown: float, n_terms: int) -> np.ndarray:
    """The answerable model's signals of one question: how well its best candidates answer it."""
    top = np.sort(p)[::-1]
    best3 = np.argsort(-p)[:3]
    i_sim, i_cover, i_missing = FEATURES.index("sim"), FEATURES.index("cover"), FEATURES.index("cue_missing")
    return np.array([[
        float(top[0]), float(top[:3].mean()), float(x[:, i_sim].max()), float(x[:, i_cover].max()),
        names_missing, unknown, float(x[best3, i_missing].min()), float(np.log1p(n_terms)),
    ]], dtype=np.float32)
