"""``citewise serve`` as a user runs it: a fresh process, the sample articles, loopback by default."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.servers import free_port, wait_for_port


def test_serve_answers_on_the_sample_articles_with_no_setup(tmp_path):
    port = free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "citewise")
    env = {**os.environ, "CITEWISE_HOME": str(tmp_path / "home")}
    env.pop("CITEWISE_API_KEYS", None)
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, timeout=120)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/readyz", timeout=60).json()["articles"] == 2
        d = httpx.post(f"{base}/v1/ask", json={"question": "why did Türkiye buy the S-400?"}, timeout=60).json()
        assert d["status"] == "answered" and d["citations"][0]["source"] == "Caliber.az"
        assert "<html" in httpx.get(base, timeout=10).text.lower()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "no API keys set" in err and "127.0.0.1 only" in err
