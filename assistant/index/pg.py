"""The PostgreSQL database of server mode (``CITEWISE_DATABASE_URL``): a connection pool that everything
in the process keeping rows there shares (articles, lexical index, conversations, Slack feedback), one
transaction per thread that nested writes join, and a generation number that tells caches when anyone,
in any process on any machine, committed.

Writers take one advisory lock for the length of their transaction, so writes are serialised across
processes as SQLite serialises them: two ingests of the same article end with it once, a conversation's
turns are numbered without gaps or clashes, and the lexical index's document frequencies stay exact.
A write holds it for milliseconds (the rows of a batch; embedding happens before, outside it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from assistant.errors import ConfigError, StoreUnavailableError

WRITE_LOCK = 0x63697465  # the advisory lock every write transaction holds ("cite")
POOL_MAX = 8  # connections a process holds at most: its threads' reads and one writer
CONNECT_TIMEOUT_S = 5.0  # a database that does not answer within this is down: 503, not a hung request
PROBE_TIMEOUT_S = 2  # the one connection tried past the pool, to tell a database back from one still away
SCHEMES = ("postgresql", "postgres")
# how long a read of the database's generation serves: a question reads it ~12 times (every cached figure
# asks), ~0.2 ms each on loopback and more on a network, so another process's commit is seen within this
# instead of costing a round trip per cache; this process's own writes are seen at once
GENERATION_TTL_S = 0.2

_pools: dict[str, PgDb] = {}
_pools_lock = threading.Lock()
_writes: dict[str, int] = {}  # write transactions of this process by database URL, whichever PgDb made them
_writes_lock = threading.Lock()


class _ConnectErrors(logging.Filter):
    """The pool logs why a connection failed, and only says "couldn't get a connection" to the caller:
    the reason is kept here for the error citewise reports, instead of a warning on stderr per attempt."""

    last: tuple[float, str] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "error connecting" not in message:
            return True
        reason = message.split("': ", 1)[-1].strip().splitlines()[0]
        _ConnectErrors.last = (time.monotonic(), reason)
        return False


logging.getLogger("psycopg.pool").addFilter(_ConnectErrors())


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    u = urlsplit(url)
    if u.password is None:
        return url
    netloc = f"{u.username}:***@{u.hostname}" + (f":{u.port}" if u.port else "")
    return urlunsplit((u.scheme, netloc, u.path, u.query, u.fragment))


def check_url(url: str) -> str:
    """``url`` when it names a PostgreSQL database; ConfigError otherwise."""
    try:
        u = urlsplit(url)
        u.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError as exc:
        raise ConfigError(f"CITEWISE_DATABASE_URL={redacted(url)!r} is not a database URL: {exc}") from None
    if u.scheme not in SCHEMES or not (u.hostname or "host=" in u.query):
        raise ConfigError(f"CITEWISE_DATABASE_URL={redacted(url)!r} is not a PostgreSQL URL: give one like "
                          "postgresql://citewise@db-host:5432/citewise, or unset it for the embedded store")
    return url


def pg_text(value: str | None) -> str | None:
    """A string PostgreSQL takes: it refuses NUL in text, which hostile input may carry. U+FFFD has the same
    length, so offsets into an article's text stay right."""
    return value.replace("\x00", "\ufffd") if value and "\x00" in value else value


def clean(args: Any) -> Any:
    """Query arguments with ``pg_text`` applied to their strings, and to the strings of lists among them."""
    if isinstance(args, dict):
        return {k: clean(v) for k, v in args.items()}
    if isinstance(args, (tuple, list)):
        return type(args)(clean(a) for a in args)
    return pg_text(args) if isinstance(args, str) else args


