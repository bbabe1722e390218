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
    model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed it.")))
    assert main(["--store", str(tmp_path / "h"), "ask", QUESTION, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["backend"] == "llm" and d["model"] == "standin-7b" and d["citations"][0]["quote"] == REAL


def test_the_web_api_answers_with_the_model_and_hides_what_fails(model, make_client):
    c = make_client(**llm_settings(model))
    model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed it."),
                      ("Bloomberg", INVENTED, "It was also cheaper.")))
    d = c.post("/v1/ask", json={"question": QUESTION}).json()
    assert d["backend"] == "llm" and [x["quote"] for x in d["citations"]] == [REAL]
    assert d["verification"]["dropped"] == 1 and "cheaper" not in d["answer"]
    text = c.get(f"/v1/articles/{d['citations'][0]['article_id']}").json()["text"]
    assert text[d["citations"][0]["start"]:d["citations"][0]["end"]] == REAL

    model.script(says(("Bloomberg", INVENTED, "It was cheaper.")))
    d = c.post("/v1/ask", json={"question": QUESTION}).json()  # nothing verifies: the extractive answer
    assert d["backend"] == "extractive" and d["fallback_reason"] and INVENTED not in json.dumps(d)

    model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed it.")))
    r = c.post("/v1/ask", json={"question": QUESTION, "stream": True})
    done = json.loads(r.text.split("event: done\ndata: ", 1)[1].split("\n", 1)[0])
    assert done["backend"] == "llm" and done["citations"][0]["quote"] == REAL

    model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed it.")))
    messages = [{"role": "user", "content": QUESTION}]
    message = c.post("/v1/chat/completions", json={"model": "citewise", "messages": messages}).json()
    content = message["choices"][0]["message"]["content"]
    assert content.startswith("Türkiye says its allies failed it [1].") and "Sources:\n[1]" in content


def test_slack_answers_with_the_model(model, tmp_path, embeddings):
    slack = SlackStandIn()
    try:
        settings = Settings(home=tmp_path / "h", slack_bot_token="xoxb-test",
                            slack_signing_secret="test-signing-secret", slack_api_url=f"{slack.url}/api/",
                            **llm_settings(model))
        client = TestClient(build_service(settings, embeddings=embeddings)).__enter__()
        model.script(says(("Caliber.az", REAL, "Türkiye says its allies failed it."),
                          ("Bloomberg", INVENTED, "It was also cheaper.")))
        post_event(client, mention(QUESTION))
        update = slack.wait_for("chat.update")[0]["body"]
        assert update["text"].startswith("Türkiye says its allies failed it [1].")
        blocks = json.dumps(update["blocks"], ensure_ascii=False)
        assert REAL in blocks and INVENTED not in blocks and "cheaper" not in blocks
    finally:
        slack.close()
