"""assistant.text.terms: spelling variants, accents and codes analyse to the same terms."""

import pytest

from assistant.text import terms as terms_module
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


def test_a_sentences_analysis_is_kept_and_agrees_with_analyse():
    sentence = "Türkiye bought the S-400 from Russia in 2017."
    first = terms_module.sentence_terms(sentence)
    all_terms, content = terms_module.analyse(sentence)
    assert first == (frozenset(all_terms), frozenset(content))
    assert terms_module.sentence_terms(sentence) is first  # the reranker's reading serves the answerer


def test_a_stored_analysis_reads_back_as_the_analysis_itself():
    sentence = "Erdoğan asked France for the SAMP/T in 2020, officials said."
    packed = terms_module.pack_analysis(sentence)
    all_terms, content = terms_module.analyse(sentence)
    assert terms_module.unpack_analysis(packed) == (frozenset(all_terms), frozenset(content))


@pytest.mark.parametrize("stored", [
    "0\tturkey\tturkey",  # another version of the analysis
    "turkey bought",  # not a packed analysis
    "1\tonly two parts",
    "",
])
def test_a_stored_analysis_of_another_version_or_form_is_analysed_anew(stored):
    sentence = f"Türkiye bought the S-400 from Russia ({stored!r})."
    assert terms_module.unpack_analysis(stored) is None
    all_terms, content = terms_module.analyse(sentence)
    assert terms_module.sentence_terms(sentence, stored) == (frozenset(all_terms), frozenset(content))


def test_a_stored_analysis_of_this_version_is_read_not_analysed(monkeypatch):
    sentence = "A sentence no other test analyses: the quay of Tarrow was resurfaced."
    packed = terms_module.pack_analysis(sentence)
    expected = terms_module.unpack_analysis(packed)

    def no_analysis(text):
        raise AssertionError("analysed although its analysis was stored")

    monkeypatch.setattr(terms_module, "analyse", no_analysis)
    assert terms_module.sentence_terms(sentence, packed) == expected
