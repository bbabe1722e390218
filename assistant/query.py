"""What a question asks: its kind (why, when, ...), the names and codes in it,
the outlets and years it mentions. Shared by retrieval and composition."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

from assistant.textnorm import QUESTION_WORDS, STOPWORDS, fold, terms

MONTHS = "january february march april may june july august september october november december".split()
_DATE = re.compile(
    r"\b(\d{4}|(?:" + "|".join(m[:3] for m in MONTHS) + r")[a-z]*\.?\s+\d{1,2}|\d{1,2}\s+(?:"
    + "|".join(m[:3] for m in MONTHS) + r")[a-z]*|(?:last|next|this|earlier this|later this)\s+"
    r"(?:year|month|week)|yesterday|today|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", re.I)
_MONTH_NAME = re.compile(  # case-sensitive: "May" is a month, "may" is not
    r"\b(?:" + "|".join(m.capitalize() for m in MONTHS) + r"|Sept?\.|Jan\.|Feb\.|Aug\.|Oct\.|Nov\.|Dec\.)(?!\w)")
# amounts, not codes: the 400 of "S-400" is a name
_NUMBER = re.compile(
    r"(\$|€|£|¥|(?<![\w-])\d[\d,.]*\s*(?:%|percent|million|billion|trillion|bn|m\b)|(?<![\w-])\d[\d,.]*\b)", re.I)
_CAUSE = re.compile(
    r"\b(because|reason|reasons|due to|owing to|since|necessity|necessary|needs?|forced|in order to|so that|"
    r"as a result|after .{0,40}fail|failed|refus\w*|aim\w*|goal|seek\w*|sought|motivat\w*|argues?|justif\w*|"
    r"warn\w*|concern\w*|fears?|risk\w*|in an attempt|attempt to|to persuade|to convince|to try)\b",
    re.I)
_PERSON = re.compile(r"\b[A-Z][a-zà-ÿ]+(?:\s+[A-Z][a-zà-ÿ'’]+)+\b")
_WHO_VERB = re.compile(r"\b(said|says|told|according to|asked|urged|wrote|announced|stated|warned)\b", re.I)
_NAME = re.compile(r"[A-ZÀ-Þ][\w’'\-]*|\b[\w\-]*\d[\w\-]*")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")

# kinds whose answer must carry its cue: a reason, a date, a number
CUE_REQUIRED = ("why", "when", "how_much")


def question_type(question: str) -> str:
    """One of how_much, why, when, who, where, yes_no, what."""
    q = fold(question).strip()
    for kind, pat in (
        ("how_much", r"\bhow (much|many)\b|\bwhat (is|was) the (price|cost)\b|\bprice of\b|\bcost of\b"),
        ("why", r"\bwhy\b|\bwhat (was|is|were|are) the reasons?\b|\breasons?\b|\bwhat led\b"),
        ("when", r"\bwhen\b|\bwhat (date|year|day|month)\b|\bdate of\b"),
        ("who", r"\bwho\b|\bwhom\b|\bwhose\b"),
        ("where", r"\bwhere\b"),
    ):
        if re.search(pat, q):
            return kind
    if re.match(r"^(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b", q):
        return "yes_no"
    return "what"


def cue(kind: str, sentence: str) -> float:
    """1.0 when a sentence carries the kind of thing the question asks for, else 0.0."""
    if kind == "why":
        return 1.0 if _CAUSE.search(sentence) else 0.0
    if kind == "when":
        return 1.0 if (_DATE.search(sentence) or _MONTH_NAME.search(sentence)) else 0.0
    if kind == "how_much":  # a year is not an amount
        return 1.0 if any(not _YEAR.fullmatch(m.group(0).strip()) for m in _NUMBER.finditer(sentence)) else 0.0
    if kind == "who":
        return 1.0 if (_PERSON.search(sentence) or _WHO_VERB.search(sentence)) else 0.0
    return 0.0


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


def mentioned_years(question: str) -> list[int]:
    return sorted({int(y) for y in _YEAR.findall(question)})


def entity_terms(question: str, sources: list[str]) -> set[str]:
    """Analysed terms of the names and codes a question asks about (not outlets or years)."""
    source_terms = {t for src in sources for t in terms(src)}
    out = set()
    for m in _NAME.finditer(question):
        word = m.group(0)
        if _YEAR.fullmatch(word):
            continue
        for t in terms(word):
            if t not in STOPWORDS and t not in source_terms and t not in QUESTION_WORDS:
                out.add(t)
    return out


_MONTH_IDX = {m[:3]: i + 1 for i, m in enumerate(MONTHS)}
_MONTH_WORD = "|".join([*MONTHS, "sept", *(m[:3] for m in MONTHS)])
_WHEN = re.compile(
    r"\b(?:(after|since|before|until|prior to)\s+)?(?:(" + _MONTH_WORD + r")\.?\s+)?(19[5-9]\d|20\d\d)\b", re.I)


def time_windows(question: str) -> list[tuple[float | None, float | None]]:
    """Publication windows (epoch seconds, UTC) that a question names: "in 2020" -> that year,
    "in June 2025" -> that month, "after 2021" / "before March 2024" -> open-ended."""

    def ts(y: int, m: int = 1) -> float:
        y, m = (y + 1, 1) if m == 13 else (y, m)
        return datetime(y, m, 1, tzinfo=UTC).timestamp()

    out: list[tuple[float | None, float | None]] = []
    for rel, month, year in _WHEN.findall(question):
        y = int(year)
        m = _MONTH_IDX[month[:3].lower()] if month else 0
        start, end = (ts(y, m), ts(y, m + 1)) if m else (ts(y), ts(y + 1))
        rel = rel.lower()
        window = (end, None) if rel in ("after", "since") and not m else (
            (start, None) if rel in ("after", "since") else
            (None, start) if rel in ("before", "until", "prior to") else (start, end))
        if window not in out:
            out.append(window)
    return out[:2]



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
