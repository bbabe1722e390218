"""The Slack bot (slack-bolt): mentions and direct messages answered in their thread, ``/citewise``,
and 👍 / 👎 feedback. Every listener acknowledges at once and works in a lazy listener, so Slack's
3-second deadline is always met; a "searching" placeholder is then replaced by the answer."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.config import Settings
from assistant.errors import CitewiseError, InputError, StoreUnavailableError
from assistant.slack.blocks import SEARCHING, answer_blocks, apology, escape
from assistant.slack.feedback import FeedbackStore, open_feedback

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

log = logging.getLogger("citewise.slack")
MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
HISTORY_TURNS = 10
HELP = ("*citewise* answers questions about the news articles it holds, with verbatim quotes cited back to "
        "each article.\n• Mention me in a channel: `@citewise why did Türkiye buy the S-400?` (I answer in the "
        "thread; ask follow-ups there)\n• Write to me directly\n• `/citewise <question>` answers in the channel\n"
        "• 👍 / 👎 under an answer tells the team what worked")


class Bot:
    """The listeners; ``assistant`` is called per question so a store that was down is retried."""

    def __init__(self, assistant: Callable[[], Assistant], feedback: FeedbackStore) -> None:
        self.assistant = assistant
        self.feedback = feedback

    # -- middleware ----------------------------------------------------------------
    def skip_repeats(self, body: dict[str, Any], request: Any, next: Callable[[], BoltResponse]) -> BoltResponse:
        """A retried delivery (X-Slack-Retry-Num) or an event id seen before is acknowledged, not answered."""
        if request.headers.get("x-slack-retry-num"):
            log.info("slack retry %s of event %s ignored", request.headers["x-slack-retry-num"][0],
                     body.get("event_id"))
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        event_id = body.get("event_id")
        if event_id and not self.feedback.first_time(event_id):
            return BoltResponse(status=200, body="")
        return next()

    # -- listeners -----------------------------------------------------------------
    def on_mention(self, event: dict[str, Any], client: WebClient, context: Any) -> None:
        self._answer_event(event, client, context)

    def on_message(self, event: dict[str, Any], client: WebClient, context: Any) -> None:
        # direct messages only, from people: no edits, joins, bot posts (ours included)
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if event.get("user") == context.get("bot_user_id"):
            return
        self._answer_event(event, client, context)

    def ack_command(self, ack: Callable[..., None], command: dict[str, Any]) -> None:
        text = (command.get("text") or "").strip()
        if text.lower() in ("", "help"):
            ack(response_type="ephemeral", text=HELP)
        else:
            ack(response_type="ephemeral", text=SEARCHING)

    def on_command(self, command: dict[str, Any], respond: Callable[..., Any]) -> None:
        question = (command.get("text") or "").strip()
        if question.lower() in ("", "help"):
            return
        text, blocks = self._compose(question, [], command.get("channel_id"), None)
        respond(response_type="in_channel", text=text, blocks=blocks, replace_original=False)

    def on_feedback(self, body: dict[str, Any], respond: Callable[..., Any]) -> None:
        action = body["actions"][0]
        vote = "up" if action["action_id"].endswith("_up") else "down"
        try:
            self.feedback.vote(action["value"], body["user"]["id"], vote)
        except CitewiseError as exc:
            log.warning("feedback not recorded: %s", exc)
            respond(response_type="ephemeral", replace_original=False, text="Sorry, that answer is no longer known.")
            return
        thanks = "Thanks, glad it helped." if vote == "up" else "Thanks: noted, the team will look at this answer."
        respond(response_type="ephemeral", replace_original=False, text=thanks)

    # -- work ----------------------------------------------------------------------
    def _answer_event(self, event: dict[str, Any], client: WebClient, context: Any) -> None:
        question = MENTION.sub("", event.get("text") or "").strip()
        channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
        if not question:
            client.chat_postMessage(channel=channel, thread_ts=thread, text=HELP)
            return
        try:
            placeholder = client.chat_postMessage(channel=channel, thread_ts=thread, text=SEARCHING)
        except SlackApiError as exc:
            log.error("cannot post in %s: %s", channel, exc)
            return
        history = self._thread_questions(client, event, context.get("bot_user_id"))
        text, blocks = self._compose(question, history, channel, thread)
        try:
            client.chat_update(channel=channel, ts=placeholder["ts"], text=text, blocks=blocks)
        except SlackApiError as exc:
            log.error("cannot update the answer in %s: %s", channel, exc)

    def _thread_questions(self, client: WebClient, event: dict[str, Any], bot_user: str | None) -> list[str]:
        """The earlier questions of the thread, oldest first: people's messages before this one."""
        thread = event.get("thread_ts")
        if not thread or thread == event.get("ts"):
            return []
        try:
            replies = client.conversations_replies(channel=event["channel"], ts=thread, limit=50)
        except SlackApiError as exc:
            log.warning("thread history unavailable (%s): answering without it", exc)
            return []
        earlier = [m for m in replies.get("messages", [])
                   if float(m.get("ts", 0)) < float(event["ts"]) and not m.get("bot_id") and m.get("user") != bot_user]
        questions = [MENTION.sub("", m.get("text") or "").strip() for m in earlier]
        return [q for q in questions if q and readable(q)][-HISTORY_TURNS:]

    def _compose(self, question: str, history: list[str], channel: str | None,
                 thread: str | None) -> tuple[str, list[dict[str, Any]]]:
        """The reply's (text, blocks); a failure becomes a short apology, logged with detail."""
        try:
            if not readable(question):
                raise InputError("the question contains a lone surrogate: it is not valid Unicode")
            answer = self.assistant().ask(question, history=history)
        except InputError as exc:
            return escape(str(exc)), [{"type": "section", "text": {"type": "mrkdwn", "text": escape(str(exc))}}]
        except StoreUnavailableError as exc:
            log.error("slack question failed, store unavailable: %s", exc)
            return apology("the article store is unavailable")
        except Exception:
            log.exception("slack question failed: %r", question)
            return apology("something went wrong on my side")
        record_id = self.feedback.record(channel, thread, question, answer.to_dict())
        return answer_blocks(answer, record_id)


def readable(text: str) -> bool:
    """False for text with a lone surrogate. Slack's JSON may spell one ("\\ud800") and json.loads keeps it;
    the first thing to encode the text (the tokenizer) would then fail, as a traceback and an apology."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _ack(ack: Callable[[], None]) -> None:
    ack()


def build_slack_app(settings: Settings, assistant: Callable[[], Assistant],
                    feedback: FeedbackStore | None = None) -> App:
    """The Bolt app. Needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; Web API calls go to SLACK_API_URL."""
    feedback = feedback or open_feedback(settings)
    bot = Bot(assistant, feedback)
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url.rstrip("/") + "/")
    # token verification (auth.test) waits for the first request, so a start-up does not need Slack to be up
    app = App(token=settings.slack_bot_token, signing_secret=settings.slack_signing_secret, client=client,
              token_verification_enabled=False, logger=log, process_before_response=False)
    app.middleware(bot.skip_repeats)
    app.event("app_mention")(ack=_ack, lazy=[bot.on_mention])
    app.event("message")(ack=_ack, lazy=[bot.on_message])
    app.command("/citewise")(ack=bot.ack_command, lazy=[bot.on_command])
    app.action(re.compile(r"^citewise_feedback_(up|down)$"))(ack=_ack, lazy=[bot.on_feedback])
    app.bot = bot  # type: ignore[attr-defined]  # for tests and the socket runner
    return app
