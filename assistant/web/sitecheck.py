"""``SiteCheck``: who may drive the server from a browser. Two checks, in one pure ASGI middleware (it reads
headers only, never the body, so streamed answers and the body limits are untouched).

Host (DNS rebinding). A page on ``evil.example`` whose name is re-pointed at 127.0.0.1 is same-origin with
the local server in the browser's eyes, and can read every route; but its requests say
``Host: evil.example:PORT``. So the Host must name the address the server listens on (with the loopback
aliases 127.0.0.1 / localhost / [::1] when that is loopback, and the address the connection reached when it
listens on 0.0.0.0), or be in ``CITEWISE_ALLOWED_HOSTS`` (``name`` or ``name:port``, ``*`` for any: behind a
proxy that forwards the public name). Otherwise 421 Misdirected Request: the request is well-formed but
aimed at an authority this server does not answer for (RFC 9110 15.5.20), which tells a client to fix the
address rather than the request (400 would say the request itself is broken).

Cross-site writes (CSRF). With no API keys the API has no credential a browser could be made to send, so any
page the user opens can post to it: a ``no-cors`` fetch or a plain form needs no permission, only its answer
stays unreadable. In open mode a write (any method but GET/HEAD/OPTIONS) that carries no valid bearer key is
refused (403 forbidden) when the browser says it comes from another site (``Sec-Fetch-Site: cross-site`` or
``same-site``), when its ``Origin`` is neither this server's nor in ``CITEWISE_CORS_ORIGINS``, or when it is a
POST a page could send without CORS permission: neither ``application/json`` nor the ``X-Citewise`` header
(no-cors requests carry only form, multipart and text/plain bodies and safelisted headers; the check catches
browsers that send no Origin or Sec-Fetch-Site). PUT, PATCH and DELETE are always preflighted, so a page
cannot send them without CORS consent; and a browser saying ``Sec-Fetch-Site: same-origin`` (a header pages
cannot set) is believed, so the API docs' "Try it out" upload works. With API keys set every write route
needs a key, which browsers never attach on their own: the key is the CSRF defence and this check stands
aside; the Host check applies in both modes.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.errors import ConfigError

log = logging.getLogger("citewise.web")

CSRF_HEADER = "X-Citewise"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POST /slack/events comes from Slack's servers, not from a browser: no Origin, a form body, and the public
# name Slack was given as Host. Bolt checks every request's X-Slack-Signature (an HMAC with
# SLACK_SIGNING_SECRET) before acting on it, which no web page can forge, so neither check applies there.
EXEMPT_PATHS = frozenset({"/slack/events"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")

Address = tuple[str, int | None]


def normalise_name(name: str) -> str | None:
    """A host name lower-cased without its trailing dot, an IP in its canonical form; None if neither."""
    name = name.strip().lower().rstrip(".")
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return name if _NAME.fullmatch(name) else None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:  # a dual-stack socket's view of IPv4
        ip = ip.ipv4_mapped
    return str(ip)


def parse_host(value: str) -> Address | None:
    """``name``, ``name:port``, ``[v6]`` or ``[v6]:port`` (a bare v6 address too) -> (name, port); None if
    malformed."""
    value = value.strip()
    port: str | None = None
    if value.startswith("["):
        name, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            return None
        port = rest[1:] if rest else None
    elif value.count(":") == 1:
        name, port = value.split(":")
    else:
        name = value
    norm = normalise_name(name)
    if norm is None or (port is not None and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536)):
        return None
    return norm, int(port) if port is not None else None


def _is_loopback(name: str) -> bool:
    try:
        return name == "localhost" or ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def own_addresses(listen: tuple[str, int] | None, server: tuple[str, int | None] | None) -> set[tuple[str, int]]:
    """The (name, port) pairs a Host may name: the listen address (the literal one too, e.g. 0.0.0.0, as
    ``citewise serve`` prints it), the local address the connection reached, and the loopback aliases."""
    candidates: list[str] = []
    port = None
    if listen:
        candidates.append(listen[0])
        port = listen[1]
    if server and server[1] is not None:
        candidates.append(str(server[0]))
        port = port or server[1]
    if port is None:
        return set()
    names = {n for n in map(normalise_name, candidates) if n}
    if any(_is_loopback(n) for n in names):
        names |= LOOPBACK_NAMES
    return {(n, port) for n in names}


def host_allowed(host: Address, *, scheme: str, own: set[tuple[str, int]], allowed: AllowedHosts) -> bool:
    name, port = host
    port = port or DEFAULT_PORTS.get(scheme, 80)
    return allowed.any or (name, port) in own or allowed.names(name, port)


@dataclass(frozen=True)
class AllowedHosts:
    """``CITEWISE_ALLOWED_HOSTS``: any host (``*``), or entries ``name`` (any port) / ``name:port``."""

    any: bool = False
    entries: tuple[Address, ...] = ()

    @classmethod
    def parse(cls, value: str) -> AllowedHosts:
        """ConfigError for a malformed entry, at start-up: a typo should not lock everyone out in silence."""
        items = [e.strip() for e in value.split(",") if e.strip()]
        if "*" in items:
            return cls(any=True)
        entries = []
        for item in items:
            host = parse_host(item)
            if host is None:
                raise ConfigError(f"CITEWISE_ALLOWED_HOSTS: {item!r} is not a host name, an address or host:port")
            entries.append(host)
        return cls(entries=tuple(entries))

    def names(self, name: str, port: int) -> bool:
        return any(name == n and p in (None, port) for n, p in self.entries)


class SiteCheck:
    """421 for a Host this server does not answer to; 403 for a write from another site (see the module)."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: AllowedHosts, cors_origins: Iterable[str],
                 keys: frozenset[str], open_mode: bool, listen: tuple[str, int] | None = None) -> None:
        self.app = app
        self.allowed = allowed_hosts
        origins = {o.strip().rstrip("/").lower() for o in cors_origins if o.strip()}
        self.any_origin = "*" in origins
        self.cors = origins - {"*"}
        self.keys = [k.encode() for k in keys]
        self.open_mode = open_mode
        self.listen = listen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        hosts: list[str] = []
        for k, v in scope.get("headers") or []:
            name, value = k.decode("latin-1").lower(), v.decode("latin-1")
            if name == "host":
                hosts.append(value)
            headers.setdefault(name, value)
        host, problem = self._check_host(scope, hosts)
        if problem:
            log.warning("refused %s %s: %s", scope["method"], scope.get("path"), problem)
            await _refuse(send, 421, "misdirected_request", problem)
            return
        if self.open_mode and scope["method"] not in SAFE_METHODS and not self._has_key(headers):
            problem = self._cross_site(scope, headers, host)
            if problem:
                log.warning("refused %s %s: %s", scope["method"], scope.get("path"), problem)
                await _refuse(send, 403, "forbidden", problem)
                return
        await self.app(scope, receive, send)

    def _check_host(self, scope: Scope, hosts: list[str]) -> tuple[Address | None, str | None]:
        if not hosts:  # HTTP/1.0 without Host: no browser sends that, and rebinding always names its host
            return None, None
        host = parse_host(hosts[0]) if len(hosts) == 1 else None
        shown = json.dumps(", ".join(hosts)[:200])
        if host is None:
            return None, f"the Host header {shown} is not one host name or address"
        own = own_addresses(self.listen, scope.get("server"))
        if not own and not self.allowed.entries:  # no TCP address to compare with (a Unix socket behind a proxy)
            return host, None
        if host_allowed(host, scheme=scope.get("scheme", "http"), own=own, allowed=self.allowed):
            return host, None
        return host, (f"this server does not answer to the host name {shown} (a guard against DNS rebinding); "
                      "to reach it by that name set CITEWISE_ALLOWED_HOSTS")

    def _has_key(self, headers: dict[str, str]) -> bool:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return False
        key_b = key.strip().encode()
        # every key compared, in constant time, as in deps.require_key
        return any([hmac.compare_digest(key_b, k) for k in self.keys])

    def _cross_site(self, scope: Scope, headers: dict[str, str], host: Address | None) -> str | None:
        origin = headers.get("origin")
        listed = origin is not None and (self.any_origin or origin.strip().rstrip("/").lower() in self.cors)
        if origin is not None and not listed and not self._own_origin(origin, host):
            return (f"a request from the page {json.dumps(origin[:200])} may not change anything here: only this "
                    "server's own pages and CITEWISE_CORS_ORIGINS may (API clients send no Origin)")
        site = headers.get("sec-fetch-site", "").strip().lower()
        if site in ("cross-site", "same-site") and not listed:
            return (f"a {site} request from a web page may not change anything here: only this server's own "
                    "pages and CITEWISE_CORS_ORIGINS may")
        if scope["method"] == "POST" and site != "same-origin":
            ctype = headers.get("content-type", "").partition(";")[0].strip().lower()
            if ctype != "application/json" and CSRF_HEADER.lower() not in headers:
                return (f"send the body as application/json, or add the header {CSRF_HEADER}: 1 (uploads): "
                        "a plain form or text post could come from any web page")
        return None

    def _own_origin(self, origin: str, host: Address | None) -> bool:
        """The Origin names the Host this request was sent to (validated above), or an allowed host. The scheme
        is not compared: behind a TLS proxy the page is https while the server sees http."""
        try:
            parts = urlsplit(origin.strip())
            name, port = normalise_name(parts.hostname or ""), parts.port
        except ValueError:
            return False
        if not name or parts.scheme not in ("http", "https"):
            return False
        port = port or DEFAULT_PORTS[parts.scheme]
        if host is not None and (host[0], host[1] or DEFAULT_PORTS[parts.scheme]) == (name, port):
            return True
        return self.allowed.names(name, port)


async def _refuse(send: Send, status: int, kind: str, message: str) -> None:
    body = json.dumps({"error": {"type": kind, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
