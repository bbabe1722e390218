"""The pipeline every front end calls: validate -> retrieve -> compose -> verify.

Built from LangChain runnables, so the LLM answerer of a later issue replaces
only the compose step and its quotes pass the same ``verify.enforce`` gate.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.composers import make_composer
from assistant.config import Settings, get_settings
from assistant.embeddings import make_embeddings, token_counter
from assistant.errors import InputError
from assistant.models import Answer, Passage
from assistant.retrieve import Filters, HybridRetriever, Retrieval, document_to_passage
from assistant.store import Store
from assistant.verify import enforce

if TYPE_CHECKING:
    from ingest.pipeline import IngestReport


FOLLOW_UP_TURNS = 2
Event = tuple[str, Any]  # ("retrieval" | "delta" | "citation" | "done", payload)


@dataclass
class Request:
    question: str
    k: int | None = None
    filters: Filters | None = None
    history: list[str] = field(default_factory=list)  # earlier questions of the conversation, oldest first


def validate_question(question: str, max_chars: int) -> str:
    """The question, stripped; InputError when empty or longer than ``max_chars``."""
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty: ask something, e.g. citewise ask \"why did Türkiye buy the S-400?\"")
    if len(question) > max_chars:
        raise InputError(f"the question is {len(question)} characters long; the limit is {max_chars}")
    return question.strip()


class Assistant:
    """One store, one retriever, one composer, and the chain that joins them."""

    def __init__(self, settings: Settings | None = None, *, progress: bool = False,
                 embeddings: Embeddings | None = None) -> None:
        self.settings = settings or get_settings()
        # an embedder may be shared between assistants (tests, workers): it is stateless
        self.embeddings = embeddings or make_embeddings(self.settings.embeddings)
        self.store = Store(self.settings.home, self.embeddings, self.settings.embeddings,
                           chroma_url=self.settings.chroma_url, collection=self.settings.collection)
        self.retrieval = Retrieval(self.store, candidates=self.settings.candidates)
        self.composer = make_composer(self.settings.llm, self.store, self.settings)
        self.chain: Runnable = self._build_chain()
        self.progress = progress
        self._seed_checked = False

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
        query = validate_question(query, self.settings.max_question_chars)
        self.ensure_seeded()
        return self.retrieval.search(query, self._k(k), filters)

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None,
            history: list[str] | None = None) -> Answer:
        """Answer ``question``; ``history`` (earlier questions, oldest first) makes follow-ups
        ("and what did Macron say about it?") mean what they mean in the conversation."""
        self.ensure_seeded()
        return self.chain.invoke(Request(question, k, filters, list(history or [])))

    def _k(self, k: int | None) -> int:
        k = self.settings.k if k is None else k
        if not 1 <= k <= 100:
            raise InputError(f"k must be between 1 and 100, not {k}")
        return k

    def stream(self, question: str, k: int | None = None, filters: Filters | None = None,
               history: list[str] | None = None) -> Iterator[Event]:
        """The answer as events, for streaming front ends: ``("retrieval", [Passage])``, then
        ``("delta", str)`` pieces of answer text as they are composed, then ``("citation", Citation)``
        for each verified citation, then ``("done", Answer)``. The ``done`` answer is the one
        ``ask`` returns; deltas are a preview (a marker whose quote fails verification is gone from it)."""
        self.ensure_seeded()
        state = self._retrieve(Request(question, k, filters, list(history or [])))
        yield "retrieval", state["passages"]
        stream = getattr(self.composer, "stream", None)
        if stream is None:
            state = self._compose(state)
            for line in state["answer"].answer.splitlines(keepends=True):
                yield "delta", line
        else:
            for piece in stream(state["question"], state["passages"], context=state["context"]):
                if isinstance(piece, Answer):
                    state["answer"] = piece
                else:
                    yield "delta", piece
        answer = self._verify(state)
        for c in answer.citations:
            yield "citation", c
        yield "done", answer

    # -- the chain's steps -------------------------------------------------------
    def _retrieve(self, req: Request) -> dict[str, Any]:
        t0 = time.perf_counter()
        question = validate_question(req.question, self.settings.max_question_chars)
        rewrite = getattr(self.composer, "rewrite", None)
        context = ""
        if req.history and rewrite is not None:
            question = rewrite(question, req.history)  # a model makes the follow-up stand alone
        elif req.history:
            # without a model, the last earlier questions stand in as the follow-up's context
            context = " ".join(req.history[-FOLLOW_UP_TURNS:])[-self.settings.max_question_chars:]
        retriever = HybridRetriever(retrieval=self.retrieval, k=self._k(req.k), filters=req.filters)
        passages = [document_to_passage(d) for d in retriever.invoke(f"{context} {question}".strip())]
        return {"question": question, "context": context, "passages": passages, "t0": t0,
                "t_retrieve": time.perf_counter()}

    def _compose(self, state: dict[str, Any]) -> dict[str, Any]:
        state["answer"] = self.composer.compose(state["question"], state["passages"], context=state["context"])
        return state

    def _verify(self, state: dict[str, Any]) -> Answer:
        answer = enforce(state["answer"], self.store.get_text)
        end = time.perf_counter()
        answer.timings_ms = {
            "retrieve": (state["t_retrieve"] - state["t0"]) * 1000,
            "compose": (end - state["t_retrieve"]) * 1000,
            "total": (end - state["t0"]) * 1000,
        }
        return answer

    def _build_chain(self) -> Runnable:
        return (RunnableLambda(self._retrieve, name="retrieve") | RunnableLambda(self._compose, name="compose")
                | RunnableLambda(self._verify, name="verify"))
