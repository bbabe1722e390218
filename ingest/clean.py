"""Boilerplate removal for article bodies that only ever drops whole lines.

Quotes are cut from the cleaned text and must match the article word for word,
so nothing here rewrites a sentence: a line is either kept exactly (whitespace at
its two ends stripped) or dropped, and runs of blank lines collapse to one.

Two kinds of rules:

* ``is_boilerplate`` judges one line on its own: menus, social links, share
  buttons, view counters, copyright notices, "ALSO READ:" teasers, photo credits.
* ``clean_body`` adds rules that need the whole text: UI scraps in another script
  (a Cyrillic "link copied" in an English page), the junk tail after the last real
  paragraph, and paragraphs repeated later as pull quotes.
"""

from __future__ import annotations

import re

__all__ = ["clean_body", "is_boilerplate"]

# Lines whose normalised form (casefolded, inner whitespace collapsed, trailing
# ".:!?" removed) is one of these are site chrome, never article text.
_EXACT_JUNK = frozenset(
    {
        # social networks and app stores, as left behind by icon menus
        "twitter", "x", "youtube", "instagram", "facebook", "telegram", "whatsapp", "linkedin",
        "tiktok", "reddit", "pinterest", "vk", "threads", "email", "e-mail", "rss",
        "apple store", "app store", "google play", "play market",
        "facebook twitter whatsapp reddit email share",
        # page controls
        "night_theme", "search", "what are you looking for", "region", "a+", "a-", "loading",
        "loading...", "ads", "ad", "print", "copy link", "share", "share this", "share this article",
        "tweet", "menu", "close", "subscribe", "sign in", "log in", "login", "register",
        "skip to content", "skip to main content", "back to top", "comments", "comment",
        "show comments", "watch now", "listen", "listen to this article",
        # language switchers
        "ru", "rus", "en", "eng", "arm", "az", "aze", "tr", "ge", "geo", "am", "de", "fr", "es",
        "ua", "uz", "kz", "ar", "fa",
        # advertising slots
        "advertisement", "advertisement - scroll to continue", "story continues below advertisement",
        "article continues below advertisement", "advertisement article continues below this ad",
        "skip advertisement", "sponsored", "sponsored content",
    }
)

_MAX_EXACT_JUNK_WORDS = max(len(j.split()) for j in _EXACT_JUNK)
_TRAILING_PUNCT = " \t.:!?…"

# Each pattern matches a line (or its start) that is chrome. They only apply to short
# lines, so that a long paragraph that happens to contain "©" is never dropped.
_MAX_WORDS_FOR_PATTERNS = 40
_JUNK_PATTERNS = [
    # view counters: "Views: 123", "1,234 views"
    re.compile(r"^views?\s*:?\s*[\d\s,.]+[km]?$", re.I),
    re.compile(r"^[\d,.]+[km]?\s+views?$", re.I),
    # copyright and usage notices
    re.compile(r"©"),
    re.compile(r"^copyright\b", re.I),
    re.compile(r"\ball rights reserved\b", re.I),
    re.compile(r"^any use of (the )?materials?\b", re.I),
    # teasers linking to other stories
    re.compile(
        r"^(also read|read also|read more|more|see more|see also|related|related pages|related stories"
        r"|related articles|related coverage|related content|recommended|recommended stories"
        r"|watch|watch this story|watch more|jump to a topic|more from \w+)\s*:",
        re.I,
    ),
    # share / follow buttons
    re.compile(r"^share-line", re.I),
    re.compile(r"\bshare (it|this|this article|this story) on (social media|facebook|twitter)\b", re.I),
    re.compile(r"^(liked|enjoyed) (the|this) (story|article)\?", re.I),
    re.compile(
        r"^(follow|join|subscribe to) us on (instagram|twitter|x|facebook|telegram|youtube|linkedin"
        r"|tiktok|whatsapp|google news)\b",
        re.I,
    ),
    # newsletter and app promos
    re.compile(r"^click here to\b", re.I),
    re.compile(r"^sign up (to|for) .*\bnewsletter\b", re.I),
    # bare photo credits: "Photograph: Amazon", "Photo by X / Engadget", "(Getty Images)"
    re.compile(r"^\(?(getty images|ap photo|reuters|afp)\)?$", re.I),
]
# A bare credit line ("Photograph: Amazon", "Photo by X / Engadget"); longer lines starting
# this way carry text of their own after the credit, so only short ones go.
_CREDIT_LINE = re.compile(
    r"^(photo|photos|photograph|photography|image|picture|image credit|photo credit|credit)\s*(:|by\b)", re.I
)
_MAX_CREDIT_WORDS = 10
# A caption ends with a bracketed credit: "...Corsica.(PHOTO / AFP)", "(Top photo: X / Getty
# Images)", "(Image credit: NASA)". The credit markers keep "(... a photo of his jersey ...)"
# in a sentence from counting. Captions run longer than chrome, hence their own limit.
_CAPTION = re.compile(
    r"\((?=[^()]{0,200}\)$)[^()]*?(getty images|istockphoto|shutterstock|alamy|stock photo|photo\s*[:/]"
    r"|photo by\b|photograph\s*:|image\s*:|image credit|photo credit|top photo\b|photo of [^():]{1,80}:"
    r"|via getty|ap photo|afp photo)[^()]*\)$",
    re.I,
)
_MAX_CAPTION_WORDS = 100

