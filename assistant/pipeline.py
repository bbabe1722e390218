"""The pipeline every front end calls, one list of stages:

    analyse -> retrieve -> rerank -> [metadata route] -> filter -> answer -> verify

``analyse`` reads the question once (``QueryAnalysis``); ``retrieve`` and ``rerank`` find the
passages; a question about an article rather than its story (who wrote it) is answered from the
article's fields (the metadata route), else ``filter`` builds the ``Evidence`` (superseded articles
and planted instructions out) and the configured answerer composes from it; ``verify.enforce`` is
the last gate, whatever the answerer. ``stream`` yields the stages' events, ``ask`` is its last
event, ``search`` runs the first stages only. The CLI, the web API, Slack, the evals and the
LangChain surface (``assistant.langchain``, which wraps an ``Assistant``) all come through ``Assistant``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from assistant.answer.base import Answerer, as_stream
from assistant.answer.evidence import EvidenceFilter
from assistant.answer.metadata import answer_metadata
from assistant.answer.registry import make_answerer
from assistant.answer.verify import enforce
from assistant.config import Settings, get_settings
from assistant.embeddings import make_embeddings, token_counter
from assistant.errors import ConfigError
from assistant.index import Store, open_store
from assistant.models import Answer, Passage
from assistant.retrieval.analysis import QueryAnalysis, analyse, validate_question
from assistant.retrieval.filters import Filters
from assistant.retrieval.hybrid import Hybrid
from assistant.retrieval.rerank import make_reranker
from assistant.warm import Warmed, Warmer

if TYPE_CHECKING:
    from ingest.pipeline import IngestReport

Event = tuple[str, Any]  # ("retrieval" | "delta" | "citation" | "done", payload)


def _done(events: Iterator[Event]) -> Answer:
    """The answer of the last event, ``("done", Answer)``."""
    last = deque(events, maxlen=1)  # runs every stage, keeps the last event only
    if not last or last[0][0] != "done":
        raise RuntimeError("the pipeline ended without its answer")
    return last[0][1]


class Pipeline:
    """The stages over one store, in order; each stage is an object the pipeline owns."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.hybrid = Hybrid(store, candidates=settings.candidates)
        # a name the factories do not know comes from the environment: the person who set it hears which
        try:
            self.reranker = make_reranker(settings.reranker, store)
        except ValueError as exc:
            raise ConfigError(f"CITEWISE_RERANKER: {exc}") from None
        self.evidence = EvidenceFilter(store.get_text)
        try:
            self.answerer = make_answerer(settings.llm, store, settings)
        except ValueError as exc:
            raise ConfigError(f"CITEWISE_LLM: {exc}") from None

    def analyse(self, question: str, k: int | None = None, filters: Filters | None = None,
                history: Sequence[str] = ()) -> QueryAnalysis:
        s = self.settings
        return analyse(question, sources=self.store.sources(), k=s.k if k is None else k, filters=filters,
                       history=history, rewrite=self.answerer.rewrite, max_chars=s.max_question_chars)

    def retrieve(self, analysis: QueryAnalysis) -> list[Passage]:
        """The retrieve and rerank stages: the passages the answer is drawn from, best first."""
        return self.reranker.rerank(analysis, self.hybrid.search(analysis, self.reranker.depth(analysis.k)))

    def run(self, question: str, k: int | None = None, filters: Filters | None = None,
            history: Sequence[str] = (), *, live: bool = True) -> Iterator[Event]:
        """Every stage, as events. ``live`` streams the answerer's pieces as it writes them; without it
        the answerer composes the answer whole (an LLM answerer then makes one plain request)."""
        t0 = time.perf_counter()
        analysis = self.analyse(question, k, filters, history)
        passages = self.retrieve(analysis)
        t_retrieve = time.perf_counter()
        yield "retrieval", passages
        # the metadata route reads every passage found: a corrected article's fields are still its fields
        routed = answer_metadata(analysis, passages, self.store.get_text)
        answer: Answer | None = None
        for piece in as_stream(routed) if routed else self._answer(analysis, passages, live):
            if isinstance(piece, Answer):
                answer = piece
            else:
                yield "delta", piece
        if answer is None:
            raise RuntimeError("the answerer's stream ended without its Answer")
        answer = enforce(answer, self.store.get_text)
        end = time.perf_counter()
        answer.timings_ms = {"retrieve": (t_retrieve - t0) * 1000, "compose": (end - t_retrieve) * 1000,
                             "total": (end - t0) * 1000}
        for c in answer.citations:
            yield "citation", c
        yield "done", answer

    def _answer(self, analysis: QueryAnalysis, passages: list[Passage], live: bool) -> Iterator[str | Answer]:
        evidence = self.evidence.filter(passages)
        if live:
            return self.answerer.stream(analysis, evidence)
        return as_stream(self.answerer.compose(analysis, evidence))

    def warm(self, limit: int, stop: Callable[[], bool] = lambda: False) -> Warmed:
        """Read ahead what questions read (``assistant.warm``): the lexical index, then at most ``limit``
        passages of the latest articles, through every stage that keeps what it reads. Ends early when
        ``stop()`` says so."""
        warmed = Warmed(postings=self.store.warm_index(stop))
        for batch in self.store.passages(limit):
            if stop():
                break
            self.reranker.warm(batch)
            self.answerer.warm(self.evidence.filter(batch))
            warmed.passages += len(batch)
        return warmed

    def close(self) -> None:
        self.hybrid.close()


