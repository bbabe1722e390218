"""Two `citewise serve` processes on one `chroma run` server and one data dir: what one ingests, the
other answers from, the same way (its caches follow the other process's commits)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.servers import chroma_process, free_port, wait_for_port

ARTICLE = {"title": "Saltmere opens a tidal power plant", "source": "Coast Times", "published": "2024-05-02",
           "text": "The town of Saltmere opened a tidal power plant on Monday. The plant cost 42 million euros "
                   "and will power 9,000 homes, the mayor said."}
QUESTION = "How much did the Saltmere tidal plant cost?"


@contextmanager
def serve(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "citewise")
    proc = subprocess.Popen([exe, "serve", "--port", str(port), "--log-level", "warning"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=120)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/readyz", timeout=120).status_code == 200
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


def ask(base: str, question: str) -> dict:
    r = httpx.post(f"{base}/v1/ask", json={"question": question}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_two_processes_share_one_chroma_server_and_data_dir(tmp_path):
    with chroma_process(tmp_path / "chroma") as chroma_url:
        env = {**os.environ, "CITEWISE_HOME": str(tmp_path / "data"), "CITEWISE_CHROMA_URL": chroma_url}
        env.pop("CITEWISE_API_KEYS", None)
        with serve(env) as a, serve(env) as b:
            assert ask(b, QUESTION)["status"] == "no_answer"  # b has read the store (and cached it)
            report = httpx.post(f"{a}/v1/ingest", json={"articles": [ARTICLE]}, timeout=120).json()
            assert len(report["added"]) == 1
            from_a, from_b = ask(a, QUESTION), ask(b, QUESTION)
            assert from_b["status"] == "answered" and "42 million euros" in from_b["citations"][0]["quote"]
            for key in ("answer", "citations"):
                assert from_a[key] == from_b[key]
            assert httpx.get(f"{b}/v1/articles", timeout=30).json()["count"] == 3
            httpx.delete(f"{b}/v1/articles/{report['added'][0]}", timeout=30)
            assert ask(a, QUESTION)["status"] == "no_answer"