# A line that ends a sentence: final punctuation, maybe followed by closing quotes/brackets.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_LATIN_RUN = re.compile(r"[A-Za-z\u00C0-\u024F]+")
_OTHER_LETTER_RUN = re.compile(r"[^\W\d_A-Za-z\u00C0-\u024F]+")
_LETTER = re.compile(r"[^\W\d_]")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_LABEL = re.compile(r"^[^\s:]+(?:\s+[^\s:]+){0,3}\s*:\s")

# A paragraph repeated later (a pull quote) is dropped only when it is this long:
# short repeats ("Final: 4-2", list labels) are legitimate in live blogs and tables.
_MIN_DUPLICATE_WORDS = 8
# A "real paragraph" for finding the end of the article.
_MIN_PARAGRAPH_WORDS = 8
# Only short lines of the footer are dropped: a long one is text that lost its final period.
_MAX_TAIL_JUNK_WORDS = 15
# Short lines in another script than the article's are UI scraps only up to this size.
_MAX_FOREIGN_SCRAP_WORDS = 6


def _strip_line(line: str) -> str:
    """Whitespace (including zero-width characters) off both ends of a line."""
    return line.strip().strip(_ZERO_WIDTH).strip()


def _normalise(line: str) -> str:
    return " ".join(line.casefold().split()).strip(_TRAILING_PUNCT)


def is_boilerplate(line: str) -> bool:
    """True when a single line is site chrome (menu, share button, notice, teaser, credit).

    Judged on the line alone; ``clean_body`` adds the rules that need context.
    """
    stripped = _strip_line(line)
    if not stripped:
        return False
    words = len(stripped.split())
    if words <= _MAX_EXACT_JUNK_WORDS and (
        _normalise(stripped) in _EXACT_JUNK or stripped.casefold() in _EXACT_JUNK
    ):
        return True
    if words <= _MAX_CAPTION_WORDS and _CAPTION.search(stripped):
        return True
    if words <= _MAX_CREDIT_WORDS and _CREDIT_LINE.search(stripped):
        return True
    return words <= _MAX_WORDS_FOR_PATTERNS and any(p.search(stripped) for p in _JUNK_PATTERNS)


def _ends_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line))


def _is_mostly_latin(lines: list[str]) -> bool:
    text = "\n".join(lines)
    # letters counted as what removing them takes away: findall's list of every word of a long text is
    # ~10 times its size
    latin = len(text) - len(_LATIN_RUN.sub("", text))
    other = len(text) - len(_OTHER_LETTER_RUN.sub("", text))
    return latin > 0 and latin / (latin + other) >= 0.8


def _is_foreign_scrap(line: str) -> bool:
    """A short line with letters but none of them Latin ("Ссылка скопирована")."""
    if len(line.split()) > _MAX_FOREIGN_SCRAP_WORDS or _ends_sentence(line):
        return False
    return bool(_LETTER.search(line)) and not _LATIN.search(line)


