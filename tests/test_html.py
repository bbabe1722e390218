"""ingest.readers.html: an HTML page to its article text and metadata, with and without trafilatura."""

from __future__ import annotations

import pytest

from ingest.readers import html
from ingest.readers.html import extract_html, looks_like_html
from tests.inputs import ARTICLE_HTML, KEY_SENTENCE


def test_html_paragraphs_are_separated_by_blank_lines(tmp_path):
    text, _ = extract_html(ARTICLE_HTML)
    paragraphs = text.split("\n\n")
    assert any(p.startswith("The harbour bridge reopened") for p in paragraphs)
    assert any(p.startswith("Engineers replaced") for p in paragraphs)


def test_html_without_trafilatura_falls_back_to_plain_text_extraction(monkeypatch):
    monkeypatch.setattr(html, "_trafilatura", lambda: None)
    text, meta = extract_html(ARTICLE_HTML)
    assert KEY_SENTENCE in text
    assert "Home" not in text and "footer" not in text  # nav and footer are not article text
    assert meta["title"] == "Harbour bridge reopens after repairs"
    assert meta["published"] == "2024-03-05T10:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ARTICLE_HTML, True),
        ("  \n<HTML lang='en'><body>x</body></HTML>", True),
        ("<p>A fragment, not a page</p>", False),
        ("Plain text that mentions <html> later.", False),
    ],
)
def test_looks_like_html_only_for_text_that_opens_as_a_page(text, expected):
    assert looks_like_html(text) is expected
