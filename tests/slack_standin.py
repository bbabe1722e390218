"""A local stand-in for Slack's Web API (and response_url hooks), at the HTTP level: it records every call
the bot makes and answers as Slack does. Tests point SLACK_API_URL at it."""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT_USER = "UBOT"


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.replies: dict[str, list[dict[str, Any]]] = {}  # thread ts -> messages, for conversations.replies
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                standin._handle(self, {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                if self.headers.get("content-type", "").startswith("application/json"):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                standin._handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handle(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        path = urlsplit(h.path).path
        method = path.rsplit("/", 1)[-1]
        with self._lock:
            self.calls.append({"method": method, "path": path, "body": body,
                               "auth": h.headers.get("authorization")})
            out: dict[str, Any] = {"ok": True}
            if method == "auth.test":
                out.update(user_id=BOT_USER, bot_id="BBOT", team_id="T1", user="citewise", team="Test")
            elif method == "chat.postMessage":
                out.update(channel=body.get("channel"), ts=f"2000000000.{next(self._ts):06d}",
                           message={"text": body.get("text")})
            elif method == "chat.update":
                out.update(channel=body.get("channel"), ts=body.get("ts"))
            elif method == "conversations.replies":
                out.update(messages=self.replies.get(body.get("ts"), []), has_more=False)
        data = json.dumps(out).encode()
        h.send_response(200)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["method"] == method]

    def wait_for(self, method: str, n: int = 1, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.of(method)
            if len(found) >= n:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{method} called {len(self.of(method))} times, not {n}; calls: "
                             f"{[c['method'] for c in self.calls]}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
