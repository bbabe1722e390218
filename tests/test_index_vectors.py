"""The vector index on real Chroma, embedded and as a `chroma run` server: writes beyond the client's batch
limit, deletes, nearest-first queries under outlet and date filters, and stores written by langchain-chroma.

``TestVectorIndex`` is the contract any ``VectorIndex`` keeps: another implementation adds a parameter to
the ``vectors`` fixture. Chroma's own (its factory, its collection's settings, old stores) comes after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import ConfigError, StoreUnavailableError
from assistant.index.vectors import ChromaVectors, VectorIndex, open_vectors, where
from tests.servers import chroma_process, free_port

DIM = 8
JUNE_2024 = 1717200000.0


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory) -> Iterator[str]:
    with chroma_process(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def _settings(home: Path, chroma_url: str | None = None) -> Settings:
    # a collection of the test's own: the server is shared by the module's tests
    return Settings(home=home, chroma_url=chroma_url, collection=f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["embedded", "server"])
def opener(request, tmp_path):
    url = request.getfixturevalue("chroma_url") if request.param == "server" else None
    settings = _settings(tmp_path, url)
    return lambda max_batch=None: open_vectors(settings, max_batch=max_batch)


@pytest.fixture
def vectors(opener) -> VectorIndex:
    return opener()


def vec(i: int) -> list[float]:
    """Unit-ish vectors that point apart: ``vec(i)`` is nearest to itself."""
    v = [0.05] * DIM
    v[i % DIM] = 1.0
    return v


def meta(aid: str, i: int, source: str = "Wire", ts: float | None = 1714608000.0) -> dict:
    m = {"article_id": aid, "start": i * 10, "end": i * 10 + 9, "source": source}
    if ts is not None:
        m["published_ts"] = ts
    return m


def put(vectors: VectorIndex, aid: str, n: int, **kw) -> list[str]:
    ids = [f"{aid}:{i}" for i in range(n)]
    vectors.add(ids, [vec(i) for i in range(n)], [meta(aid, i, **kw) for i in range(n)],
                [f"chunk {i} of {aid}" for i in range(n)])
    return ids


class TestVectorIndex:
    def test_added_vectors_are_counted_listed_and_found_nearest_first(self, vectors):
        ids = put(vectors, "a", 4)
        assert vectors.count() == 4 and vectors.ids() == set(ids)
        nearest = vectors.query(vec(2), 4)
        assert nearest[0][0] == "a:2" and nearest[0][1] == pytest.approx(0.0, abs=1e-5)
        assert [d for _, d in nearest] == sorted(d for _, d in nearest) and len(nearest) == 4

    def test_adding_an_id_again_replaces_it(self, vectors):
        put(vectors, "a", 2)
        vectors.add(["a:0"], [vec(5)], [meta("a", 0)])
        assert vectors.count() == 2 and vectors.query(vec(5), 1)[0] == ("a:0", pytest.approx(0.0, abs=1e-5))

    def test_writes_beyond_the_batch_limit_go_in_batches(self, opener):
        small = opener(max_batch=3)
        assert small.batch_size() == 3
        put(small, "a", 10)
        assert small.count() == 10 and small.ids() == {f"a:{i}" for i in range(10)}

    def test_more_than_the_clients_own_limit_in_one_call(self, vectors):
        n = vectors.batch_size() + 5
        vectors.add([f"x:{i}" for i in range(n)], [vec(i) for i in range(n)], [meta("x", i) for i in range(n)])
        assert vectors.count() == n and len(vectors.ids()) == n

    def test_delete_drops_one_articles_vectors(self, vectors):
        put(vectors, "a", 3)
        keep = put(vectors, "b", 2)
        vectors.delete("a")
        vectors.delete("never-stored")
        assert vectors.ids() == set(keep)

    def test_delete_ids(self, vectors):
        put(vectors, "a", 4)
        vectors.delete_ids(["a:1", "a:3", "ghost:0"])
        assert vectors.ids() == {"a:0", "a:2"}

    def test_filters_by_outlet_and_publication_window(self, vectors):
        put(vectors, "old", 2, source="A", ts=1559347200.0)
        put(vectors, "new", 2, source="B", ts=1735689600.0)
        put(vectors, "undated", 2, source="A", ts=None)

        def found(**kw) -> set[str]:
            return {cid.split(":")[0] for cid, _ in vectors.query(vec(0), 10, **kw)}

        assert found() == {"old", "new", "undated"}
        assert found(sources=["A"]) == {"old", "undated"}
        assert found(sources=["A", "B"]) == {"old", "new", "undated"}
        assert found(after=JUNE_2024) == {"new"}
        assert found(before=JUNE_2024) == {"old"}
        assert found(sources=["A"], after=JUNE_2024) == set()
        assert found(sources=["B"], after=0.0, before=2e9) == {"new"}

    def test_k_and_an_empty_index(self, vectors):
        assert vectors.query(vec(0), 5) == [] and vectors.count() == 0 and vectors.ids() == set()
        put(vectors, "a", 6)
        assert len(vectors.query(vec(0), 2)) == 2

    def test_mismatched_lengths_are_refused(self, vectors):
        with pytest.raises(ValueError, match="2 ids, 1 vectors"):
            vectors.add(["a:0", "a:1"], [vec(0)], [meta("a", 0), meta("a", 1)])


# -- Chroma's own --------------------------------------------------------------------------------
def test_where_clauses():
    assert where(None, None, None) is None
    assert where(["A"], None, None) == {"source": {"$in": ["A"]}}
    assert where(None, 1.0, 2.0) == {"$and": [{"published_ts": {"$gte": 1.0}}, {"published_ts": {"$lt": 2.0}}]}
    assert where([], None, 3.0) == {"published_ts": {"$lt": 3.0}}


def test_chromas_own_embedding_function_is_never_set_and_the_space_is_cosine(opener):
    # Chroma's default would download a model at first use: the collection must have none
    collection = opener().collection
    assert collection._embedding_function is None
    assert collection.configuration_json.get("embedding_function") is None
    assert collection.metadata == {"hnsw:space": "cosine"}


def test_embedded_vectors_live_in_the_data_dir_and_telemetry_is_off(tmp_path):
    vectors = open_vectors(_settings(tmp_path / "home"))
    assert (tmp_path / "home" / "chroma").is_dir()
    assert vectors.client.get_settings().anonymized_telemetry is False


def test_a_server_store_writes_nothing_to_the_data_dir(chroma_url, tmp_path):
    put(open_vectors(_settings(tmp_path / "home", chroma_url)), "a", 2)
    assert not (tmp_path / "home" / "chroma").exists()


def test_an_unreachable_server_is_a_store_error_naming_it(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match=f"cannot open the vector store at {url}"):
        open_vectors(_settings(tmp_path, url))


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://host:21", "http://:8000", "http://host:port"])
def test_a_url_that_is_no_server_address_is_a_config_error(tmp_path, url):
    with pytest.raises(ConfigError, match="CITEWISE_CHROMA_URL"):
        open_vectors(Settings(home=tmp_path, chroma_url=url))


@pytest.mark.parametrize("name", ["x", "-bad", "has space", "a" * 513])
def test_a_collection_name_chroma_refuses_is_a_config_error(tmp_path, name):
    with pytest.raises(ConfigError, match="CITEWISE_COLLECTION"):
        open_vectors(Settings(home=tmp_path, collection=name))


def test_a_refused_batch_is_not_reported_as_a_full_disk(tmp_path):
    vectors = open_vectors(_settings(tmp_path))
    n = vectors.client.get_max_batch_size() + 1
    with pytest.raises(Exception, match="max batch size") as caught:
        vectors._guard(lambda: vectors.collection.upsert(ids=[f"x:{i}" for i in range(n)],
                                                         embeddings=[vec(0)] * n), writing=True)
    assert not isinstance(caught.value, StoreUnavailableError)


def test_a_refused_write_is_a_store_error(tmp_path):
    vectors = open_vectors(_settings(tmp_path))

    def full(**_):
        raise OSError(28, "No space left on device")

    vectors.collection.upsert = full
    with pytest.raises(StoreUnavailableError, match="disk full or read-only"):
        put(vectors, "a", 1)


def test_a_store_written_through_langchain_chroma_opens_as_it_is(tmp_path):
    lc = pytest.importorskip("langchain_chroma")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    class Fixed:
        def embed_documents(self, texts):
            return [vec(int(t.split()[1])) for t in texts]

        def embed_query(self, text):
            return vec(0)

    settings = _settings(tmp_path)
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    old = lc.Chroma(collection_name=settings.collection, embedding_function=Fixed(), client=client,
                    collection_metadata={"hnsw:space": "cosine"})
    old.add_texts([f"chunk {i} of a" for i in range(3)], metadatas=[meta("a", i) for i in range(3)],
                  ids=[f"a:{i}" for i in range(3)])
    vectors = open_vectors(settings)
    assert isinstance(vectors, ChromaVectors) and vectors.ids() == {"a:0", "a:1", "a:2"}
    assert vectors.query(vec(1), 1, sources=["Wire"], after=0.0)[0][0] == "a:1"
    put(vectors, "b", 2)
    got = vectors.collection.get(ids=["a:0", "b:1"], include=["documents", "metadatas"])
    assert got["documents"] == ["chunk 0 of a", "chunk 1 of b"]  # texts kept as langchain-chroma kept them
    assert got["metadatas"] == [meta("a", 0), meta("b", 1)]
    vectors.delete("a")
    assert [d.page_content for d in old.similarity_search("x", k=5)] == ["chunk 0 of b", "chunk 1 of b"]
