"""Dates in article text: ``normalize_date`` for a metadata value, ``dateline_value`` for a
line of the body that is a dateline ("25 June 2025 19:17", "Updated: 16:09, June 5, 2023").

Results are ISO 8601, with the time when one is written next to the date. A given UTC
offset is kept, never converted. Only dates spelled so that day and month cannot be
confused are understood: "25/06/2025" gives nothing rather than a guess.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from assistant.text.dates import MONTH_PATTERN, WEEKDAY_ABBREVIATIONS, WEEKDAY_PATTERN, WEEKDAYS, month_number

__all__ = ["dateline_value", "is_published_line", "normalize_date"]

_MONTH = rf"(?P<mon>{MONTH_PATTERN})\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
# Dates spelled so that day and month cannot be confused; "25/06/2025" is deliberately absent.
_DATE_PATTERNS = [
    re.compile(
        r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
        r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?(?![\d:])",
    ),
    re.compile(r"(?<!\d)(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?!\d)"),
    re.compile(rf"\b(?P<d>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{_MONTH},?\s+(?P<y>\d{{4}})(?!\d)", re.I),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}}){_ORDINAL},?\s+(?P<y>\d{{4}})(?!\d)", re.I),
]
_TIME = r"(?P<H>[01]?\d|2[0-3])(?::(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?)?\s*(?P<ap>[ap]\.?\s?m\b\.?)?"
# A time right after the date ("25 June 2025 19:17", "Sept. 25, 2020, at 6:11 p.m.") ...
_TIME_AFTER = re.compile(rf"\s*(?:[,|\-–]\s*)?(?:at\s+)?{_TIME}(?![\d:])", re.I)
# ... or right before it ("18:11, September 25, 2020", "6:11 PM EDT, Friday, Sept. 25, 2020").
_TIME_BEFORE = re.compile(
    rf"(?<![\d:]){_TIME}\s*(?:[A-Z]{{2,4}}\s*)?[,|\-–]?\s*(?:on\s+)?(?:{WEEKDAY_PATTERN},?\s+)?$", re.I
)
_ANY_TIME = re.compile(r"(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[ap]\.?\s?m\b\.?)?", re.I)

# Words a dateline may carry besides the date itself.
_DATELINE_FILLER = frozenset([
    *"""published updated posted last modified created on at date time am pm a m p gmt utc et est edt
    pt pst pdt ct cst cdt bst cet cest eet eest msk azt ist aest aedt hkt sgt jst kst""".split(),
    *WEEKDAYS,
    *WEEKDAY_ABBREVIATIONS,
])
_PUBLISHED_PREFIX = re.compile(r"^(published|updated|posted|last updated|first published)\b(?!\s+by\b)", re.I)
_WORD = re.compile(r"[^\W\d_]+")
_MAX_DATELINE_CHARS = 100
_MAX_PREFIXED_DATELINE_CHARS = 200


def _clock(m: re.Match[str]) -> tuple[int, int, int] | None:
    """(hour, minute, second) from a _TIME match, or None when it is just a number."""
    if m["M"] is None and m["ap"] is None:
        return None
    hour, minute, second = int(m["H"]), int(m["M"] or 0), int(m["S"] or 0)
    ap = (m["ap"] or "").lower()
    if ap.startswith("p") and hour < 12:
        hour += 12
    elif ap.startswith("a") and hour == 12:
        hour = 0
    if ap and not 1 <= int(m["H"]) <= 12:
        return None
    return hour, minute, second


def _iso_from_match(m: re.Match[str], text: str) -> str | None:
    """ISO string for one date match, with the time next to it when there is one."""
    groups = m.groupdict()
    if groups.get("tz") is not None or groups.get("H") is not None:
        try:
            return datetime.fromisoformat(m.group(0).replace(" ", "T", 1)).isoformat()
        except ValueError:
            return None
    month = int(groups["m"]) if groups.get("m") else month_number(groups["mon"])
    try:
        day = date(int(groups["y"]), month, int(groups["d"]))
    except ValueError:
        return None
    if not 1900 <= day.year <= 2100:
        return None
    clock = None
    after = _TIME_AFTER.match(text, m.end())
    if after:
        clock = _clock(after)
    if clock is None:
        before = _TIME_BEFORE.search(text[: m.start()])
        if before:
            clock = _clock(before)
    if clock is None:
        return day.isoformat()
    return datetime(day.year, day.month, day.day, *clock).isoformat()


def _date_matches(text: str) -> list[re.Match[str]]:
    found = [m for p in _DATE_PATTERNS for m in p.finditer(text)]
    found.sort(key=lambda m: m.start())
    return found


def normalize_date(value: str) -> str | None:
    """ISO 8601 for a date written as ISO or in words ("18:11, September 25, 2020"); the
    first date when there are several. A given UTC offset is kept, never converted.
    Day/month-ambiguous forms ("25/06/2025") give None."""
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        return parsed.isoformat() if ("T" in text or " " in text) else parsed.date().isoformat()
    for m in _date_matches(text):
        iso = _iso_from_match(m, text)
        if iso:
            return iso
    return None


def is_published_line(line: str) -> bool:
    """True when a (stripped) line starts with Published/Updated/Posted, as datelines do;
    "Published by ..." is a credit, not a dateline."""
    return bool(_PUBLISHED_PREFIX.match(line))


def dateline_value(line: str) -> str | None:
    """The date of a dateline: a short line that is mostly a date, or one that starts with
    Published/Updated. A date inside a sentence is not a dateline."""
    prefixed = is_published_line(line)
    if len(line) > (_MAX_PREFIXED_DATELINE_CHARS if prefixed else _MAX_DATELINE_CHARS):
        return None
    matches = _date_matches(line)
    if not matches:
        return None
    if not prefixed:
        rest = line
        for m in sorted(matches, key=lambda m: m.start(), reverse=True):
            rest = rest[: m.start()] + " " + rest[m.end() :]
        rest = _ANY_TIME.sub(" ", rest)
        leftover = [w for w in _WORD.findall(rest) if w.lower() not in _DATELINE_FILLER]
        if len(leftover) > 1:
            return None
    for m in matches:
        iso = _iso_from_match(m, line)
        if iso:
            return iso
    return None
