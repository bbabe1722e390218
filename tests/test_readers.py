"""ingest.readers: the registry that picks a format's reader by file suffix, Content-Type or name.

What each reader makes of its format is tested in test_sources.py (files), test_fetch.py (URLs) and test_html.py.
"""

from __future__ import annotations

import pytest

from ingest.readers import READERS, SUPPORTED_SUFFIXES, get_reader, reader_for_content_type, reader_for_suffix
from ingest.readers.text import read_text
from tests.inputs import ARTICLE_HTML

PLAIN = "A plain article, which mentions <html> only later on."


@pytest.mark.parametrize(
    ("suffix", "text", "expected"),
    [
        (".txt", PLAIN, "text"),
        (".md", PLAIN, "text"),
        (".txt", ARTICLE_HTML, "text"),  # a known suffix is believed, whatever the text looks like
        (".TXT", PLAIN, "text"),
        (".html", PLAIN, "html"),
        (".htm", ARTICLE_HTML, "html"),
        (".HTML", ARTICLE_HTML, "html"),
        (".json", "{}", "json"),
        (".jsonl", "{}", "jsonl"),
        (".notes", ARTICLE_HTML, "html"),  # an unknown suffix: by the text
        (".notes", PLAIN, "text"),
        ("", "  \n<HTML lang='en'><body>x</body></HTML>", "html"),
        ("", "<p>A fragment, not a page</p>", "text"),
        (".csv", "a,b\n1,2", "text"),
    ],
)
def test_reader_for_suffix(suffix, text, expected):
    assert reader_for_suffix(suffix, text).name == expected


@pytest.mark.parametrize(
    ("content_type", "head", "expected"),
    [
        ("text/html; charset=utf-8", PLAIN, "html"),
        ("application/xhtml+xml", PLAIN, "html"),
        ("Text/HTML", PLAIN, "html"),
        ("application/json", PLAIN, "json"),
        ("application/ld+json; charset=utf-8", PLAIN, "json"),
        ("text/json", PLAIN, "json"),  # json is claimed before text's catch-all text/
        ("application/x-ndjson", PLAIN, "json"),  # JSON Lines claims no content type of its own
        ("text/plain", ARTICLE_HTML, "text"),  # a declared type is believed, whatever the body looks like
        ("text/markdown", PLAIN, "text"),
        ("text/csv", PLAIN, "text"),
        ("", ARTICLE_HTML, "html"),  # no Content-Type: by the body
        ("", PLAIN, "text"),
        ("image/png", ARTICLE_HTML, None),
        ("application/pdf", PLAIN, None),
        ("application/xml", PLAIN, None),
        ("image/png; name=text/x", PLAIN, None),  # text/ must open the header, not stand in a parameter
    ],
)
def test_reader_for_content_type(content_type, head, expected):
    reader = reader_for_content_type(content_type, head)
    assert (reader.name if reader else None) == expected


@pytest.mark.parametrize("name", ["html", "json", "jsonl", "text"])
def test_get_reader_by_name(name):
    assert get_reader(name).name == name


@pytest.mark.parametrize("name", ["yaml", "", "HTML", "url"])
def test_get_reader_by_unknown_name_lists_the_valid_ones(name):
    with pytest.raises(ValueError, match=f"unknown reader {name!r}; choose one of: html, json, jsonl, text"):
        get_reader(name)


def test_supported_suffixes_are_the_readers_and_each_belongs_to_one_reader():
    assert SUPPORTED_SUFFIXES == {".txt", ".md", ".html", ".htm", ".json", ".jsonl"}
    assert sum(len(reader.suffixes) for reader in READERS) == len(SUPPORTED_SUFFIXES)
    assert all(s == s.lower() and s.startswith(".") for s in SUPPORTED_SUFFIXES)


@pytest.mark.parametrize(
    ("url", "meta", "kind"),
    [(None, {}, "text"), ("https://example.com/a.txt", {"url": "https://example.com/a.txt"}, "url")],
)
def test_text_reader_keeps_a_fetched_text_s_address(url, meta, kind):
    [doc] = read_text("Body.", "origin", url)
    assert (doc.text, doc.meta, doc.kind) == ("Body.", meta, kind)
