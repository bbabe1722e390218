"""Report writer for eval results: report.json, report.md and a per-kind bar chart.

The scorer hands over one result dict; this module only presents it. The markdown is written for a
person deciding what to fix next, so it opens with the verdict and the worst questions (what was asked,
what came back, what was expected) and only then gives the metric tables. Tables take their columns from
the keys the scorer produced, so the same code renders the citewise eval sets and MultiHop benchmark
results without knowing their metric names in advance.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
CHART_PNG = "metrics_by_kind.png"

NONE_MARK = "–"
MAX_WORST = 10
QUOTE_CHARS = 300
TABLE_QUESTION_CHARS = 120

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
    "gold_facts_quoted",
    "null_no_answer",
)
MAX_KIND_COLUMNS = len(KIND_COLUMNS)

CHART_METRICS = ("status_accuracy", "evidence_recall", "article_recall", "hit_at_5")
MULTIHOP_CHART_METRICS = ("hits_at_4", "hits_at_10", "mrr_at_10", "fact_recall_at_10")
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies and in greyscale print.
CHART_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")


def write_report(result: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write report.json, report.md and metrics_by_kind.png into out_dir (created if missing); return their paths by name ("json", "md", "png")."""  # noqa: E501
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / REPORT_JSON, "md": out / REPORT_MD, "png": out / CHART_PNG}
    # allow_nan=False: NaN/Infinity are not JSON and break strict readers (jq, browsers), so they are
    # written as null, which is what the scorer uses for "not applicable" anyway.
    text = json.dumps(_json_safe(result), indent=2, ensure_ascii=False, allow_nan=False, default=str)
    paths["json"].write_text(text + "\n", encoding="utf-8")
    plot_by_kind(result, paths["png"])
    paths["md"].write_text(render_markdown(result), encoding="utf-8")
    return paths


# ---------------------------------------------------------------------------------------------- markdown


def render_markdown(result: dict) -> str:
    """The whole report.md: verdict, worst questions, thresholds, metrics, reference figures, chart."""
    records = [r for r in result.get("records") or [] if isinstance(r, Mapping)]
    parts = [
        _header(result, records),
        _worst_section(records),
        _thresholds_section(result.get("thresholds") or {}),
        _overall_section(result.get("overall") or {}),
        _per_kind_section(result.get("per_kind") or {}, result.get("overall") or {}),
    ]
    if result.get("reference"):
        parts.append(_reference_section(result.get("overall") or {}, result["reference"]))
    parts.append(f"## Chart\n\n![metrics by kind]({CHART_PNG})")
    return "\n\n".join(p.strip("\n") for p in parts if p) + "\n"


def _header(result: Mapping, records: Sequence[Mapping]) -> str:
    set_path = str(result.get("set") or "unknown set")
    questions = result.get("questions")
    if questions is None:
        questions = len(records) or (result.get("overall") or {}).get("n")
    meta = [
        f"Set {_code(set_path)}",
        f"corpus {_code(result.get('corpus') or NONE_MARK)}",
        f"backend {_code(result.get('backend') or NONE_MARK)}",
        _when(result.get("started")),
        f"{questions if questions is not None else NONE_MARK} questions",
    ]
    return "\n\n".join(
        [
            f"# citewise eval: {_md_text(Path(set_path).name)}",
            " · ".join(meta),
            f"**{_md_text(verdict(result))}**",
        ]
    )


