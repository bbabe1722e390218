"""assistant.text.fold: fold() is a fast form of its plain definition, on every character."""

import unicodedata

import pytest

from assistant.text.fold import _SPECIAL, fold


def _fold_by_character(text: str) -> str:
    """The plain definition fold() is a faster form of: NFKD, combining marks dropped, casefold."""
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
    assert fold(text) == _fold_by_character(text)


def test_fold_matches_its_definition_on_every_sample_article():
    from ingest.pipeline import sample_paths

    for path in sample_paths():
        for line in open(path, encoding="utf-8"):
            assert fold(line) == _fold_by_character(line)


def test_fold_matches_its_definition_on_every_character_of_the_basic_plane():
    for start in range(0, 0x10000, 512):
        chars = [chr(c) for c in range(start, start + 512) if not 0xD800 <= c < 0xE000]
        assert [fold(c) for c in chars] == [_fold_by_character(c) for c in chars]
        assert fold("".join(chars)) == _fold_by_character("".join(chars))
