"""``POST /v1/chat/completions`` and ``GET /v1/models``: the OpenAI chat API, so any OpenAI client or
chat front end (Open WebUI, ...) talks to citewise with only a base URL.

The last user message is the question; the earlier user messages are the conversation. The reply's text
carries the [n] markers and ends with the numbered sources; the structured citations ride along in an
extra ``citations`` field of the message, which clients that do not know it ignore.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from assistant.answer.render import derived_lines, sources
from assistant.errors import CitewiseError, InputError
from assistant.models import Answer
from assistant.retrieval.analysis import validate_question
from assistant.web.deps import AssistantDep, ServicesDep
from assistant.web.schemas import ErrorOut, Text, valid_unicode
from assistant.web.services import Services
from assistant.web.sse import to_json

router = APIRouter(tags=["openai"])
log = logging.getLogger("citewise.web")
MODEL = "citewise"
STREAM_PIECE_WORDS = 8


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Text
    # a string or content parts: checked whole, so the text of a part is held to valid Unicode as well
    content: Annotated[str | list[dict[str, Any]] | None, BeforeValidator(valid_unicode)] = None


class ChatRequest(BaseModel):
    """The OpenAI chat request; options citewise does not use (temperature, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "citewise", "messages": [{"role": "user", "content": "why did Türkiye buy the S-400?"}]}]})

    model: Text = MODEL
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=500)
    stream: bool = False


def _text(m: ChatMessage) -> str:
    if isinstance(m.content, str):
        return m.content
    # content parts: the text ones, in order
    return "\n".join(str(p.get("text", "")) for p in (m.content or []) if p.get("type") == "text")


def _question_and_history(req: ChatRequest) -> tuple[str, list[str]]:
    users = [_text(m) for m in req.messages if m.role == "user"]
    if not users:
        raise InputError("the messages have no user message to answer")
    return users[-1], [u for u in users[:-1] if u.strip()]


def reply_text(answer: Answer) -> str:
    """The answer text, any derived sentence it does not show yet (marked), then one source an article."""
    text = "\n\n".join([answer.answer, *derived_lines(answer.answer, answer.derived)])
    listed = sources(answer.citations)
    return f"{text}\n\n{listed}" if listed else text


def _usage(question: str, text: str) -> dict[str, int]:
    p, c = len(question.split()), len(text.split())  # words, not model tokens: there is no model
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


@router.post("/chat/completions", response_model=None, summary="OpenAI-compatible chat",
             responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def chat_completions(body: ChatRequest, assistant: AssistantDep, services: ServicesDep) -> Any:
    question, history = _question_and_history(body)
    question = validate_question(question, services.settings.max_question_chars)
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        return StreamingResponse(_stream(assistant.stream(question, None, None, history), cid, created, services),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    answer = assistant.ask(question, history=history)
    services.metrics.answered(answer.status, answer.backend)
    text = reply_text(answer)
    message = {"role": "assistant", "content": text, "citations": [c.to_dict() for c in answer.citations]}
    return {"id": cid, "object": "chat.completion", "created": created, "model": MODEL,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": _usage(question, text), "citewise": _extension(answer)}


def _extension(answer: Answer) -> dict[str, Any]:
    """citewise's own field of a reply: status, backend and, for a model's answer, what verification did."""
    out: dict[str, Any] = {"status": answer.status, "backend": answer.backend}
    if answer.verification is not None:
        out["verification"] = dict(answer.verification)
    return out


def _chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None = None,
           citewise: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if citewise is not None:
        body["citewise"] = citewise
    return f"data: {to_json(body)}\n\n"


def _stream(events: Iterator[tuple[str, Any]], cid: str, created: int, services: Services) -> Iterator[str]:
    """The verified answer in pieces. Text is sent once verified (an OpenAI client cannot take back a
    marker whose quote failed), so it streams after the answer is complete."""
    yield _chunk(cid, created, {"role": "assistant", "content": ""})
    answer: Answer | None = None
    try:
        for name, payload in events:
            if name == "done":
                answer = payload
    except CitewiseError as exc:
        yield f"data: {json.dumps({'error': {'type': type(exc).__name__, 'message': str(exc)}})}\n\n"
        return
    except Exception:
        log.exception("streamed chat completion failed")
        yield f"data: {json.dumps({'error': {'type': 'internal', 'message': 'internal error'}})}\n\n"
        return
    if answer is None:
        return
    services.metrics.answered(answer.status, answer.backend)
    words = reply_text(answer).split(" ")
    for i in range(0, len(words), STREAM_PIECE_WORDS):
        piece = " ".join(words[i:i + STREAM_PIECE_WORDS])
        yield _chunk(cid, created, {"content": piece if i == 0 else " " + piece})
    yield _chunk(cid, created, {"citations": [c.to_dict() for c in answer.citations]}, finish="stop",
                 citewise=_extension(answer))
    yield "data: [DONE]\n\n"


@router.get("/models", summary="The one model: citewise")
def models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "citewise"}]}