class Assistant:
    """The facade of the front ends: one store and the pipeline over it."""

    def __init__(self, settings: Settings | None = None, *, progress: bool = False,
                 embeddings: Embeddings | None = None) -> None:
        self.settings = settings or get_settings()
        # an embedder may be shared between assistants (tests, workers): it is stateless
        self.embeddings = embeddings or make_embeddings(self.settings.embeddings)
        self.store = open_store(self.settings, self.embeddings)
        self.pipeline = Pipeline(self.store, self.settings)
        self.progress = progress
        self._seed_checked = False
        # a server reads ahead when it starts (``start_warming``); a one-off question does not wait for it
        self.warmer = Warmer(self.pipeline, self.settings.warm_passages)

    @property
    def answerer(self) -> Answerer:
        return self.pipeline.answerer

    # -- corpus ------------------------------------------------------------------
    def ingest(self, inputs: list[str], *, progress: bool = False) -> IngestReport:
        from ingest.pipeline import ingest

        self.store.set_flag("seeded", "user")
        s = self.settings
        return ingest(inputs, self.store, count_tokens=token_counter(self.embeddings),
                      max_tokens=s.max_chunk_tokens, progress=progress, fetch_timeout=s.fetch_timeout_s,
                      max_bytes=s.max_fetch_bytes, allow_private=s.allow_private_urls,
                      max_article_chars=s.max_article_chars)

    def ensure_seeded(self) -> None:
        """First use of an empty store: ingest the bundled sample articles, once."""
        if self._seed_checked:
            return
        if self.settings.seed_demo and not self.store.get_flag("seeded") and not self.store.count():
            from ingest.pipeline import sample_paths

            self.ingest(sample_paths(), progress=self.progress)
            self.store.set_flag("seeded", "demo")
        self._seed_checked = True

    # -- questions ---------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        """The passages retrieval finds for ``query``, best first: the first stages only, no answerer."""
        query = validate_question(query, self.settings.max_question_chars)
        self.ensure_seeded()
        return self.pipeline.retrieve(self.pipeline.analyse(query, k, filters))

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None,
            history: list[str] | None = None) -> Answer:
        """Answer ``question``; ``history`` (earlier questions, oldest first) makes follow-ups
        ("and what did Macron say about it?") mean what they mean in the conversation."""
        self.ensure_seeded()
        events = self.pipeline.run(question, k, filters, list(history or []), live=False)
        return _done(events)

    def stream(self, question: str, k: int | None = None, filters: Filters | None = None,
               history: list[str] | None = None) -> Iterator[Event]:
        """The answer as events, for streaming front ends: ``("retrieval", [Passage])``, then
        ``("delta", str)`` pieces of answer text as they are composed, then ``("citation", Citation)``
        for each verified citation, then ``("done", Answer)``. The ``done`` answer is the one
        ``ask`` returns; deltas are a preview (a marker whose quote fails verification is gone from it)."""
        self.ensure_seeded()
        yield from self.pipeline.run(question, k, filters, list(history or []))

    # -- resources ---------------------------------------------------------------
    def start_warming(self) -> None:
        """Read ahead in the background (``assistant.warm``): servers call this once the store is seeded."""
        self.warmer.start()

    def clear_cache(self) -> None:
        """Forget the question vectors kept (benchmarks measure cold questions)."""
        self.pipeline.hybrid.clear_cache()

    def close(self) -> None:
        """End the threads the pipeline started; the assistant still works after (they start anew)."""
        self.warmer.stop()
        self.pipeline.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
