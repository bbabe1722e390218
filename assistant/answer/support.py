"""Does a quote support the claim written around it? Checked before a model's sentence is shown.

A quote that stands verbatim in its article proves nothing about the sentence a reader sees first:
a small model writes "According to an Elysee official, ..." beside a quote about Washington's fears.
Two tests, both needed:

- **what the claim names**: every name (a capitalised word: people, places, outlets, months,
  weekdays, codes such as S-400) and every number (years and dates included) in the claim stands
  in the quote; when the quote leans on a pronoun ("he said", "its allies"), in the paragraph it
  stands in (and the one before, when the quote opens its paragraph), which says who "he" is. Names
  are compared as analysed terms (``text.terms``: Erdoğan = Erdogan, Türkiye = Turkey = Ankara,
  Russian = Russia); the cited article's outlet and author are names the citation itself shows.
- **what the claim means**: the cosine of the claim and the quote in the shipped embedding model
  (MiniLM) reaches ``THRESHOLD``, calibrated on the labelled pairs of ``evals/sets/claims.jsonl``
  by ``evals/claims.py`` (precision first: a claim wrongly held back still shows its quote). A
  claim mostly says part of a long quote, which dilutes the cosine: the quote's clauses (and runs
  of them) are compared too, and the best one counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings
from tokenizers import Tokenizer

from assistant.text.dates import MONTHS
from assistant.text.terms import STOPWORDS, VARIANTS, derived, terms

# calibrated by evals/claims.py on evals/sets/claims.jsonl (see evals/README.md)
THRESHOLD = 0.59

COMMON_PIECES = 12_000  # BERT's word pieces run from frequent to rare: "washington" 2899, "bloomberg" 22950
_TOKEN = re.compile(r"[^\W_](?:[\w'’.\-/]*[^\W_])?")
_POSSESSIVE = re.compile(r"['’]s?$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_PRONOUN = re.compile(r"\b(he|she|it|its|they|their|them|him|his|her|we|our|this|these|those|i)\b", re.I)
# number words a claim may write for a figure the article gives in digits, or the other way round
# ("one" is left out: "one of the reasons" is no figure)
_NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()) if w != "_"}
# capitalised only because they open the sentence (STOPWORDS holds the function words)
_STARTERS = frozenset("""yes no although though while because since despite however meanwhile instead
    officials analysts critics experts residents shares revenue profits sales plans talks tensions""".split())


@dataclass(frozen=True)
class Verdict:
    """``supported``, else ``reason`` says why not; ``similarity`` is the claim/quote cosine (when computed)."""

    supported: bool
    reason: str = ""
    similarity: float | None = None
    missing: tuple[str, ...] = ()  # the claim's names and numbers the quote lacks


def _capitalised(word: str) -> bool:
    return bool(word) and (word[0].isupper() or any(ch.isdigit() for ch in word))


@lru_cache(maxsize=1)
def _vocabulary() -> Tokenizer:
    from assistant.embeddings import load_tokenizer

    return load_tokenizer()


def common_word(word: str) -> bool:
    """A frequent English word: a whole word piece among the first ``COMMON_PIECES`` of the
    embedding model's vocabulary (ordered by frequency; "approval" is, "Erdogan" and "Quillfer" are not)."""
    piece = _vocabulary().token_to_id(word.casefold())
    return piece is not None and piece < COMMON_PIECES


def names(claim: str) -> list[str]:
    """The claim's capitalised words: names, months, codes. The word that opens the claim is
    capitalised anyway ("Approval of the sale ..."): it counts as a name unless it is a common word
    and other names follow, except a known one (a country, a capital) or one opening a full name."""
    words = [_POSSESSIVE.sub("", m.group()).strip(".-/") for m in _TOKEN.finditer(claim)]
    out = []
    for i, word in enumerate(words):
        if not _capitalised(word) or word.isdigit() or _NUMBER.fullmatch(word):
            continue  # a bare number: numbers() checks it
        low = word.casefold()
        if (low in STOPWORDS and low not in MONTHS) or low in _NUMBER_WORDS:
            continue
        if i == 0 and (low in _STARTERS or low.endswith("ly")):
            continue
        out.append(word)
    if out and out[0] == words[0] and len(out) > 1:
        known = words[0].casefold() in VARIANTS or words[0].isupper()
        full_name = len(words) > 1 and _capitalised(words[1])
        if not (known or full_name) and common_word(words[0]):
            out = out[1:]
    return out


