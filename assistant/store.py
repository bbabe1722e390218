"""The store: article texts and a lexical index in SQLite (FTS5), vectors in Chroma.

The only module that imports chromadb. Chroma is embedded (PersistentClient in
the data dir) or a server (``CITEWISE_CHROMA_URL``), reached through
langchain-chroma. SQLite holds what quotes are checked against: the clean
article text, the chunk offsets, and an FTS5 index of analysed terms.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from assistant.embeddings import PrimedEmbeddings
from assistant.errors import ConfigError, NotFoundError, StoreUnavailableError
from assistant.models import Article, Chunk
from assistant.text.terms import terms

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS articles(
  article_id TEXT PRIMARY KEY, title TEXT, source TEXT, author TEXT, published TEXT,
  published_ts REAL, url TEXT, origin TEXT, content_hash TEXT, text TEXT NOT NULL,
  n_chunks INTEGER NOT NULL, ingested_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(
  rowid INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, article_id TEXT NOT NULL,
  idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(title, body, tokenize='unicode61');
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row');
"""
T = TypeVar("T")
BM25_WEIGHTS = "0.6, 1.0"  # title, body: title terms count less than body terms
MAX_TERMS = 20  # the rarest terms carry the ranking; more only cost scanning
MAX_POSTINGS = 12_000  # chunks the lexical query may score, summed over its terms...
MIN_TERMS = 4  # ...beyond the rarest few
COMMON_SHARE = 0.2  # terms in more chunks than this share are left out of the lexical query


def _unwritable(exc: BaseException) -> bool:
    """A write refused by the file system (full, read-only, over a size limit), however the library words it."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EFBIG, errno.EACCES, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return any(w in text for w in ("disk i/o error", "disk is full", "no space left", "readonly", "read-only"))


def _refused_request(exc: BaseException) -> bool:
    """Chroma refusing what was asked, whatever the disk: "Batch size of 11058 is greater than max batch size
    of 5461" (an InternalError from the embedded store), an invalid argument, a duplicate id."""
    if type(exc).__name__ in {"BatchSizeExceededError", "InvalidArgumentError", "DuplicateIDError",
                              "InvalidDimensionException"}:
        return True
    return "batch size" in str(exc).lower()


def _where(sources: Sequence[str] | None, after: float | None, before: float | None) -> dict[str, Any] | None:
    """Chroma's filter for outlets and a publication window."""
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


class Hit(NamedTuple):
    """One ranked chunk from a ranker, with what filters need."""

    article_id: str
    start: int
    end: int
    score: float
    source: str | None
    published_ts: float | None


META_FIELDS = ("article_id", "title", "source", "author", "published", "url", "origin", "content_hash")


