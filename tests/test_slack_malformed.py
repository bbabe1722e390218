"""Malformed requests to ``POST /slack/events``, through the real app: each is a 400 (malformed) or a 401 (not
signed by Slack) with one warning line and no traceback, and never reaches the bot; Slack's own requests still
do. A lone surrogate in a signed event's text gets a reply that says so, not an apology and a traceback."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.serve import build_service
from tests.slack_standin import BOT_USER, SlackStandIn

SECRET = "test-signing-secret"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
EVENT = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "EvM",
                    "event": {"type": "app_mention", "user": "UALICE", "text": f"<@{BOT_USER}> why the S-400?",
                              "ts": "1700000000.000100", "channel": "CNEWS"}}).encode()


@pytest.fixture(scope="module")
def slack():
    s = SlackStandIn()
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory, embeddings, slack):
    """One app for the module: a refused request changes nothing in it."""
    settings = Settings(home=tmp_path_factory.mktemp("slack-malformed"), slack_bot_token="xoxb-test",
                        slack_signing_secret=SECRET, slack_api_url=f"{slack.url}/api/")
    with ExitStack() as stack:
        yield stack.enter_context(TestClient(build_service(settings, embeddings=embeddings)))


def signed(body: bytes, ts: str | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time())) if ts is None else ts
    mac = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={mac}"}


def unsigned(headers: dict[str, str | bytes]) -> Callable[[bytes], dict[str, str | bytes]]:
    return lambda body: headers


def now() -> str:
    return str(int(time.time()))


ANY_SIG = "v0=" + "0" * 64
# headers made per request from its body, so a timestamp is current when the test runs, not when it is collected
MALFORMED: dict[str, tuple[bytes, str, Callable[[bytes], dict[str, str | bytes]], int]] = {
    "timestamp not a number": (EVENT, JSON, lambda b: {**signed(b), "X-Slack-Request-Timestamp": "abc"}, 400),
    "timestamp with a fraction": (EVENT, JSON, lambda b: signed(b, ts=now() + ".5"), 400),
    "timestamp negative": (EVENT, JSON, lambda b: signed(b, ts="-5"), 400),
    "timestamp of 5000 digits": (EVENT, JSON, lambda b: signed(b, ts="9" * 5000), 400),
    "timestamp of 40 digits": (EVENT, JSON, lambda b: signed(b, ts="9" * 40), 400),
    "timestamp far in the future": (EVENT, JSON, lambda b: signed(b, ts="99999999999"), 401),
    "timestamp 10 minutes old": (EVENT, JSON, lambda b: signed(b, ts=str(int(time.time()) - 600)), 401),
    "no signature headers": (EVENT, JSON, unsigned({}), 401),
    "a timestamp but no signature": (EVENT, JSON, lambda b: {"X-Slack-Request-Timestamp": now()}, 401),
    "a signature but no timestamp": (EVENT, JSON, unsigned({"X-Slack-Signature": ANY_SIG}), 401),
    "signature of another body": (EVENT, JSON, lambda b: signed(b"{}"), 401),
    "signature with another secret": (EVENT, JSON, lambda b: signed(b, secret="not-the-secret"), 401),
    "signature with a non-ASCII byte": (EVENT, JSON, lambda b: {**signed(b), "X-Slack-Signature": b"v0=\xe9"}, 401),
    "empty body unsigned": (b"", JSON, unsigned({}), 401),
    "empty body signed": (b"", JSON, signed, 400),
    "not JSON nor a form, unsigned": (b"{not json", "text/plain", unsigned({}), 401),
    "not JSON nor a form, signed": (b"{not json", "text/plain", signed, 400),
    "JSON content type, not JSON, signed": (b"hello", JSON, signed, 400),
    "form payload not JSON, signed": (b"payload=%7Bnot", FORM, signed, 400),
    "JSON array, signed": (b"[1, 2]", JSON, signed, 400),
    "JSON string, signed": (b'"hi"', JSON, signed, 400),
    "JSON nested too deeply, signed": (b"[" * 50_000 + b"]" * 50_000, JSON, signed, 400),
    "body not UTF-8, unsigned": (b"\xff\xfe{}", JSON, unsigned({}), 400),
    "body not UTF-8, signed": (b"\xff\xfe{}", JSON, signed, 400),
}


@pytest.mark.parametrize("body, ctype, headers, status", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_request_is_refused_with_one_warning_line(client, slack, caplog, body, ctype, headers, status):
    caplog.clear()  # the app's start-up lines are not this request's
    caplog.set_level(logging.DEBUG)
    calls = len(slack.calls)
    r = client.post("/slack/events", content=body, headers={"content-type": ctype, **headers(body)})
    assert r.status_code == status, r.text
    assert r.json()["error"]["type"] == {400: "bad_request", 401: "unauthorized"}[status]
    assert [rec for rec in caplog.records if rec.exc_info] == []  # no traceback
    warnings = [rec for rec in caplog.records if rec.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].name == "citewise.slack", [w.getMessage() for w in warnings]
    assert "\n" not in warnings[0].getMessage() and f"({status})" in warnings[0].getMessage()
    time.sleep(0.2)
    assert len(slack.calls) == calls  # the bot never saw it


def test_the_warning_does_not_echo_a_huge_header(client, caplog):
    caplog.clear()
    r = client.post("/slack/events", content=EVENT, headers={"content-type": JSON, **signed(EVENT, ts="x" * 5000)})
    assert r.status_code == 400
    [warning] = [rec for rec in caplog.records if rec.name == "citewise.slack"]
    assert len(warning.getMessage()) < 200


def test_a_signed_request_still_reaches_bolt(client):
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "c-123"}).encode()
    r = client.post("/slack/events", content=body, headers={"content-type": JSON, **signed(body)})
    assert r.status_code == 200 and r.json() == {"challenge": "c-123"}


def test_slacks_ssl_check_is_answered_as_bolt_answers_it(client):
    r = client.post("/slack/events", content=b"ssl_check=1&token=t", headers={"content-type": FORM})
    assert r.status_code == 200


def test_a_lone_surrogate_in_a_mention_gets_a_reply_saying_so(client, slack, caplog):
    caplog.set_level(logging.INFO)
    body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "EvSur",
                       "event": {"type": "app_mention", "user": "UALICE", "text": f"<@{BOT_USER}> why \ud800 S-400?",
                                 "ts": "1700000000.000200", "channel": "CNEWS"}}).encode()
    assert b"\\ud800" in body  # as Slack's JSON would spell it
    assert client.post("/slack/events", content=body, headers={"content-type": JSON, **signed(body)}).status_code == 200
    update = slack.wait_for("chat.update")[0]["body"]
    assert "lone surrogate" in update["text"] and "not valid Unicode" in update["text"]
    assert [rec for rec in caplog.records if rec.exc_info] == []
