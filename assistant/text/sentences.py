"""Sentence spans with character offsets, for chunking and for picking quotes.

A span never crosses a line break: in cleaned articles a line is a paragraph,
and a quote must not glue two paragraphs together.
"""

from __future__ import annotations

import re

from assistant.text.dates import MONTH_ABBREVIATIONS

_ABBREV = frozenset(
    """mr mrs ms dr prof sr jr st gen col lt sgt capt cmdr adm rep sen gov pres inc corp ltd co vs etc
    e.g i.e u.s u.k u.n no nos fig al approx dept est mt ft rev hon univ ave blvd""".split()
    + list(MONTH_ABBREVIATIONS)  # "Sept. 25" goes on; "in May." ends, since May is no abbreviation
)
# end punctuation, closing quotes/brackets, then space, then something that can open a sentence
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-Z0-9À-ÖØ-Þ])")
_LINE = re.compile(r"[^\n]+")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` ends an abbreviation or an initial, not a sentence."""
    if text[dot] != ".":
        return False
    m = _LAST_WORD.search(text, max(0, dot - 40), dot)
    if not m:
        return False
    word = m.group(1)
    if len(word) == 1 and word.isupper():  # an initial: "John F. Kennedy"
        return True
    return word.lower().rstrip(".") in _ABBREV


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text[start:end]``, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text, start, end):
        s = line.start()
        for b in _BOUNDARY.finditer(text, line.start(), line.end()):
            if _is_abbreviation(text, b.start()):
                continue
            spans.append((s, b.end()))
            s = b.end()
        spans.append((s, line.end()))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out
