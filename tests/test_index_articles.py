"""The article repository: texts, chunk rows, flags and cached metadata, against a real database.

``TestArticleRepository`` is the contract any ``ArticleRepository`` keeps: another implementation adds a
parameter to the ``opener`` fixture (a function that opens the repository on one storage, again each call,
as another process would). The tests after it are SQLite's own: threads, isolation, errors.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import pytest

from assistant.errors import NotFoundError, StoreUnavailableError
from assistant.index.articles import ArticleRepository, SqliteArticles
from assistant.index.pg import PgDb
from assistant.index.pg_articles import PgArticles
from assistant.index.pg_schema import ensure_schema
from assistant.index.sqlite import SqliteDb
from assistant.index.types import ChunkRow
from assistant.models import Article, Chunk

Opener = Callable[[], ArticleRepository]


@pytest.fixture(params=["sqlite", "postgres"])
def opener(request, tmp_path) -> Opener:
    if request.param == "sqlite":
        yield lambda: SqliteArticles(SqliteDb(tmp_path / "citewise.sqlite3"))
        return
    url = request.getfixturevalue("pg_url")
    opened: list[PgDb] = []

    def open_pg() -> ArticleRepository:  # a pool of its own each time: as another process would
        db = PgDb(url)
        opened.append(db)
        ensure_schema(db)
        return PgArticles(db)

    yield open_pg
    for db in opened:
        db.close()


@pytest.fixture
def repo(opener) -> ArticleRepository:
    return opener()


def article(aid: str, *, source: str | None = "Wire", published: str | None = "2024-05-02", n: int = 2,
            title: str = "Pier approved") -> tuple[Article, list[Chunk]]:
    text = " ".join(f"Sentence {i} of {aid} is about the harbour." for i in range(n))
    chunks, start = [], 0
    for i in range(n):
        end = text.index(".", start) + 1
        chunks.append(Chunk(f"{aid}:{i}", aid, i, start, end, text[start:end]))
        start = end + 1
    return Article(article_id=aid, text=text, title=title, source=source, published=published,
                   content_hash=f"hash-{aid}", url=f"https://example.com/{aid}"), chunks


def put(repo: ArticleRepository, art: Article, chunks: list[Chunk]) -> list[int]:
    """As the store writes an article: its old rows out, its row and its chunks' rows in, one transaction."""
    with repo.transaction():
        repo.delete(art.article_id)
        repo.add(art, len(chunks))
        return [repo.add_chunk(c) for c in chunks]


