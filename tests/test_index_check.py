"""`citewise check` and crash-safe ingest: a kill -9 mid-ingest, then a re-run, leaves no duplicate chunk,
no missing article, and lexical and vector indexes that agree; a damaged store is repaired.

The damage is done through the store's parts' protocols, as the check reads them, so the same tests hold
for any implementation of them.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from assistant.cli import main
from assistant.index.check import check
from ingest.pipeline import sample_paths
from tests.conftest import assert_contract, make_assistant

S400 = "why did Türkiye buy the S-400?"


def orphan(store, chunk_id: str = "ghost:0", article_id: str = "ghost") -> None:
    """A vector whose rows never landed, as a killed ingest leaves it."""
    store.vectors.add([chunk_id], [store.embeddings.embed_query("a ghost of a killed ingest")],
                      [{"article_id": article_id, "start": 0, "end": 5, "source": ""}])


def test_check_finds_and_repairs_orphan_and_missing_vectors_and_lexical_rows(fresh):
    a = fresh
    a.ingest(sample_paths())
    assert check(a.store, fix=False).consistent
    before = [(p.article_id, p.start, p.end) for p in a.search(S400, k=8)]
    some_chunk = sorted(a.store.articles.chunk_ids())[0]
    a.store.vectors.delete_ids([some_chunk])
    orphan(a.store)
    victim = a.store.list_articles()[0]
    with a.store.articles.transaction():
        a.store.lexical.delete(victim["article_id"])
    report = check(a.store, fix=False)
    assert not report.consistent
    assert report.orphan_vectors == ["ghost:0"] and report.missing_vectors == [some_chunk]
    assert report.fts_rows == report.chunks - victim["n_chunks"]
    fixed = check(a.store)
    assert fixed.consistent and fixed.repaired and fixed.vectors == fixed.chunks == fixed.fts_rows
    assert_contract(a.ask(S400), a.store.get_text)
    assert [(p.article_id, p.start, p.end) for p in a.search(S400, k=8)] == before


def test_check_embeds_the_sentences_of_an_article_that_has_none(fresh):
    import numpy as np

    from assistant.index.sentence_vectors import unpack

    fresh.ingest(sample_paths())
    aid = fresh.store.list_articles()[0]["article_id"]
    before = fresh.store.sentence_vectors([aid])[aid]
    with sqlite3.connect(fresh.store.home / "citewise.sqlite3") as db:  # a store from before sentence vectors
        db.execute("DELETE FROM sentence_vectors WHERE article_id = ?", (aid,))
    report = check(fresh.store, fix=False)
    assert report.missing_sentences == [aid] and not report.consistent
    assert report.to_dict()["articles_without_sentence_vectors"] == 1
    fixed = check(fresh.store)
    assert fixed.consistent and fixed.repaired and fixed.missing_sentences == []
    after = fresh.store.sentence_vectors([aid])[aid]
    assert [(s, e) for s, e, _ in after] == [(s, e) for s, e, _ in before]
    cos = (unpack(after).astype(np.float32) * unpack(before).astype(np.float32)).sum(axis=1)
    assert cos.min() > 0.99  # the same model on the same sentences (batched otherwise: float noise only)


def test_check_stores_the_analyses_of_sentences_stored_without_them_or_with_another_version(fresh):
    fresh.ingest(sample_paths())
    first, second = (m["article_id"] for m in fresh.store.list_articles()[:2])
    before = fresh.store.sentence_analyses([first, second])
    with sqlite3.connect(fresh.store.home / "citewise.sqlite3") as db:
        db.execute("UPDATE sentence_vectors SET terms = NULL WHERE article_id = ?", (first,))  # before analyses
        db.execute("UPDATE sentence_vectors SET terms = '0' || substr(terms, 2) WHERE article_id = ?", (second,))
    report = check(fresh.store, fix=False)
    assert report.missing_analyses == sorted([first, second]) and not report.consistent
    assert report.to_dict()["articles_without_sentence_analyses"] == 2
    fixed = check(fresh.store)
    assert fixed.consistent and fixed.missing_analyses == []
    assert fresh.store.sentence_analyses([first, second]) == before


def test_check_repairs_a_wrong_chunk_count(fresh):
    fresh.ingest(sample_paths())
    aid = fresh.store.list_articles()[0]["article_id"]
    n = fresh.store.get_meta(aid)["n_chunks"]
    with sqlite3.connect(fresh.store.home / "citewise.sqlite3") as db:  # damage SQLite's way: no protocol writes it
        db.execute("UPDATE articles SET n_chunks = n_chunks + 3 WHERE article_id = ?", (aid,))
    report = check(fresh.store, fix=False)
    assert report.chunk_count_mismatch == [aid] and not report.consistent
    assert check(fresh.store).consistent and fresh.store.get_meta(aid)["n_chunks"] == n


def test_a_dense_search_skips_orphan_vectors(fresh):
    fresh.ingest(sample_paths())
    orphan(fresh.store, "ghost:0")
    hits = fresh.store.search_dense(fresh.store.embeddings.embed_query("a ghost of a killed ingest"), 50)
    assert hits and all(h.article_id != "ghost" for h in hits)


def _articles(folder, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        body = "\n\n".join(
            f"Harbour town number {i} reported that quay {j} of district {i * 7 + j} was repaired in spring, "
            f"officials of ward {i}-{j} said on Monday after a long inspection of the cranes and the piers."
            for j in range(12))
        (folder / f"a{i:03d}.txt").write_text(
            f"Title: Harbour report {i}\nSource: Test Wire\nPublished: 2024-01-{i % 28 + 1:02d}\n\n{body}\n",
            encoding="utf-8")


def _counts(home) -> tuple[int, int]:
    db = sqlite3.connect(home / "citewise.sqlite3")
    try:
        return (db.execute("SELECT count(*) FROM articles").fetchone()[0],
                db.execute("SELECT count(*) FROM chunks").fetchone()[0])
    finally:
        db.close()


def test_an_ingest_killed_mid_way_and_run_again_leaves_a_whole_consistent_store(tmp_path, capsys):
    folder, home = tmp_path / "articles", tmp_path / "home"
    _articles(folder, 120)
    env = {**os.environ, "CITEWISE_HOME": str(home), "CITEWISE_SEED_DEMO": "false"}
    exe = os.path.join(os.path.dirname(sys.executable), "citewise")
    proc = subprocess.Popen([exe, "ingest", str(folder), "--quiet"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if (home / "citewise.sqlite3").exists():
            try:
                if _counts(home)[0] > 0:
                    break
            except sqlite3.Error:
                pass
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed: give it more articles"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _counts(home)[0]
    assert 0 < partial < 120

    assert main(["--store", str(home), "ingest", str(folder), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["--store", str(home), "check", "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["consistent"] and report["articles"] == 120
    assert report["vectors"] == report["chunks"] == report["fts_rows"]  # no duplicate, no missing chunk
    assert report["orphan_vectors"] == report["missing_vectors"] == 0


def test_check_exits_1_when_it_may_not_repair(tmp_path, embeddings, capsys):
    a = make_assistant(tmp_path / "h", embeddings)
    a.ensure_seeded()
    orphan(a.store, "x@0", "x")
    assert main(["--store", str(tmp_path / "h"), "check", "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "INCONSISTENT" in out and "1 orphan vectors" in out
    assert main(["--store", str(tmp_path / "h"), "check"]) == 0
    assert "consistent" in capsys.readouterr().out
