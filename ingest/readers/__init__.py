"""The input formats and how to pick one: by a file's suffix, a response's Content-Type, or a reader's name.

Each format's module (``text``, ``html``, ``json_articles``) declares a ``Reader`` with the suffixes and content
types it reads; this registry only looks them up. Text that gives no format of its own (an unknown suffix, a
response with no Content-Type) is read as HTML when it opens like a page, else as plain text.
"""

from __future__ import annotations

from ingest.readers import html, json_articles, text
from ingest.readers.base import Reader

__all__ = ["READERS", "SUPPORTED_SUFFIXES", "Reader", "get_reader", "reader_for_content_type", "reader_for_suffix"]

# The first reader that claims a content type reads it: html and json before text, whose "text/" would
# otherwise take text/html and text/json
READERS: tuple[Reader, ...] = (html.READER, json_articles.JSON_READER, json_articles.JSONL_READER, text.READER)

SUPPORTED_SUFFIXES = frozenset(s for reader in READERS for s in reader.suffixes)

_BY_NAME = {reader.name: reader for reader in READERS}
_BY_SUFFIX = {s: reader for reader in READERS for s in reader.suffixes}


def get_reader(name: str) -> Reader:
    """The reader called ``name`` (as ``ingest.fetch.Page.kind`` holds it); ValueError lists the valid names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown reader {name!r}; choose one of: {', '.join(_BY_NAME)}") from None


def _sniff(head: str) -> Reader:
    return html.READER if html.looks_like_html(head) else text.READER


def reader_for_suffix(suffix: str, text: str) -> Reader:
    """The reader for a file with this suffix (".txt"; any case); for an unknown one, by what its ``text``
    looks like."""
    return _BY_SUFFIX.get(suffix.lower()) or _sniff(text)


def reader_for_content_type(content_type: str, head: str) -> Reader | None:
    """The reader for a response with this Content-Type header, by what ``head`` looks like when there is
    none; None for a type no reader reads (images, PDFs, archives)."""
    content_type = content_type.lower()
    if not content_type:
        return _sniff(head)
    return next((reader for reader in READERS if reader.reads_content_type(content_type)), None)
