"""ingest.metadata: header lines, reader metadata and heuristics for pasted pages.

Date parsing itself is tested in test_dates.py."""

from __future__ import annotations

import pytest

from ingest.metadata import ParsedDocument, parse_document
from tests.inputs import BLOOMBERG, CALIBER

BENCHMARK_STYLE = (
    "Title: Harbour bridge reopens after repairs\n"
    "Source: Example News\n"
    "Author: \n"  # the benchmark leaves unknown fields empty, trailing space included
    "Published: 2023-09-26T21:11:15+00:00\n"
    "URL: https://example.com/news/bridge\n"
    "\n"
    "Harbour bridge reopens after repairs\n"
    "\n"
    "The harbour bridge reopened on Tuesday after six months of repairs, the city council said.\n"
    "\n"
    "Engineers replaced forty steel cables and resurfaced the whole deck.\n"
)


def fields(doc: ParsedDocument) -> dict[str, str | None]:
    return {k: getattr(doc, k) for k in ("title", "source", "author", "published", "url")}


def body_lines(doc: ParsedDocument) -> list[str]:
    return [line.strip() for line in doc.body.split("\n") if line.strip()]


# --- the two bundled samples ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            CALIBER,
            {
                "title": "Turkish leader set to push French counterpart on European missile system partnership",
                "source": "Caliber.az",
                "author": "Naila Huseynova",
                "published": "2025-06-25T19:17:00",
                "url": None,
            },
        ),
        (
            BLOOMBERG,
            {
                "title": "Turkey 'pushes' Macron to allow purchase of air missile systems",
                "source": "Bloomberg",
                "author": "Bloomberg",
                "published": "2020-09-25T18:11:00",
                "url": None,
            },
        ),
    ],
    ids=["caliber", "bloomberg"],
)
def test_sample_article_metadata_is_found(path, expected):
    assert fields(parse_document(path.read_text(encoding="utf-8"))) == expected


def test_caliber_sample_body_loses_only_the_lines_used_as_metadata():
    text = CALIBER.read_text(encoding="utf-8")
    doc = parse_document(text)
    lines = body_lines(doc)
    for used in (
        "Turkish leader set to push French counterpart on European missile system partnership",
        "25 June 2025 19:17",
        "By Naila Huseynova",
        "Caliber.Az",
    ):
        assert used not in lines
    # boilerplate is clean.py's job: still here
    assert "Views: 123" in lines and "twitter" in lines
    kept = [line.strip() for line in text.split("\n") if line.strip()]
    assert len(kept) - len(lines) == 4


def test_bloomberg_sample_body_loses_the_dateline_title_and_byline():
    doc = parse_document(BLOOMBERG.read_text(encoding="utf-8"))
    lines = body_lines(doc)
    assert lines[0].startswith("This combo photo shows Turkish President")
    assert not any(line.startswith(("Published:", "By Bloomberg", "Turkey 'pushes'")) for line in lines)


# --- header lines ---------------------------------------------------------------------------


def test_benchmark_style_header_lines_give_metadata_and_the_body_follows_the_blank_line():
    doc = parse_document(BENCHMARK_STYLE)
    assert fields(doc) == {
        "title": "Harbour bridge reopens after repairs",
        "source": "Example News",
        "author": None,
        "published": "2023-09-26T21:11:15+00:00",
        "url": "https://example.com/news/bridge",
    }
    # the headline repeated on top of the body is the title, not text
    assert doc.body.startswith("The harbour bridge reopened on Tuesday")
    assert doc.body.endswith("resurfaced the whole deck.")


def test_header_names_are_case_insensitive_and_have_aliases():
    doc = parse_document("TITLE: A headline\noutlet: The Outlet\nBy: Ann Lee\nDate: March 5, 2024\n\nBody text.")
    assert fields(doc) == {
        "title": "A headline", "source": "The Outlet", "author": "Ann Lee", "published": "2024-03-05", "url": None,
    }
    assert doc.body == "Body text."


def test_header_block_without_blank_line_ends_at_the_first_non_header_line():
    doc = parse_document("Source: Wire\nPublished: 2024-01-02\nThe first line of the body text comes right away.")
    assert (doc.source, doc.published) == ("Wire", "2024-01-02")
    assert doc.body == "The first line of the body text comes right away."


def test_unparseable_header_date_is_kept_as_written():
    assert parse_document("Published: sometime last spring\n\nBody.").published == "sometime last spring"


def test_meta_fills_missing_fields_but_header_lines_win():
    meta = {"title": "Meta title", "author": ["Ann Lee", "Bo Park"], "published": "March 5, 2024 10:30", "url": ""}
    doc = parse_document("Title: Header title\n\nBody text here.", meta)
    assert fields(doc) == {
        "title": "Header title", "source": None, "author": "Ann Lee, Bo Park", "published": "2024-03-05T10:30:00",
        "url": None,
    }


