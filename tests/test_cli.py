"""The `citewise` command: JSON contracts, batch mode, and one-line errors with exit code 2."""

import json
import os
import re
import subprocess
import sys
import threading
from http.server import HTTPServer, SimpleHTTPRequestHandler

import pytest

from assistant.cli import main


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture
def cli(home, capsys, monkeypatch):
    monkeypatch.setenv("CITEWISE_HOME", str(home))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _json(out: str):
    return json.loads(out)


def test_ask_json_quotes_stand_in_the_shown_articles(cli):
    code, out, _ = cli("ask", "why did Türkiye buy the S-400?", "--json")
    assert code == 0
    ans = _json(out)
    assert ans["status"] == "answered" and ans["backend"] == "extractive"
    for c in ans["citations"]:
        code, shown, _ = cli("show", c["article_id"], "--json")
        art = _json(shown)
        assert art["text"][c["start"] : c["end"]] == c["quote"]
        assert {"article_id", "title", "source", "author", "published", "url", "text"} <= set(art)
        for o in c["also_in"]:
            other = _json(cli("show", o["article_id"], "--json")[1])
            assert other["text"][o["start"] : o["end"]] == o["quote"]


def test_ask_prints_the_answer_then_numbered_sources(cli):
    code, out, _ = cli("ask", "why did Türkiye buy the S-400?")
    assert code == 0
    answer, sources = out.split("\nSources:\n")
    assert "[1]" in answer
    # one line an article, headed by the numbers of its quotes
    assert re.match(r"\[1\]( \[\d+\])* Caliber\.az \| Turkish leader", sources) and "by Naila Huseynova" in sources


GROUPED = "Why is Washington worried about Turkey deploying the S-400?"


def test_ask_groups_quotes_and_sources_by_article(cli):
    """A question quoting two Caliber.az sentences and one Bloomberg: each article's outlet and date
    once, newest article first, and one source entry an article holding its quotes."""
    code, out, _ = cli("ask", GROUPED, "--json")
    cites = _json(out)["citations"]
    articles = {c["article_id"]: c for c in cites}
    assert len(articles) < len(cites), "the question should quote one article twice"
    code, out, _ = cli("ask", GROUPED)
    assert code == 0
    answer, sources = out.split("\nSources:\n")
    blocks = answer.strip().split("\n\n")
    assert len(blocks) == len(articles)
    headings = [b.splitlines()[0] for b in blocks]
    dates = [next(c["published"] for c in cites if f"{c['source']}, " in h) for h in headings]
    assert dates == sorted(dates, reverse=True)  # newest first
    for h in headings:
        assert h.endswith(":") and answer.count(f"{h}\n") == 1  # the outlet and date once per article
    heads = [line for line in sources.splitlines() if not line.startswith(" ")]
    assert len(heads) == len(articles)
    for head in heads:
        ns = [int(n) for n in re.match(r"((?:\[\d+\] )+)", head).group(1).strip(" []").split("] [")]
        assert len({next(c["article_id"] for c in cites if c["n"] == n) for n in ns}) == 1


def test_ask_never_doubles_a_quotes_own_marks(cli):
    code, out, _ = cli("ask", "What does Erdogan want Macron to acknowledge?")
    own = [c for c in _json(cli("ask", "What does Erdogan want Macron to acknowledge?", "--json")[1])["citations"]
           if c["quote"].startswith("“")]
    assert code == 0 and own, out
    assert "““" not in out and "””" not in out
    for c in own:
        assert f"\n{c['quote']} [{c['n']}]" in out  # in the answer, as written
        assert f"[{c['n']}] {c['quote']}  (chars" in out  # and under its source


def test_search_json_passages_are_article_slices(cli):
    code, out, _ = cli("search", "SAMP/T", "-k", "10", "--json")
    res = _json(out)
    assert res["query"] == "SAMP/T" and res["results"]
    assert [r["rank"] for r in res["results"]] == list(range(1, len(res["results"]) + 1))
    texts = {}
    for r in res["results"]:
        if r["article_id"] not in texts:
            texts[r["article_id"]] = _json(cli("show", r["article_id"], "--json")[1])["text"]
        assert texts[r["article_id"]][r["start"] : r["end"]] == r["text"]


def test_batch_prints_one_json_object_a_line(cli, tmp_path):
    batch = tmp_path / "qs.txt"
    batch.write_text('why did Türkiye buy the S-400?\n{"question": "How much does one SAMP/T battery cost?"}\n\n   \n')
    code, out, _ = cli("ask", "--batch", str(batch))
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [x["status"] for x in lines] == ["answered", "no_answer"]
    code, out, _ = cli("search", "--batch", str(batch), "-k", "3")
    assert [len(json.loads(x)["results"]) for x in out.splitlines()] == [3, 3]


