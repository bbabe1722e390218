"""The store behind citewise: articles in a repository, a lexical index, a vector index, and the ``Store``
that keeps them in step. ``open_store`` builds it from the settings; nothing else opens its databases.

    articles.py  ArticleRepository, SqliteArticles: texts, chunk offsets, flags, cached metadata
    lexical.py   LexicalIndex, Fts5LexicalIndex: BM25 over analysed terms
    vectors.py   VectorIndex, ChromaVectors: chunk vectors, embedded Chroma or a server
    store.py     Store: the three kept in step, and what every caller reads
    check.py     ``citewise check``: do they agree? Repair them if not
    sqlite.py    the SQLite file articles and lexical index share: a connection per thread, caches' generations
    types.py     Hit, ChunkRow, published_ts: what the parts hand each other
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.index.articles import SqliteArticles
from assistant.index.lexical import Fts5LexicalIndex
from assistant.index.sqlite import SqliteDb
from assistant.index.store import Store, check_embeddings
from assistant.index.types import Hit, published_ts
from assistant.index.vectors import open_vectors

__all__ = ["Hit", "Store", "open_store", "published_ts"]

DB_FILE = "citewise.sqlite3"


def open_store(settings: Settings, embeddings: Embeddings, *, max_vector_batch: int | None = None) -> Store:
    """The store in ``settings.home`` (vectors in Chroma there, or on the server at ``settings.chroma_url``)
    for ``embeddings``, the model named ``settings.embeddings``. ``max_vector_batch`` caps the vectors one
    write carries (None: as many as Chroma takes).

    StoreUnavailableError when the data dir or the vector store cannot be opened; ConfigError when the store
    was built with another model, or a setting names what Chroma cannot use.
    """
    home = Path(settings.home)
    db = SqliteDb(home / DB_FILE)
    articles = SqliteArticles(db)
    lexical = Fts5LexicalIndex(db)
    check_embeddings(articles, settings.embeddings, home)  # before Chroma: a wrong model is said even when it is down
    vectors = open_vectors(settings, max_batch=max_vector_batch)
    return Store(home, embeddings, articles, lexical, vectors)
