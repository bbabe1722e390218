"""``LexicalIndex`` in PostgreSQL (server mode): BM25 over the same analysed terms, with the same formula,
parameters and column weights as SQLite's FTS5, so that both engines rank alike.

FTS5's ``bm25()`` for a chunk D and query terms q (fts5_aux.c):

    score(D) = sum_q idf(q) * f(q, D) * (k1 + 1) / (f(q, D) + k1 * (1 - b + b * |D| / avgdl))
    idf(q)   = max(ln((N - n(q) + 0.5) / (n(q) + 0.5)), 1e-6)

with k1 = 1.2, b = 0.75, f the column-weighted term frequency (title 0.6, body 1.0), |D| the chunk's
tokens in both columns, avgdl the mean of |D| and n(q) the chunks holding q. The tables hold exactly
those: postings (term, chunk, frequency in the title and in the body), each chunk's length, each term's
chunk count and the totals, all kept in the article repository's transaction. ``ts_rank`` is not BM25:
it has no document frequencies, so a rare name counts no more than a common word.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import psycopg

from assistant.index.lexical import BM25_WEIGHTS, DF_CACHE_TERMS, DF_WARM_TERMS, outlet_token, query_terms
from assistant.index.pg import PgDb, clean
from assistant.index.types import Hit
from assistant.text.terms import terms

K1, B = 1.2, 0.75  # FTS5's, fixed there
# the outlet's weight is 0 (it narrows FTS5's queries, ranks nothing): here a join with the articles narrows
TITLE_WEIGHT, BODY_WEIGHT, _ = (float(w) for w in BM25_WEIGHTS.split(","))

# one statement, one snapshot: the totals and frequencies the scores use are those of the postings read
SEARCH = f"""
WITH tot AS (SELECT docs::float8 AS n, tokens::float8 / greatest(docs, 1) AS avgdl FROM lexical_totals),
q AS (SELECT t.term, greatest(ln((tot.n - t.df + 0.5) / (t.df + 0.5)), 1e-6) AS idf
      FROM lexical_terms t, tot WHERE t.term = ANY(%(terms)s)),
s AS (SELECT p.chunk_key, sum(q.idf * f.f * {K1 + 1} / (f.f + {K1} * (1 - {B} + {B} * d.length / tot.avgdl))) AS score
      FROM q JOIN lexical_postings p ON p.term = q.term
      CROSS JOIN LATERAL (SELECT {TITLE_WEIGHT} * p.tf_title + {BODY_WEIGHT} * p.tf_body AS f) f
      JOIN lexical_docs d ON d.chunk_key = p.chunk_key, tot
      GROUP BY p.chunk_key)
