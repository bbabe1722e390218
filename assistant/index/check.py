"""``citewise check``: do the article texts, the lexical index and the vectors agree? Repair them if not.

The store writes vectors first, then the rows of a batch in one transaction. A process killed in
between leaves vectors whose rows never landed (orphans); re-running the ingest replaces them, but an
article that is never re-ingested would keep them. A vector store restored from an older backup can also
miss vectors. The check finds both, a lexical index out of step with the chunk rows, and articles without
sentence vectors or their sentences' analyses (a store from before they were kept), and repairs each from
the article repository, which is the source of truth (it holds the texts quotes are verified against).

Written against the store's parts' protocols only, so that any implementation of them is checked alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.errors import NotFoundError
from assistant.index.sentence_vectors import analyse_sentences
from assistant.index.store import Store
from assistant.index.types import ChunkRow
from assistant.models import Chunk

EMBED_PAGE = 256  # chunks embedded at once when vectors are restored: bounded memory
ANALYSE_PAGE = 100  # articles whose sentence rows are read at once when their analyses are stored


@dataclass
class CheckReport:
    articles: int = 0
    chunks: int = 0
    vectors: int = 0
    orphan_vectors: list[str] = field(default_factory=list)  # chunk ids with a vector but no row
    missing_vectors: list[str] = field(default_factory=list)  # chunk ids with a row but no vector
    fts_rows: int = 0  # the lexical index's rows (FTS5's, by default)
    chunk_count_mismatch: list[str] = field(default_factory=list)  # articles whose n_chunks is wrong
    missing_sentences: list[str] = field(default_factory=list)  # articles without sentence vectors
    # articles whose sentences' analyses are not stored (or of another version): each question analyses them
    missing_analyses: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def consistent(self) -> bool:
        return not (self.orphan_vectors or self.missing_vectors or self.chunk_count_mismatch
                    or self.missing_sentences or self.missing_analyses or self.fts_rows != self.chunks)

    def to_dict(self) -> dict[str, Any]:
        return {"consistent": self.consistent, "repaired": self.repaired, "articles": self.articles,
                "chunks": self.chunks, "vectors": self.vectors, "fts_rows": self.fts_rows,
                "orphan_vectors": len(self.orphan_vectors), "missing_vectors": len(self.missing_vectors),
                "chunk_count_mismatch": self.chunk_count_mismatch,
                "articles_without_sentence_vectors": len(self.missing_sentences),
                "articles_without_sentence_analyses": len(self.missing_analyses)}

    def summary(self) -> str:
        state = "consistent" if self.consistent else "INCONSISTENT"
        return (f"{state}: {self.articles} articles, {self.chunks} chunks, {self.vectors} vectors, "
                f"{self.fts_rows} lexical rows; {len(self.orphan_vectors)} orphan vectors, "
                f"{len(self.missing_vectors)} missing vectors, {len(self.chunk_count_mismatch)} articles with a "
                f"wrong chunk count, {len(self.missing_sentences)} without sentence vectors, "
                f"{len(self.missing_analyses)} without sentence analyses"
                + (" (repaired)" if self.repaired else ""))


def inspect(store: Store) -> CheckReport:
    with store.lock:  # no write of this process in between the counts
        chunk_ids = store.articles.chunk_ids()
        fts_rows = store.lexical.count()
        articles = store.articles.count()
        wrong = store.articles.wrong_chunk_counts()
        no_sentences = store.articles.without_sentence_vectors()
        no_analyses = store.articles.without_sentence_analyses()
    vectors = store.vectors.ids()
    return CheckReport(articles=articles, chunks=len(chunk_ids), vectors=len(vectors),
                       orphan_vectors=sorted(vectors - chunk_ids), missing_vectors=sorted(chunk_ids - vectors),
                       fts_rows=fts_rows, chunk_count_mismatch=wrong, missing_sentences=no_sentences,
                       missing_analyses=no_analyses)


def repair(store: Store, report: CheckReport) -> CheckReport:
    """Make the vectors and the lexical index match the article repository; returns the state after."""
    with store.lock:
        if report.orphan_vectors:
            store.vectors.delete_ids(report.orphan_vectors)
        if report.missing_vectors:
            _embed_again(store, report.missing_vectors)
        if report.fts_rows != report.chunks:
            store.lexical.rebuild()
        if report.chunk_count_mismatch:
            store.articles.fix_chunk_counts()
        if report.missing_sentences:
            _sentences_again(store, report.missing_sentences)
        if report.missing_analyses:
            _analyse_again(store, report.missing_analyses)
    after = inspect(store)
    after.repaired = True
    return after


def _embed_again(store: Store, chunk_ids: list[str]) -> None:
    """Embed and store these chunks again, an article at a time (its text read once, not once per chunk)
    and ``EMBED_PAGE`` chunks a write."""
    by_article: dict[str, list[ChunkRow]] = {}
    for row in store.articles.chunks(chunk_ids):
        by_article.setdefault(row.article_id, []).append(row)
    for article_id, rows in by_article.items():
        try:
            article = store.articles.get_article(article_id)
        except NotFoundError:  # rows of an article that is gone: nothing to embed them from
            continue
        for i in range(0, len(rows), EMBED_PAGE):
            chunks = [Chunk(r.chunk_id, article_id, r.index, r.start, r.end, article.text[r.start:r.end])
                      for r in rows[i:i + EMBED_PAGE]]
            store.add_vectors([(article, chunks)])


def _sentences_again(store: Store, article_ids: list[str]) -> None:
    """Embed these articles' sentences again (the question-time meaning reads them; without them each
    question embeds its candidates' sentences on the fly). Their chunk vectors stay as they are."""
    for article_id in article_ids:
        try:
            article = store.articles.get_article(article_id)
        except NotFoundError:
            continue
        n = store.get_meta(article_id)["n_chunks"] or 0
        rows = store.articles.chunks([f"{article_id}:{i}" for i in range(n)])
        chunks = [Chunk(r.chunk_id, article_id, r.index, r.start, r.end, article.text[r.start:r.end])
                  for r in sorted(rows, key=lambda r: r.index)]
        if chunks:
            _, sentences = store.embed([(article, chunks)])
            rows = sentences.get(article_id, [])
            store.articles.add_sentence_vectors(article_id, rows, analyse_sentences(article.text, rows))


def _analyse_again(store: Store, article_ids: list[str]) -> None:
    """Store these articles' sentences' analyses beside their vectors (no model runs)."""
    for i in range(0, len(article_ids), ANALYSE_PAGE):
        page = article_ids[i:i + ANALYSE_PAGE]
        for article_id, rows in store.articles.sentence_vectors(page).items():
            try:
                text = store.articles.get_text(article_id)
            except NotFoundError:
                continue
            store.articles.add_sentence_vectors(article_id, rows, analyse_sentences(text, rows))


def check(store: Store, *, fix: bool = True) -> CheckReport:
    report = inspect(store)
    if fix and not report.consistent:
        return repair(store, report)
    return report
