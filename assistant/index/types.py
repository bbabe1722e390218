"""What the store's parts hand each other and the rest of citewise: a ranked ``Hit``, the rows a write
takes, and publication dates as the numbers the filters compare."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from assistant.models import Article, Chunk

# the article fields the metadata cache holds (the text is read on demand: it is most of the bytes)
META_FIELDS = ("article_id", "title", "source", "author", "published", "url", "origin", "content_hash")

# articles with their chunks, as ingest writes them; ``chunks`` may be a lazy sequence walked once
Items = Sequence[tuple[Article, Sequence[Chunk]]]
# a sentence's (start, end, vector): the vector as SENTENCE_DIM float16 little-endian numbers, unit length
SentenceRow = tuple[int, int, bytes]


class Hit(NamedTuple):
    """One ranked chunk from a ranker, with what filters need."""

    article_id: str
    start: int
    end: int
    score: float
    source: str | None
    published_ts: float | None


class ChunkRow(NamedTuple):
    """Where a stored chunk is: its article and its offsets into the article's text."""

    chunk_id: str
    article_id: str
    index: int
    start: int
    end: int


def published_ts(published: str | None) -> float | None:
    """Seconds since the epoch for an ISO 8601 date (naive = UTC), or None."""
    if not published:
        return None
    try:
        dt = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
