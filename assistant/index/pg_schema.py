"""The versioned schema of server mode's PostgreSQL database, and ``citewise migrate``.

``MIGRATIONS`` are applied in order, each in its own transaction under the write lock, and the version
reached is recorded with them: a database is at exactly one version, and two processes migrating at
once apply each step once. A new database is created on first use; an older one is upgraded only by
``citewise migrate`` (service processes of two versions must not race to change it under each other).
"""

from __future__ import annotations

from typing import Any

import psycopg

from assistant.errors import ConfigError
from assistant.index.pg import WRITE_LOCK, PgDb

V1 = """
CREATE TABLE citewise_state(id INT PRIMARY KEY CHECK (id = 1), schema_version INT NOT NULL,
  generation BIGINT NOT NULL);
INSERT INTO citewise_state VALUES (1, 0, 0);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE articles(
  article_id TEXT PRIMARY KEY, title TEXT, source TEXT, author TEXT, published TEXT,
  published_ts DOUBLE PRECISION, url TEXT, origin TEXT, content_hash TEXT, text TEXT NOT NULL,
  n_chunks INT NOT NULL, ingested_at TEXT NOT NULL);
CREATE TABLE chunks(
  key BIGSERIAL PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, article_id TEXT NOT NULL,
  idx INT NOT NULL, start INT NOT NULL, "end" INT NOT NULL);
CREATE INDEX chunks_by_article ON chunks(article_id);
CREATE TABLE sentence_vectors(article_id TEXT NOT NULL, start INT NOT NULL, "end" INT NOT NULL,
  vector BYTEA NOT NULL, PRIMARY KEY(article_id, start));
-- BM25 as FTS5 computes it: term frequencies by column, each chunk's length, each term's chunk count
CREATE TABLE lexical_postings(term TEXT NOT NULL, chunk_key BIGINT NOT NULL, tf_title INT NOT NULL,
  tf_body INT NOT NULL, PRIMARY KEY(term, chunk_key));
CREATE INDEX lexical_postings_by_chunk ON lexical_postings(chunk_key);
CREATE TABLE lexical_docs(chunk_key BIGINT PRIMARY KEY, length INT NOT NULL);
CREATE TABLE lexical_terms(term TEXT PRIMARY KEY, df INT NOT NULL);
CREATE TABLE lexical_totals(id INT PRIMARY KEY CHECK (id = 1), docs BIGINT NOT NULL, tokens BIGINT NOT NULL);
INSERT INTO lexical_totals VALUES (1, 0, 0);
CREATE TABLE turns(conversation_id TEXT NOT NULL, n INT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
  created DOUBLE PRECISION NOT NULL, PRIMARY KEY(conversation_id, n));
CREATE TABLE answers(record_id TEXT PRIMARY KEY, channel TEXT, thread_ts TEXT, question TEXT NOT NULL,
  answer TEXT NOT NULL, created DOUBLE PRECISION NOT NULL);
CREATE TABLE votes(record_id TEXT NOT NULL, "user" TEXT NOT NULL, vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
  created DOUBLE PRECISION NOT NULL, PRIMARY KEY(record_id, "user"));
CREATE TABLE seen_events(event_id TEXT PRIMARY KEY, created DOUBLE PRECISION NOT NULL);
"""

# each sentence's analysis beside its vector (``text.terms.pack_analysis``): read instead of analysed anew
V2 = """
ALTER TABLE sentence_vectors ADD COLUMN terms TEXT;
"""

MIGRATIONS: list[str] = [V1, V2]  # version n is MIGRATIONS[n - 1]; append, never edit a released one
LATEST = len(MIGRATIONS)


def version(db: PgDb) -> int:
    """The schema version of the database: 0 when it has none yet."""
    exists = db.row("SELECT to_regclass('citewise_state') IS NOT NULL")[0]
    return db.row("SELECT schema_version FROM citewise_state")[0] if exists else 0


def migrate(db: PgDb) -> tuple[int, int]:
    """Bring the schema to ``LATEST``; returns (version before, version after). ConfigError when the
    database is newer than this citewise."""
    before = version(db)
    _refuse_newer(db, before)
    with db.connection() as conn:
        for n in range(before + 1, LATEST + 1):
            try:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    if _current(conn) >= n:  # another process applied it while this one waited
                        continue
                    conn.execute(MIGRATIONS[n - 1])
                    conn.execute("UPDATE citewise_state SET schema_version = %s", (n,))
            except psycopg.errors.DuplicateTable:  # another process created version 1 first
                continue
    return before, version(db)


def ensure_schema(db: PgDb) -> None:
    """Create the schema in a new database; ConfigError when an existing one is at another version."""
    found = version(db)
    if found == 0:
        migrate(db)
        return
    _refuse_newer(db, found)
    if found < LATEST:
        raise ConfigError(f"the database at {db.where} has schema version {found}, this citewise needs {LATEST}: "
                          "run `citewise migrate` (back it up first)")


def _current(conn: psycopg.Connection) -> int:
    exists = conn.execute("SELECT to_regclass('citewise_state') IS NOT NULL").fetchone()[0]
    return conn.execute("SELECT schema_version FROM citewise_state").fetchone()[0] if exists else 0


def _refuse_newer(db: PgDb, found: int) -> None:
    if found > LATEST:
        raise ConfigError(f"the database at {db.where} has schema version {found}, newer than this citewise "
                          f"knows ({LATEST}): upgrade citewise")


class LazySchema:
    """A ``PgDb`` whose schema is made sure of at first use, not at construction: a service process
    started while the database is away starts, answers 503, and works once the database is back."""

    def __init__(self, db: PgDb) -> None:
        self._db = db
        self._ready = False

    def __getattr__(self, name: str) -> Any:
        if not self._ready:
            ensure_schema(self._db)
            self._ready = True
        return getattr(self._db, name)
