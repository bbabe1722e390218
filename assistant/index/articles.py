"""The article repository: what quotes are checked against (the clean article texts), the chunks' offsets,
the store's flags, and cached metadata that follows other processes' commits.

``ArticleRepository`` is what the store and ``citewise check`` need of it; ``SqliteArticles`` keeps it in
the store's SQLite file, where the lexical index joins its chunk rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from assistant.errors import NotFoundError, StoreUnavailableError
from assistant.index.sqlite import Cached, SqliteDb
from assistant.index.types import META_FIELDS, ChunkRow, SentenceRow, published_ts
from assistant.models import Article, Chunk
from assistant.text.terms import ANALYSIS_VERSION

T = TypeVar("T")
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
CREATE TABLE IF NOT EXISTS sentence_vectors(
  article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, vector BLOB NOT NULL,
  terms TEXT, PRIMARY KEY(article_id, start));
"""
ID_PAGE = 500  # chunk ids one query names: under SQLite's limit on bound parameters
TEXTS_HELD = 256  # article texts kept between questions (a read or a round trip each otherwise; ~30 a question)


class ArticleRepository(Protocol):
    """Articles, their chunks' offsets and the store's flags. Reads of metadata are cached; a write is
    one transaction, which the lexical index's writes of the same articles join."""

    def transaction(self) -> AbstractContextManager[Any]: ...
    def get_flag(self, key: str) -> str | None: ...
    def set_flag(self, key: str, value: str) -> None: ...
    def content_hash(self, article_id: str) -> str | None: ...
    def get_meta(self, article_id: str) -> dict[str, Any]: ...
    def metas(self) -> Mapping[str, dict[str, Any]]: ...
    def get_text(self, article_id: str) -> str: ...
    def get_article(self, article_id: str) -> Article: ...
    def list_articles(self) -> list[dict[str, Any]]: ...
    def count(self) -> int: ...
    def sources(self) -> list[str]: ...
    def add(self, article: Article, n_chunks: int) -> None: ...
    def add_chunk(self, chunk: Chunk) -> int: ...
    def delete(self, article_id: str) -> None: ...
    def chunks(self, chunk_ids: Collection[str]) -> list[ChunkRow]: ...
    def chunk_ids(self) -> set[str]: ...
    def chunk_count(self) -> int: ...
    def wrong_chunk_counts(self) -> list[str]: ...
    def fix_chunk_counts(self) -> None: ...
    def ping(self) -> None: ...
    def add_sentence_vectors(self, article_id: str, rows: Sequence[SentenceRow],
                             analyses: Sequence[str] | None = None) -> None: ...
    def sentence_vectors(self, article_ids: Collection[str]) -> dict[str, list[SentenceRow]]: ...
    def sentence_analyses(self, article_ids: Collection[str]) -> dict[str, dict[int, tuple[int, str]]]: ...
    def without_sentence_vectors(self) -> list[str]: ...
    def without_sentence_analyses(self) -> list[str]: ...


