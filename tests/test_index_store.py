"""The store facade: its parts kept in step by upsert and remove, the reads callers use, the embeddings
check, two stores on one data dir, threads reading while one writes, and a round trip on a Chroma server."""

from __future__ import annotations

import threading

import pytest

from assistant.config import Settings
from assistant.errors import ConfigError, NotFoundError
from assistant.index import Store, open_store
from assistant.index.check import check
from assistant.models import Article, Chunk
from assistant.text.terms import terms
from ingest.pipeline import sample_paths
from tests.conftest import assert_contract, make_assistant
from tests.servers import chroma_process, free_port

FACADE = ("embeddings", "home", "get_text", "get_meta", "get_article", "list_articles", "count", "sources",
          "content_hash", "get_flag", "set_flag", "doc_freq", "search_lexical", "search_dense", "upsert", "remove",
          "ping", "stats", "optimize", "delete_vectors", "add_vectors", "write_rows")


class NoModel:
    """Stands in for the model where vectors are given: a call means one was computed again."""

    def embed_documents(self, texts):
        raise AssertionError(f"the model was asked for {len(texts)} vectors")

    def embed_query(self, text):
        raise AssertionError("the model was asked for a query vector")


def items(aid: str, n: int, source: str = "Wire") -> list[tuple[Article, list[Chunk]]]:
    sentences = [f"Quay {i} of {aid} was repaired in spring, officials said." for i in range(n)]
    text = " ".join(sentences)
    chunks, start = [], 0
    for i, s in enumerate(sentences):
        chunks.append(Chunk(f"{aid}:{i}", aid, i, start, start + len(s), s))
        start += len(s) + 1
    return [(Article(article_id=aid, text=text, title=f"Harbour {aid}", source=source, published="2024-03-01",
                     content_hash=aid), chunks)]


def test_the_facade_has_the_names_callers_use(fresh):
    missing = [name for name in FACADE if not hasattr(fresh.store, name)]
    assert not missing


def test_remove_deletes_text_chunks_and_vectors(fresh):
    rep = fresh.ingest(sample_paths())
    victim = rep.added[0]
    fresh.store.remove(victim)
    assert fresh.store.count() == 1
    assert all(p.article_id != victim for p in fresh.search("Macron Erdogan S-400 SAMP/T", k=20))
    assert not any(cid.startswith(victim) for cid in fresh.store.vectors.ids())
    assert check(fresh.store, fix=False).consistent
    with pytest.raises(NotFoundError):
        fresh.store.get_article(victim)
    with pytest.raises(NotFoundError):
        fresh.store.remove(victim)


def test_a_store_built_with_other_embeddings_is_refused_even_when_chroma_is_down(tmp_path, embeddings):
    open_store(Settings(home=tmp_path), embeddings)
    down = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ConfigError, match="minilm"):
        open_store(Settings(home=tmp_path, embeddings="openai:text-embedding-3-small", chroma_url=down), embeddings)


def test_upsert_with_vectors_given_never_runs_the_model(tmp_path, embeddings):
    store = open_store(Settings(home=tmp_path), NoModel(), max_vector_batch=3)
    batch = items("a1", 7)
    vectors = embeddings.embed_documents([c.text for c in batch[0][1]])
    store.upsert(batch, vectors)
    assert store.vectors.count() == 7 and store.count() == 1 and store.stats()["chunks"] == 7
    hits = store.search_dense(vectors[4], 1)
    assert (hits[0].article_id, hits[0].start) == ("a1", batch[0][1][4].start)
    with pytest.raises(ValueError, match="6 vectors for 7 chunks"):
        store.upsert(batch, vectors[:6])


def test_upsert_without_vectors_embeds_a_write_at_a_time(tmp_path, embeddings):
    calls: list[int] = []

    class Counting:
        def embed_documents(self, texts):
            calls.append(len(texts))
            return embeddings.embed_documents(texts)

    store = open_store(Settings(home=tmp_path), Counting(), max_vector_batch=4)
    store.upsert(items("a1", 10))
    assert calls == [4, 4, 2] and check(store, fix=False).consistent


def test_a_second_store_on_the_data_dir_sees_the_firsts_writes(tmp_path, embeddings):
    one, two = open_store(Settings(home=tmp_path), embeddings), open_store(Settings(home=tmp_path), embeddings)
    assert two.count() == 0 and two.sources() == [] and two.doc_freq(["quay"]) == (0, {"quay": 0})  # cached
    one.upsert(items("a1", 3, source="Coast Times"))
    assert two.count() == 1 and two.sources() == ["Coast Times"] and two.doc_freq(["quay"]) == (3, {"quay": 3})
    assert [h.article_id for h in two.search_lexical(set(terms("quay repaired")), 5)] == ["a1"] * 3
    one.remove("a1")
    assert two.count() == 0 and two.search_lexical(set(terms("quay")), 5) == []


def test_threads_read_while_one_writes(tmp_path, embeddings):
    store = open_store(Settings(home=tmp_path), embeddings)
    store.upsert(items("seed", 4))
    query = embeddings.embed_query("which quay was repaired?")
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                for h in store.search_lexical(set(terms("quay repaired")), 10) + store.search_dense(query, 10):
                    assert store.get_text(h.article_id)[h.start:h.end].startswith("Quay")
                n, _ = store.doc_freq(["quay"])
                assert n % 4 == 0  # whole articles only: never a transaction half-way
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for i in range(12):
            store.upsert(items(f"a{i}", 4))
        store.remove("a3")
    finally:
        done.set()
        for t in readers:
            t.join(30)
    assert not errors, errors[0]
    assert store.count() == 12 and check(store, fix=False).consistent


def test_ingest_and_ask_round_trip_on_a_chroma_server(tmp_path, embeddings):
    with chroma_process(tmp_path / "chroma-server") as url:
        a = make_assistant(tmp_path / "h", embeddings, chroma_url=url, seed_demo=False)
        rep = a.ingest(sample_paths())
        assert len(rep.added) == 2
        assert not (tmp_path / "h" / "chroma").exists()  # vectors went to the server
        ans = a.ask("why did Türkiye buy the S-400?")
        assert_contract(ans, a.store.get_text)
        assert "failed to meet its defence requirements" in ans.citations[0].quote
        assert check(a.store, fix=False).consistent


def test_the_store_is_what_the_assistant_holds(fresh):
    assert isinstance(fresh.store, Store)
