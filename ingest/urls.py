"""Which strings may stand as an article's web address, or be fetched through the API.

An article's ``url`` becomes a link in the page, in Slack and in API clients, so a ``javascript:``
or ``data:`` address taken from a file's header, a page's canonical link or a JSON field would run
in whoever clicks it. Only an absolute http(s) address with a host passes; every reader asks here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["web_url"]

# Matched on the whole string: urlsplit forgives leading blanks and control characters, a browser
# forgives even more, and ingest.sources tells URLs from paths by this same prefix.
_WEB = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.I)


def web_url(value: object) -> str | None:
    """``value`` stripped when it is an absolute http(s) URL with a host, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not _WEB.fullmatch(url):
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket or a port that is not a number
        return None
    return url if host else None
