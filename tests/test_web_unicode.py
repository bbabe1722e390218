"""Lone UTF-16 surrogates (``"\\ud800"`` spelled in JSON) over real HTTP: every endpoint refuses them as a 422
in the app's error shape, before any streaming starts, and the kept-alive connection still serves the next
request. The stream writers escape one that reaches them from the articles instead of failing mid-stream."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import httpx
import pytest

from assistant.config import Settings
from assistant.web import create_app
from assistant.web.routes_openai import _chunk
from assistant.web.sse import event
from tests.servers import app_server

S400 = "why did Türkiye buy the S-400?"
ASK, CHAT = "/v1/ask", "/v1/chat/completions"
SSE = {"Accept": "text/event-stream"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, embeddings):
    app = create_app(Settings(home=tmp_path_factory.mktemp("unicode-home")), embeddings=embeddings)
    with app_server(app) as url:
        yield url


def chat(content: str, *, stream: bool = False) -> str:
    return '{"messages": [{"role": "user", "content": ' + content + '}], "stream": ' + json.dumps(stream) + "}"


# raw JSON text, each surrogate spelled as the escape a client sends
@pytest.mark.parametrize("path, raw, headers, field", [
    (ASK, r'{"question": "why \ud800 S-400?"}', {}, "question"),
    (ASK, r'{"question": "why \ud800 S-400?", "stream": true}', {}, "question"),
    (ASK, r'{"question": "why \ud800 S-400?"}', SSE, "question"),
    (ASK, r'{"question": "why \udc00 S-400?"}', {}, "question"),
    (ASK, r'{"question": "why \udc00\ud800 S-400?"}', {}, "question"),  # a low then a high: no pair
    (ASK, r'{"question": "why S-400?", "conversation_id": "ab\ud800"}', {}, "conversation_id"),
    (ASK, r'{"question": "why S-400?", "filters": {"source": "Bloom\ud800berg"}}', {}, "filters.source.0"),
    (ASK, r'{"question": "why S-400?", "filters": {"published_after": "2025\ud800"}}', SSE,
     "filters.published_after"),
    (ASK, r'{"question": "why S-400?", "\ud800": 1}', {}, "body"),
    (CHAT, chat(r'"why \ud800 S-400?"'), {}, "messages.0.content"),
    (CHAT, chat(r'"why \ud800 S-400?"', stream=True), {}, "messages.0.content"),
    (CHAT, chat(r'[{"type": "text", "text": "why \ud800 S-400?"}]'), {}, "messages.0.content"),
    (CHAT, chat(r'[{"type": "text", "text": "why \ud800 S-400?"}]', stream=True), {}, "messages.0.content"),
    (CHAT, r'{"messages": [{"role": "us\ud800er", "content": "why S-400?"}]}', {}, "messages.0.role"),
], ids=["ask", "ask stream:true", "ask Accept:event-stream", "ask low surrogate", "ask reversed pair",
        "ask conversation_id", "ask filters.source", "ask stream filters.published_after", "ask key",
        "chat", "chat stream", "chat content part", "chat stream content part", "chat role"])
def test_a_lone_surrogate_is_a_422_before_any_stream(server, path, raw, headers, field):
    r = httpx.post(server + path, content=raw.encode(), timeout=60,
                   headers={"content-type": "application/json", **headers})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/json"  # an error body, not an event stream begun
    body = json.loads(r.content.decode("utf-8"))  # strict UTF-8: the refusal itself must encode
    assert set(body) == {"error"} and body["error"]["type"] == "invalid_input"
    message = body["error"]["message"]
    assert message.startswith(f"{field}: contains a lone surrogate") and "not valid Unicode" in message


@pytest.mark.parametrize("path, raw", [
    (ASK, r'{"question": "why \ud83d\ude80 did Türkiye buy the S-400?"}'),
    (CHAT, chat(r'"why \ud83d\ude80 did Türkiye buy the S-400?"')),
], ids=["ask", "chat"])
def test_a_surrogate_pair_is_one_character_and_accepted(server, path, raw):
    r = httpx.post(server + path, content=raw.encode(), headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path, bad, good, headers", [
    (ASK, r'{"question": "why \ud800 S-400?"}', json.dumps({"question": S400}), {}),
    (ASK, r'{"question": "why \ud800 S-400?", "stream": true}', json.dumps({"question": S400, "stream": True}), {}),
    (ASK, r'{"question": "why \ud800 S-400?"}', json.dumps({"question": S400}), SSE),
    (CHAT, chat(r'"why \ud800 S-400?"'), chat(json.dumps(S400)), {}),
    (CHAT, chat(r'"why \ud800 S-400?"', stream=True), chat(json.dumps(S400), stream=True), {}),
], ids=["ask", "ask stream:true", "ask Accept:event-stream", "chat", "chat stream"])
def test_after_a_surrogate_the_same_kept_alive_connection_answers_the_next_request(server, path, bad, good,
                                                                                  headers):
    address = urlsplit(server)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        hdrs = {"Content-Type": "application/json", **headers}
        conn.request("POST", path, body=bad.encode(), headers=hdrs)
        first = conn.getresponse()
        assert first.status == 422 and json.loads(first.read())["error"]["type"] == "invalid_input"
        sock = conn.sock
        assert sock is not None, "the server closed the connection after the refusal"
        conn.request("POST", path, body=good.encode(), headers=hdrs)
        second = conn.getresponse()
        text = second.read().decode("utf-8")
        assert second.status == 200 and conn.sock is sock  # the same socket: http.client did not reconnect
        assert "[1]" in text and '"error"' not in text
    finally:
        conn.close()


def data_of(line: str) -> object:
    return json.loads(line.encode("utf-8").split(b"data: ", 1)[1])  # strict UTF-8 first, as the response does


def test_the_sse_writers_escape_a_lone_surrogate_that_comes_from_an_article():
    quote = "the S-400 \ud800 deal"  # an article may hold one: the stream must still encode
    assert data_of(event("delta", {"text": quote})) == {"text": quote}
    assert data_of(_chunk("chatcmpl-1", 0, {"content": quote}))["choices"][0]["delta"] == {"content": quote}
    assert "Türkiye" in event("delta", {"text": S400})  # other text stays as it is, unescaped
