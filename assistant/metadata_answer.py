"""Questions about an article rather than its story: who wrote it, which outlet, when, its headline.

The answer states the metadata of the article retrieval ranks first among those
the question points at (by outlet or year), and cites the article's opening
sentence, verbatim, so the reader can open the article it speaks of.
"""

from __future__ import annotations

import re

from assistant.models import Answer, Citation, Passage
from assistant.query import mentioned_sources
from assistant.render import when
from assistant.text.dates import mentioned_years
from assistant.text.sentences import sentence_spans

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
    """The metadata field a question asks for, or None for a question about the story."""
    for name, pattern in _ASKS:
        if pattern.search(question):
            return name
    return None


def answer_metadata(question: str, field: str, passages: list[Passage], sources: list[str],
                    get_text) -> Answer | None:
    """The metadata answer, or None when no retrieved article fits or has that field."""
    outlets = set(mentioned_sources(question, sources))
    years = {str(y) for y in mentioned_years(question)}
    fitting = [p for p in passages
               if (not outlets or p.source in outlets) and (not years or (p.published or "")[:4] in years)]
    if not fitting:
        return None
    p = fitting[0]
    value = getattr(p, field)
    if not value:
        return None
    text = get_text(p.article_id)
    spans = sentence_spans(text)
    if not spans:
        return None
    start, end = spans[0]
    shown = when(value) if field == "published" else value
    label = {"author": "was written by", "source": "was published by", "published": "was published on",
             "title": "is headlined"}[field]
    about = f"“{p.title}”" if field != "title" and p.title else "The article"
    where = f" ({p.source})" if field not in ("source", "title") and p.source else ""
    answer = f"{about}{where} {label} {shown} [1]"
    cite = Citation(n=1, article_id=p.article_id, quote=text[start:end], start=start, end=end, title=p.title,
                    source=p.source, author=p.author, published=p.published, url=p.url)
    return Answer(question=question, status="answered", answer=answer, citations=[cite])
