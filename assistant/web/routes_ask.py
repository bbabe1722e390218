"""``POST /v1/ask`` (JSON or Server-Sent Events) and ``GET /v1/conversations/{id}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from assistant.models import Answer
from assistant.retrieval.analysis import validate_question
from assistant.retrieval.filters import Filters
from assistant.web.deps import AssistantDep, ServicesDep
from assistant.web.schemas import CONVERSATION_ID, AnswerOut, AskRequest, ConversationOut, ErrorOut
from assistant.web.services import Services
from assistant.web.sse import answer_events

router = APIRouter(tags=["ask"])

STREAM_DOC = {"text/event-stream": {"schema": {"type": "string"}, "example":
              'event: retrieval\ndata: {"passages": [...]}\n\nevent: delta\ndata: {"text": "..."}\n\n'
              'event: citation\ndata: {"n": 1, ...}\n\nevent: done\ndata: {...answer...}\n\n'}}


def record(services: Services, conversation_id: str, question: str, answer: Answer) -> dict[str, Any]:
    """Store the turn and count the answer; returns the answer contract plus the conversation id."""
    d = answer.to_dict()
    d["conversation_id"] = conversation_id
    services.conversations.add(conversation_id, question, d)
    services.metrics.answered(answer.status, answer.backend)
    return d


# exclude_unset: the optional keys (fallback_reason, model, verification) appear only when the answer has them
@router.post("/ask", response_model=AnswerOut, response_model_exclude_unset=True,
             summary="Answer a question with verified quotes",
             responses={200: {"content": STREAM_DOC, "description": "the answer (JSON), or its events (stream)"},
                        422: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def ask(body: AskRequest, request: Request, assistant: AssistantDep, services: ServicesDep) -> Any:
    """The answer contract of ``citewise ask --json`` plus ``conversation_id``. With ``"stream": true`` or
    ``Accept: text/event-stream``: events ``retrieval``, ``delta``, ``citation``, ``done``, ``error``."""
    question = validate_question(body.question, services.settings.max_question_chars)
    cid = body.conversation_id or services.conversations.new_id()
    history = services.conversations.questions(cid)
    filters = Filters(**body.filters.model_dump()) if body.filters else None
    if body.stream or "text/event-stream" in request.headers.get("accept", ""):
        events = assistant.stream(question, body.k, filters, history)
        return StreamingResponse(answer_events(events, lambda a: record(services, cid, question, a)),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    answer = assistant.ask(question, body.k, filters, history)
    return record(services, cid, question, answer)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut,
            responses={404: {"model": ErrorOut}}, summary="The turns of a conversation")
def conversation(services: ServicesDep,
                 conversation_id: Annotated[str, Path(pattern=CONVERSATION_ID)]) -> dict[str, Any]:
    return {"conversation_id": conversation_id, "turns": services.conversations.get(conversation_id)}