class TestArticleRepository:
    def test_an_article_reads_back_whole(self, repo):
        art, chunks = article("a1", n=3)
        keys = put(repo, art, chunks)
        assert len(set(keys)) == 3
        assert repo.get_text("a1") == art.text
        assert repo.get_article("a1") == art
        meta = repo.get_meta("a1")
        assert meta["n_chunks"] == 3 and meta["published_ts"] == 1714608000.0 and meta["title"] == "Pier approved"
        assert repo.content_hash("a1") == "hash-a1" and repo.content_hash("nope") is None
        assert repo.count() == 1 and repo.chunk_count() == 3
        assert repo.chunk_ids() == {"a1:0", "a1:1", "a1:2"}

    def test_an_absent_article_is_not_found(self, repo):
        for read in (repo.get_text, repo.get_meta, repo.get_article):
            with pytest.raises(NotFoundError, match="nope"):
                read("nope")

    def test_articles_list_newest_first_and_outlets_are_sorted_and_distinct(self, repo):
        put(repo, *article("old", published="2020-01-01", source="B"))
        put(repo, *article("new", published="2025-01-01", source="A"))
        put(repo, *article("undated", published=None, source="A"))
        put(repo, *article("anonymous", source=None))
        assert [m["article_id"] for m in repo.list_articles()] == ["new", "anonymous", "old", "undated"]
        assert repo.sources() == ["A", "B"]
        assert repo.metas().keys() == {"old", "new", "undated", "anonymous"}

    def test_chunks_name_their_article_and_offsets_and_skip_unknown_ids(self, repo):
        art, chunks = article("a1", n=2)
        put(repo, art, chunks)
        rows = repo.chunks(["a1:1", "ghost:0", "a1:0"])
        assert sorted(rows) == [ChunkRow("a1:0", "a1", 0, chunks[0].start, chunks[0].end),
                                ChunkRow("a1:1", "a1", 1, chunks[1].start, chunks[1].end)]
        assert repo.chunks([]) == []

    def test_many_chunk_ids_are_read_in_pages(self, repo):
        art, chunks = article("big", n=1200)
        put(repo, art, chunks)
        assert len(repo.chunks([c.chunk_id for c in chunks])) == 1200

    def test_replacing_and_deleting_an_article(self, repo):
        put(repo, *article("a1", n=3))
        put(repo, *article("a1", n=1, title="Pier revised"))
        assert repo.get_meta("a1")["title"] == "Pier revised" and repo.chunk_ids() == {"a1:0"}
        with repo.transaction():
            repo.delete("a1")
        assert repo.count() == 0 and repo.chunk_count() == 0
        with pytest.raises(NotFoundError):
            repo.get_meta("a1")

    def test_a_failed_transaction_leaves_nothing(self, repo):
        put(repo, *article("keep"))
        with pytest.raises(RuntimeError), repo.transaction():
            put(repo, *article("half"))
            repo.delete("keep")
            raise RuntimeError("killed half-way")
        assert [m["article_id"] for m in repo.list_articles()] == ["keep"] and repo.chunk_count() == 2

    def test_flags(self, repo):
        assert repo.get_flag("seeded") is None
        repo.set_flag("seeded", "demo")
        repo.set_flag("seeded", "user")
        assert repo.get_flag("seeded") == "user"

    def test_wrong_chunk_counts_are_found_and_fixed(self, repo):
        art, chunks = article("a1", n=3)
        with repo.transaction():
            repo.add(art, 5)
            for c in chunks:
                repo.add_chunk(c)
        put(repo, *article("a2"))
        assert repo.wrong_chunk_counts() == ["a1"]
        repo.fix_chunk_counts()
        assert repo.wrong_chunk_counts() == [] and repo.get_meta("a1")["n_chunks"] == 3

    def test_cached_metadata_follows_another_handles_commits(self, opener):
        mine, theirs = opener(), opener()
        assert mine.count() == 0 and mine.sources() == []  # cached now
        put(theirs, *article("a1", source="Coast Times"))
        assert mine.count() == 1 and mine.sources() == ["Coast Times"]
        with theirs.transaction():
            theirs.delete("a1")
        assert mine.count() == 0
        with pytest.raises(NotFoundError):
            mine.get_meta("a1")

    def test_ping_answers(self, repo):
        repo.ping()

    def test_sentence_vectors_read_back_by_article_in_order_and_go_with_the_article(self, repo):
        put(repo, *article("a1"))
        put(repo, *article("a2"))
        v = [bytes([i]) * 768 for i in range(3)]
        repo.add_sentence_vectors("a1", [(40, 60, v[1]), (0, 39, v[0])])
        repo.add_sentence_vectors("a2", [(0, 20, v[2])])
        assert repo.sentence_vectors(["a1", "a2", "none"]) == {"a1": [(0, 39, v[0]), (40, 60, v[1])],
                                                                 "a2": [(0, 20, v[2])]}
        assert repo.sentence_vectors([]) == {}
        put(repo, *article("a1"))  # replaced: its old sentences' vectors are gone with it
        with repo.transaction():
            repo.delete("a2")
        assert repo.sentence_vectors(["a1", "a2"]) == {}

    def test_sentence_analyses_are_stored_beside_the_vectors_and_go_with_the_article(self, repo):
        put(repo, *article("a1"))
        put(repo, *article("a2"))
        v = bytes(768)
        repo.add_sentence_vectors("a1", [(0, 39, v), (40, 60, v)], ["1\tsentenc harbour\tsentenc harbour", "1\t\t"])
        repo.add_sentence_vectors("a2", [(0, 20, v)])  # stored without analyses (a copy, a repair)
        assert repo.sentence_analyses(["a1", "a2", "none"]) == {
            "a1": {0: (39, "1\tsentenc harbour\tsentenc harbour"), 40: (60, "1\t\t")}}
        assert repo.sentence_analyses([]) == {}
        with pytest.raises(ValueError, match="2 sentence rows, 1 analyses"):
            repo.add_sentence_vectors("a1", [(0, 39, v), (40, 60, v)], ["1\t\t"])
        put(repo, *article("a1"))  # replaced: its old sentences' analyses are gone with it
        assert repo.sentence_analyses(["a1"]) == {}

    def test_hostile_ids_and_texts_are_stored_or_not_found_never_an_engine_error(self, repo):
        art = Article(article_id="nul\x00id", text="A text with a NUL \x00 inside.", title="T\x00",
                      content_hash="h")
        with repo.transaction():
            repo.add(art, 0)
        assert len(repo.get_text(next(iter(repo.metas())))) == len(art.text)
        for read in (repo.get_text, repo.get_meta):
            with pytest.raises(NotFoundError):
                read("another\x00id")


