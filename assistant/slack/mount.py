"""``POST /slack/events`` on the FastAPI app (HTTP Events API), and Socket Mode for teams without a public URL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response

from assistant.config import Settings
from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.chain import Assistant

log = logging.getLogger("citewise.slack")


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
