"""What reading one input gives: a ``RawDocument``, or a ``Skipped`` saying why not.

Kept apart from the readers so that the file, JSON and URL readers can all build them
without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["EMPTY", "RawDocument", "Skipped"]

EMPTY = "empty"  # the Skipped reason for an input with no text at all, whatever its format


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
