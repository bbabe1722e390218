"""What every answerer is: ``compose`` an answer from the analysed question and the filtered evidence;
``stream`` it as text pieces then the Answer; ``rewrite`` a follow-up into a stand-alone question.

``stream``, ``rewrite`` and ``warm`` have defaults (the composed answer a line at a time; no rewrite, so the
earlier questions become the follow-up's context; nothing read ahead), which an answerer that can do better overrides.
Whatever an answerer returns passes ``verify.enforce`` in the pipeline.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

from assistant.answer.evidence import Evidence
from assistant.models import Answer
from assistant.retrieval.analysis import QueryAnalysis


class Answerer(ABC):
    """An answerer; ``make_answerer`` in ``registry`` builds one by name."""

    @abstractmethod
    def compose(self, analysis: QueryAnalysis, evidence: Evidence) -> Answer:
        """The answer, with citations whose quotes stand in the evidence's texts."""

    def stream(self, analysis: QueryAnalysis, evidence: Evidence) -> Iterator[str | Answer]:
        """Pieces of the answer text as they are ready, then the Answer (the one ``compose`` gives)."""
        yield from as_stream(self.compose(analysis, evidence))

    def rewrite(self, question: str, history: list[str]) -> str | None:
        """The follow-up ``question`` as a stand-alone question, or None to read it in its context."""
        return None

    def warm(self, evidence: Evidence) -> None:  # noqa: B027 (optional: most answerers keep nothing)
        """Read ahead what composing from this evidence would read (a server does it when it starts)."""


def as_stream(answer: Answer) -> Iterator[str | Answer]:
    """A finished answer as a stream: its lines, then itself."""
    yield from answer.answer.splitlines(keepends=True)
    yield answer
