"""Save what citewise answers, question by question, so that a change meant to keep behaviour can be diffed.

    python scripts/snapshot_answers.py --set evals/sets/samples.jsonl --out before/samples.jsonl
    python scripts/snapshot_answers.py --set ../shared/bench/multihop/queries-dev.jsonl \
        --corpus ../shared/bench/multihop/articles --store /tmp/mh --out before/multihop.jsonl

Each line: the question, the answer's JSON (timings left out: they differ run to run) and the ids and
offsets of the top 10 passages. ``diff before/x.jsonl after/x.jsonl`` should print nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from assistant.config import Settings
from assistant.errors import InputError
from assistant.pipeline import Assistant
from evals.scorer import load_set, resolve_corpus

_VOLATILE = {"timings_ms", "timings", "latency_ms", "conversation_id", "created", "seconds"}


def _stable(value):
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--set", required=True, type=Path, help="questions, JSON lines with 'question'")
    p.add_argument("--corpus", help="articles to ingest (default: the set's own corpus)")
    p.add_argument("--store", help="a data dir to reuse (ingested when empty)")
    p.add_argument("--out", required=True, type=Path)
    args = p.parse_args(argv)
    questions, config = load_set(args.set)
    corpus = resolve_corpus(args.corpus, config)
    home = Path(args.store) if args.store else Path(tempfile.mkdtemp(prefix="citewise-snapshot-"))
    a = Assistant(Settings(home=home, seed_demo=False))
    if corpus is not None and a.store.count() == 0:
        a.ingest([str(corpus)], progress=sys.stderr.isatty())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for q in questions:
            history = [h["question"] if isinstance(h, dict) else str(h) for h in q.get("history") or []]
            try:
                answer = _stable(a.ask(q["question"], history=history).to_dict())
            except InputError as exc:
                answer = {"error": str(exc)}
            passages = [[p.article_id, p.start, p.end] for p in a.search(q["question"], k=10)]
            out.write(json.dumps({"id": q.get("id"), "question": q["question"], "answer": answer,
                                  "passages": passages}, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(questions)} answers written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
