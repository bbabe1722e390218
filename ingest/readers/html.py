"""HTML pages (.html, .htm, html responses) to plain text and metadata: trafilatura first, a stdlib tag
stripper as fallback.

trafilatura finds the article among the page's chrome; the fallback keeps a page from
being lost when trafilatura is missing, fails or finds nothing, and also supplies the
metadata trafilatura did not find (and the page's precise timestamp). ``extract_html`` is also
what the JSON reader uses on an article whose text is markup.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from ingest.decode import normalise_newlines
from ingest.documents import RawDocument, Skipped
from ingest.readers.base import Reader
from ingest.urls import web_url

__all__ = ["READER", "extract_html", "looks_like_html", "read_html"]

log = logging.getLogger(__name__)

_HTML_START = re.compile(r"^\s*(<!doctype html|<html\b)", re.I)


def looks_like_html(text: str) -> bool:
    """True when ``text`` opens like an HTML page (a doctype or an <html> tag)."""
    return bool(_HTML_START.match(text))


class _TextAndMeta(HTMLParser):
    """Stdlib fallback: visible text by blocks, plus <title> and common <meta> tags."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "svg", "nav", "header", "footer",
                       "aside", "form", "button", "select", "iframe", "head"})
    _BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                        "article", "section", "blockquote", "pre", "tr", "table", "main", "figure",
                        "figcaption", "dd", "dt", "hr"})
    _META = {
        "og:title": "title", "twitter:title": "title", "og:site_name": "source", "author": "author",
        "article:author": "author", "article:published_time": "published", "date": "published",
        "pubdate": "published", "og:url": "url",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = [""]
        self.meta: dict[str, str] = {}
        self.title = ""
        self.h1 = ""
        self._skip_depth = 0
        self._in_title = False
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "h1" and not self.h1:
            self._in_h1 = True
        elif tag == "body":
            self._skip_depth = 0  # </head> is optional in HTML: the body is never inside it
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            if key in self._META and a.get("content", "").strip():
                self._note(self._META[key], a["content"].strip())
        elif tag == "link" and "canonical" in a.get("rel", "").lower() and a.get("href"):
            self._note("url", a["href"].strip())
        if tag in self._SKIP:
            self._skip_depth += 1
        if tag in self._BLOCK:
            self.blocks.append("")

    def _note(self, key: str, value: str) -> None:
        # the first of each wins, but a javascript: canonical link must not take the place of a good og:url
        if key != "url" or web_url(value):
            self.meta.setdefault(key, value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # void elements (<meta/>, <br/>) must not open a skipped region that never closes
        if tag in self._SKIP:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "h1":
            self._in_h1 = False
        if tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag in self._BLOCK:
            self.blocks.append("")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._in_h1:
            self.h1 += data
        if not self._skip_depth:
            self.blocks[-1] += data


def _fallback_extract(markup: str) -> tuple[str, dict[str, str]]:
    parser = _TextAndMeta()
    parser.feed(markup)
    parser.close()
    paragraphs = [" ".join(b.split()) for b in parser.blocks]
    meta = dict(parser.meta)
    # <title> usually carries the site's name ("Headline | Site"); the <h1> is the headline
    for title in (parser.h1, parser.title):
        if title.strip():
            meta.setdefault("title", " ".join(title.split()))
    return "\n\n".join(p for p in paragraphs if p), meta


@functools.cache
def _trafilatura() -> Any:
    """The trafilatura module, or None when it cannot be imported (then the fallback runs).
    Imported on first use: it is slow to import and only HTML needs it."""
    try:
        import trafilatura
    except ImportError as exc:  # e.g. justext needing lxml_html_clean, which lxml split off
        log.warning("trafilatura unavailable (%s); using the plain HTML text fallback", exc)
        return None
    return trafilatura


def _trafilatura_extract(markup: str, url: str | None) -> tuple[str, dict[str, str]]:
    trafilatura = _trafilatura()
    if trafilatura is None:
        return "", {}
    try:
        text = trafilatura.extract(
            markup, url=url, output_format="txt", include_comments=False, include_tables=False,
            favor_precision=True, with_metadata=False,
        ) or ""
        doc = trafilatura.extract_metadata(markup, default_url=url)
    except Exception as exc:  # a parser bug on one odd page must not lose the page
        log.warning("trafilatura failed on %s: %s", url or "a page", exc)
        return "", {}
    found = {
        "title": doc.title, "author": doc.author, "published": doc.date, "source": doc.sitename,
        "url": doc.url,
    } if doc is not None else {}
    meta = {k: " ".join(str(v).split()) for k, v in found.items() if v and str(v).strip()}
    if "author" in meta:
        meta["author"] = meta["author"].replace("; ", ", ")  # trafilatura joins authors with "; "
    # each line of trafilatura's txt output is a paragraph; make the paragraphs explicit
    paragraphs = [line.strip() for line in normalise_newlines(text).split("\n")]
    return "\n\n".join(p for p in paragraphs if p), meta


def _only_web_url(extracted: tuple[str, dict[str, str]]) -> tuple[str, dict[str, str]]:
    """trafilatura's idea of the page's address kept only when it is a web address: dropped before the
    two extractors' metadata merge, so a bad one cannot shadow the fallback's good one."""
    text, meta = extracted
    url = web_url(meta.pop("url", None))
    return text, (meta | {"url": url} if url else meta)


def extract_html(markup: str, url: str | None = None) -> tuple[str, dict[str, str]]:
    """The article text of an HTML page (paragraphs separated by blank lines) and its
    metadata (title, source, author, published, url), whichever of them were found."""
    text, meta = _only_web_url(_trafilatura_extract(markup, url))
    fallback_text, fallback_meta = _fallback_extract(markup)
    for key, value in fallback_meta.items():
        meta.setdefault(key, value)
    # trafilatura reduces dates to the day; keep the page's own timestamp of that same day
    precise = fallback_meta.get("published", "")
    if meta.get("published") and precise.startswith(meta["published"]):
        meta["published"] = precise
    return (text or fallback_text), meta


def read_html(markup: str, origin: str, url: str | None = None) -> Iterator[RawDocument | Skipped]:
    """The page's article as one document; a fetched one is of kind "url"."""
    text, meta = extract_html(markup, url)
    if url:
        meta["url"] = url  # where it was really fetched from beats what the page claims
    if not text.strip():
        yield Skipped(origin, "no text found in HTML")
        return
    yield RawDocument(origin=origin, text=text, meta=dict(meta), kind="url" if url else "html")


READER = Reader(name="html", suffixes=frozenset({".html", ".htm"}), content_types=("html",), read=read_html)
