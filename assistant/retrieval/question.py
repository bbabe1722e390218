"""What a question names: the outlets it mentions, the names and codes it asks about, the thing its
form asks for (the *range* of, which *company*), and the article field a question about an article
asks for (who wrote it, which outlet). ``analysis.analyse`` is their one caller.

Its kind and cues live in ``assistant.text.cues``, its dates in ``assistant.text.dates``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.text.dates import YEAR
from assistant.text.fold import fold
from assistant.text.terms import QUESTION_WORDS, STOPWORDS, terms

_NAME = re.compile(r"[A-ZÀ-Þ][\w’'\-]*|\b[\w\-]*\d[\w\-]*")


def mentioned_sources(question: str, sources: list[str]) -> list[str]:
    """Outlets of the store that the question names ("as reported by The Age").

    Names match with their capitals ("the age of" is not The Age), except
    domain-like names (caliber.az), which people type in any case.
    """
    folded_q = fold(question)
    return [src for src, pats in _source_patterns(tuple(sources))
            if any(p.search(folded_q if folded else question) for p, folded in pats)]


@lru_cache(maxsize=8)
def _source_patterns(sources: tuple[str, ...]) -> list[tuple[str, list[tuple[re.Pattern[str], bool]]]]:
    out = []
    for src in sources:
        bare = re.sub(r"^the\s+", "", src, flags=re.I)
        pats = []
        for name in sorted({src, bare, re.sub(r"\.(com|az|org|net|co\.uk)$", "", src, flags=re.I)}):
            if len(name) >= 3:
                folded = "." in name
                needle = fold(name) if folded else name
                pats.append((re.compile(rf"(?<![\w.]){re.escape(needle)}(?![\w])"), folded))
        out.append((src, pats))
    return out


def entity_terms(question: str, sources: list[str]) -> set[str]:
    """Analysed terms of the names and codes a question asks about (not outlets or years)."""
    source_terms = {t for src in sources for t in terms(src)}
    out = set()
    for m in _NAME.finditer(question):
        word = m.group(0)
        if YEAR.fullmatch(word):
            continue
        for t in terms(word):
            if t not in STOPWORDS and t not in source_terms and t not in QUESTION_WORDS:
                out.add(t)
    return out


_FOCUS = [
    re.compile(r"\b(?:what|which)\s+(?:is|was|are|were)\s+(?:the\s+|\w+['’]s\s+)?((?:\w+\s+){0,1}\w+)\s+(?:of|for)\b",
               re.I),
    re.compile(r"\bwhat\s+(?:is|was)\s+\w+['’]s\s+((?:\w+\s+){0,1}\w+)\s*\??$", re.I),
    re.compile(r"\b(?:which|what)\s+(?:\w+\s+){0,2}?(company|firm|companies|minister|agency|bank|court|party|"
               r"manufacturer|maker|supplier|contractor|buyer|investor)\b", re.I),
    re.compile(r"\bwho\s+(?:is|was|are|were)\s+(?:the\s+)?(?:[\w’']+\s+){0,3}?(minister|president|ceo|chief executive|"
               r"chairman|chairwoman|head|director|spokesperson|spokesman|founder|owner|manufacturer)\b", re.I),
    re.compile(r"\b(?:what|how)\s+did\s+(?:[\w’'-]+\s+){1,4}?(reply|respond|answer|react|vote|decide|rule)\b", re.I),
    re.compile(r"\bwhich\s+[\w\s-]{0,30}?\b(manufactures?|makes|produces|builds|owns|runs)\b", re.I),
    re.compile(r"\bwhat\s+was\s+the\s+(outcome|result|verdict|decision)\b", re.I),
]


def focus_words(question: str) -> list[str]:
    """The thing a question asks for, when its form names it: the *range* of, which *company*,
    who is the *minister*, what did X *reply*. An article that never uses the word cannot say it."""
    out = []
    for pattern in _FOCUS:
        for m in pattern.finditer(question):
            out.extend(m.group(1).split())
    return out


_ASKS = (
    ("author", re.compile(r"\bwho (wrote|authored|is the author)|\bwritten by\b|\bauthor of\b|\bwhose byline\b|"
                          r"\bwho (is the )?(reporter|journalist)\b", re.I)),
    ("source", re.compile(r"\bwhich (outlet|publication|newspaper|paper|site|agency|news ?(site|agency|outlet))\b|"
                          r"\bwho published\b|\bwhat (outlet|publication)\b", re.I)),
    ("published", re.compile(r"\bwhen (was|were|did)\b.*\b(publish|report|writ|releas|run|post)\w*|"
                             r"\b(what|which) (date|day)\b.*\b(publish|report)\w*|\bpublication date\b", re.I)),
    ("title", re.compile(r"\b(headline|title)\b", re.I)),
)


def metadata_field(question: str) -> str | None:
    """The article field a question asks for (author, source, published, title), or None for a
    question about the story."""
    for name, pattern in _ASKS:
        if pattern.search(question):
            return name
    return None
