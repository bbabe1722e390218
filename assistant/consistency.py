"""``citewise check``: do the article texts, the lexical index and the vectors agree? Repair them if not.

The store writes vectors first, then the SQLite rows of a batch in one transaction. A process killed in
between leaves vectors whose rows never landed (orphans); re-running the ingest replaces them, but an
article that is never re-ingested would keep them. A vector store restored from an older backup can also
miss vectors. The check finds both, and an FTS index out of step with the chunk table, and repairs each
from SQLite, which is the source of truth (it holds the texts quotes are verified against).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.models import Article, Chunk
from assistant.store import Store
from assistant.text.terms import terms

PAGE = 5000
ID_PAGE = 500  # chunk ids a query names: under SQLite's limit on bound parameters
EMBED_PAGE = 256  # chunks embedded at once when vectors are restored: bounded memory


@dataclass
class CheckReport:
    articles: int = 0
    chunks: int = 0
    vectors: int = 0
    orphan_vectors: list[str] = field(default_factory=list)  # chunk ids with a vector but no row
    missing_vectors: list[str] = field(default_factory=list)  # chunk ids with a row but no vector
    fts_rows: int = 0
    chunk_count_mismatch: list[str] = field(default_factory=list)  # articles whose n_chunks is wrong
    repaired: bool = False

    @property
    def consistent(self) -> bool:
        return not (self.orphan_vectors or self.missing_vectors or self.chunk_count_mismatch
                    or self.fts_rows != self.chunks)

    def to_dict(self) -> dict[str, Any]:
        return {"consistent": self.consistent, "repaired": self.repaired, "articles": self.articles,
                "chunks": self.chunks, "vectors": self.vectors, "fts_rows": self.fts_rows,
                "orphan_vectors": len(self.orphan_vectors), "missing_vectors": len(self.missing_vectors),
                "chunk_count_mismatch": self.chunk_count_mismatch}

    def summary(self) -> str:
        state = "consistent" if self.consistent else "INCONSISTENT"
        return (f"{state}: {self.articles} articles, {self.chunks} chunks, {self.vectors} vectors, "
                f"{self.fts_rows} lexical rows; {len(self.orphan_vectors)} orphan vectors, "
                f"{len(self.missing_vectors)} missing vectors, {len(self.chunk_count_mismatch)} articles with a "
                f"wrong chunk count" + (" (repaired)" if self.repaired else ""))


def _vector_ids(store: Store) -> set[str]:
    collection = store.vectors._collection
    ids: set[str] = set()
    offset = 0
    while True:
        page = store._guard(lambda o=offset: collection.get(include=[], limit=PAGE, offset=o))
        ids.update(page["ids"])
        if len(page["ids"]) < PAGE:
            return ids
        offset += PAGE


def inspect(store: Store) -> CheckReport:
    with store.lock:
        rows = store.db.execute("SELECT chunk_id FROM chunks").fetchall()
        (fts_rows,) = store.db.execute("SELECT count(*) FROM chunks_fts").fetchone()
        (articles,) = store.db.execute("SELECT count(*) FROM articles").fetchone()
        wrong = store.db.execute(
            "SELECT a.article_id FROM articles a LEFT JOIN chunks c ON c.article_id = a.article_id "
            "GROUP BY a.article_id HAVING count(c.rowid) != a.n_chunks").fetchall()
    chunk_ids = {r[0] for r in rows}
    vectors = _vector_ids(store)
    return CheckReport(articles=articles, chunks=len(chunk_ids), vectors=len(vectors),
                       orphan_vectors=sorted(vectors - chunk_ids), missing_vectors=sorted(chunk_ids - vectors),
                       fts_rows=fts_rows, chunk_count_mismatch=[r[0] for r in wrong])


def repair(store: Store, report: CheckReport) -> CheckReport:
    """Make the vectors and the lexical index match the SQLite rows; returns the state after."""
    with store.lock:
        if report.orphan_vectors:
            page = min(PAGE, store.vector_batch())
            for i in range(0, len(report.orphan_vectors), page):
                batch = report.orphan_vectors[i:i + page]
                store._guard(lambda b=batch: store.vectors.delete(ids=b))
        if report.missing_vectors:
            _embed_again(store, report.missing_vectors)
        if report.fts_rows != report.chunks:
            _rebuild_lexical(store)
        if report.chunk_count_mismatch:
            with store.db:
                store.db.execute("UPDATE articles SET n_chunks = (SELECT count(*) FROM chunks c "
                                 "WHERE c.article_id = articles.article_id)")
        store._meta_cache = None
        store._df_cache = {}
    after = inspect(store)
    after.repaired = True
    return after


def _embed_again(store: Store, chunk_ids: list[str]) -> None:
    """Embed and store these chunks again, an article at a time (its text read once, not once per chunk)
    and ``EMBED_PAGE`` chunks a write."""
    spans: dict[str, list[tuple[str, int, int, int]]] = {}
    for i in range(0, len(chunk_ids), ID_PAGE):
        page = chunk_ids[i:i + ID_PAGE]
        for chunk_id, article_id, idx, start, end in store.db.execute(
                f'SELECT chunk_id, article_id, idx, start, "end" FROM chunks WHERE chunk_id IN '
                f'({",".join("?" * len(page))})', page):
            spans.setdefault(article_id, []).append((chunk_id, idx, start, end))
    for article_id, chunks in spans.items():
        row = store.db.execute("SELECT text, source, published FROM articles WHERE article_id=?",
                               (article_id,)).fetchone()
        if row is None:  # rows of an article that is gone: nothing to embed them from
            continue
        text, source, published = row
        article = Article(article_id=article_id, text=text, source=source, published=published)
        for i in range(0, len(chunks), EMBED_PAGE):
            store.add_vectors([(article, [Chunk(chunk_id, article_id, idx, s, e, text[s:e])
                                          for chunk_id, idx, s, e in chunks[i:i + EMBED_PAGE]])])


def _rebuild_lexical(store: Store) -> None:
    """The FTS rows again from the chunk table, an article at a time (its text read once)."""
    with store.db:
        store.db.execute("DELETE FROM chunks_fts")
        for article_id, title, text in store.db.execute("SELECT article_id, title, text FROM articles"):
            title_terms = " ".join(terms(title or ""))
            rows = store.db.execute('SELECT rowid, start, "end" FROM chunks WHERE article_id=?',
                                    (article_id,)).fetchall()
            store.db.executemany("INSERT INTO chunks_fts(rowid, title, body) VALUES(?,?,?)",
                                 [(rowid, title_terms, " ".join(terms(text[s:e]))) for rowid, s, e in rows])


def check(store: Store, *, fix: bool = True) -> CheckReport:
    report = inspect(store)
    if fix and not report.consistent:
        return repair(store, report)
    return report
