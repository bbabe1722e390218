"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for tests of the LLM answerer.

It speaks the protocol (``POST /v1/chat/completions``: JSON bodies, server-sent
event streams in chunked transfer encoding, error statuses) so the real
``ChatOpenAI`` and OpenAI client run unchanged. Each test scripts the replies
in order; a reply can be a function of the request (to read the numbered
sources of the prompt). Every request is recorded.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer. ``chunks`` makes it a stream; ``cut`` breaks the stream after that many
    chunks; ``drop`` closes the connection without a word; ``delay`` waits first (seconds)."""

    status: int = 200
    body: dict[str, Any] | None = None
    chunks: list[dict[str, Any]] | None = None
    cut: int | None = None
    drop: bool = False
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


Script = Reply | Callable[[dict[str, Any]], Reply]


def completion(content: str | None = None, *, tool_args: str | None = None, finish: str = "stop",
               model: str = "standin") -> dict[str, Any]:
    """A chat completion body with ``content``, or with one tool call whose arguments are ``tool_args``."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_args is not None:
        message["content"] = None
        message["tool_calls"] = [{"id": "call_1", "type": "function",
                                  "function": {"name": "cite_answer", "arguments": tool_args}}]
        finish = "tool_calls" if finish == "stop" else finish
    return {"id": "chatcmpl-standin", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}


def stream_chunks(text: str, *, size: int = 7, finish: str = "stop", tool: bool = False,
                  model: str = "standin") -> list[dict[str, Any]]:
    """``text`` as a stream of deltas of ``size`` characters (content, or a tool call's arguments),
    then the finish chunk."""
    def chunk(delta: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
        return {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": reason}]}

    def piece(part: str) -> dict[str, Any]:
        if tool:
            return chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]})
        return chunk({"content": part})

    first: dict[str, Any] = {"role": "assistant", "content": ""}
    if tool:
        first = {"role": "assistant", "content": None, "tool_calls": [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": "cite_answer", "arguments": ""}}]}
    out = [chunk(first)]
    out += [piece(text[i:i + size]) for i in range(0, len(text), size)]
    out.append(chunk({}, "tool_calls" if tool and finish == "stop" else finish))
    return out


def error(status: int, message: str, **headers: str) -> Reply:
    return Reply(status=status, body={"error": {"message": message, "type": "server_error", "code": None}},
                 headers=headers)


def claims(*items: tuple[int, str, str]) -> str:
    """The JSON a model is asked for: ``(source, quote, text)`` claims."""
    return json.dumps({"claims": [{"source": n, "quote": q, "text": t} for n, q, t in items]}, ensure_ascii=False)


def prompt_of(request: dict[str, Any]) -> str:
    """The text of all messages of a recorded chat request."""
    return "\n".join(str(m.get("content") or "") for m in request.get("messages", []))


def source_numbers(request: dict[str, Any]) -> dict[str, int]:
    """Outlet -> source number, as the prompt of ``request`` numbers them."""
    return {m.group(2): int(m.group(1)) for m in re.finditer(r"^\[(\d+)\] ([^|\n]+?) \|", prompt_of(request), re.M)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:
        self._json(200, {"object": "list", "data": [{"id": "standin", "object": "model"}]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            body = {}
        standin = self.server.standin
        reply = standin._next(self.path, body, {k.lower(): v for k, v in self.headers.items()})
        try:
            self._send(reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (a timeout test)

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.chunks is None:
            self._json(reply.status, reply.body or {}, reply.headers)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for i, chunk in enumerate(reply.chunks):
            if reply.cut is not None and i >= reply.cut:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)  # mid-stream, no terminating chunk
                return
            self._chunk(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n")
        self._chunk("data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, text: str) -> None:
        data = text.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: StandIn


class StandIn:
    """The server: ``with StandIn() as s: s.script(Reply(...)); ... s.requests``."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._lock = threading.Lock()
        self._script: deque[Script] = deque()
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *replies: Script) -> StandIn:
        """Replies for the next requests, in order. Unscripted requests get a 500."""
        with self._lock:
            self._script.extend(replies)
        return self

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.paths.clear()
            self.headers.clear()

    def _next(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.paths.append(path)
            self.headers.append(headers)
            item = self._script.popleft() if self._script else error(500, "the stand-in has no scripted reply")
        if not callable(item):
            return item
        try:
            return item(body)
        except Exception as exc:  # a broken script shows as a 599 the test can read, not a hung client
            return error(599, f"the stand-in's scripted reply failed: {exc!r}")

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
