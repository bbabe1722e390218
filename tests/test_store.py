"""The store: removal, embeddings mismatch, and the same round trip on a `chroma run` server."""


import pytest

from assistant.errors import ConfigError, NotFoundError, StoreUnavailableError
from assistant.store import Store
from ingest.pipeline import sample_paths
from tests.conftest import assert_contract, make_assistant
from tests.servers import chroma_process, free_port


def test_remove_deletes_text_chunks_and_vectors(fresh):
    rep = fresh.ingest(sample_paths())
    victim = rep.added[0]
    fresh.store.remove(victim)
    assert fresh.store.count() == 1
    assert all(p.article_id != victim for p in fresh.search("Macron Erdogan S-400 SAMP/T", k=20))
    with pytest.raises(NotFoundError):
        fresh.store.get_article(victim)
    with pytest.raises(NotFoundError):
        fresh.store.remove(victim)


def test_a_store_built_with_other_embeddings_is_refused(tmp_path, embeddings):
    Store(tmp_path, embeddings, "minilm")
    with pytest.raises(ConfigError, match="minilm"):
        Store(tmp_path, embeddings, "openai:text-embedding-3-small")


@pytest.fixture
def chroma_server(tmp_path):
    with chroma_process(tmp_path / "chroma-server") as url:
        yield url


def test_ingest_and_ask_round_trip_on_a_chroma_server(chroma_server, tmp_path, embeddings):
    a = make_assistant(tmp_path / "h", embeddings, chroma_url=chroma_server, seed_demo=False)
    rep = a.ingest(sample_paths())
    assert len(rep.added) == 2
    assert not (tmp_path / "h" / "chroma").exists()  # vectors went to the server
    ans = a.ask("why did Türkiye buy the S-400?")
    assert_contract(ans, a.store.get_text)
    assert "failed to meet its defence requirements" in ans.citations[0].quote


def test_an_unreachable_chroma_server_is_a_store_error(tmp_path, embeddings):
    with pytest.raises(StoreUnavailableError, match="127.0.0.1"):
        make_assistant(tmp_path / "h", embeddings, chroma_url=f"http://127.0.0.1:{free_port()}")


def test_chromas_own_embedding_function_is_never_set(fresh):
    # Chroma's default would download a model at first use: the collection must have none
    collection = fresh.store.vectors._collection
    assert collection._embedding_function is None
    assert collection.configuration_json.get("embedding_function") is None
