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
