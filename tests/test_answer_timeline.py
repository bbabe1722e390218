"""Questions about order in time, and the sentence the publication dates give them: oldest first, marked
as derived from metadata, never in quotation marks."""

import pytest

from assistant.answer.extractive.timeline import chronological, derived_order
from assistant.models import Citation


@pytest.mark.parametrize(("question", "in_time"), [
    ("Did TechCrunch report on Flexport before The Verge did?", True),
    ("Which outlet reported the layoffs first?", True),
    ("After the Fortune report on the fine, did Reuters report an appeal?", True),
    ("Was the more recent article about the merger positive?", True),
    ("why did Türkiye buy the S-400?", False),
    ("What did Macron demand?", False),
])
def test_order_in_time_is_recognised(question, in_time):
    assert chronological(question) is in_time


def cite(n: int, aid: str, source: str, published: str | None) -> Citation:
    return Citation(n=n, article_id=aid, quote="q", start=0, end=1, source=source, published=published)


def test_the_derived_sentence_puts_the_articles_in_order_and_says_where_it_comes_from():
    [line] = derived_order([cite(1, "b", "The Verge", "2023-10-30T10:00:00"),
                            cite(2, "a", "TechCrunch", "2023-10-07T09:00:00"),
                            cite(3, "b", "The Verge", "2023-10-30T10:00:00")])
    assert line.startswith("From the publication dates (not a quote):")
    assert line.index("TechCrunch [2] on 7 October 2023") < line.index("The Verge [1] on 30 October 2023")
    assert "“" not in line and '"' not in line


@pytest.mark.parametrize("cites", [
    [],
    [cite(1, "a", "TechCrunch", "2023-10-07")],
    [cite(1, "a", "TechCrunch", "2023-10-07"), cite(2, "a", "TechCrunch", "2023-10-07")],
    [cite(1, "a", "TechCrunch", None), cite(2, "b", "Wired", "2023-10-07")],
])
def test_no_derived_sentence_without_two_dated_articles(cites):
    assert derived_order(cites) == []


def test_articles_of_one_day_are_said_to_be_of_the_same_day():
    [line] = derived_order([cite(1, "a", "A", "2023-10-07T09:00:00"), cite(2, "b", "B", "2023-10-07T18:00:00")])
    assert line.endswith("all on the same day.")
