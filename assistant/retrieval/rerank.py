"""The reranking stage, between the hybrid ranker and the answerer, chosen by name (``Settings.reranker``).

A reranker reorders (or cuts) the passages the hybrid ranker found, given the analysed question.
Only the identity is registered: the fused ranking is what the answers are tuned on, and a model
that reorders passages is one entry in ``RERANKERS`` away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from assistant.models import Passage
from assistant.retrieval.analysis import QueryAnalysis


class Reranker(Protocol):
    def rerank(self, analysis: QueryAnalysis, passages: list[Passage]) -> list[Passage]:
        """The passages in their new order, best first, at most ``analysis.k`` of them."""
        ...


class IdentityReranker:
    """The hybrid ranking as it is."""

    def rerank(self, analysis: QueryAnalysis, passages: list[Passage]) -> list[Passage]:
        return passages


RERANKERS: dict[str, Callable[[], Reranker]] = {"identity": IdentityReranker}


def make_reranker(name: str) -> Reranker:
    """The reranker called ``name``; ValueError lists the valid names."""
    try:
        factory = RERANKERS[name]
    except KeyError:
        raise ValueError(f"unknown reranker {name!r}; choose one of: {', '.join(RERANKERS)}") from None
    return factory()
