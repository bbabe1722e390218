"""What kind of answer a question asks for (why, when, how much, ...), and whether a
sentence carries it: a reason, a date, an amount, a person who said something.
"""

from __future__ import annotations

import re

from assistant.text.dates import MONTH_ABBREVIATIONS, MONTHS, WEEKDAY_PATTERN, YEAR
from assistant.text.fold import fold

_MONTH_PREFIX = "|".join(m[:3] for m in MONTHS)
_DATE = re.compile(
    r"\b(\d{4}|(?:" + _MONTH_PREFIX + r")[a-z]*\.?\s+\d{1,2}|\d{1,2}\s+(?:"
    + _MONTH_PREFIX + r")[a-z]*|(?:last|next|this|earlier this|later this)\s+"
    r"(?:year|month|week)|yesterday|today|" + WEEKDAY_PATTERN + r")\b", re.I)
# news style shortens only the months longer than five letters (Jan., Sept.; never Mar. or Jun.)
_DOTTED_MONTHS = [a.capitalize() + r"\." for a, n in MONTH_ABBREVIATIONS.items() if len(MONTHS[n - 1]) > 5]
_MONTH_NAME = re.compile(  # case-sensitive: "May" is a month, "may" is not
    r"\b(?:" + "|".join([*(m.capitalize() for m in MONTHS), *_DOTTED_MONTHS]) + r")(?!\w)")
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
        return 1.0 if any(not YEAR.fullmatch(m.group(0).strip()) for m in _NUMBER.finditer(sentence)) else 0.0
    if kind == "who":
        return 1.0 if (_PERSON.search(sentence) or _WHO_VERB.search(sentence)) else 0.0
    return 0.0