def published_ts(published: str | None) -> float | None:
    """Seconds since the epoch for an ISO 8601 date (naive = UTC), or None."""
    if not published:
        return None
    try:
        dt = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _chroma_client(home: Path, chroma_url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url:
            u = urlparse(chroma_url)
            return chromadb.HttpClient(
                host=u.hostname or "127.0.0.1", port=u.port or 8000, ssl=u.scheme == "https", settings=settings
            )
        return chromadb.PersistentClient(path=str(home / "chroma"), settings=settings)
    except Exception as exc:  # chromadb raises several types for an unreachable server
        where = chroma_url or str(home / "chroma")
        raise StoreUnavailableError(f"cannot open the vector store at {where}: {exc}") from exc


class Store:
    """Articles, chunks, lexical index and vectors, kept in step by ``upsert`` and ``remove``."""

    def __init__(self, home: Path, embeddings: Embeddings, embeddings_name: str,
                 chroma_url: str | None = None, collection: str = "citewise",
                 max_vector_batch: int | None = None) -> None:
        from langchain_chroma import Chroma

        self.home = Path(home)
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.home / "citewise.sqlite3", check_same_thread=False, timeout=30)
            # WAL: several processes (serve workers, an ingest) read while one writes
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA)
            # the title/body weights are named in each query (BM25_WEIGHTS); older stores also hold them
            # as FTS5's `rank` setting, which no query reads any more
        except (OSError, sqlite3.Error) as exc:
            hint = ""
            if self.home.is_dir() and not os.access(self.home, os.W_OK):
                hint = " (the dir is read-only: citewise writes its store there; set CITEWISE_HOME to a writable one)"
            raise StoreUnavailableError(f"cannot open the data dir {self.home}: {exc}{hint}") from exc
        self.lock = threading.RLock()
        self._check_embeddings(embeddings_name)
        self.embeddings = embeddings
        self.primed = PrimedEmbeddings(embeddings)
        client = _chroma_client(self.home, chroma_url)
        self._client = client
        self._max_vector_batch = max_vector_batch  # None: as many as Chroma takes in one write
        self._chroma_batch: int | None = None
        try:
            self.vectors = Chroma(
                collection_name=collection, embedding_function=self.primed, client=client,
                collection_metadata={"hnsw:space": "cosine"},
            )
        except Exception as exc:
            raise StoreUnavailableError(f"cannot open collection {collection!r}: {exc}") from exc
        self._meta_cache: dict[str, dict[str, Any]] | None = None
        self._derived_cache: dict[str, tuple[dict[str, dict[str, Any]], Any]] = {}  # name: (meta cache, value)
        self._df_cache: dict[str, int] = {}
        self._data_version = self._version()

    def _version(self) -> int:
        with self.lock:
            return self.db.execute("PRAGMA data_version").fetchone()[0]

    def _drop_stale_caches(self) -> None:
        """Another process (a second `citewise serve`, an ingest) committed: the caches are stale."""
        version = self._version()
        if version != self._data_version:
            self._data_version = version
            self._meta_cache = None
            self._df_cache = {}

    def _check_embeddings(self, name: str) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key='embeddings'").fetchone()
        if row is None:
            with self.db:
                self.db.execute("INSERT INTO meta VALUES('embeddings', ?)", (name,))
        elif row[0] != name:
            raise ConfigError(
                f"the store at {self.home} was built with embeddings {row[0]!r}, not {name!r}: "
                f"set CITEWISE_EMBEDDINGS={row[0]} or use another --store"
            )

    # -- flags -------------------------------------------------------------------
    def get_flag(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_flag(self, key: str, value: str) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (key, value))

    # -- writes ------------------------------------------------------------------
    def content_hash(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM articles WHERE article_id=?", (article_id,)).fetchone()
        return row[0] if row else None

    def upsert(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> None:
        """Replace these articles and their chunks; embeds the chunks through the vector store.

        Vectors first (in as many writes as Chroma needs), then the rows of all the articles in one
        transaction: a crash in between leaves vectors without rows (and a replaced article's rows without
        their old vectors), never half an article's rows; a re-run or `citewise check` repairs it.
        """
        if not items:
            return
        with self.lock:
            self.delete_vectors([article.article_id for article, _ in items])
            self.add_vectors(items)
            self.write_rows(items)

    def vector_batch(self) -> int:
        """The most chunks one vector write may carry: Chroma refuses more (5461 for the embedded one)."""
        if self._chroma_batch is None:  # asked once: on a Chroma server it is a request
            self._chroma_batch = int(self._guard(self._client.get_max_batch_size))
        return max(1, min(self._chroma_batch, self._max_vector_batch or self._chroma_batch))

    def delete_vectors(self, article_ids: Iterable[str]) -> None:
        """Drop these articles' vectors: the first step of replacing them."""
        with self.lock:
            for article_id in article_ids:
                self._delete_vectors(article_id)

    def add_vectors(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> None:
        """Store the vectors of these chunks, in writes of at most ``vector_batch()`` chunks. Their rows
        are ``write_rows``'s job, once every vector of the article is in."""
        batch = self.vector_batch()
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        ids: list[str] = []

        def flush() -> None:
            self._guard(lambda: self.vectors.add_texts(texts, metadatas=metas, ids=ids), writing=True)
            texts.clear()
            metas.clear()
            ids.clear()

        with self.lock:
            for article, chunks in items:
                ts = published_ts(article.published)
                for c in chunks:
                    meta: dict[str, Any] = {"article_id": c.article_id, "start": c.start, "end": c.end,
                                            "source": article.source or ""}
                    if ts is not None:
                        meta["published_ts"] = ts
                    texts.append(c.text)
                    metas.append(meta)
                    ids.append(c.chunk_id)
                    if len(texts) >= batch:
                        flush()
            if texts:
                flush()

    def write_rows(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> None:
        """The articles, their chunks' offsets and lexical rows, in one transaction (replacing old ones).
        ``chunks`` may be a lazy sequence (``ingest.chunk.ArticleChunks``): it is walked once."""
        if not items:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")

        def rows() -> None:
            for article, chunks in items:
                self._delete_rows(article.article_id)
                self.db.execute(
                    "INSERT INTO articles VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                    (article.article_id, article.title, article.source, article.author, article.published,
                     published_ts(article.published), article.url, article.origin, article.content_hash,
                     article.text, len(chunks), now),
                )
                title_terms = " ".join(terms(article.title or ""))
                for c in chunks:
                    cur = self.db.execute(
                        'INSERT INTO chunks(chunk_id, article_id, idx, start, "end") VALUES(?,?,?,?,?)',
                        (c.chunk_id, c.article_id, c.index, c.start, c.end),
                    )
                    self.db.execute(
                        "INSERT INTO chunks_fts(rowid, title, body) VALUES(?,?,?)",
                        (cur.lastrowid, title_terms, " ".join(terms(c.text))),
                    )

        with self.lock:
            self._write(rows)
            self._meta_cache = None
            self._df_cache = {}

    def remove(self, article_id: str) -> None:
        """Delete an article, its chunks and vectors. NotFoundError if absent."""
        self.get_meta(article_id)
        with self.lock:
            self._delete_vectors(article_id)
            self._write(lambda: self._delete_rows(article_id))
            self._meta_cache = None
            self._df_cache = {}

    def _delete_rows(self, article_id: str) -> None:
        self.db.execute(
            "DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE article_id=?)", (article_id,)
        )
        self.db.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        self.db.execute("DELETE FROM articles WHERE article_id=?", (article_id,))

    def _delete_vectors(self, article_id: str) -> None:
        self._guard(lambda: self.vectors.delete(where={"article_id": article_id}), writing=True)

    def ping(self) -> None:
        """StoreUnavailableError unless both the article database and the vector store answer."""
        try:
            with self.lock:
                self.db.execute("SELECT count(*) FROM articles").fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"the article database does not answer: {exc}") from exc
        self._guard(lambda: self.vectors._collection.count())

    def _guard(self, fn: Callable[[], T], *, writing: bool = False) -> T:
        try:
            return fn()
        except Exception as exc:
            if "connect" in str(exc).lower() or type(exc).__name__ in {"ConnectError", "ConnectionError"}:
                raise StoreUnavailableError(f"the vector store is unreachable: {exc}") from exc
            if _refused_request(exc) and not _unwritable(exc):
                raise  # a request Chroma will never take (too large a batch, a bad argument): not the disk
            # Chroma words a refused write many ways ("disk I/O error", "Error in compaction", ...)
            if writing or _unwritable(exc):
                raise StoreUnavailableError(f"cannot write the vector store ({exc}): disk full or read-only? "
                                            "Run `citewise check` once it is writable again") from exc
            raise

    def _write(self, fn: Callable[[], None]) -> None:
        """One SQLite transaction; a full disk or a read-only data dir rolls it back and says so."""
        try:
            with self.db:
                fn()
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"cannot write the store in {self.home}: disk full or read-only? "
                                        f"({exc}); the transaction was rolled back") from exc

    # -- reads -------------------------------------------------------------------
    def _metas(self) -> dict[str, dict[str, Any]]:
        self._drop_stale_caches()
        if self._meta_cache is None:
            cols = ", ".join(META_FIELDS)
            rows = self.db.execute(f"SELECT {cols}, n_chunks, published_ts FROM articles").fetchall()
            self._meta_cache = {
                r[0]: dict(zip((*META_FIELDS, "n_chunks", "published_ts"), r, strict=True)) for r in rows
            }
        return self._meta_cache

    def _derived(self, name: str, compute: Callable[[dict[str, dict[str, Any]]], T]) -> T:
        """A figure over all articles' metadata, computed once per state of the metadata cache:
        at 10,000 articles a pass over them costs ~1 ms, and every question needs a few."""
        metas = self._metas()
        held = self._derived_cache.get(name)
        if held is None or held[0] is not metas:
            held = self._derived_cache[name] = (metas, compute(metas))
        return held[1]

    def _chunk_total(self) -> int:
        return self._derived("chunks", lambda metas: sum(m["n_chunks"] for m in metas.values()))

    def get_meta(self, article_id: str) -> dict[str, Any]:
        meta = self._metas().get(article_id)
        if meta is None:
            raise NotFoundError(f"no article with id {article_id!r} (see: citewise articles)")
        return meta

    def get_article(self, article_id: str) -> Article:
        meta = self.get_meta(article_id)
        return Article(text=self.get_text(article_id), **{k: meta[k] for k in META_FIELDS})

    def get_text(self, article_id: str) -> str:
        row = self.db.execute("SELECT text FROM articles WHERE article_id=?", (article_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r} (see: citewise articles)")
        return row[0]

    def list_articles(self) -> list[dict[str, Any]]:
        return sorted(self._metas().values(), key=lambda m: (m["published"] or "", m["article_id"]), reverse=True)

    def count(self) -> int:
        return len(self._metas())

    def sources(self) -> list[str]:
        return list(self._derived("sources", lambda ms: sorted({m["source"] for m in ms.values() if m["source"]})))

    def lexical(self, match: str, k: int, sources: Sequence[str] | None = None,
                after: float | None = None, before: float | None = None) -> list[Hit]:
        """BM25 over analysed terms, best first. Filters are applied after ranking when
        absent, so the common case is one FTS5 top-k query."""
        filtered = bool(sources) or after is not None or before is not None
        # bm25() with its weights, not the configured `rank` column: the same scores, ~1 ms faster a query
        inner = f"SELECT rowid, bm25(chunks_fts, {BM25_WEIGHTS}) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? " \
                "ORDER BY rank"
        args: list[Any] = [match]
        if not filtered:
            inner += " LIMIT ?"
            args.append(k)
        where = []
        if sources:
            where.append(f"a.source IN ({','.join('?' * len(sources))})")
            args += list(sources)
        if after is not None:
            where.append("a.published_ts >= ?")
            args.append(after)
        if before is not None:
            where.append("a.published_ts < ?")
            args.append(before)
        q = (
            f'SELECT c.article_id, c.start, c."end", f.rank, a.source, a.published_ts FROM ({inner}) f '
            "JOIN chunks c ON c.rowid = f.rowid JOIN articles a ON a.article_id = c.article_id "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY f.rank LIMIT ?"
        )
        with self.lock:
            rows = self.db.execute(q, [*args, k]).fetchall()
        return [Hit(a, s, e, -score, src, ts) for a, s, e, score, src, ts in rows]

    def search_lexical(self, terms_: Collection[str], k: int, sources: Sequence[str] | None = None,
                       after: float | None = None, before: float | None = None) -> list[Hit]:
        """The ``k`` chunks that rank best by BM25 for any of these analysed terms, best first."""
        match = self._match(terms_)
        return self.lexical(match, k, sources, after, before) if match else []

    def _match(self, alts: Collection[str]) -> str | None:
        """The FTS query without terms so common that scanning them costs more than they rank."""
        if not alts:
            return None
        n, df = self.doc_freq(alts)
        rare = sorted((t for t in alts if df[t] <= COMMON_SHARE * n), key=lambda t: (df[t], t))[:MAX_TERMS]
        # FTS5 scores every chunk holding any term: the time grows with the postings read, so a large
        # corpus keeps the rarest terms within a budget (they carry BM25's ranking); at MultiHop's
        # 6,400 chunks no question reaches it (at most 7,900 postings), at 16 times that it keeps
        # the lexical query near 8 ms instead of 35
        kept, total = [], 0
        for t in rare:
            if len(kept) >= MIN_TERMS and total + df[t] > MAX_POSTINGS:
                break
            kept.append(t)
            total += df[t]
        return " OR ".join(f'"{t}"' for t in sorted(kept or alts))

    def doc_freq(self, terms_: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(number of chunks, chunks containing each analysed term), for IDF weights."""
        ts = set(terms_)
        n = self._chunk_total()
        cache = self._df_cache
        missing = sorted(ts - cache.keys())
        if missing:
            q = f"SELECT term, doc FROM chunks_vocab WHERE term IN ({','.join('?' * len(missing))})"
            with self.lock:
                found = dict(self.db.execute(q, missing).fetchall())
            if len(cache) > 100_000:
                cache.clear()
            cache.update({t: found.get(t, 0) for t in missing})
        return n, {t: cache[t] for t in ts}

    def optimize(self) -> None:
        """Merge the lexical index's segments: after a large ingest, queries get ~20% faster."""
        with self.lock, self.db:
            self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')")

    def search_dense(self, vector: list[float], k: int, sources: Sequence[str] | None = None,
                     after: float | None = None, before: float | None = None) -> list[Hit]:
        """The ``k`` chunks nearest to ``vector`` within the filters, best first."""
        return self.dense(vector, k, _where(sources, after, before))

    def dense(self, vector: list[float], k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        """Nearest chunks by cosine similarity, best first."""
        if self.count() == 0:
            return []
        # the collection itself, for ids and distances only: the chunk's offsets are read from SQLite,
        # its outlet and date from the article; Chroma's metadata and texts cost ~1.2 ms of 2.5 for k=40
        got = self._guard(lambda: self.vectors._collection.query(
            query_embeddings=[vector], n_results=k, where=where, include=["distances"]))
        ids, dists = got["ids"][0], (got["distances"] or [[]])[0]
        if not ids:
            return []
        with self.lock:
            rows = self.db.execute(f'SELECT chunk_id, article_id, start, "end" FROM chunks WHERE chunk_id IN '
                                   f'({",".join("?" * len(ids))})', ids).fetchall()
        spans = {r[0]: r[1:] for r in rows}
        metas = self._metas()
        hits = []
        for cid, dist in zip(ids, dists, strict=True):
            span = spans.get(cid)
            meta = metas.get(span[0]) if span else None
            if meta is None:  # a vector whose rows a crashed ingest never wrote: `citewise check` removes it
                continue
            hits.append(Hit(span[0], span[1], span[2], 1.0 - dist, meta["source"] or None, meta["published_ts"]))
        return hits

    def stats(self) -> dict[str, Any]:
        n_chunks = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        size = sum(p.stat().st_size for p in self.home.rglob("*") if p.is_file())
        return {"articles": self.count(), "chunks": n_chunks, "bytes": size, "at": time.time()}
