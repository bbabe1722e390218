"""Report writer: the three files, the verdict, worst questions first, tables that survive odd text."""

from __future__ import annotations

import copy
import json
import re
import struct
from pathlib import Path

import pytest

from evals.report import render_markdown, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

METRICS = {
    "n": 3,
    "status_accuracy": 0.6667,
    "quote_validity": 1.0,
    "frankenquotes": 0,
    "misattributions": 0,
    "evidence_recall": 0.5,
    "article_recall": 1.0,
    "metadata_accuracy": None,
    "hit_at_1": 0.6667,
    "hit_at_5": 1.0,
    "mrr": 0.8333,
    "fact_hit_at_1": 0.3333,
    "fact_hit_at_5": 0.6667,
    "fact_mrr": 0.5,
    "abstention_precision": 1.0,
    "abstention_recall": 0.5,
    "false_refusal_rate": 0.0,
    "latency_p50_ms": 30.14,
    "latency_p95_ms": 50.26,
}


def _record(rid: str, kind: str, severity: float, failures: list[str], **extra) -> dict:
    record = {
        "id": rid,
        "kind": kind,
        "question": f"question {rid}?",
        "history": [],
        "expect_status": "answered",
        "status": "answered",
        "answer": f"An answer for {rid} [1].",
        "citations": [
            {
                "n": 1,
                "article_id": "caliber-2025",
                "source": "Caliber.az",
                "published": "2025-06-25T19:17:00",
                "quote": f"a quote for {rid}",
                "start": 1,
                "end": 2,
                "valid": True,
            }
        ],
        "expect_facts": {"any": [f"fact of {rid}"]},
        "expect_articles": {"any": [f"{rid}.txt"]},
        "latency_ms": 31.2,
        "correct_status": True,
        "evidence_hit": not failures,
        "article_hit": True,
        "metadata_hit": None,
        "must_not_quote_ok": True,
        "retrieval_article_rank": 1,
        "retrieval_fact_rank": 2,
        "failures": failures,
        "severity": severity,
    }
    record.update(extra)
    return record


def passing_result() -> dict:
    return {
        "set": "evals/sets/samples.jsonl",
        "corpus": "ingest/samples",
        "started": "2026-11-21T12:40:00+00:00",
        "backend": "extractive",
        "questions": 3,
        "overall": dict(METRICS),
        "per_kind": {
            "why": dict(METRICS, n=2),
            "unanswerable": dict(METRICS, n=1, evidence_recall=None, article_recall=None, hit_at_5=None),
        },
        "thresholds": {
            "quote_validity": {"value": 1.0, "threshold": 1.0, "direction": "min", "ok": True},
            "latency_p50_ms": {"value": 30.14, "threshold": 200.0, "direction": "max", "ok": True},
        },
        "ok": True,
        "records": [
            _record("s-001", "why", 0.0, []),
            _record("s-002", "why", 0.0, []),
            _record("s-003", "unanswerable", 0.0, [], expect_status="refused", status="refused", citations=[]),
        ],
    }


def failing_result() -> dict:
    result = passing_result()
    result["ok"] = False
    result["thresholds"]["quote_validity"] = {"value": 0.95, "threshold": 1.0, "direction": "min", "ok": False}
    result["thresholds"]["false_refusal_rate"] = {"value": 0.25, "threshold": 0.1, "direction": "max", "ok": False}
    result["records"] = [
        _record("s-001", "why", 1.0, ["no expected fact quoted"]),
        _record(
            "s-002",
            "why",
            5.0,
            ["invalid quote", "no expected fact quoted"],
            question="Was it the S-400 | or the Patriot?",
            history=["why did Türkiye buy the S-400?"],
            status="refused",
            correct_status=False,
            answer="First line.\n\nSecond line with *stars*.",
            citations=[
                {"n": 1, "source": "Bloomberg", "published": None, "quote": "x" * 500, "valid": False},
            ],
        ),
        _record("s-003", "unanswerable", 0.0, [], expect_status="refused", status="refused", citations=[]),
        _record("s-004", "why", 5.0, ["no expected article retrieved"], retrieval_article_rank=None),
    ]
    return result


