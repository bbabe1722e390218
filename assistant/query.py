"""What a question asks: its kind (why, when, ...), the names and codes in it,
the outlets and years it mentions. Shared by retrieval and composition."""

from __future__ import annotations

import re

from assistant.textnorm import QUESTION_WORDS, STOPWORDS, fold, terms

MONTHS = "january february march april may june july august september october november december".split()
_DATE = re.compile(
    r"\b(\d{4}|(?:" + "|".join(m[:3] for m in MONTHS) + r")[a-z]*\.?\s+\d{1,2}|\d{1,2}\s+(?:"
    + "|".join(m[:3] for m in MONTHS) + r")[a-z]*|(?:last|next|this|earlier this|later this)\s+"
    r"(?:year|month|week)|yesterday|today|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", re.I)
_MONTH_NAME = re.compile(  # case-sensitive: "May" is a month, "may" is not
    r"\b(?:" + "|".join(m.capitalize() for m in MONTHS) + r"|Sept?\.|Jan\.|Feb\.|Aug\.|Oct\.|Nov\.|Dec\.)(?!\w)")
_NUMBER = re.compile(r"(\$|€|£|¥|\b\d[\d,.]*\s*(?:%|percent|million|billion|trillion|bn|m\b)|\b\d[\d,.]+\b)", re.I)
_CAUSE = re.compile(
    r"\b(because|reason|reasons|due to|owing to|since|necessity|necessary|needs?|forced|in order to|so that|"
    r"as a result|after .{0,40}fail|failed|refus\w*|aim\w*|goal|seek\w*|sought|motivat\w*|argues?|justif\w*)\b",
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
    if kind == "how_much":
        return 1.0 if _NUMBER.search(sentence) else 0.0
    if kind == "who":
        return 1.0 if (_PERSON.search(sentence) or _WHO_VERB.search(sentence)) else 0.0
    return 0.0


def mentioned_sources(question: str, sources: list[str]) -> list[str]:
    """Outlets of the store that the question names ("as reported by The Age").

    Names match with their capitals ("the age of" is not The Age), except
    domain-like names (caliber.az), which people type in any case.
    """
    folded_q = fold(question)
    found = []
    for src in sources:
        bare = re.sub(r"^the\s+", "", src, flags=re.I)
        for name in {src, bare, re.sub(r"\.(com|az|org|net|co\.uk)$", "", src, flags=re.I)}:
            if len(name) < 3:
                continue
            hay, needle = (folded_q, fold(name)) if "." in name else (question, name)
            if re.search(rf"(?<![\w.]){re.escape(needle)}(?![\w])", hay):
                found.append(src)
                break
    return found


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
