"""The lexical index: BM25 ranking, filters, document frequencies, deletes and rebuilds, on a real engine.

``TestLexicalIndex`` is the contract any ``LexicalIndex`` keeps (with the article repository whose chunk
rows it indexes): another implementation adds a parameter to the ``corpus`` fixture. The query budget and
FTS5's own tables are tested after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import assistant.index.lexical as lexical_module
from assistant.index.articles import ArticleRepository, SqliteArticles
from assistant.index.lexical import Fts5LexicalIndex, LexicalIndex
from assistant.index.pg import PgDb
from assistant.index.pg_articles import PgArticles
from assistant.index.pg_lexical import PgLexicalIndex
from assistant.index.pg_schema import ensure_schema
from assistant.index.sqlite import SqliteDb
from assistant.models import Article, Chunk
from assistant.text.terms import terms


@dataclass
class Corpus:
    articles: ArticleRepository
    lexical: LexicalIndex

    def put(self, aid: str, sentences: list[str], *, title: str = "", source: str | None = "Wire",
            published: str | None = "2024-05-02") -> list[tuple[int, int]]:
        """An article of one chunk a sentence, written as the store writes it; returns the chunks' offsets."""
        text = " ".join(sentences)
        spans, start = [], 0
        for s in sentences:
            spans.append((start, start + len(s)))
            start += len(s) + 1
        chunks = [Chunk(f"{aid}:{i}", aid, i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]
        art = Article(article_id=aid, text=text, title=title, source=source, published=published, content_hash=aid)
        with self.articles.transaction():
            self.lexical.delete(aid)
            self.articles.delete(aid)
            self.articles.add(art, len(chunks))
            self.lexical.add(art.title, art.source, ((self.articles.add_chunk(c), c.text) for c in chunks))
        return spans

    def remove(self, aid: str) -> None:
        with self.articles.transaction():
            self.lexical.delete(aid)
            self.articles.delete(aid)


@pytest.fixture(params=["fts5", "postgres"])
def corpus(request, tmp_path) -> Corpus:
    if request.param == "postgres":
        db = PgDb.shared(request.getfixturevalue("pg_url"))
        ensure_schema(db)
        return Corpus(PgArticles(db), PgLexicalIndex(db))
    db = SqliteDb(tmp_path / "citewise.sqlite3")
    return Corpus(SqliteArticles(db), Fts5LexicalIndex(db))


def q(text: str) -> set[str]:
    return set(terms(text))


FILLER = [f"Unrelated note {i} on weather and traffic in town {i}." for i in range(20)]


class TestLexicalIndex:
    def test_the_chunk_with_the_rarer_terms_ranks_first_with_its_offsets(self, corpus):
        spans = corpus.put("a", ["The pier was approved on Monday.", "The harbour crane was repaired."])
        corpus.put("b", ["A pier opened.", *FILLER])
        hits = corpus.lexical.search(q("harbour crane"), 5)
        assert [(h.article_id, h.start, h.end) for h in hits] == [("a", *spans[1])]
        assert hits[0].source == "Wire" and hits[0].published_ts == 1714608000.0 and hits[0].score > 0
        both = corpus.lexical.search(q("pier crane"), 5)
        assert [h.score for h in both] == sorted((h.score for h in both), reverse=True)
        assert both[0].article_id == "a"  # two query terms beat one

    def test_k_caps_the_hits(self, corpus):
        corpus.put("a", [f"Pier {i} was approved." for i in range(10)])
        assert len(corpus.lexical.search(q("pier"), 3)) == 3

    def test_title_terms_find_the_chunk_and_weigh_less_than_body_terms(self, corpus):
        corpus.put("titled", ["The council met on Monday."], title="Lighthouse restored")
        corpus.put("body", ["The lighthouse was restored."], title="Council news")
        corpus.put("filler", FILLER)
        hits = corpus.lexical.search(q("lighthouse"), 5)
        assert [h.article_id for h in hits] == ["body", "titled"]

    def test_filters_by_outlet_and_publication_window(self, corpus):
        corpus.put("old", ["The pier was approved."], source="A", published="2019-06-01")
        corpus.put("new", ["The pier was approved again."], source="B", published="2024-06-01")
        corpus.put("undated", ["The pier opened."], source="A", published=None)
        corpus.put("filler", FILLER)
        search = corpus.lexical.search
        assert {h.article_id for h in search(q("pier"), 10)} == {"old", "new", "undated"}
        assert {h.article_id for h in search(q("pier"), 10, sources=["A"])} == {"old", "undated"}
        june_2024 = 1717200000.0
        assert {h.article_id for h in search(q("pier"), 10, after=june_2024)} == {"new"}
        assert {h.article_id for h in search(q("pier"), 10, before=june_2024)} == {"old"}
        assert search(q("pier"), 10, sources=["B"], before=june_2024) == []

    @pytest.mark.parametrize(("asked", "other"), [
        ("The Verge", "the-verge"),  # one outlet token for both: FTS5 narrows to both, the outlet check to one
        ("Радио Свобода", "Radio Svoboda"),  # an outlet in another script
        ("!!!", "Wire"),  # a name with no letter or digit: no token, nothing narrowed, still filtered
        ('x" OR "pier', "x"),  # FTS5 syntax in an outlet's name narrows nothing it should not
    ], ids=["same-token", "cyrillic", "no-token", "fts5-syntax"])
    def test_an_outlet_filter_keeps_that_outlet_alone(self, corpus, asked, other):
        corpus.put("asked", ["The pier was approved."], source=asked)
        corpus.put("other", ["The pier was approved, twice."], source=other)
        corpus.put("none", ["The pier opened."], source=None)
        corpus.put("filler", FILLER)
        assert [h.article_id for h in corpus.lexical.search(q("pier"), 10, sources=[asked])] == ["asked"]
        assert {h.article_id for h in corpus.lexical.search(q("pier"), 10, sources=[asked, other])} == {"asked",
                                                                                                    "other"}

    def test_article_terms_are_the_analysed_terms_of_its_title_and_text(self, corpus):
        sentences = ["Türkiye bought the S-400 in 2017.", "The pier was approved."]
        corpus.put("a", sentences, title="Ankara's purchase")
        corpus.put("b", ["Unrelated crane news."])
        assert corpus.lexical.article_terms("a") == frozenset(terms("Ankara's purchase " + " ".join(sentences)))
        assert corpus.lexical.article_terms("nope") == frozenset()
        corpus.remove("a")
        assert corpus.lexical.article_terms("a") == frozenset()

    def test_filters_apply_before_k(self, corpus):
        corpus.put("loud", [f"Pier pier pier {i}." for i in range(10)], source="A")
        corpus.put("quiet", ["A pier, once."], source="B")
        assert [h.article_id for h in corpus.lexical.search(q("pier"), 1, sources=["B"])] == ["quiet"]

    def test_no_terms_or_unknown_terms_find_nothing(self, corpus):
        corpus.put("a", ["The pier was approved."])
        assert corpus.lexical.search(set(), 5) == []
        assert corpus.lexical.search({"zeppelin"}, 5) == []

    def test_doc_freq_counts_chunks_and_follows_writes(self, corpus):
        corpus.put("a", ["The pier was approved.", "The pier opened.", "Cranes."])
        assert corpus.lexical.doc_freq(["pier", "crane", "zeppelin"]) == (3, {"pier": 2, "crane": 1, "zeppelin": 0})
        corpus.put("b", ["A crane fell."])
        assert corpus.lexical.doc_freq(["crane"]) == (4, {"crane": 2})
        corpus.remove("a")
        assert corpus.lexical.doc_freq(["pier", "crane"]) == (1, {"pier": 0, "crane": 1})

    def test_reading_ahead_keeps_the_frequencies_and_rankings_and_follows_writes(self, corpus):
        corpus.put("a", ["The pier was approved.", "The pier opened.", "Cranes."])
        corpus.put("b", ["A crane fell.", *FILLER])
        before = corpus.lexical.search(q("pier crane"), 10)
        kept = corpus.lexical.warm(lambda: False)
        assert kept > 0 if isinstance(corpus.lexical, Fts5LexicalIndex) else kept == 0  # PostgreSQL scores itself
        assert corpus.lexical.doc_freq(["pier", "crane", "zeppelin"]) == (24, {"pier": 2, "crane": 2, "zeppelin": 0})
        assert corpus.lexical.search(q("pier crane"), 10) == before
        corpus.remove("a")
        assert corpus.lexical.doc_freq(["pier", "crane"]) == (21, {"pier": 0, "crane": 1})
        assert [h.article_id for h in corpus.lexical.search(q("pier crane"), 10)] == ["b"]

    def test_delete_removes_the_articles_rows_only(self, corpus):
        corpus.put("a", ["The pier was approved.", "The pier opened."])
        corpus.put("b", ["A pier, once."])
        assert corpus.lexical.count() == 3
        corpus.remove("a")
        assert corpus.lexical.count() == 1
        assert [h.article_id for h in corpus.lexical.search(q("pier"), 5)] == ["b"]

    def test_rebuild_restores_the_same_ranking(self, corpus):
        corpus.put("a", ["The pier was approved.", "The harbour crane was repaired."], title="Harbour news")
        corpus.put("b", ["A pier opened.", *FILLER])
        before = corpus.lexical.search(q("pier crane harbour"), 10)
        with corpus.articles.transaction():
            corpus.lexical.delete("a")  # a damaged index: a whole article's rows gone
        assert corpus.lexical.count() == 21
        corpus.lexical.rebuild()
        assert corpus.lexical.count() == 23
        assert corpus.lexical.search(q("pier crane harbour"), 10) == before

    def test_optimize_keeps_the_ranking(self, corpus):
        for i in range(5):
            corpus.put(f"a{i}", [f"Pier {i} and crane {i * 2} were inspected.", *FILLER[:i]])
        before = corpus.lexical.search(q("pier crane"), 10)
        corpus.lexical.optimize()
        assert corpus.lexical.search(q("pier crane"), 10) == before


# -- FTS5's own: the query it builds ---------------------------------------------------------------
@pytest.fixture
def fts(tmp_path) -> Corpus:
    db = SqliteDb(tmp_path / "citewise.sqlite3")
    return Corpus(SqliteArticles(db), Fts5LexicalIndex(db))


@pytest.mark.parametrize(("source", "token"), [
    ("The Verge", "outlettheverge"),
    ("the-verge", "outlettheverge"),
    ("Caliber.az", "outletcaliberaz"),
    ("Le Monde diplomatique é", "outletlemondediplomatiquee"),
    ("Радио Свобода", "outletрадиосвобода"),
    ("!!!", ""),
    ("", ""),
    (None, ""),
    ('x" OR body : * NEAR(a b)', "outletxorbodynearab"),  # FTS5 syntax in a name stays letters
], ids=["name", "punctuation", "domain", "accent", "cyrillic", "no-letters", "empty", "none", "fts5-syntax"])
def test_outlet_token_is_one_folded_word_or_nothing(source, token):
    assert lexical_module.outlet_token(source) == token


def _old_store(path: Path) -> None:
    """A store whose FTS5 table is (title, body), as stores were made before the outlet column."""
    before = SqliteDb(path)
    old = Corpus(SqliteArticles(before), Fts5LexicalIndex(before))
    old.put("a", ["The pier was approved."], source="Port Daily")
    old.put("b", ["The pier opened."], source="Wire")
    old.put("filler", FILLER)
    conn = before.conn()  # the old form, its rows written as the old code wrote them
    rows = conn.execute("SELECT rowid, title, body FROM chunks_fts").fetchall()
    with conn:
        conn.execute("DROP TABLE chunks_vocab")
        conn.execute("DROP TABLE chunks_fts")
        conn.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(title, body, tokenize='unicode61')")
        conn.execute("CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, 'row')")
        conn.executemany("INSERT INTO chunks_fts(rowid, title, body) VALUES(?,?,?)", rows)
    conn.close()


def test_a_store_made_before_the_outlet_column_is_indexed_again_once(tmp_path, caplog):
    """Opening an older store adds the outlets and keeps every chunk findable; a second opening finds
    nothing to do."""
    path = tmp_path / "citewise.sqlite3"
    _old_store(path)
    with caplog.at_level("WARNING", logger=lexical_module.__name__):
        db = SqliteDb(path)
        lexical = Fts5LexicalIndex(db)
    assert "indexing the" in caplog.text and "once, with their outlets" in caplog.text
    assert [r[1] for r in db.rows("PRAGMA table_info(chunks_fts)")] == ["title", "body", "source"]
    assert lexical.count() == db.row("SELECT count(*) FROM chunks")[0]
    assert [h.article_id for h in lexical.search(q("pier"), 10, sources=["Port Daily"])] == ["a"]
    assert lexical.doc_freq({"pier"}) == (lexical.count(), {"pier": 2})
    caplog.clear()
    with caplog.at_level("WARNING", logger=lexical_module.__name__):
        Fts5LexicalIndex(SqliteDb(path))
    assert caplog.text == ""


def test_an_interrupted_reindex_leaves_the_old_index_whole(tmp_path, monkeypatch):
    path = tmp_path / "citewise.sqlite3"
    _old_store(path)

    def crash(conn):
        conn.execute("INSERT INTO chunks_fts(rowid, title, body, source) VALUES(999, 'x', 'x', 'x')")
        raise RuntimeError("killed mid-way")

    monkeypatch.setattr(Fts5LexicalIndex, "_fill", staticmethod(crash))
    with pytest.raises(RuntimeError):
        Fts5LexicalIndex(SqliteDb(path))
    db = SqliteDb(path)
    assert [r[1] for r in db.rows("PRAGMA table_info(chunks_fts)")] == ["title", "body"]
    assert db.row("SELECT count(*) FROM chunks_fts")[0] == db.row("SELECT count(*) FROM chunks")[0]
    monkeypatch.undo()
    lexical = Fts5LexicalIndex(db)  # the next opening does it
    assert [h.article_id for h in lexical.search(q("pier"), 10, sources=["Port Daily"])] == ["a"]


def test_terms_in_over_a_fifth_of_the_chunks_are_left_out_unless_all_are(fts):
    fts.put("a", [f"The pier {i} was approved." if i < 2 else f"The crane {i} worked." for i in range(10)])
    assert fts.lexical.match({"the", "pier"}) == '"pier"'  # "the" is in every chunk, "pier" in 2 of 10
    assert fts.lexical.match({"the"}) == '"the"'  # nothing else to ask for


def test_the_query_keeps_the_rarest_terms_within_its_postings_budget(fts, monkeypatch):
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    # word i appears in i + 1 chunks, among 40 (under the common share)
    fts.put("a", [" ".join(w for j, w in enumerate(words) if i <= j) + f" filler{i}." for i in range(6)] + FILLER * 2)
    all_terms = set(words)
    assert fts.lexical.match(all_terms).count(" OR ") == 5
    monkeypatch.setattr(lexical_module, "MAX_POSTINGS", 1)
    kept = fts.lexical.match(all_terms)
    assert kept == " OR ".join(f'"{w}"' for w in sorted(words[:lexical_module.MIN_TERMS]))


def test_the_bm25_weights_are_named_in_the_query(fts):
    fts.put("a", ["The pier was approved."], title="Pier")
    (rank,) = fts.articles.db.row(  # type: ignore[attr-defined]
        f"SELECT bm25(chunks_fts, {lexical_module.BM25_WEIGHTS}) FROM chunks_fts WHERE chunks_fts MATCH 'pier'")
    assert fts.lexical.search({"pier"}, 1)[0].score == -rank


# -- the engines against each other ----------------------------------------------------------------
def test_postgres_ranks_and_scores_as_fts5_does(tmp_path, pg_url):
    """The same articles in both engines: every query gets the same chunks in the same order, with
    the same BM25 scores (to float rounding)."""
    from ingest.pipeline import sample_paths

    db = SqliteDb(tmp_path / "citewise.sqlite3")
    pg = PgDb.shared(pg_url)
    ensure_schema(pg)
    engines = [Corpus(SqliteArticles(db), Fts5LexicalIndex(db)), Corpus(PgArticles(pg), PgLexicalIndex(pg))]
    words: list[str] = []
    for n, path in enumerate(sample_paths()):
        paragraphs = [p.strip() for p in Path(path).read_text(encoding="utf-8").split("\n") if p.strip()]
        words += terms(" ".join(paragraphs))
        for engine in engines:
            engine.put(f"s{n}", paragraphs, title=paragraphs[0][:60], source=f"Outlet {n % 2}")
    queries = [set(words[i:i + 5]) for i in range(0, len(words), 97)][:40]
    for query in queries:
        for filters in ({}, {"sources": ["Outlet 1"]}):
            fts, ours = (e.lexical.search(query, 10, **filters) for e in engines)
            assert [(h.article_id, h.start) for h in ours] == [(h.article_id, h.start) for h in fts], query
            assert [h.score for h in ours] == pytest.approx([h.score for h in fts], rel=1e-9)
    assert engines[1].lexical.doc_freq(words[:50]) == engines[0].lexical.doc_freq(words[:50])