def multihop_result(n_records: int = 515) -> dict:
    mh = {
        "n": 100,
        "hits_at_4": 0.752,
        "hits_at_10": 0.866,
        "mrr_at_10": 0.581,
        "map_at_10": 0.43,
        "fact_recall_at_10": 0.71,
        "gold_facts_quoted": 0.421,
        "null_no_answer": None,
        "latency_p50_ms": 32.25,
        "latency_p95_ms": 48.1,
    }
    kinds = ["inference_query", "comparison_query", "temporal_query", "null_query"]
    records = [
        {
            "id": f"mh-{i:04d}",
            "kind": kinds[i % 4],
            "question": f"multi-hop question {i}?",
            "answer": "",
            "citations": [],
            "failures": ["gold evidence not in top 10"] if i % 3 == 0 else [],
            "severity": float(i % 7),
        }
        for i in range(n_records)
    ]
    return {
        "set": "benchmarks/multihop.jsonl",
        "corpus": "/work/shared/bench/multihop/articles",
        "started": "2026-11-21T12:40:00+00:00",
        "backend": "extractive",
        "questions": n_records,
        "overall": dict(mh, n=n_records),
        "per_kind": {k: dict(mh, null_no_answer=0.9 if k == "null_query" else None) for k in kinds},
        "thresholds": {},
        "ok": True,
        "records": records,
        "reference": {
            "MultiHop-RAG (bge-large)": {"hits_at_10": 0.7467, "hits_at_4": 0.6625, "mrr_at_10": 0.5633},
            "paper voyage-02": {"hits_at_10": 0.6, "map_at_10": 0.3},
        },
    }


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"  # the first chunk of every valid PNG
    return struct.unpack(">II", data[16:24])


def _split_row(line: str) -> list[str]:
    """Cells of a GFM table row: split on pipes not escaped by a backslash."""
    return re.split(r"(?<!\\)\|", line.strip().strip("|"))


def _tables(md: str) -> list[list[str]]:
    tables, current = [], []
    for line in md.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def _assert_tables_well_formed(md: str) -> None:
    tables = _tables(md)
    assert tables
    for table in tables:
        widths = {len(_split_row(line)) for line in table}
        assert len(widths) == 1, table
        assert re.fullmatch(r"\|( :?-+:? \|)+", table[1]), table[1]


@pytest.mark.parametrize("build", [passing_result, failing_result, multihop_result])
def test_write_report_writes_three_files_and_returns_their_paths(tmp_path, build):
    out = tmp_path / "nested" / "report"  # does not exist yet
    paths = write_report(build(), out)
    assert set(paths) == {"json", "md", "png"}
    assert paths == {"json": out / "report.json", "md": out / "report.md", "png": out / "metrics_by_kind.png"}
    for path in paths.values():
        assert path.is_file() and path.stat().st_size > 0


@pytest.mark.parametrize("build", [passing_result, failing_result, multihop_result])
def test_png_is_a_real_image_about_9_by_4_5_inches_at_150_dpi(tmp_path, build):
    paths = write_report(build(), tmp_path)
    width, height = _png_size(paths["png"])
    # tight_layout may trim a little, never to something unreadable
    assert 1200 <= width <= 1400 and 600 <= height <= 700
    assert paths["png"].stat().st_size > 10_000  # drawn, not blank


@pytest.mark.parametrize("build", [passing_result, failing_result, multihop_result])
def test_report_json_round_trips(tmp_path, build):
    result = build()
    paths = write_report(result, tmp_path)
    assert json.loads(paths["json"].read_text(encoding="utf-8")) == result


def test_report_json_writes_nan_as_null_so_strict_parsers_read_it(tmp_path):
    result = passing_result()
    result["overall"]["mrr"] = float("nan")
    text = write_report(result, tmp_path)["json"].read_text(encoding="utf-8")
    assert "NaN" not in text
    assert json.loads(text)["overall"]["mrr"] is None


def test_write_report_does_not_modify_the_result(tmp_path):
    result = failing_result()
    before = copy.deepcopy(result)
    write_report(result, tmp_path)
    assert result == before


def test_passing_run_says_pass_on_the_first_lines():
    md = render_markdown(passing_result())
    head = "\n".join(md.splitlines()[:6])
    assert "PASS: all thresholds met" in head
    assert "evals/sets/samples.jsonl" in head and "ingest/samples" in head and "extractive" in head
    assert "2026-11-21" in head and "3 questions" in head
    assert "All 3 questions passed every check." in md


def test_failing_run_names_each_missed_threshold_with_value_and_limit():
    md = render_markdown(failing_result())
    head = "\n".join(md.splitlines()[:6])
    assert (
        "FAIL: 2 thresholds missed: quote\\_validity" not in head  # metric names are not over-escaped
        and "FAIL: 2 thresholds missed: quote_validity (0.950 vs min 1.000), false_refusal_rate (0.250 vs max 0.100)"
        in head
    )


def test_scorer_failure_without_missed_threshold_is_still_fail():
    result = passing_result()
    result["ok"] = False
    assert "FAIL" in render_markdown(result).splitlines()[4]


