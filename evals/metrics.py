"""Figures from scored records, overall and per kind, and the verdict against thresholds."""

from __future__ import annotations

from typing import Any

from evals.stats import hits_at, mrr, percentile, share

# threshold name -> direction; the eval set's config gives the numbers
DIRECTIONS = {
    "quote_validity": "min", "frankenquotes": "max", "misattributions": "max", "evidence_recall": "min",
    "article_recall": "min", "hit_at_5": "min", "abstention_recall": "min", "false_refusal_rate": "max",
    "status_accuracy": "min", "abstention_precision": "min", "metadata_accuracy": "min", "must_not_quote_ok": "min",
}


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of a group of records (all of them, or one kind)."""
    cites = [c for r in records for c in r["citations"]]
    answerable = [r for r in records if r["expect_status"] == "answered"]
    unanswerable = [r for r in records if r["expect_status"] == "no_answer"]
    refused = [r for r in records if r["status"] == "no_answer"]
    answered_ok = [r for r in answerable if r["status"] == "answered"]
    art_ranks = [r["retrieval_article_rank"] for r in answerable if r["expect_articles"]]
    fact_ranks = [r["retrieval_fact_rank"] for r in answerable if r["expect_facts"]]
    true_refusals = [r for r in refused if r["expect_status"] == "no_answer"]
    return {
        "n": len(records),
        "status_accuracy": share([r["correct_status"] for r in records]),
        "quote_validity": share([c["valid"] for c in cites]) if cites else 1.0,
        "frankenquotes": sum(1 for c in cites if c["frankenquote"]),
        "misattributions": sum(1 for c in cites if c["misattributed"]),
        # of the questions that should be answered: a refusal counts as a miss
        "evidence_recall": share([bool(r["evidence_hit"]) and r["status"] == "answered"
                                  for r in answerable if r["evidence_hit"] is not None]),
        "article_recall": share([bool(r["article_hit"]) and r["status"] == "answered"
                                 for r in answerable if r["article_hit"] is not None]),
        "metadata_accuracy": share([r["metadata_hit"] for r in records]),
        "must_not_quote_ok": share([r["must_not_quote_ok"] for r in records]),
        "hit_at_1": hits_at(art_ranks, 1), "hit_at_5": hits_at(art_ranks, 5), "mrr": mrr(art_ranks),
        "fact_hit_at_1": hits_at(fact_ranks, 1), "fact_hit_at_5": hits_at(fact_ranks, 5), "fact_mrr": mrr(fact_ranks),
        "abstention_precision": round(len(true_refusals) / len(refused), 3) if refused else None,
        "abstention_recall": round(len(true_refusals) / len(unanswerable), 3) if unanswerable else None,
        "false_refusal_rate": round(1 - len(answered_ok) / len(answerable), 3) if answerable else None,
        "latency_p50_ms": percentile([r["latency_ms"] for r in records], 50, ndigits=1),
        "latency_p95_ms": percentile([r["latency_ms"] for r in records], 95, ndigits=1),
        **_verification(records),
    }


VERIFICATION_KEYS = ("proposed", "kept", "repaired", "reattributed", "dropped")


def _verification(records: list[dict[str, Any]]) -> dict[str, int]:
    """The LLM answerer's quote counts summed (``quotes_kept``...) and its fallbacks; nothing for extractive runs."""
    counted = [r["verification"] for r in records if r.get("verification")]
    if not counted and not any(r.get("backend") == "llm" for r in records):
        return {}
    out = {f"quotes_{k}": sum(v.get(k, 0) for v in counted) for k in VERIFICATION_KEYS}
    # of the kept quotes' claims: shown with their sentence, or held back (the quote alone)
    out |= {f"claims_{k}": sum(v.get(k, 0) for v in counted) for k in ("supported", "unsupported")}
    out["llm_fallbacks"] = sum(1 for r in records if r.get("fallback_reason"))
    return out


def verdict(overall: dict[str, Any], thresholds: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Each configured threshold with the measured value and whether it holds."""
    out = {}
    for name, limit in thresholds.items():
        direction = DIRECTIONS.get(name, "min")
        value = overall.get(name)
        ok = value is None or (value >= limit if direction == "min" else value <= limit)
        out[name] = {"value": value, "threshold": limit, "direction": direction, "ok": ok}
    return out


def evaluate(records: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    """The full result: figures overall and per kind, thresholds, records worst first."""
    kinds = sorted({r["kind"] for r in records})
    overall = summarise(records)
    checks = verdict(overall, (meta.get("config") or {}).get("thresholds", {}))
    return {
        **{k: v for k, v in meta.items() if k != "config"},
        "overall": overall,
        "per_kind": {k: summarise([r for r in records if r["kind"] == k]) for k in kinds},
        "thresholds": checks,
        "ok": all(c["ok"] for c in checks.values()),
        "records": sorted(records, key=lambda r: (-r["severity"], r["id"])),
    }
