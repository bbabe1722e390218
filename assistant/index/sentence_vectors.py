"""Sentence vectors: every sentence of an article embedded at ingest, so an answer can weigh each
candidate sentence by its meaning (a similarity to the question) at the cost of a lookup.

The embedding model reads short texts best, so the sentences are what is embedded; a chunk's vector,
which dense retrieval ranks, is the mean of its sentences' vectors, and ingest embeds each word
piece once. Vectors are stored as float16 (768 bytes for MiniLM's 384 numbers), unit length, so a
dot product is the cosine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.index.types import SentenceRow
from assistant.models import Chunk
from assistant.text.sentences import sentence_spans
from assistant.text.terms import pack_analysis

DTYPE = np.dtype("<f2")


def unit(m: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(norms == 0, 1.0, norms)


def pack(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=DTYPE).tobytes()


def unpack(rows: Sequence[SentenceRow]) -> np.ndarray:
    """The rows' vectors as one float32 matrix (row i is rows[i]'s vector)."""
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(v for _, _, v in rows), dtype=DTYPE).reshape(len(rows), -1).astype(np.float32)


def embed_array(embeddings: Embeddings, texts: list[str]) -> np.ndarray:
    """Unit vectors of ``texts``: through the model's own batched path when it has one."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    fast = getattr(embeddings, "embed_array", None)
    m = fast(texts) if fast is not None else np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
    return unit(np.asarray(m, dtype=np.float32))


def analyse_sentences(text: str, rows: Sequence[SentenceRow]) -> list[str]:
    """Each row's sentence analysed (``text.terms.pack_analysis``), stored beside its vector so that no
    question analyses it again."""
    return [pack_analysis(text[s:e]) for s, e, _ in rows]


def chunk_sentences(text: str, chunk: Chunk) -> list[tuple[int, int]]:
    """The sentence spans of a chunk; a chunk cut inside an over-long sentence is its own one span."""
    return sentence_spans(text, chunk.start, chunk.end) or [(chunk.start, chunk.end)]


def embed_articles(embeddings: Embeddings, items: Sequence[tuple[str, Sequence[Chunk]]]
                   ) -> tuple[list[list[float]], list[list[SentenceRow]]]:
    """Every chunk's vector, in order, and each article's sentence rows: the sentences of all the
    articles (text, chunks) are embedded in one call, so its batches are fuller and evener in length."""
    spans = [[chunk_sentences(text, c) for c in chunks] for text, chunks in items]
    texts = [text[s:e] for (text, _), groups in zip(items, spans, strict=True) for g in groups for s, e in g]
    vecs = embed_array(embeddings, texts)
    out: list[list[float]] = []
    rows: list[list[SentenceRow]] = []
    i = 0
    for groups in spans:
        article_rows: list[SentenceRow] = []
        for group in groups:
            article_rows += [(s, e, pack(v)) for (s, e), v in zip(group, vecs[i:i + len(group)], strict=True)]
            out.append(unit(vecs[i:i + len(group)].mean(axis=0)).tolist())
            i += len(group)
        rows.append(article_rows)
    return out, rows
