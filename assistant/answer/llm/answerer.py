"""The LLM answerer: numbered sources -> model -> claims -> verified quotes, or the extractive answer.

A LangChain runnable chain (``ANSWER_PROMPT | model.bind(format)``) asks the
model for cited claims; every quote is verified against the article text
(``quotes.Verifier``) and every claim against its quote (``support``) before
the claim can be shown. Whatever goes wrong with
the model (a timeout, 429, 5xx, a refused connection, malformed or truncated
output, a context overflow) ends in a retry where one can help, then the
extractive answer with ``fallback_reason`` and a log line: never an error to
the user, never an unverified quote.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Any

import openai
from langchain_core.embeddings import Embeddings
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable

from assistant.answer.base import Answerer, as_stream
from assistant.answer.evidence import Evidence
from assistant.answer.llm.assemble import AnswerBuilder
from assistant.answer.llm.client import base_url, is_openai, make_chat_model
from assistant.answer.llm.failures import ModelFailure, describe, kind
from assistant.answer.llm.output import (
    MalformedOutput,
    Parsed,
    bind,
    chunk_text,
    finish_reason,
    message_text,
    modes_to_try,
    parse,
)
from assistant.answer.llm.prompt import (
    ANSWER_PROMPT,
    MAX_SOURCE_CHARS,
    REWRITE_PROMPT,
    Source,
    answer_inputs,
    build_sources,
    rewrite_inputs,
)
from assistant.answer.llm.quotes import Counts, Verifier
from assistant.answer.support import make_support_check
from assistant.config import Settings
from assistant.models import Answer
from assistant.retrieval.analysis import QueryAnalysis
from assistant.text.followup import leans_on_context

log = logging.getLogger("citewise.llm")

OVERFLOW_RETRIES = 2  # each halves the sources
MALFORMED_RETRIES = 1  # a model that wrote broken JSON once often writes it right when asked again
REWRITE_MAX_TOKENS = 120


class LLMAnswerer(Answerer):
    """``compose`` / ``stream`` / ``rewrite`` through an OpenAI-compatible model, verified."""

    # the evidence carries the article texts: the model's quotes need no store
    def __init__(self, settings: Settings, fallback: Answerer, embeddings: Embeddings | None = None) -> None:
        self.settings = settings
        self.fallback = fallback
        self.support = make_support_check(embeddings)  # a claim's sentence is shown only when its quote supports it
        self.model_name = settings.llm_model
        self.model = make_chat_model(settings)
        self.rewriter: Runnable = (REWRITE_PROMPT | make_chat_model(settings, max_tokens=REWRITE_MAX_TOKENS)
                                   | StrOutputParser())
        self.modes = modes_to_try(settings.llm_output, is_openai(base_url(settings)))
        self.auto = settings.llm_output == "auto"

    # -- the answerer interface ----------------------------------------------------
    def compose(self, analysis: QueryAnalysis, evidence: Evidence) -> Answer:
        """The model's answer with verified quotes, else the extractive one with ``fallback_reason``."""
        try:
            return self._compose(analysis, evidence, 1 + MALFORMED_RETRIES)
        except Exception as exc:  # whatever a model's reply does to this code, the user gets an answer
            log.exception("the LLM answerer failed")
            return self._fallback(analysis, evidence, f"the LLM answerer failed: {describe(exc)}")

    def stream(self, analysis: QueryAnalysis, evidence: Evidence) -> Iterator[str | Answer]:
        """Text pieces as the model writes verified claims, then the Answer (the same as ``compose``'s)."""
        if not evidence.retrieved:
            yield from as_stream(self.fallback.compose(analysis, evidence))
            return
        try:
            sources, mode, first, rest = self._send(analysis, evidence, streaming=True)
        except ModelFailure as failure:
            yield from as_stream(self._fallback(analysis, evidence, failure.reason))
            return
        builder = AnswerBuilder(Verifier(sources, evidence.text), self.support)
        raw, cut = "", False
        try:
            for chunk in itertools.chain([first] if first is not None else [], rest):
                cut = cut or finish_reason(chunk) == "length"
                piece = chunk_text(chunk)
                if piece:
                    raw += piece
                    yield from builder.feed(parse(raw, mode, final=False).claims)
        except Exception as exc:  # a stream cut mid-way, the token limit: keep what was complete
            cut = True
            log.warning("the model's reply stopped early: %s", describe(exc, self.settings.llm_timeout_s))
        try:
            parsed: Parsed | None = parse(raw, mode, cut=cut)
        except MalformedOutput as exc:
            log.warning("the model's reply is malformed: %s", exc)
            parsed = None
        if parsed is not None:
            yield from builder.feed(parsed.claims)
        yield from builder.close()
        answer = builder.answer(analysis.question, self.model_name)
        if answer is None and parsed is None and not builder.parts:
            # nothing shown yet: the model may do better when asked again
            answer = self._compose(analysis, evidence, MALFORMED_RETRIES)
            yield from as_stream(answer)
            return
        if answer is None:
            answer = self._fallback(analysis, evidence, _why_none(parsed, builder, cut), builder)
            yield from as_stream(answer)
            return
        yield answer

    def rewrite(self, question: str, history: list[str]) -> str | None:
        """The follow-up as a stand-alone question, for retrieval; the question as asked if the model fails.
        A question that stands alone is no follow-up to rewrite: None, as without a model (the earlier
        questions are its context), and no request."""
        if not leans_on_context(question):
            return None
        try:
            out = self.rewriter.invoke(rewrite_inputs(question, history))
        except Exception as exc:
            log.warning("could not rewrite the follow-up, searching with it as asked: %s",
                        describe(exc, self.settings.llm_timeout_s))
            return question
        line = next((x for x in (out or "").splitlines() if x.strip()), "")
        # small models echo the prompt's shape: a list dash, a label, quotation marks
        line = line.strip().lstrip("-*• ")
        for label in ("Rewritten question:", "Last question:", "Question:"):
            line = line.removeprefix(label).strip()
        line = line.strip(" \"'“”")
        echoed = line.casefold() in {h.strip().casefold() for h in history}  # an earlier question is no rewrite
        if not line or echoed or len(line) > self.settings.max_question_chars:
            return question
        return line

    # -- the steps -------------------------------------------------------------------
    def _compose(self, analysis: QueryAnalysis, evidence: Evidence, attempts: int) -> Answer:
        if not evidence.retrieved:
            return self.fallback.compose(analysis, evidence)
        reason = "the model's reply is malformed"
        for _ in range(attempts):
            try:
                sources, mode, message, _rest = self._send(analysis, evidence, streaming=False)
            except ModelFailure as failure:
                return self._fallback(analysis, evidence, failure.reason)
            cut = finish_reason(message) == "length"
            try:
                parsed = parse(message_text(message), mode, cut=cut)
            except MalformedOutput as exc:
                log.warning("the model's reply is malformed: %s", exc)
                continue
            builder = AnswerBuilder(Verifier(sources, evidence.text), self.support)
            builder.feed(parsed.claims)
            builder.close()
            answer = builder.answer(analysis.question, self.model_name)
            if answer is not None:
                return answer
            return self._fallback(analysis, evidence, _why_none(parsed, builder, cut), builder)
        return self._fallback(analysis, evidence, reason)

    def _send(self, analysis: QueryAnalysis, evidence: Evidence,
              streaming: bool) -> tuple[list[Source], str, Any, Iterator[Any]]:
        """Ask the model; on an error that a changed request can fix (fewer sources, another output
        mode), change it and ask again. Streaming returns the first chunk, so errors surface here."""
        budget, shrinks, modes = MAX_SOURCE_CHARS, OVERFLOW_RETRIES, list(self.modes)
        while True:
            sources = build_sources(evidence, budget)
            if not sources:
                raise ModelFailure("no source text to give the model")
            mode = modes[0]
            numbered = self.settings.llm_quotes == "sentences"
            chain = ANSWER_PROMPT | bind(self.model, mode, numbered)
            inputs = answer_inputs(analysis.question, sources, mode, analysis.context,
                                   evidence.text if numbered else None)
            try:
                if streaming:
                    rest = iter(chain.stream(inputs))
                    first = next(rest, None)
                else:
                    first, rest = chain.invoke(inputs), iter(())
            except openai.LengthFinishReasonError as exc:  # raised by the client for structured output
                first, rest = _message_of(exc), iter(())
            except Exception as exc:
                what = kind(exc)
                reason = describe(exc, self.settings.llm_timeout_s)
                if what == "overflow" and shrinks:
                    shrinks, budget = shrinks - 1, sum(len(s.text) for s in sources) // 2
                    log.warning("%s; asking again with half the sources", reason)
                    continue
                if what == "format" and self.auto and len(modes) > 1:
                    log.warning("%s; trying output mode %s instead of %s", reason, modes[1], mode)
                    modes = modes[1:]
                    continue
                raise ModelFailure(reason) from exc
            if modes != self.modes:
                self.modes = modes  # the server took this mode: start there next time
            return sources, mode, first, rest

    def _fallback(self, analysis: QueryAnalysis, evidence: Evidence, reason: str,
                  builder: AnswerBuilder | None = None) -> Answer:
        log.warning("answering without the model (extractive): %s", reason)
        answer = self.fallback.compose(analysis, evidence)
        answer.backend = "extractive"
        answer.fallback_reason = reason
        counts: Counts | None = builder.verifier.counts if builder else None
        if counts is not None and counts.proposed:
            answer.verification = counts.as_dict()
        return answer


def _why_none(parsed: Parsed | None, builder: AnswerBuilder, cut: bool) -> str:
    proposed = builder.verifier.counts.proposed
    if proposed:
        return f"none of the model's {proposed} quotes stands in the articles"
    if cut:
        return "the model's reply was cut short before a complete claim"
    if parsed is None:
        return "the model's reply is malformed"
    return "the model proposed no quote"


def _message_of(exc: openai.LengthFinishReasonError) -> BaseMessage:
    """The reply the client refused to hand over because it hit the token limit."""
    choice = exc.completion.choices[0] if exc.completion.choices else None
    message = choice.message if choice else None
    raw = ""
    if message is not None:
        calls = message.tool_calls or []
        raw = (calls[0].function.arguments if calls and hasattr(calls[0], "function") else message.content) or ""
    return AIMessage(content=raw, response_metadata={"finish_reason": "length"})
