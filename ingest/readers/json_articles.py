"""Articles from JSON (.json, json responses: one article object or a list of them) and JSON Lines (.jsonl:
one a line).

The text is taken from a ``text``, ``body`` or ``content`` field, metadata from the
common field names for it. Text that is really HTML markup is extracted like a page.
One bad item or line becomes a ``Skipped``; the others are still read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ingest.decode import normalise_newlines
from ingest.documents import EMPTY, RawDocument, Skipped
from ingest.readers.base import Reader
from ingest.readers.html import extract_html
from ingest.urls import web_url

__all__ = ["JSONL_READER", "JSON_READER", "read_json", "read_jsonl"]

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


def _field_value(name: str, value: Any) -> str | None:
    """A field's value as kept; a "url" that is no web address is dropped, so that a good "link" can stand in."""
    text = _meta_value(value)
    return web_url(text) if name == "url" else text


def _json_text(obj: dict[str, Any]) -> str | None:
    for key in _TEXT_KEYS:
        value = obj.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n\n".join(value)  # a list of paragraphs
        if isinstance(value, str) and value.strip():
            return normalise_newlines(value)
    return None


def _valid_unicode(value: Any) -> bool:
    """False when a string in ``value`` holds a lone surrogate: JSON's ``\\ud800`` escape parses into one, and
    no article text can carry it (it cannot be stored, quoted or sent as UTF-8)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_valid_unicode(k) and _valid_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_valid_unicode(v) for v in value)
    return True


def _from_json_object(obj: Any, origin: str, url: str | None) -> RawDocument | Skipped:
    if not isinstance(obj, dict):
        return Skipped(origin, f"expected a JSON object, got {type(obj).__name__}")
    if not _valid_unicode(obj):
        return Skipped(origin, "not valid Unicode: a lone surrogate escape such as \\ud800")
    text = _json_text(obj)
    if text is None:
        return Skipped(origin, "no article text (expected a 'text', 'body' or 'content' field)")
    meta: dict[str, str | None] = {}
    for name, keys in _META_KEYS.items():
        value = next((v for k in keys if (v := _field_value(name, obj.get(k))) is not None), None)
        if value is not None:
            meta[name] = value
    if len(_HTML_TAG.findall(text)) >= 2:
        text, html_meta = extract_html(text, meta.get("url"))
        for key, value in html_meta.items():
            meta.setdefault(key, value)
    if url:
        # unlike a page, a feed's articles each have an address of their own: the feed's only stands in
        meta.setdefault("url", url)
    return RawDocument(origin=origin, text=text, meta=meta, kind="json")


def read_json(text: str, origin: str, url: str | None = None) -> Iterator[RawDocument | Skipped]:
    """The article of a JSON object, or one per item of a JSON list (origin "path#N"); ``url``, where it was
    fetched from, is the url of an article that names none."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Skipped(origin, f"invalid JSON on line {exc.lineno}: {exc.msg}")
        return
    if isinstance(data, list):
        if not data:
            yield Skipped(origin, EMPTY)
        for n, item in enumerate(data, 1):
            yield _from_json_object(item, f"{origin}#{n}", url)
    else:
        yield _from_json_object(data, origin, url)


def read_jsonl(text: str, origin: str, url: str | None = None) -> Iterator[RawDocument | Skipped]:
    """One article per non-blank line of JSON Lines (origin "path:LINE"); ``url`` as for ``read_json``."""
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{origin}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(where, f"invalid JSON on line {n}: {exc.msg}")
            continue
        yield _from_json_object(obj, where, url)


JSON_READER = Reader(name="json", suffixes=frozenset({".json"}), content_types=("json",), read=read_json)
# no content type of its own: a JSON Lines response is served under a json type, which the JSON reader claims
JSONL_READER = Reader(name="jsonl", suffixes=frozenset({".jsonl"}), content_types=(), read=read_jsonl)
