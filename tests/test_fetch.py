"""ingest.fetch: http(s) URLs as documents, within size and time caps, failures as one-line reasons.

URLs are served by a real http.server on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest.fetch import FetchError, Page, fetch, make_client
from ingest.sources import RawDocument, Skipped
from tests.inputs import ARTICLE_HTML, KEY_SENTENCE, collect, write


class _Handler(BaseHTTPRequestHandler):
    seen_user_agents: list[str] = []

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen_user_agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/article.html":
            self._send(200, ARTICLE_HTML.encode(), "text/html; charset=utf-8")
        elif self.path == "/plain.txt":
            self._send(200, b"Plain text article.\r\nSecond line.", "text/plain; charset=utf-8")
        elif self.path == "/latin1.txt":
            self._send(200, "Caf\u00e9 cr\u00e8me.".encode("latin-1"), "text/plain; charset=iso-8859-1")
        elif self.path == "/feed.json":
            self._send(200, json.dumps({"title": "J", "text": "JSON body."}).encode(), "application/json")
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/article.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big-declared":
            self._send(200, b"x" * 5000, "text/plain")
        elif self.path == "/big-streamed":
            self._send(200, b"y" * 5000, "text/plain", length=False)  # no Content-Length: counted while read
        elif self.path == "/image.png":
            self._send(200, b"\x89PNG\r\n\x1a\n", "image/png")
        elif self.path == "/slow":
            time.sleep(1.5)
            self._send(200, b"late", "text/plain")
        else:
            self._send(404, b"not here", "text/plain")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/article.html"


def test_html_page_served_over_http_is_extracted_with_title_and_final_url(server):
    [doc] = collect([f"{server}/article.html"])
    assert isinstance(doc, RawDocument)
    assert doc.kind == "url"
    assert doc.origin == f"{server}/article.html"
    assert KEY_SENTENCE in doc.text
    assert doc.meta["title"] == "Harbour bridge reopens after repairs"
    assert doc.meta["url"] == f"{server}/article.html"


def test_redirect_is_followed_and_meta_url_is_the_final_url(server):
    [doc] = collect([f"{server}/redirect"])
    assert isinstance(doc, RawDocument)
    assert doc.origin == f"{server}/redirect"
    assert doc.meta["url"] == f"{server}/article.html"


def test_plain_text_response_is_read_as_text(server):
    [doc] = collect([f"{server}/plain.txt"])
    assert doc == RawDocument(
        origin=f"{server}/plain.txt", text="Plain text article.\nSecond line.",
        meta={"url": f"{server}/plain.txt"}, kind="url",
    )


def test_text_response_in_declared_charset_is_decoded(server):
    [doc] = collect([f"{server}/latin1.txt"])
    assert doc.text == "Caf\u00e9 cr\u00e8me."


def test_json_response_is_read_as_an_article(server):
    [doc] = collect([f"{server}/feed.json"])
    assert (doc.text, doc.meta["title"], doc.meta["url"]) == ("JSON body.", "J", f"{server}/feed.json")


def test_requests_say_they_come_from_citewise(server):
    _Handler.seen_user_agents.clear()
    collect([f"{server}/plain.txt"])
    assert _Handler.seen_user_agents == ["citewise/0.1"]


@pytest.mark.parametrize(
    ("path", "kwargs", "reason"),
    [
        ("/missing", {}, "HTTP 404"),
        ("/big-declared", {"max_bytes": 1000}, "response larger than 1000 bytes"),
        ("/big-streamed", {"max_bytes": 1000}, "response larger than 1000 bytes"),
        ("/image.png", {}, "unsupported content type image/png"),
        ("/slow", {"fetch_timeout": 0.3}, "timed out after 0.3s"),
    ],
)
def test_unusable_url_is_skipped_with_reason(server, path, kwargs, reason):
    assert collect([f"{server}{path}"], **kwargs) == [Skipped(f"{server}{path}", reason)]


def test_unreachable_url_is_skipped_and_the_next_input_still_read(server, tmp_path):
    url = closed_port_url()
    f = write(tmp_path / "a.txt", "Still read.")
    docs = collect([url, str(f)])
    assert docs[0] == Skipped(url, "connection refused")
    assert docs[1].text == "Still read."


def test_fetch_gives_the_decoded_text_its_kind_and_the_url_after_redirects(server):
    with make_client(5.0, allow_private=True) as client:
        page = fetch(client, f"{server}/redirect", timeout=5.0, max_bytes=1_000_000)
    assert page == Page(text=ARTICLE_HTML, kind="html", final_url=f"{server}/article.html")


def test_fetch_failure_raises_fetch_error_with_the_reason(server):
    with make_client(5.0, allow_private=True) as client, pytest.raises(FetchError) as caught:
        fetch(client, f"{server}/missing", timeout=5.0, max_bytes=1_000_000)
    assert caught.value.reason == "HTTP 404"


def test_a_malformed_url_is_skipped_not_a_crash(tmp_path):
    f = write(tmp_path / "a.txt", "Still read.")
    docs = collect(["http://[::1/", str(f)])
    assert isinstance(docs[0], Skipped) and docs[0].reason.startswith("invalid URL")
    assert docs[1].text == "Still read."