SELECT c.article_id, c.start, c."end", s.score, a.source, a.published_ts
FROM s JOIN chunks c ON c.key = s.chunk_key JOIN articles a ON a.article_id = c.article_id
{{where}} ORDER BY s.score DESC, s.chunk_key LIMIT %(k)s
"""


class PgLexicalIndex:
    """``LexicalIndex`` in PostgreSQL tables, keyed by the chunk rows of ``PgArticles``."""

    def __init__(self, db: PgDb) -> None:
        self.db = db
        self._df: tuple[Any, int, dict[str, int]] | None = None  # (generation, chunks, frequency by term)

    # -- queries -----------------------------------------------------------------
    def search(self, terms_: Collection[str], k: int, sources: Sequence[str] | None = None,
               after: float | None = None, before: float | None = None) -> list[Hit]:
        """The ``k`` chunks that rank best by BM25 for any of these analysed terms, best first."""
        if not terms_:
            return []
        asked = query_terms(terms_, *self.doc_freq(terms_))
        args: dict[str, Any] = {"terms": asked, "k": k}
        where = []
        if sources:
            where.append("a.source = ANY(%(sources)s)")
            args["sources"] = list(sources)
        if after is not None:
            where.append("a.published_ts >= %(after)s")
            args["after"] = after
        if before is not None:
            where.append("a.published_ts < %(before)s")
            args["before"] = before
        rows = self.db.rows(SEARCH.format(where="WHERE " + " AND ".join(where) if where else ""), args)
        return [Hit(a, s, e, score, src, ts) for a, s, e, score, src, ts in rows]

    def doc_freq(self, terms_: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(number of chunks, chunks containing each analysed term), for IDF weights."""
        ts = set(terms_)
        generation = self.db.generation()
        held = self._df
        if held is None or held[0] != generation:
            held = self._df = (generation, self.db.row("SELECT docs FROM lexical_totals")[0], {})
        _, n, cache = held
        missing = sorted(ts - cache.keys())
        if missing:
            found = dict(self.db.rows("SELECT term, df FROM lexical_terms WHERE term = ANY(%s)", (missing,)))
            if len(cache) > DF_CACHE_TERMS:
                cache.clear()
            cache.update({t: found.get(t, 0) for t in missing})
        return n, {t: cache[t] for t in ts}

    def warm(self, stop: Callable[[], bool]) -> int:
        """The terms' document frequencies read into memory (a server does this when it starts). BM25 runs
        in PostgreSQL: no postings are kept here, so 0."""
        generation = self.db.generation()
        n = self.db.row("SELECT docs FROM lexical_totals")[0]
        df = dict(self.db.rows("SELECT term, df FROM lexical_terms LIMIT %s", (DF_WARM_TERMS,)))
        if self.db.generation() == generation:
            self._df = (generation, n, df)
        return 0

    def article_terms(self, article_id: str) -> frozenset[str]:
        """Every analysed term of the article's title and chunks, as indexed (empty when it has no rows)."""
        return frozenset(r[0] for r in self.db.rows(
            "SELECT DISTINCT p.term FROM lexical_postings p JOIN chunks c ON c.key = p.chunk_key "
            "WHERE c.article_id = %s", clean((article_id,))))

    def count(self) -> int:
        """Chunks in the index: one a chunk row when they agree."""
        return self.db.row("SELECT count(*) FROM lexical_docs")[0]

    # -- writes: each its own transaction, or part of the article repository's ----------------------
    def add(self, title: str | None, source: str | None, chunks: Iterable[tuple[int, str]]) -> None:
        """One article's chunks, as (chunk row key, chunk text); ``chunks`` is walked once. The outlet is
        one more token of each chunk, as in FTS5's ``source`` column: BM25's lengths stay alike."""
        title_tf = Counter(terms(title or ""))
        outlet = 1 if outlet_token(source) else 0
        postings: list[tuple[str, int, int, int]] = []
        docs: list[tuple[int, int]] = []
        df: Counter[str] = Counter()
        with self.db.write() as conn:
            for key, text in chunks:
                body = terms(text)
                body_tf = Counter(body)
                docs.append((key, title_tf.total() + len(body) + outlet))
                for term in title_tf.keys() | body_tf.keys():
                    postings.append((term, key, title_tf[term], body_tf[term]))
                    df[term] += 1
            self._write(conn, postings, docs, df)

    @staticmethod
    def _write(conn: psycopg.Connection, postings: list[tuple[str, int, int, int]], docs: list[tuple[int, int]],
               df: Counter[str]) -> None:
        if not docs:
            return
        with conn.cursor() as cur:
            with cur.copy("COPY lexical_postings(term, chunk_key, tf_title, tf_body) FROM STDIN") as copy:
                for row in postings:
                    copy.write_row(row)
            with cur.copy("COPY lexical_docs(chunk_key, length) FROM STDIN") as copy:
                for row in docs:
                    copy.write_row(row)
        conn.execute("INSERT INTO lexical_terms(term, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
                     "ON CONFLICT (term) DO UPDATE SET df = lexical_terms.df + excluded.df",
                     (list(df), list(df.values())))
        conn.execute("UPDATE lexical_totals SET docs = docs + %s, tokens = tokens + %s",
                     (len(docs), sum(n for _, n in docs)))

    def delete(self, article_id: str) -> None:
        """The article's rows: before its chunk rows go, which say which they are."""
        with self.db.write() as conn:
            keys = [r[0] for r in conn.execute("SELECT key FROM chunks WHERE article_id=%s",
                                               clean((article_id,))).fetchall()]
            self._delete_keys(conn, keys)

    @staticmethod
    def _delete_keys(conn: psycopg.Connection, keys: list[int]) -> None:
        if not keys:
            return
        gone = conn.execute("DELETE FROM lexical_docs WHERE chunk_key = ANY(%s) RETURNING length", (keys,)).fetchall()
        if not gone:
            return
        conn.execute("""
            WITH g AS (DELETE FROM lexical_postings WHERE chunk_key = ANY(%s) RETURNING term),
                 c AS (SELECT term, count(*) AS n FROM g GROUP BY term),
                 u AS (UPDATE lexical_terms t SET df = t.df - c.n FROM c WHERE t.term = c.term RETURNING t.term, t.df)
            DELETE FROM lexical_terms t USING u WHERE t.term = u.term AND u.df <= 0""", (keys,))
        conn.execute("UPDATE lexical_totals SET docs = docs - %s, tokens = tokens - %s",
                     (len(gone), sum(n for (n,) in gone)))

    def optimize(self) -> None:
        """Fresh planner statistics after a large ingest (PostgreSQL's indexes need no merging)."""
        with self.db.connection() as conn:
            conn.execute("ANALYZE lexical_postings, lexical_docs, lexical_terms")

    def rebuild(self) -> None:
        """Every row again from the articles and their chunk rows, an article at a time (its text read once)."""
        with self.db.write() as conn:
            conn.execute("TRUNCATE lexical_postings, lexical_docs, lexical_terms")
            conn.execute("UPDATE lexical_totals SET docs = 0, tokens = 0")
            ids = [r[0] for r in conn.execute("SELECT article_id FROM articles ORDER BY article_id").fetchall()]
            for article_id in ids:
                title, source, text = conn.execute("SELECT title, source, text FROM articles WHERE article_id=%s",
                                                   (article_id,)).fetchone()
                rows = conn.execute('SELECT key, start, "end" FROM chunks WHERE article_id=%s ORDER BY key',
                                    (article_id,)).fetchall()
                self.add(title, source, ((key, text[s:e]) for key, s, e in rows))
