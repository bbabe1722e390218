"""Folding text for matching: case, accents and compatibility forms fold away.

Folded text is only ever compared, never shown: quotes are always the article's own
characters. Erdoğan and Erdogan, ﬁnance and finance, STRASSE and Straße fold alike.
"""

from __future__ import annotations

import unicodedata

# letters without a decomposition that NFKD would fold
_SPECIAL = str.maketrans({"ı": "i", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th"})

_SPECIAL_BOTH = {**_SPECIAL,
                 **{ord(chr(k).upper()): v for k, v in _SPECIAL.items() if len(chr(k).upper()) == 1}}


class _FoldTable(dict):
    """One ``str.translate`` table for the letters NFKD leaves (either case) and the combining marks
    to drop, filled in as characters are met, so that every lookup hits and stays in C: a plain
    table misses on most characters, and a per-character Python test cost ~5 ms per answer."""

    def __missing__(self, code: int) -> str | int | None:
        kept = _SPECIAL_BOTH.get(code, None if unicodedata.combining(chr(code)) else code)
        self[code] = kept
        return kept


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower-case, accent-free, compatibility-normalised text (for matching only)."""
    if text.isascii():  # most news sentences: NFKD and the letter table change nothing, casefold is lower
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_FOLD).casefold()
