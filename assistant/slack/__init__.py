"""The Slack bot: Events API mounted on the web app, or Socket Mode (``citewise slack``)."""

from assistant.slack.bot import build_slack_app
from assistant.slack.mount import mount_slack

__all__ = ["build_slack_app", "mount_slack"]
