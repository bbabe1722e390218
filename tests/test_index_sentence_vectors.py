"""Sentence vectors: embedded at ingest, one for every sentence of every article, each unit length; a
chunk's vector is the mean of its sentences'; they are replaced with their article and removed with it."""

import numpy as np

from assistant.index.sentence_vectors import chunk_sentences, embed_articles, unpack
from assistant.models import Article, Chunk
from assistant.text.sentences import sentence_spans
from assistant.text.terms import analyse, unpack_analysis

TEXT = ("The council approved the harbour plan on Monday. Work starts in May.\n"
        "Fishermen opposed the plan. They fear for the quay.")


def chunks_of(text: str, article_id: str = "a1") -> list[Chunk]:
    cut = text.index("\n")
    return [Chunk(f"{article_id}:0", article_id, 0, 0, cut, text[:cut]),
            Chunk(f"{article_id}:1", article_id, 1, cut + 1, len(text), text[cut + 1:])]


def test_each_chunks_vector_is_the_unit_mean_of_its_sentences(embeddings):
    chunks = chunks_of(TEXT)
    vectors, (rows,) = embed_articles(embeddings, [(TEXT, chunks)])
    assert [(s, e) for s, e, _ in rows] == sentence_spans(TEXT)
    m = unpack(rows)
    assert m.shape == (4, 384) and np.allclose(np.linalg.norm(m, axis=1), 1.0, atol=1e-2)
    first = m[:2].mean(axis=0)
    assert np.allclose(np.array(vectors[0]), first / np.linalg.norm(first), atol=1e-3)
    # the stored sentence vector is the model's own vector of that sentence
    assert float(m[2] @ np.array(embeddings.embed_query("Fishermen opposed the plan."))) > 0.99


def test_articles_embedded_together_get_what_each_gets_alone(embeddings):
    other = "Ferries stopped at noon. The port reopened on Friday.\nA storm was forecast."
    together_vectors, together_rows = embed_articles(embeddings, [(TEXT, chunks_of(TEXT)),
                                                                  (other, chunks_of(other, "a2")), (other, [])])
    alone = [embed_articles(embeddings, [(t, chunks_of(t, aid))]) for t, aid in ((TEXT, "a1"), (other, "a2"))]
    assert len(together_vectors) == 4 and together_rows[2] == []
    assert np.allclose(np.array(together_vectors), np.array(alone[0][0] + alone[1][0]), atol=1e-3)
    for rows, (_, (alone_rows,)) in zip(together_rows, alone, strict=False):
        assert [(s, e) for s, e, _ in rows] == [(s, e) for s, e, _ in alone_rows]
        assert np.allclose(unpack(rows), unpack(alone_rows), atol=1e-3)


def test_a_chunk_cut_inside_a_sentence_is_one_span():
    text = "word " * 50
    chunk = Chunk("x:0", "x", 0, 10, 60, text[10:60])
    assert chunk_sentences(text, chunk) == sentence_spans(text, 10, 60) or chunk_sentences(text, chunk) == [(10, 60)]


def test_sentence_vectors_are_stored_replaced_and_removed_with_their_article(fresh):
    store = fresh.store
    store.upsert([(Article(article_id="a1", text=TEXT, title="Harbour", content_hash="h1"), chunks_of(TEXT))])
    rows = store.sentence_vectors(["a1"])["a1"]
    assert [(s, e) for s, e, _ in rows] == sentence_spans(TEXT)
    shorter = TEXT.split("\n")[0] + "\nFishermen agreed."
    store.upsert([(Article(article_id="a1", text=shorter, title="Harbour", content_hash="h2"), chunks_of(shorter))])
    assert [(s, e) for s, e, _ in store.sentence_vectors(["a1"])["a1"]] == sentence_spans(shorter)
    store.remove("a1")
    assert store.sentence_vectors(["a1"]) == {}


def test_ingest_stores_a_vector_for_every_sentence_of_every_article(demo):
    ids = [m["article_id"] for m in demo.store.list_articles()]
    stored = demo.store.sentence_vectors(ids)
    for aid in ids:
        text = demo.store.get_text(aid)
        assert [(s, e) for s, e, _ in stored[aid]] == sentence_spans(text)


def test_ingest_stores_every_sentences_analysis_as_analysing_it_gives(demo):
    ids = [m["article_id"] for m in demo.store.list_articles()]
    stored = demo.store.sentence_analyses(ids)
    for aid in ids:
        text = demo.store.get_text(aid)
        assert {s: e for s, (e, _) in stored[aid].items()} == dict(sentence_spans(text))
        for s, (e, packed) in stored[aid].items():
            assert unpack_analysis(packed) == tuple(map(frozenset, analyse(text[s:e])))
