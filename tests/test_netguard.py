"""URL ingestion never reaches the server's own network (SSRF): non-public addresses are refused by
address, after DNS resolution and after redirects, unless an operator allows them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ingest.fetch import FetchError, fetch
from ingest.netguard import non_public, public_only_transport
from ingest.sources import Skipped, iter_documents


@pytest.mark.parametrize("ip, kind", [
    ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.10", "private"), ("fc00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fd00:ec2::254", "private"),
    ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"), ("100.64.0.1", "non-public"),
    ("8.8.8.8", None), ("93.184.216.34", None), ("2001:4860:4860::8888", None),
])
def test_addresses_are_classified(ip, kind):
    assert non_public(ip) == kind


class _Pages(BaseHTTPRequestHandler):
    target = ""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", _Pages.target)
            self.end_headers()
            return
        body = b"<html><head><title>Inside</title></head><body><p>Internal only text.</p></body></html>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def local() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_a_url_on_the_servers_own_network_is_skipped(local, host):
    port = local.rsplit(":", 1)[1]
    url = f"http://{host}:{port}/page"
    [skip] = list(iter_documents([url]))
    assert isinstance(skip, Skipped) and skip.reason.startswith("not allowed:")
    assert "loopback" in skip.reason and "CITEWISE_ALLOW_PRIVATE_URLS=true" in skip.reason


def test_an_operator_may_allow_private_addresses(local):
    [doc] = list(iter_documents([f"{local}/page"], allow_private=True))
    assert "Internal only text." in doc.text


def test_a_redirect_into_the_private_network_is_refused(local):
    # the first hop (127.0.0.1) stands for a public site; the redirect goes to 127.0.0.2, refused
    port = local.rsplit(":", 1)[1]
    _Pages.target = f"http://127.0.0.2:{port}/page"

    def policy(ip: str) -> str | None:
        return None if ip == "127.0.0.1" else non_public(ip)

    with httpx.Client(transport=public_only_transport(policy), follow_redirects=True) as client:
        assert "Internal only" in fetch(client, f"{local}/page", timeout=5, max_bytes=10_000).text
        with pytest.raises(FetchError, match=r"not allowed: 127\.0\.0\.2 is a loopback address"):
            fetch(client, f"{local}/redirect", timeout=5, max_bytes=10_000)


def test_the_ingest_api_refuses_private_urls_unless_allowed(make_client, local):
    r = make_client().post("/v1/ingest", json={"urls": [f"{local}/page"]})
    assert r.status_code == 200 and r.json()["added"] == []
    assert r.json()["skipped"][0]["reason"].startswith("not allowed: 127.0.0.1 is a loopback address")


def test_the_ingest_api_fetches_private_urls_when_the_operator_allows(make_client, local):
    r = make_client(allow_private_urls=True).post("/v1/ingest", json={"urls": [f"{local}/page"]})
    assert len(r.json()["added"]) == 1
