"""What went wrong with a model request, in words for the log and the answer's ``fallback_reason``.

The OpenAI client has already retried timeouts, 429 and 5xx (``llm_retries``
times, with back-off) before an error reaches here; what is left to decide is
whether a changed request can help: fewer sources after a context overflow,
another output mode after a server refused the format.
"""

from __future__ import annotations

import re
from typing import Literal

import openai
from langchain_core.exceptions import ContextOverflowError

Kind = Literal["overflow", "format", "final"]

_OVERFLOW = re.compile(r"context (length|window|size)|maximum context|too many tokens|prompt is too long"
                       r"|exceeds? (the )?(available )?(context|max)|input tokens exceed", re.I)
# statuses a server gives for a request field it does not support (llama.cpp: 500 for json_schema)
FORMAT_STATUSES = frozenset({400, 415, 422, 500, 501})


class ModelFailure(Exception):
    """The model gave no usable reply; ``reason`` says why, for the log and ``fallback_reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kind(exc: BaseException) -> Kind:
    """``overflow``: send fewer sources; ``format``: maybe another output mode; ``final``: give up."""
    if isinstance(exc, ContextOverflowError) or (isinstance(exc, openai.APIError) and _OVERFLOW.search(str(exc))):
        return "overflow"
    if isinstance(exc, openai.APIStatusError) and exc.status_code in FORMAT_STATUSES:
        return "format"
    return "final"


def describe(exc: BaseException, timeout_s: float | None = None) -> str:
    """A short account of a failed request."""
    if isinstance(exc, openai.APITimeoutError):
        return f"the model did not answer within {timeout_s:g} s" if timeout_s else "the model timed out"
    if isinstance(exc, openai.RateLimitError):
        return "the model server is rate limiting (429)"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot reach the model server ({_short(exc.__cause__ or exc)})"
    if isinstance(exc, openai.AuthenticationError):
        return "the model server refused the API key (401)"
    if isinstance(exc, openai.APIStatusError):
        return f"the model server answered {exc.status_code}: {_short(exc)}"
    if isinstance(exc, openai.LengthFinishReasonError):
        return "the model's output was cut short at the token limit"
    return f"the model request failed: {type(exc).__name__}: {_short(exc)}"


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
