"""benchmarks/bench_compare.py runs end to end on a tiny subset and writes its ratios and plot.

Speed is measured by the benchmark, never asserted here: the test checks that every part ran
(both ingests, the paired latencies with HTTP, both query phases at two scales) and that the outputs have their shape.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "bench" / "multihop"

pytestmark = pytest.mark.skipif(not (CORPUS / "queries-dev.jsonl").exists(), reason=f"no corpus at {CORPUS}")


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_compare", ROOT / "benchmarks" / "bench_compare.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_quick_run_writes_ratios_targets_scaling_and_plot(tmp_path: Path) -> None:
    bench = load_bench()
    out = tmp_path / "out"
    rc = bench.main(["--quick", "--articles", "4", "--questions", "4", "--scales", "1,2",
                     "--out", str(out), "--work", str(tmp_path / "work")])
    data = json.loads((out / "compare.json").read_text())
    assert rc == 0, data["errors"]
    assert not data["errors"]
    for key in ("ingest_throughput_citewise_over_baseline", "ask_p50_over_similarity_search_p50",
                "search_p50_over_similarity_search_p50", "http_ask_p50_over_similarity_search_p50"):
        assert data["ratios"][key] > 0, key
    assert set(data["targets"]) == set(bench.TARGETS)
    assert all(t["met"] in (True, False) for t in data["targets"].values())
    assert data["citewise"]["ingest"]["articles"] == data["baseline"]["ingest"]["articles"] == 4
    paired = data["paired"]
    assert paired["http"]["errors"] == 0
    assert {k: v["n"] for k, v in paired["latency_ms"].items()} == {
        "search": 4, "ask": 4, "http_ask": 4, "similarity_search": 4}
    one, two = data["scaling"]
    assert (one["scale"], two["scale"]) == (1, 2)
    # the copies went in whole, on both sides, without the model (it would have raised)
    assert two["articles"] == 2 * one["articles"] and two["citewise_chunks"] == 2 * one["citewise_chunks"]
    assert two["baseline_chunks"] == 2 * one["baseline_chunks"]
    for name in ("citewise_search_ms", "citewise_ask_ms", "baseline_similarity_search_ms"):
        assert two[name]["p50"] > 0
    png = out / "latency.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reuse_ingest_times_the_queries_again_on_an_earlier_runs_stores(tmp_path: Path) -> None:
    bench = load_bench()
    work, out = tmp_path / "work", tmp_path / "out"
    common = ["--quick", "--articles", "3", "--questions", "3", "--scales", "1", "--work", str(work)]
    assert bench.main([*common, "--out", str(out / "first")]) == 0
    first = json.loads((out / "first" / "compare.json").read_text())
    assert bench.main([*common, "--reuse-ingest", "--out", str(out / "again")]) == 0
    again = json.loads((out / "again" / "compare.json").read_text())
    assert not again["errors"]
    assert again["citewise"]["reused_from_earlier_run"] is again["baseline"]["reused_from_earlier_run"] is True
    assert again["citewise"]["ingest"] == first["citewise"]["ingest"]
    assert "citewise-ingest" not in again["phase_seconds"]  # not run again
    assert {k: v["n"] for k, v in again["paired"]["latency_ms"].items()} == {
        "search": 3, "ask": 3, "http_ask": 3, "similarity_search": 3}


@pytest.mark.parametrize(("args", "prepare", "message"), [
    (["--reuse-ingest"], None, "needs --work"),
    (["--reuse-ingest", "--work", "W", "--scales", "1,4"], None, "1x stores"),
    (["--reuse-ingest", "--work", "W"], None, "citewise-ingest.json is missing"),
    (["--reuse-ingest", "--work", "W"], {"citewise-query.json": {"scales": [{"scale": 1}, {"scale": 16}]}},
     "repeated to 16x"),
    (["--reuse-ingest", "--work", "W"], {"citewise-query.json": {"scales": [{"scale": "many"}]}}, "unreadable"),
    (["--reuse-ingest", "--work", "W"], {"citewise-ingest.json": "not figures"}, "citewise-ingest.json is unreadable"),
    (["--reuse-ingest", "--work", "W"], {"citewise-ingest.json": {"ingest": {}}}, "baseline-ingest.json is missing"),
])
def test_reuse_ingest_refuses_what_it_cannot_reuse(tmp_path: Path, capsys, args, prepare, message) -> None:
    bench = load_bench()
    work = tmp_path / "W"
    work.mkdir()
    for name, data in (prepare or {}).items():
        (work / name).write_text(json.dumps(data))
    argv = [a.replace("W", str(work)) if a == "W" else a for a in args]
    with pytest.raises(SystemExit) as exc:
        bench.main([*argv, "--quick", "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
