"""Chunks: whole sentences, exact offsets, within the model's window."""

from assistant.embeddings import MAX_TOKENS
from ingest.chunk import chunk_article


def test_chunks_are_exact_slices_within_the_token_budget(embeddings):
    text = "\n".join(f"Sentence number {i} talks about the S-400 and the SAMP/T system." for i in range(120))
    chunks = chunk_article("a1", text, embeddings.count_tokens, max_tokens=128)
    assert len(chunks) > 5
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert max(embeddings.count_tokens([c.text for c in chunks])) <= 128
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_chunks_end_on_sentence_boundaries(embeddings):
    text = " ".join(f"This is sentence {i}." for i in range(200))
    for c in chunk_article("a1", text, embeddings.count_tokens, max_tokens=64):
        assert c.text.endswith(".")


def test_a_sentence_longer_than_the_window_is_cut_at_words(embeddings):
    text = "word " * 2000
    chunks = chunk_article("a1", text.strip(), embeddings.count_tokens, max_tokens=200)
    assert len(chunks) >= 8
    assert max(embeddings.count_tokens([c.text for c in chunks])) <= MAX_TOKENS


def test_empty_text_has_no_chunks(embeddings):
    assert chunk_article("a1", "  \n ", embeddings.count_tokens) == []
