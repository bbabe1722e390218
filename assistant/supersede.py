"""Corrections: a later article of the same outlet that says an earlier version was wrong
supersedes it, so the earlier one's sentences are not quoted against it."""

from __future__ import annotations

import re

from assistant.cache import Memo
from assistant.models import Passage
from assistant.text.terms import content_terms

_CORRECTION = re.compile(
    r"\b(an? )?(earlier|previous) version of this (article|story|report)|\bthis (article|story) (has been|was) "
    r"(corrected|updated)|^\s*correction\s*:|\bcorrects an earlier\b", re.I | re.M)
# by article text: the same articles come back question after question
_CORRECTIONS: Memo[str, bool] = Memo(1024)


def is_correction(text: str) -> bool:
    """True for an article that says it corrects an earlier version of itself."""
    return _CORRECTIONS.get(text, lambda: _is_correction(text))


def _is_correction(text: str) -> bool:
    low = text.lower()
    # every form the pattern knows holds one of these words: the regex runs on few articles (~3 ms saved)
    if "correct" not in low and "updated" not in low and "version of this" not in low:
        return False
    return bool(_CORRECTION.search(text))


def superseded(passages: list[Passage], texts: dict[str, str]) -> set[str]:
    """Articles that a later article of the same outlet corrects ("An earlier version of this
    article misstated..."): their sentences would contradict the correction, so they are not quoted."""
    by_id = {p.article_id: p for p in passages}
    fixes = [p for p in by_id.values() if is_correction(texts[p.article_id])]
    out = set()
    for fix in fixes:
        fix_title = set(content_terms(fix.title or ""))
        for old in by_id.values():
            if old.article_id == fix.article_id or old.source != fix.source:
                continue
            if not (old.published and fix.published and old.published < fix.published):
                continue
            title = set(content_terms(old.title or ""))
            if title and fix_title and len(title & fix_title) / min(len(title), len(fix_title)) >= 0.5:
                out.add(old.article_id)
    return out
