"""The offline ONNX MiniLM: real vectors from the installed wheel, no hub, no torch."""

import sys

import numpy as np
import pytest

from assistant.embeddings import MAX_TOKENS, make_embeddings


def test_vectors_are_unit_length_and_384_wide(embeddings):
    v = embeddings.embed_array(["Turkey bought the S-400 from Russia.", "short"])
    assert v.shape == (2, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_text(embeddings):
    q = np.array(embeddings.embed_query("Why did Ankara purchase Russian air defences?"))
    near, far = embeddings.embed_array([
        "Türkiye argues the S-400 purchase was a necessity after its allies failed to meet its requirements.",
        "Amazon's Cyber Monday sale has deals on headphones and laptops.",
    ])
    assert q @ near > q @ far + 0.2


def test_batch_and_single_embeddings_agree(embeddings):
    texts = ["one short line", "a much longer sentence about missile defence systems in Europe " * 3]
    batch = embeddings.embed_array(texts)
    single = np.array([embeddings.embed_query(t) for t in texts])
    assert np.allclose(batch, single, atol=1e-4)  # padding to the batch's longest must not change vectors


def test_batches_are_ordered_by_word_pieces_and_answers_keep_the_input_order(embeddings, monkeypatch):
    # the character order differs from the word-piece order: digits and rare words cut into many pieces
    texts = ["ok", "1234567890 9876543210 5647382910", "a sentence of ordinary words here", "x" * 3]
    assert sorted(texts, key=len) != sorted(texts, key=lambda t: embeddings.count_tokens([t])[0])
    monkeypatch.setattr(embeddings, "batch_size", 2)
    batch = embeddings.embed_array(texts)
    single = np.array([embeddings.embed_query(t) for t in texts])
    assert np.allclose(batch, single, atol=1e-4)


def test_a_repeated_text_is_embedded_once_and_returned_at_each_place(embeddings, monkeypatch):
    texts = ["Advertisement", "The plant opens in May.", "Advertisement", "", "Advertisement"]
    seen: list[int] = []
    run = embeddings._run
    monkeypatch.setattr(embeddings, "_run",
                        lambda pieces, shrink=False: seen.append(len(pieces)) or run(pieces, shrink))
    v = embeddings.embed_array(texts)
    assert sum(seen) == 3  # three distinct texts, the empty one included
    assert v.shape == (5, 384)
    assert np.array_equal(v[0], v[2]) and np.array_equal(v[0], v[4])
    assert np.allclose(v[1], embeddings.embed_query(texts[1]), atol=1e-4)


def test_no_texts_give_no_vectors(embeddings):
    assert embeddings.embed_array([]).shape == (0, 384)


def test_long_text_is_truncated_at_256_word_pieces(embeddings):
    long = "defence " * 1000
    assert embeddings.count_tokens([long])[0] > MAX_TOKENS
    enc = embeddings.tokenizer.encode(long)
    assert len(enc.ids) == MAX_TOKENS


def test_default_embedder_needs_no_torch(embeddings):
    assert "torch" not in sys.modules


def test_unknown_embeddings_name_lists_the_choices():
    with pytest.raises(ValueError, match="minilm"):
        make_embeddings("word2vec")
