"""The store behind citewise: articles in a repository, a lexical index, a vector index, and the ``Store``
that keeps them in step. ``open_store`` builds it from the settings; nothing else opens its databases.

    articles.py  ArticleRepository, SqliteArticles: texts, chunk offsets, flags, cached metadata
    lexical.py   LexicalIndex, Fts5LexicalIndex: BM25 over analysed terms
    fts5_bm25.py FTS5's BM25 scored in memory from FTS5's own postings (the same hits and scores, faster)
    vectors.py   VectorIndex, ChromaVectors: chunk vectors, embedded Chroma or a server
    store.py     Store: the three kept in step, and what every caller reads
    check.py     ``citewise check``: do they agree? Repair them if not
    sqlite.py    the SQLite file articles and lexical index share: a connection per thread, caches' generations
    pg.py        server mode's PostgreSQL database (CITEWISE_DATABASE_URL): a pool, write transactions, generations
    pg_schema.py its versioned schema and ``citewise migrate``
    pg_articles.py, pg_lexical.py  PgArticles, PgLexicalIndex: the same protocols in PostgreSQL
    copy.py      ``citewise copy``: a store to another place (server mode and back) without embedding again
    types.py     Hit, ChunkRow, published_ts: what the parts hand each other
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.index.articles import ArticleRepository, SqliteArticles
from assistant.index.lexical import Fts5LexicalIndex, LexicalIndex
from assistant.index.sqlite import SqliteDb
from assistant.index.store import Store, check_embeddings
from assistant.index.types import Hit, published_ts
from assistant.index.vectors import open_vectors

__all__ = ["Hit", "Store", "open_store", "published_ts"]

DB_FILE = "citewise.sqlite3"


def open_rows(settings: Settings) -> tuple[ArticleRepository, LexicalIndex, str]:
    """The article repository and lexical index the settings name, and where they are: PostgreSQL at
    ``database_url`` (server mode), else the SQLite file in ``home``."""
    if settings.database_url:
        from assistant.index.pg import PgDb
        from assistant.index.pg_articles import PgArticles
        from assistant.index.pg_lexical import PgLexicalIndex
        from assistant.index.pg_schema import ensure_schema

        pg = PgDb.shared(settings.database_url)
        ensure_schema(pg)
        return PgArticles(pg), PgLexicalIndex(pg), pg.where
    db = SqliteDb(Path(settings.home) / DB_FILE)
    return SqliteArticles(db), Fts5LexicalIndex(db), str(settings.home)


def open_store(settings: Settings, embeddings: Embeddings, *, max_vector_batch: int | None = None) -> Store:
    """The store the settings name: rows in ``settings.home`` or the PostgreSQL database at
    ``settings.database_url``, vectors in Chroma in ``home`` or on the server at ``settings.chroma_url``,
    for ``embeddings``, the model named ``settings.embeddings``. ``max_vector_batch`` caps the vectors one
    write carries (None: as many as Chroma takes).

    StoreUnavailableError when the data dir, the database or the vector store cannot be opened; ConfigError
    when the store was built with another model, or a setting names what Chroma or PostgreSQL cannot use.
    """
    home = Path(settings.home)
    articles, lexical, place = open_rows(settings)
    check_embeddings(articles, settings.embeddings, place)  # before Chroma: a wrong model is said even when it is down
    vectors = open_vectors(settings, max_batch=max_vector_batch)
    return Store(home, embeddings, articles, lexical, vectors)
