"""BM25 scored in memory from FTS5's postings: FTS5's hits, scores and order, on a real FTS5 index."""

from __future__ import annotations

import random

import pytest

from assistant.index.articles import SqliteArticles
from assistant.index.fts5_bm25 import Fts5Postings, one_token
from assistant.index.lexical import BM25_WEIGHTS, Fts5LexicalIndex, _match, query_terms
from assistant.index.sqlite import SqliteDb
from assistant.index.types import published_ts
from assistant.text.terms import terms as analysed
from tests.test_index_lexical import Corpus

WORDS = "pier crane harbour vote budget mayor storm ferry tariff court ruling strike bridge council".split()
OUTLETS = ["Port Daily", "The Wire", "Harbour News", None]


def _corpus(tmp_path, seed: int = 7) -> Corpus:
    """Articles of random sentences over few words (terms recur in titles and bodies, several times a
    chunk), four outlets (one unnamed), dates and none, and two copies of one article (equal scores)."""
    rng = random.Random(seed)
    db = SqliteDb(tmp_path / "citewise.sqlite3")
    corpus = Corpus(SqliteArticles(db), Fts5LexicalIndex(db))
    for i in range(40):
        sentences = [" ".join(rng.choices(WORDS, k=rng.randint(3, 12))) + f" note{i}."
                     for _ in range(rng.randint(1, 5))]
        corpus.put(f"a{i}", sentences, title=" ".join(rng.choices(WORDS, k=3)), source=OUTLETS[i % 4],
                   published=None if i % 7 == 0 else f"2024-05-{1 + i % 28:02d}")
    for copy in ("twin1", "twin2"):
        corpus.put(copy, ["pier zebra pier ferry.", "storm bridge."], title="Pier", source="The Wire")
    return corpus


def _fts5(corpus: Corpus, terms: set[str], k: int, **filters):
    lexical = corpus.lexical
    return lexical.query(_match(query_terms(terms, *lexical.doc_freq(terms))), k, **filters)  # type: ignore[attr-defined]


FILTERS = [
    {},
    {"sources": ["The Wire"]},
    {"sources": ["Port Daily", "Harbour News"]},
    {"sources": ["Nobody"]},
    {"after": published_ts("2024-05-10")},
    {"before": published_ts("2024-05-10")},
    {"sources": ["The Wire"], "after": published_ts("2024-05-03"), "before": published_ts("2024-05-20")},
]


@pytest.mark.parametrize("filters", FILTERS, ids=["none", "one-outlet", "two-outlets", "unknown-outlet", "after",
                                                  "before", "outlet-and-window"])
def test_hits_scores_and_order_are_fts5s(tmp_path, filters):
    corpus = _corpus(tmp_path)
    rng = random.Random(3)
    for _ in range(30):
        terms = set(rng.sample(WORDS, rng.randint(1, 6))) | {f"note{rng.randint(0, 45)}"}
        for k in (3, 10, 200):
            ours = corpus.lexical.search(terms, k, **filters)
            assert ours == _fts5(corpus, terms, k, **filters)  # the same floats, not close ones


def test_equal_scores_keep_fts5s_rowid_order(tmp_path):
    corpus = _corpus(tmp_path)
    hits = corpus.lexical.search({"pier", "zebra"}, 100)
    twins = [h for h in hits if h.article_id.startswith("twin")]
    assert len(twins) == 2 and twins[0].score == twins[1].score
    assert hits == _fts5(corpus, {"pier", "zebra"}, 100)


@pytest.mark.parametrize(("term", "single"), [
    ("pier", True), ("s400", True), ("2024", True), ("s-400", False), ("u.s", False), ("türkiye", False),
    ("Pier", False), ("two words", False), ("", False),
], ids=["word", "code", "year", "hyphen", "dot", "accent", "capital", "space", "empty"])
def test_only_terms_fts5_reads_as_one_token_are_scored_here(term, single):
    assert one_token(term) is single


def test_a_term_fts5_splits_is_left_to_fts5(tmp_path):
    corpus = _corpus(tmp_path)
    postings = corpus.lexical.postings  # type: ignore[attr-defined]
    assert postings.search(["pier", "s-400"], 5) is None
    assert corpus.lexical.search({"pier", "s-400"}, 5) == _fts5(corpus, {"pier", "s-400"}, 5)


def test_a_write_is_seen_by_the_next_search(tmp_path):
    corpus = _corpus(tmp_path)
    assert corpus.lexical.search({"zeppelin"}, 5) == []
    corpus.put("new", ["The zeppelin landed at the pier."], source="The Wire")
    assert [h.article_id for h in corpus.lexical.search({"zeppelin"}, 5)] == ["new"]
    corpus.remove("new")
    assert corpus.lexical.search({"zeppelin"}, 5) == []
    assert corpus.lexical.search({"pier"}, 50) == _fts5(corpus, {"pier"}, 50)


