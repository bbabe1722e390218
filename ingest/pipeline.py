"""``ingest(inputs, store)``: read, parse, clean, chunk, embed and store articles.

The one public entry point of ``ingest/`` for the rest of citewise. Re-ingesting
an unchanged article does nothing; a changed one replaces its chunks; a broken
input is reported and skipped while the rest go on.

Articles stream through in bounded steps: one is read, cleaned and chunked while
the chunks before it are embedded, and ``WRITE_BATCH_CHUNKS`` chunks at a time are
embedded and written, so a 19 MB upload holds about one article's text and two
steps' vectors, not every text, chunk and vector of the upload at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from assistant.index import Store
from assistant.index.types import SentenceRow
from assistant.models import Article, Chunk
from ingest.chunk import ArticleChunks, TokenCounter, chunk_spans
from ingest.clean import clean_body
from ingest.metadata import parse_document
from ingest.sources import RawDocument, Skipped, iter_documents

OPTIMIZE_AFTER_CHUNKS = 500  # a large ingest leaves many index segments: merge them
WRITE_BATCH_CHUNKS = 128  # chunks embedded and written together: progress, crash granularity, memory bound
# after an ingest, or an article, of this many characters, freed memory goes back to the system: glibc
# keeps the copies a 19 MB text's parsing and cleaning freed (~250 MB) mapped otherwise; below it the
# ~50 ms are not worth it
RELEASE_AFTER_CHARS = 2_000_000


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
    # fed part by part: the same hash as of the joined text, without another copy of a long article
    h = hashlib.sha256()
    for i, p in enumerate(parts):
        if i:
            h.update(b"\x1f")
        h.update((p or "").encode("utf-8"))
    return h.hexdigest()


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


def too_long(raw: RawDocument, max_chars: int | None) -> Skipped | None:
    """A Skipped for a document over ``max_chars`` characters, before any work is spent on it."""
    if max_chars is None or len(raw.text) <= max_chars:
        return None
    return Skipped(raw.origin, f"too long: {len(raw.text):,} characters, over the limit of {max_chars:,} per "
                               "article (CITEWISE_MAX_ARTICLE_CHARS); split it into several articles")


@dataclass
class _Step:
    """Up to WRITE_BATCH_CHUNKS chunks to embed and write together: slices of one or more articles. An
    article's rows are written in the step holding its last chunk, after all its vectors are in."""

    parts: list[tuple[Article, list[Chunk]]] = field(default_factory=list)
    first: list[str] = field(default_factory=list)  # articles whose old vectors go before this step's are added
    done: list[tuple[Article, ArticleChunks, bool]] = field(default_factory=list)  # (article, chunks, updated)
    size: int = 0


def _steps(articles: Iterator[tuple[Article, bool]], count_tokens: TokenCounter, max_tokens: int,
           batch: int, on_chunked: Callable[[int], None]) -> Iterator[_Step]:
    step = _Step()
    for article, updated in articles:
        chunks = ArticleChunks(article.article_id, article.text, chunk_spans(article.text, count_tokens, max_tokens))
        on_chunked(len(chunks))
        i, n = 0, len(chunks)
        step.first.append(article.article_id)
        while True:
            take = min(batch - step.size, n - i)
            if take:
                step.parts.append((article, chunks[i:i + take]))
                step.size += take
                i += take
            if i >= n:
                step.done.append((article, chunks, updated))
            if step.size >= batch:
                yield step
                step = _Step()
            if i >= n:
                break
        del article, chunks  # the next article is read while this step is written: hold one text, not two
    if step.parts or step.done:
        yield step


