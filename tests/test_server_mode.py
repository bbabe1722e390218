"""Server mode on real engines: rows in PostgreSQL (a cluster of the session's own, tests/pg.py), vectors
on a `chroma run` server. The same answers as the embedded store; `citewise check` repairs what a crash
leaves; `citewise copy` there and back without embedding again; `citewise migrate`; concurrent ingest
processes; what one process ingests another answers at once; an engine that goes away is a 503 and is
used again when it is back, without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.index.check import check
from assistant.index.copy import NoModel
from evals.scorer import DEFAULT_SET
from tests.conftest import make_assistant
from tests.servers import chroma_process, free_port, wait_for_port
from tests.test_index_store import items

CITEWISE = os.path.join(os.path.dirname(sys.executable), "citewise")


@pytest.fixture
def chroma_url(tmp_path):
    with chroma_process(tmp_path / "chroma") as url:
        yield url


@pytest.fixture
def server(tmp_path, pg_url, chroma_url) -> dict[str, str]:
    """The settings of a server-mode store, as overrides (an empty database, a Chroma server)."""
    return {"database_url": pg_url, "chroma_url": chroma_url}


def env_of(tmp_path: Path, server: dict[str, str], **more: str) -> dict[str, str]:
    env = {**os.environ, "CITEWISE_HOME": str(tmp_path / "proc-home"), "CITEWISE_DATABASE_URL": server["database_url"],
           "CITEWISE_CHROMA_URL": server["chroma_url"], "CITEWISE_SEED_DEMO": "0", **more}
    env.pop("CITEWISE_API_KEYS", None)
    return env


def sample_questions(n: int) -> list[str]:
    lines = [json.loads(line) for line in DEFAULT_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [d["question"] for d in lines if not d.get("history")][:n]


def test_server_mode_answers_the_sample_set_as_the_embedded_store_does(tmp_path, demo, embeddings, server):
    a = make_assistant(tmp_path / "home", embeddings, **server)
    a.ensure_seeded()
    assert a.store.count() == demo.store.count() == 2
    assert a.store.articles.chunk_count() == demo.store.articles.chunk_count() == a.store.vectors.count()
    for q in sample_questions(30):
        ours, theirs = a.ask(q).to_dict(), demo.ask(q).to_dict()
        assert (ours["status"], ours["answer"]) == (theirs["status"], theirs["answer"]), q
        assert [c["quote"] for c in ours["citations"]] == [c["quote"] for c in theirs["citations"]], q
    assert not any(p.is_file() and p.suffix == ".sqlite3" for p in (tmp_path / "home").rglob("*"))


def test_server_mode_reads_ahead_and_answers_as_before(tmp_path, demo, embeddings, server):
    a = make_assistant(tmp_path / "home", embeddings, **server)
    a.ensure_seeded()
    warmed = a.pipeline.warm(10_000)
    # PostgreSQL scores BM25 itself: no postings are kept here, the passages are read as on SQLite
    assert (warmed.postings, warmed.passages) == (0, a.store.articles.chunk_count())
    for q in sample_questions(10):
        ours, theirs = a.ask(q).to_dict(), demo.ask(q).to_dict()
        assert (ours["status"], ours["answer"]) == (theirs["status"], theirs["answer"]), q


def test_check_repairs_what_a_killed_ingest_leaves_in_server_mode(tmp_path, embeddings, server):
    a = make_assistant(tmp_path / "home", embeddings, **server)
    a.ensure_seeded()
    store = a.store
    store.add_vectors(items("half-written", 3))  # vectors written, then killed before the rows
    victim = store.list_articles()[0]["article_id"]
    with store.articles.transaction():
        store.lexical.delete(victim)  # a lexical index out of step
    other = store.list_articles()[1]["article_id"]
    with store.articles.db.write() as conn:  # an article stored before sentence vectors were kept
        conn.execute("DELETE FROM sentence_vectors WHERE article_id = %s", (victim,))
        # and one stored before their analyses were
        conn.execute("UPDATE sentence_vectors SET terms = NULL WHERE article_id = %s", (other,))
    report = check(store, fix=False)
    assert not report.consistent and len(report.orphan_vectors) == 3 and report.fts_rows < report.chunks
    assert report.missing_sentences == [victim] and report.missing_analyses == [other]
    env = env_of(tmp_path, server)
    done = subprocess.run([CITEWISE, "check", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = json.loads(done.stdout)
    assert after["consistent"] and after["repaired"] and after["orphan_vectors"] == 0
    assert after["articles_without_sentence_vectors"] == 0 and store.sentence_vectors([victim])[victim]
    assert after["articles_without_sentence_analyses"] == 0
    assert set(store.sentence_analyses([victim, other])) == {victim, other}
    assert check(store, fix=False).consistent


def test_copy_to_server_mode_and_back_without_embedding_again(tmp_path, embeddings, server, capsys):
    embedded = make_assistant(tmp_path / "embedded", embeddings, seed_demo=True)
    embedded.ensure_seeded()
    from assistant.web.conversations import open_conversations

    open_conversations(embedded.settings).add("c1", "why did Türkiye buy the S-400?", {"status": "answered"})
    q = "why did Türkiye buy the S-400?"
    before = embedded.ask(q).to_dict()

    argv = ["--store", str(tmp_path / "embedded"), "copy", "--to", server["database_url"], "--chroma-url",
            server["chroma_url"], "--json"]
    assert main(argv) == 0
    copied = json.loads(capsys.readouterr().out)
    assert (copied["articles"], copied["conversations_turns"]) == (2, 1) and copied["vectors"] == copied["chunks"]

    there = make_assistant(tmp_path / "elsewhere", NoModel(), **server)
    assert there.store.count() == 2 and check(there.store, fix=False).consistent
    ids = [m["article_id"] for m in embedded.store.list_articles()]
    assert there.store.sentence_analyses(ids) == embedded.store.sentence_analyses(ids)  # none analysed again
    lexical = {"s400", "turkiy"} & set(there.store.doc_freq(["s400", "turkiy"])[1])
    assert there.store.search_lexical(lexical, 5) == embedded.store.search_lexical(lexical, 5)
    assert open_conversations(there.settings).questions("c1") == [q]

    env = {"CITEWISE_DATABASE_URL": server["database_url"], "CITEWISE_CHROMA_URL": server["chroma_url"]}
    back = tmp_path / "back"
    os.environ.update(env)
    try:
        assert main(["--store", str(tmp_path / "elsewhere"), "copy", "--to", str(back)]) == 0
        assert main(["copy", "--to", server["database_url"]]) == 2  # where it already is
    finally:
        for k in env:
            os.environ.pop(k)
    assert "copied to" in capsys.readouterr().out
    again = make_assistant(back, embeddings)
    assert again.store.count() == 2 and check(again.store, fix=False).consistent
    after = again.ask(q).to_dict()
    assert (after["answer"], after["citations"]) == (before["answer"], before["citations"])


def test_migrate_creates_then_reports_the_schema(pg_url, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CITEWISE_DATABASE_URL", pg_url)
    assert main(["--store", str(tmp_path), "migrate"]) == 0
    assert "schema version 0 -> 2" in capsys.readouterr().out
    assert main(["--store", str(tmp_path), "migrate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["after"] == 2
    monkeypatch.delenv("CITEWISE_DATABASE_URL")
    assert main(["--store", str(tmp_path), "migrate"]) == 2
    assert "CITEWISE_DATABASE_URL" in capsys.readouterr().err


def test_migrate_from_version_1_keeps_the_sentence_vectors_and_adds_their_analyses_column(pg_url, monkeypatch):
    from assistant.index import pg_schema
    from assistant.index.pg import PgDb
    from assistant.index.pg_articles import PgArticles

    db = PgDb.shared(pg_url)
    with monkeypatch.context() as m:  # a database made by the citewise of schema version 1
        m.setattr(pg_schema, "MIGRATIONS", pg_schema.MIGRATIONS[:1])
        m.setattr(pg_schema, "LATEST", 1)
        pg_schema.ensure_schema(db)
    with db.write() as conn:
        conn.execute("INSERT INTO sentence_vectors VALUES('a1', 0, 39, %s)", (bytes(768),))
    assert pg_schema.migrate(db) == (1, 2)
    repo = PgArticles(db)
    assert repo.sentence_vectors(["a1"]) == {"a1": [(0, 39, bytes(768))]}
    assert repo.sentence_analyses(["a1"]) == {}  # analysed when read, as before
    repo.add_sentence_vectors("a1", [(0, 39, bytes(768))], ["1\tx\tx"])
    assert repo.sentence_analyses(["a1"]) == {"a1": {0: (39, "1\tx\tx")}}


@pytest.mark.parametrize("url, message", [
    ("mysql://db/citewise", "not a PostgreSQL URL"),
    ("postgresql://", "not a PostgreSQL URL"),
    ("postgresql://db:notaport/citewise", "not a database URL"),
])
def test_a_database_url_that_is_not_one_is_a_config_error(url, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CITEWISE_DATABASE_URL", url)
    assert main(["--store", str(tmp_path), "articles"]) == 2
    assert message in capsys.readouterr().err


def test_an_older_schema_waits_for_migrate_and_a_newer_one_is_refused(pg_url, tmp_path, embeddings, monkeypatch):
    from assistant.errors import ConfigError
    from assistant.index import open_store, pg_schema
    from assistant.index.pg import PgDb

    settings = Settings(home=tmp_path, database_url=pg_url)
    open_store(settings, embeddings)
    now = pg_schema.LATEST
    monkeypatch.setattr(pg_schema, "MIGRATIONS", [*pg_schema.MIGRATIONS, "CREATE TABLE later(x INT)"])
    monkeypatch.setattr(pg_schema, "LATEST", now + 1)
    with pytest.raises(ConfigError, match=f"schema version {now}, this citewise needs {now + 1}: run `citewise migrat"):
        open_store(settings, embeddings)
    assert pg_schema.migrate(PgDb.shared(pg_url)) == (now, now + 1)
    assert open_store(settings, embeddings).count() == 0
    monkeypatch.setattr(pg_schema, "LATEST", now)
    with pytest.raises(ConfigError, match="newer than this citewise knows"):
        open_store(settings, embeddings)


def articles_file(path: Path, names: list[str]) -> Path:
    lines = [json.dumps({"title": f"{n} harbour opens a tidal plant", "source": "Coast Times",
                         "published": "2024-05-02", "url": f"https://example.com/{n}",
                         "text": f"The town of {n} opened a tidal power plant on Monday. The plant in {n} cost "
                                 f"{len(n)} million euros and will power {len(n) * 1000} homes, its mayor said."})
             for n in names]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


TOWNS = ["Saltmere", "Brinkhaven", "Gullwick", "Tidemouth", "Marshby", "Kelpford", "Shoalton", "Reefholm"]


@pytest.mark.parametrize("case", ["disjoint", "same"])
def test_two_ingest_processes_at_once_end_with_every_article_once(tmp_path, server, case):
    one = articles_file(tmp_path / "one.jsonl", TOWNS[:4])
    two = articles_file(tmp_path / "two.jsonl", TOWNS[4:])
    inputs = [[one], [two]] if case == "disjoint" else [[one, two], [two, one]]
    env = env_of(tmp_path, server)
    procs = [subprocess.Popen([CITEWISE, "ingest", "--quiet", "--json", *map(str, paths)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for paths in inputs]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    reports = [json.loads(o[0]) for o in outs]
    if case == "disjoint":
        assert [len(r["added"]) for r in reports] == [4, 4]
    else:  # each article written by one or both (the second replacing the first), never twice
        assert all(len(r["added"]) + len(r["updated"]) + len(r["unchanged"]) == 8 for r in reports)
    done = subprocess.run([CITEWISE, "check", "--json", "--dry-run"], env=env, capture_output=True, text=True,
                          timeout=300)
    state = json.loads(done.stdout)
    assert state["consistent"] and state["articles"] == 8 and state["vectors"] == state["chunks"], state
    listed = subprocess.run([CITEWISE, "articles", "--json"], env=env, capture_output=True, text=True, timeout=300)
    ids = [a["article_id"] for a in json.loads(listed.stdout)["articles"]]
    assert len(ids) == len(set(ids)) == 8


def test_an_article_ingested_by_one_process_is_answered_by_another_within_a_second(tmp_path, server):
    env = env_of(tmp_path, server)
    port = free_port()
    proc = subprocess.Popen([CITEWISE, "serve", "--port", str(port), "--log-level", "warning"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=120)
        base = f"http://127.0.0.1:{port}"
        question = {"question": "How much did the Saltmere tidal plant cost?"}
        assert httpx.post(f"{base}/v1/ask", json=question, timeout=60).json()["status"] == "no_answer"
        path = articles_file(tmp_path / "saltmere.jsonl", ["Saltmere"])
        done = subprocess.run([CITEWISE, "ingest", "--quiet", str(path)], env=env, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr
        ingested = time.monotonic()
        while (answer := httpx.post(f"{base}/v1/ask", json=question, timeout=60).json())["status"] != "answered":
            assert time.monotonic() - ingested < 1.0, answer
            time.sleep(0.05)
        assert time.monotonic() - ingested < 1.0
        assert "8 million euros" in answer["answer"], answer
    finally:
        proc.terminate()
        proc.wait(30)


def test_an_engine_that_goes_away_is_a_503_and_is_used_again_when_back(tmp_path, pg_cluster, pg_url, make_client):
    url = pg_url
    chroma_port = free_port()
    with chroma_process(tmp_path / "chroma", chroma_port) as chroma_url:
        client = make_client(database_url=url, chroma_url=chroma_url)
        ask = {"question": "why did Türkiye buy the S-400?"}
        assert client.post("/v1/ask", json=ask).status_code == 200
        pg_cluster.stop()
        try:
            down = client.post("/v1/ask", json=ask)
            assert down.status_code == 503, down.text
            assert "database" in down.text and "does not answer" in down.text
            assert client.post("/v1/ask", json={**ask, "conversation_id": "c1"}).status_code == 503
        finally:
            pg_cluster.start()
        back = client.post("/v1/ask", json=ask)
        assert back.status_code == 200 and back.json()["status"] == "answered", back.text
    down = client.post("/v1/ask", json=ask)  # the Chroma server is gone now
    assert down.status_code == 503 and "vector store" in down.text
    with chroma_process(tmp_path / "chroma", chroma_port):
        assert client.post("/v1/ask", json=ask).json()["status"] == "answered"


def test_copy_to_postgresql_keeping_the_vectors_where_they_are(tmp_path, embeddings, pg_url, capsys):
    home = tmp_path / "embedded"
    make_assistant(home, embeddings).ensure_seeded()
    assert main(["--store", str(home), "copy", "--to", pg_url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["vectors_shared"] and report["vectors"] == 0 and report["articles"] == 2
    moved = make_assistant(home, embeddings, database_url=pg_url)
    assert check(moved.store, fix=False).consistent
    assert moved.ask("why did Türkiye buy the S-400?").status == "answered"


def test_a_database_that_does_not_answer_is_exit_3_with_the_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CITEWISE_DATABASE_URL", f"postgresql://citewise:secret@127.0.0.1:{free_port()}/citewise")
    assert main(["--store", str(tmp_path), "articles"]) == 3
    err = capsys.readouterr().err
    assert "does not answer" in err and "refused" in err and "secret" not in err and err.count("\n") == 1


@pytest.mark.parametrize("to", ["ftp://host/dir", "http://example.org/store", "file:///tmp/x", "  "])
def test_a_copy_target_that_is_neither_postgresql_nor_a_data_dir_is_exit_2(to, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--store", str(tmp_path / "home"), "copy", "--to", to]) == 2
    assert "copy --to" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["home"])  # no directory made of the URL
