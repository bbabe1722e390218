"""The "Worst questions" section of report.md: the failing questions, worst first, each shown in full.

A table lists them; then each gets a block with what was asked, what came back (status, retrieval ranks,
answer, citations) and what was expected. This is the part of the report a person reads to decide what to
fix next, so it shows the questions themselves rather than numbers. Only the MAX_WORST most severe are
shown; every record stays in report.json.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from evals.mdtext import (
    NONE_MARK,
    REPORT_JSON,
    as_list,
    code_span,
    date_only,
    is_number,
    md_text,
    one_line,
    table,
    truncate,
)

MAX_WORST = 10
QUOTE_CHARS = 300
TABLE_QUESTION_CHARS = 120


def worst_section(records: Sequence[Mapping]) -> str:
    """The section for the given per-question records: a summary line, a table, then one detail block each."""
    failing = [r for r in records if r.get("failures")]
    lines = ["## Worst questions", ""]
    if not records:
        return "\n".join(lines + ["_No per-question records in this result._"])
    if not failing:
        return "\n".join(lines + [f"All {len(records)} questions passed every check."])
    failing.sort(key=lambda r: (-_severity(r), str(r.get("id", ""))))
    worst = failing[:MAX_WORST]
    tally = Counter(f for r in failing for f in as_list(r.get("failures")))
    common = ", ".join(f"{md_text(str(f))} ({n})" for f, n in tally.most_common(5))
    shown = f"the worst {len(worst)} are" if len(failing) > len(worst) else "they are"
    lines += [
        f"{len(failing)} of {len(records)} questions failed at least one check; {shown} listed below, worst first "
        f"(every record is in {code_span(REPORT_JSON)}). Most common failures: {common}.",
        "",
    ]
    headers = ["#", "id", "kind", "severity", "status", "question", "failures"]
    rows = [
        [
            str(i),
            md_text(str(r.get("id", NONE_MARK))),
            md_text(str(r.get("kind") or NONE_MARK)),
            _severity_text(r),
            _status_change(r),
            md_text(truncate(one_line(r.get("question") or ""), TABLE_QUESTION_CHARS)),
            "; ".join(md_text(str(f)) for f in as_list(r.get("failures"))),
        ]
        for i, r in enumerate(worst, 1)
    ]
    align = "rllrlll"
    if not any("expect_status" in r or "status" in r for r in worst):
        # Benchmark records carry no answer status; a column of dashes would only push the question aside.
        headers, align = headers[:4] + headers[5:], align[:4] + align[5:]
        rows = [row[:4] + row[5:] for row in rows]
    lines += [table(headers, rows, align=align), ""]
    lines += [_record_detail(i, r) for i, r in enumerate(worst, 1)]
    return "\n".join(lines)


def _record_detail(rank: int, r: Mapping) -> str:
    head = f"### {rank}. {md_text(str(r.get('id', NONE_MARK)))}"
    head += f" ({md_text(str(r.get('kind') or NONE_MARK))}, severity {_severity_text(r)})"
    out = [head, "", f"**Question:** {md_text(one_line(r.get('question') or NONE_MARK))}"]
    history = [h for h in as_list(r.get("history")) if h]
    if history:
        out += ["", "**Earlier turns:**", ""]
        out += [f"{i}. {md_text(one_line(str(h)))}" for i, h in enumerate(history, 1)]
    if "expect_status" in r:
        mark = {True: " ✅", False: " ❌"}.get(r.get("correct_status"), "")
        out += [
            "",
            f"**Status:** expected {code_span(r.get('expect_status') or NONE_MARK)}, "
            f"got {code_span(r.get('status') or NONE_MARK)}{mark}",
        ]
    elif "status" in r:
        out += ["", f"**Status:** {code_span(r.get('status') or NONE_MARK)}"]
    ranks = _retrieval_ranks(r)
    if ranks:
        out += ["", f"**Retrieval:** {ranks}"]
    out += ["", "**Failures:**", ""]
    out += [f"- {md_text(one_line(str(f)))}" for f in as_list(r.get("failures"))]
    out += ["", "**Answer:**", "", _blockquote(r.get("answer"))]
    citations = [c for c in as_list(r.get("citations")) if isinstance(c, Mapping)]
    if citations:
        out += ["", "**Citations:**", ""]
        out += [f"- {_citation(c)}" for c in citations]
    expected = _expected(r)
    if expected:
        out += ["", "**Expected:**", ""]
        out += [f"- {line}" for line in expected]
    return "\n".join(out) + "\n"


def _severity(r: Mapping) -> float:
    s = r.get("severity")
    return float(s) if is_number(s) else 0.0


def _severity_text(r: Mapping) -> str:
    # Severity is a ranking score, not a rate: "5" reads better than "5.000".
    s = r.get("severity")
    return f"{s:g}" if is_number(s) else NONE_MARK


def _status_change(r: Mapping) -> str:
    expect, got = r.get("expect_status"), r.get("status")
    if expect is None and got is None:
        return NONE_MARK
    if expect is None or expect == got:
        return md_text(str(got))
    return f"{md_text(str(expect or NONE_MARK))} → {md_text(str(got or NONE_MARK))}"


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
    date = date_only(c.get("published")) or "undated"
    quote = md_text(truncate(one_line(str(c.get("quote") or "")), QUOTE_CHARS))
    text = f"[{md_text(str(c.get('n', '?')))}] {md_text(str(source))}, {date}: “{quote}”"
    if c.get("valid") is False:
        text += " ⚠️ not found verbatim in the article"
    return text


def _expected(r: Mapping) -> list[str]:
    lines = []
    facts = r.get("expect_facts")
    if facts:
        lines.append("facts" + _expectation(facts, lambda s: f"“{md_text(one_line(s))}”"))
    articles = r.get("expect_articles")
    if articles:
        lines.append("articles" + _expectation(articles, code_span))
    return lines


def _expectation(spec: Any, show: Callable[[str], str]) -> str:
    # The eval sets say {"any": [...]} or {"all": [...]}; plain lists and strings are tolerated too.
    if isinstance(spec, Mapping):
        groups = [f", {mode} of: " + ", ".join(show(str(v)) for v in as_list(vals)) for mode, vals in spec.items()]
        return ";".join(groups)
    return ": " + ", ".join(show(str(v)) for v in as_list(spec))


def _blockquote(text: Any) -> str:
    if not text or not str(text).strip():
        return "> _(no answer text)_"
    lines = []
    for line in str(text).strip().splitlines():
        line = md_text(line.rstrip())
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
