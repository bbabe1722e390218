"""Text primitives shared by the eval report modules: Markdown escaping, GFM tables, value formatting.

Everything here turns scorer values or free text (questions, answers, kind names) into Markdown that keeps
its shape whatever the text contains. The report's file names live here too: the markdown links to the
chart and points readers at the JSON, so they sit at the bottom of the import graph, below evals.report.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
CHART_PNG = "metrics_by_kind.png"
# what gives the chart when matplotlib is missing: the package's [eval] extra
CHART_HINT = "pip install 'citewise[eval]'"

NONE_MARK = "–"


def fmt(value: Any, key: str = "") -> str:
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
        return md_text(json.dumps(value, ensure_ascii=False, default=str))
    return md_text(str(value))


def is_number(value: Any) -> bool:
    """True for finite ints and floats; bools, NaN and infinities are not numbers to report or plot."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """A GFM table; every cell is made single-line and has its pipes escaped so rows keep their shape."""
    align = align or "l" * len(headers)
    rule = [{"l": ":--", "r": "--:", "c": ":-:"}[a] for a in align]
    lines = [_row(headers), _row(rule)]
    lines += [_row(row) for row in rows]
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    text = one_line(str(text))
    # GFM reads "\|" as a literal pipe; a backslash already escaped by md_text ("\\") stays a backslash.
    return re.sub(r"(?<!\\)((?:\\\\)*)\|", r"\1\\|", text) if "|" in text else text


def md_text(text: str) -> str:
    """Escape what would turn prose into markup: backslashes, code ticks, emphasis, HTML, inline links.

    Kept minimal on purpose so report.md stays readable as plain text: intra-word underscores (metric
    names) and "[1]" citation markers are left alone because Markdown does not treat them as markup.
    """
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([`*<])", r"\\\1", text)
    text = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text)
    return re.sub(r"\](?=[(\[:])", r"\\]", text)


def code_span(text: Any) -> str:
    """text as one line of inline code."""
    text = one_line(str(text))
    # A fence longer than any backtick run inside, so file names with backticks still render.
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def one_line(text: str) -> str:
    """text with every run of whitespace, newlines included, collapsed to one space."""
    return " ".join(str(text).split())


def truncate(text: str, limit: int) -> str:
    """text cut to at most limit characters, ending in "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # Break at a word when one is near, so the quote does not end mid-word.
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"


def as_list(value: Any) -> list:
    """value as a list: None as empty, a lone string or mapping as a list of one."""
    if value is None:
        return []
    if isinstance(value, str | Mapping):
        return [value]
    return list(value)


def keys_in_order(dicts: Iterable[Mapping]) -> list[str]:
    """The keys of all dicts, each once, in the order they first appear."""
    seen: dict[str, None] = {}
    for d in dicts:
        seen.update(dict.fromkeys(d))
    return list(seen)


def when(started: Any) -> str:
    """An ISO timestamp as "YYYY-MM-DD HH:MM" plus its zone; anything unparseable is shown as given."""
    if not started:
        return "date unknown"
    try:
        dt = datetime.fromisoformat(str(started))
    except ValueError:
        return md_text(str(started))
    if dt.tzinfo is None:
        return dt.strftime("%Y-%m-%d %H:%M")
    offset = dt.utcoffset()
    zone = "UTC" if offset == timedelta(0) else dt.strftime("UTC%z")
    return dt.strftime("%Y-%m-%d %H:%M ") + zone


def date_only(published: Any) -> str:
    """The date part of a publication timestamp, or "" when there is none."""
    if not published:
        return ""
    text = str(published)
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        return md_text(text[:10] if re.match(r"\d{4}-\d\d-\d\d", text) else text)
