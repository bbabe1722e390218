"""Split an article's text into metadata (title, outlet, author, date, URL) and body.

Three sources, in order of trust:

1. header lines at the top (``Title: ...``, ``Published: ...``), as in the benchmark files;
2. ``meta`` given by the reader (JSON fields, HTML metadata);
3. heuristics for pasted web pages: a dateline near the top, a ``By ...`` byline,
   a copyright notice naming the outlet, a headline-like first line.

Lines used as metadata (the header block, the title line, the dateline, the byline,
the outlet's signature line) are removed from the body; everything else is left for
``ingest.clean`` to judge. No line of the body is ever rewritten. Recognising dates is
``ingest.dates``'s job, recognising bylines and outlets ``ingest.bylines``'s; this module
decides which lines to ask about and which field wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ingest.bylines import byline_author, is_agency, looks_like_domain, outlet_from_notice
from ingest.clean import is_boilerplate
from ingest.dates import dateline_value, is_published_line, normalize_date
from ingest.decode import normalise_newlines
from ingest.urls import web_url

# normalize_date lives in ingest.dates; it is re-exported because callers import it from here
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


def _clean_value(value: Any) -> str | None:
    """A metadata value as a stripped string; lists (several authors) joined with ", "."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parts = [_clean_value(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    text = " ".join(str(value).split())
    return text or None


def _field_value(key: str, value: Any) -> str | None:
    """A metadata value as kept: a URL that is not a web address is dropped, never shown as a link."""
    text = _clean_value(value)
    return web_url(text) if key == "url" else text


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
            fields[key] = _field_value(key, m[2])
        i += 1
    if i == start:
        return {}, 0
    return fields, i


# --- heuristics -----------------------------------------------------------------------------

_BREADCRUMB = re.compile(r"[|/›»>]")
_MIN_TITLE_WORDS, _MAX_TITLE_WORDS = 4, 20
_LONG_PARAGRAPH_WORDS = 25
_TOP_LINES = 15  # how far down "near the top" reaches, in non-boilerplate lines
_BOTTOM_LINES = 15


def _same(a: str | None, b: str | None) -> bool:
    """Equal up to case and spacing."""
    if a is None or b is None:
        return False
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


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
    return dateline_value(line) is None and byline_author(line) is None and not _HEADER.match(line)


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
        prefixed = [i for i in range(self.start, len(lines)) if is_published_line(lines[i].strip())]
        for i in self.top + prefixed:
            value = dateline_value(lines[i].strip())
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
            author = byline_author(self.lines[i].strip())
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
                outlet = outlet_from_notice(line.strip())
                if outlet:
                    self.fields["source"] = outlet
                    break
        if self.fields.get("source") is None:
            for i in self.edges:
                if looks_like_domain(lines[i].strip()):
                    self.fields["source"] = lines[i].strip()
                    break
        author = self.fields.get("author")
        if self.fields.get("source") is None and author and is_agency(author):
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


# --- the document ---------------------------------------------------------------------------


def parse_document(text: str, meta: dict[str, Any] | None = None) -> ParsedDocument:
    """Metadata and body of one article. Header lines win, then ``meta``, then heuristics."""
    lines = normalise_newlines(text.lstrip("\ufeff")).split("\n")
    fields, start = _split_header(lines)
    if fields.get("published"):
        fields["published"] = normalize_date(fields["published"]) or fields["published"]
    for key in FIELDS:
        if fields.get(key) is None and meta:
            value = _field_value(key, meta.get(key))
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
