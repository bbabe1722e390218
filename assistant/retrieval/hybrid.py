"""Hybrid retrieval: dense (Chroma) and lexical (FTS5 BM25) rankings fused by RRF.

Questions that name an outlet or a year add rankings restricted to those
articles, so "as reported by TechCrunch" or "in 2020" lift the matching ones
without hiding the rest. The question comes analysed (``QueryAnalysis``): this
module reads no question text, it only ranks.
"""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import zip_longest

from assistant.index import Hit, Store, published_ts
from assistant.models import Passage
from assistant.retrieval.analysis import QueryAnalysis

RRF_K = 10  # a sharp fusion: the top of each ranking counts most (MultiHop: MRR 0.619 -> 0.637)
WIDEN = 2  # how much wider the one lexical list is when a question names years
EMBED_THREADS = 2
DAY = 86_400.0
DAY_SLACK = DAY  # a day named in a question may be the next or the day before in UTC


class Hybrid:
    """The hybrid ranker over one store. It owns the threads that embed questions: made on first
    use, ended by ``close()`` (or when the ranker is collected)."""

    # BM25 carries names, numbers and outlets that news questions turn on: it weighs twice the dense ranking
    def __init__(self, store: Store, candidates: int = 40, lexical_weight: float = 2.0,
                 dense_weight: float = 1.0) -> None:
        self.store = store
        self.candidates = candidates
        self.lexical_weight = lexical_weight
        self.dense_weight = dense_weight
        self.sub_questions = True
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._finalizer: weakref.finalize | None = None

    def search(self, analysis: QueryAnalysis, depth: int | None = None) -> list[Passage]:
        """The ``depth`` (default ``analysis.k``) best passages, best first, each ``text == article.text[start:end]``.

        One lexical and one dense query, each wide; one lexical query restricted to each
        outlet the question names; the dense rankings of those outlets and of the years it
        names are cut from the wide lists.
        """
        store, n = self.store, self.candidates
        if store.count() == 0:
            return []
        query = analysis.retrieval_text
        # the model and SQLite both release the GIL: the question is embedded while BM25 ranks
        vector = store.cached_query_vector(query)
        pending = None if vector is not None else self._submit(query)
        filters, after, before = analysis.filters, analysis.after, analysis.before
        outlets, windows = analysis.retrieval_outlets, analysis.windows
        wide = n * WIDEN if windows else n  # outlets have lexical queries of their own
        lex = store.search_lexical(analysis.alternatives, wide, filters.source, after, before)
        # each named outlet gets its own lexical ranking, restricted to its articles and, when the question
        # has a side per outlet, on that side's words: both sides' articles are found, not the louder side's
        # twice (MultiHop fit half, against rankings cut from the one wide list: MRR@10 0.694 -> 0.721).
        # They need no vector: they run while the question is embedded.
        side_rankings = self._side_rankings(analysis, n) if self.sub_questions else []
        sided = {o for _, named, _ in side_rankings for o in named}
        per_outlet = {o: store.search_lexical(analysis.alternatives, n, [o], after, before)
                      for o in outlets if o not in sided}
        if pending is not None:
            vector = pending.result()
        dense = store.search_dense(vector, n, filters.source, after, before)
        rankings: list[tuple[float, list[Hit], str]] = [
            (self.lexical_weight, lex[:n], "lex"), (self.dense_weight, dense[:n], "dense")]
        for outlet in outlets:
            if outlet in per_outlet:
                rankings.append((self.lexical_weight, per_outlet[outlet], "lex"))
            rankings.append((self.dense_weight, [h for h in dense if h.source == outlet][:n], "dense"))
        rankings += [(self.lexical_weight, hits, "lex") for hits, _, _ in side_rankings]
        for a, b in windows:

            def inside(h: Hit, a: float | None = a, b: float | None = b) -> bool:
                return (h.published_ts is not None and (a is None or h.published_ts >= a)
                        and (b is None or h.published_ts < b) and (not outlets or h.source in outlets))

            rankings += [(0.5 * self.lexical_weight, [h for h in lex if inside(h)][:n], "lex"),
                         (0.5 * self.dense_weight, [h for h in dense if inside(h)][:n], "dense")]
        return self._fuse(rankings, depth or analysis.k, outlets)

    def _side_rankings(self, analysis: QueryAnalysis, n: int) -> list[tuple[list[Hit], list[str], list[str]]]:
        """One lexical ranking a side of the question: its own words, within the outlets it names and
        around the days it names ("the TechCrunch report of October 2, 2023, and the one of October 7")."""
        out = []
        for part, named, days in zip(analysis.parts, analysis.part_outlets, analysis.part_days, strict=False):
            alts = {t for group in part.values() for t in group if t}
            if not alts:
                continue
            windows = [(ts - DAY_SLACK, ts + DAY + DAY_SLACK) for ts in map(published_ts, days) if ts is not None]
            for after, before in windows or [(analysis.after, analysis.before)]:
                if analysis.after is not None:
                    after = max(after, analysis.after) if after is not None else analysis.after
                if analysis.before is not None:
                    before = min(before, analysis.before) if before is not None else analysis.before
                hits = self.store.search_lexical(alts, n, named or analysis.filters.source, after, before)
                out.append((hits, named, days))
        return out

    def clear_cache(self) -> None:
        self.store.clear_query_vectors()

    def close(self) -> None:
        """End the embedding threads; a later search starts new ones."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
        if pool is not None:
            pool.shutdown(wait=True)

    def _submit(self, query: str) -> Future[list[float]]:
        with self._pool_lock:  # under the lock: close() never shuts a pool a search is about to use
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=EMBED_THREADS, thread_name_prefix="citewise-query-embed")
                # an assistant dropped without close() (tests, scripts) still ends its threads
                self._finalizer = weakref.finalize(self, self._pool.shutdown, wait=False)
            return self._pool.submit(self._embed, query)

    def _embed(self, query: str) -> list[float]:
        return self.store.query_vector(query)

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
            if aid not in texts:  # an article's text is read once, however many of its passages rank
                texts[aid] = self.store.get_text(aid)
            text = texts[aid]
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
