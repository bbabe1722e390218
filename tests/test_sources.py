"""ingest.sources: files, folders, JSON, JSON Lines and HTML files into RawDocument / Skipped.

Files are written to tmp_path. HTML extraction itself is tested in test_html.py, URLs in test_fetch.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from ingest import sources
from ingest.readers import html
from ingest.sources import RawDocument, Skipped, iter_documents
from tests.inputs import ARTICLE_HTML, KEY_SENTENCE, collect, write

NO_TEXT = "no article text (expected a 'text', 'body' or 'content' field)"


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
        ("random.txt", bytes(range(128, 256)) * 8, "binary or non-UTF-8 file"),
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


def test_a_latin1_file_is_read_as_the_prose_it_is(tmp_path):
    [doc] = collect([str(write(tmp_path / "l.txt", "Le caf\u00e9 cr\u00e8me du quai a rouvert.".encode("latin-1")))])
    assert doc.text == "Le caf\u00e9 cr\u00e8me du quai a rouvert."


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


def test_html_with_no_text_at_all_is_skipped(tmp_path):
    f = write(tmp_path / "blank.html", "<html><head><script>var x = 1;</script></head><body></body></html>")
    assert collect([str(f)]) == [Skipped(str(f), "no text found in HTML")]


def test_extract_html_is_still_importable_from_sources():
    assert sources.extract_html is html.extract_html
