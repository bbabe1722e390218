"""The reranking stage: chosen by name; ``meaning`` (the default) reorders the fused candidates by the
fitted passage model and cuts them to k; the identity keeps the hybrid ranking; an unknown name is refused."""

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.learned import LogisticModel
from assistant.models import Passage
from assistant.retrieval import passage_model
from assistant.retrieval.analysis import QueryAnalysis
from assistant.retrieval.rerank import RERANKERS, IdentityReranker, MeaningReranker, make_reranker
from assistant.text.terms import terms
from tests.conftest import make_assistant

QUESTION = "why did Türkiye buy the S-400?"


def test_the_meaning_reranker_is_the_default_and_sees_more_candidates_than_it_keeps(demo):
    assert demo.settings.reranker == "meaning"
    reranker = demo.pipeline.reranker
    assert isinstance(reranker, MeaningReranker)
    assert reranker.depth(8) > 8
    analysis = demo.pipeline.analyse(QUESTION, k=3)
    pool = demo.pipeline.hybrid.search(analysis, reranker.depth(3))
    kept = reranker.rerank(analysis, pool)
    assert len(kept) == 3 and {p.chunk_id for p in kept} <= {p.chunk_id for p in pool}
    assert demo.search(QUESTION, k=3) == kept


def test_the_passage_model_decides_the_order(demo):
    reranker = demo.pipeline.reranker
    analysis = demo.pipeline.analyse(QUESTION, k=4)
    pool = demo.pipeline.hybrid.search(analysis, reranker.depth(4))
    n = len(passage_model.FEATURES)
    # weights that prefer the fused order, then weights that reverse it
    forward = LogisticModel(passage_model.FEATURES, np.eye(n, dtype=np.float32)[0] * 5, 0.0,
                            np.zeros(n, dtype=np.float32), np.ones(n, dtype=np.float32))
    backward = LogisticModel(passage_model.FEATURES, -forward.coef, 0.0, forward.mean, forward.scale)
    try:
        reranker.model = forward
        assert reranker.rerank(analysis, pool) == pool[:4]
        reranker.model = backward
        assert reranker.rerank(analysis, pool) == pool[::-1][:4]
    finally:
        reranker.model = passage_model.load_passage_model()


def test_the_sentence_similarities_are_the_questions_cosines(demo):
    reranker = demo.pipeline.reranker
    analysis = demo.pipeline.analyse(QUESTION, k=2)
    pool = demo.pipeline.hybrid.search(analysis, 2)
    sims = reranker.sentence_sims(analysis, pool)
    assert len(sims) == 2 and all(len(s) >= 1 for s in sims)
    assert all(-1.0 <= float(v) <= 1.0 for s in sims for v in s)


def test_the_identity_reranker_keeps_the_ranking(tmp_path, embeddings):
    a = make_assistant(tmp_path / "h", embeddings, reranker="identity")
    a.ensure_seeded()
    assert isinstance(a.pipeline.reranker, IdentityReranker)
    p = a.pipeline
    analysis = p.analyse(QUESTION)
    found = p.hybrid.search(analysis)
    assert p.reranker.rerank(analysis, found) == found == a.search(QUESTION)


def test_an_unknown_reranker_lists_the_valid_names(tmp_path, embeddings, demo):
    with pytest.raises(ValueError, match="unknown reranker 'cross-encoder'; choose one of: meaning, identity"):
        make_reranker("cross-encoder", demo.store)
    # through the settings it is a configuration error naming the variable (CLI: one line, exit 2)
    with pytest.raises(ConfigError, match="CITEWISE_RERANKER: .*choose one of: " + ", ".join(RERANKERS)):
        make_assistant(tmp_path / "h", embeddings, reranker="nope", seed_demo=False)


def _passage(article_id: str, text: str) -> Passage:
    return Passage(article_id=article_id, chunk_id=f"{article_id}@0", start=0, end=len(text), text=text, score=1.0,
                   title="t", source="Wire", author=None, published=None, url=None)


def test_the_sentence_cover_prefers_the_passage_whose_one_sentence_holds_the_question(demo):
    reranker = demo.pipeline.reranker
    analysis = QueryAnalysis(question="q", terms={t: {t} for t in terms("tidal plant opened")})
    together = _passage("a", "The tidal plant opened in May. Crowds came.")
    apart = _passage("a", "The tidal project grew. A plant opened in May.")
    elsewhere = _passage("b", "Nothing tidal here.")
    passages = [apart, together, elsewhere]
    x = reranker.rows(analysis, passages)
    col = {f: i for i, f in enumerate(passage_model.FEATURES)}
    # both passages hold every term; only one holds them in one sentence
    assert x[0, col["cover"]] == pytest.approx(x[1, col["cover"]]) == pytest.approx(1.0)
    assert x[1, col["sent_cover"]] == pytest.approx(1.0)
    assert x[0, col["sent_cover"]] < 1.0
    assert x[0, col["sent_cover_rel"]] < 0.0 == x[1, col["sent_cover_rel"]]
    # against its own article's best passage, and the other article against itself
    assert x[0, col["sent_cover_art"]] == pytest.approx(x[0, col["sent_cover_rel"]])
    assert x[2, col["sent_cover_art"]] == 0.0 > x[2, col["sent_cover_rel"]]


def test_the_reranker_and_the_answerer_share_one_meaning_per_store(demo, fresh):
    """Both read the sentence vectors of the same articles: one cache of them, fetched once."""
    assert demo.pipeline.reranker.meaning is demo.pipeline.answerer.meaning
    assert fresh.pipeline.reranker.meaning is not demo.pipeline.reranker.meaning  # another store, its own
    analysis = demo.pipeline.analyse(QUESTION)
    evidence = demo.pipeline.evidence.filter(demo.pipeline.retrieve(analysis))
    fetched = []
    store = demo.store
    real = store.sentence_vectors
    try:
        store.sentence_vectors = lambda ids: fetched.append(set(ids)) or real(ids)
        demo.pipeline.answerer.read(analysis, evidence)  # the reranker has read these articles already
    finally:
        del store.sentence_vectors
    assert fetched == []


def test_the_reranker_reads_the_sentences_ingest_analysed_instead_of_analysing_them(tmp_path, embeddings,
                                                                                    monkeypatch):
    from assistant.retrieval import rerank as rerank_module
    from assistant.text import terms as terms_module

    a = make_assistant(tmp_path / "h", embeddings)
    a.ensure_seeded()
    analysis = a.pipeline.analyse(QUESTION, k=4)
    pool = a.pipeline.hybrid.search(analysis, a.pipeline.reranker.depth(4))
    expected = a.pipeline.reranker.rows(analysis, pool)
    # a new reranker over the same store, with nothing kept: every sentence must come from the store
    terms_module._sentences.clear()
    rerank_module._spans.cache_clear()
    fresh = MeaningReranker(a.store)
    fresh._terms.clear()

    def no_analysis(text):
        raise AssertionError(f"analysed a sentence ingest had analysed: {text[:60]!r}")

    monkeypatch.setattr(terms_module, "analyse", no_analysis)
    assert np.allclose(fresh.rows(analysis, pool), expected)