# -- SQLite's own ---------------------------------------------------------------------------------
def test_each_thread_reads_on_its_own_connection_and_never_sees_an_open_transaction(tmp_path):
    db = SqliteDb(tmp_path / "db.sqlite3")
    repo = SqliteArticles(db)
    put(repo, *article("before"))
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        art, _ = article("uncommitted")
        with repo.transaction():
            repo.add(art, 1)
            inside.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert inside.wait(10)
        seen: dict[str, object] = {}
        reader = threading.Thread(target=lambda: seen.update(ids=set(repo.metas()), conn=db.conn()))
        reader.start()
        reader.join(10)
        assert seen["ids"] == {"before"}  # a shared connection would have shown the writer's row
        assert seen["conn"] is not db.conn()
    finally:
        release.set()
        t.join(10)
    assert set(repo.metas()) == {"before", "uncommitted"}


def test_a_write_the_disk_refuses_is_rolled_back_and_says_so(tmp_path):
    db = SqliteDb(tmp_path / "db.sqlite3")
    repo = SqliteArticles(db)
    put(repo, *article("small"))
    pages = db.row("PRAGMA page_count")[0]
    db.conn().execute(f"PRAGMA max_page_count={pages + 2}")  # as a full disk: SQLITE_FULL
    big = Article(article_id="big", text="x" * 200_000, content_hash="h")
    with pytest.raises(StoreUnavailableError, match="disk full or read-only.*rolled back"):
        with repo.transaction():
            repo.delete("small")
            repo.add(big, 0)
    assert [m["article_id"] for m in repo.list_articles()] == ["small"]


def test_a_data_dir_that_cannot_be_made_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("not a dir")
    with pytest.raises(StoreUnavailableError, match="cannot open the data dir"):
        SqliteDb(tmp_path / "file" / "home" / "citewise.sqlite3")


def test_every_connection_is_in_wal_mode(tmp_path):
    db = SqliteDb(tmp_path / "db.sqlite3")
    modes = [db.row("PRAGMA journal_mode")[0]]
    t = threading.Thread(target=lambda: modes.append(db.row("PRAGMA journal_mode")[0]))
    t.start()
    t.join(10)
    assert modes == ["wal", "wal"]
    raw = sqlite3.connect(tmp_path / "db.sqlite3")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_a_store_made_before_sentence_analyses_gets_their_column_and_keeps_its_rows(tmp_path):
    path = tmp_path / "citewise.sqlite3"
    old = sqlite3.connect(path)
    old.executescript('CREATE TABLE sentence_vectors(article_id TEXT NOT NULL, start INTEGER NOT NULL, '
                      '"end" INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY(article_id, start));')
    old.execute("INSERT INTO sentence_vectors VALUES('a1', 0, 39, ?)", (bytes(768),))
    old.commit()
    old.close()
    repo = SqliteArticles(SqliteDb(path))
    assert repo.sentence_vectors(["a1"]) == {"a1": [(0, 39, bytes(768))]}
    assert repo.sentence_analyses(["a1"]) == {}  # analysed when read, as before
    again = SqliteArticles(SqliteDb(path))  # a second opening finds the column there
    again.add_sentence_vectors("a1", [(0, 39, bytes(768))], ["1\tx\tx"])
    assert repo.sentence_analyses(["a1"]) == {"a1": {0: (39, "1\tx\tx")}}


def test_processes_opening_an_old_store_at_once_add_the_analyses_column_once(tmp_path):
    path = tmp_path / "citewise.sqlite3"
    old = sqlite3.connect(path)
    old.executescript('CREATE TABLE sentence_vectors(article_id TEXT NOT NULL, start INTEGER NOT NULL, '
                      '"end" INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY(article_id, start));')
    old.close()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        try:
            start.wait()
            SqliteArticles(SqliteDb(path)).sentence_analyses(["a1"])
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    columns = [c[1] for c in sqlite3.connect(path).execute("PRAGMA table_info(sentence_vectors)")]
    assert columns.count("terms") == 1
