"""Fetch http(s) URLs as text, within a size and a time limit.

A URL that gives no usable text (an HTTP error, a timeout, a refused connection, an
image, a response over the size cap) raises ``FetchError`` whose ``reason`` is one
short line, ready to be shown to the user as why the URL was skipped.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx

from ingest.decode import decode, normalise_newlines
from ingest.documents import EMPTY
from ingest.netguard import public_only_transport
from ingest.readers import reader_for_content_type

__all__ = ["USER_AGENT", "FetchError", "Page", "fetch", "make_client"]

USER_AGENT = "citewise/0.1"


@dataclass(frozen=True)
class Page:
    """A fetched response's text and what it is."""

    text: str  # decoded, newlines normalised, never blank
    kind: str  # the name of its reader in ingest.readers: "html" | "json" | "text"
    final_url: str  # after redirects


class FetchError(Exception):
    """A URL that gave no usable text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _TooLarge(Exception):
    pass


def make_client(timeout: float, *, allow_private: bool = False) -> httpx.Client:
    """An HTTP client that follows redirects and says it is citewise; unless ``allow_private``, it connects
    to public addresses only (see ingest.netguard)."""
    transport = None if allow_private else public_only_transport()
    return httpx.Client(follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT},
                        transport=transport, max_redirects=5)


def _short_error(exc: httpx.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.ConnectError):
        detail = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)).strip() or "connection failed"
        if detail.startswith("not allowed:"):
            return detail
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
            return normalise_newlines(body.decode(charset, errors="replace"))
        except LookupError:
            pass
    return decode(body)


def _download(client: httpx.Client, url: str, max_bytes: int, timeout: float) -> tuple[httpx.Response, bytes]:
    # the client's timeout is per read: a server dripping bytes would never trip it; this caps the whole
    deadline = time.monotonic() + timeout * 3
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
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the whole download took too long")
            chunks.append(chunk)
        return response, b"".join(chunks)


def fetch(client: httpx.Client, url: str, *, timeout: float, max_bytes: int) -> Page:
    """The text of ``url``. ``timeout`` is the client's, named in the reason when it runs out.
    Raises FetchError for anything that gives no usable text."""
    try:
        response, body = _download(client, url, max_bytes, timeout)
    except _TooLarge:
        raise FetchError(f"response larger than {max_bytes} bytes") from None
    except httpx.InvalidURL as exc:  # not an HTTPError in httpx 0.28
        raise FetchError(f"invalid URL: {exc}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(_short_error(exc, timeout)) from exc
    if not response.is_success:
        raise FetchError(f"HTTP {response.status_code}")
    content_type = response.headers.get("content-type", "").lower()
    reader = reader_for_content_type(content_type, body[:512].decode("latin-1"))
    if reader is None:
        raise FetchError(f"unsupported content type {content_type.split(';')[0].strip()}")
    text = _decode_response(body, content_type, reader.name == "html")
    if text is None:
        raise FetchError("binary or non-UTF-8 response")
    if not text.strip():
        raise FetchError(EMPTY)
    return Page(text=text, kind=reader.name, final_url=str(response.url))
