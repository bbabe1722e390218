"""The MultiHop-RAG runner on a tiny corpus in the benchmark's own format."""

import json
import re

import pytest

from assistant.errors import InputError
from evals.multihop import (
    answer_checks,
    by_half_and_kind,
    cites_gold_article,
    load_questions,
    run_multihop,
    score_answers,
    summarise,
)
from evals.split import half

ARTICLES = {
    "001-harbour.txt": ("Harbour bridge reopens", "Example News", "2024-03-05T10:00:00+00:00",
                        "The harbour bridge reopened on Tuesday after six months of repairs. Engineers replaced forty "
                        "steel cables and resurfaced the deck."),
    "002-ferry.txt": ("Ferry line orders electric ships", "Port Daily", "2024-04-02T09:00:00+00:00",
                      "Saltmere Ferries ordered three electric ferries for the Velmora route. "
                      "The ships arrive in 2026."),
    "003-market.txt": ("Fish market moves", "Example News", "2024-05-01T08:00:00+00:00",
                       "The old fish market will move to the north quay next spring, the council said."),
}


def _corpus(tmp_path):
    art = tmp_path / "articles"
    art.mkdir()
    for name, (title, source, published, body) in ARTICLES.items():
        (art / name).write_text(f"Title: {title}\nSource: {source}\nAuthor: \nPublished: {published}\n"
                                f"URL: https://example.org/{name}\n\n{body}\n")
    qs = [
        {"id": "q1", "question": "According to Example News, what did engineers replace on the harbour bridge?",
         "answer": "cables", "question_type": "inference_query",
         "evidence": [{"fact": "Engineers replaced forty steel cables and resurfaced the deck.",
                       "title": "Harbour bridge reopens", "source": "Example News",
                       "url": "https://example.org/001-harbour.txt", "file": "001-harbour.txt"}]},
        {"id": "q4", "question": "Which ferry operator ordered electric ferries, as reported by Port Daily?",
         "answer": "Saltmere Ferries", "question_type": "inference_query",
         "evidence": [{"fact": "Saltmere Ferries ordered three electric ferries for the Velmora route.",
                       "title": "Ferry line orders electric ships", "source": "Port Daily", "file": "002-ferry.txt"}]},
        {"id": "q3", "question": "What did the Velmora Gazette say about the zoo's new penguins?",
         "answer": "Insufficient information.", "question_type": "null_query", "evidence": []},
    ]
    (tmp_path / "q.jsonl").write_text("\n".join(json.dumps(q) for q in qs) + "\n")
    return art, tmp_path / "q.jsonl"


def test_multihop_runner_scores_retrieval_and_answers(tmp_path):
    art, qs = _corpus(tmp_path)
    result = run_multihop(art, qs, store=str(tmp_path / "store"))
    o = result["overall"]
    assert o["n"] == 3 and result["ingest"]["articles"] == 3
    assert o["hits_at_10"] == 1.0 and o["hits_at_4"] == 1.0 and o["fact_recall_at_10"] == 1.0
    assert 0 < o["mrr_at_10"] <= 1 and 0 < o["map_at_10"] <= 1
    assert o["null_no_answer"] == 1.0
    assert set(result["per_kind"]) == {"inference_query", "null_query"}
    assert "goal (issue 3)" in result["reference"]
    # q1 and q3 fall in the check half, q4 in the fit half (evals/split.py)
    assert {r["id"]: r["half"] for r in result["records"]} == {"q1": "check", "q3": "check", "q4": "fit"}
    table = result["by_half_and_kind"]
    assert list(table) == ["check", "fit"]
    assert list(table["check"]) == ["inference_query", "null_query", "all"] and list(table["fit"]) == [
        "inference_query", "all"]
    assert table["check"]["all"]["n"] == 2 and table["fit"]["all"]["n"] == 1
    assert table["check"]["null_query"]["null_no_answer"] == 1.0 and table["fit"]["all"]["null_no_answer"] is None
    # each answerable question names its one article, which is found and cited; the scoring of the quotes
    # is checked on its own (answer_checks); here at least one of the two quotes holds its fact
    for key in ("answered_when_answerable", "gold_article_cited"):
        assert o[key] == 1.0, key
    for key in ("gold_fact_quoted", "gold_fact_quoted_80", "all_gold_facts_quoted", "all_gold_facts_quoted_80"):
        assert o[key] >= 0.5, key
    # a quoted gold fact is quoted from somewhere: the answer that quotes one has a citation
    for r in result["records"]:
        assert r["facts_quoted_strict"] <= r["facts_quoted_lenient"] <= r["facts"]
        assert not r["facts_quoted_strict"] or r["citations"]


