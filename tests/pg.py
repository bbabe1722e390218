"""A real PostgreSQL cluster for tests: ``initdb`` and ``pg_ctl`` in a temp dir on a free loopback port,
run as the ``postgres`` user when the tests run as root (PostgreSQL refuses root), torn down at the end.

Missing binaries skip the tests that need them, unless ``CITEWISE_REQUIRE_POSTGRES=1`` (``.ci/run`` sets
it after installing Debian's ``postgresql``): then they fail, so CI never passes by skipping them.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.serve import free_port

REQUIRED = os.environ.get("CITEWISE_REQUIRE_POSTGRES") == "1"


def bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: Debian keeps them out of PATH, in /usr/lib/postgresql/N/bin."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]),
                            reverse=True):
        if (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Cluster:
    """A running cluster: ``url(db)`` for a database in it, ``new_database()`` for a fresh one,
    ``stop()``/``start()`` to take it away and bring it back."""

    def __init__(self, root: Path, bins: Path, host: str = "127.0.0.1", clients: str | None = None) -> None:
        self.root, self.bins, self.host, self.clients = root, bins, host, clients
        self.data = root / "data"
        self.port = free_port(host)
        self.log = root / "postgres.log"

    def run(self, *args: str) -> None:
        done = subprocess.run(_as_postgres([str(self.bins / args[0]), *args[1:]]), capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, args[0], done.stdout, done.stderr + (
                self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""))

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        if self.clients:  # other hosts' addresses (a CIDR) may connect too: trust, as loopback is
            with (self.data / "pg_hba.conf").open("a") as hba:
                hba.write(f"host all all {self.clients} trust\n")

    def start(self) -> None:
        # fsync off: a test cluster need not survive a power cut, and writes get ~10 times faster
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses={self.host} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{db}"

    def new_database(self) -> str:
        """A new empty database's URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextmanager
def cluster(host: str = "127.0.0.1", clients: str | None = None) -> Iterator[Cluster | None]:
    """A started cluster in a temp dir of its own, removed after (None when PostgreSQL is not installed and
    not required). Not under pytest's tmp dirs: those are root's alone, and the server runs as postgres."""
    bins = bindir()
    if bins is None:
        if REQUIRED:
            raise RuntimeError("CITEWISE_REQUIRE_POSTGRES=1 but no PostgreSQL binaries: apt-get install postgresql")
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="citewise-pg-"))
    c = Cluster(root, bins, host, clients)
    try:
        c.init()
        c.start()
        yield c
    finally:
        try:
            c.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(root, ignore_errors=True)
