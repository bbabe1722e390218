"""The public LangChain surface of citewise: ``CitewiseRetriever`` (search as Documents) and
``CitewiseRunnable`` (ask as a Runnable), for use in LCEL chains.

Both wrap an ``Assistant`` (``CitewiseRetriever(assistant=a)``, ``CitewiseRunnable(a)``), which itself
passes Passages from stage to stage, never Documents: this module is the only place they are made.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import ConfigDict

from assistant.errors import InputError
from assistant.models import Answer, Passage
from assistant.retrieval.filters import Filters

if TYPE_CHECKING:
    from assistant.pipeline import Assistant, Event

# what a Document says of its passage: enough to cite it (text[start:end] of the article is page_content)
DOCUMENT_FIELDS = ("article_id", "title", "source", "author", "published", "url", "start", "end", "score")
REQUEST_KEYS = frozenset({"question", "history", "k", "filters"})


def passage_to_document(p: Passage) -> Document:
    return Document(page_content=p.text, metadata={f: getattr(p, f) for f in DOCUMENT_FIELDS})


class CitewiseRetriever(BaseRetriever):
    """``Assistant.search`` as a retriever: Documents whose metadata carries the citation fields."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Any  # the Assistant (typed loosely: pydantic would otherwise build a schema of it)
    k: int | None = None  # None: the settings' k
    filters: Filters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [passage_to_document(p) for p in self.assistant.search(query, self.k, self.filters)]


class CitewiseRunnable(Runnable[str | dict[str, Any], Answer]):
    """The pipeline as a Runnable. Input: a question, or ``{"question": ..., "history": [...], "k": ...,
    "filters": Filters | dict}``. ``invoke`` gives the ``Answer`` that ``Assistant.ask`` (and the CLI)
    gives; ``stream`` yields the pipeline's events (``("retrieval", [Passage])``, ``("delta", str)``,
    ``("citation", Citation)``, ``("done", Answer)``); ``batch`` is an ``invoke`` per input."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def invoke(self, input: str | dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        return self._call_with_config(lambda i: self.assistant.ask(**_request(i)), input, config, run_type="chain")

    def stream(self, input: str | dict[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[Event]:
        yield from self.assistant.stream(**_request(input))


def _request(value: str | dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``Assistant.ask`` for a Runnable input."""
    if isinstance(value, str):
        return {"question": value}
    if not isinstance(value, dict) or "question" not in value:
        raise InputError("give a question, or a dict with a 'question' (and 'history', 'k', 'filters')")
    unknown = set(value) - REQUEST_KEYS
    if unknown:
        raise InputError(f"unknown input keys: {', '.join(sorted(unknown))}; known: {', '.join(sorted(REQUEST_KEYS))}")
    out = dict(value)
    if isinstance(out.get("filters"), dict):
        out["filters"] = Filters(**out["filters"])
    if "history" in out:
        out["history"] = list(out["history"] or [])
    return out
