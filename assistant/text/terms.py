"""Term analysis shared by the lexical index and answer composition.

Matching is done on analysed terms, never on shown text: quotes are always the
article's own characters. Analysis folds case and accents (Erdoğan = Erdogan),
joins codes (S-400 = S400 = s 400 stays distinct from "400"), maps spelling
variants (Türkiye = Turkey, defence = defense) and stems (purchased = purchase).
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

from assistant.text.fold import fold

_stemmer = Stemmer.Stemmer("english")

_CODE = re.compile(r"\b([a-z]{1,5})[\-‐‑–]?(\d{1,4})s?\b")
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
    "us": "usa", "america": "usa", "american": "usa", "americans": "usa",
    "uk": "britain", "british": "britain", "russian": "russia", "russians": "russia",
    "french": "france", "italian": "italy", "greek": "greece", "iranian": "iran",
    "israeli": "israel", "syrian": "syria", "european": "europe", "chinese": "china",
    "ukrainian": "ukraine", "ankara": "turkey",
    # capitals standing for their governments, as news writes them
    "moscow": "russia", "kremlin": "russia", "beijing": "china", "tehran": "iran", "kyiv": "ukraine",
    "kiev": "ukraine",
}

# Query-side expansions (folded, unstemmed): words a question uses for what articles say otherwise.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "buy": ("purchase", "acquisition", "acquire", "procure", "bought"),
    "bought": ("purchase", "acquisition", "acquire", "buy"),
    "purchase": ("buy", "acquisition", "acquire", "procure"),
    "sell": ("sale", "sold"),
    "sale": ("sell", "sold"),
    "price": ("cost", "worth"),
    "cost": ("price", "worth"),
    "say": ("said", "state", "tell"),
    "want": ("seek", "sought", "push", "ask", "urge", "demand"),
    "demand": ("ask", "urge", "call", "want", "push"),
    "ask": ("urge", "request", "demand"),
    "why": ("reason", "because"),
    "worry": ("concern", "fear", "warn"),
    "fear": ("concern", "warn", "worry"),
    "missile": ("missiles",),
    "jet": ("fighter", "warplane", "aircraft"),
    "fighter": ("jet", "warplane"),
    "plane": ("aircraft", "warplane", "jet"),
    "deliver": ("delivery", "delivered"),
    "ban": ("embargo", "prohibit"),
    "embargo": ("ban",),
    "writer": ("author",),
    "wrote": ("author",),
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
def _term(word: str) -> str:
    return _stemmer.stemWord(VARIANTS.get(word, word))


def words(text: str) -> list[str]:
    """Folded words with codes joined (``S-400`` -> ``s400``), unstemmed."""
    return _WORD.findall(_CODE.sub(r"\1\2", fold(text)))


def terms(text: str) -> list[str]:
    """Analysed terms: folded, codes joined, variants mapped, stemmed. Stopwords kept."""
    return [_term(w) for w in words(text)]


def content_terms(text: str) -> list[str]:
    """Analysed terms without stopwords, in order, duplicates removed."""
    return analyse(text)[1]


def analyse(text: str) -> tuple[list[str], list[str]]:
    """``(terms(text), content_terms(text))``, the text folded and split once."""
    ws = words(text)
    seen: dict[str, None] = {}
    for w in ws:
        if w not in STOPWORDS:
            seen.setdefault(_term(w), None)
    return [_term(w) for w in ws], list(seen)


def expansions(text: str) -> dict[str, set[str]]:
    """Each content term of a question with the terms that may stand for it in an article."""
    out: dict[str, set[str]] = {}
    for w in words(text):
        if w in STOPWORDS and w not in SYNONYMS:
            continue
        if w in QUESTION_WORDS and w not in SYNONYMS:
            continue
        t = _term(w)
        alts = out.setdefault(t, {t})
        alts.update(_term(s) for s in SYNONYMS.get(w, ()))
        alts.update(_term(s) for s in SYNONYMS.get(t, ()))
    # "why" is a question word, not a content term: its synonyms serve as cues elsewhere
    out.pop(_term("why"), None)
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
