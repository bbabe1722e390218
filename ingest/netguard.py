"""Keep URL ingestion out of the server's own network (SSRF).

Every connection a fetch makes, the first and each redirect's, resolves the host itself, refuses it if any
address is not a public one (loopback, private, link-local such as the cloud metadata service at
169.254.169.254, unique-local, carrier-grade NAT, multicast, reserved), and then connects to the very
address it checked, so a DNS answer that changes between the check and the connection cannot slip
through. TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

ALLOW_SETTING = "CITEWISE_ALLOW_PRIVATE_URLS=true"


def non_public(ip: str) -> str | None:
    """Why ``ip`` is not a public address (e.g. "loopback"), or None when it is public."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(addr, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if addr.is_global else "non-public"


def resolve_public(host: str, port: int, policy: Callable[[str], str | None] = non_public) -> str:
    """A public address of ``host``; httpcore.ConnectError (with the reason) if it has a non-public one.
    ``policy`` says why an address is refused (None: allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    ips = list(dict.fromkeys(info[4][0] for info in infos))
    for ip in ips:
        kind = policy(ip)
        if kind:
            raise httpcore.ConnectError(f"not allowed: {host} is a {kind} address ({ip}); "
                                        f"an operator can allow it with {ALLOW_SETTING}")
    if not ips:
        raise httpcore.ConnectError(f"cannot resolve {host}")
    return ips[0]


class PublicOnlyBackend(httpcore.SyncBackend):
    """Connects only to addresses the policy allows, to the one it checked."""

    def __init__(self, policy: Callable[[str], str | None] = non_public) -> None:
        self.policy = policy

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        ip = resolve_public(host, port, self.policy)
        return super().connect_tcp(ip, port, timeout, local_address, socket_options)


def public_only_transport(policy: Callable[[str], str | None] = non_public) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport()
    # the pool is where httpx keeps its network backend; this swaps in the checking one
    transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                              network_backend=PublicOnlyBackend(policy))
    return transport
