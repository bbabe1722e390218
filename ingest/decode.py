"""Bytes to text: UTF-8 decoding with the BOM dropped and newlines normalised to ``\\n``; text in a legacy
Western encoding (Windows-1252, a superset of Latin-1 in practice) is read too when it plainly is prose.

Shared by file reading, URL fetching and HTML extraction, so that every reader hands
on text with the same line endings whatever platform or server produced it.
"""

from __future__ import annotations

__all__ = ["decode", "normalise_newlines"]


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


LEGACY_MIN_ASCII_LETTERS = 0.6  # share of letters that must be plain ASCII for a legacy-encoded file


def decode(data: bytes) -> str | None:
    """UTF-8 text (BOM dropped, newlines normalised), Windows-1252 prose, or None for binary data."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _legacy(data)
        if text is None:
            return None
    return normalise_newlines(text)


def _legacy(data: bytes) -> str | None:
    """Windows-1252 text, when the bytes read as prose in it: mostly ASCII letters, with the odd accented
    one (a Latin-1 "café"), no control characters. Random or binary bytes fail that test."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # bytes 0x81, 0x8d, 0x8f, 0x90, 0x9d are unassigned in cp1252
        return None
    if any(ord(ch) < 32 and ch not in "\n\r\t\f" for ch in text):
        return None
    letters = [ch for ch in text if ch.isalpha()]
    if not letters or sum(ch.isascii() for ch in letters) / len(letters) < LEGACY_MIN_ASCII_LETTERS:
        return None
    return text
