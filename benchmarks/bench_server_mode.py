"""Server mode beside embedded, on the same run and the same corpus: ``ask`` p50/p95 in process and over
HTTP; load (``load.py``) with 1, 2 and 4 ``citewise serve`` processes behind a round-robin client at 200
concurrent requests; ingest throughput with 1 and 2 ``citewise ingest`` processes.

    python benchmarks/bench_server_mode.py --embedded DIR --database-url postgresql://... \\
        --chroma-url http://127.0.0.1:58000 [--questions FILE] [--ingest-corpus DIR] [--out FILE]

``--embedded`` is a data dir holding the corpus, and the database and Chroma server hold the same corpus
(``citewise --store DIR copy --to URL --chroma-url URL``). The ingest runs write to new databases and
collections beside it, never to the benchmarked one. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.serve import free_port  # noqa: E402
from benchmarks.load import run_load  # noqa: E402
from evals.stats import percentile  # noqa: E402

CITEWISE = str(Path(sys.executable).with_name("citewise"))


def _questions(path: Path | None, n: int) -> list[str]:
    if path is None:
        from benchmarks.load import QUESTIONS

        return QUESTIONS[:n]
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [x["question"] for x in lines][:n]


def _summary(ms: list[float]) -> dict[str, Any]:
    return {"n": len(ms), "p50_ms": percentile(ms, 50, ndigits=1), "p95_ms": percentile(ms, 95, ndigits=1)}


def latency(settings: Settings, questions: list[str]) -> dict[str, Any]:
    """``ask`` in process (the answer cache cleared before each, as a first asking), then over HTTP."""
    from assistant.pipeline import Assistant
    from assistant.serve import serve_in_thread
    from assistant.web import create_app

    a = Assistant(settings)
    a.ask(questions[0])  # warm: the model loaded, the metadata read
    in_process = []
    for q in questions:
        a.clear_cache()
        t = time.perf_counter()
        a.ask(q)
        in_process.append((time.perf_counter() - t) * 1000)
    over_http = []
    with serve_in_thread(create_app(settings)) as url, httpx.Client(base_url=url, timeout=120) as client:
        client.post("/v1/ask", json={"question": "What do these articles cover?"})  # warm, and not asked below
        for q in questions:
            t = time.perf_counter()
            r = client.post("/v1/ask", json={"question": q})
            over_http.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
    a.close()
    return {"in_process": _summary(in_process), "http": _summary(over_http)}


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([CITEWISE, "serve", "--port", str(port), "--log-level", "warning"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=60).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if time.time() > deadline or proc.poll() is not None:
            raise RuntimeError("citewise serve did not start")
        time.sleep(0.5)


def load(env: dict[str, str], processes: int, questions: list[str]) -> dict[str, Any]:
    procs: list[subprocess.Popen] = []
    try:
        urls = []
        for _ in range(processes):
            proc, url = _serve(env)
            procs.append(proc)
            urls.append(url)
        asyncio.run(run_load(urls, 30, 30, questions=questions))  # warm every process
        result = asyncio.run(run_load(urls, 200, 200, questions=questions))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(60)
    return {"processes": processes, "throughput_rps": result["throughput_rps"], "errors": result["error_count"],
            "p95_ms": {k: v["p95_ms"] for k, v in result["by_kind"].items()},
            "p50_ms": {k: v["p50_ms"] for k, v in result["by_kind"].items()}}


def ingest(env: dict[str, str], files: list[Path], processes: int) -> dict[str, Any]:
    """``processes`` ingests at once over disjoint shares of ``files``, into a new database and collection."""
    import psycopg

    base = env["CITEWISE_DATABASE_URL"]
    name = "ingest_" + uuid.uuid4().hex[:8]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    run_env = {**env, "CITEWISE_DATABASE_URL": base.rsplit("/", 1)[0] + f"/{name}", "CITEWISE_COLLECTION": name}
    shares = [files[i::processes] for i in range(processes)]
    t0 = time.perf_counter()
    procs = [subprocess.Popen([CITEWISE, "ingest", "--quiet", "--json", *map(str, share)], env=run_env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for share in shares]
    reports = [json.loads(p.communicate()[0]) for p in procs]
    wall = time.perf_counter() - t0
    articles = sum(len(r["added"]) for r in reports)
    chunks = sum(r["chunks"] for r in reports)
    return {"processes": processes, "articles": articles, "chunks": chunks, "wall_s": round(wall, 1),
            "articles_per_s": round(articles / wall, 2), "chunks_per_s": round(chunks / wall, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--embedded", required=True, help="data dir of the embedded store")
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--chroma-url", required=True)
    ap.add_argument("--questions", type=Path, help="JSON lines with 'question' (default: the load test's six)")
    ap.add_argument("--latency-questions", type=int, default=100)
    ap.add_argument("--ingest-corpus", type=Path, help="a dir of articles; the first --ingest-files are ingested")
    ap.add_argument("--ingest-files", type=int, default=60)
    ap.add_argument("--processes", default="1,2,4")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "server_mode.json"))
    args = ap.parse_args(argv)
    questions = _questions(args.questions, args.latency_questions)
    embedded = Settings(home=Path(args.embedded), seed_demo=False)
    server = Settings(home=Path(args.embedded) / "server-mode-home", seed_demo=False,
                      database_url=args.database_url, chroma_url=args.chroma_url)
    # the machine's load: on a shared machine the figures compare the modes within one run, not across runs
    out: dict[str, Any] = {"cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg(),
                           "questions": len(questions), "questions_from": str(args.questions or "built in")}
    out["latency"] = {"embedded": latency(embedded, questions), "server": latency(server, questions)}
    print(json.dumps(out["latency"], indent=1))
    env = {**os.environ, "CITEWISE_SEED_DEMO": "0", "CITEWISE_HOME": str(server.home),
           "CITEWISE_DATABASE_URL": args.database_url, "CITEWISE_CHROMA_URL": args.chroma_url}
    env.pop("CITEWISE_API_KEYS", None)
    out["load"] = {"embedded": [load({**env, "CITEWISE_HOME": args.embedded, "CITEWISE_DATABASE_URL": "",
                                      "CITEWISE_CHROMA_URL": ""}, 1, questions)],
                   "server": [load(env, int(n), questions) for n in args.processes.split(",")]}
    print(json.dumps(out["load"], indent=1))
    if args.ingest_corpus:
        files = sorted(p for p in args.ingest_corpus.iterdir() if p.is_file())[:args.ingest_files]
        out["ingest"] = [ingest(env, files, n) for n in (1, 2)]
        print(json.dumps(out["ingest"], indent=1))
    out["loadavg_at_end"] = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
