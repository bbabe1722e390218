"""How an answer reads: quotes grouped by article, articles in date order, quote marks that never double,
derived sentences marked, one source line an article."""

from __future__ import annotations

import re

import pytest

from assistant.answer.render import (
    DERIVED_MARK,
    by_article,
    derived_line,
    derived_lines,
    quoted,
    render,
    sources,
)
from assistant.answer.verify import enforce
from assistant.models import AlsoIn, Answer, Citation

# (quote, as shown): the table the chat page's quoted() is held to as well (tests/test_web_page.py)
QUOTED = [
    ("Prices rose.", "“Prices rose.”"),
    ("“He wants Macron to act,” the officials said.", "“He wants Macron to act,” the officials said."),
    ("The officials said: “He wants Macron to act.”", "The officials said: “He wants Macron to act.”"),
    ("“He wants Macron to act.”", "“He wants Macron to act.”"),
    ('"Straight marks," he said.', '"Straight marks," he said.'),
    ("He said it was 'fine'", "“He said it was 'fine'”"),  # a single mark at the end: inner, or an apostrophe
    ("'Tis a straight single mark.", "'Tis a straight single mark."),
    ("‘Single marks,’ she said.", "‘Single marks,’ she said."),
    ("«Guillemets», dit-il.", "«Guillemets», dit-il."),
    ("Er sagte „ja“", "Er sagte „ja“"),
    ("the workers’ pay rose", "“the workers’ pay rose”"),  # an apostrophe at the end is not a mark
    ("He called it “a mistake”.", "“He called it “a mistake”.”"),  # inner marks, none at either end
    ("’90s prices were lower.", "“’90s prices were lower.”"),  # an apostrophe at the start neither
    ("", "“”"),
]


def cite(n: int, article: str, quote: str, start: int, published: str | None, source: str = "Outlet",
         **kw) -> Citation:
    return Citation(n=n, article_id=article, quote=quote, start=start, end=start + len(quote), source=source,
                    title=f"Title of {article}", published=published, **kw)


@pytest.mark.parametrize(("quote", "shown"), QUOTED)
def test_quote_marks_never_double(quote, shown):
    assert quoted(quote) == shown
    if quote:
        assert not re.search(r"[“”„‟\"«»]{2}", shown)


def test_the_issue_example_has_one_opening_mark():
    c = cite(1, "cal", "“He wants Macron and other leaders to acknowledge Türkiye’s value,” the officials said.",
             976, "2025-06-25T19:17:00", "Caliber.az")
    assert render([c]) == ("Caliber.az, 25 June 2025:\n“He wants Macron and other leaders to acknowledge "
                           "Türkiye’s value,” the officials said. [1]")


def test_quotes_of_one_article_share_one_heading_best_quote_first():
    a2 = cite(1, "cal", "Later sentence, the best quote.", 500, "2025-06-25T19:17:00", "Caliber.az")
    b = cite(2, "blo", "Bloomberg sentence.", 10, "2020-09-25", "Bloomberg")
    a1 = cite(3, "cal", "Earlier sentence.", 20, "2025-06-25T19:17:00", "Caliber.az")
    text = render([a2, b, a1])
    assert text == ("Caliber.az, 25 June 2025:\n“Later sentence, the best quote.” [1]\n“Earlier sentence.” [2]\n\n"
                    "Bloomberg, 25 September 2020:\n“Bloomberg sentence.” [3]")
    assert text.count("Caliber.az, 25 June 2025") == 1


@pytest.mark.parametrize(("chronological", "order"), [(False, ["new", "mid", "old", "undated"]),
                                                      (True, ["old", "mid", "new", "undated"])])
def test_articles_newest_first_or_oldest_first_for_order_in_time(chronological, order):
    cites = [cite(1, "mid", "Mid.", 0, "2022-01-01", "Mid"), cite(2, "undated", "Undated.", 0, None, "Undated"),
             cite(3, "old", "Old.", 0, "2019-05-05T10:00:00", "Old"), cite(4, "new", "New.", 0, "2024-12-31", "New")]
    text = render(cites, chronological=chronological)
    headings = [line.split(",")[0].rstrip(":") for line in text.splitlines() if line.endswith(":")]
    assert [h.lower() for h in headings] == order
    # each quote keeps its date beside it: the line above it, its article's heading
    assert "Old, 5 May 2019:\n“Old.” [" in text


def test_citations_are_put_in_reading_order_so_verification_keeps_the_numbers():
    texts = {"old": "Old news here.", "new": "New news here."}
    cites = [cite(1, "old", "Old news here.", 0, "2019-01-01"), cite(2, "new", "New news here.", 0, "2024-01-01")]
    text = render(cites)
    assert text.index("[1]") < text.index("[2]") and "New news here.” [1]" in text
    assert [(c.n, c.article_id) for c in cites] == [(1, "new"), (2, "old")]
    answer = enforce(Answer("q", "answered", text, cites), texts.__getitem__)
    assert answer.answer == text  # what streamed is what is kept
    assert [(c.n, c.article_id) for c in answer.citations] == [(1, "new"), (2, "old")]


def test_derived_sentences_follow_the_quotes_marked_and_unquoted():
    cites = [cite(1, "tc", "TechCrunch said so.", 0, "2023-10-07", "TechCrunch")]
    derived = ["From the publication dates: TechCrunch reported on 7 October 2023, before Reuters.",
               "Reuters came second."]
    text = render(cites, derived=derived)
    quotes, notes = text.split("\n\n")
    assert notes.splitlines() == [f"{DERIVED_MARK}TechCrunch reported on 7 October 2023, before Reuters.",
                                  f"{DERIVED_MARK}Reuters came second."]
    assert "“" not in notes and "”" not in notes
    assert render(cites) == quotes  # the old call still works


def test_derived_lines_lists_only_what_the_text_does_not_show():
    shown = render([cite(1, "a", "A.", 0, "2020-01-01")], derived=["A was first."])
    assert derived_lines(shown, ["A was first.", "B came later.", "  "]) == [f"{DERIVED_MARK}B came later."]
    assert derived_line(f"{DERIVED_MARK}x") == derived_line("x") == f"{DERIVED_MARK}x"


def test_near_copies_stay_beside_their_quote():
    c = cite(1, "a", "A.", 0, "2020-01-01", also_in=[AlsoIn(article_id="b", source="Wire", published="2021-02-03",
                                                           start=0, end=2, quote="A.")])
    assert render([c]).endswith("“A.” [1] (also in: Wire, 3 February 2021)")


def test_sources_lists_one_line_an_article_with_its_markers():
    cites = [cite(1, "cal", "One.", 0, "2025-06-25", "Caliber.az"),
             cite(2, "blo", "Two.", 0, "2020-09-25", "Bloomberg"),
             cite(3, "cal", "Three.", 9, "2025-06-25", "Caliber.az", url="https://caliber.example/a")]
    cites[0].title = "“Quoted” headline"
    assert sources(cites) == ("Sources:\n[1] [3] Caliber.az, “Quoted” headline, 25 June 2025\n"
                              "[2] Bloomberg, “Title of blo”, 25 September 2020")
    assert [[c.n for c in g] for g in by_article(cites)] == [[1, 3], [2]]
    assert sources([]) == ""