def test_multihop_runner_reuses_a_store_and_runs_one_half(tmp_path):
    art, qs = _corpus(tmp_path)
    store = str(tmp_path / "store")
    first = run_multihop(art, qs, store=store, half="fit")
    assert first["ingest"]["reused_store"] is False and first["ingest"]["chunks"] > 0
    assert [r["id"] for r in first["records"]] == ["q4"] and list(first["by_half_and_kind"]) == ["fit"]
    again = run_multihop(art, qs, store=store, half="check", questions=1)
    assert again["ingest"] == {**again["ingest"], "reused_store": True, "chunks": 0, "articles": 3}
    assert [r["id"] for r in again["records"]] == ["q1"] and again["half"] == "check"
    (art / "004-new.txt").write_text("Title: New\nSource: Port Daily\n\nA fourth article arrived late.\n")
    grown = run_multihop(art, qs, store=store, questions=1)
    assert grown["ingest"]["reused_store"] is False and grown["ingest"]["articles"] == 4


def test_summary_of_a_miss():
    rec = {"null": False, "first_hit": None, "facts": 2, "facts_found_at_10": 1, "average_precision": 0.0,
           "facts_quoted": 0, "facts_quoted_strict": 0, "facts_quoted_lenient": 0, "gold_article_cited": True,
           "status": "answered", "search_ms": 1.0, "latency_ms": 2.0}
    s = summarise([rec])
    assert s["hits_at_10"] == 0.0 and s["fact_recall_at_10"] == 0.5 and s["null_no_answer"] is None
    assert s["all_facts_at_10"] == 0.0  # one of its two facts is missing from the top 10
    assert s["gold_fact_quoted"] == 0.0 and s["gold_article_cited"] == 1.0


# -- the pure scoring functions, on hand-made questions and answers ----------------------------------------

FACT_A = "Engineers replaced forty steel cables and resurfaced the deck."
FACT_B = "Saltmere Ferries ordered three electric ferries for the Velmora route."
GOLD_A = {"fact": FACT_A, "title": "Harbour bridge reopens", "source": "Example News",
          "url": "https://example.org/001-harbour.txt", "file": "001-harbour.txt"}
GOLD_B = {"fact": FACT_B, "title": "Ferry line orders electric ships", "source": "Port Daily",
          "url": "https://example.org/002-ferry.txt", "file": "002-ferry.txt"}


def _q(qid="q1", kind="inference_query", evidence=(GOLD_A, GOLD_B)):
    return {"id": qid, "question": f"question {qid}?", "question_type": kind, "evidence": list(evidence)}


def _cite(quote, title="Harbour bridge reopens", source="Example News", url=None, also_in=()):
    return {"article_id": "x", "title": title, "source": source, "url": url, "quote": quote, "also_in": list(also_in)}


@pytest.mark.parametrize(
    ("citations", "expected"),
    [
        pytest.param([], False, id="no-citation"),
        pytest.param([_cite("q")], True, id="title-and-source"),
        pytest.param([_cite("q", title="  harbour  BRIDGE reopens", source="example news")], True,
                     id="title-and-source-whatever-case-and-spacing"),
        pytest.param([_cite("q", source="Port Daily")], False, id="gold-title-from-another-outlet"),
        pytest.param([_cite("q", title="Fish market moves")], False, id="another-article-of-the-outlet"),
        pytest.param([_cite("q", title=None, source=None, url="https://example.org/002-ferry.txt")], True, id="url"),
        pytest.param([_cite("q", title=None, source=None, url="HTTPS://Example.org/002-ferry.txt/#top")], True,
                     id="url-host-case-end-slash-fragment"),
        pytest.param([_cite("q", title=None, source=None, url="https://example.org/002-ferry.txt?page=2")], False,
                     id="url-with-another-query"),
        pytest.param([_cite("q", title="Fish market moves", also_in=[{"title": "Ferry line orders electric ships",
                                                                     "source": "Port Daily", "quote": "q"}])],
                     True, id="gold-article-in-also-in"),
        pytest.param([_cite("q", title=None, source=None, url=None)], False, id="citation-without-metadata"),
    ],
)
def test_cites_gold_article(citations, expected):
    assert cites_gold_article([GOLD_A, GOLD_B], citations) is expected


