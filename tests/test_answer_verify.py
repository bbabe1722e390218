"""Quote location: exact or normalised, always mapped back to the article's own characters."""

import pytest

from assistant.answer.verify import enforce, locate
from assistant.models import Answer, Citation

TEXT = "He said: “Erdogan was  expected” — to go.\nNext paragraph here."


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("Next paragraph here.", "Next paragraph here."),
        ('"erdogan was expected" - to go', "Erdogan was  expected” — to go"),
        ("ERDOGAN WAS EXPECTED", "Erdogan was  expected"),
        ("Erdogan was expected to go", None),  # a dash dropped: words are not contiguous
        ("Next paragraph there.", None),
        ("", None),
    ],
)
def test_locate_maps_normalised_matches_to_original_offsets(quote, found):
    span = locate(quote, TEXT)
    assert (TEXT[span[0] : span[1]] if span else None) == found


def _answer(*cites):
    text = " ".join(f"claim [{c.n}]" for c in cites)
    return Answer(question="q", status="answered", answer=text, citations=list(cites))


def test_enforce_drops_a_quote_not_in_the_article_and_renumbers():
    good = Citation(n=2, article_id="a", quote="Next paragraph here.", start=0, end=5)  # drifted offsets
    bad = Citation(n=1, article_id="a", quote="a sentence nobody wrote", start=0, end=10)
    out = enforce(_answer(bad, good), lambda _id: TEXT)
    assert [c.n for c in out.citations] == [1]
    assert out.citations[0].quote == TEXT[out.citations[0].start : out.citations[0].end]
    assert out.answer == "claim  claim [1]"


def test_enforce_with_nothing_verified_abstains():
    bad = Citation(n=1, article_id="a", quote="invented", start=0, end=8)
    out = enforce(_answer(bad), lambda _id: TEXT)
    assert out.status == "no_answer" and out.citations == []
