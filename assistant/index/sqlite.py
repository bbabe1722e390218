"""The SQLite file the article repository and the lexical index share: a connection per thread, one
transaction for a write that spans both, and a generation number that tells caches when to let go.

A connection per thread rather than one shared connection behind a lock: a shared connection lets a
reader see another thread's uncommitted rows (SQLite isolates connections, not threads), and a lock on
every path would make every question wait for an ingest's transaction. With WAL, readers on their own
connections go on reading the last commit while one writer writes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

from assistant.errors import StoreUnavailableError

T = TypeVar("T")
BUSY_TIMEOUT_S = 30  # another process's write (an ingest, a second server) is waited for, not failed


class SqliteDb:
    """One database file, a connection for each thread that uses it, every one with the same pragmas."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.home = self.path.parent
        self.lock = threading.RLock()  # this process's writers, one at a time: none waits on SQLite's busy loop
        self._local = threading.local()
        self._generation = 0
        self._generation_lock = threading.Lock()
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._unopenable(exc) from exc
        self.conn()  # the first now: a data dir that cannot be opened fails at start-up, not at the first question

    def conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn = getattr(self._local, "conn", None)
        return conn if conn is not None else self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
            # WAL: several processes (serve workers, an ingest) and threads read while one writes
            conn.execute("PRAGMA journal_mode=WAL")
            version = conn.execute("PRAGMA data_version").fetchone()[0]
        except (OSError, sqlite3.Error) as exc:
            raise self._unopenable(exc) from exc
        self._local.conn, self._local.version, self._local.depth = conn, version, 0
        return conn

    def _unopenable(self, exc: BaseException) -> StoreUnavailableError:
        hint = ""
        if self.home.is_dir() and not os.access(self.home, os.W_OK):
            hint = " (the dir is read-only: citewise writes its store there; set CITEWISE_HOME to a writable one)"
        return StoreUnavailableError(f"cannot open the data dir {self.home}: {exc}{hint}")

    def in_transaction(self) -> bool:
        """Whether this thread is inside ``write``: what it reads there may not be committed."""
        return bool(getattr(self._local, "depth", 0))

    def rows(self, sql: str, args: Any = ()) -> list[Any]:
        return self.conn().execute(sql, args).fetchall()

    def row(self, sql: str, args: Any = ()) -> Any:
        return self.conn().execute(sql, args).fetchone()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction; a ``write`` inside another joins it, so that parts of a store can each write
        alone or together. A full disk or a read-only data dir rolls it back and says so."""
        with self.lock:
            conn = self.conn()
            if self._local.depth:
                self._local.depth += 1
                try:
                    yield conn
                finally:
                    self._local.depth -= 1
                return
            self._local.depth = 1
            try:
                with conn:
                    yield conn
            except sqlite3.Error as exc:
                raise StoreUnavailableError(f"cannot write the store in {self.home}: disk full or read-only? "
                                            f"({exc}); the transaction was rolled back") from exc
            finally:
                self._local.depth = 0
                self._bump()  # a connection's own commits leave its data_version as it was

    def generation(self) -> int:
        """A number that changes whenever what a cache holds may have: a write of this process, or a commit
        by another connection (another thread's, another process's) seen through ``PRAGMA data_version``."""
        conn = self.conn()
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._local.version:
            self._local.version = version
            self._bump()
        return self._generation

    def _bump(self) -> None:
        with self._generation_lock:
            self._generation += 1


class Cached(Generic[T]):
    """A value computed from the database, computed again once the database may have changed."""

    def __init__(self, db: SqliteDb, compute: Callable[[], T]) -> None:
        self.db = db
        self.compute = compute
        self._held: tuple[int, T] | None = None

    def get(self) -> T:
        generation = self.db.generation()
        held = self._held
        if held is None or held[0] != generation:
            # computed under the generation read before it: a commit meanwhile makes the next call compute again
            held = self._held = (generation, self.compute())
        return held[1]