def test_worst_failing_question_comes_before_the_thresholds_table():
    md = render_markdown(failing_result())
    thresholds = md.index("## Thresholds")
    # s-002 and s-004 share the top severity; the id breaks the tie
    assert md.index("### 1. s-002") < md.index("### 2. s-004") < md.index("### 3. s-001") < thresholds
    assert "### 4." not in md  # s-003 passed every check


def test_worst_question_shows_question_history_status_answer_citations_and_expectations():
    md = render_markdown(failing_result())
    detail = md[md.index("### 1. s-002") : md.index("### 2. s-004")]
    assert "**Question:** Was it the S-400 | or the Patriot?" in detail
    assert "1. why did Türkiye buy the S-400?" in detail
    assert "expected `answered`, got `refused` ❌" in detail
    assert "- invalid quote" in detail and "- no expected fact quoted" in detail
    assert "> First line.\n>\n> Second line with \\*stars\\*." in detail
    assert "[1] Bloomberg, undated: “" in detail and "not found verbatim" in detail
    assert "- facts, any of: “fact of s-002”" in detail
    assert "- articles, any of: `s-002.txt`" in detail
    assert "expected article at rank 1, expected fact at rank 2" in detail
    s004 = md[md.index("### 2. s-004") : md.index("### 3. s-001")]
    assert "expected article not retrieved" in s004


def test_long_quotes_are_cut_to_300_characters():
    md = render_markdown(failing_result())
    quote = re.search(r"undated: “(x+…)”", md)
    assert quote is not None and len(quote.group(1)) == 300


def test_citation_shows_source_and_date():
    md = render_markdown(failing_result())
    assert "- [1] Caliber.az, 2025-06-25: “a quote for s-001”" in md


def test_pipe_in_question_does_not_break_any_table():
    md = render_markdown(failing_result())
    row = next(line for line in md.splitlines() if line.startswith("| 1 |"))
    assert "S-400 \\| or the Patriot?" in row
    _assert_tables_well_formed(md)


def test_pipes_and_newlines_in_kind_names_keep_tables_well_formed():
    result = failing_result()
    result["per_kind"]["odd | kind\nname"] = result["per_kind"].pop("why")
    result["thresholds"]["a|b"] = {"value": None, "threshold": 1.0, "direction": "min", "ok": True}
    _assert_tables_well_formed(render_markdown(result))


def test_none_renders_as_dash_and_floats_to_three_decimals_ms_to_one():
    md = render_markdown(passing_result())
    assert "| metadata_accuracy | – |" in md
    assert "| mrr | 0.833 |" in md
    assert "| latency_p95_ms | 50.3 |" in md
    assert "| frankenquotes | 0 |" in md
    unanswerable = next(line for line in md.splitlines() if line.startswith("| unanswerable |"))
    assert "| – |" in unanswerable
    assert "None" not in md


def test_per_kind_table_keeps_the_telling_columns_and_an_all_row():
    md = render_markdown(passing_result())
    header = next(line for line in md.splitlines() if line.startswith("| kind |"))
    assert _split_row(header)[1:] == [
        " n ",
        " status_accuracy ",
        " evidence_recall ",
        " article_recall ",
        " hit_at_5 ",
        " abstention_recall ",
        " false_refusal_rate ",
        " latency_p50_ms ",
    ]
    assert "| **all** | 3 |" in md


def test_chart_link_closes_the_report():
    md = render_markdown(passing_result())
    assert md.rstrip().endswith("![metrics by kind](metrics_by_kind.png)")


def test_multihop_report_uses_its_own_metrics_and_compares_with_reference():
    md = render_markdown(multihop_result())
    assert "PASS: no thresholds set" in md
    assert "_No thresholds set for this run._" in md
    assert "| hits_at_10 | 0.866 |" in md
    header = next(line for line in md.splitlines() if line.startswith("| kind |"))
    assert "hits_at_4" in header and "fact_recall_at_10" in header and "latency_p95_ms" not in header
    compare = md[md.index("## Compared with published figures") :]
    assert "| metric | ours | MultiHop-RAG (bge-large) | paper voyage-02 |" in compare
    assert "| hits_at_10 | 0.866 | 0.747 (Δ +0.119) | 0.600 (Δ +0.266) |" in compare
    assert "| mrr_at_10 | 0.581 | 0.563 (Δ +0.018) | – |" in compare
    _assert_tables_well_formed(md)


