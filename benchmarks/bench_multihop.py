"""Speed (and retrieval hits) of citewise on the MultiHop-RAG news corpus.

Ingests ../shared/bench/multihop/articles into a fresh store, then times
``search`` and ``ask`` in process over the benchmark's questions, warm.
Prints the figures and writes them to a JSON file.

    python benchmarks/bench_multihop.py [--corpus DIR] [--out FILE] [--questions N]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from evals.stats import first_gold_rank, hits_at, mrr, percentile, quoted_facts  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "bench" / "multihop"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "multihop.json"))
    ap.add_argument("--questions", type=int, default=0, help="at most N questions (0: all)")
    ap.add_argument("--home", help="store dir (default: a fresh temp dir)")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="citewise-bench-"))
    a = Assistant(Settings(home=home, seed_demo=False))

    t0 = time.perf_counter()
    report = a.ingest([str(corpus / "articles")], progress=sys.stderr.isatty())
    ingest_s = time.perf_counter() - t0
    stats = a.store.stats()
    rss_after_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    queries = [json.loads(x) for x in (corpus / "queries-dev.jsonl").read_text().splitlines() if x.strip()]
    if args.questions:
        queries = queries[: args.questions]
    for q in queries[:5]:  # warm caches and the ONNX session
        a.search(q["question"], k=10)
        a.ask(q["question"])
    search_ms, ask_ms, ranks = [], [], []
    a.clear_cache()
    for q in queries:
        t = time.perf_counter()
        results = a.search(q["question"], k=10)
        search_ms.append((time.perf_counter() - t) * 1000)
        if q["evidence"]:
            ranks.append(first_gold_rank([e["fact"] for e in q["evidence"]], [p.text for p in results]))
    a.clear_cache()  # ask pays for its own query embedding, as a first question would
    answered = {"evidence": 0, "null": 0}
    evidence_quoted = 0
    for q in queries:
        t = time.perf_counter()
        ans = a.ask(q["question"])
        ask_ms.append((time.perf_counter() - t) * 1000)
        kind = "evidence" if q["evidence"] else "null"
        answered[kind] += ans.status == "answered"
        if quoted_facts([e["fact"] for e in q["evidence"]], [c.quote for c in ans.citations]):
            evidence_quoted += 1
    n_ev = len(ranks)
    out = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count(),
                    "platform": platform.platform()},
        "corpus": {"articles_dir": str(corpus / "articles"), "questions": len(queries)},
        "ingest": {"seconds": round(ingest_s, 1), "articles": len(report.added) + len(report.updated),
                   "skipped": len(report.skipped), "chunks": report.chunks,
                   "chunks_per_s": round(report.chunks / ingest_s, 1), "store_bytes": stats["bytes"],
                   "store_mb": round(stats["bytes"] / 1e6, 1), "max_rss_mb": round(rss_after_ingest)},
        "search_ms": {"p50": percentile(search_ms, 50, ndigits=1), "p95": percentile(search_ms, 95, ndigits=1)},
        "ask_ms": {"p50": percentile(ask_ms, 50, ndigits=1), "p95": percentile(ask_ms, 95, ndigits=1),
                   "mean": round(statistics.mean(ask_ms), 1)},
        "answers": {
            "answered_share_with_evidence": round(answered["evidence"] / max(1, len(ranks)), 3),
            "answered_share_null_queries": round(answered["null"] / max(1, len(queries) - len(ranks)), 3),
            "a_quote_is_or_contains_a_gold_fact": round(evidence_quoted / max(1, len(ranks)), 3),
        },
        "retrieval": {
            "questions_with_evidence": n_ev,
            "hits@4": hits_at(ranks, 4),
            "hits@10": hits_at(ranks, 10),
            "mrr@10": mrr(ranks, 10),
        },
        "targets": {"ingest_under_s": 300, "search_p50_under_ms": 20, "ask_p50_under_ms": 50},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
