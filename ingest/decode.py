"""Bytes to text: UTF-8 decoding with the BOM dropped and newlines normalised to ``\\n``.

Shared by file reading, URL fetching and HTML extraction, so that every reader hands
on text with the same line endings whatever platform or server produced it.
"""

from __future__ import annotations

__all__ = ["decode", "normalise_newlines"]


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes) -> str | None:
    """UTF-8 text (BOM dropped, newlines normalised), or None for binary data."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return normalise_newlines(text)
