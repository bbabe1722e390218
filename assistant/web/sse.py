"""Server-Sent Events for ``POST /v1/ask``: retrieval, delta, citation, done, error."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from assistant.errors import CitewiseError
from assistant.models import Answer

log = logging.getLogger("citewise.web")


def to_json(data: Any) -> str:
    """``data`` as one line of JSON whose UTF-8 encoding cannot fail. Requests are refused with a lone
    surrogate in them, but an article may still hold one (and the answer quote it): written raw, the
    response's encoding would fail mid-stream, after the 200, and cut the connection. Escaped, it is still
    the same JSON."""
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data)
    return text


def event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {to_json(data)}\n\n"


def answer_events(events: Iterator[tuple[str, Any]], on_done: Callable[[Answer], dict[str, Any]]) -> Iterator[str]:
    """Turn ``Assistant.stream`` events into SSE text. ``on_done`` records the answer and returns the
    ``done`` payload. A failure mid-way becomes an ``error`` event: the response has already begun."""
    try:
        for name, payload in events:
            if name == "retrieval":
                yield event("retrieval", {"passages": [p.to_dict() for p in payload]})
            elif name == "delta":
                yield event("delta", {"text": payload})
            elif name == "citation":
                yield event("citation", payload.to_dict())
            elif name == "done":
                yield event("done", on_done(payload))
    except CitewiseError as exc:
        yield event("error", {"type": type(exc).__name__, "message": str(exc)})
    except Exception:
        log.exception("streamed answer failed")
        yield event("error", {"type": "internal", "message": "internal error; see the server log"})