def test_meta_title_repeated_at_the_top_of_the_body_is_removed():
    title = "Bridge reopens after repairs"
    doc = parse_document(f"{title}\n\nThe bridge reopened.", {"title": title})
    assert doc.body == "The bridge reopened."


# --- heuristics -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("By Naila Huseynova", "Naila Huseynova"),
        ("By Bloomberg", "Bloomberg"),
        ("By Ann Lee and Bo Park", "Ann Lee, Bo Park"),
        ("By Ann Lee, Bo Park", "Ann Lee, Bo Park"),
        (
            "By Chad Jennings, C. Trent Rosecrans and Stephen J. Nesbitt",
            "Chad Jennings, C. Trent Rosecrans, Stephen J. Nesbitt",
        ),
        ("BY: Ludwig van Beethoven", "Ludwig van Beethoven"),
        ("By the time the bridge reopened, traffic had moved elsewhere", None),
        ("By 2030, the bridge will carry twice as many cars", None),
        ("By Monday", None),
        ("By the IoT Analytics team.", None),
    ],
)
def test_byline_gives_the_author_only_when_it_is_a_short_line_of_names(line, author):
    text = f"Some headline about a harbour bridge\n\n{line}\n\nThe harbour bridge reopened on Tuesday after repairs."
    assert parse_document(text).author == author


def test_byline_at_the_bottom_is_found_and_removed():
    doc = parse_document("The bridge reopened on Tuesday after repairs.\n\nBy Ann Lee\n")
    assert doc.author == "Ann Lee"
    assert "By Ann Lee" not in doc.body


@pytest.mark.parametrize(
    ("notice", "source"),
    [
        ("© 2024 The Guardian. All rights reserved.", "The Guardian"),
        ("Caliber.az © 2025. .", "Caliber.az"),
        ("Copyright 2023 Example Daily", "Example Daily"),
        ("Any use of materials is allowed only if there is a hyperlink to Caliber.az", "Caliber.az"),
    ],
)
def test_outlet_comes_from_a_copyright_or_usage_notice(notice, source):
    assert parse_document(f"The bridge reopened on Tuesday after repairs.\n\n{notice}\n").source == source


def test_news_agency_byline_also_names_the_source_when_nothing_else_does():
    assert parse_document("By Reuters\n\nThe bridge reopened on Tuesday.").source == "Reuters"
    assert parse_document("By Ann Lee\n\nThe bridge reopened on Tuesday.").source is None


def test_signature_line_of_the_outlet_is_removed_from_the_body():
    doc = parse_document("The bridge reopened.\n\nExample.com\nExample.com © 2024\n")
    assert doc.source == "Example.com"
    assert "Example.com" not in body_lines(doc)


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("25 June 2025 19:17\n\nThe bridge reopened.", "2025-06-25T19:17:00"),
        ("Sept. 25, 2020\n\nThe bridge reopened.", "2020-09-25"),
        ("Friday, September 25, 2020 at 6:11 p.m.\n\nThe bridge reopened.", "2020-09-25T18:11:00"),
        ("The bridge reopened.\n\nUpdated: 16:09, June 5, 2023", "2023-06-05T16:09:00"),
        # a date inside a sentence is not a dateline
        ("The bridge, closed on June 9, 2020 after a crash, reopened on Tuesday.", None),
        # day and month cannot be told apart
        ("25/06/2025\n\nThe bridge reopened.", None),
    ],
)
def test_dateline_gives_the_published_date(text, published):
    doc = parse_document(text)
    assert doc.published == published
    if published:
        assert all(not any(ch.isdigit() for ch in line) for line in body_lines(doc))


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("MENU\nSearch\nREGION\nA+\nBridge reopens after six months of repairs\n\nThe bridge reopened.",
         "Bridge reopens after six months of repairs"),
        ("WHAT ARE YOU LOOKING FOR ?\nBREAKING NEWS FROM THE HARBOUR TODAY\nBridge is open again\n\nText.",
         "Bridge is open again"),
        ("The bridge reopened on Tuesday after repairs.\n\nMore text follows here.", None),
        ("Short\n\n" + "A long first paragraph " * 10 + "\n\nLater line that looks like a headline", None),
    ],
)
def test_title_is_the_first_headline_like_line_before_the_first_paragraph(text, title):
    assert parse_document(text).title == title


def test_nothing_found_leaves_fields_none_and_body_unchanged():
    text = "Just one paragraph of text, with nothing that looks like metadata at all."
    doc = parse_document(text)
    assert fields(doc) == dict.fromkeys(("title", "source", "author", "published", "url"))
    assert doc.body == text
