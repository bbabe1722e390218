"""Read articles from files, folders and URLs into ``RawDocument``s.

Supported: plain text (.txt, .md), HTML (.html, .htm), JSON (one article object or a
list of them) and JSON Lines (one article a line), and http(s) URLs. HTML is reduced to
the article's plain text with trafilatura, falling back to a tag stripper so a page is
never lost because the extractor found nothing.

One unreadable input never stops the others: it becomes a ``Skipped`` with a short
reason. Only an input path that does not exist at all raises ``InputError``, before
anything is read, because that is a typo the user wants to hear about at once.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx

from assistant.errors import InputError

__all__ = ["RawDocument", "Skipped", "iter_documents", "extract_html"]

log = logging.getLogger(__name__)

USER_AGENT = "citewise/0.1"
TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES

BINARY = "binary or non-UTF-8 file"
EMPTY = "empty"

_URL = re.compile(r"^https?://", re.I)
_HTML_START = re.compile(r"^\s*(<!doctype html|<html\b)", re.I)
# Markup inside a JSON "content" field: a few real tags, not a stray "<" in prose.
_HTML_TAG = re.compile(r"</?(p|div|br|span|article|section|h[1-6]|ul|li|html|body)\b[^>]*>", re.I)

_TEXT_KEYS = ("text", "body", "content")
_META_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "source": ("source", "outlet", "publisher", "site_name"),
    "author": ("author", "authors", "byline"),
    "published": ("published", "published_at", "date", "published_date"),
    "url": ("url", "link"),
}


@dataclass
class RawDocument:
    """One article as read: ``text`` is plain text (HTML already extracted)."""

    origin: str  # file path or URL; "path:LINE" for a JSON Lines line, "path#N" for item N of a JSON list
    text: str
    meta: dict[str, str | None] = field(default_factory=dict)  # title, source, author, published, url
    kind: str = "text"  # "text" | "html" | "json" | "url"


@dataclass
class Skipped:
    """An input that gave no document, and why, in one short line."""

    origin: str
    reason: str


# --- decoding -------------------------------------------------------------------------------


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str | None:
    """UTF-8 text (BOM dropped, newlines normalised), or None for binary data."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return _normalise_newlines(text)


# --- HTML -----------------------------------------------------------------------------------


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
                self.meta.setdefault(self._META[key], a["content"].strip())
        elif tag == "link" and "canonical" in a.get("rel", "").lower() and a.get("href"):
            self.meta.setdefault("url", a["href"].strip())
        if tag in self._SKIP:
            self._skip_depth += 1
        if tag in self._BLOCK:
            self.blocks.append("")

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
    paragraphs = [line.strip() for line in _normalise_newlines(text).split("\n")]
    return "\n\n".join(p for p in paragraphs if p), meta


def extract_html(markup: str, url: str | None = None) -> tuple[str, dict[str, str]]:
    """The article text of an HTML page (paragraphs separated by blank lines) and its
    metadata (title, source, author, published, url), whichever of them were found."""
    text, meta = _trafilatura_extract(markup, url)
    fallback_text, fallback_meta = _fallback_extract(markup)
    for key, value in fallback_meta.items():
        meta.setdefault(key, value)
    # trafilatura reduces dates to the day; keep the page's own timestamp of that same day
    precise = fallback_meta.get("published", "")
    if meta.get("published") and precise.startswith(meta["published"]):
        meta["published"] = precise
    return (text or fallback_text), meta


# --- JSON -----------------------------------------------------------------------------------


