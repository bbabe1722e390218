"""Streaming and the OpenAI-compatible API, through a real uvicorn server on 127.0.0.1: SSE event order,
and the official ``openai`` client talking to ``/v1/chat/completions``."""

from __future__ import annotations

import json
import re

import httpx
import openai
import pytest

from assistant.answer.render import DERIVED_MARK
from assistant.config import Settings
from assistant.models import Answer, Citation
from assistant.web import create_app
from assistant.web.routes_openai import reply_text
from tests.conftest import assert_contract
from tests.servers import app_server

S400 = "why did Türkiye buy the S-400?"
FOLLOW_UP = "and what did Macron say about it?"
MACRON = "what did Macron demand?"
ACKNOWLEDGE = "What does Erdogan want Macron to acknowledge?"  # quoted from a sentence that opens with “


@pytest.fixture(scope="module")
def server(tmp_path_factory, embeddings):
    app = create_app(Settings(home=tmp_path_factory.mktemp("stream-home")), embeddings=embeddings)
    with app_server(app) as url:
        yield url


def sse(response: httpx.Response) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[len("data: "):])))
    return events


def _ask_stream(url: str, body: dict, headers: dict | None = None) -> list[tuple[str, dict]]:
    with httpx.stream("POST", f"{url}/v1/ask", json=body, headers=headers, timeout=60) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        return sse(r)


def test_ask_streams_retrieval_deltas_citations_then_done(server):
    events = _ask_stream(server, {"question": S400, "stream": True})
    names = [n for n, _ in events]
    assert names[0] == "retrieval" and names[-1] == "done" and "error" not in names
    first_citation = names.index("citation")
    assert set(names[1:first_citation]) == {"delta"} and set(names[first_citation:-1]) == {"citation"}
    done = events[-1][1]
    get_text = lambda i: httpx.get(f"{server}/v1/articles/{i}").json()["text"]  # noqa: E731
    assert_contract(done, get_text)
    assert "".join(d["text"] for n, d in events if n == "delta") == done["answer"]
    assert [d for n, d in events if n == "citation"] == done["citations"]
    assert events[0][1]["passages"] and all(p["text"] for p in events[0][1]["passages"])
    plain = httpx.post(f"{server}/v1/ask", json={"question": S400}, timeout=60).json()
    assert plain["answer"] == done["answer"] and plain["citations"] == done["citations"]


def test_the_accept_header_asks_for_a_stream_too(server):
    events = _ask_stream(server, {"question": S400}, headers={"Accept": "text/event-stream"})
    assert events[-1][0] == "done" and events[-1][1]["status"] == "answered"


def test_a_streamed_answer_joins_its_conversation(server):
    cid = httpx.post(f"{server}/v1/ask", json={"question": S400}, timeout=60).json()["conversation_id"]
    done = _ask_stream(server, {"question": FOLLOW_UP, "conversation_id": cid, "stream": True})[-1][1]
    assert done["conversation_id"] == cid
    turns = httpx.get(f"{server}/v1/conversations/{cid}").json()["turns"]
    assert [t["question"] for t in turns] == [S400, FOLLOW_UP]


def test_a_bad_streamed_question_is_refused_before_the_stream(server):
    r = httpx.post(f"{server}/v1/ask", json={"question": " ", "stream": True}, timeout=60)
    assert r.status_code == 422 and r.json()["error"]["type"] == "invalid_input"


def _client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=60)


def test_the_openai_client_gets_a_cited_answer(server):
    r = _client(server).chat.completions.create(model="citewise", messages=[{"role": "user", "content": S400}])
    msg = r.choices[0].message
    assert r.model == "citewise" and r.choices[0].finish_reason == "stop"
    assert "[1]" in msg.content and re.search(r"\n\nSources:\n\[1\]( \[\d+\])* Caliber\.az", msg.content)
    citations = msg.model_extra["citations"]
    text = httpx.get(f"{server}/v1/articles/{citations[0]['article_id']}").json()["text"]
    assert text[citations[0]["start"]:citations[0]["end"]] == citations[0]["quote"]
    assert citations[0]["quote"] in msg.content


