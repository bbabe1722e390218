"""Large ingests: vector writes within the store's batch limit, articles over the size limit skipped, a
multi-MB article embedded and written in bounded batches, and a failure half-way through one leaving only
what `citewise check` repairs."""

from __future__ import annotations

import errno
import hashlib

import pytest
from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.errors import StoreUnavailableError
from assistant.index import Store, open_store
from assistant.index.check import check
from assistant.models import Article, Chunk
from ingest.pipeline import WRITE_BATCH_CHUNKS, ingest
from tests.conftest import make_assistant

SHORT = """Title: Pier approved
Source: Example Wire

The harbour authority approved the new pier on Monday. Construction starts in May.
"""


class CountingEmbeddings(Embeddings):
    """Cheap 8-dimensional vectors from a hash of the text; records how many texts each call embeds."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.in_flight = 0  # embedded, not yet handed to the vector store
        self.most_in_flight = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        self.in_flight += len(texts)
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [0.01 + b / 255 for b in hashlib.sha256(text.encode()).digest()[:8]]


def words(texts) -> list[int]:
    return [len(t.split()) + 2 for t in texts]


def long_text(chars: int) -> str:
    out, n, i = ["Title: A very long report\nSource: Test Wire\n\n"], 0, 0
    while n < chars:
        para = (f"Paragraph {i} tells of harbour {i} and quay {i * 7} in town {i % 97}, officials said. "
                f"The cranes of pier {i * 3} were repaired on day {i}.\n\n")
        out.append(para)
        n += len(para)
        i += 1
    return "".join(out)


def spy_on_vector_writes(store: Store, emb: CountingEmbeddings | None = None, fail_on: int | None = None):
    sizes: list[int] = []
    upsert = store.vectors.collection.upsert

    def add(ids, embeddings=None, metadatas=None, documents=None, **kw):
        sizes.append(len(ids))
        if fail_on is not None and len(sizes) == fail_on:
            raise OSError(errno.ENOSPC, "No space left on device")
        if emb is not None:
            emb.in_flight -= len(ids)
        return upsert(ids=ids, embeddings=embeddings, metadatas=metadatas, documents=documents, **kw)

    store.vectors.collection.upsert = add
    return sizes


def test_upserting_more_chunks_than_the_vector_batch_limit_writes_them_all_in_batches(tmp_path, embeddings):
    store = open_store(Settings(home=tmp_path), embeddings, max_vector_batch=7)
    assert store.vectors.batch_size() == 7 <= store.vectors.client.get_max_batch_size()
    text = " ".join(f"Sentence {i} is about the harbour." for i in range(40))
    spans = [(i * 33, i * 33 + 32) for i in range(40)]
    chunks = [Chunk(f"a1:{i}", "a1", i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]
    sizes = spy_on_vector_writes(store)
    store.upsert([(Article(article_id="a1", text=text, title="Harbour", content_hash="h"), chunks)])
    assert sizes == [7, 7, 7, 7, 7, 5]
    assert store.vectors.count() == 40
    report = check(store, fix=False)
    assert report.consistent and report.chunks == report.vectors == 40


def test_a_batch_chroma_refuses_is_not_reported_as_a_full_disk(tmp_path, embeddings):
    vectors = open_store(Settings(home=tmp_path), embeddings).vectors
    n = vectors.client.get_max_batch_size() + 1
    with pytest.raises(Exception, match="max batch size") as caught:
        vectors._guard(lambda: vectors.collection.upsert(ids=[f"x:{i}" for i in range(n)],
                                                         embeddings=[[0.1] * 384] * n), writing=True)
    assert not isinstance(caught.value, StoreUnavailableError)


def test_an_article_over_the_size_limit_is_skipped_with_the_reason_and_the_others_are_added(tmp_path, embeddings):
    a = make_assistant(tmp_path / "home", embeddings, seed_demo=False, max_article_chars=5000)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.txt").write_text(long_text(6000), encoding="utf-8")
    (folder / "short.txt").write_text(SHORT, encoding="utf-8")
    report = a.ingest([str(folder)])
    assert len(report.added) == 1 and a.store.get_meta(report.added[0])["title"] == "Pier approved"
    [(origin, reason)] = report.skipped
    assert origin.endswith("long.txt")
    assert "too long" in reason and "over the limit of 5,000" in reason and "CITEWISE_MAX_ARTICLE_CHARS" in reason
    assert a.store.count() == 1


def test_a_multi_mb_article_is_embedded_and_written_in_bounded_batches(tmp_path):
    emb = CountingEmbeddings()
    store = open_store(Settings(home=tmp_path / "home", embeddings="counting"), emb, max_vector_batch=50)
    path = tmp_path / "long.txt"
    path.write_text(long_text(2_000_000), encoding="utf-8")
    sizes = spy_on_vector_writes(store, emb)
    report = ingest([str(path)], store, count_tokens=words)
    assert len(report.added) == 1 and report.chunks > 10 * WRITE_BATCH_CHUNKS
    # sentences are what is embedded: each once, a step's chunks' worth a call
    sentences = store.sentence_vectors([report.added[0]])[report.added[0]]
    per_chunk = -(-len(sentences) // report.chunks)
    assert sum(emb.calls) == len(sentences) and len(emb.calls) >= report.chunks // WRITE_BATCH_CHUNKS
    assert max(emb.calls) <= 2 * per_chunk * WRITE_BATCH_CHUNKS
    assert max(sizes) == 50 and sum(sizes) == report.chunks
    text = store.get_text(report.added[0])
    assert len(text) > 1_900_000
    after = check(store, fix=False)
    assert after.consistent and after.chunks == after.vectors == after.fts_rows == report.chunks


def test_a_failure_half_way_through_a_long_article_leaves_no_rows_of_it_and_check_repairs(tmp_path):
    emb = CountingEmbeddings()
    store = open_store(Settings(home=tmp_path / "home", embeddings="counting"), emb)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-short.txt").write_text(SHORT, encoding="utf-8")
    (folder / "b-long.txt").write_text(long_text(200_000), encoding="utf-8")
    spy_on_vector_writes(store, fail_on=4)
    with pytest.raises(StoreUnavailableError, match="disk full"):
        ingest([str(folder)], store, count_tokens=words, max_tokens=64)
    del store.vectors.collection.upsert  # room again
    titles = [m["title"] for m in store.list_articles()]
    assert "A very long report" not in titles  # its rows wait for all its vectors
    state = check(store, fix=False)
    assert state.orphan_vectors and not state.missing_vectors  # vectors of the long one only
    assert check(store).consistent
    again = ingest([str(folder)], store, count_tokens=words, max_tokens=64)
    assert len(again.added) == 1 and store.count() == 2
    assert check(store, fix=False).consistent
