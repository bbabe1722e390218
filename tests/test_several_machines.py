"""Two `citewise serve` processes as two hosts (network namespaces joined by veth pairs, tests/netns.py;
loopback where namespaces are not permitted, and the test says which ran), PostgreSQL and a Chroma server
on a third address: ingest through one, ask through the other; kill -9 one during an ingest, the other
keeps answering, and `citewise check` repairs what the kill left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.netns import Host, hosts
from tests.pg import cluster
from tests.servers import chroma_process, free_port, wait_for_port

CITEWISE = os.path.join(os.path.dirname(sys.executable), "citewise")
ARTICLE = {"title": "Saltmere opens a tidal power plant", "source": "Coast Times", "published": "2024-05-02",
           "text": "The town of Saltmere opened a tidal power plant on Monday. The plant cost 42 million euros "
                   "and will power 9,000 homes, the mayor said."}
QUESTION = {"question": "How much did the Saltmere tidal plant cost?"}


@contextmanager
def serve_on(host: Host, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    proc = subprocess.Popen([*host.prefix, CITEWISE, "serve", "--host", host.addr, "--port", str(port),
                             "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=120, host=host.addr)
        yield f"http://{host.addr}:{port}", proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)


def long_articles(n: int) -> list[dict[str, str]]:
    return [{"title": f"Harbour report {i}", "source": "Port Weekly", "published": "2024-06-01",
             "text": " ".join(f"Berth {j} of harbour {i} handled {i * j} containers in week {j}, the port "
                              f"authority of town {i} reported on its annual review." for j in range(40))}
            for i in range(n)]


def test_two_service_hosts_share_postgresql_and_chroma_and_survive_a_kill(tmp_path, record_property):
    with hosts(2) as net, cluster(net.db, net.clients) as pg:
        if pg is None:
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
        print(f"\nseveral machines over {net.mode}: service hosts {[h.addr for h in net.services]}, "
              f"PostgreSQL and Chroma on {net.db}")
        record_property("network", net.mode)
        if net.mode == "loopback":  # said in the summary too: the weaker variant ran
            warnings.warn("network namespaces not permitted here: the two service hosts ran on loopback",
                          stacklevel=1)
        with chroma_process(tmp_path / "chroma", host=net.db) as chroma_url:
            env = {**os.environ, "CITEWISE_DATABASE_URL": pg.new_database(), "CITEWISE_CHROMA_URL": chroma_url,
                   "CITEWISE_SEED_DEMO": "0", "CITEWISE_HOME": str(tmp_path / "home")}
            env.pop("CITEWISE_API_KEYS", None)
            with serve_on(net.services[0], env) as (a, a_proc), serve_on(net.services[1], env) as (b, _):
                assert httpx.post(f"{b}/v1/ask", json=QUESTION, timeout=60).json()["status"] == "no_answer"
                added = httpx.post(f"{a}/v1/ingest", json={"articles": [ARTICLE]}, timeout=120).json()["added"]
                assert len(added) == 1
                answer = httpx.post(f"{b}/v1/ask", json=QUESTION, timeout=60).json()
                assert answer["status"] == "answered" and "42 million euros" in answer["citations"][0]["quote"]

                # a large ingest through A, killed while it embeds and writes
                settled = answer_chunks(env)
                big = threading.Thread(target=lambda: _post_quietly(f"{a}/v1/ingest",
                                                                    {"articles": long_articles(120)}))
                big.start()
                _wait_for_vectors(chroma_url, more_than=settled)  # a first batch has landed
                a_proc.send_signal(signal.SIGKILL)
                a_proc.wait(30)
                big.join(60)
                for _ in range(3):  # B answers on, from what the database holds
                    answer = httpx.post(f"{b}/v1/ask", json=QUESTION, timeout=60).json()
                    assert answer["status"] == "answered"
                before = _check(env, "--dry-run")
                repaired = _check(env)
                print(f"after kill -9: {before['orphan_vectors']} orphan vectors, {before['articles']} articles; "
                      f"check: consistent={repaired['consistent']}")
                assert repaired["consistent"] and _check(env, "--dry-run")["consistent"]
                count = httpx.get(f"{b}/v1/articles", timeout=30).json()["count"]
                assert count == repaired["articles"] >= 1
                assert httpx.post(f"{b}/v1/ask", json=QUESTION, timeout=60).json()["status"] == "answered"


def answer_chunks(env: dict[str, str]) -> int:
    return _check(env, "--dry-run")["vectors"]


def _wait_for_vectors(chroma_url: str, more_than: int, timeout: float = 180) -> None:
    import chromadb

    host, port = chroma_url.removeprefix("http://").rsplit(":", 1)
    collection = chromadb.HttpClient(host=host, port=int(port)).get_collection("citewise")
    deadline = time.monotonic() + timeout
    while collection.count() <= more_than:
        assert time.monotonic() < deadline, "the large ingest wrote no vectors"
        time.sleep(0.05)


def _post_quietly(url: str, body: dict) -> None:
    try:
        httpx.post(url, json=body, timeout=300)
    except httpx.HTTPError:
        pass  # the server was killed mid-request: that is the point


def _check(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run([CITEWISE, "check", "--json", *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)
