"""``citewise copy``: a store moved to another place without embedding anything again, e.g. the embedded
data dir to server mode (PostgreSQL and a Chroma server) and back.

Articles, chunk rows and sentence vectors are copied as they are, the chunks' vectors are read from the
source's vector index, the lexical index is written from the same chunks (so it ranks as the source's
did), and conversations and Slack feedback follow. A target that already holds an article gets the
source's version of it; a second copy changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.config import Settings
from assistant.errors import InputError
from assistant.index import open_store
from assistant.index.sentence_vectors import analyse_sentences
from assistant.index.store import Store
from assistant.index.types import ChunkRow
from assistant.models import Chunk

PAGE = 50  # articles a write carries: bounded memory, one transaction each


class NoModel:
    """The embeddings of a copy: every vector comes from the source, so a call is a bug."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError(f"citewise copy was about to embed {len(texts)} chunks again")

    def embed_query(self, text: str) -> list[float]:
        raise AssertionError("citewise copy was about to embed a query")


@dataclass
class CopyReport:
    articles: int = 0
    chunks: int = 0
    vectors: int = 0
    conversations_turns: int = 0
    feedback_rows: int = 0
    vectors_shared: bool = False  # source and target use the same vector index: nothing to copy
    skipped: list[str] = field(default_factory=list)  # articles whose vectors are incomplete in the source

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self, where: str) -> str:
        vec = "vectors shared, not copied" if self.vectors_shared else f"{self.vectors} vectors"
        out = (f"copied to {where}: {self.articles} articles, {self.chunks} chunks, {vec}, "
               f"{self.conversations_turns} conversation turns, {self.feedback_rows} feedback rows")
        if self.skipped:
            out += (f"; {len(self.skipped)} articles skipped for missing vectors (run `citewise check` on the "
                    f"source, then copy again): {', '.join(self.skipped[:5])}")
        return out


def rows_place(s: Settings) -> str:
    return s.database_url or f"sqlite:{s.home}"


def vectors_place(s: Settings) -> str:
    return f"{s.chroma_url or f'chroma:{s.home}'}#{s.collection}"


def target_settings(source: Settings, to: str, chroma_url: str | None) -> Settings:
    """The settings of the copy's target: a PostgreSQL URL (rows there, vectors on ``chroma_url`` or in the
    source's data dir) or a data dir (everything embedded there, or vectors on ``chroma_url``)."""
    if not to.strip():
        raise InputError("copy --to needs a postgresql:// URL or a data dir")
    if "://" in to and not to.startswith(("postgresql:", "postgres:")):
        scheme = to.split('://')[0]
        raise InputError(f"copy --to {scheme}://...: only a postgresql:// URL or a data dir can be a target")
    if to.startswith(("postgresql:", "postgres:")):
        target = source.model_copy(update={"database_url": to, "chroma_url": chroma_url})
    else:
        from pathlib import Path

        target = source.model_copy(update={"home": Path(to).expanduser().resolve(), "database_url": None,
                                           "chroma_url": chroma_url})
    if rows_place(target) == rows_place(source):
        raise InputError(f"copy --to {to}: that is where the store already is")
    return target


def copy_store(source: Settings, target: Settings) -> CopyReport:
    src = open_store(source, NoModel())
    dst = open_store(target, NoModel())
    report = CopyReport(vectors_shared=vectors_place(source) == vectors_place(target))
    for page in _pages(src):
        items, vectors = [], []
        wanted = [c.chunk_id for _, chunks in page for c in chunks]
        got = {} if report.vectors_shared else src.vectors.vectors(wanted)
        for article, chunks in page:
            if not report.vectors_shared and any(c.chunk_id not in got for c in chunks):
                report.skipped.append(article.article_id)
                continue
            items.append((article, chunks))
            vectors += [got[c.chunk_id] for c in chunks] if not report.vectors_shared else []
        if report.vectors_shared:
            dst.write_rows(items)
        else:
            dst.upsert(items, vectors)
        sentences = src.articles.sentence_vectors([a.article_id for a, _ in items])
        texts = {a.article_id: a.text for a, _ in items}
        for article_id, rows in sentences.items():
            # analysed here rather than copied: no model runs, and the copy holds this version's analyses
            dst.articles.add_sentence_vectors(article_id, rows, analyse_sentences(texts[article_id], rows))
        report.articles += len(items)
        report.chunks += sum(len(c) for _, c in items)
        report.vectors += len(vectors)
    seeded = src.get_flag("seeded")
    if seeded:
        dst.set_flag("seeded", seeded)
    dst.optimize()
    report.conversations_turns, report.feedback_rows = _copy_people(source, target)
    return report


def _pages(store: Store) -> Iterator[list[tuple[Any, list[Chunk]]]]:
    """The store's articles with their chunks, ``PAGE`` at a time, in id order. The chunk rows (offsets
    only, ~100 bytes each) are read at once; the texts a page at a time."""
    rows: dict[str, list[ChunkRow]] = {}
    for row in store.articles.chunks(store.articles.chunk_ids()):
        rows.setdefault(row.article_id, []).append(row)
    ids = sorted(store.articles.metas())
    for i in range(0, len(ids), PAGE):
        page = []
        for aid in ids[i:i + PAGE]:
            article = store.get_article(aid)
            chunks = [Chunk(r.chunk_id, aid, r.index, r.start, r.end, article.text[r.start:r.end])
                      for r in sorted(rows.get(aid, []), key=lambda r: r.index)]
            page.append((article, chunks))
        yield page


def _copy_people(source: Settings, target: Settings) -> tuple[int, int]:
    """Conversations and Slack feedback: (turns, feedback rows) copied."""
    from assistant.slack.feedback import open_feedback
    from assistant.web.conversations import open_conversations

    turns = list(open_conversations(source).turns())
    open_conversations(target).put_turns(turns)
    feedback = open_feedback(source).export()
    open_feedback(target).put(feedback)
    return len(turns), sum(len(rows) for rows in feedback.values())
