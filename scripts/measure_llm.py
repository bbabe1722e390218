"""The LLM answerer beside the extractive one on the same questions: quotes proposed / kept /
repaired / dropped, claims supported / unsupported, status accuracy, evidence recall, seconds per
answer. A fixed subset of a set by default, since a small model on 2 CPU threads takes minutes an answer.

    CITEWISE_LLM_BASE_URL=http://127.0.0.1:8765/v1 CITEWISE_LLM_MODEL=qwen2.5-coder-1.5b-instruct \\
        python scripts/measure_llm.py [--set evals/sets/samples.jsonl] [--every 8] [--quotes text|sentences]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.config import Settings
from assistant.embeddings import MiniLMEmbeddings
from evals.metrics import summarise
from evals.scorer import load_set, run_set

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("n", "status_accuracy", "evidence_recall", "quote_validity", "quotes_proposed", "quotes_kept",
        "quotes_repaired", "quotes_reattributed", "quotes_dropped", "claims_supported", "claims_unsupported",
        "llm_fallbacks", "seconds_per_answer")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", type=Path, default=ROOT / "evals" / "sets" / "samples.jsonl")
    ap.add_argument("--every", type=int, default=8, help="every Nth question, from the first (1: all)")
    ap.add_argument("--quotes", default=None, help="CITEWISE_LLM_QUOTES for the model's run")
    ap.add_argument("--skip-extractive", action="store_true")
    ap.add_argument("--out", type=Path, help="write the records and figures here (JSON)")
    args = ap.parse_args(argv)
    questions, _ = load_set(args.set)
    subset = questions[:: args.every]
    sub_path = Path(args.out or "/tmp/measure_llm").with_suffix(".set.jsonl")
    sub_path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in subset), encoding="utf-8")
    config = args.set.with_name(args.set.stem + ".config.json")
    if config.is_file():
        sub_path.with_name(sub_path.stem + ".config.json").write_text(config.read_text(encoding="utf-8"))
    embeddings = MiniLMEmbeddings()
    runs = {}
    base = Settings()
    kinds = [("extractive", base.model_copy(update={"llm": "extractive"}))] if not args.skip_extractive else []
    llm = base.model_copy(update={"llm": "openai", **({"llm_quotes": args.quotes} if args.quotes else {})})
    kinds.append((f"llm ({llm.llm_model}, quotes by {llm.llm_quotes})", llm))
    for name, settings in kinds:
        records, _meta = run_set(sub_path, embeddings=embeddings, settings=settings)
        figures = summarise(records)
        figures["seconds_per_answer"] = round(sum(r["latency_ms"] for r in records) / 1000 / max(len(records), 1), 1)
        runs[name] = {"figures": {k: figures.get(k) for k in KEYS}, "records": records}
        print(f"{name}: " + ", ".join(f"{k} {figures.get(k)}" for k in KEYS if figures.get(k) is not None),
              flush=True)
    if args.out:
        args.out.write_text(json.dumps(runs, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
