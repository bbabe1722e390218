"""Plain text (.txt, .md, text/* responses): the text is the article, as it stands.

Also what an input of no known format is read as when it does not open like an HTML page.
"""

from __future__ import annotations

from collections.abc import Iterator

from ingest.documents import RawDocument, Skipped
from ingest.readers.base import Reader

__all__ = ["READER", "read_text"]


def read_text(text: str, origin: str, url: str | None = None) -> Iterator[RawDocument | Skipped]:
    """One document holding ``text``; a fetched one is of kind "url" and keeps its address."""
    if url:
        yield RawDocument(origin=origin, text=text, meta={"url": url}, kind="url")
    else:
        yield RawDocument(origin=origin, text=text, meta={}, kind="text")


READER = Reader(name="text", suffixes=frozenset({".txt", ".md"}), content_types=("text/",), read=read_text)
