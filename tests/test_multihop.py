"""The MultiHop-RAG runner on a tiny corpus in the benchmark's own format."""

import json

from evals.multihop import run_multihop, summarise

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
                       "file": "001-harbour.txt"}]},
        {"id": "q2", "question": "Which ferry operator ordered electric ferries, as reported by Port Daily?",
         "answer": "Saltmere Ferries", "question_type": "inference_query",
         "evidence": [{"fact": "Saltmere Ferries ordered three electric ferries for the Velmora route.",
                       "file": "002-ferry.txt"}]},
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


def test_summary_of_a_miss():
    rec = {"null": False, "first_hit": None, "facts": 2, "facts_found_at_10": 1, "average_precision": 0.0,
           "facts_quoted": 0, "status": "answered", "search_ms": 1.0, "latency_ms": 2.0}
    s = summarise([rec])
    assert s["hits_at_10"] == 0.0 and s["fact_recall_at_10"] == 0.5 and s["null_no_answer"] is None
