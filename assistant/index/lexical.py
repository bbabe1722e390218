"""The lexical index: BM25 over the analysed terms of the chunks (``assistant.text.terms``).

``LexicalIndex`` is what the store and ``citewise check`` need of it; ``Fts5LexicalIndex`` is SQLite's
FTS5 in the store's file, keyed by the chunk rows of ``SqliteArticles`` and joined with them for offsets,
outlets and dates. Each FTS5 row also carries its outlet as one token (``outlet_token``), so that a
query limited to outlets is narrowed inside FTS5 instead of scoring the chunks of every outlet. The
scores are FTS5's, computed from its postings in memory (``fts5_bm25``) whenever that can be exact.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Protocol

from assistant.index.fts5_bm25 import Fts5Postings
from assistant.index.sqlite import SqliteDb
from assistant.index.types import Hit
from assistant.text.fold import fold
from assistant.text.terms import terms

log = logging.getLogger(__name__)

CREATE_FTS = "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(title, body, source, tokenize='unicode61')"
CREATE_VOCAB = "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'row')"
# title, body, source: title terms count less than body terms, and the outlet column not at all (it only
# narrows a query). Named in each query: older stores also hold them as FTS5's `rank` setting, which no
# query reads any more
BM25_WEIGHTS = "0.6, 1.0, 0.0"
MAX_TERMS = 20  # the rarest terms carry the ranking; more only cost scanning
MAX_POSTINGS = 12_000  # chunks the lexical query may score, summed over its terms...
MIN_TERMS = 4  # ...beyond the rarest few
COMMON_SHARE = 0.2  # terms in more chunks than this share are left out of the lexical query
DF_CACHE_TERMS = 100_000  # document frequencies held before the cache starts again


def _match(terms_: Sequence[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms_)


def _create(conn: sqlite3.Connection) -> None:
    conn.execute(CREATE_FTS)
    conn.execute(CREATE_VOCAB)


def outlet_token(source: str | None) -> str:
    """The one token an outlet's chunks carry in the ``source`` column ("" for none). Outlets whose names
    differ only in case, accents or punctuation share one ("The Verge", "the-verge"): a query narrowed
    by it still checks the outlet itself."""
    name = "".join(ch for ch in fold(source or "") if ch.isalnum())
    return f"outlet{name}" if name else ""


def query_terms(alts: Collection[str], n: int, df: dict[str, int]) -> list[str]:
    """The terms a lexical query asks for, sorted: without terms so common that scanning them costs more
    than they rank (every implementation asks for the same, so that they rank alike)."""
    rare = sorted((t for t in alts if df[t] <= COMMON_SHARE * n), key=lambda t: (df[t], t))[:MAX_TERMS]
    # BM25 scores every chunk holding any term: the time grows with the postings read, so a large
    # corpus keeps the rarest terms within a budget (they carry BM25's ranking); at MultiHop's
    # 6,400 chunks no question reaches it (at most 7,900 postings), at 16 times that it keeps
    # the lexical query near 8 ms instead of 35
    kept, total = [], 0
    for t in rare:
        if len(kept) >= MIN_TERMS and total + df[t] > MAX_POSTINGS:
            break
        kept.append(t)
        total += df[t]
    return sorted(kept or alts)


class LexicalIndex(Protocol):
    """BM25 over chunks' terms. A chunk is filed under its key in the article repository."""

    def search(self, terms: Collection[str], k: int, sources: Sequence[str] | None = None,
               after: float | None = None, before: float | None = None) -> list[Hit]: ...
    def doc_freq(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]: ...
    def article_terms(self, article_id: str) -> frozenset[str]: ...
    def add(self, title: str | None, source: str | None, chunks: Iterable[tuple[int, str]]) -> None: ...
    def delete(self, article_id: str) -> None: ...
    def count(self) -> int: ...
    def optimize(self) -> None: ...
    def rebuild(self) -> None: ...
    def warm(self, stop: Callable[[], bool]) -> int: ...


DF_WARM_TERMS = DF_CACHE_TERMS // 2  # frequencies a warm index holds: room is left for the terms it lacks


