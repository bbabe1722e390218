"""Request body limits, enforced while the body streams in (a client may lie about Content-Length)."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class TooLarge(HTTPException):
    """Raised from ``receive``: an HTTPException, so that FastAPI's body parsing passes it on as is."""

    def __init__(self, limit: int, what: str) -> None:
        super().__init__(413, f"the {what} is larger than the limit of {limit:,} bytes")


def too_large_body(limit: int, what: str) -> bytes:
    msg = f"the {what} is larger than the limit of {limit:,} bytes"
    return json.dumps({"error": {"type": "too_large", "message": msg}}).encode()


class BodyLimit:
    """413 for a body over ``max_body`` bytes (``max_upload`` for multipart uploads)."""

    def __init__(self, app: ASGIApp, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        upload = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit, what = (self.max_upload, "upload") if upload else (self.max_body, "request body")
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit, what)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge(limit, what)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except TooLarge:
            if not started:
                await _refuse(send, limit, what)


async def _refuse(send: Any, limit: int, what: str) -> None:
    body = too_large_body(limit, what)
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
