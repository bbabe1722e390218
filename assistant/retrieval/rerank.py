"""The reranking stage, between the hybrid ranker and the answerer, chosen by name (``Settings.reranker``).

A reranker reorders (or cuts) the passages the hybrid ranker found, given the analysed question; it
says how many candidates it wants to see (``depth``). ``meaning`` (the default) weighs each passage's
fused rank with how close its best sentences are in meaning to the question, by weights fitted on
labelled questions (``scripts/fit_answer_weights.py``); ``identity`` keeps the fused ranking.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

import numpy as np

from assistant.cache import Memo
from assistant.index import Store
from assistant.models import Passage
from assistant.retrieval.analysis import QueryAnalysis
from assistant.retrieval.meaning import Meaning
from assistant.retrieval.passage_model import PassageModel, load_passage_model, passage_rows
from assistant.text.sentences import sentence_spans
from assistant.text.terms import sentence_terms

TERMS_CACHE = 20_000  # passages whose analysed terms (whole and by sentence) are kept (~4 kB each)
SPANS_CACHE = 20_000  # passages whose sentence spans are kept


class Reranker(Protocol):
    def depth(self, k: int) -> int:
        """How many fused candidates to rerank for ``k`` passages."""
        ...

    def rerank(self, analysis: QueryAnalysis, passages: list[Passage]) -> list[Passage]:
        """The passages in their new order, best first, at most ``analysis.k`` of them."""
        ...

    def warm(self, passages: list[Passage]) -> None:
        """Read and analyse now what ranking these passages for a question would (a server reads ahead)."""
        ...


class IdentityReranker:
    """The hybrid ranking as it is."""

    def depth(self, k: int) -> int:
        return k

    def rerank(self, analysis: QueryAnalysis, passages: list[Passage]) -> list[Passage]:
        return passages[:analysis.k]

    def warm(self, passages: list[Passage]) -> None:
        return None


class MeaningReranker:
    """The fused ranking reweighed by the meaning of each passage's sentences."""

    def __init__(self, store: Store, model: PassageModel | None = None, pool: int = 3) -> None:
        self.store = store
        self.meaning = Meaning.of(store)
        self._terms: Memo[str, tuple[tuple[frozenset[str], ...], frozenset[str]]] = Memo(TERMS_CACHE)
        self.model = model or load_passage_model()
        self.pool = pool

    def depth(self, k: int) -> int:
        return max(k * self.pool, 20)

    def sentence_sims(self, analysis: QueryAnalysis, passages: list[Passage]) -> list[np.ndarray]:
        """Each passage's sentences' similarities to the question."""
        spans = [[(p.article_id, s, p.text[s - p.start:e - p.start]) for s, e in _offsets(p)] for p in passages]
        flat = [s for group in spans for s in group]
        sims = self.meaning.similarities(analysis.question, flat)
        out, i = [], 0
        for group in spans:
            out.append(sims[i:i + len(group)])
            i += len(group)
        return out

    def rows(self, analysis: QueryAnalysis, passages: list[Passage]) -> np.ndarray:
        """The passage model's signals of each passage."""
        read = self._read(passages)
        sentence_held, held = [r[0] for r in read], [r[1] for r in read]
        alts = set(analysis.terms) | {g for part in analysis.parts for g in part}
        n, df = self.store.doc_freq(alts)
        idf = {t: math.log(1 + (n - max(1, d) + 0.5) / (max(1, d) + 0.5)) for t, d in
               ((t, df.get(t, 0)) for t in alts)}
        return passage_rows(passages, self.sentence_sims(analysis, passages), analysis, held, sentence_held, idf)

    def warm(self, passages: list[Passage]) -> None:
        self.meaning.warm({p.article_id for p in passages})
        self._read(passages)

    def _read(self, passages: list[Passage]) -> list[tuple[tuple[frozenset[str], ...], frozenset[str]]]:
        """Each passage's sentences' analysed terms, and its own (kept: passages recur across questions)."""
        stored = self.meaning.analyses({p.article_id for p in passages})
        return [self._terms.get(p.text, lambda p=p: _passage_terms(p, stored.get(p.article_id, {})))
                for p in passages]

    def rerank(self, analysis: QueryAnalysis, passages: list[Passage]) -> list[Passage]:
        if len(passages) <= 1:
            return passages[:analysis.k]
        x = self.rows(analysis, passages)
        p = self.model.prob(x)
        order = sorted(range(len(passages)), key=lambda i: -p[i])
        return [passages[i] for i in order[:analysis.k]]


def _offsets(p: Passage) -> list[tuple[int, int]]:
    """The passage's sentence spans as article offsets (a passage is ``text[start:end]`` of its article)."""
    return [(p.start + s, p.start + e) for s, e in _spans(p.text)] or [(p.start, p.end)]


def _passage_terms(p: Passage, stored: dict[int, tuple[int, str]]) -> tuple[tuple[frozenset[str], ...],
                                                                             frozenset[str]]:
    """Each sentence's analysed terms, and the passage's: theirs, since sentence spans cover the passage
    (the same sets as the whole text's on all 6,398 MultiHop chunks). A sentence ingest analysed (``stored``:
    {start: (end, analysis)} of its article) is read, not analysed again: the answerer then finds it kept."""
    text = p.text
    sentences = tuple(sentence_terms(text[s:e], _analysis(stored, p.start + s, p.start + e))[0]
                      for s, e in _spans(text)) or (sentence_terms(text)[0],)
    return sentences, frozenset().union(*sentences)


def _analysis(stored: dict[int, tuple[int, str]], start: int, end: int) -> str | None:
    """The stored analysis of the sentence ``[start:end]``, if ingest cut the same sentence there."""
    held = stored.get(start)
    return held[1] if held is not None and held[0] == end else None


@lru_cache(maxsize=SPANS_CACHE)
def _spans(text: str) -> tuple[tuple[int, int], ...]:
    # passages recur across questions: each is split into sentences once (~2 ms a question saved)
    return tuple(sentence_spans(text, 0, len(text)))


RERANKERS: dict[str, Callable[[Store], Reranker]] = {"meaning": MeaningReranker,
                                                     "identity": lambda store: IdentityReranker()}


def make_reranker(name: str, store: Store) -> Reranker:
    """The reranker called ``name``; ValueError lists the valid names."""
    try:
        factory = RERANKERS[name]
    except KeyError:
        raise ValueError(f"unknown reranker {name!r}; choose one of: {', '.join(RERANKERS)}") from None
    return factory(store)
