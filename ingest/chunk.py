"""Sentence-aligned chunks with character offsets into the clean article text.

Chunks are sized in the embedding model's word pieces: all-MiniLM-L6-v2 reads
256, and a longer chunk would silently lose its tail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import overload

from assistant.models import Chunk
from assistant.text.sentences import sentence_spans

TokenCounter = Callable[[Sequence[str]], list[int]]
_SPECIAL_TOKENS = 2  # [CLS] and [SEP]
_SPACE = re.compile(r"\s+")
# sentences counted per call: a tokenizer's encodings of a whole 19 MB text take ~1 GB; a bounded batch
# costs the same time and a few MB
COUNT_BATCH = 2048


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


def _counted(text: str, spans: list[tuple[int, int]], count_tokens: TokenCounter) -> list[int]:
    """Word pieces of each span, without [CLS] and [SEP], counted ``COUNT_BATCH`` spans at a time."""
    out: list[int] = []
    for i in range(0, len(spans), COUNT_BATCH):
        out += [n - _SPECIAL_TOKENS for n in count_tokens([text[s:e] for s, e in spans[i : i + COUNT_BATCH]])]
    return out


def chunk_spans(text: str, count_tokens: TokenCounter, max_tokens: int = 256) -> list[tuple[int, int]]:
    """(start, end) of each chunk: greedy packing of whole sentences into at most ``max_tokens`` word pieces."""
    budget = max_tokens - _SPECIAL_TOKENS
    spans = sentence_spans(text)
    if not spans:
        return []
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(spans, _counted(text, spans, count_tokens), strict=True):
        if n <= budget:
            units.append((s, e, n))
            continue
        parts = _split_long(text, s, e, n, budget)
        units += [(ps, pe, pn) for (ps, pe), pn in zip(parts, _counted(text, parts, count_tokens), strict=True)]
    del spans
    out: list[tuple[int, int]] = []
    cur_s, cur_e, cur_n = units[0]
    for s, e, n in units[1:]:
        # +1: the separator between sentences usually costs nothing, but be safe
        if cur_n + n + 1 <= budget:
            cur_e, cur_n = e, cur_n + n + 1
            continue
        out.append((cur_s, cur_e))
        cur_s, cur_e, cur_n = s, e, n
    out.append((cur_s, cur_e))
    return out


class ArticleChunks(Sequence[Chunk]):
    """An article's chunks, made from their offsets when asked for: the texts of a long article's chunks
    (another copy of the article) are never all held at once."""

    def __init__(self, article_id: str, text: str, spans: list[tuple[int, int]]) -> None:
        self.article_id, self.text, self.spans = article_id, text, spans

    def __len__(self) -> int:
        return len(self.spans)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...
    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...
    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self._make(j) for j in range(*i.indices(len(self.spans)))]
        return self._make(range(len(self.spans))[i])

    def _make(self, index: int) -> Chunk:
        s, e = self.spans[index]
        return Chunk(chunk_id=f"{self.article_id}:{index}", article_id=self.article_id, index=index, start=s, end=e,
                     text=self.text[s:e])


def chunk_article(
    article_id: str, text: str, count_tokens: TokenCounter, max_tokens: int = 256
) -> list[Chunk]:
    """Greedy packing of whole sentences into chunks of at most ``max_tokens`` word pieces."""
    return list(ArticleChunks(article_id, text, chunk_spans(text, count_tokens, max_tokens)))