@pytest.mark.parametrize("question", [MACRON, ACKNOWLEDGE])
def test_the_openai_text_lists_one_source_an_article_and_never_doubles_quote_marks(server, question):
    msg = _client(server).chat.completions.create(
        model="citewise", messages=[{"role": "user", "content": question}]).choices[0].message
    citations = msg.model_extra["citations"]
    answer, listed = msg.content.split("\n\nSources:\n")
    assert len(listed.splitlines()) == len({c["article_id"] for c in citations})
    article = {c["n"]: c["article_id"] for c in citations}
    led = [[int(n) for n in re.match(r"((?:\[\d+\] )+)", line).group(1).strip(" []").split("] [")]
           for line in listed.splitlines()]
    assert sorted(n for ns in led for n in ns) == sorted(article)  # every marker leads exactly one line
    assert all(len({article[n] for n in ns}) == 1 for ns in led)  # ...the line of its article
    assert "““" not in msg.content and "””" not in msg.content
    for c in citations:
        shown = c["quote"] if c["quote"].startswith("“") else f"“{c['quote']}”"
        assert f"{shown} [{c['n']}]" in answer


def test_the_openai_text_shows_derived_sentences_marked_not_quoted():
    c = Citation(n=1, article_id="a", quote="Prices rose.", start=0, end=12, source="Harbour Post",
                 published="2024-05-02")
    answer = Answer("q", "answered", "Harbour Post, 2 May 2024:\n“Prices rose.” [1]", [c],
                    derived=["Harbour Post reported on 2 May 2024, before the Wire."])
    assert reply_text(answer) == ("Harbour Post, 2 May 2024:\n“Prices rose.” [1]\n\n"
                                  f"{DERIVED_MARK}Harbour Post reported on 2 May 2024, before the Wire.\n\n"
                                  "Sources:\n[1] Harbour Post, 2 May 2024")


def test_the_openai_client_streams_the_same_answer(server):
    client = _client(server)
    messages = [{"role": "user", "content": S400}]
    whole = client.chat.completions.create(model="citewise", messages=messages).choices[0].message.content
    pieces, finish = [], None
    for chunk in client.chat.completions.create(model="citewise", messages=messages, stream=True):
        pieces.append(chunk.choices[0].delta.content or "")
        finish = chunk.choices[0].finish_reason or finish
    assert len(pieces) > 3 and "".join(pieces) == whole and finish == "stop"


def test_the_openai_client_follows_up_from_the_messages(server, demo):
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": S400},
                {"role": "assistant", "content": "(an earlier answer)"},
                {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]}]
    r = _client(server).chat.completions.create(model="citewise", messages=messages)
    assert r.choices[0].message.content.startswith(demo.ask(FOLLOW_UP, history=[S400]).answer)


def test_the_openai_client_lists_the_model(server):
    assert [m.id for m in _client(server).models.list()] == ["citewise"]


def test_chat_without_a_user_message_is_a_clear_422(server):
    with pytest.raises(openai.UnprocessableEntityError, match="no user message"):
        _client(server).chat.completions.create(model="citewise", messages=[{"role": "system", "content": "hi"}])


def test_the_openai_client_needs_a_key_when_keys_are_set(tmp_path, embeddings):
    app = create_app(Settings(home=tmp_path / "h", api_keys="sekrit"), embeddings=embeddings)
    with app_server(app) as url:
        messages = [{"role": "user", "content": S400}]
        with pytest.raises(openai.AuthenticationError):
            _client(url, "wrong").chat.completions.create(model="citewise", messages=messages)
        r = _client(url, "sekrit").chat.completions.create(model="citewise", messages=messages)
        assert "[1]" in r.choices[0].message.content
