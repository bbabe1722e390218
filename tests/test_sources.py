"""ingest.sources: files, folders, JSON, JSON Lines, HTML and URLs into RawDocument / Skipped.

Files are written to tmp_path; URLs are served by a real http.server on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.errors import InputError
from ingest import sources
from ingest.sources import RawDocument, Skipped, extract_html, iter_documents

ARTICLE_HTML = """<!doctype html>
<html><head>
<title>Harbour bridge reopens after repairs | Example News</title>
<meta property="og:site_name" content="Example News">
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2024-03-05T10:00:00+00:00">
<link rel="canonical" href="https://example.com/news/bridge">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened on Tuesday after six months of repairs, the city council said in a statement.</p>
<p>Engineers replaced forty steel cables and resurfaced the whole deck, which carries about 30,000 vehicles a day.</p>
<p>"We are glad to give the bridge back to the people who use it every day," the mayor told reporters.</p>
</article>
<footer>Example News footer: contact, careers, advertising.</footer>
</body></html>
"""
NO_TEXT = "no article text (expected a 'text', 'body' or 'content' field)"
KEY_SENTENCE = "Engineers replaced forty steel cables and resurfaced the whole deck"


def collect(inputs: list[str], **kwargs) -> list[RawDocument | Skipped]:
    return list(iter_documents(inputs, **kwargs))


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- plain files ----------------------------------------------------------------------------


def test_text_file_is_read_with_line_endings_normalised_and_bom_dropped(tmp_path):
    f = write(tmp_path / "a.txt", "\ufeffFirst line.\r\nSecond line.\rThird line.\n".encode())
    [doc] = collect([str(f)])
    assert doc == RawDocument(origin=str(f), text="First line.\nSecond line.\nThird line.\n", meta={}, kind="text")


def test_markdown_file_is_read_as_text(tmp_path):
    f = write(tmp_path / "note.md", "# Heading\n\nSome *markdown* text.")
    [doc] = collect([str(f)])
    assert isinstance(doc, RawDocument)
    assert (doc.kind, doc.text) == ("text", "# Heading\n\nSome *markdown* text.")


def test_explicit_file_with_unknown_extension_is_read_as_text(tmp_path):
    f = write(tmp_path / "article.notes", "A plain article saved without a usual extension.")
    [doc] = collect([str(f)])
    assert isinstance(doc, RawDocument)
    assert doc.text == "A plain article saved without a usual extension."


def test_explicit_file_with_unknown_extension_holding_html_is_extracted_as_html(tmp_path):
    f = write(tmp_path / "saved-page", ARTICLE_HTML)
    [doc] = collect([str(f)])
    assert isinstance(doc, RawDocument)
    assert doc.kind == "html"
    assert KEY_SENTENCE in doc.text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("nul.txt", b"text\x00with a NUL byte", "binary or non-UTF-8 file"),
        ("latin1.txt", "caf\u00e9 cr\u00e8me".encode("latin-1"), "binary or non-UTF-8 file"),
        ("image.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary or non-UTF-8 file"),
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n\t \n", "empty"),
        ("empty.json", b"", "empty"),
        ("empty-list.json", b"[]", "empty"),
        ("broken.json", b'{"title": "x",\n "text": }', "invalid JSON on line 2: Expecting value"),
        ("scalar.json", b"42", "expected a JSON object, got int"),
        ("no-text.json", b'{"title": "Only a title"}', NO_TEXT),
        ("blank-text.json", b'{"title": "T", "text": "   "}', NO_TEXT),
    ],
)
def test_unusable_file_is_skipped_with_reason(tmp_path, name, content, reason):
    f = write(tmp_path / name, content)
    assert collect([str(f)]) == [Skipped(str(f), reason)]


def test_missing_input_path_raises_input_error_naming_it_before_reading_anything(tmp_path):
    good = write(tmp_path / "good.txt", "Readable.")
    missing = tmp_path / "nope" / "missing.txt"
    with pytest.raises(InputError, match="missing.txt"):
        next(iter_documents([str(good), str(missing)]))


def test_a_single_path_string_is_one_input_not_a_sequence_of_characters(tmp_path):
    f = write(tmp_path / "one.txt", "One article.")
    [doc] = list(iter_documents(str(f)))  # type: ignore[arg-type]
    assert doc.text == "One article."


# --- folders --------------------------------------------------------------------------------


def test_folder_is_read_recursively_in_sorted_order_skipping_hidden_and_unsupported_files(tmp_path):
    write(tmp_path / "b.txt", "B text.")
    write(tmp_path / "a.md", "A text.")
    write(tmp_path / "sub" / "c.txt", "C text.")
    write(tmp_path / "sub" / "deeper" / "d.htm", ARTICLE_HTML)
    write(tmp_path / ".hidden.txt", "hidden file")
    write(tmp_path / ".git" / "e.txt", "hidden folder")
    write(tmp_path / "data.csv", "a,b\n1,2")
    write(tmp_path / "image.png", b"\x89PNG\x00")
    docs = collect([str(tmp_path)])
    assert all(isinstance(d, RawDocument) for d in docs)
    assert [Path(d.origin).relative_to(tmp_path).as_posix() for d in docs] == [
        "a.md", "b.txt", "sub/c.txt", "sub/deeper/d.htm",
    ]


def test_folder_with_binary_file_skips_it_and_reads_the_rest(tmp_path):
    write(tmp_path / "1.txt", "First article.")
    write(tmp_path / "2.txt", b"\x00\x01\x02binary")
    write(tmp_path / "3.txt", "Third article.")
    docs = collect([str(tmp_path)])
    assert [type(d).__name__ for d in docs] == ["RawDocument", "Skipped", "RawDocument"]
    assert docs[1] == Skipped(str(tmp_path / "2.txt"), "binary or non-UTF-8 file")
    assert [d.text for d in docs if isinstance(d, RawDocument)] == ["First article.", "Third article."]


def test_folder_with_empty_file_skips_it_and_reads_the_rest(tmp_path):
    write(tmp_path / "a.txt", "")
    write(tmp_path / "b.txt", "Real text.")
    assert collect([str(tmp_path)]) == [
        Skipped(str(tmp_path / "a.txt"), "empty"),
        RawDocument(str(tmp_path / "b.txt"), "Real text.", {}, "text"),
    ]


def test_several_inputs_are_read_in_the_order_given(tmp_path):
    a = write(tmp_path / "x" / "z.txt", "Z.")
    b = write(tmp_path / "a.txt", "A.")
    assert [d.text for d in collect([str(a), str(b)])] == ["Z.", "A."]


# --- JSON and JSON Lines ----------------------------------------------------------------------


def test_json_file_with_one_article_object_gives_text_and_metadata(tmp_path):
    article = {
        "title": "Harbour bridge reopens",
        "source": "Example News",
        "author": "Jane Roe",
        "published": "2024-03-05T10:00:00+00:00",
        "url": "https://example.com/news/bridge",
        "text": "The harbour bridge reopened on Tuesday.\r\nEngineers replaced forty cables.",
    }
    f = write(tmp_path / "one.json", json.dumps(article))
    [doc] = collect([str(f)])
    assert doc == RawDocument(
        origin=str(f),
        text="The harbour bridge reopened on Tuesday.\nEngineers replaced forty cables.",
        meta={k: article[k] for k in ("title", "source", "author", "published", "url")},
        kind="json",
    )


def test_json_list_gives_one_document_per_article_and_skips_items_without_text(tmp_path):
    items = [{"title": "One", "text": "First body."}, {"title": "No body"}, {"title": "Three", "body": "Third body."}]
    f = write(tmp_path / "list.json", json.dumps(items))
    docs = collect([str(f)])
    assert [d.origin for d in docs] == [f"{f}#1", f"{f}#2", f"{f}#3"]
    assert isinstance(docs[1], Skipped)
    assert [(d.meta["title"], d.text) for d in docs if isinstance(d, RawDocument)] == [
        ("One", "First body."), ("Three", "Third body."),
    ]


def test_json_author_list_is_joined_with_commas(tmp_path):
    f = write(tmp_path / "a.json", json.dumps({"text": "Body.", "author": ["Ann Lee", {"name": "Bo Park"}, ""]}))
    [doc] = collect([str(f)])
    assert doc.meta == {"author": "Ann Lee, Bo Park"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"content": "Body."}, {}),
        ({"body": "Body.", "outlet": "The Outlet"}, {"source": "The Outlet"}),
        ({"text": "Body.", "publisher": "Pub"}, {"source": "Pub"}),
        ({"text": "Body.", "site_name": "Site"}, {"source": "Site"}),
        ({"text": "Body.", "published_at": "2024-01-02"}, {"published": "2024-01-02"}),
        ({"text": "Body.", "date": "2024-01-03"}, {"published": "2024-01-03"}),
        ({"text": "Body.", "published_date": "2024-01-04"}, {"published": "2024-01-04"}),
        ({"text": ["First paragraph.", "Second paragraph."]}, {}),
    ],
)
def test_json_alternative_field_names_are_understood(tmp_path, fields, expected):
    f = write(tmp_path / "a.json", json.dumps(fields))
    [doc] = collect([str(f)])
    assert isinstance(doc, RawDocument)
    assert doc.meta == expected
    assert doc.text in ("Body.", "First paragraph.\n\nSecond paragraph.")


def test_json_text_holding_html_markup_is_extracted_to_plain_text(tmp_path):
    f = write(tmp_path / "a.json", json.dumps({"title": "Bridge", "content": ARTICLE_HTML}))
    [doc] = collect([str(f)])
    assert KEY_SENTENCE in doc.text
    assert "<p>" not in doc.text


def test_jsonl_invalid_line_is_skipped_and_other_lines_still_yield(tmp_path):
    lines = [
        json.dumps({"title": "One", "text": "First."}),
        "{not json at all",
        "",
        json.dumps({"title": "Four", "content": "Fourth."}),
        json.dumps(["not", "an", "object"]),
    ]
    f = write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    docs = collect([str(f)])
    assert [d.origin for d in docs] == [f"{f}:1", f"{f}:2", f"{f}:4", f"{f}:5"]
    assert docs[1] == Skipped(f"{f}:2", "invalid JSON on line 2: Expecting property name enclosed in double quotes")
    assert docs[3] == Skipped(f"{f}:5", "expected a JSON object, got list")
    assert [d.text for d in docs if isinstance(d, RawDocument)] == ["First.", "Fourth."]


# --- HTML -----------------------------------------------------------------------------------


def test_html_file_is_extracted_to_article_text_with_metadata(tmp_path):
    f = write(tmp_path / "page.html", ARTICLE_HTML)
    [doc] = collect([str(f)])
    assert isinstance(doc, RawDocument)
    assert doc.kind == "html"
    assert KEY_SENTENCE in doc.text
    assert "<" not in doc.text and "Sport" not in doc.text
    assert doc.meta["title"] == "Harbour bridge reopens after repairs"
    assert doc.meta["author"] == "Jane Roe"
    assert doc.meta["source"] == "Example News"
    assert doc.meta["published"] == "2024-03-05T10:00:00+00:00"
    assert doc.meta["url"] == "https://example.com/news/bridge"


def test_html_paragraphs_are_separated_by_blank_lines(tmp_path):
    text, _ = extract_html(ARTICLE_HTML)
    paragraphs = text.split("\n\n")
    assert any(p.startswith("The harbour bridge reopened") for p in paragraphs)
    assert any(p.startswith("Engineers replaced") for p in paragraphs)


def test_html_without_trafilatura_falls_back_to_plain_text_extraction(monkeypatch):
    monkeypatch.setattr(sources, "_trafilatura", lambda: None)
    text, meta = extract_html(ARTICLE_HTML)
    assert KEY_SENTENCE in text
    assert "Home" not in text and "footer" not in text  # nav and footer are not article text
    assert meta["title"] == "Harbour bridge reopens after repairs"
    assert meta["published"] == "2024-03-05T10:00:00+00:00"


def test_html_with_no_text_at_all_is_skipped(tmp_path):
    f = write(tmp_path / "blank.html", "<html><head><script>var x = 1;</script></head><body></body></html>")
    assert collect([str(f)]) == [Skipped(str(f), "no text found in HTML")]


# --- URLs -----------------------------------------------------------------------------------


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