class PgDb:
    """One PostgreSQL database: a pool of connections, each in autocommit for reads; ``write`` opens a
    transaction that the thread's nested writes and reads join."""

    def __init__(self, url: str, *, max_size: int = POOL_MAX) -> None:
        self.url = check_url(url)
        self.where = redacted(url)
        self._local = threading.local()
        self._seen: tuple[float, int] | None = None  # (when, the database's generation then)
        self._pool_lock = threading.Lock()
        self.pool = self._new_pool(max_size)

    def _new_pool(self, max_size: int = POOL_MAX) -> ConnectionPool:
        # min_size=0: no connection is kept trying while the database is away; each request asks anew
        pool = ConnectionPool(self.url, min_size=0, max_size=max_size, open=False, timeout=CONNECT_TIMEOUT_S,
                              kwargs={"autocommit": True, "connect_timeout": int(CONNECT_TIMEOUT_S),
                                      # JIT compiles for ~0.6 s what runs in 1 ms: the planner's cost
                                      # guesses for small lookups cross its threshold
                                      "options": "-c jit=off"},
                              check=ConnectionPool.check_connection, name="citewise")
        try:
            pool.open(wait=False)
        except psycopg.Error as exc:
            raise self._down(exc) from exc
        return pool

    def _renewed(self, stale: ConnectionPool) -> bool:
        """After a pool timed out: whether the database answers a connection of its own now, and if so a new
        pool in place of ``stale`` (the pool backs off its attempts while the database is away, up to many
        seconds; a database that is back is used at once, without a restart)."""
        try:
            psycopg.connect(self.url, connect_timeout=PROBE_TIMEOUT_S, options="-c jit=off").close()
        except psycopg.Error:
            return False
        with self._pool_lock:
            if self.pool is stale:
                self.pool = self._new_pool(stale.max_size)
                threading.Thread(target=stale.close, daemon=True).start()  # waits for connections in use
        return True

    def _getconn(self) -> tuple[ConnectionPool, psycopg.Connection]:
        pool = self.pool
        try:
            return pool, pool.getconn()
        except PoolTimeout as exc:
            if not self._renewed(pool):
                raise self._down(exc) from exc
        pool = self.pool
        try:
            return pool, pool.getconn()
        except psycopg.OperationalError as exc:
            raise self._down(exc) from exc

    @classmethod
    def shared(cls, url: str) -> PgDb:
        """The process's one ``PgDb`` for ``url``: the store, conversations and feedback share its pool."""
        with _pools_lock:
            db = _pools.get(url)
            if db is None:
                db = _pools[url] = cls(url)
            return db

    def close(self) -> None:
        self.pool.close()
        with _pools_lock:
            if _pools.get(self.url) is self:
                del _pools[self.url]

    def _down(self, exc: BaseException) -> StoreUnavailableError:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        last = _ConnectErrors.last
        if isinstance(exc, PoolTimeout) and last and time.monotonic() - last[0] < 2 * CONNECT_TIMEOUT_S:
            first = f"{last[1]} (no connection within {CONNECT_TIMEOUT_S:.0f} s)"
        return StoreUnavailableError(f"the database at {self.where} does not answer: {first}")

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """The thread's transaction's connection when it is in one, else one from the pool. An unreachable
        database, or one that went away mid-request, is StoreUnavailableError."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        pool, conn = self._getconn()
        try:
            yield conn
        except psycopg.OperationalError as exc:
            raise self._down(exc) from exc
        finally:
            pool.putconn(conn)  # a broken one is dropped, an open transaction rolled back

    def in_transaction(self) -> bool:
        """Whether this thread is inside ``write``: what it reads there may not be committed."""
        return bool(getattr(self._local, "depth", 0))

    def rows(self, sql: str, args: Any = ()) -> list[Any]:
        with self.connection() as conn:
            return conn.execute(sql, clean(args)).fetchall()

    def row(self, sql: str, args: Any = ()) -> Any:
        with self.connection() as conn:
            return conn.execute(sql, clean(args)).fetchone()

    @contextmanager
    def write(self) -> Iterator[psycopg.Connection]:
        """One transaction under the write lock; a ``write`` inside another joins it. The generation moves
        with the commit, so other processes' caches let go exactly when the rows are theirs to read."""
        if getattr(self._local, "depth", 0):
            self._local.depth += 1
            try:
                yield self._local.conn
            finally:
                self._local.depth -= 1
            return
        pool, conn = self._getconn()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                self._local.conn, self._local.depth = conn, 1
                try:
                    yield conn
                    conn.execute("UPDATE citewise_state SET generation = generation + 1")
                finally:
                    self._local.conn, self._local.depth = None, 0
        except psycopg.OperationalError as exc:
            raise self._down(exc) from exc
        finally:
            pool.putconn(conn)
            with _writes_lock:
                _writes[self.url] = _writes.get(self.url, 0) + 1

    def generation(self) -> tuple[int, int]:
        """A value that changes whenever what a cache holds may have: a commit by another process (the
        database's counter, read at most every ``GENERATION_TTL_S``) or a write of this one (rolled back
        ones too), at once."""
        now = time.monotonic()
        seen = self._seen
        if seen is None or now - seen[0] > GENERATION_TTL_S:
            seen = self._seen = (now, self.row("SELECT generation FROM citewise_state")[0])
        return seen[1], _writes.get(self.url, 0)