def numbers(text: str) -> set[str]:
    """The figures of a text, digits without thousands separators; number words as digits."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    found |= {d for w, d in _NUMBER_WORDS.items() if re.search(rf"\b{w}\b", text, re.I)}
    return {n.rstrip(".") for n in found}


def _stands(word: str, vocab: set[str]) -> bool:
    wanted = [t for t in terms(word) if t]
    return bool(wanted) and all(t in vocab or any(derived(t, v) for v in vocab if v[:4] == t[:4])
                                for t in wanted)


def paragraph(text: str, start: int, end: int) -> str:
    """The paragraph (line) that holds ``text[start:end]``, with the one before when it opens it."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    b = len(text) if b < 0 else b
    if not text[a:start].strip(" \t\"'“‘«") and a > 0:  # the quote opens its paragraph: "he" is named before it
        before = text[:a].rstrip()
        a = before.rfind("\n") + 1 if before else a
    return text[a:b]


_CLAUSE = re.compile(r"\s*(?:[,;:—–]|\s-\s|\b(?:and|but|after|because|before|while|which|who|as|since|"
                     r"although|though|when|including|with)\b)\s*")
MIN_CLAUSE_WORDS = 4  # shorter pieces ("the officials said") say too little to stand for the quote


def clauses(quote: str) -> list[str]:
    """The quote, and the runs of its clauses that leave something out (each of at least four words)."""
    cuts = [0] + [m.start() for m in _CLAUSE.finditer(quote) if m.start() > 0] + [len(quote)]
    out = [quote]
    for i in range(len(cuts) - 1):
        for j in range(i + 1, len(cuts)):
            if (i, j) == (0, len(cuts) - 1):
                continue
            piece = quote[cuts[i]:cuts[j]].strip(" ,;:—–-")
            if len(piece.split()) >= MIN_CLAUSE_WORDS and piece not in out:
                out.append(piece)
    return out[:16]


def cosine(u: np.ndarray, v: np.ndarray) -> float:
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    return float(u @ v) / (nu * nv) if nu and nv else 0.0


class SupportCheck:
    """``check(claim, quote, paragraph, shown_names)``: a ``Verdict`` for one claim and its quote."""

    def __init__(self, embeddings: Embeddings, threshold: float = THRESHOLD) -> None:
        self.embeddings = embeddings
        self.threshold = threshold

    def missing(self, claim: str, quote: str, context: str = "", shown: Sequence[str] = ()) -> list[str]:
        """The claim's names and numbers that neither the quote (or, for a pronoun, its ``context``)
        nor the citation's own ``shown`` names (outlet, author) hold."""
        where = quote
        if context and _PRONOUN.search(quote):
            where = f"{context}\n{quote}"
        vocab = set(terms(where)) | {t for s in shown if s for t in terms(s)}
        lost = [w for w in names(claim) if not _stands(w, vocab)]
        lost += sorted(numbers(claim) - numbers(where) - {n for s in shown for n in numbers(s or "")})
        return lost

    def similarity(self, claim: str, quote: str) -> float:
        """The best cosine of the claim with the quote or a run of its clauses."""
        texts = [claim, *clauses(quote)]
        embed_array = getattr(self.embeddings, "embed_array", None)
        vectors = np.asarray(embed_array(texts) if embed_array is not None else self.embeddings.embed_documents(texts))
        return max(cosine(vectors[0], v) for v in vectors[1:])

    def check(self, claim: str, quote: str, context: str = "", shown: Sequence[str] = ()) -> Verdict:
        claim = " ".join(claim.split())
        if not claim or claim.strip("“”\"' .") == quote.strip("“”\"' ."):
            return Verdict(True)  # the quote itself: nothing added to it
        lost = self.missing(claim, quote, context, shown)
        if lost:
            return Verdict(False, f"the quote does not name {', '.join(lost)}", missing=tuple(lost))
        sim = self.similarity(claim, quote)
        if sim < self.threshold:
            return Verdict(False, f"the claim says something else than its quote ({sim:.2f} < {self.threshold:g})",
                           similarity=sim)
        return Verdict(True, similarity=sim)


def make_support_check(embeddings: Embeddings | None = None) -> SupportCheck:
    """The check with the store's embedder when it is the model the threshold was calibrated on
    (MiniLM), else with MiniLM of its own: a threshold does not carry from one model to another."""
    if embeddings is None or getattr(embeddings, "name", None) != "minilm":
        from assistant.embeddings import MiniLMEmbeddings

        embeddings = MiniLMEmbeddings()
    return SupportCheck(embeddings)