def test_long_multihop_run_shows_only_the_ten_worst_questions():
    md = render_markdown(multihop_result())
    assert "### 10." in md and "### 11." not in md
    assert "172 of 515 questions failed at least one check" in md
    # severity 6.0 is the highest (i % 7 == 6 and i % 3 == 0), lowest ids first
    assert md.index("### 1. mh-0006 ") < md.index("### 2. mh-0027 ")
    assert "gold evidence not in top 10 (172)" in md


def test_empty_result_still_writes_a_readable_report(tmp_path):
    paths = write_report({}, tmp_path)
    md = paths["md"].read_text(encoding="utf-8")
    assert "PASS: no thresholds set" in md
    assert "_No per-question records in this result._" in md
    width, height = _png_size(paths["png"])
    assert width > 1000 and height > 500


def test_importing_the_report_module_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, evals.report; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "False"


def test_answer_lines_stay_on_their_own_lines_in_the_blockquote():
    result = failing_result()
    result["records"][0]["answer"] = "Reuters: “first quote.” [1]\nAP: “second quote.” [2]"
    md = render_markdown(result)
    assert "> Reuters: “first quote.” [1]\\\n> AP: “second quote.” [2]\n" in md


def test_record_with_status_but_no_expected_status_shows_the_status_alone():
    result = multihop_result(n_records=3)
    result["records"][0]["status"] = "answered"
    md = render_markdown(result)
    assert "**Status:** `answered`" in md
    assert "| 1 | mh-0000 | inference_query | 0 | answered | multi-hop question 0? |" in md


def test_benchmark_records_without_status_get_no_status_column():
    md = render_markdown(multihop_result())
    header = next(line for line in md.splitlines() if line.startswith("| # |"))
    assert header == "| # | id | kind | severity | question | failures |"


def test_markdown_parses_into_the_expected_tables_and_headings():
    markdown_it = pytest.importorskip("markdown_it")
    md = render_markdown(failing_result())
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    assert html.count("<table>") == len(_tables(md)) == 4  # worst, thresholds, overall, per kind
    assert ">Was it the S-400 | or the Patriot?</td>" in html
    assert html.count("<h3>") == 3
    assert "<em>" not in html  # "*stars*" in the answer stays literal text
    assert '<img src="metrics_by_kind.png" alt="metrics by kind" />' in html


def _halves_result() -> dict:
    result = multihop_result(n_records=4)
    figures = {"n": 2, "hits_at_10": 0.5, "gold_fact_quoted": 0.25, "gold_fact_quoted_80": 0.5, "null_no_answer": None}
    # fit first on purpose: the report must still lead with the held-out check half
    result["by_half_and_kind"] = {
        "fit": {"inference_query": dict(figures), "all": dict(figures, n=3)},
        "check": {"inference_query": dict(figures, gold_fact_quoted=0.75), "null_query": dict(
            figures, n=1, hits_at_10=None, null_no_answer=1.0), "all": dict(figures, n=3, gold_fact_quoted=0.125)},
    }
    return result


def test_halves_tables_lead_with_the_held_out_check_half_a_row_per_metric():
    md = render_markdown(_halves_result())
    section = md[md.index("## By half and question kind") : md.index("## Compared with published figures")]
    assert section.index("### check half (held out)") < section.index("### fit half (tuned on)")
    check = section[section.index("### check half") : section.index("### fit half")]
    fit = section[section.index("### fit half") :]
    assert "| metric | inference_query | null_query | **all** |" in check
    assert "| gold_fact_quoted | 0.750 | 0.250 | 0.125 |" in check
    assert "| hits_at_10 | 0.500 | – | 0.500 |" in check and "| null_no_answer | – | 1.000 | – |" in check
    assert "| metric | inference_query | **all** |" in fit and "| n | 2 | 3 |" in fit
    _assert_tables_well_formed(md)


@pytest.mark.parametrize(
    "halves",
    [None, {}, {"check": "not a table"}, {"fit": {"all": 3}}],
    ids=["absent", "empty", "half-not-a-mapping", "kind-not-a-mapping"],
)
def test_no_halves_section_without_figures_by_half(halves):
    result = multihop_result(n_records=3)
    if halves is not None:
        result["by_half_and_kind"] = halves
    md = render_markdown(result)
    assert "## By half" not in md and "### check half" not in md and "### fit half" not in md
    _assert_tables_well_formed(md)


def test_report_without_chart_says_how_to_get_it_instead_of_linking_it():
    md = render_markdown(passing_result(), chart=False)
    assert "metrics_by_kind.png" not in md
    assert md.rstrip().endswith("_Not drawn: matplotlib is not installed (`pip install 'citewise[eval]'` adds it)._")
