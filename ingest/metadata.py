"""Split an article's text into metadata (title, outlet, author, date, URL) and body.

Three sources, in order of trust:

1. header lines at the top (``Title: ...``, ``Published: ...``), as in the benchmark files;
2. ``meta`` given by the reader (JSON fields, HTML metadata);
3. heuristics for pasted web pages: a dateline near the top, a ``By ...`` byline,
   a copyright notice naming the outlet, a headline-like first line.

Lines used as metadata (the header block, the title line, the dateline, the byline,
the outlet's signature line) are removed from the body; everything else is left for
``ingest.clean`` to judge. No line of the body is ever rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ingest.clean import is_boilerplate

__all__ = ["ParsedDocument", "normalize_date", "parse_document"]

FIELDS = ("title", "source", "author", "published", "url")


@dataclass
class ParsedDocument:
    """An article's metadata (None where unknown) and its body, ready for ``clean_body``."""

    title: str | None
    source: str | None
    author: str | None
    published: str | None  # ISO 8601 as given: "2025-06-25T19:17:00", "2023-09-26T21:11:15+00:00"
    url: str | None
    body: str  # metadata lines removed, not yet boilerplate-cleaned


# --- header block ---------------------------------------------------------------------------

_HEADER = re.compile(r"^(title|source|outlet|author|by|published|date|url)[ \t]*:[ \t]*(.*?)\s*$", re.I)
_HEADER_FIELD = {
    "title": "title",
    "source": "source",
    "outlet": "source",
    "author": "author",
    "by": "author",
    "published": "published",
    "date": "published",
    "url": "url",
}

# --- dates ----------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
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
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
# A time right after the date ("25 June 2025 19:17", "Sept. 25, 2020, at 6:11 p.m.") ...
_TIME_AFTER = re.compile(rf"\s*(?:[,|\-–]\s*)?(?:at\s+)?{_TIME}(?![\d:])", re.I)
# ... or right before it ("18:11, September 25, 2020", "6:11 PM EDT, Friday, Sept. 25, 2020").
_TIME_BEFORE = re.compile(
    rf"(?<![\d:]){_TIME}\s*(?:[A-Z]{{2,4}}\s*)?[,|\-–]?\s*(?:on\s+)?(?:{_WEEKDAY},?\s+)?$", re.I
)
_ANY_TIME = re.compile(r"(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[ap]\.?\s?m\b\.?)?", re.I)

# Words a dateline may carry besides the date itself.
_DATELINE_FILLER = frozenset(
    """published updated posted last modified created on at date time am pm a m p gmt utc et est edt
    pt pst pdt ct cst cdt bst cet cest eet eest msk azt ist aest aedt hkt sgt jst kst
    mon tue tues wed thu thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday""".split()
)
_PUBLISHED_PREFIX = re.compile(r"^(published|updated|posted|last updated|first published)\b(?!\s+by\b)", re.I)
_WORD = re.compile(r"[^\W\d_]+")
_MAX_DATELINE_CHARS = 100
_MAX_PREFIXED_DATELINE_CHARS = 200

# --- bylines, outlets, titles ---------------------------------------------------------------

