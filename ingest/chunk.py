"""Sentence-aligned chunks with character offsets into the clean article text.

Chunks are sized in the embedding model's word pieces: all-MiniLM-L6-v2 reads
256, and a longer chunk would silently lose its tail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.models import Chunk
from assistant.sentences import sentence_spans

TokenCounter = Callable[[Sequence[str]], list[int]]
_SPECIAL_TOKENS = 2  # [CLS] and [SEP]
_SPACE = re.compile(r"\s+")


def _split_long(text: str, s: int, e: int, n_tokens: int, budget: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence at word boundaries into pieces of about ``budget`` tokens."""
    pieces = -(-n_tokens // budget)
    target = max(1, (e - s) // pieces)
    out, cur = [], s
    while e - cur > target * 1.15:
        cut = cur + target
        m = _SPACE.search(text, cut, e)
        if not m:
            break
        out.append((cur, m.start()))
        cur = m.end()
    out.append((cur, e))
    return out


def chunk_article(
    article_id: str, text: str, count_tokens: TokenCounter, max_tokens: int = 256
) -> list[Chunk]:
    """Greedy packing of whole sentences into chunks of at most ``max_tokens`` word pieces."""
    budget = max_tokens - _SPECIAL_TOKENS
    spans = sentence_spans(text)
    if not spans:
        return []
    counts = [n - _SPECIAL_TOKENS for n in count_tokens([text[s:e] for s, e in spans])]
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(spans, counts, strict=True):
        if n <= budget:
            units.append((s, e, n))
            continue
        parts = _split_long(text, s, e, n, budget)
        for (ps, pe), pn in zip(parts, count_tokens([text[a:b] for a, b in parts]), strict=True):
            units.append((ps, pe, pn - _SPECIAL_TOKENS))
    chunks: list[Chunk] = []
    cur_s, cur_e, cur_n = units[0]
    for s, e, n in units[1:]:
        # +1: the separator between sentences usually costs nothing, but be safe
        if cur_n + n + 1 <= budget:
            cur_e, cur_n = e, cur_n + n + 1
            continue
        chunks.append(_make(article_id, len(chunks), text, cur_s, cur_e))
        cur_s, cur_e, cur_n = s, e, n
    chunks.append(_make(article_id, len(chunks), text, cur_s, cur_e))
    return chunks


def _make(article_id: str, index: int, text: str, s: int, e: int) -> Chunk:
    return Chunk(chunk_id=f"{article_id}:{index}", article_id=article_id, index=index, start=s, end=e, text=text[s:e])
