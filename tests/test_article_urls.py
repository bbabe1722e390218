"""An article keeps a ``url`` only when it is an http(s) address with a host, whichever reader found it: a
text file's ``URL:`` header, an HTML page's canonical link or og:url, a JSON article's url field. Anything else
(``javascript:``, ``data:``, a path) is dropped and the article is still read."""

from __future__ import annotations

import json

import pytest

from ingest.metadata import parse_document
from ingest.pipeline import to_article
from ingest.readers import html
from ingest.readers.html import extract_html
from ingest.readers.json_articles import read_json, read_jsonl
from ingest.sources import RawDocument
from ingest.urls import web_url

BODY = "The harbour council approved the new sea wall on Monday after a long debate about its cost."

BAD = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.com/story.txt",
    "mailto:desk@example.com",
    "//example.com/story",
    "/news/story",
    "example.com/story",
    "http://",
    "https://",
    "http:///etc/passwd",
    "https://exa mple.com/story",
    "https://[::1/story",
    "",
]
GOOD = [
    "https://example.com/news/sea-wall",
    "http://example.com",
    "HTTPS://Example.com/a?b=c#d",
    "https://[2001:db8::1]/story",
    "https://例子.测试/新闻",
]
TABLE = [(u, None) for u in BAD] + [(u, u) for u in GOOD]


@pytest.mark.parametrize(("url", "kept"), TABLE)
def test_web_url_keeps_only_http_addresses_with_a_host(url, kept):
    assert web_url(url) == kept


@pytest.mark.parametrize("value", [None, 42, ["https://example.com/a"]])
def test_web_url_of_a_value_that_is_no_string_is_none(value):
    assert web_url(value) is None


@pytest.mark.parametrize(("url", "kept"), [(u, k) for u, k in TABLE if u.strip() and "\t" not in u])
def test_a_text_header_url_is_kept_only_when_a_web_address(url, kept):
    doc = parse_document(f"Title: Sea wall approved\nURL: {url}\n\n{BODY}")
    assert doc.url == kept
    assert doc.body == BODY  # the header line is metadata either way, never article text


def test_a_bad_header_url_gives_way_to_the_readers_url():
    doc = parse_document(f"URL: javascript:alert(1)\n\n{BODY}", {"url": "https://example.com/fetched"})
    assert doc.url == "https://example.com/fetched"


@pytest.mark.parametrize(("url", "kept"), TABLE)
def test_a_url_given_by_the_reader_is_kept_only_when_a_web_address(url, kept):
    assert parse_document(BODY, {"url": url}).url == kept


def _page(head: str) -> str:
    return (f"<!doctype html><html><head><title>Sea wall approved</title>{head}</head><body><article>"
            f"<h1>Harbour council approves the sea wall</h1><p>{BODY}</p><p>{BODY}</p></article></body></html>")


# trafilatura normalises a canonical link (scheme and host lowercased, percent-encoding), so for pages the
# table says whether an address is kept, not its spelling; it also makes a protocol-relative canonical link
# https: (a web address then), which is its call, not this check's, so that case is left out
HTML_TABLE = [(u, k is not None) for u, k in TABLE if u.strip() == u and not u.startswith("//")]


@pytest.mark.parametrize("tag", ['<link rel="canonical" href="{}">', '<meta property="og:url" content="{}">'])
@pytest.mark.parametrize(("url", "kept"), HTML_TABLE)
def test_an_html_canonical_link_or_og_url_is_kept_only_when_a_web_address(tag, url, kept):
    text, meta = extract_html(_page(tag.format(url)))
    assert BODY in text
    assert ("url" in meta) == kept
    assert meta.get("url") is None or web_url(meta["url"]) == meta["url"]


def test_a_bad_og_url_does_not_hide_a_good_canonical_link():
    head = '<meta property="og:url" content="javascript:alert(1)"><link rel="canonical" href="https://example.com/a">'
    assert html._fallback_extract(_page(head))[1]["url"] == "https://example.com/a"
    assert extract_html(_page(head))[1]["url"] == "https://example.com/a"


def test_a_bad_url_from_trafilatura_gives_way_to_the_fallbacks(monkeypatch):
    monkeypatch.setattr(html, "_trafilatura_extract", lambda markup, url: (BODY, {"url": "javascript:alert(1)"}))
    head = '<link rel="canonical" href="https://example.com/a">'
    assert extract_html(_page(head))[1]["url"] == "https://example.com/a"
    assert "url" not in extract_html(_page(""))[1]


@pytest.mark.parametrize(("url", "kept"), TABLE)
def test_a_json_url_field_is_kept_only_when_a_web_address(url, kept):
    [doc] = read_json(json.dumps({"title": "Sea wall approved", "text": BODY, "url": url}), "a.json")
    assert isinstance(doc, RawDocument) and doc.text == BODY
    assert doc.meta.get("url") == kept


def test_a_bad_json_url_gives_way_to_a_good_link_field():
    line = json.dumps({"text": BODY, "url": "data:text/html,hi", "link": "https://example.com/a"})
    [doc] = read_jsonl(line, "a.jsonl")
    assert doc.meta["url"] == "https://example.com/a"


def test_json_html_content_with_a_bad_canonical_link_keeps_no_url():
    markup = _page('<link rel="canonical" href="javascript:alert(1)">')
    [doc] = read_json(json.dumps({"content": markup, "url": "javascript:alert(2)"}), "a.json")
    assert BODY in doc.text and "url" not in doc.meta


READERS = {
    "text header": ("a.txt", f"Title: Sea wall approved\nURL: javascript:alert(1)\n\n{BODY}"),
    "html canonical": ("a.html", _page('<link rel="canonical" href="javascript:alert(1)">')),
    "html og:url": ("a.html", _page('<meta property="og:url" content="data:text/html,hi">')),
    "json": ("a.json", json.dumps({"title": "Sea wall approved", "text": BODY, "url": "javascript:alert(1)"})),
    "jsonl": ("a.jsonl", json.dumps({"title": "Sea wall approved", "text": BODY, "link": "vbscript:msgbox(1)"})),
}


@pytest.mark.parametrize("reader", READERS)
def test_an_article_with_a_bad_url_is_stored_without_one(reader, fresh, tmp_path):
    name, content = READERS[reader]
    (tmp_path / name).write_text(content, encoding="utf-8")
    report = fresh.ingest([str(tmp_path / name)])
    [article_id] = report.added
    article = fresh.store.get_article(article_id)
    assert article.url is None and BODY in article.text


def test_a_document_with_a_bad_url_gets_its_id_from_its_title_not_the_url():
    bad = to_article(RawDocument("a.txt", f"Title: Sea wall approved\nURL: javascript:alert(1)\n\n{BODY}"))
    plain = to_article(RawDocument("b.txt", f"Title: Sea wall approved\n\n{BODY}"))
    assert bad.url is None and bad.article_id == plain.article_id