_BYLINE = re.compile(r"^by:?\s+(?P<names>\S.*?)[\s.,;:]*$", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
_NAME_PARTICLES = frozenset("de van von der den la le da di del al el bin ibn du dos das y st.".split())
_NOT_NAMES = frozenset(
    """the a an this that these those then now monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december""".split()
)
_MAX_WORDS_PER_NAME = 6
_MAX_NAMES = 4

_COPYRIGHT_NAME_BEFORE = re.compile(r"^(?P<name>[^©]{2,60}?)\s*©\s*(?:\d{4})\b")
_COPYRIGHT_NAME_AFTER = re.compile(
    r"©\s*(?:copyright\s*)?\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*"
    r"(?P<name>[^.,|©]{2,60}?)\s*(?:[.,|]|all rights|$)",
    re.I,
)
_COPYRIGHT_WORD = re.compile(
    r"^copyright\s*(?:©\s*)?\d{4}\s+(?P<name>[^.,|©]{2,60}?)\s*(?:[.,|]|all rights|$)", re.I
)
_HYPERLINK_TO = re.compile(r"\bhyperlink to (?P<name>[\w-]+(?:\.[\w-]+)+)", re.I)
_DOMAIN_LIKE = re.compile(r"^[A-Za-z][\w-]*(?:\.[\w-]+)*\.[A-Za-z]{2,6}$")
_NOT_OUTLETS = frozenset({"text", "photo", "photos", "image", "images", "content", "copyright", "all"})

# Agencies and outlets that sign wire copy: "By Bloomberg" names the outlet too.
_AGENCIES = frozenset(
    """bloomberg reuters ap afp xinhua tass anadolu dpa upi pti ani ians efe ansa kyodo yonhap interfax
    sputnik bernama azertac apa trend ria""".split()
    + [
        "associated press", "the associated press", "agence france-presse", "agence france presse",
        "anadolu agency", "ria novosti", "press trust of india", "bloomberg news", "reuters staff",
        "xinhua news agency", "kyodo news", "yonhap news agency", "cnn", "bbc", "bbc news",
    ]
)

_BREADCRUMB = re.compile(r"[|/›»>]")
_MIN_TITLE_WORDS, _MAX_TITLE_WORDS = 4, 20
_LONG_PARAGRAPH_WORDS = 25
_TOP_LINES = 15  # how far down "near the top" reaches, in non-boilerplate lines
_BOTTOM_LINES = 15


# --- dates ----------------------------------------------------------------------------------


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
    month = int(groups["m"]) if groups.get("m") else _MONTHS[groups["mon"][:3].lower()]
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


def _dateline_value(line: str) -> str | None:
    """The date of a dateline: a short line that is mostly a date, or one that starts with
    Published/Updated. A date inside a sentence is not a dateline."""
    prefixed = bool(_PUBLISHED_PREFIX.match(line))
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


# --- bylines and outlets --------------------------------------------------------------------


def _is_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= _MAX_WORDS_PER_NAME or words[0].lower() in _NOT_NAMES:
        return False
    return all(w[0].isupper() or w.lower() in _NAME_PARTICLES for w in words) and words[0][0].isupper()


def _byline_author(line: str) -> str | None:
    """"Naila Huseynova" for "By Naila Huseynova"; "A, B" for "By A and B"; None for prose
    such as "By the time ..." (names must be short and capitalised)."""
    m = _BYLINE.match(line)
    if not m:
        return None
    names = [n for n in _NAME_SPLIT.split(m["names"]) if n]
    if not 1 <= len(names) <= _MAX_NAMES or not all(_is_name(n) for n in names):
        return None
    return ", ".join(names)


def _outlet_from_notice(line: str) -> str | None:
    """The outlet named by a copyright or usage notice ("Caliber.az © 2025", "© 2024 The
    Guardian", "... only if there is a hyperlink to Caliber.az")."""
    if len(line.split()) > 20:
        return None
    for pattern in (_COPYRIGHT_NAME_BEFORE, _COPYRIGHT_NAME_AFTER, _COPYRIGHT_WORD, _HYPERLINK_TO):
        m = pattern.search(line)
        if not m:
            continue
        name = m["name"].strip(" .,:;-–|")
        if name and name.lower() not in _NOT_OUTLETS and len(name.split()) <= 6 and _WORD.search(name):
            return name
    return None


def _same(a: str | None, b: str | None) -> bool:
    """Equal up to case and spacing."""
    if a is None or b is None:
        return False
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


# --- the document ---------------------------------------------------------------------------


def _clean_value(value: Any) -> str | None:
    """A metadata value as a stripped string; lists (several authors) joined with ", "."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = [_clean_value(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    text = " ".join(str(value).split())
    return text or None


def _split_header(lines: list[str]) -> tuple[dict[str, str | None], int]:
    """Header fields at the top and the index of the first body line."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    fields: dict[str, str | None] = {}
    start = i
    while i < len(lines) and (m := _HEADER.match(lines[i].strip())):
        key = _HEADER_FIELD[m[1].lower()]
        if fields.get(key) is None:
            fields[key] = _clean_value(m[2])
        i += 1
    if i == start:
        return {}, 0
    return fields, i


def _candidates(lines: list[str], indexes: Iterable[int], limit: int) -> list[int]:
    """The first ``limit`` indexes (in the given order) of non-empty, non-boilerplate lines."""
    out: list[int] = []
    for i in indexes:
        line = lines[i].strip()
        if line and not is_boilerplate(line):
            out.append(i)
            if len(out) >= limit:
                break
    return out


def _is_headline(line: str) -> bool:
    words = line.split()
    if not _MIN_TITLE_WORDS <= len(words) <= _MAX_TITLE_WORDS or line[-1] in ".:;,":
        return False
    if line.upper() == line or len(_BREADCRUMB.findall(line)) >= 2:
        return False
    return _dateline_value(line) is None and _byline_author(line) is None and not _HEADER.match(line)


def _find_title(lines: list[str], top: list[int], taken: set[int]) -> int | None:
    for i in top:
        line = lines[i].strip()
        if len(line.split()) >= _LONG_PARAGRAPH_WORDS:
            return None  # the article has started: a headline comes before its first paragraph
        if i not in taken and _is_headline(line):
            return i
    return None


class _Heuristics:
    """Fills missing fields from the body and remembers which lines it used."""

    def __init__(self, lines: list[str], start: int, fields: dict[str, str | None]) -> None:
        self.lines = lines
        self.fields = fields
        self.start = start
        self.used: set[int] = set()
        self.top = _candidates(lines, range(start, len(lines)), _TOP_LINES)
        bottom = _candidates(lines, range(len(lines) - 1, start - 1, -1), _BOTTOM_LINES)
        self.edges = self.top + [i for i in bottom if i not in self.top]

    def run(self) -> None:
        self._published()
        self._author()
        self._source()
        self._title()

    def _published(self) -> None:
        lines, known = self.lines, self.fields.get("published")
        prefixed = [i for i in range(self.start, len(lines)) if _PUBLISHED_PREFIX.match(lines[i].strip())]
        for i in self.top + prefixed:
            value = _dateline_value(lines[i].strip())
            if value is None:
                continue
            if known is None:
                self.fields["published"] = known = value
                self.used.add(i)
            elif value[:10] == known[:10]:
                self.used.add(i)  # restates the known date
            return

    def _author(self) -> None:
        for i in self.edges:
            author = _byline_author(self.lines[i].strip())
            if author is None:
                continue
            if self.fields.get("author") is None:
                self.fields["author"] = author
                self.used.add(i)
                return
            if _same(author, self.fields["author"]):
                self.used.add(i)
                return

    def _source(self) -> None:
        lines = self.lines
        if self.fields.get("source") is None:
            for line in lines:
                outlet = _outlet_from_notice(line.strip())
                if outlet:
                    self.fields["source"] = outlet
                    break
        if self.fields.get("source") is None:
            for i in self.edges:
                if _DOMAIN_LIKE.match(lines[i].strip()):
                    self.fields["source"] = lines[i].strip()
                    break
        author = self.fields.get("author")
        if self.fields.get("source") is None and author and author.casefold() in _AGENCIES:
            self.fields["source"] = author
        # the outlet signing off on its own line ("Caliber.Az") is metadata, not text
        for i in self.edges:
            if _same(lines[i].strip(), self.fields.get("source")):
                self.used.add(i)

    def _title(self) -> None:
        title = self.fields.get("title")
        if title is None:
            found = _find_title(self.lines, self.top, self.used)
            if found is not None:
                self.fields["title"] = self.lines[found].strip()
                self.used.add(found)
            return
        for i in self.top[:5]:
            if _same(self.lines[i].strip(), title):
                self.used.add(i)  # the headline repeated at the top of the body
                return


def parse_document(text: str, meta: dict[str, Any] | None = None) -> ParsedDocument:
    """Metadata and body of one article. Header lines win, then ``meta``, then heuristics."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fields, start = _split_header(lines)
    if fields.get("published"):
        fields["published"] = normalize_date(fields["published"]) or fields["published"]
    for key in FIELDS:
        if fields.get(key) is None and meta:
            value = _clean_value(meta.get(key))
            if key == "published" and value:
                value = normalize_date(value) or value
            fields[key] = value
    heuristics = _Heuristics(lines, start, fields)
    heuristics.run()
    body = "\n".join(line for i, line in enumerate(lines[start:], start) if i not in heuristics.used)
    return ParsedDocument(
        title=fields.get("title"),
        source=fields.get("source"),
        author=fields.get("author"),
        published=fields.get("published"),
        url=fields.get("url"),
        body=body.strip("\n"),
    )