class CachedMetadata:
    """What both engines' repositories read alike: from their cached metadata an article's fields, the list,
    the count and the outlets; and which articles lack sentence vectors. A subclass sets ``db`` (with
    ``rows`` and ``generation``), calls ``_cache_metadata`` and reads texts (``get_text``)."""

    db: Any

    def _cache_metadata(self) -> None:
        self._metas = Cached(self.db, self._read_metas)
        self._derived: dict[str, tuple[Mapping[str, dict[str, Any]], Any]] = {}  # name: (metadata, value)
        self._texts: tuple[Any, dict[str, str]] = (None, {})  # (generation, text by article id)

    def get_text(self, article_id: str) -> str:
        raise NotImplementedError

    def _held_text(self, article_id: str, query: str) -> str:
        """The article's text by ``query`` (one parameter: the id), held until anyone commits (a re-ingest may
        change it): a question reads each of its articles' texts in several stages (retrieval, the evidence
        filter, verification), and the next question often the same articles. What a write reads before it
        commits is never held."""
        generation = self.db.generation()
        held = self._texts
        if held[0] != generation:
            held = self._texts = (generation, {})
        writing = self.db.in_transaction()
        text = None if writing else held[1].get(article_id)
        if text is None:
            row = self.db.row(query, (article_id,))
            if row is None:
                raise NotFoundError(f"no article with id {article_id!r} (see: citewise articles)")
            text = row[0]
            if not writing:
                if len(held[1]) >= TEXTS_HELD:
                    held[1].clear()
                held[1][article_id] = text
        return text

    def _read_metas(self) -> dict[str, dict[str, Any]]:
        cols = ", ".join(META_FIELDS)
        rows = self.db.rows(f"SELECT {cols}, n_chunks, published_ts FROM articles")
        return {r[0]: dict(zip((*META_FIELDS, "n_chunks", "published_ts"), r, strict=True)) for r in rows}

    def metas(self) -> Mapping[str, dict[str, Any]]:
        """Every article's metadata by id (not its text), as of the last commit anyone made."""
        return self._metas.get()

    def _derive(self, name: str, compute: Callable[[Mapping[str, dict[str, Any]]], T]) -> T:
        """A figure over all articles' metadata, computed once per state of the metadata cache:
        at 10,000 articles a pass over them costs ~1 ms, and every question needs a few."""
        metas = self.metas()
        held = self._derived.get(name)
        if held is None or held[0] is not metas:
            held = self._derived[name] = (metas, compute(metas))
        return held[1]

    def get_meta(self, article_id: str) -> dict[str, Any]:
        meta = self.metas().get(article_id)
        if meta is None:
            raise NotFoundError(f"no article with id {article_id!r} (see: citewise articles)")
        return meta

    def get_article(self, article_id: str) -> Article:
        meta = self.get_meta(article_id)
        return Article(text=self.get_text(article_id), **{k: meta[k] for k in META_FIELDS})

    def list_articles(self) -> list[dict[str, Any]]:
        return sorted(self.metas().values(), key=lambda m: (m["published"] or "", m["article_id"]), reverse=True)

    def count(self) -> int:
        return len(self.metas())

    def sources(self) -> list[str]:
        return list(self._derive("sources", lambda ms: sorted({m["source"] for m in ms.values() if m["source"]})))

    def without_sentence_vectors(self) -> list[str]:
        """Articles with no sentence vectors (stored before they were, or damaged), sorted. The same SQL
        on both engines; not cached: ``citewise check`` asks, and must see the rows as they are."""
        return [r[0] for r in self.db.rows(
            "SELECT a.article_id FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM sentence_vectors s WHERE s.article_id = a.article_id) ORDER BY a.article_id")]


    def without_sentence_analyses(self) -> list[str]:
        """Articles with sentence vectors but not this version's analyses of their sentences (stored before
        they were kept, or by another version of ``text.terms.analyse``), sorted. The same SQL on both engines."""
        prefix = ANALYSIS_VERSION + "\t"  # a constant of the code: letters and digits, then a tab
        return [r[0] for r in self.db.rows(
            "SELECT DISTINCT article_id FROM sentence_vectors WHERE terms IS NULL "
            f"OR substr(terms, 1, {len(prefix)}) != '{prefix}' ORDER BY article_id")]


