"""Month and weekday names, and the dates a question names.

``MONTHS`` and ``WEEKDAYS`` are the one table of these names in the repo: the cues of
a "when" answer, the sentence splitter's abbreviations, the publication dates and bylines
read at ingest and the dates shown in answers all derive their patterns and word lists
from here, so the names are spelled once. ``time_windows`` and ``mentioned_years`` read the
publication windows and years a question names.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

MONTHS = ("january", "february", "march", "april", "may", "june",
          "july", "august", "september", "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# only shortenings count ("may" is a name, and a sentence may end on it); news writes "sept" as often as "sep"
MONTH_ABBREVIATIONS: dict[str, int] = {
    **{m[:3]: n for n, m in enumerate(MONTHS, 1) if m[:3] != m},
    "sept": MONTHS.index("september") + 1,
}
WEEKDAY_ABBREVIATIONS = frozenset({d[:3] for d in WEEKDAYS} | {"tues", "thurs"})

_MONTH_NUMBERS = {**{m: n for n, m in enumerate(MONTHS, 1)}, **MONTH_ABBREVIATIONS}

# Regex sources without groups or flags, for callers to embed. Longest spelling first, so that
# "sept" is never read as "sep" followed by a stray "t".
MONTH_PATTERN = "(?:" + "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True)) + ")"
WEEKDAY_PATTERN = "(?:" + "|".join(d.removesuffix("day") for d in WEEKDAYS) + ")day"

# the years news of interest is dated in: "1999" and "2025", not "1234" or a count of 3000
YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")

_WHEN = re.compile(
    r"\b(?:(after|since|before|until|prior to)\s+)?(?:(" + MONTH_PATTERN + r")\.?\s+)?(19[5-9]\d|20\d\d)\b", re.I)


def month_number(name: str) -> int | None:
    """1 to 12 for a month's name or abbreviation in any case ("Sept" -> 9), else None."""
    return _MONTH_NUMBERS.get(name.lower())


def mentioned_years(question: str) -> list[int]:
    """The years a question names, ascending, each once."""
    return sorted({int(y) for y in YEAR.findall(question)})


def time_windows(question: str) -> list[tuple[float | None, float | None]]:
    """Publication windows (epoch seconds, UTC) that a question names: "in 2020" -> that year,
    "in June 2025" -> that month, "after 2021" / "before March 2024" -> open-ended."""

    def ts(y: int, m: int = 1) -> float:
        y, m = (y + 1, 1) if m == 13 else (y, m)
        return datetime(y, m, 1, tzinfo=UTC).timestamp()

    out: list[tuple[float | None, float | None]] = []
    for rel, month, year in _WHEN.findall(question):
        y = int(year)
        m = month_number(month) or 0
        start, end = (ts(y, m), ts(y, m + 1)) if m else (ts(y), ts(y + 1))
        rel = rel.lower()
        window = (end, None) if rel in ("after", "since") and not m else (
            (start, None) if rel in ("after", "since") else
            (None, start) if rel in ("before", "until", "prior to") else (start, end))
        if window not in out:
            out.append(window)
    return out[:2]


_MONTH_WORD = "|".join([*MONTHS, *MONTH_ABBREVIATIONS])
_DAY_DATE = re.compile(r"\b(?:(" + _MONTH_WORD + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})|"
                       r"(\d{1,2})(?:st|nd|rd|th)?\s+(" + _MONTH_WORD + r")\.?,?\s+(\d{4}))\b", re.I)


def mentioned_days(question: str) -> list[str]:
    """The calendar days a question names ("October 7, 2023", "7 October 2023"), as ISO dates."""
    out = []
    for m1, d1, y1, d2, m2, y2 in _DAY_DATE.findall(question):
        month, day, year = (m1, d1, y1) if m1 else (m2, d2, y2)
        try:
            iso = date(int(year), month_number(month) or 0, int(day)).isoformat()
        except ValueError:  # "February 30"
            continue
        if iso not in out:
            out.append(iso)
    return out


def near_day(published: str | None, days: list[str], slack: int = 1) -> bool:
    """Whether a publication date falls on one of ``days`` (or ``slack`` days off: time zones)."""
    if not published or not days:
        return False
    try:
        d = date.fromisoformat(published[:10])
    except ValueError:
        return False
    return any(abs((d - date.fromisoformat(x)).days) <= slack for x in days)
