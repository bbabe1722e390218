"""``ArticleRepository`` in PostgreSQL (server mode): the same rows as ``SqliteArticles``, shared by
every process on every machine; cached metadata follows anyone's commit through the database's generation."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, TypeVar

from assistant.errors import StoreUnavailableError
from assistant.index.articles import CachedMetadata
from assistant.index.pg import PgDb, pg_text
from assistant.index.types import ChunkRow, published_ts
from assistant.models import Article, Chunk

T = TypeVar("T")


class PgArticles(CachedMetadata):
    """``ArticleRepository`` in a PostgreSQL database whose schema ``pg_schema`` made."""

    def __init__(self, db: PgDb) -> None:
        self.db = db
        self._cache_metadata()  # PgDb has SqliteDb's generation(): the cache follows anyone's commit

    def transaction(self) -> AbstractContextManager[Any]:
        return self.db.write()

    # -- flags -------------------------------------------------------------------
    def get_flag(self, key: str) -> str | None:
        row = self.db.row("SELECT value FROM meta WHERE key=%s", (key,))
        return row[0] if row else None

    def set_flag(self, key: str, value: str) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT INTO meta VALUES(%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         (key, pg_text(value)))

    # -- reads -------------------------------------------------------------------
    def content_hash(self, article_id: str) -> str | None:
        row = self.db.row("SELECT content_hash FROM articles WHERE article_id=%s", (article_id,))
        return row[0] if row else None

    def get_text(self, article_id: str) -> str:
        """The article's text, held until anyone commits (a re-ingest may change it)."""
        return self._held_text(article_id, "SELECT text FROM articles WHERE article_id=%s")

    def chunks(self, chunk_ids: Collection[str]) -> list[ChunkRow]:
        """The stored chunks among these ids (one query: an array is one parameter); unknown ids are left out."""
        ids = list(chunk_ids)
        if not ids:
            return []
        return list(map(ChunkRow._make, self.db.rows(
            'SELECT chunk_id, article_id, idx, start, "end" FROM chunks WHERE chunk_id = ANY(%s)', (ids,))))

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.rows("SELECT chunk_id FROM chunks")}

    def chunk_count(self) -> int:
        return self.db.row("SELECT count(*) FROM chunks")[0]

    def wrong_chunk_counts(self) -> list[str]:
        """Articles whose recorded number of chunks is not the number of their chunk rows."""
        return [r[0] for r in self.db.rows(
            "SELECT a.article_id FROM articles a LEFT JOIN chunks c ON c.article_id = a.article_id "
            "GROUP BY a.article_id HAVING count(c.key) != a.n_chunks ORDER BY a.article_id")]

    def sentence_vectors(self, article_ids: Collection[str]) -> dict[str, list[tuple[int, int, bytes]]]:
        """Each article's (start, end, vector) rows, ordered by start; articles without rows absent."""
        out: dict[str, list[tuple[int, int, bytes]]] = {}
        ids = list(article_ids)
        if not ids:
            return out
        for aid, start, end, vector in self.db.rows(
                'SELECT article_id, start, "end", vector FROM sentence_vectors WHERE article_id = ANY(%s) '
                "ORDER BY article_id, start", (ids,)):
            out.setdefault(aid, []).append((start, end, bytes(vector)))
        return out

    def sentence_analyses(self, article_ids: Collection[str]) -> dict[str, dict[int, tuple[int, str]]]:
        """Each article's stored sentence analyses: {start: (end, analysis)}; sentences without one absent."""
        out: dict[str, dict[int, tuple[int, str]]] = {}
        ids = list(article_ids)
        if not ids:
            return out
        for aid, s, e, t in self.db.rows('SELECT article_id, start, "end", terms FROM sentence_vectors '
                                         "WHERE article_id = ANY(%s) AND terms IS NOT NULL", (ids,)):
            out.setdefault(aid, {})[s] = (e, t)
        return out

    def ping(self) -> None:
        try:
            self.db.row("SELECT 1 FROM citewise_state")
        except StoreUnavailableError:
            raise
        except Exception as exc:  # noqa: BLE001  (a database without our schema any more, say)
            raise StoreUnavailableError(f"the article database at {self.db.where} does not answer: {exc}") from exc

    # -- writes: each its own transaction, or part of the caller's ``transaction()`` -------------------
    def add(self, article: Article, n_chunks: int) -> None:
        """The article's row; its chunks follow through ``add_chunk``."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO articles VALUES(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                tuple(map(pg_text, (article.article_id, article.title, article.source, article.author,
                                    article.published))) + (published_ts(article.published),)
                + tuple(map(pg_text, (article.url, article.origin, article.content_hash, article.text)))
                + (n_chunks, now),
            )

    def add_chunk(self, chunk: Chunk) -> int:
        """A chunk's row; returns its key, which the lexical index files the chunk's terms under."""
        with self.db.write() as conn:
            return conn.execute('INSERT INTO chunks(chunk_id, article_id, idx, start, "end") '
                                "VALUES(%s,%s,%s,%s,%s) RETURNING key",
                                (pg_text(chunk.chunk_id), pg_text(chunk.article_id), chunk.index, chunk.start,
                                 chunk.end)).fetchone()[0]

    def add_sentence_vectors(self, article_id: str, rows: Sequence[tuple[int, int, bytes]],
                             analyses: Sequence[str] | None = None) -> None:
        """(start, end, vector) rows of the article's sentences; vector = 384 float16 little-endian bytes; and
        each sentence's analysis (``text.terms.pack_analysis``), when given, in the same order."""
        packed = analyses if analyses is not None else [None] * len(rows)
        if len(packed) != len(rows):
            raise ValueError(f"{len(rows)} sentence rows, {len(packed)} analyses")
        with self.db.write() as conn, conn.cursor() as cur:
            cur.executemany('INSERT INTO sentence_vectors(article_id, start, "end", vector, terms) '
                            'VALUES(%s,%s,%s,%s,%s) ON CONFLICT (article_id, start) '
                            'DO UPDATE SET "end" = excluded."end", vector = excluded.vector, terms = excluded.terms',
                            [(pg_text(article_id), s, e, v, None if t is None else pg_text(t))
                             for (s, e, v), t in zip(rows, packed, strict=True)])

    def delete(self, article_id: str) -> None:
        """The article's row, its chunks' rows and its sentence vectors (the lexical index's rows go first)."""
        with self.db.write() as conn:
            for table in ("chunks", "sentence_vectors", "articles"):
                conn.execute(f"DELETE FROM {table} WHERE article_id=%s", (pg_text(article_id),))

    def fix_chunk_counts(self) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE articles a SET n_chunks = (SELECT count(*) FROM chunks c "
                         "WHERE c.article_id = a.article_id)")
