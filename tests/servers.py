"""Real servers for tests, on loopback: a `chroma run` process, and the citewise app under uvicorn
(``assistant.serve.serve_in_thread``, named ``app_server`` here)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.serve import free_port
from assistant.serve import serve_in_thread as app_server  # noqa: F401  (the tests' name for it)


def wait_for_port(port: int, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def _chroma_bin() -> str:
    local = Path(sys.executable).with_name("chroma")
    return str(local) if local.exists() else (shutil.which("chroma") or "chroma")


@contextmanager
def chroma_process(path: Path, port: int | None = None, host: str = "127.0.0.1") -> Iterator[str]:
    """`chroma run` on ``path``; yields its URL and stops it on exit."""
    port = port or free_port(host)
    proc = subprocess.Popen([_chroma_bin(), "run", "--path", str(path), "--host", host, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, host=host)
        yield f"http://{host}:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


