"""How well a sentence answers the question: the share of the question's weighted terms it covers
(IDF-weighted, spelling variants, synonyms and derivations folded), raised by cues of the answer
type asked for (a reason for "why", a date for "when"), and a little by its passage's rank.
"""

from __future__ import annotations

import math

from assistant.answer.extractive.sentences import Sentence
from assistant.index import Store
from assistant.text.cues import CUE_REQUIRED, cue
from assistant.text.terms import related_terms, terms


def groups_less_outlets(groups: dict[str, set[str]], outlets: list[str]) -> dict[str, set[str]]:
    """A copy of the question's term groups, less the outlets it names: those are met by metadata."""
    out = dict(groups)
    for src in outlets:
        for t in terms(src):
            out.pop(t, None)
    return out


def idf_of(store: Store, groups: dict[str, set[str]]) -> tuple[dict[str, float], set[str]]:
    """IDF of each group (its most common alternative), and the groups no article uses."""
    n, df = store.doc_freq({t for alts in groups.values() for t in alts})
    freq = {g: max(df.get(t, 0) for t in alts) for g, alts in groups.items()}
    idf = {g: math.log(1 + (n - max(1, d) + 0.5) / (max(1, d) + 0.5)) for g, d in freq.items()}
    return idf, {g for g, d in freq.items() if d == 0}


def score(sents: list[Sentence], groups: dict[str, set[str]], idf: dict[str, float], kind: str,
          texts: dict[str, str], cue_weight: float) -> None:
    """Coverage and score of every candidate sentence; sorts them best first."""
    total = sum(idf.values()) or 1.0
    wanted = related_terms(groups, set().union(*(s.terms for s in sents)))
    by_article: dict[str, list[Sentence]] = {}
    for s in sents:
        s.matched = {g for g, ts in wanted.items() if ts & s.terms}
        by_article.setdefault(s.article_id, []).append(s)
    for group in by_article.values():
        group.sort(key=lambda x: x.start)
        text = texts[group[0].article_id]
        for i, s in enumerate(group):
            # a term the neighbouring sentence of the paragraph names ("the S-400 ... It was
            # delivered") half-counts: the sentence is about it without repeating it
            for j in (i - 1, i + 1):
                if 0 <= j < len(group) and "\n" not in text[min(s.start, group[j].start):max(s.end, group[j].end)]:
                    s.near |= group[j].matched - s.matched
            s.cover = (sum(idf[g] for g in s.matched) + 0.5 * sum(idf[g] for g in s.near)) / total
            short = 0.5 if len(s.terms) < 5 else 1.0
            c = s.cue = cue(kind, s.text)
            # a "why" sentence without a reason (a "when" without a date) barely answers
            missing = 0.7 if kind in CUE_REQUIRED and c == 0.0 else 1.0
            # the cue amplifies coverage, it does not replace it: "due to vote" is no reason
            s.score = short * missing * s.cover * (1 + cue_weight * c) + 0.08 / (1 + s.rank)
    sents.sort(key=lambda s: s.score, reverse=True)
