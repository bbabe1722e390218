"""Questions about order in time ("did X report ... before Y reported ...?", "which came first") and
the sentence the publication dates give them: stated as derived from metadata, never as a quote."""

from __future__ import annotations

import re

from assistant.answer.render import when
from assistant.models import Citation
from assistant.text.fold import fold

_ORDER = re.compile(r"\b(before|after|earlier|later|prior to|following|subsequent\w*|first|then|more recent\w*|"
                    r"most recent\w*|previous\w*|preceding|since|by the time)\b")


def chronological(question: str) -> bool:
    """Whether the question asks about the order of events in time."""
    return bool(_ORDER.search(fold(question)))


def derived_order(citations: list[Citation]) -> list[str]:
    """One sentence putting the quoted articles in order of publication, when there are two or more
    with dates; it says where it comes from."""
    dated: dict[str, Citation] = {}
    for c in citations:
        if c.published and c.article_id not in dated:
            dated[c.article_id] = c
    if len(dated) < 2:
        return []
    ordered = sorted(dated.values(), key=lambda c: c.published or "")
    parts = [f"{c.source or c.title or 'an article'} [{c.n}] on {when(c.published)}" for c in ordered]
    if ordered[0].published[:10] == ordered[-1].published[:10]:  # type: ignore[index]
        return [f"From the publication dates (not a quote): {', '.join(parts)}, all on the same day."]
    return [f"From the publication dates (not a quote): {parts[0]}, then " + ", then ".join(parts[1:]) + "."]