class SqliteArticles(CachedMetadata):
    """``ArticleRepository`` in the store's SQLite file."""

    def __init__(self, db: SqliteDb) -> None:
        self.db = db
        db.conn().executescript(SCHEMA)
        self._add_terms_column()
        self._cache_metadata()

    def _add_terms_column(self) -> None:
        """A store made before sentences' analyses were stored gets their column (empty: its sentences are
        analysed when read, as before)."""
        if self._has_terms_column():
            return
        with self.db.write() as conn:
            # taken before the second look: another process opening the store meanwhile waits, then finds it
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")
            if not self._has_terms_column():
                conn.execute("ALTER TABLE sentence_vectors ADD COLUMN terms TEXT")

    def _has_terms_column(self) -> bool:
        return any(col[1] == "terms" for col in self.db.rows("PRAGMA table_info(sentence_vectors)"))

    def transaction(self) -> AbstractContextManager[Any]:
        return self.db.write()

    # -- flags -------------------------------------------------------------------
    def get_flag(self, key: str) -> str | None:
        row = self.db.row("SELECT value FROM meta WHERE key=?", (key,))
        return row[0] if row else None

    def set_flag(self, key: str, value: str) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (key, value))

    # -- reads -------------------------------------------------------------------
    def content_hash(self, article_id: str) -> str | None:
        row = self.db.row("SELECT content_hash FROM articles WHERE article_id=?", (article_id,))
        return row[0] if row else None

    def get_text(self, article_id: str) -> str:
        return self._held_text(article_id, "SELECT text FROM articles WHERE article_id=?")

    def chunks(self, chunk_ids: Collection[str]) -> list[ChunkRow]:
        """The stored chunks among these ids (in pages of ``ID_PAGE``); ids without a row are left out."""
        ids = list(chunk_ids)
        out: list[ChunkRow] = []
        for i in range(0, len(ids), ID_PAGE):
            page = ids[i:i + ID_PAGE]
            out += map(ChunkRow._make, self.db.rows(
                f'SELECT chunk_id, article_id, idx, start, "end" FROM chunks WHERE chunk_id IN '
                f'({",".join("?" * len(page))})', page))
        return out

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.rows("SELECT chunk_id FROM chunks")}

    def chunk_count(self) -> int:
        return self.db.row("SELECT count(*) FROM chunks")[0]

    def wrong_chunk_counts(self) -> list[str]:
        """Articles whose recorded number of chunks is not the number of their chunk rows."""
        return [r[0] for r in self.db.rows(
            "SELECT a.article_id FROM articles a LEFT JOIN chunks c ON c.article_id = a.article_id "
            "GROUP BY a.article_id HAVING count(c.rowid) != a.n_chunks")]

    def ping(self) -> None:
        try:
            self.db.row("SELECT count(*) FROM articles")
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"the article database does not answer: {exc}") from exc

    # -- writes: each its own transaction, or part of the caller's ``transaction()`` -------------------
    def add(self, article: Article, n_chunks: int) -> None:
        """The article's row; its chunks follow through ``add_chunk``."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO articles VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                (article.article_id, article.title, article.source, article.author, article.published,
                 published_ts(article.published), article.url, article.origin, article.content_hash,
                 article.text, n_chunks, now),
            )

    def add_chunk(self, chunk: Chunk) -> int:
        """A chunk's row; returns its key, which the lexical index files the chunk's terms under."""
        with self.db.write() as conn:
            return conn.execute('INSERT INTO chunks(chunk_id, article_id, idx, start, "end") VALUES(?,?,?,?,?)',
                                (chunk.chunk_id, chunk.article_id, chunk.index, chunk.start, chunk.end)).lastrowid

    def add_sentence_vectors(self, article_id: str, rows: Sequence[SentenceRow],
                             analyses: Sequence[str] | None = None) -> None:
        """(start, end, vector) of the article's sentences: 384 float16 little-endian numbers a vector; and
        each sentence's analysis (``text.terms.pack_analysis``), when given, in the same order."""
        packed = analyses if analyses is not None else [None] * len(rows)
        if len(packed) != len(rows):
            raise ValueError(f"{len(rows)} sentence rows, {len(packed)} analyses")
        with self.db.write() as conn:
            conn.executemany('INSERT OR REPLACE INTO sentence_vectors(article_id, start, "end", vector, terms) '
                             'VALUES(?,?,?,?,?)',
                             [(article_id, s, e, v, t) for (s, e, v), t in zip(rows, packed, strict=True)])

    def sentence_vectors(self, article_ids: Collection[str]) -> dict[str, list[SentenceRow]]:
        """Each article's (start, end, vector) rows, ordered by start; articles without rows are absent."""
        ids = list(article_ids)
        out: dict[str, list[SentenceRow]] = {}
        for i in range(0, len(ids), ID_PAGE):
            page = ids[i:i + ID_PAGE]
            for aid, s, e, v in self.db.rows(
                    f'SELECT article_id, start, "end", vector FROM sentence_vectors WHERE article_id IN '
                    f'({",".join("?" * len(page))}) ORDER BY article_id, start', page):
                out.setdefault(aid, []).append((s, e, v))
        return out

    def sentence_analyses(self, article_ids: Collection[str]) -> dict[str, dict[int, tuple[int, str]]]:
        """Each article's stored sentence analyses: {start: (end, analysis)}; sentences without one absent."""
        ids = list(article_ids)
        out: dict[str, dict[int, tuple[int, str]]] = {}
        for i in range(0, len(ids), ID_PAGE):
            page = ids[i:i + ID_PAGE]
            for aid, s, e, t in self.db.rows(
                    f'SELECT article_id, start, "end", terms FROM sentence_vectors WHERE article_id IN '
                    f'({",".join("?" * len(page))}) AND terms IS NOT NULL', page):
                out.setdefault(aid, {})[s] = (e, t)
        return out

    def delete(self, article_id: str) -> None:
        """The article's row and its chunks' rows (the lexical index's rows of them go first)."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM sentence_vectors WHERE article_id=?", (article_id,))
            conn.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
            conn.execute("DELETE FROM articles WHERE article_id=?", (article_id,))

    def fix_chunk_counts(self) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE articles SET n_chunks = (SELECT count(*) FROM chunks c "
                         "WHERE c.article_id = articles.article_id)")
