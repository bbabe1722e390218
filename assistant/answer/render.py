"""How an answer reads, in every front end: quotes grouped by article (its outlet and date once, then
its quotes), newest article first; quote marks that never double; sentences derived from metadata
marked as such, never quoted; and the numbered source list, one entry per article.

The chat page mirrors ``quoted``, ``derived_lines`` and the grouping in ``assistant/web/static/app.js``:
change them together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import TypeVar

from assistant.models import Citation
from assistant.text.dates import MONTHS

NO_ANSWER = "The articles do not say. None of the passages found answers this question."
# how a sentence derived from metadata is marked wherever it is shown (text, page, Slack)
DERIVED_LABEL = "From the publication dates"
DERIVED_MARK = f"{DERIVED_LABEL} (not a quote): "

# A quote that begins with one of these, or ends with one of CLOSING, brings its own quotation marks.
# Single marks count only at the start: at the end ’ and ' are mostly apostrophes ("the Turks’").
OPENING = "“”„‟\"«»‘‚'‹›"
CLOSING = "“”„‟\"«»›‹"

T = TypeVar("T")


def when(published: str | None) -> str:
    """'2025-06-25T19:17:00' -> '25 June 2025'."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", published or "")
    if not m:
        return published or ""
    y, mo, d = m.groups()
    return f"{int(d)} {MONTHS[int(mo) - 1].capitalize()} {y}"


def quoted(quote: str) -> str:
    """The quote in “ ”, or as written when it begins or ends with a quotation mark of its own.

    Ours added there would stack on its own (““He wants ...”) or, added at one end only, be left
    unpaired (“He said,” an official said.”): its own marks already set it apart.
    """
    bare = quote.strip()
    if bare and (bare[0] in OPENING or bare[-1] in CLOSING):
        return quote
    return f"“{quote}”"


def by_article(items: Sequence[T], article_id: Callable[[T], str] = attrgetter("article_id")) -> list[list[T]]:
    """The items grouped by article, the groups in order of their first item."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(article_id(item), []).append(item)
    return list(groups.values())


def _dated(published: str | None) -> bool:
    return bool(re.match(r"\d{4}-\d{2}-\d{2}", published or ""))


def in_date_order(groups: list[list[Citation]], chronological: bool = False) -> list[list[Citation]]:
    """Articles newest first, or oldest first for a question about order in time. Undated articles
    come last either way; ties keep their order (the sort is stable, reversed or not)."""
    dated = [g for g in groups if _dated(g[0].published)]
    undated = [g for g in groups if not _dated(g[0].published)]
    # ISO 8601 text sorts as its dates do
    return sorted(dated, key=lambda g: g[0].published or "", reverse=not chronological) + undated


def who(c: Citation) -> str:
    """'Caliber.az, 25 June 2025': the outlet (else the headline) and the date."""
    return ", ".join(x for x in (c.source or c.title or "", when(c.published)) if x)


def derived_line(sentence: str) -> str:
    """A sentence derived from metadata as shown: marked, never in quotation marks."""
    s = sentence.strip()
    if s.casefold().startswith(DERIVED_LABEL.casefold()):
        s = s[len(DERIVED_LABEL):].lstrip(" :,")
        s = s.removeprefix("(not a quote)").lstrip(" :,")
    return DERIVED_MARK + s


def derived_lines(text: str, derived: Sequence[str]) -> list[str]:
    """The marked lines of the derived sentences ``text`` does not already show, for a front end to add."""
    return [derived_line(d) for d in derived if d.strip() and derived_line(d) not in text and d.strip() not in text]


def render(citations: list[Citation], *, chronological: bool = False, derived: Sequence[str] = ()) -> str:
    """The answer text: for each article its outlet and date on a line, then its quotes in the order
    given, one a line, each with its [n] marker; articles newest first (oldest first when
    ``chronological``), a blank line between them; then the ``derived`` sentences, marked as derived
    from the publication dates.

    The citations are put in reading order, in place: the list is sorted as the quotes are shown and
    each ``n`` set to its marker, so the text streams with the numbers the verified answer keeps.
    """
    groups = in_date_order(by_article(citations), chronological)
    citations[:] = [c for group in groups for c in group]
    for n, c in enumerate(citations, 1):
        c.n = n
    blocks = []
    for group in groups:
        lines = [f"{who(group[0])}:"]
        for c in group:  # in the answerer's order: an article's best quote first
            also = ""
            if c.also_in:
                others = "; ".join(", ".join(x for x in (o.source or "", when(o.published)) if x) for o in c.also_in)
                also = f" (also in: {others})"
            lines.append(f"{quoted(c.quote)} [{c.n}]{also}")
        blocks.append("\n".join(lines))
    marked = [derived_line(d) for d in derived if d.strip()]
    if marked:
        blocks.append("\n".join(marked))
    return "\n\n".join(blocks)


def numbers(group: Sequence[Citation]) -> str:
    """'[1] [2]': the markers of an article's citations."""
    return " ".join(f"[{c.n}]" for c in sorted(group, key=attrgetter("n")))


def sources(citations: list[Citation]) -> str:
    """The numbered source list a chat client shows under the answer text: one line an article,
    led by the markers of its quotes, in order of first marker."""
    lines = []
    for group in sorted(by_article(citations), key=lambda g: min(c.n for c in g)):
        c = group[0]
        parts = [c.source or "", quoted(c.title) if c.title else "", c.author or "", when(c.published)]
        line = f"{numbers(group)} " + ", ".join(p for p in parts if p)
        if c.url:
            line += f" {c.url}"
        lines.append(line)
    return "Sources:\n" + "\n".join(lines) if lines else ""
