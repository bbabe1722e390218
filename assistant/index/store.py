"""The store: the article repository, the lexical index and the vector index, kept in step.

What the rest of citewise reads and writes goes through ``Store``; it writes vectors first, then the rows of
whole articles in one transaction, so that a process killed in between leaves only what a re-run or
``citewise check`` repairs. Build one with ``assistant.index.open_store``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError
from assistant.index.articles import ArticleRepository
from assistant.index.lexical import LexicalIndex
from assistant.index.types import Hit, Items, published_ts
from assistant.index.vectors import VectorIndex
from assistant.models import Article


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

    def ping(self) -> None:
        """StoreUnavailableError unless both the article database and the vector store answer."""
        self.articles.ping()
        self.vectors.count()

    def stats(self) -> dict[str, Any]:
        size = sum(p.stat().st_size for p in self.home.rglob("*") if p.is_file())
        return {"articles": self.count(), "chunks": self.articles.chunk_count(), "bytes": size, "at": time.time()}

    # -- writes ------------------------------------------------------------------
    def upsert(self, items: Items, vectors: Sequence[Sequence[float]] | None = None) -> None:
        """Replace these articles and their chunks; ``vectors`` are the chunks' in order, else they are
        embedded here, a vector write at a time.

        Vectors first (in as many writes as the vector index needs), then the rows of all the articles in
        one transaction: a crash in between leaves vectors without rows (and a replaced article's rows
        without their old vectors), never half an article's rows; a re-run or `citewise check` repairs it.
        """
        if not items:
            return
        with self.lock:
            self.delete_vectors([article.article_id for article, _ in items])
            self.add_vectors(items, vectors)
            self.write_rows(items)

    def delete_vectors(self, article_ids: Iterable[str]) -> None:
        """Drop these articles' vectors: the first step of replacing them."""
        with self.lock:
            for article_id in article_ids:
                self.vectors.delete(article_id)

    def add_vectors(self, items: Items, vectors: Sequence[Sequence[float]] | None = None) -> None:
        """Store the vectors of these chunks (``vectors``, one a chunk in order, or embedded here), in
        writes of at most the vector index's batch size. Their rows are ``write_rows``'s job, once every
        vector of the article is in."""
        total = sum(len(chunks) for _, chunks in items)
        if vectors is not None and len(vectors) != total:
            raise ValueError(f"{len(vectors)} vectors for {total} chunks")
        batch = self.vectors.batch_size()
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        done = 0

        def flush() -> None:
            nonlocal done
            # embedded a write at a time when not given: memory stays bounded whatever the article's length
            got = vectors[done:done + len(ids)] if vectors is not None else self.embeddings.embed_documents(texts)
            self.vectors.add(ids, got, metas, texts)
            done += len(ids)
            ids.clear()
            texts.clear()
            metas.clear()

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
                    if len(ids) >= batch:
                        flush()
            if ids:
                flush()

    def write_rows(self, items: Items) -> None:
        """The articles, their chunks' rows and lexical rows, in one transaction (replacing old ones)."""
        if not items:
            return
        with self.lock, self.articles.transaction():
            for article, chunks in items:
                self.lexical.delete(article.article_id)  # first: it finds its rows through the chunk rows
                self.articles.delete(article.article_id)
                self.articles.add(article, len(chunks))
                self.lexical.add(article.title, ((self.articles.add_chunk(c), c.text) for c in chunks))

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