def _is_real_paragraph(line: str) -> bool:
    return len(line.split()) >= _MIN_PARAGRAPH_WORDS and _ends_sentence(line)


def _drop_footer_taglines(lines: list[str], drop: list[bool]) -> None:
    """After the article's last real paragraph, drop runs of short non-sentence lines that
    sit between two dropped lines: taglines and menu labels inside the page footer
    ("REGION" / "The most important news of ..." / "loading").

    A run is dropped only when chrome closes it too, so a short last heading or a closing
    list after the article is kept.
    """
    last_paragraph = next(
        (i for i in range(len(lines) - 1, -1, -1) if not drop[i] and _is_real_paragraph(lines[i])), -1
    )
    filled = [i for i in range(last_paragraph + 1, len(lines)) if lines[i]]
    run: list[int] = []
    before_dropped = False
    for i in filled:
        if drop[i]:
            if run and before_dropped:
                for j in run:
                    drop[j] = True
            run, before_dropped = [], True
        elif len(lines[i].split()) <= _MAX_TAIL_JUNK_WORDS and not _ends_sentence(lines[i]):
            run.append(i)
        else:
            run, before_dropped = [], False


def _duplicate_key(line: str) -> str | None:
    """What a repeat of this line is recognised by, or None when a repeat is legitimate:
    short lines and "Label: value" fields ("Where to watch: Hulu") recur in lists."""
    if len(line.split()) < _MIN_DUPLICATE_WORDS or _LABEL.match(line):
        return None
    return _normalise(line)


def clean_body(text: str) -> str:
    """Drop boilerplate lines; keep every kept line's characters exactly (only whitespace
    at the line's ends stripped). Runs of blank lines collapse to one. Result stripped."""
    lines = [_strip_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    drop = [bool(line) and is_boilerplate(line) for line in lines]

    scraps = [i for i, line in enumerate(lines) if line and not drop[i] and _is_foreign_scrap(line)]
    if scraps and _is_mostly_latin(lines):
        for i in scraps:
            drop[i] = True

    _drop_footer_taglines(lines, drop)
    _drop_repeats(lines, drop)
    return _join_kept(lines, drop)


def _drop_repeats(lines: list[str], drop: list[bool]) -> None:
    """Drop a paragraph already seen, keeping the first occurrence: one found inside a
    longer earlier paragraph (a pull quote, maybe missing its final period), or an
    earlier sentence repeated (with or without its final period). An identical line that
    is not a sentence (a table legend) is kept: it may label different data each time."""
    seen: dict[str, bool] = {}  # whole earlier line -> it was a sentence
    norms: list[str] = []  # the earlier kept lines, normalised
    holders: dict[str, list[int]] = {}  # a word -> the earlier lines (indexes into norms) it is a whole word of
    for i, line in enumerate(lines):
        if not line or drop[i]:
            continue
        key = _duplicate_key(line)
        if key is not None and _inside_earlier(key, norms, holders) and (seen.get(key, True) or _ends_sentence(line)):
            drop[i] = True
            continue
        norm = _normalise(line) if key is None else key
        seen[norm] = seen.get(norm, False) or _ends_sentence(line)
        n = len(norms)
        norms.append(norm)
        for word in set(norm.split(" ")):
            held = holders.get(word)
            if held is None:
                holders[word] = [n]
            else:
                held.append(n)


def _inside_earlier(key: str, norms: list[str], holders: dict[str, list[int]]) -> bool:
    """Is ``key`` part of an earlier normalised line? Searching all earlier text for every line made a
    long text quadratic (4 MB: 150 s). The words of ``key`` but its first and last, which may be cut,
    are whole words of any line holding it, so only the lines holding its rarest inner word are searched."""
    inner = key.split(" ")[1:-1]
    if not inner:
        return not key or any(key in norm for norm in norms)
    fewest: list[int] | None = None
    for word in inner:
        held = holders.get(word)
        if held is None:
            return False
        if fewest is None or len(held) < len(fewest):
            fewest = held
    return any(key in norms[j] for j in fewest or ())


def _join_kept(lines: list[str], drop: list[bool]) -> str:
    out: list[str] = []
    for line, dropped in zip(lines, drop, strict=True):
        if dropped:
            continue
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()
