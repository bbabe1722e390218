"""The JSON API over real HTTP: the answer contract, conversations, articles, ingest and delete."""

from __future__ import annotations

import pytest

from tests.conftest import assert_contract

S400 = "why did Türkiye buy the S-400?"
FOLLOW_UP = "and what did Macron say about it?"


def _text_of(client):
    return lambda article_id: client.get(f"/v1/articles/{article_id}").json()["text"]


def test_ask_returns_the_cli_contract_plus_a_conversation_id(client, demo):
    d = client.post("/v1/ask", json={"question": S400}).json()
    assert_contract(d, _text_of(client))
    assert d["status"] == "answered" and d["conversation_id"]
    expected = demo.ask(S400).to_dict()
    for key in ("question", "status", "answer", "citations", "backend"):
        assert d[key] == expected[key]


def test_ask_without_an_answer_in_the_articles_says_no_answer(client):
    d = client.post("/v1/ask", json={"question": "How much does one SAMP/T battery cost?"}).json()
    assert d["status"] == "no_answer" and d["citations"] == []


def test_ask_applies_the_filters(client):
    q = "What did Erdogan ask Macron?"
    both = client.post("/v1/ask", json={"question": q}).json()
    assert {c["source"] for c in both["citations"]} == {"Bloomberg", "Caliber.az"}
    d = client.post("/v1/ask", json={"question": q, "filters": {"source": "Bloomberg"}}).json()
    assert d["citations"] and {c["source"] for c in d["citations"]} == {"Bloomberg"}
    d = client.post("/v1/ask", json={"question": q, "filters": {"published_after": "2030-01-01"}}).json()
    assert d["status"] == "no_answer"
    d = client.post("/v1/ask", json={"question": q, "filters": {"published_before": "2021"}}).json()
    assert d["citations"] and {c["source"] for c in d["citations"]} == {"Bloomberg"}  # the year 2021 taken whole


def test_a_follow_up_is_read_in_its_conversation(client, demo):
    first = client.post("/v1/ask", json={"question": S400}).json()
    cid = first["conversation_id"]
    follow = client.post("/v1/ask", json={"question": FOLLOW_UP, "conversation_id": cid}).json()
    assert follow["conversation_id"] == cid
    assert follow["answer"] == demo.ask(FOLLOW_UP, history=[S400]).answer
    alone = client.post("/v1/ask", json={"question": FOLLOW_UP}).json()
    assert alone["answer"] != follow["answer"]  # the conversation changed what was understood
    turns = client.get(f"/v1/conversations/{cid}").json()["turns"]
    assert [t["question"] for t in turns] == [S400, FOLLOW_UP]
    assert turns[1]["answer"]["answer"] == follow["answer"]


def test_conversations_survive_a_restart(make_client, tmp_path):
    home = tmp_path / "persist"
    c1 = make_client(home=home)
    cid = c1.post("/v1/ask", json={"question": S400}).json()["conversation_id"]
    c2 = make_client(home=home)  # a second app on the same data dir: as after a restart
    assert [t["question"] for t in c2.get(f"/v1/conversations/{cid}").json()["turns"]] == [S400]
    c2.post("/v1/ask", json={"question": FOLLOW_UP, "conversation_id": cid})
    assert len(c1.get(f"/v1/conversations/{cid}").json()["turns"]) == 2


def test_an_unknown_conversation_is_404(client):
    r = client.get("/v1/conversations/nosuchconversation")
    assert r.status_code == 404 and "nosuchconversation" in r.json()["error"]["message"]


def test_articles_list_and_text_hold_the_quotes(client):
    listed = client.get("/v1/articles").json()
    assert listed["count"] == 2 == len(listed["articles"])
    assert {a["source"] for a in listed["articles"]} == {"Caliber.az", "Bloomberg"}
    d = client.post("/v1/ask", json={"question": S400}).json()
    c = d["citations"][0]
    art = client.get(f"/v1/articles/{c['article_id']}").json()
    assert art["text"][c["start"]:c["end"]] == c["quote"]
    assert art["source"] == c["source"] and art["n_chunks"] > 0


def test_an_unknown_article_is_404(client):
    r = client.get("/v1/articles/0123456789abcdef")
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"


ARTICLE = {"title": "Saltmere opens a tidal power plant", "source": "Coast Times", "author": "Ana Ruiz",
           "published": "2024-05-02", "text": "The town of Saltmere opened a tidal power plant on Monday. "
           "The plant cost 42 million euros and will power 9,000 homes, the mayor said."}


def test_ingested_json_articles_are_answered_from_and_deleted(make_client):
    c = make_client()
    report = c.post("/v1/ingest", json={"articles": [ARTICLE]}).json()
    assert len(report["added"]) == 1 and report["chunks"] >= 1
    d = c.post("/v1/ask", json={"question": "How much did the Saltmere tidal plant cost?"}).json()
    assert d["status"] == "answered" and "42 million euros" in d["citations"][0]["quote"]
    assert d["citations"][0]["source"] == "Coast Times"
    article_id = report["added"][0]
    assert c.post("/v1/ingest", json={"articles": [ARTICLE]}).json()["unchanged"] == [article_id]
    assert c.delete(f"/v1/articles/{article_id}").json() == {"deleted": article_id}
    assert c.get(f"/v1/articles/{article_id}").status_code == 404
    assert c.delete(f"/v1/articles/{article_id}").status_code == 404
    assert c.post("/v1/ask", json={"question": "How much did the Saltmere tidal plant cost?"}).json()["status"] \
        == "no_answer"


def test_uploaded_files_are_ingested_and_a_broken_one_is_reported(make_client, tmp_path):
    c = make_client()
    good = (b"Headline: Quillfer hires a new chief executive\nSource: Harbour Post\n\n"
            b"Quillfer named Mara Holt as its chief executive on Tuesday, the company said.")
    files = [("files", ("../../../etc/evil.txt", good, "text/plain")),
             ("files", ("broken.json", b"{not json", "application/json"))]
    r = c.post("/v1/ingest", files=files, headers={"X-Citewise": "1"})
    report = r.json()
    assert r.status_code == 200 and len(report["added"]) == 1
    assert [s["origin"] for s in report["skipped"]] == ["broken.json"]
    assert not (tmp_path / "etc" / "evil.txt").exists()
    d = c.post("/v1/ask", json={"question": "Who is the chief executive of Quillfer?"}).json()
    assert "Mara Holt" in d["citations"][0]["quote"]
    assert c.get(f"/v1/articles/{report['added'][0]}").json()["origin"].endswith("evil.txt")


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("..\\..\\win.ini", "win.ini"), ("", "upload.txt"), ("..", "upload.txt"),
    ("a/b/c.html", "c.html"), ("évil<>|name.txt", "_vil_name.txt"),
])
def test_upload_names_never_leave_the_upload_folder(name, expected):
    from assistant.web.routes_articles import safe_name

    assert safe_name(name, set()) == expected


def test_two_uploads_with_one_name_are_both_kept():
    from assistant.web.routes_articles import safe_name

    taken: set[str] = set()
    assert [safe_name("a.txt", taken), safe_name("x/a.txt", taken)] == ["a.txt", "a-2.txt"]
