"""The data that flows from ingest to the user: ArticleRef, Article, Chunk, Passage, Citation, Answer.

``ArticleRef`` declares the article's fields once; ``Article``, ``Passage``, ``Citation`` and ``AlsoIn``
are references to an article with their own fields added (keyword-only, so they read the same
whichever class adds a field), and ``.ref`` gives the bare reference.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal


@dataclass(kw_only=True)
class ArticleRef:
    """Which article, as a reader names it: outlet, author, date, headline, address."""

    article_id: str
    title: str | None = None
    source: str | None = None  # the outlet, e.g. "Caliber.az"
    author: str | None = None
    published: str | None = None  # ISO 8601, e.g. "2025-06-25T19:17:00"
    url: str | None = None

    @property
    def ref(self) -> ArticleRef:
        """The reference alone, whatever else this object carries."""
        return ArticleRef(**{f.name: getattr(self, f.name) for f in fields(ArticleRef)})


REF_FIELDS = tuple(f.name for f in fields(ArticleRef))


@dataclass(kw_only=True)
class Article(ArticleRef):
    """One cleaned article. ``text`` is what quotes are cut from: offsets index into it."""

    text: str
    origin: str | None = None  # the path or URL it was read from
    content_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Chunk:
    """A sentence-aligned span of an article: ``text == article.text[start:end]``."""

    chunk_id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(kw_only=True)
class Passage(ArticleRef):
    """A chunk found by retrieval, with its article and fused score."""

    chunk_id: str
    start: int
    end: int
    text: str
    score: float
    dense: float | None = None  # cosine to the question, when the dense ranker found it
    lexical: float | None = None  # BM25, when the lexical ranker found it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(kw_only=True)
class AlsoIn(ArticleRef):
    """Another article that carries the same sentence or a near copy of it."""

    start: int
    end: int
    quote: str = ""


@dataclass(kw_only=True)
class Citation(ArticleRef):
    """A verified quote: ``quote == article(article_id).text[start:end]``."""

    n: int
    quote: str
    start: int
    end: int
    also_in: list[AlsoIn] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        order = ["n", *REF_FIELDS, "quote", "start", "end"]
        out = {k: d[k] for k in order}
        out["also_in"] = [
            {k: a[k] for k in ("article_id", "title", "source", "published", "start", "end", "quote")}
            for a in d["also_in"]
        ]
        return out


Status = Literal["answered", "no_answer"]


@dataclass
class Answer:
    """The answer contract shared by the CLI, the web API and Slack."""

    question: str
    status: Status
    answer: str
    citations: list[Citation] = field(default_factory=list)
    backend: str = "extractive"
    timings_ms: dict[str, float] = field(default_factory=dict)
    fallback_reason: str | None = None
    model: str | None = None  # the language model that wrote the answer (backend "llm")
    # what verification did to the model's quotes: proposed, kept, repaired, reattributed, dropped
    verification: dict[str, int] | None = None
    # sentences derived from metadata (the order of publication dates), never shown as quotes
    derived: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question": self.question,
            "status": self.status,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "backend": self.backend,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
        if self.fallback_reason:
            out["fallback_reason"] = self.fallback_reason
        if self.model:
            out["model"] = self.model
        if self.verification is not None:
            out["verification"] = dict(self.verification)
        if self.derived:
            out["derived"] = list(self.derived)
        return out
