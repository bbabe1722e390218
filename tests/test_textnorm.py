"""Term analysis: spelling variants, accents and codes fold together."""

import pytest

from assistant.textnorm import content_terms, expansions, terms


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


def test_question_words_expand_to_article_vocabulary():
    groups = expansions("why did Türkiye buy the S400?")
    assert set(groups) == {"turkey", "buy", "s400"}
    assert "purchas" in groups["buy"] and "acquisit" in groups["buy"]


def _fold_by_character(text: str) -> str:
    """The plain definition fold() is a faster form of: NFKD, combining marks dropped, casefold."""
    import unicodedata

    from assistant.textnorm import _SPECIAL

    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().translate(_SPECIAL)


@pytest.mark.parametrize("text", [
    "Erdoğan said Türkiye’s S-400 “was a necessity” — officials",
    "ÅNGSTRÖM Ærø Straße İstanbul ﬁnance ½ Ⅻ",
    "ØRSTED ÆGIR ŒUVRE ÞING ŁÓDŹ ĐORĐE ẞ ı İ ǰ ŉ ͅ",
    "plain ASCII, with CAPITALS and digits 2025",
    "Ελληνικά Кириллица 中文 e\u0301 a\u0308\u0304",
    "",
])
def test_fold_matches_its_definition(text):
    from assistant.textnorm import fold

    assert fold(text) == _fold_by_character(text)


def test_fold_matches_its_definition_on_every_sample_article():
    from assistant.textnorm import fold
    from ingest.pipeline import sample_paths

    for path in sample_paths():
        for line in open(path, encoding="utf-8"):
            assert fold(line) == _fold_by_character(line)


def test_fold_matches_its_definition_on_every_character_of_the_basic_plane():
    from assistant.textnorm import fold

    for start in range(0, 0x10000, 512):
        chars = [chr(c) for c in range(start, start + 512) if not 0xD800 <= c < 0xE000]
        assert [fold(c) for c in chars] == [_fold_by_character(c) for c in chars]
        assert fold("".join(chars)) == _fold_by_character("".join(chars))
