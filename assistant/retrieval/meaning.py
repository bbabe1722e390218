"""How close each candidate sentence is in meaning to the question: the cosine of the question's vector
and the sentence's, both from the shipped embedding model.

Sentence vectors are stored at ingest (``index.sentence_vectors``), so this is a lookup and a dot
product; a sentence without a stored vector (a store built before sentence vectors, a passage cut
inside a sentence) is embedded here once and kept.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import numpy as np

from assistant.cache import Memo
from assistant.index import Store
from assistant.index.sentence_vectors import embed_array, unit, unpack

T = TypeVar("T")
Span = tuple[str, int, str]  # a sentence: its article, its start offset, its text

ARTICLE_CACHE = 2048  # articles whose sentence vectors are kept (~30 kB each)
SENTENCE_CACHE = 20_000  # sentences embedded here, for stores without their vectors


class Meaning:
    """Question-to-sentence similarities over one store."""

    _of: weakref.WeakKeyDictionary[Store, Meaning] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, store: Store) -> Meaning:
        """The store's one ``Meaning``: the reranker and the answerer read the same articles' sentence
        vectors, which are then fetched and kept once."""
        held = cls._of.get(store)
        if held is None:
            held = cls._of[store] = cls(store)
        return held

    def __init__(self, store: Store) -> None:
        self.store = store
        self._articles: Memo[tuple[str, str], dict[int, np.ndarray]] = Memo(ARTICLE_CACHE)
        self._embedded: Memo[str, np.ndarray] = Memo(SENTENCE_CACHE)
        self._analyses: Memo[tuple[str, str], dict[int, tuple[int, str]]] = Memo(ARTICLE_CACHE)

    def similarities(self, question: str, sents: Sequence[Span]) -> np.ndarray:
        """The cosine of the question and each sentence ``(article_id, start, text)``, in their order."""
        if not sents:
            return np.zeros(0, dtype=np.float32)
        q = self.question_vector(question)
        return self.vectors(sents, len(q)) @ q

    def question_vector(self, question: str) -> np.ndarray:
        return unit(np.asarray(self.store.query_vector(question), dtype=np.float32))

    def vectors(self, sents: Sequence[Span], dim: int) -> np.ndarray:
        """Each sentence's unit vector (``dim`` numbers, the model's), one row a sentence, in their order."""
        if not sents:
            return np.zeros((0, dim), dtype=np.float32)
        stored = self._stored({aid for aid, _, _ in sents})
        vecs: list[np.ndarray | None] = [stored.get(aid, {}).get(start) for aid, start, _ in sents]
        missing = [i for i, v in enumerate(vecs) if v is None or v.shape != (dim,)]
        if missing:
            fresh = list({sents[i][2] for i in missing if self._embedded.peek(sents[i][2]) is None})
            if fresh:
                for text, v in zip(fresh, embed_array(self.store.embeddings, fresh), strict=True):
                    self._embedded.get(text, lambda v=v: v)
            for i in missing:
                text = sents[i][2]
                vecs[i] = self._embedded.get(text, lambda t=text: embed_array(self.store.embeddings, [t])[0])
        return np.stack(vecs)  # type: ignore[arg-type]

    def warm(self, article_ids: set[str]) -> None:
        """Read these articles' sentence vectors and analyses now (a server reads ahead when it starts)."""
        self._stored(article_ids)
        self.analyses(article_ids)

    def analyses(self, article_ids: set[str]) -> dict[str, dict[int, tuple[int, str]]]:
        """Each article's sentence analyses as ingest stored them, {start: (end, analysis)} (read once per
        version of the article; an article stored without them is absent)."""
        return self._per_article(article_ids, self._analyses, self.store.sentence_analyses)

    def _stored(self, article_ids: set[str]) -> dict[str, dict[int, np.ndarray]]:
        """Each article's sentence vectors by start offset (read once per version of the article)."""

        def read(todo: list[str]) -> dict[str, dict[int, np.ndarray]]:
            out = {}
            for aid, rows in self.store.sentence_vectors(todo).items():
                m = unpack(rows)
                out[aid] = {s: m[i] for i, (s, _, _) in enumerate(rows)}
            return out

        return self._per_article(article_ids, self._articles, read)

    def _per_article(self, article_ids: set[str], memo: Memo[tuple[str, str], T],
                     read: Callable[[list[str]], Mapping[str, T]]) -> dict[str, T]:
        """What ``read`` gives for each article, kept in ``memo`` by (id, content hash): an updated article is
        read anew. An article removed meanwhile, or with nothing stored (yet: ``citewise check`` may add it), is
        absent and not kept."""
        out: dict[str, T] = {}
        keys = {}
        for aid in article_ids:
            try:
                keys[aid] = (aid, self.store.get_meta(aid)["content_hash"] or "")
            except Exception:  # removed meanwhile: its sentences get analysed or embedded on the fly
                continue
            held = memo.peek(keys[aid])
            if held is not None:
                out[aid] = held
        todo = [aid for aid in keys if aid not in out]
        if todo:
            for aid, value in read(todo).items():
                out[aid] = memo.get(keys[aid], lambda value=value: value)
        return out
