"""What a reader is: a name, the file suffixes and HTTP content types it reads, and its ``read`` function.

Apart from the registry in ``ingest.readers`` so that each format's module can declare its own ``Reader``
without importing the registry that imports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from ingest.documents import RawDocument, Skipped

__all__ = ["ReadFunction", "Reader"]


class ReadFunction(Protocol):
    def __call__(self, text: str, origin: str, url: str | None = None) -> Iterator[RawDocument | Skipped]:
        """The documents in ``text`` (never blank), read from ``origin``; ``url`` is the address the text
        was fetched from after redirects, None for a file."""
        ...


@dataclass(frozen=True)
class Reader:
    """One input format."""

    name: str  # what ingest.fetch.Page.kind holds for a response this reader reads
    suffixes: frozenset[str]  # lowercase, with the dot
    # Markers of the content types it reads. One ending in "/" is a top-level type the header must open
    # with ("text/"); any other may stand anywhere in it, as "html" does in application/xhtml+xml
    content_types: tuple[str, ...]
    read: ReadFunction

    def reads_content_type(self, content_type: str) -> bool:
        """True when a response with this (lowercase) Content-Type header is of this reader's format."""
        return any(content_type.startswith(m) if m.endswith("/") else m in content_type for m in self.content_types)