@pytest.mark.parametrize(
    ("question", "status", "citations", "expected"),
    [
        pytest.param(_q(), "answered", [_cite(FACT_A)],
                     {"null": False, "facts": 2, "facts_quoted_strict": 1, "facts_quoted_lenient": 1,
                      "gold_article_cited": True}, id="one-of-two-facts-quoted"),
        pytest.param(_q(), "answered", [_cite(f"{FACT_B} {FACT_A}", title="Fish market moves")],
                     {"facts_quoted_strict": 2, "facts_quoted_lenient": 2, "gold_article_cited": False},
                     id="both-facts-quoted-from-a-copy-in-another-article"),
        pytest.param(_q(), "answered", [_cite(FACT_A[:55])],
                     {"facts_quoted_strict": 0, "facts_quoted_lenient": 1, "facts_quoted": 1},
                     id="most-of-a-fact-is-lenient-only"),
        pytest.param(_q(), "answered", [_cite("Engineers replaced forty steel cables")],
                     {"facts_quoted_strict": 0, "facts_quoted_lenient": 0}, id="a-fragment-is-not-quoted"),
        pytest.param(_q(), "answered", [_cite("unrelated", also_in=[{"quote": FACT_B, "title": "t"}])],
                     {"facts_quoted_strict": 1, "facts_quoted": 0}, id="also-in-quotes-count-but-not-as-before"),
        pytest.param(_q(), "no_answer", [], {"status": "no_answer", "facts_quoted_strict": 0,
                                             "gold_article_cited": False}, id="refused"),
        pytest.param(_q("n1", "null_query", ()), "no_answer", [],
                     {"null": True, "facts": 0, "gold_article_cited": None, "kind": "null_query"}, id="null-query"),
        pytest.param(_q("mh-0001"), "answered", [], {"half": half("mh-0001")}, id="half-from-the-id"),
        pytest.param(dict(_q(), half="check"), "answered", [], {"half": "check"}, id="half-given"),
    ],
)
def test_answer_checks(question, status, citations, expected):
    checks = answer_checks(question, status, citations)
    assert {k: checks[k] for k in expected} == expected


def _rec(kind="inference_query", status="answered", facts=2, strict=0, lenient=0, cited=False, qhalf="check", **kw):
    return {"id": "r", "kind": kind, "half": qhalf, "null": facts == 0, "status": status, "facts": facts,
            "facts_quoted": kw.pop("quoted", strict), "facts_quoted_strict": strict, "facts_quoted_lenient": lenient,
            "gold_article_cited": cited if facts else None, **kw}


NULL_OK, NULL_BAD = _rec("null_query", "no_answer", 0), _rec("null_query", "answered", 0)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        pytest.param([], {"n": 0, "answered_when_answerable": None, "gold_fact_quoted": None,
                          "null_no_answer": None, "gold_facts_quoted": None}, id="nothing-measured-is-none"),
        pytest.param([_rec(), _rec(status="no_answer"), NULL_OK], {"n": 3, "answerable": 2,
                     "answered_when_answerable": 0.5, "null_no_answer": 1.0}, id="answered-among-answerable-only"),
        pytest.param([_rec(strict=1, lenient=1), _rec(strict=0, lenient=1), _rec(strict=0, lenient=0), _rec()],
                     {"gold_fact_quoted": 0.25, "gold_fact_quoted_80": 0.5}, id="a-gold-fact-quoted"),
        pytest.param([_rec(strict=2, lenient=2), _rec(strict=1, lenient=2), _rec(facts=1, strict=1, lenient=1),
                      _rec(strict=1, lenient=1)],
                     {"all_gold_facts_quoted": 0.5, "all_gold_facts_quoted_80": 0.75}, id="every-gold-fact-quoted"),
        pytest.param([_rec(cited=True), _rec(cited=False), _rec(status="no_answer"), NULL_BAD],
                     {"gold_article_cited": 0.333, "null_no_answer": 0.0}, id="gold-article-cited-refusal-a-miss"),
        pytest.param([_rec(facts=3, quoted=1), _rec(facts=1, quoted=1)], {"gold_facts_quoted": 0.5},
                     id="share-of-all-gold-facts-as-before"),
        pytest.param([NULL_OK, NULL_BAD, NULL_OK], {"answerable": 0, "null_no_answer": 0.667,
                                                   "gold_fact_quoted": None}, id="null-queries-only"),
    ],
)
def test_summarise_answer_figures(records, expected):
    s = summarise(records)
    assert {k: s[k] for k in expected} == expected
    assert "hits_at_10" not in s and "latency_p50_ms" not in s  # no retrieval was run for these records


