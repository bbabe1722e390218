"""The lexical rankings of two stores holding the same corpus, question by question: SQLite's FTS5 (a data
dir) against PostgreSQL (server mode), with the analysed terms of each question, top ``k`` each.

    python benchmarks/compare_lexical.py --embedded DIR --database-url postgresql://... \\
        --questions ../shared/bench/multihop/queries-dev.jsonl [--k 40] [--out FILE]

Reports how many questions get the same chunks in the same order, the largest score difference, and the
time of a lexical query on each engine (p50/p95).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.index import open_rows  # noqa: E402
from assistant.text.terms import terms  # noqa: E402
from evals.stats import percentile  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--embedded", required=True)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--questions", required=True, type=Path)
    ap.add_argument("--k", type=int, default=40)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "lexical_engines.json"))
    args = ap.parse_args(argv)
    lines = [json.loads(x) for x in args.questions.read_text(encoding="utf-8").splitlines() if x.strip()]
    _, fts, _ = open_rows(Settings(home=Path(args.embedded)))
    _, pg, _ = open_rows(Settings(home=Path(args.embedded), database_url=args.database_url))
    same, worst, times = 0, 0.0, {"fts5": [], "postgres": []}
    differing: list[str] = []
    for q in lines:
        asked = set(terms(q["question"]))
        got = {}
        for name, index in (("fts5", fts), ("postgres", pg)):
            t = time.perf_counter()
            got[name] = index.search(asked, args.k)
            times[name].append((time.perf_counter() - t) * 1000)
        a, b = got["fts5"], got["postgres"]
        if [(h.article_id, h.start) for h in a] == [(h.article_id, h.start) for h in b]:
            same += 1
            worst = max([worst, *(abs(x.score - y.score) / max(abs(x.score), 1e-9) for x, y in zip(a, b, strict=True))])
        else:
            differing.append(q.get("id") or q["question"][:60])
    out: dict[str, Any] = {
        "questions": len(lines), "k": args.k, "same_ranking": same, "differing": differing[:20],
        "largest_relative_score_difference": worst,
        "query_ms": {n: {"p50": percentile(v, 50, ndigits=2), "p95": percentile(v, 95, ndigits=2)}
                     for n, v in times.items()},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    return 0 if same == len(lines) else 1


if __name__ == "__main__":
    raise SystemExit(main())
