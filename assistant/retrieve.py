"""Hybrid retrieval: dense (Chroma) and lexical (FTS5 BM25) rankings fused by RRF.

Questions that name an outlet or a year add rankings restricted to those
articles, so "as reported by TechCrunch" or "in 2020" lift the matching ones
without hiding the rest. Exposed as a LangChain retriever for the chain.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from itertools import zip_longest

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.cache import Memo
from assistant.models import Passage
from assistant.query import mentioned_sources
from assistant.store import Hit, Store, published_ts
from assistant.text.dates import time_windows
from assistant.text.terms import expansions

# question vectors are computed here while the calling thread runs the lexical query
_EMBEDDER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="citewise-query-embed")
RRF_K = 10  # a sharp fusion: the top of each ranking counts most (MultiHop: MRR 0.619 -> 0.637)
WIDEN = 2  # how much wider the single lexical and dense lists are when a question names outlets or years


@dataclass
class Filters:
    """Hard filters from an API caller: outlets and a publication window (ISO dates)."""

    source: list[str] | None = None
    published_after: str | None = None
    published_before: str | None = None


class Retrieval:
    """The hybrid ranker over one store."""

    # BM25 carries names, numbers and outlets that news questions turn on: it weighs twice the dense ranking
    def __init__(self, store: Store, candidates: int = 40, lexical_weight: float = 2.0,
                 dense_weight: float = 1.0) -> None:
        self.store = store
        self.candidates = candidates
        self.lexical_weight = lexical_weight
        self.dense_weight = dense_weight
        self._cache: Memo[str, list[float]] = Memo(1024)  # query vectors: ask after search, retries, evals

    def search(self, query: str, k: int = 8, filters: Filters | None = None) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first, each ``text == article.text[start:end]``.

        One lexical and one dense query, each wide; the rankings restricted to the
        outlets or years the question names are cut from those same lists.
        """
        store, n = self.store, self.candidates
        if store.count() == 0:
            return []
        # the model and SQLite both release the GIL: the question is embedded while the question is
        # analysed and BM25 ranks (~4 ms saved)
        vector = self._cache.peek(query)
        pending = None if vector is not None else _EMBEDDER.submit(self._embed, query)
        filters = filters or Filters()
        after = published_ts(filters.published_after)
        before = published_ts(filters.published_before)
        alts = {t for g in expansions(query).values() for t in g if t}
        outlets = [] if filters.source else mentioned_sources(query, store.sources())
        windows = [] if (after or before) else time_windows(query)
        wide = n * WIDEN if (outlets or windows) else n
        lex = store.search_lexical(alts, wide, filters.source, after, before)
        if pending is not None:
            vector = pending.result()
        dense = store.search_dense(vector, n, filters.source, after, before)
        rankings: list[tuple[float, list[Hit], str]] = [
            (self.lexical_weight, lex[:n], "lex"), (self.dense_weight, dense[:n], "dense")]
        for outlet in outlets:
            rankings += [(self.lexical_weight, [h for h in lex if h.source == outlet][:n], "lex"),
                         (self.dense_weight, [h for h in dense if h.source == outlet][:n], "dense")]
        for a, b in windows:

            def inside(h: Hit, a: float | None = a, b: float | None = b) -> bool:
                return (h.published_ts is not None and (a is None or h.published_ts >= a)
                        and (b is None or h.published_ts < b) and (not outlets or h.source in outlets))

            rankings += [(0.5 * self.lexical_weight, [h for h in lex if inside(h)][:n], "lex"),
                         (0.5 * self.dense_weight, [h for h in dense if inside(h)][:n], "dense")]
        return self._fuse(rankings, k, outlets)

    def clear_cache(self) -> None:
        self._cache.clear()

    def _embed(self, query: str) -> list[float]:
        return self._cache.get(query, lambda: self.store.embeddings.embed_query(query))

    def _fuse(self, rankings: list[tuple[float, list[Hit], str]], k: int, outlets: list[str]) -> list[Passage]:
        fused: dict[tuple[str, int, int], float] = {}
        signal: dict[tuple[str, int, int], dict[str, float]] = {}
        source: dict[tuple[str, int, int], str | None] = {}
        for weight, hits, kind in rankings:
            for rank, (aid, s, e, score, src, _ts) in enumerate(hits):
                key = (aid, s, e)
                fused[key] = fused.get(key, 0.0) + weight / (RRF_K + rank + 1)
                sig = signal.setdefault(key, {})
                sig[kind] = max(sig.get(kind, float("-inf")), score)
                source[key] = src
        ranked = sorted(fused.items(), key=lambda kv: kv[1], reverse=True)
        if outlets:
            ranked = _take_turns(ranked, [[kv for kv in ranked if source[kv[0]] == o] for o in outlets])
        best = ranked[:k]
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


def _take_turns(ranked: list, per_outlet: list[list]) -> list:
    """Each named outlet's best passages in turn, then the rest: a question that compares what
    two outlets reported needs both in the top k, not ten passages of the louder one."""
    out, seen = [], set()
    for row in zip_longest(*per_outlet):
        for item in row:
            if item is not None and item[0] not in seen:
                seen.add(item[0])
                out.append(item)
    return out + [item for item in ranked if item[0] not in seen]


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
