"""Request and response models of the HTTP API, as the OpenAPI docs show them.

Requests are strict (unknown fields are refused, so a typo is an error, not a
silently ignored option). Responses are declared here; routes return the answer
contract's own dict, and its optional keys stay out of the JSON when the answer
has none (``response_model_exclude_unset``), so the JSON is the CLI's, key for key.
The article fields are declared once, in ``ArticleRefOut``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from assistant.errors import InputError
from assistant.retrieval.filters import period_bound

CONVERSATION_ID = r"^[A-Za-z0-9_-]{1,64}$"
# json.loads pairs a high and a low surrogate escape into one character, so any surrogate left in a str is lone
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_unicode(value: Any) -> Any:
    """``value`` unchanged, unless a string in it (at any depth, keys too) holds a lone surrogate.

    JSON may spell one (``"\\ud800"``), FastAPI's json.loads accepts it and pydantic keeps it in a str field;
    the first thing that encodes the text (the tokenizer, the response, the log) then fails, as a 500 or a
    broken stream. Refused here, at validation, it is a 422 before any work or streaming starts."""
    todo = [value]  # a stack, not recursion: a deeply nested body must not become a RecursionError
    while todo:
        v = todo.pop()
        if isinstance(v, str):
            if m := _SURROGATE.search(v):
                raise PydanticCustomError(
                    "invalid_unicode", "contains a lone surrogate ({char} at character {at}): it is not valid Unicode",
                    {"char": f"\\u{ord(m.group()):04x}", "at": m.start()})
        elif isinstance(v, dict):
            todo += v.keys()
            todo += v.values()
        elif isinstance(v, list):
            todo += v
    return value


# every free-text field of a request is Text (or, for a JSON value of any shape, Annotated with valid_unicode)
Text = Annotated[str, BeforeValidator(valid_unicode)]


class FiltersIn(BaseModel):
    """Hard filters: only these outlets, only this publication window."""

    model_config = ConfigDict(extra="forbid")

    source: list[Text] | None = Field(None, max_length=50, description="outlets, e.g. [\"Bloomberg\"]")
    published_after: Text | None = Field(None, description="ISO date or date-time, or a year or year-month taken "
                                        "whole (2025, 2025-06); inclusive")
    published_before: Text | None = Field(None, description="ISO date or date-time, or a year or year-month taken "
                                         "whole; exclusive")

    @field_validator("source", mode="before")
    @classmethod
    def _one_source(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("published_after", "published_before")
    @classmethod
    def _iso(cls, v: str | None, info: ValidationInfo) -> str | None:
        # the CLI's own parser: both edges accept and refuse the same dates
        try:
            return None if v is None else period_bound(v, info.field_name or "date")
        except InputError as exc:
            raise ValueError(str(exc)) from None


class AskRequest(BaseModel):
    """A question, optionally in a conversation, with retrieval options."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "why did Türkiye buy the S-400?"}]})

    question: Text = Field(..., description="the question; follow-ups are read in the conversation's context")
    conversation_id: Text | None = Field(None, pattern=CONVERSATION_ID,
                                        description="continue this conversation (a new one when absent)")
    k: int | None = Field(None, ge=1, le=100, description="passages to retrieve (default 8)")
    filters: FiltersIn | None = None
    stream: bool = Field(False, description="stream Server-Sent Events (same as Accept: text/event-stream)")


class ArticleRefOut(BaseModel):
    """Which article: the fields every answer, citation and listing names it by."""

    article_id: str
    title: str | None
    source: str | None
    author: str | None
    published: str | None
    url: str | None


class _Numbered(BaseModel):
    n: int  # a base of its own so that ``n`` comes before the article fields, as in the CLI's JSON


class AlsoInOut(ArticleRefOut):
    """Another article that carries the same sentence (or a near copy): its quote is its text[start:end]."""

    author: SkipJsonSchema[str | None] = Field(None, exclude=True)  # not part of an also_in entry
    url: SkipJsonSchema[str | None] = Field(None, exclude=True)
    start: int
    end: int
    quote: str


class CitationOut(ArticleRefOut, _Numbered):
    """A verified quote: it equals the article's text[start:end]."""

    quote: str
    start: int
    end: int
    also_in: list[AlsoInOut]


class AnswerOut(BaseModel):
    """The answer contract, the same as ``citewise ask --json``, plus the conversation. The optional
    keys appear only when they apply."""

    question: str
    status: Literal["answered", "no_answer"]
    answer: str = Field(..., description="answer text with [n] markers")
    citations: list[CitationOut]
    backend: str = Field(..., description="extractive | llm")
    timings_ms: dict[str, float]
    fallback_reason: str | None = Field(None, description="why an LLM answer fell back to the extractive one")
    model: str | None = Field(None, description="the language model that wrote the answer (backend llm)")
    verification: dict[str, int] | None = Field(None, description="what verification did to the model's quotes "
                                                "(proposed, kept, repaired, reattributed, dropped) and to its claims "
                                                "(supported: shown; unsupported: held back, the quote shown alone)")
    derived: list[str] | None = Field(None, description="sentences derived from metadata (the order of "
                                      "publication dates): not quotes, shown marked as derived")
    conversation_id: str


class TurnOut(BaseModel):
    n: int
    question: str
    answer: dict[str, Any]
    created: float


class ConversationOut(BaseModel):
    conversation_id: str
    turns: list[TurnOut]


class ArticleMeta(ArticleRefOut):
    n_chunks: int | None = None


class ArticleList(BaseModel):
    count: int
    articles: list[ArticleMeta]


class ArticleOut(ArticleMeta):
    """An article's metadata and clean text: citation offsets index into ``text``."""

    text: str
    origin: str | None = None


class ArticleIn(BaseModel):
    """An article given as JSON: its text and whatever metadata is known."""

    model_config = ConfigDict(extra="forbid")

    text: Text = Field(..., min_length=1)
    title: Text | None = None
    source: Text | None = None
    author: Text | None = None
    published: Text | None = None
    url: Text | None = None

    @field_validator("url")
    @classmethod
    def _web_address(cls, v: str | None) -> str | None:
        # the page and Slack turn it into a link: only web addresses may become one
        if v is not None and not v.lower().startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) address")
        return v


class IngestRequest(BaseModel):
    """Articles as JSON and/or URLs to fetch."""

    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(default_factory=list, max_length=1000)
    urls: list[str] = Field(default_factory=list, max_length=100,
                            description="http(s) addresses to fetch; anything else (a path, file:, ftp:) is "
                                        "refused, each in the report's skipped")


class Skip(BaseModel):
    origin: str
    reason: str


class IngestOut(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    skipped: list[Skip]
    chunks: int
    seconds: float


class ErrorBody(BaseModel):
    type: str = Field(..., description="bad_request | invalid_input | unauthorized | forbidden | not_found | "
                      "too_large | unsupported_media_type | store_unavailable | internal")
    message: str


class ErrorOut(BaseModel):
    """Every refusal has this shape."""

    error: ErrorBody
