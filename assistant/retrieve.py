"""Hybrid retrieval: dense (Chroma) and lexical (FTS5 BM25) rankings fused by RRF.

Questions that name an outlet or a year add rankings restricted to those
articles, so "as reported by TechCrunch" or "in 2020" lift the matching ones
without hiding the rest. Exposed as a LangChain retriever for the chain.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.models import Passage
from assistant.store import Store, published_ts
from assistant.textnorm import expansions, fold

RRF_K = 60
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


@dataclass
class Filters:
    """Hard filters from an API caller: outlets and a publication window (ISO dates)."""

    source: list[str] | None = None
    published_after: str | None = None
    published_before: str | None = None


def fts_query(question: str) -> str | None:
    """An FTS5 OR-query of the question's content terms and their variants."""
    groups = expansions(question)
    alts = sorted({t for g in groups.values() for t in g if t})
    return " OR ".join(f'"{t}"' for t in alts) or None


def mentioned_sources(question: str, sources: list[str]) -> list[str]:
    """Outlets of the store that the question names ("as reported by The Age").

    Names match with their capitals ("the age of" is not The Age), except
    domain-like names (caliber.az), which people type in any case.
    """
    folded_q = fold(question)
    found = []
    for src in sources:
        bare = re.sub(r"^the\s+", "", src, flags=re.I)
        for name in {src, bare, re.sub(r"\.(com|az|org|net|co\.uk)$", "", src, flags=re.I)}:
            if len(name) < 3:
                continue
            hay, needle = (folded_q, fold(name)) if "." in name else (question, name)
            if re.search(rf"(?<![\w.]){re.escape(needle)}(?![\w])", hay):
                found.append(src)
                break
    return found


def mentioned_years(question: str) -> list[int]:
    return sorted({int(y) for y in _YEAR.findall(question)})


def _year_bounds(year: int) -> tuple[float, float]:
    a = datetime(year, 1, 1, tzinfo=UTC).timestamp()
    return a, datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()


class Retrieval:
    """The hybrid ranker over one store."""

    def __init__(self, store: Store, candidates: int = 40, lexical_weight: float = 1.0,
                 dense_weight: float = 1.0) -> None:
        self.store = store
        self.candidates = candidates
        self.lexical_weight = lexical_weight
        self.dense_weight = dense_weight

    def search(self, query: str, k: int = 8, filters: Filters | None = None) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first, each ``text == article.text[start:end]``."""
        store, n = self.store, self.candidates
        if store.count() == 0:
            return []
        filters = filters or Filters()
        after = published_ts(filters.published_after)
        before = published_ts(filters.published_before)
        match = fts_query(query)
        vector = store.embeddings.embed_query(query)
        hard = self._where(filters.source, after, before)
        rankings: list[tuple[float, list[tuple[str, int, int, float]], str]] = []
        if match:
            rankings.append((self.lexical_weight, store.lexical(match, n, filters.source, after, before), "lex"))
        rankings.append((self.dense_weight, store.dense(vector, n, hard), "dense"))
        outlets = [] if filters.source else mentioned_sources(query, store.sources())
        if outlets:
            if match:
                rankings.append((self.lexical_weight, store.lexical(match, n, outlets, after, before), "lex"))
            rankings.append((self.dense_weight, store.dense(vector, n, self._where(outlets, after, before)), "dense"))
        years = [] if (after or before) else mentioned_years(query)
        for y in years[:2]:
            a, b = _year_bounds(y)
            if match:
                rankings.append((0.5 * self.lexical_weight, store.lexical(match, n, outlets or None, a, b), "lex"))
            rankings.append((0.5 * self.dense_weight, store.dense(vector, n, self._where(outlets, a, b)), "dense"))
        return self._fuse(rankings, k)

    @staticmethod
    def _where(sources: list[str] | None, after: float | None, before: float | None) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if sources:
            clauses.append({"source": {"$in": list(sources)}})
        if after is not None:
            clauses.append({"published_ts": {"$gte": after}})
        if before is not None:
            clauses.append({"published_ts": {"$lt": before}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def _fuse(self, rankings, k: int) -> list[Passage]:
        fused: dict[tuple[str, int, int], float] = {}
        signal: dict[tuple[str, int, int], dict[str, float]] = {}
        for weight, hits, kind in rankings:
            for rank, (aid, s, e, score) in enumerate(hits):
                key = (aid, s, e)
                fused[key] = fused.get(key, 0.0) + weight / (RRF_K + rank + 1)
                sig = signal.setdefault(key, {})
                sig[kind] = max(sig.get(kind, float("-inf")), score)
        best = sorted(fused.items(), key=lambda kv: kv[1], reverse=True)[:k]
        texts: dict[str, str] = {}
        out = []
        for (aid, s, e), score in best:
            try:
                meta = self.store.get_meta(aid)
            except Exception:  # vectors of an article removed meanwhile: skip, never show a stale span
                continue
            text = texts.setdefault(aid, self.store.get_text(aid))
            sig = signal[(aid, s, e)]
            out.append(Passage(article_id=aid, chunk_id=f"{aid}@{s}", start=s, end=e, text=text[s:e],
                               score=round(score, 6), title=meta["title"], source=meta["source"],
                               author=meta["author"], published=meta["published"], url=meta["url"],
                               dense=sig.get("dense"), lexical=sig.get("lex")))
        return out


class HybridRetriever(BaseRetriever):
    """LangChain face of ``Retrieval``: documents carry the passage fields as metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    retrieval: Retrieval
    k: int = 8
    filters: Filters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [passage_to_document(p) for p in self.retrieval.search(query, self.k, self.filters)]


def passage_to_document(p: Passage) -> Document:
    meta = asdict(p)
    return Document(page_content=meta.pop("text"), metadata=meta)


def document_to_passage(d: Document) -> Passage:
    return Passage(text=d.page_content, **d.metadata)