def test_summarise_retrieval_figures_when_the_records_searched():
    timed = {"search_ms": 1.0, "latency_ms": 3.0, "facts_found_at_10": 1, "average_precision": 0.5}
    s = summarise([_rec(first_hit=1, **timed), _rec(first_hit=7, **timed), _rec(first_hit=None, **timed)])
    assert (s["hits_at_4"], s["hits_at_10"], s["mrr_at_10"]) == (0.333, 0.667, 0.381)
    assert (s["fact_recall_at_10"], s["map_at_10"], s["latency_p50_ms"]) == (0.5, 0.5, 3.0)


def test_all_facts_at_10_counts_the_questions_with_every_fact_in_the_top_10():
    timed = {"search_ms": 1.0, "latency_ms": 3.0, "average_precision": 0.5}
    records = [_rec(first_hit=1, facts=2, facts_found_at_10=2, **timed),  # both facts found
               _rec(first_hit=2, facts=3, facts_found_at_10=2, **timed),  # one of three missing
               _rec(first_hit=None, facts=1, facts_found_at_10=0, **timed)]
    assert summarise(records)["all_facts_at_10"] == 0.333


def test_score_answers_scores_the_answered_questions_only():
    questions = [_q("a"), _q("b"), _q("n", "null_query", ())]
    answers = {"a": {"status": "answered", "citations": [_cite(FACT_B)]}, "n": {"status": "no_answer"}}
    records = score_answers(questions, answers)
    assert [(r["id"], r["facts_quoted_strict"], r["status"]) for r in records] == [
        ("a", 1, "answered"), ("n", 0, "no_answer")]


def test_by_half_and_kind_puts_the_check_half_first_with_an_all_column():
    records = [_rec(qhalf="fit", strict=1), _rec("temporal_query", qhalf="check"), _rec(qhalf="check", strict=2)]
    table = by_half_and_kind(records)
    assert list(table) == ["check", "fit"]
    assert list(table["check"]) == ["inference_query", "temporal_query", "all"]
    assert table["check"]["all"]["n"] == 2 and table["check"]["all"]["gold_fact_quoted"] == 0.5
    assert table["fit"] == {"inference_query": summarise(records[:1]), "all": summarise(records[:1])}


def test_by_half_and_kind_leaves_out_an_empty_half():
    assert list(by_half_and_kind([_rec(qhalf="fit")])) == ["fit"]
    assert by_half_and_kind([]) == {}


# -- reading the questions -----------------------------------------------------------------------------------

def _lines(tmp_path, *lines):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_questions_tags_each_question_with_its_half(tmp_path):
    ids = [f"mh-{i:04d}" for i in range(1, 21)]
    path = _lines(tmp_path, *(json.dumps({"id": i, "question": "q?", "evidence": []}) for i in ids), "")
    every = load_questions(path)
    assert [q["id"] for q in every] == ids and [q["half"] for q in every] == [half(i) for i in ids]
    assert load_questions(path, "all") == every
    for h in ("fit", "check"):
        part = load_questions(path, h)
        assert part and [q["id"] for q in part] == [i for i in ids if half(i) == h]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        pytest.param(["{not json"], "q.jsonl:1: invalid JSON"),
        pytest.param(['{"id": "a", "question": "q?"}', "[1, 2]"], "q.jsonl:2: each line needs an 'id'"),
        pytest.param(['{"question": "q?"}'], "q.jsonl:1: each line needs an 'id'"),
        pytest.param(['{"id": 7, "question": "q?"}'], "q.jsonl:1: each line needs an 'id'"),
        pytest.param(['{"id": "a", "question": null}'], "q.jsonl:1: each line needs an 'id'"),
        pytest.param(['{"id": "a", "question": "q?", "evidence": "x"}'], "q.jsonl:1: 'evidence' must be a list"),
        pytest.param(['{"id": "a", "question": "q?", "evidence": [{"title": "t"}]}'], "with a 'fact' string"),
    ],
)
def test_load_questions_rejects_bad_lines(tmp_path, lines, message):
    with pytest.raises(InputError, match=re.escape(message)):
        load_questions(_lines(tmp_path, *lines))


def test_load_questions_rejects_an_unknown_half_and_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown half 'both': choose from fit, check, all"):
        load_questions(_lines(tmp_path, '{"id": "a", "question": "q?"}'), "both")
    with pytest.raises(InputError, match="cannot read benchmark questions"):
        load_questions(tmp_path / "missing.jsonl")