def test_another_connections_commit_is_seen(tmp_path):
    corpus = _corpus(tmp_path)
    before = corpus.lexical.search({"pier", "zeppelin"}, 10)
    other = Corpus(SqliteArticles(db := SqliteDb(tmp_path / "citewise.sqlite3")), Fts5LexicalIndex(db))
    other.put("elsewhere", ["A zeppelin over the pier, the pier again."], source="Port Daily")
    after = corpus.lexical.search({"pier", "zeppelin"}, 10)
    assert after != before and after[0].article_id == "elsewhere"
    assert after == _fts5(corpus, {"pier", "zeppelin"}, 10)


def test_a_small_postings_cache_starts_again_and_scores_the_same(tmp_path):
    corpus = _corpus(tmp_path)
    small = Fts5Postings(corpus.articles.db, [float(w) for w in BM25_WEIGHTS.split(",")], cache=50)  # type: ignore[attr-defined]
    for terms in (["crane", "pier"], ["ferry", "storm", "vote"], ["crane", "pier"]):
        assert small.search(terms, 20) == corpus.lexical.query(_match(terms), 20)  # type: ignore[attr-defined]
        held = small._held
        assert held is not None and (held.held <= 50 or len(held.postings) == 1)  # one term over the cap stays alone


def test_an_empty_index_finds_nothing(tmp_path):
    db = SqliteDb(tmp_path / "citewise.sqlite3")
    corpus = Corpus(SqliteArticles(db), Fts5LexicalIndex(db))
    assert corpus.lexical.search({"pier"}, 5) == []
    assert corpus.lexical.postings.search(["pier"], 5) is None  # type: ignore[attr-defined]  # FTS5 answers


def _weights() -> list[float]:
    return [float(w) for w in BM25_WEIGHTS.split(",")]


def test_read_ahead_keeps_every_terms_postings_as_a_search_reads_them(tmp_path):
    import numpy as np

    corpus = _corpus(tmp_path)
    db = corpus.articles.db  # type: ignore[attr-defined]
    ahead, asked = Fts5Postings(db, _weights()), Fts5Postings(db, _weights())
    kept = ahead.warm()
    snap, other = ahead._held, asked._snapshot()
    assert snap is not None and other is not None
    assert kept == snap.held == sum(len(ids) for ids, _ in snap.postings.values()) > 0
    assert set(analysed(" ".join(WORDS))) | {"note0", "zebra"} <= snap.postings.keys()
    for term, (ids, freq) in snap.postings.items():
        want_ids, want_freq = asked._postings(other, term)
        assert np.array_equal(ids, want_ids) and np.array_equal(freq, want_freq), term
    # and a search after reading ahead reads nothing more
    before = dict(snap.postings)
    assert ahead.search(["pier", "storm", "note3"], 10) == asked.search(["pier", "storm", "note3"], 10)
    assert snap.postings == before


def test_read_ahead_stops_at_the_cache_and_searches_score_the_same(tmp_path):
    corpus = _corpus(tmp_path)
    small = Fts5Postings(corpus.articles.db, _weights(), cache=60)  # type: ignore[attr-defined]
    assert 0 < small.warm() <= 60
    for terms in (["pier", "ferry"], ["storm", "note1", "budget"], ["zebra"]):
        assert small.search(terms, 10) == corpus.lexical.postings.search(terms, 10)  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", ["stopped", "empty index"])
def test_read_ahead_that_cannot_finish_keeps_nothing(tmp_path, case):
    if case == "empty index":
        db = SqliteDb(tmp_path / "citewise.sqlite3")
        Fts5LexicalIndex(db)
        postings = Fts5Postings(db, _weights())
        assert postings.warm() == 0
        return
    corpus = _corpus(tmp_path)
    postings = Fts5Postings(corpus.articles.db, _weights())  # type: ignore[attr-defined]
    assert postings.warm(stop=lambda: True) == 0
    assert postings._held is not None and not postings._held.postings


def test_a_commit_during_read_ahead_keeps_nothing_of_the_old_state(tmp_path, monkeypatch):
    corpus = _corpus(tmp_path)
    db = corpus.articles.db  # type: ignore[attr-defined]
    postings = Fts5Postings(db, _weights())
    pack = postings._pack

    def commit_meanwhile(snap, instances):
        if not getattr(commit_meanwhile, "done", False):
            commit_meanwhile.done = True  # type: ignore[attr-defined]
            corpus.put("late", ["pier storm late."], title="Late", source="The Wire")
        return pack(snap, instances)

    monkeypatch.setattr(postings, "_pack", commit_meanwhile)
    assert postings.warm() == 0
    monkeypatch.undo()
    assert postings.search(["late"], 5) == corpus.lexical.postings.search(["late"], 5)  # type: ignore[attr-defined]
    assert postings.search(["late"], 5)