def ingest(
    inputs: Sequence[str], store: Store, *, count_tokens: TokenCounter, max_tokens: int = 256,
    progress: bool = False, fetch_timeout: float = 20.0, max_bytes: int = 10_000_000,
    on_event: Callable[[str], None] | None = None, allow_private: bool = False,
    max_article_chars: int | None = None,
) -> IngestReport:
    """Ingest files, folders and URLs into ``store``; returns what happened to each. A document of more
    than ``max_article_chars`` characters (None: no limit) is skipped with the reason."""
    t0 = time.perf_counter()
    report = IngestReport()
    seen: dict[str, str] = {}  # article id to ingest: the origin it was read from
    volume = 0  # characters read

    def articles() -> Iterator[tuple[Article, bool]]:
        nonlocal volume
        for item in _track(iter_documents(inputs, fetch_timeout=fetch_timeout, max_bytes=max_bytes,
                                             allow_private=allow_private), bar):
            long_one = False
            if isinstance(item, Skipped):
                art: Article | Skipped = item
            else:
                volume += len(item.text)
                art = too_long(item, max_article_chars) or to_article(item)
                long_one = len(item.text) >= RELEASE_AFTER_CHARS
            del item  # the raw text: the clean one is all that is needed from here on
            if long_one:  # parsing and cleaning copied it several times: give that back before embedding it
                release_memory()
            if isinstance(art, Skipped):
                report.skipped.append((art.origin, art.reason))
                continue
            if art.article_id in seen:
                report.skipped.append((art.origin, f"same article as {seen[art.article_id]}"))
                continue
            old = store.content_hash(art.article_id)
            if old == art.content_hash:
                report.unchanged.append(art.article_id)
                continue
            seen[art.article_id] = art.origin or ""
            yield art, old is not None
            del art

    sentences: dict[str, list[SentenceRow]] = {}  # sentence vectors of articles whose rows are not written yet

    def write(step: _Step, embedded: tuple[list[list[float]], dict[str, list[SentenceRow]]]) -> None:
        # vectors first, then the rows of the articles they complete: see Store.upsert
        vectors, rows = embedded
        for article_id, sents in rows.items():
            sentences.setdefault(article_id, []).extend(sents)
        store.delete_vectors(step.first)
        store.add_vectors(step.parts, vectors)
        store.write_rows([(a, cs) for a, cs, _ in step.done],
                         {a.article_id: sentences.pop(a.article_id, []) for a, _, _ in step.done})
        for a, cs, updated in step.done:
            (report.updated if updated else report.added).append(a.article_id)
            report.chunks += len(cs)
        bar.advance(step.size)

    with _Bar(progress) as bar, ThreadPoolExecutor(1, thread_name_prefix="citewise-embed") as pool:
        steps = _steps(articles(), count_tokens, max_tokens, WRITE_BATCH_CHUNKS, bar.grow)
        step = next(steps, None)
        ahead = pool.submit(store.embed, step.parts) if step else None
        while step is not None and ahead is not None:
            following = next(steps, None)  # read, clean and chunk while this step is embedded
            embedded = ahead.result()
            if following is not None:
                ahead = pool.submit(store.embed, following.parts)  # and embed the next while this one is written
            write(step, embedded)
            del embedded
            step = following
    if report.chunks >= OPTIMIZE_AFTER_CHUNKS:
        store.optimize()
    if volume >= RELEASE_AFTER_CHARS:
        release_memory()
    report.seconds = time.perf_counter() - t0
    if on_event:
        on_event(report.summary())
    return report


def release_memory() -> None:
    """Hand freed memory back to the system: collect cycles, then glibc's ``malloc_trim`` (every arena,
    the embedding thread's too), where there is one. Without it a server keeps its peak resident."""
    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    except OSError:  # not glibc (musl, macOS): nothing to trim
        pass


def sample_paths() -> list[str]:
    """The bundled demo corpus: two sample articles shipped inside the package."""
    folder = resources.files("ingest").joinpath("samples")
    return sorted(str(Path(str(folder)) / p.name) for p in folder.iterdir() if p.name.endswith(".txt"))


def _track(items, bar: _Bar):
    for item in items:
        bar.read()
        yield item


class _Bar:
    """A rich progress bar on stderr over chunks embedded (its total grows as articles are read and
    chunked), or nothing when quiet."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.documents = 0
        self.total = 0

    def __enter__(self) -> _Bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), console=Console(stderr=True))
            self.p.start()
            self.task = self.p.add_task("reading", total=None)
        return self

    def read(self) -> None:
        self.documents += 1
        if self.enabled:
            self.p.update(self.task, description=f"embedding chunks of {self.documents} documents")

    def grow(self, n: int) -> None:
        self.total += n
        if self.enabled:
            self.p.update(self.task, total=self.total)

    def advance(self, n: int) -> None:
        if self.enabled:
            self.p.advance(self.task, n)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.p.stop()
