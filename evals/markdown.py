"""report.md: the verdict, the worst questions, then the metric tables and the chart link.

The markdown is written for a person deciding what to fix next, so it opens with the verdict and the worst
questions (see evals.worst_questions) and only then gives the metric tables. Tables take their columns from
the keys the scorer produced, so the same code renders the citewise eval sets and MultiHop benchmark
results without knowing their metric names in advance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.mdtext import (
    CHART_HINT,
    CHART_PNG,
    NONE_MARK,
    REPORT_JSON,
    code_span,
    fmt,
    is_number,
    keys_in_order,
    md_text,
    table,
    when,
)
from evals.worst_questions import worst_section

# The per-kind table gets unreadable past about eight columns; these are the ones that tell most about
# a kind (does it answer, does it quote the right thing, does it refuse well, is it fast).
KIND_COLUMNS = (
    "n",
    "status_accuracy",
    "evidence_recall",
    "article_recall",
    "hit_at_5",
    "abstention_recall",
    "false_refusal_rate",
    "latency_p50_ms",
)
# MultiHop results share none of the rate metrics above, so they get their own telling columns.
MULTIHOP_KIND_COLUMNS = (
    "n",
    "hits_at_4",
    "hits_at_10",
    "mrr_at_10",
    "map_at_10",
    "fact_recall_at_10",
    "all_facts_at_10",
    "gold_facts_quoted",
    "null_no_answer",
)
MAX_KIND_COLUMNS = len(KIND_COLUMNS)
# the held-out half leads: it is the figure to trust
HALF_ORDER = ("check", "fit", "all")
HALF_LABELS = {"check": "check half (held out)", "fit": "fit half (tuned on)", "all": "both halves"}


def render_markdown(result: dict, chart: bool = True) -> str:
    """The whole report.md: verdict, worst questions, thresholds, metrics (by half and kind when the
    result has them), reference figures, then the chart, or how to get it when ``chart`` is False."""
    records = [r for r in result.get("records") or [] if isinstance(r, Mapping)]
    parts = [
        _header(result, records),
        worst_section(records),
        _thresholds_section(result.get("thresholds") or {}),
        _overall_section(result.get("overall") or {}),
        _per_kind_section(result.get("per_kind") or {}, result.get("overall") or {}),
        _halves_section(result.get("by_half_and_kind")),
    ]
    if result.get("reference"):
        parts.append(_reference_section(result.get("overall") or {}, result["reference"]))
    if chart:
        parts.append(f"## Chart\n\n![metrics by kind]({CHART_PNG})")
    else:
        parts.append(f"## Chart\n\n_Not drawn: matplotlib is not installed ({code_span(CHART_HINT)} adds it)._")
    return "\n\n".join(p.strip("\n") for p in parts if p) + "\n"


def _header(result: Mapping, records: Sequence[Mapping]) -> str:
    set_path = str(result.get("set") or "unknown set")
    questions = result.get("questions")
    if questions is None:
        questions = len(records) or (result.get("overall") or {}).get("n")
    meta = [
        f"Set {code_span(set_path)}",
        f"corpus {code_span(result.get('corpus') or NONE_MARK)}",
        f"backend {code_span(result.get('backend') or NONE_MARK)}",
        when(result.get("started")),
        f"{questions if questions is not None else NONE_MARK} questions",
    ]
    return "\n\n".join(
        [
            f"# citewise eval: {md_text(Path(set_path).name)}",
            " · ".join(meta),
            f"**{md_text(verdict(result))}**",
        ]
    )


def verdict(result: Mapping) -> str:
    """One line: PASS when every threshold holds, otherwise FAIL with each missed threshold and its value."""
    thresholds = result.get("thresholds") or {}
    missed = [(name, t) for name, t in thresholds.items() if _threshold_ok(t) is False]
    if missed:
        plural = "threshold" if len(missed) == 1 else "thresholds"
        details = ", ".join(
            f"{name} ({fmt(t.get('value'), name)} vs {t.get('direction', 'min')} {fmt(t.get('threshold'), name)})"
            for name, t in missed
        )
        return f"FAIL: {len(missed)} {plural} missed: {details}"
    # The scorer's own "ok" has the last word: never print PASS for a run it marked failed.
    if result.get("ok") is False:
        return "FAIL: the scorer marked this run as failed, though no listed threshold was missed"
    if not thresholds:
        return "PASS: no thresholds set"
    return "PASS: all thresholds met"


def _threshold_ok(t: Any) -> bool | None:
    if not isinstance(t, Mapping):
        return None
    if isinstance(t.get("ok"), bool):
        return t["ok"]
    # Without the scorer's verdict, work it out so a missed threshold is never shown as met.
    value, limit = t.get("value"), t.get("threshold")
    if not (is_number(value) and is_number(limit)):
        return None
    return value <= limit if t.get("direction") == "max" else value >= limit


def _thresholds_section(thresholds: Mapping) -> str:
    lines = ["## Thresholds", ""]
    if not thresholds:
        return "\n".join(lines + ["_No thresholds set for this run._"])
    rows = []
    for name, t in thresholds.items():
        t = t if isinstance(t, Mapping) else {"value": t}
        ok = _threshold_ok(t)
        rows.append(
            [
                md_text(str(name)),
                fmt(t.get("value"), str(name)),
                fmt(t.get("threshold"), str(name)),
                md_text(str(t.get("direction") or NONE_MARK)),
                {True: "✅", False: "❌"}.get(ok, NONE_MARK),
            ]
        )
    return "\n".join(lines + [table(["metric", "value", "threshold", "min/max", "ok"], rows, align="lrrcc")])


def _overall_section(overall: Mapping) -> str:
    lines = ["## Overall metrics", ""]
    if not overall:
        return "\n".join(lines + ["_No overall metrics._"])
    rows = [[md_text(str(k)), fmt(v, str(k))] for k, v in overall.items()]
    return "\n".join(lines + [table(["metric", "value"], rows, align="lr")])


def _per_kind_section(per_kind: Mapping, overall: Mapping) -> str:
    lines = ["## By question kind", ""]
    kinds = {k: v for k, v in per_kind.items() if isinstance(v, Mapping)}
    if not kinds:
        return "\n".join(lines + ["_No per-kind metrics._"])
    keys = keys_in_order(kinds.values())
    columns = _kind_columns(keys)
    if len(columns) < len(keys):
        note = f"The {len(columns)} most telling of {len(keys)} metrics; all of them are in {code_span(REPORT_JSON)}."
        lines += [note, ""]
    rows = [[md_text(str(kind))] + [fmt(m.get(c), c) for c in columns] for kind, m in kinds.items()]
    if overall:
        # The "all" row gives each kind's numbers something to be compared against without scrolling.
        rows.append(["**all**"] + [fmt(overall.get(c), c) for c in columns])
    headers = ["kind"] + [md_text(c) for c in columns]
    return "\n".join(lines + [table(headers, rows, align="l" + "r" * len(columns))])


def _halves_section(halves: Any) -> str:
    """One table per half, the held-out check half first: a row per metric, a column per question kind."""
    if not isinstance(halves, Mapping):
        return ""
    tables = []
    for name in sorted(halves, key=lambda h: (HALF_ORDER.index(h) if h in HALF_ORDER else len(HALF_ORDER), str(h))):
        per_kind = halves[name] if isinstance(halves[name], Mapping) else {}
        kinds = {k: v for k, v in per_kind.items() if isinstance(v, Mapping)}
        if not kinds:
            continue
        metrics = keys_in_order(kinds.values())
        headers = ["metric"] + [("**all**" if k == "all" else md_text(str(k))) for k in kinds]
        rows = [[md_text(str(m))] + [fmt(kinds[k].get(m), str(m)) for k in kinds] for m in metrics]
        label = HALF_LABELS.get(name, f"{name} half")
        tables.append(f"### {md_text(label)}\n\n" + table(headers, rows, align="l" + "r" * len(kinds)))
    if not tables:
        return ""
    intro = ("Questions are split into halves by a hash of their id (`evals/split.py`). Weights and thresholds "
             "are tuned on the fit half only, so the check half shows how they carry to questions they were not "
             "tuned on.")
    return "\n\n".join(["## By half and question kind", intro, *tables])


def _kind_columns(keys: list[str]) -> list[str]:
    if len(keys) <= MAX_KIND_COLUMNS:
        return keys
    for preferred in (KIND_COLUMNS, MULTIHOP_KIND_COLUMNS):
        chosen = [k for k in preferred if k in keys]
        if len(chosen) >= 3:
            return chosen
    return keys[:MAX_KIND_COLUMNS]


def _reference_section(overall: Mapping, reference: Any) -> str:
    lines = ["## Compared with published figures", ""]
    refs = _references(reference)
    keys = [k for k in overall if any(k in ref for ref in refs.values())]
    if not keys:
        return "\n".join(lines + ["_No metric in common with the reference figures._"])
    lines += ["Δ is ours minus theirs.", ""]
    rows = []
    for k in keys:
        row = [md_text(str(k)), fmt(overall[k], k)]
        for ref in refs.values():
            theirs = ref.get(k)
            cell = fmt(theirs, k)
            if is_number(overall[k]) and is_number(theirs):
                cell += f" (Δ {_signed(overall[k] - theirs, k)})"
            row.append(cell)
        rows.append(row)
    headers = ["metric", "ours"] + [md_text(str(name)) for name in refs]
    return "\n".join(lines + [table(headers, rows, align="l" + "r" * (len(headers) - 1))])


def _references(reference: Any) -> dict[str, Mapping]:
    if not isinstance(reference, Mapping):
        return {}
    named = {str(k): v for k, v in reference.items() if isinstance(v, Mapping)}
    # A flat {"hits_at_10": 0.74} is one unnamed reference rather than nothing.
    return named or {"reference": reference}


def _signed(value: float, key: str) -> str:
    text = fmt(float(value), key)
    return text if text.startswith("-") else "+" + text
