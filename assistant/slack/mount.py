"""``POST /slack/events`` on the FastAPI app (HTTP Events API), and Socket Mode for teams without a public URL.

A request reaches Bolt only once it is known to be Slack's and readable: Bolt's Starlette adapter parses the
body before it checks the signature, and both steps raise on a malformed request (a timestamp that is not a
number, a body that is not UTF-8, JSON or a form), which would be a 500 and a traceback per request. Here such a
request is a 400 or a 401 and one warning line.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from assistant.config import Settings
from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

log = logging.getLogger("citewise.slack")
MAX_SKEW_S = 5 * 60  # Slack's own rule: an older (or newer) timestamp may be a replay
# seconds since the epoch; more digits than a clock will ever show are malformed, not merely stale (and int()
# of thousands of digits raises)
TIMESTAMP = re.compile(r"[0-9]{1,15}")


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def check_request(body: bytes, headers: Mapping[str, str], secret: str, now: float | None = None) -> None:
    """Raise Refused (400 malformed, 401 not signed by Slack) unless Bolt can take the request as it is.
    ``headers``: lower-case names (Starlette's headers are case-insensitive).

    A missing or wrong signature is reported before a malformed body: an unsigned request learns nothing about
    how its body was read. Slack's ssl_check is let through unsigned, as Bolt answers it before verifying."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    parsed = _parse(text, headers.get("content-type"))
    if isinstance(parsed, dict) and parsed.get("ssl_check") == "1":
        return
    timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
    if not timestamp or not signature:
        raise Refused(401, "no X-Slack-Request-Timestamp or X-Slack-Signature header: not signed by Slack")
    if not TIMESTAMP.fullmatch(timestamp):
        raise Refused(400, f"X-Slack-Request-Timestamp is not a Unix time: {timestamp[:40]!r}")
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_SKEW_S:
        raise Refused(401, "X-Slack-Request-Timestamp is more than 5 minutes off: stale or replayed")
    expected = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    # compared as bytes: a header may hold any Latin-1 character, and compare_digest refuses non-ASCII str
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Refused(401, "X-Slack-Signature does not match: not signed with this app's signing secret")
    if not text.strip():
        raise Refused(400, "the body is empty")
    if parsed is None:
        raise Refused(400, "the body is neither JSON nor form-encoded")
    if not isinstance(parsed, dict):
        raise Refused(400, "the body is not a JSON object")


def _parse(text: str, content_type: str | None) -> Any:
    """The body as Bolt will parse it (its own function, so what passes here parses there); None if it cannot."""
    from slack_bolt.request.internals import parse_body

    try:
        return parse_body(text, content_type.split(";")[0] if content_type else None)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return None


def mount_slack(app: FastAPI, settings: Settings, assistant: Callable[[], Assistant]) -> bool:
    """Add the Slack route when the tokens are set; otherwise say why it is off. True when mounted."""
    if not (settings.slack_bot_token and settings.slack_signing_secret):
        log.info("Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to answer at POST /slack/events")
        return False
    from slack_bolt.adapter.starlette import SlackRequestHandler

    from assistant.slack.bot import build_slack_app

    bolt = build_slack_app(settings, assistant)
    handler = SlackRequestHandler(bolt)
    app.state.slack = bolt

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        body = await request.body()  # kept by Starlette: the handler reads it again
        try:
            check_request(body, request.headers, settings.slack_signing_secret)
        except Refused as exc:
            log.warning("slack request refused (%d): %s", exc.status, exc)
            kind = "bad_request" if exc.status == 400 else "unauthorized"  # the web app's error shape
            return JSONResponse({"error": {"type": kind, "message": str(exc)}}, status_code=exc.status)
        return await handler.handle(request)

    log.info("Slack events, commands and buttons: POST /slack/events")
    return True


def run_socket_mode(settings: Settings, assistant: Callable[[], Assistant]) -> None:
    """Socket Mode: the bot connects out to Slack, no public URL needed. Runs until interrupted."""
    missing = [name for name, value in (("SLACK_BOT_TOKEN", settings.slack_bot_token),
                                        ("SLACK_APP_TOKEN", settings.slack_app_token)) if not value]
    if missing:
        raise ConfigError(f"Socket Mode needs {' and '.join(missing)} (see README: Slack)")
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from assistant.slack.bot import build_slack_app

    # Socket Mode requests are not signed over HTTP; Bolt still wants a secret string
    if not settings.slack_signing_secret:
        settings = settings.model_copy(update={"slack_signing_secret": "socket-mode"})
    bolt = build_slack_app(settings, assistant)
    log.info("Slack Socket Mode: connecting")
    SocketModeHandler(bolt, settings.slack_app_token).start()