class Fts5LexicalIndex:
    """``LexicalIndex`` in SQLite FTS5: a row a chunk (its rowid the chunk row's), title and body terms."""

    def __init__(self, db: SqliteDb) -> None:
        self.db = db
        self._df: tuple[int, int, dict[str, int]] | None = None  # (generation, chunks, frequency by term)
        # BM25 scored from FTS5's own postings, kept in memory: FTS5's hits, scores and order, 2-4x faster a search
        self.postings = Fts5Postings(db, [float(w) for w in BM25_WEIGHTS.split(",")])
        if self._without_outlets():
            self._add_outlets()
        else:
            _create(db.conn())

    def _without_outlets(self) -> bool:
        """A store made before the ``source`` column: its index is made again, once."""
        columns = [row[1] for row in self.db.rows("PRAGMA table_info(chunks_fts)")]
        return bool(columns) and "source" not in columns

    def _add_outlets(self) -> None:
        with self.db.write() as conn:
            # one transaction, taken before the second look: SQLite's DDL is transactional, so another
            # process opening the store meanwhile waits and then finds it done, and a crash leaves the old
            # index whole (Python would otherwise run the DROP and CREATE outside any transaction)
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")
            if not self._without_outlets():  # another process did it meanwhile
                return
            n = self.db.row("SELECT count(*) FROM chunks")[0]
            log.warning("citewise: indexing the %d chunks of %s again, once, with their outlets", n, self.db.path)
            # the vocabulary table reads the index: both go, then come back in the new form
            conn.execute("DROP TABLE IF EXISTS chunks_vocab")
            conn.execute("DROP TABLE chunks_fts")
            _create(conn)
            self._fill(conn)
            conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')")  # one segment, as after an ingest

    # -- queries -----------------------------------------------------------------
    def search(self, terms_: Collection[str], k: int, sources: Sequence[str] | None = None,
               after: float | None = None, before: float | None = None) -> list[Hit]:
        """The ``k`` chunks that rank best by BM25 for any of these analysed terms, best first."""
        if not terms_:
            return []
        asked = query_terms(terms_, *self.doc_freq(terms_))
        hits = self.postings.search(asked, k, sources, after, before)
        return hits if hits is not None else self.query(_match(asked), k, sources, after, before)

    def match(self, alts: Collection[str]) -> str | None:
        """The FTS query without terms so common that scanning them costs more than they rank."""
        if not alts:
            return None
        return _match(query_terms(alts, *self.doc_freq(alts)))

    def query(self, match: str, k: int, sources: Sequence[str] | None = None,
              after: float | None = None, before: float | None = None) -> list[Hit]:
        """BM25 for an FTS5 query, best first. Filters are applied after ranking when
        absent, so the common case is one FTS5 top-k query."""
        filtered = bool(sources) or after is not None or before is not None
        tokens = {outlet_token(s) for s in sources or ()}
        if tokens and "" not in tokens:  # FTS5 keeps the outlets' rows before it scores any (~1.4 -> 0.4 ms)
            outlets = " OR ".join(f'"{t}"' for t in sorted(tokens))
            match = f"({match}) AND source : ({outlets})"
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
        rows = self.db.rows(q, [*args, k])
        return [Hit(a, s, e, -score, src, ts) for a, s, e, score, src, ts in rows]

    def doc_freq(self, terms_: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(number of chunks, chunks containing each analysed term), for IDF weights."""
        ts = set(terms_)
        generation = self.db.generation()
        held = self._df
        if held is None or held[0] != generation:  # a commit since: counts and frequencies again
            held = self._df = (generation, self.db.row("SELECT count(*) FROM chunks")[0], {})
        _, n, cache = held
        missing = sorted(ts - cache.keys())
        if missing:
            q = f"SELECT term, doc FROM chunks_vocab WHERE term IN ({','.join('?' * len(missing))})"
            found = dict(self.db.rows(q, missing))
            if len(cache) > DF_CACHE_TERMS:
                cache.clear()
            cache.update({t: found.get(t, 0) for t in missing})
        return n, {t: cache[t] for t in ts}

    def warm(self, stop: Callable[[], bool]) -> int:
        """Read what questions read into memory (a server does this when it starts): the terms' document
        frequencies and their postings. The postings kept."""
        generation = self.db.generation()
        n = self.db.row("SELECT count(*) FROM chunks")[0]
        df = dict(self.db.rows("SELECT term, doc FROM chunks_vocab LIMIT ?", (DF_WARM_TERMS,)))
        if self.db.generation() == generation:
            self._df = (generation, n, df)
        return self.postings.warm(stop)

    def article_terms(self, article_id: str) -> frozenset[str]:
        """Every analysed term of the article's title and chunks, as indexed (empty when it has no rows)."""
        out: set[str] = set()
        for title, body in self.db.rows("SELECT title, body FROM chunks_fts WHERE rowid IN "
                                        "(SELECT rowid FROM chunks WHERE article_id=?)", (article_id,)):
            out.update(title.split())
            out.update(body.split())
        return frozenset(out)

    def count(self) -> int:
        """Rows in the index: one a chunk when it agrees with the chunk table."""
        return self.db.row("SELECT count(*) FROM chunks_fts")[0]

    # -- writes: each its own transaction, or part of the article repository's ----------------------
    def add(self, title: str | None, source: str | None, chunks: Iterable[tuple[int, str]]) -> None:
        """One article's chunks, as (chunk row key, chunk text); ``chunks`` is walked once."""
        title_terms, outlet = " ".join(terms(title or "")), outlet_token(source)
        with self.db.write() as conn:
            for key, text in chunks:
                conn.execute("INSERT INTO chunks_fts(rowid, title, body, source) VALUES(?,?,?,?)",
                             (key, title_terms, " ".join(terms(text)), outlet))

    def delete(self, article_id: str) -> None:
        """The article's rows: before its chunk rows go, which say which they are."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE article_id=?)",
                         (article_id,))

    def optimize(self) -> None:
        """Merge the index's segments: after a large ingest, queries get ~20% faster."""
        with self.db.write() as conn:
            conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')")

    def rebuild(self) -> None:
        """Every row again from the articles and their chunk rows, an article at a time (its text read once)."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM chunks_fts")
            self._fill(conn)

    @staticmethod
    def _fill(conn: sqlite3.Connection) -> None:
        for article_id, title, source, text in conn.execute("SELECT article_id, title, source, text FROM articles"):
            title_terms, outlet = " ".join(terms(title or "")), outlet_token(source)
            rows = conn.execute('SELECT rowid, start, "end" FROM chunks WHERE article_id=?', (article_id,)).fetchall()
            conn.executemany("INSERT INTO chunks_fts(rowid, title, body, source) VALUES(?,?,?,?)",
                             [(rowid, title_terms, " ".join(terms(text[s:e])), outlet) for rowid, s, e in rows])
