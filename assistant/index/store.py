"""The store: the article repository, the lexical index and the vector index, kept in step.

What the rest of citewise reads and writes goes through ``Store``; it writes vectors first, then the rows of
whole articles in one transaction, so that a process killed in between leaves only what a re-run or
``citewise check`` repairs. Build one with ``assistant.index.open_store``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.cache import Memo
from assistant.errors import ConfigError, NotFoundError
from assistant.index.articles import ArticleRepository
from assistant.index.lexical import LexicalIndex
from assistant.index.sentence_vectors import analyse_sentences, embed_articles
from assistant.index.types import ChunkRow, Hit, Items, SentenceRow, published_ts
from assistant.index.vectors import VectorIndex
from assistant.models import Article, Chunk, Passage

WARM_BATCH = 32  # articles a batch of ``passages``: their sentence vectors are read in one query


def check_embeddings(articles: ArticleRepository, name: str, home: Path | str) -> None:
    """Record the embedding model a new store is built with; ConfigError if an old one was built with another."""
    built = articles.get_flag("embeddings")
    if built is None:
        articles.set_flag("embeddings", name)
    elif built != name:
        raise ConfigError(f"the store at {home} was built with embeddings {built!r}, not {name!r}: "
                          f"set CITEWISE_EMBEDDINGS={built} or use another --store")


class Store:
    """Articles, chunks, lexical index and vectors, kept in step by ``upsert`` and ``remove``."""

    def __init__(self, home: Path, embeddings: Embeddings, articles: ArticleRepository, lexical: LexicalIndex,
                 vectors: VectorIndex) -> None:
        self.home = Path(home)
        self.embeddings = embeddings
        self.articles = articles
        self.lexical = lexical
        self.vectors = vectors
        self.lock = threading.RLock()  # a write to several parts, or a check, at a time
        # question vectors: retrieval and the answer's sentence similarities share them; ask after search
        self._query_vectors: Memo[str, list[float]] = Memo(1024)

    # -- reads -------------------------------------------------------------------
    def get_text(self, article_id: str) -> str:
        return self.articles.get_text(article_id)

    def get_meta(self, article_id: str) -> dict[str, Any]:
        return self.articles.get_meta(article_id)

    def get_article(self, article_id: str) -> Article:
        return self.articles.get_article(article_id)

    def list_articles(self) -> list[dict[str, Any]]:
        return self.articles.list_articles()

    def count(self) -> int:
        return self.articles.count()

    def sources(self) -> list[str]:
        return self.articles.sources()

    def content_hash(self, article_id: str) -> str | None:
        return self.articles.content_hash(article_id)

    def get_flag(self, key: str) -> str | None:
        return self.articles.get_flag(key)

    def set_flag(self, key: str, value: str) -> None:
        self.articles.set_flag(key, value)

    def doc_freq(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(number of chunks, chunks containing each analysed term), for IDF weights."""
        return self.lexical.doc_freq(terms)

    def article_terms(self, article_id: str) -> frozenset[str]:
        """The analysed terms of an article's title and text, as the lexical index holds them."""
        return self.lexical.article_terms(article_id)

    def search_lexical(self, terms: Collection[str], k: int, sources: Sequence[str] | None = None,
                       after: float | None = None, before: float | None = None) -> list[Hit]:
        """The ``k`` chunks that rank best by BM25 for any of these analysed terms, best first."""
        return self.lexical.search(terms, k, sources, after, before)

    def search_dense(self, vector: list[float], k: int, sources: Sequence[str] | None = None,
                     after: float | None = None, before: float | None = None) -> list[Hit]:
        """The ``k`` chunks nearest to ``vector`` by cosine within the filters, best first."""
        if self.count() == 0:
            return []
        nearest = self.vectors.query(vector, k, sources, after, before)
        if not nearest:
            return []
        spans = {c.chunk_id: c for c in self.articles.chunks([cid for cid, _ in nearest])}
        metas = self.articles.metas()
        hits = []
        for cid, dist in nearest:
            span = spans.get(cid)
            meta = metas.get(span.article_id) if span else None
            if span is None or meta is None:  # a vector whose rows a crashed ingest never wrote: check removes it
                continue
            hits.append(Hit(span.article_id, span.start, span.end, 1.0 - dist, meta["source"] or None,
                            meta["published_ts"]))
        return hits

    def query_vector(self, text: str) -> list[float]:
        """The embedding of a question, kept for the next stage and the next ask of the same question."""
        return self._query_vectors.get(text, lambda: self.embeddings.embed_query(text))

    def cached_query_vector(self, text: str) -> list[float] | None:
        return self._query_vectors.peek(text)

    def clear_query_vectors(self) -> None:
        self._query_vectors.clear()

    def ping(self) -> None:
        """StoreUnavailableError unless both the article database and the vector store answer."""
        self.articles.ping()
        self.vectors.count()

    def stats(self) -> dict[str, Any]:
        size = sum(p.stat().st_size for p in self.home.rglob("*") if p.is_file())
        return {"articles": self.count(), "chunks": self.articles.chunk_count(), "bytes": size, "at": time.time()}

    # -- writes ------------------------------------------------------------------
    def upsert(self, items: Items, vectors: Sequence[Sequence[float]] | None = None,
               sentences: Mapping[str, Sequence[SentenceRow]] | None = None) -> None:
        """Replace these articles and their chunks; ``vectors`` are the chunks' in order and ``sentences``
        the articles' sentence vectors, else both are embedded here, a vector write at a time.

        Vectors first (in as many writes as the vector index needs), then the rows of all the articles in
        one transaction: a crash in between leaves vectors without rows (and a replaced article's rows
        without their old vectors), never half an article's rows; a re-run or `citewise check` repairs it.
        """
        if not items:
            return
        with self.lock:
            self.delete_vectors([article.article_id for article, _ in items])
            embedded: dict[str, list[SentenceRow]] = {}
            self.add_vectors(items, vectors, sentences_out=embedded if vectors is None else None)
            self.write_rows(items, sentences if sentences is not None else embedded)

    def delete_vectors(self, article_ids: Iterable[str]) -> None:
        """Drop these articles' vectors: the first step of replacing them."""
        with self.lock:
            for article_id in article_ids:
                self.vectors.delete(article_id)

    def add_vectors(self, items: Items, vectors: Sequence[Sequence[float]] | None = None, *,
                    sentences_out: dict[str, list[SentenceRow]] | None = None) -> None:
        """Store the vectors of these chunks (``vectors``, one a chunk in order, or embedded here from their
        sentences, whose rows then go to ``sentences_out``), in writes of at most the vector index's batch
        size. Their rows are ``write_rows``'s job, once every vector of the article is in."""
        total = sum(len(chunks) for _, chunks in items)
        if vectors is not None and len(vectors) != total:
            raise ValueError(f"{len(vectors)} vectors for {total} chunks")
        batch = self.vectors.batch_size()
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        parts: list[tuple[Article, Chunk]] = []
        done = 0

        def flush() -> None:
            nonlocal done
            # embedded a write at a time when not given: memory stays bounded whatever the article's length
            got = vectors[done:done + len(ids)] if vectors is not None else self._embed(parts, sentences_out)
            self.vectors.add(ids, got, metas, texts)
            done += len(ids)
            ids.clear()
            texts.clear()
            metas.clear()
            parts.clear()

        with self.lock:
            for article, chunks in items:
                ts = published_ts(article.published)
                for c in chunks:
                    meta: dict[str, Any] = {"article_id": c.article_id, "start": c.start, "end": c.end,
                                            "source": article.source or ""}
                    if ts is not None:
                        meta["published_ts"] = ts
                    ids.append(c.chunk_id)
                    texts.append(c.text)
                    metas.append(meta)
                    parts.append((article, c))
                    if len(ids) >= batch:
                        flush()
            if ids:
                flush()

    def embed(self, items: Items) -> tuple[list[list[float]], dict[str, list[SentenceRow]]]:
        """The chunks' vectors, in order, each the mean of its sentences' vectors, and those sentences' rows
        by article id (an article's chunks may come in several runs: their rows are joined)."""
        vectors, per_article = embed_articles(self.embeddings, [(a.text, chunks) for a, chunks in items])
        rows: dict[str, list[SentenceRow]] = {}
        for (article, _), sents in zip(items, per_article, strict=True):
            rows.setdefault(article.article_id, []).extend(sents)
        return vectors, rows

    def _embed(self, parts: list[tuple[Article, Chunk]], sentences_out: dict[str, list[SentenceRow]] | None
               ) -> list[list[float]]:
        """The vectors of a write's chunks, an article's run of them at a time."""
        runs = [(run[0][0], [c for _, c in run]) for run in
                (list(g) for _, g in groupby(parts, key=lambda p: p[0].article_id))]
        vectors, rows = self.embed(runs)
        if sentences_out is not None:
            for article_id, sents in rows.items():
                sentences_out.setdefault(article_id, []).extend(sents)
        return vectors

    def write_rows(self, items: Items, sentences: Mapping[str, Sequence[SentenceRow]] | None = None) -> None:
        """The articles, their chunks' rows, lexical rows and sentence vectors (``sentences``, by article
        id), in one transaction (replacing old ones)."""
        if not items:
            return
        sentences = sentences or {}
        # analysed before the write lock is taken: other writers wait for the rows only
        analysed = {a.article_id: analyse_sentences(a.text, sentences[a.article_id])
                    for a, _ in items if sentences.get(a.article_id)}
        with self.lock, self.articles.transaction():
            for article, chunks in items:
                self.lexical.delete(article.article_id)  # first: it finds its rows through the chunk rows
                self.articles.delete(article.article_id)
                self.articles.add(article, len(chunks))
                self.lexical.add(article.title, article.source,
                                 ((self.articles.add_chunk(c), c.text) for c in chunks))
                if article.article_id in analysed:
                    self.articles.add_sentence_vectors(article.article_id, sentences[article.article_id],
                                                       analysed[article.article_id])

    def sentence_vectors(self, article_ids: Collection[str]) -> dict[str, list[SentenceRow]]:
        """Each article's (start, end, vector) sentence rows, by start; articles without rows are absent."""
        return self.articles.sentence_vectors(article_ids)

    def sentence_analyses(self, article_ids: Collection[str]) -> dict[str, dict[int, tuple[int, str]]]:
        """Each article's stored sentence analyses, {start: (end, ``pack_analysis`` string)}."""
        return self.articles.sentence_analyses(article_ids)

    def warm_index(self, stop: Callable[[], bool] = lambda: False) -> int:
        """Read what the lexical index reads for questions into memory; the postings kept (see ``warm``)."""
        return self.lexical.warm(stop)

    def passages(self, limit: int, batch: int = WARM_BATCH) -> Iterator[list[Passage]]:
        """At most ``limit`` stored chunks as passages, ``batch`` articles' at a time, the latest published
        articles first (the ones asked about most): what a server reads ahead when it starts. An article
        removed meanwhile is left out."""
        metas = self.articles.metas()
        by_article: dict[str, list[ChunkRow]] = {}
        for row in self.articles.chunks(self.articles.chunk_ids()):
            by_article.setdefault(row.article_id, []).append(row)
        order = sorted((aid for aid in by_article if aid in metas),
                       key=lambda aid: (metas[aid].get("published_ts") or float("-inf"), aid), reverse=True)
        out: list[Passage] = []
        articles = 0
        for aid in order:
            if limit <= 0:
                break
            try:
                text = self.get_text(aid)
            except NotFoundError:
                continue
            ref = {f: metas[aid].get(f) for f in ("title", "source", "author", "published", "url")}
            rows = sorted(by_article[aid], key=lambda r: r.index)[:limit]
            out += [Passage(article_id=aid, chunk_id=f"{aid}@{r.start}", start=r.start, end=r.end,
                            text=text[r.start:r.end], score=0.0, **ref) for r in rows]
            limit -= len(rows)
            articles += 1
            if articles % batch == 0:
                yield out
                out = []
        if out:
            yield out

    def remove(self, article_id: str) -> None:
        """Delete an article, its chunks and vectors. NotFoundError if absent."""
        self.get_meta(article_id)
        with self.lock:
            self.vectors.delete(article_id)
            with self.articles.transaction():
                self.lexical.delete(article_id)
                self.articles.delete(article_id)

    def optimize(self) -> None:
        """Merge the lexical index's segments: after a large ingest, queries get ~20% faster."""
        with self.lock:
            self.lexical.optimize()
