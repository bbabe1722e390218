"""Reading ahead (``assistant.warm``): what a server reads when it starts, and that answers do not change."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.retrieval.meaning import Meaning
from assistant.warm import Warmed, Warmer
from evals.scorer import load_set
from tests.conftest import make_assistant

SAMPLES = Path(__file__).resolve().parents[1] / "evals" / "sets" / "samples.jsonl"


@pytest.fixture
def seeded(tmp_path, embeddings):
    a = make_assistant(tmp_path / "home", embeddings)
    a.ensure_seeded()
    yield a
    a.close()


def test_reading_ahead_changes_no_answer_and_leaves_every_passage_read(tmp_path, embeddings, seeded):
    questions = [case["question"] for case in load_set(SAMPLES)[0]][:12]
    before = [seeded.ask(q) for q in questions]
    # a second assistant on a copy of the store, reading ahead before its first question
    other = make_assistant(seeded.settings.home, embeddings)
    warmed = other.pipeline.warm(10_000)
    chunks = other.store.stats()["chunks"]
    assert warmed.passages == chunks > 0 and warmed.postings > 0
    reranker = other.pipeline.reranker
    assert len(reranker._terms) == chunks  # type: ignore[attr-defined]
    assert len(Meaning.of(other.store)._articles) == other.store.count()
    after = [other.ask(q) for q in questions]
    assert [(a.status, a.answer, [(c.article_id, c.start, c.end) for c in a.citations]) for a in after] == \
        [(a.status, a.answer, [(c.article_id, c.start, c.end) for c in a.citations]) for a in before]
    other.close()


def test_passages_come_latest_article_first_and_stop_at_the_limit(seeded):
    store = seeded.store
    metas = {m["article_id"]: m for m in store.list_articles()}
    batches = list(store.passages(10_000, batch=1))
    assert [len(b) for b in batches] == [metas[b[0].article_id]["n_chunks"] for b in batches]
    dates = [metas[b[0].article_id]["published"] or "" for b in batches]
    assert dates == sorted(dates, reverse=True)
    for p in (p for b in batches for p in b):
        assert p.text == store.get_text(p.article_id)[p.start:p.end] and p.source == metas[p.article_id]["source"]
    first = batches[0][0]
    limited = [p for b in store.passages(1) for p in b]
    assert [(p.article_id, p.start) for p in limited] == [(first.article_id, first.start)]
    assert list(store.passages(0)) == []


def _until(warmer: Warmer, states: set[str], timeout: float = 60) -> str:
    deadline = time.time() + timeout
    while warmer.state not in states and time.time() < deadline:
        time.sleep(0.02)
    return warmer.state


def test_the_warmer_runs_once_in_the_background_and_says_how_far(seeded):
    warmer = Warmer(seeded.pipeline, 10_000)
    assert warmer.status()["state"] == "waiting"
    warmer.start()
    assert _until(warmer, {"done", "failed"}) == "done"
    status = warmer.status()
    assert status["passages"] == seeded.store.stats()["chunks"] and status["seconds"] >= 0
    warmer.start()  # once only
    assert warmer.state == "done"


@pytest.mark.parametrize(("limit", "breaks", "state"), [
    (0, False, "off"),  # CITEWISE_WARM_PASSAGES=0: nothing read, nothing started
    (10_000, True, "failed"),  # a store that went away: questions read for themselves
], ids=["off", "failed"])
def test_a_warmer_that_is_off_or_fails_leaves_the_server_answering(seeded, monkeypatch, limit, breaks, state):
    if breaks:
        def broken(*_args, **_kw) -> Warmed:
            raise RuntimeError("store gone")
        monkeypatch.setattr(seeded.pipeline, "warm", broken)
    warmer = Warmer(seeded.pipeline, limit)
    warmer.start()
    assert _until(warmer, {"off", "done", "failed"}) == state
    assert seeded.ask("why did Türkiye buy the S-400?").status == "answered"


def test_a_stopped_warmer_ends_early(seeded):
    seen = []

    def stop() -> bool:
        seen.append(1)
        return True

    warmed = seeded.pipeline.warm(10_000, stop)
    assert warmed.passages == 0 and warmed.postings == 0 and seen


def test_the_server_reads_ahead_and_readyz_says_so(make_client):
    c = make_client()
    deadline = time.time() + 60
    while True:
        body = c.get("/readyz").json()
        if body["warm"]["state"] in ("done", "failed") or time.time() > deadline:
            break
        time.sleep(0.05)
    assert body["status"] == "ready" and body["warm"]["state"] == "done"
    assert body["warm"]["passages"] > 0 and body["warm"]["postings"] > 0
    off = make_client(home=c.app.state.services.settings.home.parent / "off", warm_passages=0)
    assert off.get("/readyz").json()["warm"] == {"state": "off", "postings": 0, "passages": 0, "seconds": 0.0}
