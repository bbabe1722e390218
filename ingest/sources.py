"""Read articles from files, folders and URLs into ``RawDocument``s.

Supported: plain text (.txt, .md), HTML (.html, .htm), JSON (one article object or a
list of them) and JSON Lines (one article a line), and http(s) URLs. This module expands
the inputs into files and URLs; ``ingest.readers`` picks the reader for each one's format
and ``ingest.fetch`` downloads URLs.

One unreadable input never stops the others: it becomes a ``Skipped`` with a short
reason. Only an input path that does not exist at all raises ``InputError``, before
anything is read, because that is a typo the user wants to hear about at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from assistant.errors import InputError
from ingest.decode import decode
from ingest.documents import EMPTY, RawDocument, Skipped
from ingest.fetch import FetchError, fetch, make_client
from ingest.readers import SUPPORTED_SUFFIXES, get_reader, reader_for_suffix
from ingest.readers.html import extract_html

# extract_html lives in ingest.readers.html; it is re-exported because callers import it from here
__all__ = ["RawDocument", "Skipped", "iter_documents", "extract_html"]

BINARY = "binary or non-UTF-8 file"

_URL = re.compile(r"^https?://", re.I)


# --- files ----------------------------------------------------------------------------------


def _read_file(path: Path, origin: str) -> Iterator[RawDocument | Skipped]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Skipped(origin, f"cannot read: {exc.strerror or exc}")
        return
    if not data.strip():
        yield Skipped(origin, EMPTY)
        return
    text = decode(data)
    del data  # this generator is suspended while its article is embedded: the raw bytes must not wait with it
    if text is None:
        yield Skipped(origin, BINARY)
    elif not text.strip():  # blank once decoded: a lone BOM, Unicode spaces
        yield Skipped(origin, EMPTY)
    else:
        yield from reader_for_suffix(path.suffix, text).read(text, origin)


def _walk(folder: Path) -> Iterator[Path]:
    """Supported files under a folder, recursively, in sorted order, hidden ones left out."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield path


# --- URLs -----------------------------------------------------------------------------------


def _read_url(
    client: httpx.Client, url: str, timeout: float, max_bytes: int
) -> Iterator[RawDocument | Skipped]:
    try:
        page = fetch(client, url, timeout=timeout, max_bytes=max_bytes)
    except FetchError as exc:
        yield Skipped(url, exc.reason)
        return
    yield from get_reader(page.kind).read(page.text, url, page.final_url)


# --- entry point ----------------------------------------------------------------------------


def _check_inputs(inputs: Sequence[str]) -> None:
    missing = [i for i in inputs if not _URL.match(i) and not Path(i).exists()]
    if missing:
        raise InputError(f"No such file or directory: {', '.join(missing)}")


def iter_documents(
    inputs: Sequence[str], *, fetch_timeout: float = 20.0, max_bytes: int = 10_000_000, allow_private: bool = False
) -> Iterator[RawDocument | Skipped]:
    """Expand inputs (files, folders recursively, http(s) URLs) into documents. Never raises
    for one bad file: yields Skipped and goes on. Raises InputError only when an input path
    does not exist at all (message names it). URLs on non-public addresses are skipped unless
    ``allow_private``."""
    if isinstance(inputs, str):
        inputs = [inputs]  # a lone path would otherwise be read character by character
    _check_inputs(inputs)
    client: httpx.Client | None = None
    try:
        for item in inputs:
            if _URL.match(item):
                if client is None:
                    client = make_client(fetch_timeout, allow_private=allow_private)
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
