"""Who wrote and who published an article, from single lines of its text: a ``By ...``
byline, a copyright or usage notice naming the outlet, a wire agency signing its copy.

Each function judges one line on its own; ``ingest.metadata`` decides which lines to ask.
"""

from __future__ import annotations

import re

from assistant.text.dates import MONTHS, WEEKDAYS

__all__ = ["byline_author", "is_agency", "looks_like_domain", "outlet_from_notice"]

_BYLINE = re.compile(r"^by:?\s+(?P<names>\S.*?)[\s.,;:]*$", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
_NAME_PARTICLES = frozenset("de van von der den la le da di del al el bin ibn du dos das y st.".split())
# capitalised, yet they open prose ("By Monday the bridge ..."), not a name
_NOT_NAMES = frozenset([*"the a an this that these those then now".split(), *WEEKDAYS, *MONTHS])
_MAX_WORDS_PER_NAME = 6
_MAX_NAMES = 4

_COPYRIGHT_NAME_BEFORE = re.compile(r"^(?P<name>[^©]{2,60}?)\s*©\s*(?:\d{4})\b")
_COPYRIGHT_NAME_AFTER = re.compile(
    r"©\s*(?:copyright\s*)?\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*"
    r"(?P<name>[^.,|©]{2,60}?)\s*(?:[.,|]|all rights|$)",
    re.I,
)
_COPYRIGHT_WORD = re.compile(
    r"^copyright\s*(?:©\s*)?\d{4}\s+(?P<name>[^.,|©]{2,60}?)\s*(?:[.,|]|all rights|$)", re.I
)
_HYPERLINK_TO = re.compile(r"\bhyperlink to (?P<name>[\w-]+(?:\.[\w-]+)+)", re.I)
_DOMAIN_LIKE = re.compile(r"^[A-Za-z][\w-]*(?:\.[\w-]+)*\.[A-Za-z]{2,6}$")
_NOT_OUTLETS = frozenset({"text", "photo", "photos", "image", "images", "content", "copyright", "all"})
_WORD = re.compile(r"[^\W\d_]+")

# Agencies and outlets that sign wire copy: "By Bloomberg" names the outlet too.
_AGENCIES = frozenset(
    """bloomberg reuters ap afp xinhua tass anadolu dpa upi pti ani ians efe ansa kyodo yonhap interfax
    sputnik bernama azertac apa trend ria""".split()
    + [
        "associated press", "the associated press", "agence france-presse", "agence france presse",
        "anadolu agency", "ria novosti", "press trust of india", "bloomberg news", "reuters staff",
        "xinhua news agency", "kyodo news", "yonhap news agency", "cnn", "bbc", "bbc news",
    ]
)


def _is_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= _MAX_WORDS_PER_NAME or words[0].lower() in _NOT_NAMES:
        return False
    return all(w[0].isupper() or w.lower() in _NAME_PARTICLES for w in words) and words[0][0].isupper()


def byline_author(line: str) -> str | None:
    """"Naila Huseynova" for "By Naila Huseynova"; "A, B" for "By A and B"; None for prose
    such as "By the time ..." (names must be short and capitalised)."""
    m = _BYLINE.match(line)
    if not m:
        return None
    names = [n for n in _NAME_SPLIT.split(m["names"]) if n]
    if not 1 <= len(names) <= _MAX_NAMES or not all(_is_name(n) for n in names):
        return None
    return ", ".join(names)


def outlet_from_notice(line: str) -> str | None:
    """The outlet named by a copyright or usage notice ("Caliber.az © 2025", "© 2024 The
    Guardian", "... only if there is a hyperlink to Caliber.az")."""
    if len(line.split()) > 20:
        return None
    for pattern in (_COPYRIGHT_NAME_BEFORE, _COPYRIGHT_NAME_AFTER, _COPYRIGHT_WORD, _HYPERLINK_TO):
        m = pattern.search(line)
        if not m:
            continue
        name = m["name"].strip(" .,:;-–|")
        if name and name.lower() not in _NOT_OUTLETS and len(name.split()) <= 6 and _WORD.search(name):
            return name
    return None


def is_agency(name: str) -> bool:
    """True for a wire agency or outlet that signs its copy ("Reuters", "The Associated Press")."""
    return name.casefold() in _AGENCIES


def looks_like_domain(line: str) -> bool:
    """True for a line that is just a site's domain ("Caliber.az"), as outlets sign off."""
    return bool(_DOMAIN_LIKE.match(line))