def verdict(result: Mapping) -> str:
    """One line: PASS when every threshold holds, otherwise FAIL with each missed threshold and its value."""
    thresholds = result.get("thresholds") or {}
    missed = [(name, t) for name, t in thresholds.items() if _threshold_ok(t) is False]
    if missed:
        plural = "threshold" if len(missed) == 1 else "thresholds"
        details = ", ".join(
            f"{name} ({_fmt(t.get('value'), name)} vs {t.get('direction', 'min')} {_fmt(t.get('threshold'), name)})"
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
    if not (_is_number(value) and _is_number(limit)):
        return None
    return value <= limit if t.get("direction") == "max" else value >= limit


def _worst_section(records: Sequence[Mapping]) -> str:
    failing = [r for r in records if r.get("failures")]
    lines = ["## Worst questions", ""]
    if not records:
        return "\n".join(lines + ["_No per-question records in this result._"])
    if not failing:
        return "\n".join(lines + [f"All {len(records)} questions passed every check."])
    failing.sort(key=lambda r: (-_severity(r), str(r.get("id", ""))))
    worst = failing[:MAX_WORST]
    tally = Counter(f for r in failing for f in _as_list(r.get("failures")))
    common = ", ".join(f"{_md_text(str(f))} ({n})" for f, n in tally.most_common(5))
    shown = f"the worst {len(worst)} are" if len(failing) > len(worst) else "they are"
    lines += [
        f"{len(failing)} of {len(records)} questions failed at least one check; {shown} listed below, worst first "
        f"(every record is in {_code(REPORT_JSON)}). Most common failures: {common}.",
        "",
    ]
    headers = ["#", "id", "kind", "severity", "status", "question", "failures"]
    rows = [
        [
            str(i),
            _md_text(str(r.get("id", NONE_MARK))),
            _md_text(str(r.get("kind") or NONE_MARK)),
            _severity_text(r),
            _status_change(r),
            _md_text(_truncate(_one_line(r.get("question") or ""), TABLE_QUESTION_CHARS)),
            "; ".join(_md_text(str(f)) for f in _as_list(r.get("failures"))),
        ]
        for i, r in enumerate(worst, 1)
    ]
    align = "rllrlll"
    if not any("expect_status" in r or "status" in r for r in worst):
        # Benchmark records carry no answer status; a column of dashes would only push the question aside.
        headers, align = headers[:4] + headers[5:], align[:4] + align[5:]
        rows = [row[:4] + row[5:] for row in rows]
    lines += [_table(headers, rows, align=align), ""]
    lines += [_record_detail(i, r) for i, r in enumerate(worst, 1)]
    return "\n".join(lines)


def _record_detail(rank: int, r: Mapping) -> str:
    head = f"### {rank}. {_md_text(str(r.get('id', NONE_MARK)))}"
    head += f" ({_md_text(str(r.get('kind') or NONE_MARK))}, severity {_severity_text(r)})"
    out = [head, "", f"**Question:** {_md_text(_one_line(r.get('question') or NONE_MARK))}"]
    history = [h for h in _as_list(r.get("history")) if h]
    if history:
        out += ["", "**Earlier turns:**", ""]
        out += [f"{i}. {_md_text(_one_line(str(h)))}" for i, h in enumerate(history, 1)]
    if "expect_status" in r:
        mark = {True: " ✅", False: " ❌"}.get(r.get("correct_status"), "")
        out += [
            "",
            f"**Status:** expected {_code(r.get('expect_status') or NONE_MARK)}, "
            f"got {_code(r.get('status') or NONE_MARK)}{mark}",
        ]
    elif "status" in r:
        out += ["", f"**Status:** {_code(r.get('status') or NONE_MARK)}"]
    ranks = _retrieval_ranks(r)
    if ranks:
        out += ["", f"**Retrieval:** {ranks}"]
    out += ["", "**Failures:**", ""]
    out += [f"- {_md_text(_one_line(str(f)))}" for f in _as_list(r.get("failures"))]
    out += ["", "**Answer:**", "", _blockquote(r.get("answer"))]
    citations = [c for c in _as_list(r.get("citations")) if isinstance(c, Mapping)]
    if citations:
        out += ["", "**Citations:**", ""]
        out += [f"- {_citation(c)}" for c in citations]
    expected = _expected(r)
    if expected:
        out += ["", "**Expected:**", ""]
        out += [f"- {line}" for line in expected]
    return "\n".join(out) + "\n"


def _status_change(r: Mapping) -> str:
    expect, got = r.get("expect_status"), r.get("status")
    if expect is None and got is None:
        return NONE_MARK
    if expect is None or expect == got:
        return _md_text(str(got))
    return f"{_md_text(str(expect or NONE_MARK))} → {_md_text(str(got or NONE_MARK))}"


def _retrieval_ranks(r: Mapping) -> str:
    # Ranks say whether a miss is retrieval's fault (never found) or the composer's (found, not quoted).
    parts = []
    for key, label in (("retrieval_article_rank", "expected article"), ("retrieval_fact_rank", "expected fact")):
        if key in r:
            rank = r[key]
            parts.append(f"{label} at rank {rank}" if rank is not None else f"{label} not retrieved")
    return ", ".join(parts)


def _citation(c: Mapping) -> str:
    source = c.get("source") or c.get("article_id") or "unknown source"
    date = _date_only(c.get("published")) or "undated"
    quote = _md_text(_truncate(_one_line(str(c.get("quote") or "")), QUOTE_CHARS))
    text = f"[{_md_text(str(c.get('n', '?')))}] {_md_text(str(source))}, {date}: “{quote}”"
    if c.get("valid") is False:
        text += " ⚠️ not found verbatim in the article"
    return text


def _expected(r: Mapping) -> list[str]:
    lines = []
    facts = r.get("expect_facts")
    if facts:
        lines.append("facts" + _expectation(facts, lambda s: f"“{_md_text(_one_line(s))}”"))
    articles = r.get("expect_articles")
    if articles:
        lines.append("articles" + _expectation(articles, _code))
    return lines


def _expectation(spec: Any, show: Callable[[str], str]) -> str:
    # The eval sets say {"any": [...]} or {"all": [...]}; plain lists and strings are tolerated too.
    if isinstance(spec, Mapping):
        groups = [f", {mode} of: " + ", ".join(show(str(v)) for v in _as_list(vals)) for mode, vals in spec.items()]
        return ";".join(groups)
    return ": " + ", ".join(show(str(v)) for v in _as_list(spec))


def _blockquote(text: Any) -> str:
    if not text or not str(text).strip():
        return "> _(no answer text)_"
    lines = []
    for line in str(text).strip().splitlines():
        line = _md_text(line.rstrip())
        # A lone "---" or "===" under a line would turn it into a heading; "#" would start one.
        if re.match(r"^\s*(#|=+\s*$|-{3,}\s*$)", line):
            line = "\\" + line.lstrip()
        lines.append(line)
    # Answers put one cited quote per line; a trailing backslash (a hard break) keeps them on their own lines
    # instead of letting Markdown run them together into one paragraph.
    out = []
    for i, line in enumerate(lines):
        if not line:
            out.append(">")
        elif i + 1 < len(lines) and lines[i + 1]:
            out.append(f"> {line}\\")
        else:
            out.append(f"> {line}")
    return "\n".join(out)


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
                _md_text(str(name)),
                _fmt(t.get("value"), str(name)),
                _fmt(t.get("threshold"), str(name)),
                _md_text(str(t.get("direction") or NONE_MARK)),
                {True: "✅", False: "❌"}.get(ok, NONE_MARK),
            ]
        )
    return "\n".join(lines + [_table(["metric", "value", "threshold", "min/max", "ok"], rows, align="lrrcc")])


