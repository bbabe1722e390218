"""The Slack bot through the real FastAPI app with real request signing; its Web API calls go to a
local stand-in that records them (the Slack SDK's base_url)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from assistant.cli import main
from assistant.config import Settings
from assistant.serve import build_service
from assistant.slack.blocks import NO_ANSWER, SEARCHING
from tests.servers import free_port
from tests.slack_standin import BOT_USER, SlackStandIn

SECRET = "test-signing-secret"
S400 = "why did Türkiye buy the S-400?"
FOLLOW_UP = "and what did Macron say about it?"


@pytest.fixture
def slack():
    s = SlackStandIn()
    yield s
    s.close()


@pytest.fixture
def bot(tmp_path, embeddings, slack):
    def make(**overrides):
        settings = Settings(home=tmp_path / "home", slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
                            slack_api_url=f"{slack.url}/api/", **overrides)
        return TestClient(build_service(settings, embeddings=embeddings)).__enter__()

    return make


def signed(body: str, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig}


def post_event(client, event: dict, event_id: str = "Ev1", headers: dict | None = None):
    body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": event_id,
                       "event_time": int(time.time()), "event": event})
    return client.post("/slack/events", content=body,
                       headers={"content-type": "application/json", **signed(body), **(headers or {})})


def post_form(client, fields: dict, headers: dict | None = None):
    body = urlencode(fields)
    return client.post("/slack/events", content=body, headers={
        "content-type": "application/x-www-form-urlencoded", **signed(body), **(headers or {})})


def mention(text: str, ts: str = "1700000000.000100", thread_ts: str | None = None) -> dict:
    e = {"type": "app_mention", "user": "UALICE", "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": "CNEWS",
         "event_ts": ts}
    if thread_ts:
        e["thread_ts"] = thread_ts
    return e


def blocks_text(blocks: list[dict]) -> str:
    out = []
    for b in blocks:
        if b["type"] == "section":
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out += [e["text"] for e in b["elements"]]
    return "\n".join(out)


def test_a_mention_is_answered_in_its_thread_by_updating_a_placeholder(bot, slack, demo):
    r = post_event(bot(), mention(S400))
    assert r.status_code == 200
    placeholder = slack.wait_for("chat.postMessage")[0]["body"]
    assert placeholder["text"] == SEARCHING and placeholder["thread_ts"] == "1700000000.000100"
    update = slack.wait_for("chat.update")[0]["body"]
    assert update["channel"] == "CNEWS" and update["ts"] == "2000000000.000001"
    blocks = json.loads(update["blocks"]) if isinstance(update["blocks"], str) else update["blocks"]
    expected = demo.ask(S400)
    quote = expected.citations[0].quote
    assert blocks[0]["text"]["text"].startswith("Caliber.az, 25 June 2025:") and "[1]" in blocks[0]["text"]["text"]
    assert {"type": "section", "text": {"type": "mrkdwn", "text": f">*[1]* {quote}"}} in blocks
    # one line an article, headed by the numbers of its quotes
    assert re.search(r"\*\[1\]( \[\d+\])*\* \*Caliber\.az\* · _Turkish leader set to push", blocks_text(blocks))
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["citewise_feedback_up", "citewise_feedback_down"]
    assert slack.of("chat.postMessage")[0]["auth"] == "Bearer xoxb-test"


def test_quotes_of_one_article_share_its_card_and_marks_never_double(bot, slack, demo):
    """A quote that opens with its own quotation mark is shown with that one mark, in the text and the
    blocks; the article's quotes sit under one card."""
    question = "What does Erdogan want Macron to acknowledge?"
    post_event(bot(), mention(question))
    update = slack.wait_for("chat.update")[0]["body"]
    blocks = json.loads(update["blocks"]) if isinstance(update["blocks"], str) else update["blocks"]
    expected = demo.ask(question)
    own = [c for c in expected.citations if c.quote.startswith("“")]
    assert own, expected.answer  # the Caliber.az sentence that opens with “He wants Macron ...
    text = blocks_text(blocks)
    assert "““" not in text and "””" not in text and "““" not in update["text"]
    for c in own:
        assert f"\n{c.quote} [{c.n}]" in blocks[0]["text"]["text"]
        assert f">*[{c.n}]* {c.quote}" in text
    cards = [b for b in blocks if b["type"] == "context" and b["elements"][0]["text"].startswith("*[")]
    assert len(cards) == len({c.article_id for c in expected.citations})


