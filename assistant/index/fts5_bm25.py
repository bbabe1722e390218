"""FTS5's BM25 scored in memory: the scores of ``bm25(chunks_fts, 0.6, 1.0, 0.0)`` to the bit, without
FTS5's cost a query.

FTS5 answers a question's OR query (~20 terms) by merging the terms' posting lists and calling ``bm25()``
on every matching row: 5-10 ms a question at MultiHop's 6,400 chunks, on the cores that embed the question
meanwhile. Here a term's postings (its chunks and its weighted frequency in each) are read once from FTS5
itself, through an ``fts5vocab`` table of instances, and kept; each chunk's length comes from FTS5's docsize
table and the average length from its totals record, and the formula is computed in FTS5's order of
operations (``fts5_aux.c``: ``fts5Bm25Function``), so that a score here equals FTS5's and ties keep its order
(by rowid). Everything kept belongs to one generation of the database: a commit anywhere starts afresh.

A term FTS5 would read as several tokens (anything but lowercase ASCII letters and digits, which the
analysed terms are) is left to FTS5: ``search`` then answers None.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.index.sqlite import SqliteDb
from assistant.index.types import Hit

K1, B = 1.2, 0.75  # FTS5's, fixed there
POSTINGS_CACHE = 4_000_000  # postings kept (16 bytes each) before the kept terms are let go
VOCAB = "citewise_chunk_instances"  # a temp table of each connection: no schema change in the store
_COLUMN = "CASE col WHEN 'title' THEN 0 WHEN 'body' THEN 1 ELSE 2 END"  # FTS5's column number


def _varints(blob: bytes) -> list[int]:
    """SQLite's varints (big-endian, seven bits a byte, the high bit set on all but a number's last byte).
    Lengths here stay far below the nine-byte form."""
    out, value = [], 0
    for byte in blob:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            out.append(value)
            value = 0
    return out


def one_token(term: str) -> bool:
    """Whether FTS5's unicode61 tokenizer reads ``term`` as itself, one token."""
    return term.isascii() and term.isalnum() and term == term.lower()


