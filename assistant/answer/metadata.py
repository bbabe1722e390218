"""The metadata route: questions about an article rather than its story (who wrote it, which outlet,
when, its headline) are answered from the article's fields, whichever answerer is configured.

The answer states the field of the article retrieval ranks first among those the question points
at (by outlet or year), and cites the article's opening sentence, verbatim, so the reader can open
the article it speaks of. It reads every retrieved passage, before the evidence filter: the fields
of a corrected article are still its fields.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer.render import when
from assistant.models import Answer, Citation, Passage
from assistant.retrieval.analysis import QueryAnalysis
from assistant.text.sentences import sentence_spans

_LABELS = {"author": "was written by", "source": "was published by", "published": "was published on",
           "title": "is headlined"}


def answer_metadata(analysis: QueryAnalysis, passages: list[Passage],
                    get_text: Callable[[str], str]) -> Answer | None:
    """The metadata answer, or None for a question about the story, or when no retrieved article
    fits or has the field asked for (the answerer then answers as for any question)."""
    field = analysis.metadata_field
    if not field:
        return None
    outlets = set(analysis.outlets)
    years = {str(y) for y in analysis.years}
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
    about = f"“{p.title}”" if field != "title" and p.title else "The article"
    where = f" ({p.source})" if field not in ("source", "title") and p.source else ""
    answer = f"{about}{where} {_LABELS[field]} {shown} [1]"
    cite = Citation(n=1, article_id=p.article_id, quote=text[start:end], start=start, end=end, title=p.title,
                    source=p.source, author=p.author, published=p.published, url=p.url)
    return Answer(question=analysis.question, status="answered", answer=answer, citations=[cite])
