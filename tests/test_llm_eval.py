"""``citewise eval`` with the LLM backend reports what verification did to the model's quotes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evals.metrics import evaluate
from evals.report import write_report
from evals.scorer import run_set
from tests.openai_standin import Reply, StandIn, claims, completion, prompt_of

SAMPLES = Path(__file__).resolve().parents[1] / "evals" / "sets" / "samples.jsonl"


def quote_first_words_and_invent_one(request):
    """A model that quotes the start of source 1 correctly and invents a second quote."""
    m = re.search(r"^\[1\] [^\n]*\n([^\n]+)", prompt_of(request), re.M)
    line = re.sub(r"^\[\d+\.\d+\] ", "", m.group(1)) if m else ""  # the sentences are numbered [1.1] ...
    words = line.split()[:9]
    return Reply(body=completion(claims((1, " ".join(words), "The first source says so."),
                                        (2, "A sentence no article has ever printed.", "An invented claim."))))


@pytest.fixture
def small_set(tmp_path):
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()[:3]
    path = tmp_path / "three.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "three.config.json").write_text(json.dumps({"corpus": "ingest/samples"}), encoding="utf-8")
    return path


def test_eval_with_the_llm_backend_sums_the_verification_counts(small_set, embeddings, monkeypatch, tmp_path):
    with StandIn() as server:
        server.script(*[quote_first_words_and_invent_one] * 3)
        monkeypatch.setenv("CITEWISE_LLM", "openai")
        monkeypatch.setenv("CITEWISE_LLM_BASE_URL", server.url)
        monkeypatch.setenv("CITEWISE_LLM_MODEL", "standin-7b")
        monkeypatch.setenv("CITEWISE_LLM_RETRIES", "0")
        records, meta = run_set(small_set, embeddings=embeddings)
    result = evaluate(records, meta)
    assert result["backend"] == "llm" and result["model"] == "standin-7b"
    overall = result["overall"]
    assert overall["quote_validity"] == 1.0
    assert overall["quotes_proposed"] == 6 and overall["quotes_kept"] == 3 and overall["quotes_dropped"] == 3
    assert overall["llm_fallbacks"] == 0
    assert overall["claims_supported"] + overall["claims_unsupported"] == 3  # one claim per kept quote
    assert all(r["backend"] == "llm" and r["verification"]["kept"] == 1 for r in records)
    paths = write_report(result, tmp_path / "report")
    assert "quotes_dropped" in paths["md"].read_text()


def test_an_extractive_eval_has_no_verification_counts(small_set, embeddings):
    records, meta = run_set(small_set, embeddings=embeddings)
    overall = evaluate(records, meta)["overall"]
    assert meta["backend"] == "extractive" and not any(k.startswith("quotes_") for k in overall)