@dataclass
class _Snapshot:
    """What one generation of the database says about every chunk, by FTS5 rowid."""

    generation: int
    rows: int  # FTS5's row count
    avgdl: float  # FTS5's average row length, in tokens over every column
    length: np.ndarray  # tokens of each row, every column
    article: list[str | None]
    start: np.ndarray
    end: np.ndarray
    source: list[str | None]
    source_code: np.ndarray  # an index into ``sources``, -1 for none
    sources: dict[str, int]
    published: np.ndarray  # NaN when unknown: never inside a date filter, as SQL's NULL
    postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    held: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Fts5Postings:
    """BM25 over FTS5's postings, read and kept a term at a time."""

    def __init__(self, db: SqliteDb, weights: Sequence[float], cache: int = POSTINGS_CACHE) -> None:
        self.db = db
        self.weights = np.array([float(w) for w in weights])  # by column number: title, body, source
        self.cache = cache
        self._held: _Snapshot | None = None
        self._lock = threading.Lock()

    def search(self, terms: Sequence[str], k: int, sources: Sequence[str] | None = None,
               after: float | None = None, before: float | None = None) -> list[Hit] | None:
        """The ``k`` best chunks for any of ``terms`` (in the order FTS5's query names them), best first,
        within the filters; None when FTS5 must answer (a term it splits, a commit during the search)."""
        if not terms or not all(one_token(t) for t in terms):
            return None
        snap = self._snapshot()
        if snap is None or not snap.rows:
            return None
        score = np.zeros(len(snap.length))
        found = np.zeros(len(snap.length), dtype=bool)
        for t in terms:
            ids, freq = self._postings(snap, t)
            if not len(ids):
                continue
            found[ids] = True
            idf = math.log((snap.rows - len(ids) + 0.5) / (len(ids) + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            dl = snap.length[ids]
            score[ids] += idf * ((freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * dl / snap.avgdl)))
        if self.db.generation() != snap.generation:  # a commit meanwhile: FTS5 reads one state
            return None
        ids = np.flatnonzero(found)
        if sources:
            codes = [snap.sources[s] for s in sources if s in snap.sources]
            ids = ids[np.isin(snap.source_code[ids], codes)]
        if after is not None:
            ids = ids[snap.published[ids] >= after]
        if before is not None:
            ids = ids[snap.published[ids] < before]
        best = ids[np.lexsort((ids, -score[ids]))[:k]]  # FTS5 keeps ties in rowid order
        return [Hit(snap.article[i], int(snap.start[i]), int(snap.end[i]), float(score[i]), snap.source[i],
                    None if math.isnan(snap.published[i]) else float(snap.published[i]))
                for i in best.tolist() if snap.article[i] is not None]

    # -- what is kept ----------------------------------------------------------------
    def _snapshot(self) -> _Snapshot | None:
        generation = self.db.generation()
        held = self._held
        if held is not None and held.generation == generation:
            return held
        with self._lock:
            held = self._held
            if held is not None and held.generation == generation:
                return held
            snap = self._read(generation)
            if snap is not None and self.db.generation() == generation:  # read whole from one state
                self._held = snap
            return snap

    def _read(self, generation: int) -> _Snapshot | None:
        db = self.db
        totals = db.row("SELECT block FROM chunks_fts_data WHERE id=1")
        if totals is None:
            return None
        numbers = _varints(totals[0])
        if not numbers:  # nothing indexed yet
            return None
        rows = numbers[0]
        sizes = db.rows("SELECT id, sz FROM chunks_fts_docsize")
        chunks = db.rows('SELECT c.rowid, c.article_id, c.start, c."end", a.source, a.published_ts '
                         "FROM chunks c JOIN articles a ON a.article_id = c.article_id")
        top = max([i for i, _ in sizes] + [r[0] for r in chunks] + [0]) + 1
        length = np.zeros(top)
        for i, sz in sizes:
            length[i] = sum(_varints(sz))
        article: list[str | None] = [None] * top
        source: list[str | None] = [None] * top
        start, end = np.zeros(top, dtype=np.int64), np.zeros(top, dtype=np.int64)
        code, published = np.full(top, -1, dtype=np.int32), np.full(top, np.nan)
        names: dict[str, int] = {}
        for rowid, aid, s, e, src, ts in chunks:
            article[rowid], source[rowid], start[rowid], end[rowid] = aid, src, s, e
            if src is not None:
                code[rowid] = names.setdefault(src, len(names))
            if ts is not None:
                published[rowid] = ts
        # FTS5: the tokens of every column over the row count, as doubles
        avgdl = float(sum(numbers[1:])) / float(rows) if rows else 0.0
        return _Snapshot(generation, rows, avgdl, length, article, start, end, source, code, names, published)

    def _postings(self, snap: _Snapshot, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows holding ``term`` and its frequency in each, weighted by column as ``bm25()`` adds them
        (a weight an instance, in the instances' order)."""
        held = snap.postings.get(term)
        if held is not None:
            return held
        held = self._pack(snap, self._instances(term))
        with snap.lock:
            if snap.held + len(held[0]) > self.cache:
                snap.postings.clear()
                snap.held = 0
            snap.postings[term] = held
            snap.held += len(held[0])
        return held

    def _pack(self, snap: _Snapshot, instances: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """A term's (row, column number) instances, in FTS5's order, as its rows and weighted frequencies."""
        found = np.array(instances, dtype=np.int64).reshape(-1, 2)
        docs, weights = found[:, 0], self.weights[found[:, 1]]
        first = np.ones(len(docs), dtype=bool)  # the instances come by row, then column and offset
        np.not_equal(docs[1:], docs[:-1], out=first[1:])
        ids = docs[first]
        freq = np.zeros(len(ids))
        # one addition after another, as FTS5's loop does them: the same doubles
        np.add.at(freq, np.cumsum(first) - 1, weights)
        keep = ids < len(snap.length)  # a row committed after the snapshot was read: the next search has it
        return ids[keep], freq[keep]

    def warm(self, stop: Callable[[], bool] = lambda: False) -> int:
        """Every term's postings read in one pass over FTS5's instances and kept, as far as the cache holds
        them: a server does this when it starts, and a question then reads none. The postings now kept
        (0 when nothing is indexed, ``stop`` said so, or a commit came meanwhile: its terms are then read as
        questions need them)."""
        snap = self._snapshot()
        if snap is None or not snap.rows:
            return 0
        rows = self._vocab(self.db.conn()).execute(f"SELECT term, doc, {_COLUMN} FROM temp.{VOCAB}")
        ready: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        size, term, instances = 0, "", []
        for batch in iter(lambda: rows.fetchmany(65_536), []):
            if stop():
                return 0
            for t, doc, col in batch:
                if t != term:
                    size += self._ready(snap, ready, term, instances)
                    term, instances = t, []
                instances.append((doc, col))
            if snap.held + size >= self.cache:
                break
        else:
            self._ready(snap, ready, term, instances)
        if self.db.generation() != snap.generation:  # rows of two states: what questions read is one
            return 0
        with snap.lock:
            for t, held in ready.items():
                if t not in snap.postings and snap.held + len(held[0]) <= self.cache:
                    snap.postings[t] = held
                    snap.held += len(held[0])
            return snap.held

    def _ready(self, snap: _Snapshot, ready: dict[str, tuple[np.ndarray, np.ndarray]], term: str,
               instances: list[tuple[int, int]]) -> int:
        """``term``'s postings into ``ready`` (a term FTS5 splits is never searched here); their number."""
        if not instances or not one_token(term):
            return 0
        ready[term] = held = self._pack(snap, instances)
        return len(held[0])

    @staticmethod
    def _vocab(conn: sqlite3.Connection) -> sqlite3.Connection:
        """The connection, with its table of FTS5's instances (made on its first use)."""
        conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{VOCAB} USING fts5vocab(main, chunks_fts, 'instance')")
        return conn

    def _instances(self, term: str) -> list[tuple[int, int]]:
        conn = self.db.conn()
        query = f"SELECT doc, {_COLUMN} FROM temp.{VOCAB} WHERE term = ?"
        try:
            return conn.execute(query, (term,)).fetchall()
        except sqlite3.OperationalError:  # this connection's first search: its vocabulary table
            return self._vocab(conn).execute(query, (term,)).fetchall()
