"""How an extractive answer reads: one line a quote, outlet and date first."""

from __future__ import annotations

import re

from assistant.models import Citation
from assistant.text.dates import MONTHS

NO_ANSWER = "The articles do not say. None of the passages found answers this question."


def when(published: str | None) -> str:
    """'2025-06-25T19:17:00' -> '25 June 2025'."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", published or "")
    if not m:
        return published or ""
    y, mo, d = m.groups()
    return f"{int(d)} {MONTHS[int(mo) - 1].capitalize()} {y}"


def render(citations: list[Citation]) -> str:
    """One line a quote: outlet, date, the quote in quotation marks, its marker."""
    lines = []
    for c in citations:
        who = ", ".join(x for x in (c.source or c.title or "", when(c.published)) if x)
        also = ""
        if c.also_in:
            others = "; ".join(", ".join(x for x in (o.source or "", when(o.published)) if x) for o in c.also_in)
            also = f" (also in: {others})"
        lines.append(f"{who}: “{c.quote}” [{c.n}]{also}")
    return "\n".join(lines)


def sources(citations: list[Citation]) -> str:
    """The numbered source list a chat client shows under the answer text."""
    lines = []
    for c in citations:
        parts = [c.source or "", f"“{c.title}”" if c.title else "", c.author or "", when(c.published)]
        line = f"[{c.n}] " + ", ".join(p for p in parts if p)
        if c.url:
            line += f" {c.url}"
        lines.append(line)
    return "Sources:\n" + "\n".join(lines) if lines else ""
