"""assistant.text.terms: spelling variants, accents and codes analyse to the same terms."""

import pytest

from assistant.text.terms import content_terms, expansions, terms


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Türkiye", "Turkey"),
        ("Erdoğan", "Erdogan"),
        ("defence", "defense"),
        ("S-400", "S400"),
        ("F-35s", "F-35"),
        ("purchased", "purchase"),
    ],
)
def test_variants_analyse_to_the_same_term(a, b):
    assert terms(a) == terms(b)


def test_codes_stay_distinct_from_their_numbers():
    assert terms("S-400") != terms("400")
    assert "2020" in terms("in 2020")  # a year is not glued to the word before it


def test_stopwords_are_not_content_terms():
    assert content_terms("What did the French president say?") == ["franc", "presid"]


def test_a_question_is_its_content_terms_each_its_own_group():
    groups = expansions("why did Türkiye buy the S400?")
    assert groups == {"turkey": {"turkey"}, "buy": {"buy"}, "s400": {"s400"}}  # no word list of synonyms