def test_a_direct_message_is_answered_in_its_thread(bot, slack):
    dm = {"type": "message", "channel_type": "im", "channel": "DALICE", "user": "UALICE", "text": S400,
          "ts": "1700000001.000200"}
    assert post_event(bot(), dm).status_code == 200
    assert slack.wait_for("chat.postMessage")[0]["body"]["thread_ts"] == "1700000001.000200"
    assert "[1]" in slack.wait_for("chat.update")[0]["body"]["text"]


def test_a_follow_up_in_a_thread_is_read_with_the_threads_questions(bot, slack, demo):
    slack.replies["1700000000.000100"] = [
        {"user": "UALICE", "text": f"<@{BOT_USER}> {S400}", "ts": "1700000000.000100"},
        {"user": BOT_USER, "bot_id": "BBOT", "text": "an earlier answer", "ts": "1700000000.000150"},
        {"user": "UALICE", "text": f"<@{BOT_USER}> {FOLLOW_UP}", "ts": "1700000000.000300"},
    ]
    post_event(bot(), mention(FOLLOW_UP, ts="1700000000.000300", thread_ts="1700000000.000100"))
    assert slack.wait_for("chat.postMessage")[0]["body"]["thread_ts"] == "1700000000.000100"
    update = slack.wait_for("chat.update")[0]["body"]
    assert slack.of("conversations.replies")[0]["body"]["ts"] == "1700000000.000100"
    follow = demo.ask(FOLLOW_UP, history=[S400])
    alone = demo.ask(FOLLOW_UP)
    assert follow.answer != alone.answer
    assert update["text"].startswith(follow.answer.replace("&", "&amp;").split("\n")[0][:80])


def test_the_slash_command_answers_in_the_channel(bot, slack):
    r = post_form(bot(), {"command": "/citewise", "text": S400, "user_id": "UALICE", "channel_id": "CNEWS",
                          "team_id": "T1", "response_url": f"{slack.url}/respond/cmd1", "trigger_id": "1.2"})
    assert r.status_code == 200 and r.json() == {"response_type": "ephemeral", "text": SEARCHING}
    posted = slack.wait_for("cmd1")[0]["body"]
    assert posted["response_type"] == "in_channel" and "[1]" in posted["text"]
    assert any(b["type"] == "actions" for b in posted["blocks"])


def test_slash_help_explains_usage_ephemerally(bot, slack):
    r = post_form(bot(), {"command": "/citewise", "text": "help", "user_id": "UALICE", "channel_id": "CNEWS",
                          "response_url": f"{slack.url}/respond/cmd2"})
    assert r.status_code == 200 and r.json()["response_type"] == "ephemeral"
    assert "/citewise <question>" in r.json()["text"]
    time.sleep(0.5)
    assert slack.of("cmd2") == []


def test_a_button_click_stores_feedback_and_the_dislike_is_exported(bot, slack, tmp_path, capsys):
    client = bot()
    post_event(client, mention(S400))
    update = slack.wait_for("chat.update")[0]["body"]
    blocks = json.loads(update["blocks"]) if isinstance(update["blocks"], str) else update["blocks"]
    down = blocks[-1]["elements"][1]
    payload = {"type": "block_actions", "user": {"id": "UBOB"}, "team": {"id": "T1"},
               "channel": {"id": "CNEWS"}, "response_url": f"{slack.url}/respond/act1", "trigger_id": "1.3",
               "container": {"type": "message", "message_ts": update["ts"]},
               "actions": [{"action_id": down["action_id"], "block_id": "citewise_feedback", "value": down["value"],
                            "type": "button", "action_ts": "1"}]}
    assert post_form(client, {"payload": json.dumps(payload)}).status_code == 200
    thanks = slack.wait_for("act1")[0]["body"]
    assert thanks["response_type"] == "ephemeral" and "noted" in thanks["text"]
    assert client.app.state.slack.bot.feedback.votes(down["value"]) == {"up": 0, "down": 1}
    out = tmp_path / "candidates.jsonl"
    assert main(["--store", str(tmp_path / "home"), "feedback", "export", "--out", str(out)]) == 0
    line = json.loads(out.read_text())
    assert line["question"] == S400 and line["given"]["status"] == "answered" and line["kind"] == "feedback"


