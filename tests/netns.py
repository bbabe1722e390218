"""Hosts for tests of several machines: each service host a network namespace (``ip netns``, iproute2)
joined to this one by a veth pair, and the database host a third address here.
Where namespaces are not permitted (no root, no CAP_SYS_ADMIN, no iproute2), every host is loopback and
``Hosts.mode`` says so, for the test to report which ran.

    10.231.1.2 (netns A) --veth-- 10.231.1.1 \\
                                              this namespace: PostgreSQL and Chroma on 10.231.9.1
    10.231.2.2 (netns B) --veth-- 10.231.2.1 /
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

DB_ADDR = "10.231.9.1"
CLIENTS = "10.231.0.0/16"


@dataclass
class Host:
    addr: str
    prefix: list[str] = field(default_factory=list)  # what runs a command on this host


@dataclass
class Hosts:
    mode: str  # "netns" or "loopback"
    db: str
    clients: str | None
    services: list[Host]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def _tag() -> str:
    return f"cw{os.getpid() % 100000}"


def _namespaces(n: int) -> tuple[Hosts, list[list[str]]]:
    """The hosts, and the commands that undo them; CalledProcessError (after undoing) when the kernel or
    the container refuses a step (no veth, no CAP_NET_ADMIN)."""
    tag = _tag()
    undo: list[list[str]] = []
    try:
        hosts = []
        for i in range(1, n + 1):
            ns, here, there = f"{tag}h{i}", f"{tag}v{i}", f"{tag}p{i}"
            _ip("netns", "add", ns)
            undo.append(["ip", "netns", "del", ns])
            _ip("link", "add", here, "type", "veth", "peer", "name", there)
            undo.insert(0, ["ip", "link", "del", here])
            _ip("link", "set", there, "netns", ns)
            _ip("addr", "add", f"10.231.{i}.1/24", "dev", here)
            _ip("link", "set", here, "up")
            for args in (("addr", "add", f"10.231.{i}.2/24", "dev", there), ("link", "set", there, "up"),
                         ("link", "set", "lo", "up"), ("route", "add", "default", "via", f"10.231.{i}.1")):
                _ip("netns", "exec", ns, "ip", *args)
            hosts.append(Host(f"10.231.{i}.2", ["ip", "netns", "exec", ns]))
        # the database host's address, on this side of the first pair: an address is the whole namespace's,
        # so every host reaches it (no dummy interface needed, which some kernels lack)
        _ip("addr", "add", f"{DB_ADDR}/32", "dev", f"{tag}v1")
        return Hosts("netns", DB_ADDR, CLIENTS, hosts), undo
    except (subprocess.CalledProcessError, OSError):
        _undo(undo)
        raise


def _undo(commands: list[list[str]]) -> None:
    for cmd in commands:
        subprocess.run(cmd, capture_output=True, timeout=30)


def _permitted() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    probe = f"{_tag()}probe"
    ok = subprocess.run(["ip", "netns", "add", probe], capture_output=True, timeout=30).returncode == 0
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=30)
    return ok


@contextmanager
def hosts(n: int = 2) -> Iterator[Hosts]:
    """``n`` service hosts and a database host: namespaces when permitted, else loopback."""
    made = None
    if _permitted():
        try:
            made = _namespaces(n)
        except (subprocess.CalledProcessError, OSError):
            made = None
    if made is None:
        yield Hosts("loopback", "127.0.0.1", None, [Host("127.0.0.1") for _ in range(n)])
        return
    try:
        yield made[0]
    finally:
        _undo(made[1])