def test_articles_ingest_show_remove_cycle(cli, tmp_path):
    f = tmp_path / "story.json"
    f.write_text(json.dumps({"title": "Pier approved", "source": "Harbour Post", "text": "The pier was approved."}))
    code, out, _ = cli("ingest", str(f), "--quiet", "--json")
    added = _json(out)["added"]
    assert code == 0 and len(added) == 1
    listing = _json(cli("articles", "--json")[1])["articles"]
    assert added[0] in {a["article_id"] for a in listing}
    assert all(a["n_chunks"] >= 1 for a in listing)
    assert cli("remove", added[0])[0] == 0
    assert added[0] not in {a["article_id"] for a in _json(cli("articles", "--json")[1])["articles"]}


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("case", "argv"),
    [
        ("empty question", lambda p: ["ask", ""]),
        ("whitespace question", lambda p: ["ask", "  \t "]),
        ("100 kB question", lambda p: ["ask", "why " * 25_000]),
        ("empty search", lambda p: ["search", " "]),
        ("empty folder", lambda p: ["ingest", "--quiet", str(p / "empty")]),
        ("binary file", lambda p: ["ingest", "--quiet", str(p / "blob.txt")]),
        ("invalid JSON lines", lambda p: ["ingest", "--quiet", str(p / "bad.jsonl")]),
        ("unreachable URL", lambda p: ["ingest", "--quiet", f"http://127.0.0.1:{_closed_port()}/story"]),
        ("missing file", lambda p: ["ingest", "--quiet", str(p / "nope.txt")]),
        ("unknown article id", lambda p: ["show", "0000000000000000"]),
        ("unknown article to remove", lambda p: ["remove", "0000000000000000"]),
        ("bad k", lambda p: ["search", "S-400", "-k", "0"]),
        ("word for a date", lambda p: ["ask", "why did Türkiye buy the S-400?", "--after", "yesterday"]),
        ("month 13", lambda p: ["ask", "why did Türkiye buy the S-400?", "--before", "2021-13"]),
        ("empty date", lambda p: ["search", "S-400", "--before", ""]),
        ("date in a batch", lambda p: ["ask", "--batch", str(p / "bad.jsonl"), "--after", "last week"]),
    ],
)
def test_bad_input_is_one_line_exit_2_and_loses_nothing(cli, tmp_path, case, argv):
    (tmp_path / "empty").mkdir()
    (tmp_path / "blob.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "bad.jsonl").write_text("{not json\n[1, 2\n")
    cli("articles")  # seeds the demo store on first use
    before = _json(cli("articles", "--json")[1])["articles"]
    code, out, err = cli(*argv(tmp_path))
    assert code == 2, (case, out, err)
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("citewise: error:"), err
    assert _json(cli("articles", "--json")[1])["articles"] == before


@pytest.mark.parametrize(
    ("flag", "value", "outlets"),
    [("--before", "2021", {"Bloomberg"}), ("--before", "2021-01-01", {"Bloomberg"}),
     ("--after", "2025", {"Caliber.az"}), ("--after", "2025-06", {"Caliber.az"}),
     ("--after", "2020-09", {"Bloomberg", "Caliber.az"}), ("--before", "2020-09", set())],
)
def test_a_year_or_month_bound_filters_by_the_whole_period(cli, flag, value, outlets):
    # the samples: Bloomberg, 25 September 2020; Caliber.az, 25 June 2025
    code, out, err = cli("search", "Türkiye S-400 Macron", "-k", "10", "--json", flag, value)
    assert code == 0, err
    assert {r["source"] for r in _json(out)["results"]} == outlets


def test_ingest_a_url_served_locally(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CITEWISE_ALLOW_PRIVATE_URLS", "true")
    page = tmp_path / "site" / "story.html"
    page.parent.mkdir()
    page.write_text(
        "<html><head><title>Harbour news: pier approved</title></head><body><nav>Home | About</nav>"
        "<article><h1>Pier approved</h1><p>The harbour authority approved the new pier on Monday after "
        "a long debate among the council members, who argued about its cost for months.</p>"
        "<p>Construction starts in May and should finish within two years, officials said.</p></article>"
        "</body></html>"
    )
    handler = lambda *a: SimpleHTTPRequestHandler(*a, directory=str(page.parent))  # noqa: E731
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/story.html"
        code, out, err = cli("ingest", url, "--quiet", "--json")
        assert code == 0, err
        aid = _json(out)["added"][0]
        art = _json(cli("show", aid, "--json")[1])
        assert art["url"] == url and "approved the new pier" in art["text"]
        ans = _json(cli("ask", "When does construction of the pier start?", "--json")[1])
        assert ans["status"] == "answered" and any("May" in c["quote"] for c in ans["citations"])
    finally:
        server.shutdown()


def test_console_script_runs_in_a_fresh_process(home):
    env = {**os.environ, "CITEWISE_HOME": str(home)}
    exe = os.path.join(os.path.dirname(sys.executable), "citewise")
    proc = subprocess.run([exe, "ask", "what did Macron demand?", "--json"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "answered"


def test_a_store_that_is_down_is_one_line_and_exit_3(cli, monkeypatch):
    monkeypatch.setenv("CITEWISE_CHROMA_URL", f"http://127.0.0.1:{_closed_port()}")
    code, out, err = cli("ask", "why did Türkiye buy the S-400?")
    assert code == 3 and out == ""
    assert err.startswith("citewise: error: cannot open the vector store") and len(err.strip().splitlines()) == 1


def test_articles_on_a_new_store_lists_the_bundled_samples(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CITEWISE_HOME", str(tmp_path / "new-home"))
    assert main(["articles", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["articles"]
    assert sorted(r["source"] for r in rows) == ["Bloomberg", "Caliber.az"]


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("CITEWISE_RERANKER", "bogus", "CITEWISE_RERANKER: unknown reranker 'bogus'; choose one of: meaning, identity"),
    ("CITEWISE_LLM", "bogus", "CITEWISE_LLM: unknown answerer 'bogus'; choose one of: extractive, openai"),
    ("CITEWISE_MAX_ARTICLE_CHARS", "5", "CITEWISE_MAX_ARTICLE_CHARS: Input should be greater than or equal to 1000"),
    ("CITEWISE_K", "many", "CITEWISE_K:"),
])
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(cli, monkeypatch, variable, value, named):
    monkeypatch.setenv(variable, value)
    code, out, err = cli("ask", "why did Türkiye buy the S-400?")
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and named in lines[0], err