def _meta_value(value: Any) -> str | None:
    """A JSON metadata value as text; an author list becomes "A, B"."""
    if value is None:
        return None
    if isinstance(value, dict):
        return _meta_value(value.get("name"))
    if isinstance(value, list):
        parts = [_meta_value(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    text = " ".join(str(value).split())
    return text or None


def _json_text(obj: dict[str, Any]) -> str | None:
    for key in _TEXT_KEYS:
        value = obj.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n\n".join(value)  # a list of paragraphs
        if isinstance(value, str) and value.strip():
            return _normalise_newlines(value)
    return None


def _from_json_object(obj: Any, origin: str) -> RawDocument | Skipped:
    if not isinstance(obj, dict):
        return Skipped(origin, f"expected a JSON object, got {type(obj).__name__}")
    text = _json_text(obj)
    if text is None:
        return Skipped(origin, "no article text (expected a 'text', 'body' or 'content' field)")
    meta: dict[str, str | None] = {}
    for name, keys in _META_KEYS.items():
        value = next((v for k in keys if (v := _meta_value(obj.get(k))) is not None), None)
        if value is not None:
            meta[name] = value
    if len(_HTML_TAG.findall(text)) >= 2:
        text, html_meta = extract_html(text, meta.get("url"))
        for key, value in html_meta.items():
            meta.setdefault(key, value)
    return RawDocument(origin=origin, text=text, meta=meta, kind="json")


def _read_json(text: str, origin: str) -> Iterator[RawDocument | Skipped]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Skipped(origin, f"invalid JSON on line {exc.lineno}: {exc.msg}")
        return
    if isinstance(data, list):
        if not data:
            yield Skipped(origin, EMPTY)
        for n, item in enumerate(data, 1):
            yield _from_json_object(item, f"{origin}#{n}")
    else:
        yield _from_json_object(data, origin)


def _read_jsonl(text: str, origin: str) -> Iterator[RawDocument | Skipped]:
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{origin}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(where, f"invalid JSON on line {n}: {exc.msg}")
            continue
        yield _from_json_object(obj, where)


# --- files ----------------------------------------------------------------------------------


def _documents_from_text(text: str, origin: str, suffix: str) -> Iterator[RawDocument | Skipped]:
    if not text.strip():
        yield Skipped(origin, EMPTY)
    elif suffix in JSON_SUFFIXES:
        yield from _read_json(text, origin)
    elif suffix in JSONL_SUFFIXES:
        yield from _read_jsonl(text, origin)
    elif suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and _HTML_START.match(text)):
        yield _html_document(text, origin, "html", None)
    else:
        yield RawDocument(origin=origin, text=text, meta={}, kind="text")


def _html_document(markup: str, origin: str, kind: str, url: str | None) -> RawDocument | Skipped:
    text, meta = extract_html(markup, url)
    if url:
        meta["url"] = url  # where it was really fetched from beats what the page claims
    if not text.strip():
        return Skipped(origin, "no text found in HTML")
    return RawDocument(origin=origin, text=text, meta=dict(meta), kind=kind)


def _read_file(path: Path, origin: str) -> Iterator[RawDocument | Skipped]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Skipped(origin, f"cannot read: {exc.strerror or exc}")
        return
    if not data.strip():
        yield Skipped(origin, EMPTY)
        return
    text = _decode(data)
    if text is None:
        yield Skipped(origin, BINARY)
        return
    yield from _documents_from_text(text, origin, path.suffix.lower())


def _walk(folder: Path) -> Iterator[Path]:
    """Supported files under a folder, recursively, in sorted order, hidden ones left out."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield path


# --- URLs -----------------------------------------------------------------------------------


def _short_error(exc: httpx.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.ConnectError):
        detail = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)).strip() or "connection failed"
        return "connection refused" if "refused" in detail.lower() else f"cannot connect: {detail}"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return f"invalid URL: {exc}"
    return f"{type(exc).__name__}: {exc}".strip(": ")


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.I)
    return m.group(1) if m else None


def _decode_response(body: bytes, content_type: str, is_html: bool) -> str | None:
    """Text of a response: its declared charset, else UTF-8, else (HTML) the <meta charset>."""
    charset = _charset(content_type)
    if charset is None and is_html:
        m = re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", body[:4096], re.I)
        charset = m.group(1).decode("ascii") if m else None
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        try:
            return _normalise_newlines(body.decode(charset, errors="replace"))
        except LookupError:
            pass
    return _decode(body)


class _TooLarge(Exception):
    pass


def _download(client: httpx.Client, url: str, max_bytes: int) -> tuple[httpx.Response, bytes]:
    with client.stream("GET", url) as response:
        if not response.is_success:
            return response, b""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise _TooLarge
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _TooLarge
            chunks.append(chunk)
        return response, b"".join(chunks)


def _read_url(
    client: httpx.Client, url: str, timeout: float, max_bytes: int
) -> Iterator[RawDocument | Skipped]:
    try:
        response, body = _download(client, url, max_bytes)
    except _TooLarge:
        yield Skipped(url, f"response larger than {max_bytes} bytes")
        return
    except httpx.HTTPError as exc:
        yield Skipped(url, _short_error(exc, timeout))
        return
    if not response.is_success:
        yield Skipped(url, f"HTTP {response.status_code}")
        return
    final_url = str(response.url)
    content_type = response.headers.get("content-type", "").lower()
    kind = _response_kind(content_type, body)
    if kind is None:
        yield Skipped(url, f"unsupported content type {content_type.split(';')[0].strip()}")
        return
    text = _decode_response(body, content_type, kind == "html")
    if text is None:
        yield Skipped(url, "binary or non-UTF-8 response")
    elif not text.strip():
        yield Skipped(url, EMPTY)
    elif kind == "html":
        yield _html_document(text, url, "url", final_url)
    elif kind == "json":
        for doc in _read_json(text, url):
            if isinstance(doc, RawDocument):
                doc.meta.setdefault("url", final_url)
            yield doc
    else:
        yield RawDocument(origin=url, text=text, meta={"url": final_url}, kind="url")


def _response_kind(content_type: str, body: bytes) -> str | None:
    """"html", "json" or "text" by the Content-Type (sniffed when there is none); None for
    anything else (images, PDFs, archives)."""
    if not content_type:
        return "html" if _HTML_START.match(body[:512].decode("latin-1")) else "text"
    if "html" in content_type:
        return "html"
    if "json" in content_type:
        return "json"
    if content_type.startswith("text/"):
        return "text"
    return None


# --- entry point ----------------------------------------------------------------------------


def _check_inputs(inputs: Sequence[str]) -> None:
    missing = [i for i in inputs if not _URL.match(i) and not Path(i).exists()]
    if missing:
        raise InputError(f"No such file or directory: {', '.join(missing)}")


def iter_documents(
    inputs: Sequence[str], *, fetch_timeout: float = 20.0, max_bytes: int = 10_000_000
) -> Iterator[RawDocument | Skipped]:
    """Expand inputs (files, folders recursively, http(s) URLs) into documents. Never raises
    for one bad file: yields Skipped and goes on. Raises InputError only when an input path
    does not exist at all (message names it)."""
    if isinstance(inputs, str):
        inputs = [inputs]  # a lone path would otherwise be read character by character
    _check_inputs(inputs)
    client: httpx.Client | None = None
    try:
        for item in inputs:
            if _URL.match(item):
                if client is None:
                    client = httpx.Client(
                        follow_redirects=True, timeout=fetch_timeout, headers={"User-Agent": USER_AGENT}
                    )
                yield from _read_url(client, item, fetch_timeout, max_bytes)
                continue
            path = Path(item)
            if path.is_dir():
                for child in _walk(path):
                    yield from _read_file(child, str(child))
            elif path.is_file():
                yield from _read_file(path, item)
            else:
                yield Skipped(item, "not a regular file")
    finally:
        if client is not None:
            client.close()

