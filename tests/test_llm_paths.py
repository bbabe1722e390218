"""The LLM answerer through every front end: the CLI, the web API (JSON, SSE, OpenAI-compatible) and
Slack, with a scripted OpenAI-compatible server; what the user sees is verified on each path."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from assistant.cli import main
from assistant.config import Settings
from assistant.serve import build_service
from tests.openai_standin import Reply, StandIn, claims, completion, source_numbers, stream_chunks
from tests.slack_standin import SlackStandIn
from tests.test_slack import mention, post_event

QUESTION = "why did Türkiye buy the S-400?"
REAL = ("Türkiye argues the S-400 purchase was a necessity after its allies failed to meet its defence "
        "requirements on acceptable terms.")
INVENTED = "Ankara bought the S-400 because it was cheaper than every Western system on offer."


@pytest.fixture
def model():
    with StandIn() as s:
        yield s


def says(*items):
    """A model reply citing sources by outlet (numbers read from the prompt it was sent)."""
    def reply(request):
        numbers = source_numbers(request)
        content = claims(*[(numbers.get(o, 1), q, t) for o, q, t in items])
        return Reply(chunks=stream_chunks(content)) if request.get("stream") else Reply(body=completion(content))
    return reply


def llm_settings(model: StandIn) -> dict:
    return {"llm": "openai", "llm_base_url": model.url, "llm_model": "standin-7b", "llm_retries": 0,
            "llm_timeout_s": 10.0, "llm_output": "json_object"}


def test_the_cli_answers_with_the_model(model, tmp_path, monkeypatch, capsys):
    for key, value in llm_settings(model).items():
        monkeypatch.setenv(f"CITEWISE_{key.upper()}", str(value))
    model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed to meet its defence requirements.")))
    assert main(["--store", str(tmp_path / "h"), "ask", QUESTION, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["backend"] == "llm" and d["model"] == "standin-7b" and d["citations"][0]["quote"] == REAL


def test_the_web_api_answers_with_the_model_and_hides_what_fails(model, make_client):
    c = make_client(**llm_settings(model))
    model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed to meet its defence requirements."),
                      ("Bloomberg", INVENTED, "It was also cheaper.")))
    d = c.post("/v1/ask", json={"question": QUESTION}).json()
    assert d["backend"] == "llm" and [x["quote"] for x in d["citations"]] == [REAL]
    assert d["verification"]["dropped"] == 1 and "cheaper" not in d["answer"]
    text = c.get(f"/v1/articles/{d['citations'][0]['article_id']}").json()["text"]
    assert text[d["citations"][0]["start"]:d["citations"][0]["end"]] == REAL

    model.script(says(("Bloomberg", INVENTED, "It was cheaper.")))
    d = c.post("/v1/ask", json={"question": QUESTION}).json()  # nothing verifies: the extractive answer
    assert d["backend"] == "extractive" and d["fallback_reason"] and INVENTED not in json.dumps(d)

    model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed to meet its defence requirements.")))
    r = c.post("/v1/ask", json={"question": QUESTION, "stream": True})
    done = json.loads(r.text.split("event: done\ndata: ", 1)[1].split("\n", 1)[0])
    assert done["backend"] == "llm" and done["citations"][0]["quote"] == REAL

    model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed to meet its defence requirements.")))
    messages = [{"role": "user", "content": QUESTION}]
    message = c.post("/v1/chat/completions", json={"model": "citewise", "messages": messages}).json()
    content = message["choices"][0]["message"]["content"]
    assert content.startswith("Türkiye says its allies failed to meet its defence requirements [1].")
    assert "Sources:\n[1]" in content


@pytest.fixture
def slack_bot(model, tmp_path, embeddings):
    """A Slack stand-in and the service that answers its events with the scripted model."""
    slack = SlackStandIn()
    settings = Settings(home=tmp_path / "h", slack_bot_token="xoxb-test", slack_signing_secret="test-signing-secret",
                        slack_api_url=f"{slack.url}/api/", **llm_settings(model))
    try:
        with TestClient(build_service(settings, embeddings=embeddings)) as client:
            yield slack, client
    finally:
        slack.close()


def test_slack_answers_with_the_model(model, slack_bot):
    slack, client = slack_bot
    model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed to meet its defence requirements."),
                      ("Bloomberg", INVENTED, "It was also cheaper.")))
    post_event(client, mention(QUESTION))
    update = slack.wait_for("chat.update")[0]["body"]
    assert update["text"].startswith("Türkiye says its allies failed to meet its defence requirements [1].")
    blocks = json.dumps(update["blocks"], ensure_ascii=False)
    assert REAL in blocks and INVENTED not in blocks and "cheaper" not in blocks


# the issue's own case: a real quote, and a sentence beside it that the quote does not say
FEAR = "What does Washington fear the S-400 could do?"
F35 = ("Washington has warned that deploying the S-400 could allow Russia to gather intelligence on the US "
       "fifth-generation F-35 stealth fighter.")
ELYSEE = "According to an Elysee official, who also asked not to be named."
SUPPORTED = "Türkiye says its allies failed to meet its defence requirements."
LEAD = f"Caliber.az, 25 June 2025: “{F35}” [1]"
COUNTS = {"proposed": 2, "kept": 2, "repaired": 0, "reattributed": 0, "dropped": 0, "supported": 1, "unsupported": 1}


def unsupported_first():
    return says(("Caliber.az", F35, ELYSEE), ("Caliber.az", REAL, SUPPORTED))


def test_an_unsupported_claim_never_reaches_the_cli(model, tmp_path, monkeypatch, capsys):
    for key, value in llm_settings(model).items():
        monkeypatch.setenv(f"CITEWISE_{key.upper()}", str(value))
    model.script(unsupported_first())
    assert main(["--store", str(tmp_path / "h"), "ask", FEAR, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["backend"] == "llm" and d["verification"] == COUNTS and "Elysee" not in json.dumps(d)
    assert d["answer"] == f"{LEAD} {SUPPORTED.removesuffix('.')} [2]."
    model.script(unsupported_first())
    assert main(["--store", str(tmp_path / "h"), "ask", FEAR]) == 0
    out = capsys.readouterr().out
    assert "Elysee" not in out and LEAD in out
    assert "Checked: 2 of 2 quotes stand in their articles; 1 claim shown as supported by its quote, 1 held back" in out


def test_an_unsupported_claim_never_reaches_the_web_api(model, make_client):
    c = make_client(**llm_settings(model))
    model.script(unsupported_first())
    d = c.post("/v1/ask", json={"question": FEAR}).json()  # JSON
    assert d["verification"] == COUNTS and d["answer"].startswith(LEAD) and "Elysee" not in json.dumps(d)

    model.script(unsupported_first())
    r = c.post("/v1/ask", json={"question": FEAR, "stream": True})  # server-sent events: no delta says it
    deltas = [e.split("\ndata: ", 1)[1] for e in r.text.split("\n\n") if e.startswith("event: delta")]
    assert deltas and "Elysee" not in "".join(deltas)  # (the retrieval event has Bloomberg's own Elysee official)
    done = json.loads(r.text.split("event: done\ndata: ", 1)[1].split("\n", 1)[0])
    assert done["verification"] == COUNTS and done["answer"].startswith(LEAD)

    messages = [{"role": "user", "content": FEAR}]
    model.script(unsupported_first())
    reply = c.post("/v1/chat/completions", json={"model": "citewise", "messages": messages}).json()
    assert reply["choices"][0]["message"]["content"].startswith(LEAD) and "Elysee" not in json.dumps(reply)
    assert reply["citewise"]["verification"] == COUNTS

    model.script(unsupported_first())
    r = c.post("/v1/chat/completions", json={"model": "citewise", "messages": messages, "stream": True})
    chunks = [json.loads(x) for x in r.text.replace("data: [DONE]", "").split("data: ") if x.strip()]
    text = "".join(ch["choices"][0]["delta"].get("content") or "" for ch in chunks)
    assert text.startswith(LEAD) and "Elysee" not in r.text
    assert chunks[-1]["citewise"]["verification"] == COUNTS


def test_an_unsupported_claim_never_reaches_slack(model, slack_bot):
    slack, client = slack_bot
    model.script(unsupported_first())
    post_event(client, mention(FEAR))
    update = slack.wait_for("chat.update")[0]["body"]
    blocks = json.dumps(update["blocks"], ensure_ascii=False)
    assert update["text"].startswith("Caliber.az, 25 June 2025:") and "Elysee" not in json.dumps(update)
    assert "1 claim shown as supported by its quote, 1 held back" in blocks


def test_an_unsupported_claim_on_a_quote_already_shown_adds_nothing(model, make_client):
    c = make_client(**llm_settings(model))
    model.script(says(("Caliber.az", REAL, SUPPORTED), ("Caliber.az", REAL, ELYSEE)))
    d = c.post("/v1/ask", json={"question": QUESTION}).json()
    assert d["answer"] == f"{SUPPORTED.removesuffix('.')} [1]." and len(d["citations"]) == 1
    assert d["verification"]["supported"] == 1 and d["verification"]["unsupported"] == 1