def _overall_section(overall: Mapping) -> str:
    lines = ["## Overall metrics", ""]
    if not overall:
        return "\n".join(lines + ["_No overall metrics._"])
    rows = [[_md_text(str(k)), _fmt(v, str(k))] for k, v in overall.items()]
    return "\n".join(lines + [_table(["metric", "value"], rows, align="lr")])


def _per_kind_section(per_kind: Mapping, overall: Mapping) -> str:
    lines = ["## By question kind", ""]
    kinds = {k: v for k, v in per_kind.items() if isinstance(v, Mapping)}
    if not kinds:
        return "\n".join(lines + ["_No per-kind metrics._"])
    keys = _keys_in_order(kinds.values())
    columns = _kind_columns(keys)
    if len(columns) < len(keys):
        note = f"The {len(columns)} most telling of {len(keys)} metrics; all of them are in {_code(REPORT_JSON)}."
        lines += [note, ""]
    rows = [[_md_text(str(kind))] + [_fmt(m.get(c), c) for c in columns] for kind, m in kinds.items()]
    if overall:
        # The "all" row gives each kind's numbers something to be compared against without scrolling.
        rows.append(["**all**"] + [_fmt(overall.get(c), c) for c in columns])
    headers = ["kind"] + [_md_text(c) for c in columns]
    return "\n".join(lines + [_table(headers, rows, align="l" + "r" * len(columns))])


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
        row = [_md_text(str(k)), _fmt(overall[k], k)]
        for ref in refs.values():
            theirs = ref.get(k)
            cell = _fmt(theirs, k)
            if _is_number(overall[k]) and _is_number(theirs):
                cell += f" (Δ {_signed(overall[k] - theirs, k)})"
            row.append(cell)
        rows.append(row)
    headers = ["metric", "ours"] + [_md_text(str(name)) for name in refs]
    return "\n".join(lines + [_table(headers, rows, align="l" + "r" * (len(headers) - 1))])


