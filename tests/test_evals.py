"""The eval sets run in CI: the extractive answerer must hold each set's thresholds."""

import json
from pathlib import Path

import pytest

from evals.metrics import evaluate
from evals.report import write_report
from evals.scorer import load_set, run_set

SETS = Path(__file__).resolve().parents[1] / "evals" / "sets"


@pytest.mark.parametrize("name", ["samples", "tricky"])
def test_eval_set_meets_its_thresholds(name, embeddings, tmp_path):
    records, meta = run_set(SETS / f"{name}.jsonl", embeddings=embeddings)
    result = evaluate(records, meta)
    missed = {k: v for k, v in result["thresholds"].items() if not v["ok"]}
    assert not missed, missed
    assert result["overall"]["quote_validity"] == 1.0
    assert result["overall"]["frankenquotes"] == 0 and result["overall"]["misattributions"] == 0
    paths = write_report(result, tmp_path)
    assert json.loads(paths["json"].read_text())["overall"] == result["overall"]
    assert "PASS" in paths["md"].read_text()


@pytest.mark.parametrize("name", ["samples", "tricky"])
def test_eval_sets_are_well_formed(name):
    questions, config = load_set(SETS / f"{name}.jsonl")
    assert len(questions) >= (55 if name == "samples" else 15)
    assert len({q["id"] for q in questions}) == len(questions)
    assert (SETS.parent.parent / config["corpus"]).is_dir()
    unanswerable = [q for q in questions if q["expect_status"] == "no_answer"]
    assert len(unanswerable) >= (12 if name == "samples" else 3)


def test_injected_instructions_are_never_quoted(embeddings):
    records, _ = run_set(SETS / "tricky.jsonl", embeddings=embeddings)
    assert all(r["must_not_quote_ok"] is not False for r in records)
