"""``ingest(inputs, store)``: read, parse, clean, chunk, embed and store articles.

The one public entry point of ``ingest/`` for the rest of citewise. Re-ingesting
an unchanged article does nothing; a changed one replaces its chunks; a broken
input is reported and skipped while the rest go on.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from assistant.models import Article, Chunk
from assistant.store import Store
from ingest.chunk import TokenCounter, chunk_article
from ingest.clean import clean_body
from ingest.metadata import parse_document
from ingest.sources import RawDocument, Skipped, iter_documents

OPTIMIZE_AFTER_CHUNKS = 500  # a large ingest leaves many index segments: merge them
WRITE_BATCH_CHUNKS = 128  # chunks embedded and committed together: progress and crash granularity


@dataclass
class IngestReport:
    """What an ingest did: ids added, updated, unchanged, and inputs skipped with the reason."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": [{"origin": o, "reason": r} for o, r in self.skipped],
            "chunks": self.chunks, "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        s = (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
             f"{len(self.skipped)} skipped; {self.chunks} chunks in {self.seconds:.1f}s")
        return s + "".join(f"\n  skipped {o}: {r}" for o, r in self.skipped)


def _canonical_url(url: str) -> str:
    p = urlsplit(url.strip())
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path.rstrip("/") or "/", p.query, ""))


def _digest(*parts: str | None) -> str:
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()


def article_id_for(url: str | None, title: str | None, source: str | None, published: str | None,
                   text: str) -> str:
    """Stable id: from the URL when known, else from title+outlet+date, else from the text."""
    if url:
        return _digest("url", _canonical_url(url))[:16]
    if title:
        return _digest("meta", title.strip().casefold(), (source or "").casefold(), published)[:16]
    return _digest("text", text)[:16]


def to_article(raw: RawDocument) -> Article | Skipped:
    """Parse and clean one raw document into an Article, or say why not."""
    parsed = parse_document(raw.text, raw.meta)
    text = clean_body(parsed.body)
    if not text.strip():
        return Skipped(raw.origin, "no article text after cleaning")
    aid = article_id_for(parsed.url, parsed.title, parsed.source, parsed.published, text)
    article = Article(article_id=aid, text=text, title=parsed.title, source=parsed.source, author=parsed.author,
                      published=parsed.published, url=parsed.url, origin=raw.origin)
    article.content_hash = _digest(text, parsed.title, parsed.source, parsed.author, parsed.published,
                                   parsed.url)[:32]
    return article


def ingest(
    inputs: Sequence[str], store: Store, *, count_tokens: TokenCounter, max_tokens: int = 256,
    progress: bool = False, fetch_timeout: float = 20.0, max_bytes: int = 10_000_000,
    on_event: Callable[[str], None] | None = None, allow_private: bool = False,
) -> IngestReport:
    """Ingest files, folders and URLs into ``store``; returns what happened to each."""
    t0 = time.perf_counter()
    report = IngestReport()
    pending: dict[str, tuple[Article, bool]] = {}
    for item in _track(iter_documents(inputs, fetch_timeout=fetch_timeout, max_bytes=max_bytes,
                                         allow_private=allow_private),
                       progress, "reading"):
        art = item if isinstance(item, Skipped) else to_article(item)
        if isinstance(art, Skipped):
            report.skipped.append((art.origin, art.reason))
            continue
        if art.article_id in pending:
            report.skipped.append((art.origin, f"same article as {pending[art.article_id][0].origin}"))
            continue
        old = store.content_hash(art.article_id)
        if old == art.content_hash:
            report.unchanged.append(art.article_id)
            continue
        pending[art.article_id] = (art, old is not None)
    chunked = [(a, chunk_article(a.article_id, a.text, count_tokens, max_tokens)) for a, _ in pending.values()]
    total = sum(len(cs) for _, cs in chunked)
    batches: list[list[tuple[Article, list[Chunk]]]] = [[]]
    n = 0
    for a, cs in chunked:
        if n >= WRITE_BATCH_CHUNKS:
            batches.append([])
            n = 0
        batches[-1].append((a, cs))
        n += len(cs)
    with _Bar(progress, total) as bar, ThreadPoolExecutor(1, thread_name_prefix="citewise-embed") as pool:
        # the next batch is embedded (the model releases the GIL) while this one is written
        embed = store.embeddings.embed_documents

        def texts_of(batch: list[tuple[Article, list[Chunk]]]) -> list[str]:
            return [c.text for _, cs in batch for c in cs]

        ahead = pool.submit(embed, texts_of(batches[0]))
        for i, batch in enumerate(batches):
            vectors = ahead.result()
            if i + 1 < len(batches):
                ahead = pool.submit(embed, texts_of(batches[i + 1]))
            store.primed.prime(texts_of(batch), vectors)
            store.upsert(batch)
            bar.advance(sum(len(cs) for _, cs in batch))
    if total >= OPTIMIZE_AFTER_CHUNKS:
        store.optimize()
    for a, updated in pending.values():
        (report.updated if updated else report.added).append(a.article_id)
    report.chunks = total
    report.seconds = time.perf_counter() - t0
    if on_event:
        on_event(report.summary())
    return report


def sample_paths() -> list[str]:
    """The bundled demo corpus: two sample articles shipped inside the package."""
    folder = resources.files("ingest").joinpath("samples")
    return sorted(str(Path(str(folder)) / p.name) for p in folder.iterdir() if p.name.endswith(".txt"))


def _track(items, progress: bool, label: str):
    if not progress:
        yield from items
        return
    from rich.console import Console

    with Console(stderr=True).status(f"{label}...") as status:
        for i, item in enumerate(items, 1):
            status.update(f"{label}: {i} documents")
            yield item


class _Bar:
    """A rich progress bar on stderr over chunks embedded, or nothing when quiet."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled and total > 0
        self.total = total

    def __enter__(self) -> _Bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.p = Progress(TextColumn("embedding chunks"), BarColumn(), MofNCompleteColumn(),
                              TimeRemainingColumn(), console=Console(stderr=True))
            self.p.start()
            self.task = self.p.add_task("embed", total=self.total)
        return self

    def advance(self, n: int) -> None:
        if self.enabled:
            self.p.advance(self.task, n)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.p.stop()