def _references(reference: Any) -> dict[str, Mapping]:
    if not isinstance(reference, Mapping):
        return {}
    named = {str(k): v for k, v in reference.items() if isinstance(v, Mapping)}
    # A flat {"hits_at_10": 0.74} is one unnamed reference rather than nothing.
    return named or {"reference": reference}


# ------------------------------------------------------------------------------------------------- chart


def plot_by_kind(result: dict, path: Path) -> None:
    """Grouped bar chart of up to four rate metrics per question kind, saved as a 150 dpi PNG at path."""
    # Imported here so that importing evals.report (e.g. by the CLI) does not pay for matplotlib.
    # Figure + FigureCanvasAgg instead of pyplot: same Agg renderer, but no process-wide backend switch
    # and no figure registry to leak into when reports are written in a loop.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    per_kind = {k: v for k, v in (result.get("per_kind") or {}).items() if isinstance(v, Mapping)}
    if not per_kind and result.get("overall"):
        per_kind = {"all": result["overall"]}
    metrics = _chart_metrics(per_kind)

    fig = Figure(figsize=(9, 4.5), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    set_name = Path(str(result.get("set") or "")).name or "eval"
    title = f"Metrics by question kind — {set_name}"
    if result.get("backend"):
        title += f" ({result['backend']})"
    ax.set_title(title, fontsize=12, pad=26)
    # The scale is 0 to 1; the little headroom above it keeps value labels on full bars clear of the legend.
    ax.set_ylim(0, 1.07)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.spines["left"].set_bounds(0, 1)
    ax.set_ylabel("rate (0–1)")
    ax.yaxis.grid(True, color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    if not per_kind or not metrics:
        ax.set_xticks([])
        ax.text(0.5, 0.5, "no rate metrics to plot", ha="center", va="center", transform=ax.transAxes, color="grey")
        fig.tight_layout()
        fig.savefig(Path(path), format="png", dpi=150)
        return

    kinds = list(per_kind)
    width = 0.8 / len(metrics)
    # Value labels help while they fit: a compact ".86" needs about 0.16 in, and the axes are about 8 in wide.
    label_bars = 8 / len(kinds) * 0.8 / len(metrics) >= 0.16
    for j, metric in enumerate(metrics):
        xs = [i - 0.4 + width * (j + 0.5) for i in range(len(kinds))]
        values = [per_kind[k].get(metric) for k in kinds]
        heights = [min(max(float(v), 0.0), 1.0) if _is_number(v) else 0.0 for v in values]
        ax.bar(xs, heights, width * 0.92, label=metric.replace("_", " "), color=CHART_COLOURS[j % 4])
        for x, v, h in zip(xs, values, heights, strict=True):
            if not _is_number(v):
                # Not applicable for this kind (e.g. evidence recall of unanswerable questions): say so,
                # so an empty slot is not read as a zero.
                ax.text(x, 0.015, "n/a", ha="center", va="bottom", fontsize=6, color="#666666", rotation=90)
            elif label_bars:
                ax.text(x, h + 0.01, _bar_label(float(v)), ha="center", va="bottom", fontsize=6)

    ax.set_xticks(range(len(kinds)))
    ax.set_xlim(-0.6, len(kinds) - 0.4)
    # Rotate only when the names would not fit side by side (about 0.065 in per 8 pt character, 8 in of axes).
    longest = max(len(str(k)) for k in kinds)
    if longest * 0.065 > 0.9 * 8 / len(kinds):
        ax.set_xticklabels(
            [_kind_label(k, per_kind[k], " ") for k in kinds],
            fontsize=8,
            rotation=30,
            ha="right",
            rotation_mode="anchor",
        )
    else:
        ax.set_xticklabels([_kind_label(k, per_kind[k], "\n") for k in kinds], fontsize=8)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(metrics), frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(path), format="png", dpi=150)


def _chart_metrics(per_kind: Mapping[str, Mapping]) -> list[str]:
    keys = _keys_in_order(per_kind.values())
    standard = [m for m in CHART_METRICS if m in keys]
    multihop = [m for m in MULTIHOP_CHART_METRICS if m in keys]
    if standard or multihop:
        return multihop if len(multihop) > len(standard) else standard
    # Unknown result shape: plot whatever looks like a rate, so the chart is never silently empty.
    rates = [
        k
        for k in keys
        if not k.endswith("_ms")
        and any(_is_number(m.get(k)) for m in per_kind.values())
        and all(m.get(k) is None or (_is_number(m.get(k)) and 0 <= m[k] <= 1) for m in per_kind.values())
        and not all(isinstance(m.get(k), int) for m in per_kind.values() if m.get(k) is not None)
    ]
    return rates[:4]


def _bar_label(value: float) -> str:
    # ".86" rather than "0.86" so labels of neighbouring narrow bars do not run into each other.
    text = f"{value:.2f}"
    return text.removesuffix(".00") if text.endswith(".00") else text.removeprefix("0")


def _kind_label(kind: str, metrics: Mapping, sep: str) -> str:
    n = metrics.get("n")
    return f"{kind}{sep}(n={n})" if isinstance(n, int) and not isinstance(n, bool) else str(kind)


# ----------------------------------------------------------------------------------------------- helpers


def _fmt(value: Any, key: str = "") -> str:
    """Floats to 3 decimals (milliseconds to 1), None and NaN as "–", everything else as plain text."""
    if value is None:
        return NONE_MARK
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return NONE_MARK
        return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"
    if isinstance(value, Mapping | list | tuple):
        return _md_text(json.dumps(value, ensure_ascii=False, default=str))
    return _md_text(str(value))


def _signed(value: float, key: str) -> str:
    text = _fmt(float(value), key)
    return text if text.startswith("-") else "+" + text


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def _severity(r: Mapping) -> float:
    s = r.get("severity")
    return float(s) if _is_number(s) else 0.0


def _severity_text(r: Mapping) -> str:
    # Severity is a ranking score, not a rate: "5" reads better than "5.000".
    s = r.get("severity")
    return f"{s:g}" if _is_number(s) else NONE_MARK


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """A GFM table; every cell is made single-line and has its pipes escaped so rows keep their shape."""
    align = align or "l" * len(headers)
    rule = [{"l": ":--", "r": "--:", "c": ":-:"}[a] for a in align]
    lines = [_row(headers), _row(rule)]
    lines += [_row(row) for row in rows]
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    text = _one_line(str(text))
    # GFM reads "\|" as a literal pipe; a backslash already escaped by _md_text ("\\") stays a backslash.
    return re.sub(r"(?<!\\)((?:\\\\)*)\|", r"\1\\|", text) if "|" in text else text


def _md_text(text: str) -> str:
    """Escape what would turn prose into markup: backslashes, code ticks, emphasis, HTML, inline links.

    Kept minimal on purpose so report.md stays readable as plain text: intra-word underscores (metric
    names) and "[1]" citation markers are left alone because Markdown does not treat them as markup.
    """
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([`*<])", r"\\\1", text)
    text = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)
    return re.sub(r"\](?=[(\[:])", r"\\]", text)


def _code(text: Any) -> str:
    text = _one_line(str(text))
    # A fence longer than any backtick run inside, so file names with backticks still render.
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # Break at a word when one is near, so the quote does not end mid-word.
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, str | Mapping):
        return [value]
    return list(value)


def _keys_in_order(dicts: Iterable[Mapping]) -> list[str]:
    seen: dict[str, None] = {}
    for d in dicts:
        seen.update(dict.fromkeys(d))
    return list(seen)


def _when(started: Any) -> str:
    if not started:
        return "date unknown"
    try:
        dt = datetime.fromisoformat(str(started))
    except ValueError:
        return _md_text(str(started))
    if dt.tzinfo is None:
        return dt.strftime("%Y-%m-%d %H:%M")
    offset = dt.utcoffset()
    zone = "UTC" if offset == timedelta(0) else dt.strftime("UTC%z")
    return dt.strftime("%Y-%m-%d %H:%M ") + zone


def _date_only(published: Any) -> str:
    if not published:
        return ""
    text = str(published)
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        return _md_text(text[:10] if re.match(r"\d{4}-\d\d-\d\d", text) else text)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
