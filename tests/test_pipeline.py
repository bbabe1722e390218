"""The pipeline: one list of stages for every front end. ``stream``'s last event is ``ask``'s answer,
``search`` runs no answerer, timings and input errors, and the corpus seeded on first use."""

import pytest

from assistant.errors import InputError
from assistant.models import Answer, Citation, Passage
from assistant.retrieval.filters import Filters


def test_answer_reports_backend_and_timings(demo):
    d = demo.ask("what did Macron demand?").to_dict()
    assert d["backend"] == "extractive"
    assert set(d["timings_ms"]) == {"retrieve", "compose", "total"}
    assert d["timings_ms"]["total"] >= d["timings_ms"]["retrieve"]


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 100_000])
def test_unusable_questions_raise_input_error(demo, question):
    with pytest.raises(InputError):
        demo.ask(question)


def test_ask_on_an_empty_store_abstains(fresh):
    ans = fresh.ask("why did Türkiye buy the S-400?")
    assert ans.status == "no_answer" and ans.citations == []


def test_first_use_seeds_the_demo_corpus_once(tmp_path, embeddings):
    from tests.conftest import make_assistant

    a = make_assistant(tmp_path / "h", embeddings)
    a.ensure_seeded()
    assert a.store.count() == 2
    for row in a.store.list_articles():
        a.store.remove(row["article_id"])
    a.ensure_seeded()  # a user who emptied the store keeps it empty
    assert a.store.count() == 0


def _stable(answer: Answer) -> dict:
    d = answer.to_dict()
    d.pop("timings_ms")
    return d


@pytest.mark.parametrize(("question", "history", "filters"), [
    ("why did Türkiye buy the S-400?", [], None),
    ("and what did Macron say about it?", ["why did Türkiye buy the S-400?"], None),
    ("Who wrote the Bloomberg article?", [], None),  # the metadata route
    ("What did Erdogan ask Macron?", [], Filters(source=["Bloomberg"])),
    ("How much does one SAMP/T battery cost?", [], None),  # no_answer
])
def test_the_last_event_of_stream_is_the_answer_of_ask(demo, question, history, filters):
    events = list(demo.stream(question, filters=filters, history=history))
    kinds = [k for k, _ in events]
    assert kinds[0] == "retrieval" and kinds[-1] == "done"
    first_citation = kinds.index("citation") if "citation" in kinds else len(kinds) - 1
    assert set(kinds[1:first_citation]) <= {"delta"} and set(kinds[first_citation:-1]) <= {"citation"}
    done = events[-1][1]
    assert _stable(done) == _stable(demo.ask(question, filters=filters, history=history))
    assert "".join(p for k, p in events if k == "delta") == done.answer
    assert [p for k, p in events if k == "citation"] == done.citations
    assert all(isinstance(c, Citation) for c in done.citations)
    passages = events[0][1]
    assert all(isinstance(p, Passage) for p in passages)
    if not history:
        assert passages == demo.search(question, filters=filters)


def test_search_runs_no_answerer_and_no_evidence_filter(demo, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("search reached an answering stage")

    p = demo.pipeline
    for obj, name in ((p.answerer, "compose"), (p.answerer, "stream"), (p.answerer, "rewrite"),
                      (p.evidence, "filter")):
        monkeypatch.setattr(obj, name, refuse)
    results = demo.search("why did Türkiye buy the S-400?", k=5)
    assert 0 < len(results) <= 5
    with pytest.raises(AssertionError, match="answering stage"):
        demo.ask("why did Türkiye buy the S-400?")


@pytest.mark.parametrize("k", [0, 101])
def test_k_out_of_range_is_an_input_error(demo, k):
    with pytest.raises(InputError, match="k must be between"):
        demo.search("Macron", k=k)
    with pytest.raises(InputError, match="k must be between"):
        demo.ask("Macron", k=k)


def _embed_threads() -> int:
    import threading

    return sum(t.name.startswith("citewise-query-embed") for t in threading.enumerate())


def test_the_question_embedding_threads_start_on_first_use_and_end_on_close(tmp_path, embeddings):
    from tests.conftest import make_assistant

    with make_assistant(tmp_path / "h", embeddings) as a:
        before = _embed_threads()
        assert a.pipeline.hybrid._pool is None  # nothing started by building (or importing) the pipeline
        a.ensure_seeded()
        a.clear_cache()
        assert a.search("Macron")
        assert a.pipeline.hybrid._pool is not None and _embed_threads() > before
        a.close()
        assert a.pipeline.hybrid._pool is None and _embed_threads() == before
        assert a.search("Erdogan")  # a closed assistant starts its threads anew when asked again
    assert _embed_threads() == before  # leaving the with block closed it
