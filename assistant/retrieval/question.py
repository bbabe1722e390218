"""What a question names: the outlets it mentions (and the part of the question about each), the names
and codes it asks about, and the article field a question about an article asks for (who wrote it,
which outlet). ``analysis.analyse`` is their one caller.

Its kind and cues live in ``assistant.text.cues``, its dates in ``assistant.text.dates``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.text.dates import MONTH_ABBREVIATIONS, MONTHS, WEEKDAYS, YEAR
from assistant.text.fold import fold
from assistant.text.terms import QUESTION_WORDS, STOPWORDS, term, terms, words

_NAME = re.compile(r"[A-ZÀ-Þ][\w’'\-]*|\b[\w\-]*\d[\w\-]*")


def mentioned_sources(question: str, sources: list[str]) -> list[str]:
    """Outlets of the store that the question names ("as reported by The Age").

    Names match with their capitals ("the age of" is not The Age), except
    domain-like names (caliber.az), which people type in any case.
    """
    texts = (question, fold(question))
    return [src for src, pats in _source_patterns(tuple(sources))
            if any(needle in texts[folded] and p.search(texts[folded]) for p, folded, needle in pats)]


_CLAUSE = re.compile(r",\s*(?:and|but|while|whereas|yet)\b|;|\s(?:while|whereas)\s", re.I)


def sub_questions(question: str, sources: list[str]) -> list[str]:
    """The parts of a question that names outlets several times ("... according to Fortune, and ... as
    reported by The Age"), one a mention: each part is what one side is asked about. Parts are cut at the
    clause boundary between two mentions (", and", "; ", "while"), else where the next mention starts. A
    question with fewer than two mentions is one part, and gets no list."""
    texts = (question, fold(question))
    spans = sorted({(m.start(), m.end()) for _, pats in _source_patterns(tuple(sources))
                    for p, folded, needle in pats if needle in texts[folded] for m in p.finditer(texts[folded])})
    mentions: list[tuple[int, int]] = []
    for a, b in spans:  # overlapping names of one mention ("The Age", "Age") count once
        if mentions and a < mentions[-1][1]:
            mentions[-1] = (mentions[-1][0], max(b, mentions[-1][1]))
        else:
            mentions.append((a, b))
    if len(mentions) < 2:
        return []
    cuts = [0]
    for (_, end), (start, _) in zip(mentions, mentions[1:], strict=False):
        between = list(_CLAUSE.finditer(question, end, start))
        cuts.append(between[-1].start() if between else start)
    cuts.append(len(question))
    return [question[a:b].strip(" ,;") for a, b in zip(cuts, cuts[1:], strict=False) if question[a:b].strip(" ,;")]


@lru_cache(maxsize=8)
def _source_patterns(sources: tuple[str, ...]) -> list[tuple[str, list[tuple[re.Pattern[str], bool, str]]]]:
    """Each outlet's patterns, with whether they read the folded question and the literal each must find:
    a question names few of the store's outlets, and a substring test spares the others' patterns."""
    out = []
    for src in sources:
        bare = re.sub(r"^the\s+", "", src, flags=re.I)
        pats = []
        for name in sorted({src, bare, re.sub(r"\.(com|az|org|net|co\.uk)$", "", src, flags=re.I)}):
            if len(name) >= 3:
                folded = "." in name
                needle = fold(name) if folded else name
                pats.append((re.compile(rf"(?<![\w.]){re.escape(needle)}(?![\w])"), folded, needle))
        out.append((src, pats))
    return out


_DATE_WORD = re.compile("|".join([*MONTHS, *MONTH_ABBREVIATIONS, *WEEKDAYS, r"\d{1,2}(?:st|nd|rd|th)?"]))


def entity_terms(question: str, sources: list[str]) -> set[str]:
    """Analysed terms of the names and codes a question asks about (not outlets, years, months or days:
    a question's dates are met by the articles' publication dates as much as by their text)."""
    source_terms = {t for src in sources for t in terms(src)}
    out = set()
    for m in _NAME.finditer(question):
        word = m.group(0)
        if YEAR.fullmatch(word) or _DATE_WORD.fullmatch(word.lower().rstrip(".")):
            continue
        if _sentence_case(question, m.start(), word):
            continue
        for w in words(word):  # stopwords are words, not stems ("Does" stems to "doe")
            if w not in STOPWORDS and w not in QUESTION_WORDS and (t := term(w)) not in source_terms:
                out.add(t)
    return out


_MARKED = re.compile(r".[A-Z\d]|['’]s$")  # a capital or digit past the first letter, or a possessive


def _sentence_case(text: str, start: int, word: str) -> bool:
    """A word capitalised only because it opens the question or one of its sentences ("Compare ...",
    "Apart from ...") is no name; one with a capital, a digit or a possessive beyond its first letter
    ("SAMP/T", "F-35", "Macron's") still is."""
    opens = not text[:start].strip() or text[:start].rstrip()[-1] in ".?!:;"
    return opens and not _MARKED.search(word)


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
