"""Quote verification: a quote is shown only if it stands verbatim in the article it cites.

``locate`` finds a proposed quote in an article's full text, matching on a
normalised form (Unicode NFKC, quote and dash styles, whitespace, case) and
mapping the match back to the article's own characters, so the shown quote is
always ``text[start:end]``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from assistant.answer.render import NO_ANSWER
from assistant.models import Answer, Citation

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
                         "′": "'", "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "\u00a0": " "})
_SPACE = re.compile(r"\s+")


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the index of the source character."""
    out: list[str] = []
    index: list[int] = []
    prev_space = True
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).translate(_QUOTES).casefold():
            if c.isspace():
                if prev_space:
                    continue
                c = " "
                prev_space = True
            else:
                prev_space = False
            out.append(c)
            index.append(i)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def normalise(text: str) -> str:
    return _normalise_with_map(text)[0].strip()


def locate(quote: str, text: str, hint: int = 0) -> tuple[int, int] | None:
    """Exact offsets of ``quote`` in ``text`` (the first match at or after ``hint``, else any), or None."""
    if not quote.strip():
        return None
    i = text.find(quote, hint)
    if i < 0:
        i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    norm_text, index = _normalise_with_map(text)
    norm_quote = normalise(quote).strip(" \"'")
    if not norm_quote:
        return None
    j = norm_text.find(norm_quote)
    if j < 0:
        return None
    return index[j], index[j + len(norm_quote) - 1] + 1


def holds(citation: Citation, text: str) -> bool:
    """The invariant every shown citation must keep."""
    return 0 <= citation.start < citation.end <= len(text) and text[citation.start : citation.end] == citation.quote


_MARKER = re.compile(r"\[(\d+)\]")


def enforce(answer: Answer, get_text: Callable[[str], str]) -> Answer:
    """The last gate before any user: every citation must hold against its article's text.

    A citation whose offsets drifted is re-located in the article; one that cannot
    be found is dropped with its markers; the rest are renumbered in order of
    first use. With nothing left, the answer becomes ``no_answer``.
    """
    kept: dict[int, Citation] = {}
    for c in answer.citations:
        text = get_text(c.article_id)
        if not holds(c, text):
            span = locate(c.quote, text, c.start)
            if span is None:
                continue
            c.start, c.end = span
            c.quote = text[c.start : c.end]
        kept[c.n] = c
    order: list[int] = []
    for m in _MARKER.finditer(answer.answer):
        n = int(m.group(1))
        if n in kept and n not in order:
            order.append(n)
    renumber = {old: new for new, old in enumerate(order, 1)}
    answer.answer = _MARKER.sub(
        lambda m: f"[{renumber[int(m.group(1))]}]" if int(m.group(1)) in renumber else "", answer.answer
    ).strip()
    answer.citations = [kept[old] for old in order]
    for c in answer.citations:
        c.n = renumber[c.n]
    if not answer.citations:
        answer.status, answer.answer = "no_answer", NO_ANSWER
    return answer
