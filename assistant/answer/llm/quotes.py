"""Verify the model's quotes against the articles, before any of them can be shown.

For each proposed quote: find it in the FULL text of the article its source
number names (a sentence can straddle two chunks), matching on a normalised
form (``verify.locate``: NFKC, quote and dash styles, whitespace, case) and
taking the article's own characters at the match, so a quote with changed
punctuation is repaired to ``text[start:end]``. A quote found only in another
retrieved article is re-attributed to it. A quote found nowhere, which
includes a frankenquote (words of separate places joined into one "quote"),
is dropped with its claim; so are quotes too short to be evidence and
sentences that speak to an AI system.

Quotes by reference: when the sources were numbered a sentence at a time, a
claim names the sentence it quotes, and the quote is that sentence (or the
part of it the model's words match), read from the article: exact by
construction. A number that names no sentence, or words that stand elsewhere
and not in that sentence, fall back to the text path above.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.answer.evidence import is_injection
from assistant.answer.llm.output import Claim
from assistant.answer.llm.prompt import Source
from assistant.answer.verify import locate

log = logging.getLogger("citewise.llm")

MIN_QUOTE_WORDS = 3  # "the S-400" stands in every article about it: not evidence of a claim
_WORD = re.compile(r"\w+")
_WRAP = " \t\n\"'“”‘’«»„"
_ELLIPSIS = re.compile(r"^(\.\.\.|…)\s*|\s*(\.\.\.|…)$")
COUNT_KEYS = ("proposed", "kept", "repaired", "reattributed", "dropped", "supported", "unsupported")


@dataclass
class Found:
    """A verified quote: ``quote == text(article_id)[start:end]``."""

    source: Source  # the source it stands in (after any re-attribution)
    start: int
    end: int
    quote: str
    repaired: bool
    reattributed: bool
    also: list[tuple[Source, int, int, str]] = field(default_factory=list)  # the same words in other sources


@dataclass
class Counts:
    """What verification did. ``kept`` includes the repaired and the re-attributed quotes; of the
    claims whose quote was kept, ``supported`` were shown with their sentence and ``unsupported``
    were not (the quote stands alone: the sentence says what the quote does not, or was cut short)."""

    proposed: int = 0
    kept: int = 0
    repaired: int = 0
    reattributed: int = 0
    dropped: int = 0
    supported: int = 0
    unsupported: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in COUNT_KEYS}


def clean_quote(quote: str) -> str:
    """The quote without the wrapping a model adds: quotation marks, a leading or trailing ellipsis."""
    q = quote.strip(_WRAP)
    while True:
        stripped = _ELLIPSIS.sub("", q).strip(_WRAP)
        if stripped == q:
            return q
        q = stripped


class Verifier:
    """Checks claims against the retrieved articles and counts what it did."""

    def __init__(self, sources: list[Source], get_text: Callable[[str], str]) -> None:
        self.sources = sources
        self.get_text = get_text
        self.counts = Counts()
        self._texts: dict[str, str] = {}

    def text(self, src: Source) -> str:
        if src.article_id not in self._texts:
            self._texts[src.article_id] = self.get_text(src.article_id)
        return self._texts[src.article_id]

    def check(self, claim: Claim) -> Found | None:
        """The claim's quote, verified (maybe repaired or re-attributed), or None: drop the claim."""
        self.counts.proposed += 1
        found, why = self._find(claim)
        if found is None:
            self.counts.dropped += 1
            log.info("dropped a quote (%s) cited to source %s: %.80r", why, claim.source, claim.quote)
            return None
        self.counts.kept += 1
        self.counts.repaired += found.repaired
        self.counts.reattributed += found.reattributed
        return found

    def _find(self, claim: Claim) -> tuple[Found | None, str]:
        quote = clean_quote(claim.quote)
        if len(_WORD.findall(quote)) < MIN_QUOTE_WORDS and not claim.sentence:
            return None, "too short"
        if is_injection(quote):
            return None, "an instruction to an AI"
        cited = next((s for s in self.sources if s.n == claim.source), None)
        by_number = self._by_number(claim, cited, quote)
        if by_number is not None:
            return by_number, ""
        order = ([cited] if cited else []) + [s for s in self.sources if s is not cited]
        for src in order:
            text = self.text(src)
            span = locate(quote, text)
            if span is None:
                continue
            start, end = span
            exact = text[start:end]
            found = Found(src, start, end, exact, repaired=exact != quote, reattributed=src is not cited)
            for other in self.sources:
                if other.article_id == src.article_id:
                    continue
                twin = locate(exact, self.text(other))
                if twin is not None:
                    found.also.append((other, twin[0], twin[1], self.text(other)[twin[0]:twin[1]]))
            return found, ""
        return None, self._why_not(quote, cited)

    def _by_number(self, claim: Claim, cited: Source | None, quote: str) -> Found | None:
        """The quote looked up by its sentence number: the model's words within that sentence, else
        the whole sentence when its words stand nowhere else (a garbled copy of the sentence named)."""
        if cited is None or not claim.sentence or not 1 <= claim.sentence <= len(cited.sentences):
            return None
        text = self.text(cited)
        start, end = cited.sentences[claim.sentence - 1]
        if quote and len(_WORD.findall(quote)) >= MIN_QUOTE_WORDS:
            span = locate(quote, text[start:end])
            if span is None and any(locate(quote, self.text(s)) for s in self.sources):
                return None  # the words stand elsewhere: the text path finds (and counts) them
            if span is not None:
                start, end = start + span[0], start + span[1]
        exact = text[start:end]
        if is_injection(exact) or len(_WORD.findall(exact)) < MIN_QUOTE_WORDS:
            return None
        # no words given: read by its number, nothing to repair
        found = Found(cited, start, end, exact, repaired=bool(quote) and exact != quote, reattributed=False)
        for other in self.sources:
            if other.article_id != cited.article_id:
                twin = locate(exact, self.text(other))
                if twin is not None:
                    found.also.append((other, twin[0], twin[1], self.text(other)[twin[0]:twin[1]]))
        return found

    def _why_not(self, quote: str, cited: Source | None) -> str:
        if cited is None:
            return "not in any source; the source number is unknown"
        words = set(_WORD.findall(quote.lower()))
        if words and words <= set(_WORD.findall(self.text(cited).lower())):
            return "a frankenquote: its words stand in the article, but not together"
        return "not in any source"
