"""`citewise eval` from the command line: reports without matplotlib, --half and --questions, bad options,
a store given with --store filled when it lacks the corpus."""

from __future__ import annotations

import json
import sys

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.embeddings import make_embeddings
from assistant.index import open_store
from assistant.pipeline import Assistant
from evals.report import CHART_HINT, write_report
from evals.reuse import store_holds
from tests.test_multihop import _corpus


@pytest.fixture
def no_matplotlib(monkeypatch):
    """matplotlib as if not installed: ``None`` in sys.modules makes every import of it (and of any of its
    submodules already loaded by other tests) raise ImportError."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError):
        from matplotlib.figure import Figure  # noqa: F401


def _sample_set(tmp_path):
    """A citewise eval set (not the benchmark) of one question over the MultiHop test articles."""
    art, _ = _corpus(tmp_path)
    path = tmp_path / "tiny.jsonl"
    path.write_text(json.dumps({"id": "s1", "question": "What did engineers replace on the harbour bridge?",
                                "kind": "fact", "expect_facts": {"any": ["forty steel cables"]}}) + "\n")
    return ["--set", str(path), "--corpus", str(art)]


def _benchmark(tmp_path):
    art, qs = _corpus(tmp_path)
    return ["--benchmark", "multihop", "--set", str(qs), "--corpus", str(art)]


@pytest.mark.parametrize("args", [_sample_set, _benchmark], ids=["eval-set", "multihop"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_eval_without_matplotlib_writes_both_reports_and_says_how_to_get_the_chart(
        tmp_path, capsys, no_matplotlib, args, as_json):
    out = tmp_path / "report"
    rc = main(["--store", str(tmp_path / "store"), "eval", *args(tmp_path), "--out", str(out), "--quiet"]
              + (["--json"] if as_json else []))
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    result = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert result["overall"]["n"] >= 1
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# citewise eval") and "## Overall metrics" in md
    assert f"_Not drawn: matplotlib is not installed (`{CHART_HINT}` adds it)._" in md
    assert "metrics_by_kind.png" not in md and not (out / "metrics_by_kind.png").exists()
    hint = [line for line in captured.err.splitlines() if CHART_HINT in line]
    assert hint == [f"citewise: no chart: matplotlib is not installed; {CHART_HINT} draws it"]
    if as_json:
        printed = json.loads(captured.out)  # the hint went to stderr: stdout is still one JSON object
        assert set(printed["report"]) == {"json", "md"}


def test_write_report_without_matplotlib_leaves_out_the_chart(tmp_path, no_matplotlib):
    paths = write_report({"set": "s.jsonl", "overall": {"n": 1, "hits_at_10": 1.0}}, tmp_path)
    assert set(paths) == {"json", "md"} and paths["json"].exists() and paths["md"].exists()
    assert not (tmp_path / "metrics_by_kind.png").exists()


def test_eval_with_matplotlib_draws_the_chart_and_prints_no_hint(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["--store", str(tmp_path / "store"), "eval", *_sample_set(tmp_path), "--out", str(out)]) == 0
    assert (out / "metrics_by_kind.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert CHART_HINT not in capsys.readouterr().err


def test_multihop_half_and_questions_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "report"
    store = str(tmp_path / "store")
    benchmark = _benchmark(tmp_path)
    assert main(["--store", store, "eval", *benchmark, "--half", "check", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    result = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert result["half"] == "check" and {r["half"] for r in result["records"]} == {"check"}
    assert list(result["by_half_and_kind"]) == ["check"] and result["questions"] == 2
    assert "check half: n 2, hits_at_10 1.0" in text and "fit half" not in text
    # the store given with --store already holds the corpus: the second run does not ingest it again
    assert main(["--store", store, "eval", *benchmark, "--questions", "1", "--out", str(out)]) == 0
    result = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert result["questions"] == 1 and result["ingest"]["reused_store"] is True
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "### check half (held out)" in md


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(["--benchmark", "multihop", "--questions", "-1"], "must be 0 or more, not -1", id="negative"),
        pytest.param(["--benchmark", "multihop", "--questions", "ten"], "not a whole number: 'ten'", id="not-int"),
        pytest.param(["--benchmark", "multihop", "--half", "both"], "invalid choice: 'both'", id="unknown-half"),
    ],
)
def test_bad_eval_options_are_a_usage_error(options, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["eval", *options])
    assert exc.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(["--half", "fit"], "--half splits the MultiHop-RAG questions", id="half-without-benchmark"),
        pytest.param(["--benchmark", "multihop", "--half", "fit"], "needs --corpus ARTICLES_DIR and --set",
                     id="benchmark-without-set"),
    ],
)
def test_eval_options_that_do_not_fit_exit_2(tmp_path, options, message, capsys):
    assert main(["--store", str(tmp_path / "store"), "eval", *options, "--out", str(tmp_path / "r")]) == 2
    assert message in capsys.readouterr().err


def test_eval_set_fills_an_empty_store_given_with_store_then_reuses_it(tmp_path, monkeypatch):
    store, args = tmp_path / "store", _sample_set(tmp_path)
    ingests: list[list[str]] = []
    real = Assistant.ingest
    monkeypatch.setattr(Assistant, "ingest",
                        lambda self, inputs, **kw: ingests.append(inputs) or real(self, inputs, **kw))
    for run, ingested in (("first", 1), ("second", 1)):  # the second run finds the corpus there
        out = tmp_path / run
        assert main(["--store", str(store), "eval", *args, "--out", str(out), "--quiet"]) == 0
        report = json.loads((out / "report.json").read_text())
        # before the fix an empty store was scored as it was: every question refused
        assert report["overall"]["evidence_recall"] == 1.0, run
        assert len(ingests) == ingested, run
    settings = Settings(home=store, seed_demo=False)
    articles = len(list((tmp_path / "articles").iterdir()))
    assert open_store(settings, make_embeddings(settings.embeddings)).count() == articles


@pytest.mark.parametrize(("articles", "files", "holds"), [
    (0, 3, False),  # an empty store
    (2, 3, False),  # part of the corpus
    (3, 3, True),
    (5, 3, True),  # the corpus and more
    (0, 0, False),  # an empty folder: nothing to reuse, ingest says what is wrong
], ids=["empty", "partial", "whole", "more", "empty-folder"])
def test_store_holds_a_folder_corpus_when_it_has_an_article_a_file(tmp_path, articles, files, holds):
    for n in range(files):
        (tmp_path / f"{n}.txt").write_text("text")
    (tmp_path / ".hidden").write_text("not an article")
    assert store_holds(articles, tmp_path) is holds


@pytest.mark.parametrize(("articles", "holds"), [(0, False), (1, True)], ids=["empty", "filled"])
def test_store_holds_a_single_file_corpus_when_it_has_any_article(tmp_path, articles, holds):
    corpus = tmp_path / "feed.jsonl"
    corpus.write_text("{}\n")
    assert store_holds(articles, corpus) is holds
