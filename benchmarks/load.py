"""Load on the HTTP API: many concurrent requests, mixed JSON ``/v1/ask``, streamed ``/v1/ask`` (SSE)
and ``/v1/chat/completions``; reports errors and latency, and writes them to a JSON file.

    python benchmarks/load.py --url http://127.0.0.1:8000 [--requests 200] [--concurrency 200] [--out FILE]

Without ``--url`` it starts the app itself on 127.0.0.1 (sample articles, or ``--store DIR``). ``--url``
given several times spreads the requests round-robin over those service processes (server mode).
Loopback only: it is a test of this service, not of someone else's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.stats import percentile  # noqa: E402

QUESTIONS = [
    "why did Türkiye buy the S-400?", "What did Erdogan ask Macron?", "How much does one SAMP/T battery cost?",
    "What did Macron say about Syria?", "Who wrote about the NATO summit in The Hague?",
    "Which countries produce the SAMP/T?",
]
KINDS = ("ask", "stream", "chat")


async def one(client: httpx.AsyncClient, kind: str, question: str) -> tuple[str, float, str | None]:
    """(kind, seconds, error or None). An error is anything but a complete, well-formed answer."""
    t0 = time.perf_counter()
    try:
        if kind == "ask":
            r = await client.post("/v1/ask", json={"question": question})
            ok = r.status_code == 200 and r.json().get("status") in ("answered", "no_answer")
            err = None if ok else f"HTTP {r.status_code}: {r.text[:200]}"
        elif kind == "stream":
            events = []
            async with client.stream("POST", "/v1/ask", json={"question": question, "stream": True}) as r:
                async for line in r.aiter_lines():
                    if line.startswith("event: "):
                        events.append(line[7:])
            err = None if r.status_code == 200 and events[-1:] == ["done"] else f"stream ended with {events[-1:]}"
        else:
            r = await client.post("/v1/chat/completions",
                                  json={"model": "citewise", "messages": [{"role": "user", "content": question}]})
            ok = r.status_code == 200 and r.json()["choices"][0]["message"]["content"]
            err = None if ok else f"HTTP {r.status_code}: {r.text[:200]}"
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        err = f"{type(exc).__name__}: {exc}"
    return kind, time.perf_counter() - t0, err


async def run_load(url: str | list[str], requests: int, concurrency: int, api_key: str | None = None,
                   questions: list[str] | None = None) -> dict[str, Any]:
    """``url`` one service, or several taken round-robin (request i goes to the i-th modulo their number)."""
    questions = questions or QUESTIONS
    urls = [url] if isinstance(url, str) else list(url)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    gate = asyncio.Semaphore(concurrency)
    clients = [httpx.AsyncClient(base_url=u, timeout=300, limits=limits, headers=headers) for u in urls]
    async with contextlib.AsyncExitStack() as stack:
        for c in clients:
            await stack.enter_async_context(c)

        async def gated(i: int) -> tuple[str, float, str | None]:
            async with gate:
                return await one(clients[i % len(clients)], KINDS[i % len(KINDS)], questions[i % len(questions)])

        t0 = time.perf_counter()
        results = await asyncio.gather(*(gated(i) for i in range(requests)))
        wall = time.perf_counter() - t0
    out: dict[str, Any] = {"requests": requests, "concurrency": concurrency, "services": len(urls),
                           "wall_s": round(wall, 2),
                           "throughput_rps": round(requests / wall, 1),
                           "errors": [e for _, _, e in results if e][:20],
                           "error_count": sum(1 for _, _, e in results if e), "by_kind": {}}
    for kind in KINDS:
        ms = [s * 1000 for k, s, e in results if k == kind and not e]
        out["by_kind"][kind] = {"n": len(ms), "p50_ms": percentile(ms, 50, ndigits=1),
                                "p95_ms": percentile(ms, 95, ndigits=1), "p99_ms": percentile(ms, 99, ndigits=1),
                                "mean_ms": round(statistics.fmean(ms), 1) if ms else None}
    return out


def _serve_locally(store: str | None):
    from assistant.config import Settings
    from assistant.serve import serve_in_thread
    from assistant.web import create_app

    home = Path(store) if store else Path(tempfile.mkdtemp(prefix="citewise-load-"))
    return serve_in_thread(create_app(Settings(home=home)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", action="append", help="a running citewise (default: start one here); several: "
                    "round-robin over them")
    ap.add_argument("--store", help="data dir for the local server (default: a new one with the samples)")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--api-key")
    ap.add_argument("--questions", help="a JSON-lines file whose lines carry a 'question' (default: six about "
                                        "the sample articles), e.g. ../shared/bench/multihop/queries-dev.jsonl")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "load.json"))
    args = ap.parse_args(argv)
    questions = None
    if args.questions:
        lines = Path(args.questions).read_text(encoding="utf-8").splitlines()
        questions = [json.loads(x)["question"] for x in lines if x.strip()]
    if args.url:
        result = asyncio.run(run_load(args.url, args.requests, args.concurrency, args.api_key, questions))
    else:
        with _serve_locally(args.store) as url:
            result = asyncio.run(run_load(url, args.requests, args.concurrency, args.api_key, questions))
    result["store"] = args.store or "the sample articles"
    result["questions_from"] = args.questions or "built in (sample articles)"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{result['requests']} requests, {result['concurrency']} at once: {result['error_count']} errors, "
          f"{result['wall_s']} s, {result['throughput_rps']} req/s")
    for kind, k in result["by_kind"].items():
        print(f"  {kind:<7} n={k['n']:<4} p50 {k['p50_ms']} ms  p95 {k['p95_ms']} ms  p99 {k['p99_ms']} ms")
    for e in result["errors"][:5]:
        print(f"  error: {e}")
    return 1 if result["error_count"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
