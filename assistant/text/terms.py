"""Term analysis shared by the lexical index and answer composition.

Matching is done on analysed terms, never on shown text: quotes are always the
article's own characters. Analysis folds case and accents (Erdoğan = Erdogan),
joins codes (S-400 = S400 = s 400 stays distinct from "400"), maps spelling
variants (Türkiye = Turkey, defence = defense) and stems (purchased = purchase).
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache

import Stemmer

from assistant.cache import Memo
from assistant.text.fold import fold

_stemmer = Stemmer.Stemmer("english")

_CODE = re.compile(r"\b([a-z]{1,5})[\-‐‑–]?(\d{1,4})s?\b")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[a-z0-9]+")

# One spelling per concept so either spelling finds both. Keys are folded words.
VARIANTS: dict[str, str] = {
    "turkiye": "turkey", "turkish": "turkey", "turks": "turkey",
    "defence": "defense", "offence": "offense", "licence": "license", "programme": "program",
    "centre": "center", "metre": "meter", "theatre": "theater", "colour": "color",
    "favour": "favor", "honour": "honor", "labour": "labor", "armour": "armor",
    "behaviour": "behavior", "neighbour": "neighbor", "organisation": "organization",
    "emphasise": "emphasize", "recognise": "recognize", "realise": "realize",
    "criticise": "criticize", "authorise": "authorize", "jewellery": "jewelry",
    "catalogue": "catalog", "analyse": "analyze", "travelled": "traveled",
    "america": "usa", "american": "usa", "americans": "usa",
    "uk": "britain", "british": "britain", "russian": "russia", "russians": "russia",
    "french": "france", "italian": "italy", "greek": "greece", "iranian": "iran",
    "israeli": "israel", "syrian": "syria", "european": "europe", "chinese": "china",
    "ukrainian": "ukraine",
}

STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as into about over after before
    between through during without within than then so such is are was were be been being am do does
    did doing have has had having i me my we our you your he him his she her it its they them their
    this that these those there here what which who whom whose when where why how whether not no nor
    can could should would will shall may might must also just only very more most much many some any
    all each other both few own same too up down out off again further once s t d ll re ve m o y
    one get gets got getting make makes made go goes went take takes took come came give gave use used
    know think see look like well even still way thing things lot held hold holds happen happened back
    according article articles report reported reports said says say tell told news""".split()
)

# question words that carry meaning for answer type, kept out of content terms
QUESTION_WORDS = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how"})


@lru_cache(maxsize=200_000)
def term(word: str) -> str:
    """The analysed term of one folded word (``words`` gives them)."""
    return _stemmer.stemWord(VARIANTS.get(word, word))


def words(text: str) -> list[str]:
    """Folded words with codes joined (``S-400`` -> ``s400``), unstemmed."""
    folded = fold(text)
    # a code holds a digit: most sentences have none, and the code pattern costs a third of the analysis
    return _WORD.findall(_CODE.sub(r"\1\2", folded) if _DIGIT.search(folded) else folded)


def terms(text: str) -> list[str]:
    """Analysed terms: folded, codes joined, variants mapped, stemmed. Stopwords kept."""
    return [term(w) for w in words(text)]


def content_terms(text: str) -> list[str]:
    """Analysed terms without stopwords, in order, duplicates removed."""
    return analyse(text)[1]


def analyse(text: str) -> tuple[list[str], list[str]]:
    """``(terms(text), content_terms(text))``, the text folded and split once."""
    ws = words(text)
    ts = [term(w) for w in ws]
    return ts, list(dict.fromkeys(t for w, t in zip(ws, ts, strict=True) if w not in STOPWORDS))


SENTENCE_CACHE = 100_000  # sentences whose analysis is kept (~50 MB at most)
_sentences: Memo[str, tuple[frozenset[str], frozenset[str]]] = Memo(SENTENCE_CACHE)


# the version of ``analyse`` that stored analyses were made with: one of another version is analysed anew.
# Bump it with any change to what ``analyse`` returns (the stopwords, the variants, the stemmer, the codes).
ANALYSIS_VERSION = "1"


def sentence_terms(sentence: str, stored: str | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """``analyse`` of a sentence as sets, kept: the reranker and then the answerer read the same sentences
    of a question's passages, and passages recur across questions. ``stored`` is the sentence's analysis
    as ingest stored it (``pack_analysis``): read instead of analysing, when it is of this version."""

    def compute() -> tuple[frozenset[str], frozenset[str]]:
        unpacked = unpack_analysis(stored) if stored else None
        if unpacked is not None:
            return unpacked
        all_terms, content = analyse(sentence)
        return frozenset(all_terms), frozenset(content)

    return _sentences.get(sentence, compute)


def pack_analysis(sentence: str) -> str:
    """A sentence's analysis as the store keeps it beside its vector: the version, its terms and its
    content terms (terms are letters and digits: spaces and tabs part them)."""
    all_terms, content = analyse(sentence)
    return "\t".join((ANALYSIS_VERSION, " ".join(sorted(set(all_terms))), " ".join(sorted(set(content)))))


def unpack_analysis(stored: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(terms, content terms) of a ``pack_analysis`` string; None for one of another version or form."""
    parts = stored.split("\t")
    if len(parts) != 3 or parts[0] != ANALYSIS_VERSION:
        return None
    # one string a term, not one a sentence that holds it: a server that reads ahead keeps ~1.6 million of
    # them for MultiHop's 57,000 sentences (~180 MB as copies)
    return frozenset(map(sys.intern, parts[1].split())), frozenset(map(sys.intern, parts[2].split()))


def expansions(text: str) -> dict[str, set[str]]:
    """Each content term of a question, as a group of the terms that stand for it in an article (the term
    itself: words the articles put otherwise are left to the sentence model's sense of meaning; a list of
    synonyms fitted to the sample articles lost 0.02 of gold facts quoted on the MultiHop check half)."""
    out: dict[str, set[str]] = {}
    for w in words(text):
        if w in STOPWORDS or w in QUESTION_WORDS:
            continue
        t = term(w)
        out.setdefault(t, {t})
    return out


def related_terms(groups: dict[str, set[str]], vocab: set[str]) -> dict[str, set[str]]:
    """For each group, the vocabulary terms that are its alternatives or derivations of them."""
    by_prefix: dict[str, list[str]] = {}
    for t in vocab:
        by_prefix.setdefault(t[:4], []).append(t)
    out = {}
    for g, alts in groups.items():
        found = {a for a in alts if a in vocab}
        for a in alts:
            found.update(t for t in by_prefix.get(a[:4], ()) if derived(t, a))
        out[g] = found
    return out


def derived(term: str, alt: str) -> bool:
    """One stem derived from the other (acquir / acquisit, activ / activat): a long shared prefix."""
    n = min(len(term), len(alt))
    if n < 5:
        return term == alt
    common = 0
    for x, y in zip(term, alt, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(5, n - 1)