def test_a_retried_delivery_never_gets_a_second_answer(bot, slack):
    client = bot()
    post_event(client, mention(S400), event_id="EvRetry")
    slack.wait_for("chat.update")
    r = post_event(client, mention(S400), event_id="EvRetry", headers={"X-Slack-Retry-Num": "1",
                                                                     "X-Slack-Retry-Reason": "http_timeout"})
    assert r.status_code == 200
    post_event(client, mention(S400), event_id="EvRetry")  # the same event again, without the header
    time.sleep(1.0)
    assert len(slack.of("chat.postMessage")) == 1 and len(slack.of("chat.update")) == 1


@pytest.mark.parametrize("case", ["unsigned", "stale", "wrong secret"])
def test_a_request_not_signed_by_slack_is_401(bot, slack, case):
    body = json.dumps({"type": "event_callback", "event_id": "Ev9", "event": mention(S400)})
    headers = {"content-type": "application/json"}
    if case == "stale":
        headers.update(signed(body, ts=int(time.time()) - 10 * 60))
    elif case == "wrong secret":
        headers.update(signed(body, secret="not-the-secret"))
    r = bot().post("/slack/events", content=body, headers=headers)
    assert r.status_code == 401
    time.sleep(0.3)
    assert slack.of("chat.postMessage") == []


def test_the_url_verification_challenge_is_answered(bot):
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "c-123"})
    r = bot().post("/slack/events", content=body, headers={"content-type": "application/json", **signed(body)})
    assert r.status_code == 200 and r.json() == {"challenge": "c-123"}


@pytest.mark.parametrize("event", [
    {"type": "message", "channel_type": "im", "channel": "DALICE", "user": BOT_USER, "text": S400, "ts": "1.1"},
    {"type": "message", "channel_type": "im", "channel": "DALICE", "bot_id": "BOTHER", "subtype": "bot_message",
     "text": S400, "ts": "1.2"},
    {"type": "message", "channel_type": "im", "channel": "DALICE", "user": "UALICE", "subtype": "message_changed",
     "text": S400, "ts": "1.3"},
    {"type": "message", "channel_type": "channel", "channel": "CNEWS", "user": "UALICE", "text": S400, "ts": "1.4"},
], ids=["own message", "other bot", "edit", "channel chatter"])
def test_messages_that_are_not_questions_to_the_bot_are_ignored(bot, slack, event):
    assert post_event(bot(), event, event_id=f"Ev-{event['ts']}").status_code == 200
    time.sleep(0.8)
    assert slack.of("chat.postMessage") == []


def test_a_question_the_articles_do_not_answer_gets_a_clear_no_answer(bot, slack):
    post_event(bot(), mention("How much does one SAMP/T battery cost?"))
    update = slack.wait_for("chat.update")[0]["body"]
    assert update["text"] == NO_ANSWER


def test_a_store_that_is_down_becomes_an_apology_in_the_thread(bot, slack):
    post_event(bot(chroma_url=f"http://127.0.0.1:{free_port()}"), mention(S400))
    update = slack.wait_for("chat.update")[0]["body"]
    assert update["text"].startswith("Sorry, I couldn't answer that just now (the article store is unavailable)")


def test_slack_is_off_without_its_tokens(tmp_path, embeddings, caplog):
    caplog.set_level("INFO", logger="citewise.slack")
    app = build_service(Settings(home=tmp_path / "h"), embeddings=embeddings)
    with TestClient(app) as c:
        assert c.post("/slack/events", content="{}").status_code == 404
    assert "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in caplog.text


def test_the_manifest_subscribes_to_what_the_bot_handles():
    import yaml

    import assistant.slack

    path = Path(assistant.slack.__file__).with_name("manifest.yaml")
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert settings["interactivity"]["is_enabled"]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/citewise"]
    for scope in ("app_mentions:read", "chat:write", "commands", "im:history", "channels:history"):
        assert scope in manifest["oauth_config"]["scopes"]["bot"]
