"""The public LangChain surface: ``CitewiseRetriever`` in an LCEL chain (its Documents slice their articles
exactly) and ``CitewiseRunnable``, whose invoke, stream and batch give the answers of the CLI."""

from __future__ import annotations

import json

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.cli import main
from assistant.errors import InputError
from assistant.langchain import DOCUMENT_FIELDS, CitewiseRetriever, CitewiseRunnable
from assistant.models import Answer
from assistant.retrieval.filters import Filters

S400 = "why did Türkiye buy the S-400?"
FOLLOW_UP = "and what did Macron say about it?"


def _stable(answer: Answer | dict) -> dict:
    d = answer.to_dict() if isinstance(answer, Answer) else dict(answer)
    d.pop("timings_ms")
    return d


def test_the_retriever_gives_documents_that_slice_their_articles(demo):
    retriever = CitewiseRetriever(assistant=demo, k=5)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("SAMP/T")
    assert 0 < len(docs) <= 5 and all(isinstance(d, Document) for d in docs)
    for d in docs:
        assert tuple(d.metadata) == DOCUMENT_FIELDS
        assert demo.store.get_text(d.metadata["article_id"])[d.metadata["start"]:d.metadata["end"]] == d.page_content
    assert [(d.metadata["article_id"], d.metadata["start"]) for d in docs] == [
        (p.article_id, p.start) for p in demo.search("SAMP/T", k=5)]


def test_the_retriever_composes_in_an_lcel_chain_and_keeps_its_filters(demo):
    def cite(docs: list[Document]) -> str:
        return "\n".join(f"[{d.metadata['source']}, {d.metadata['published'][:10]}] {d.page_content}" for d in docs)

    chain = CitewiseRetriever(assistant=demo, k=3, filters=Filters(source=["Bloomberg"])) | RunnableLambda(cite)
    text = chain.invoke("missile systems")
    lines = text.splitlines()
    assert lines and all(line.startswith("[Bloomberg, 2020-09-25] ") for line in lines if line.startswith("["))
    first = demo.search("missile systems", k=3, filters=Filters(source=["Bloomberg"]))[0]
    assert f"[Bloomberg, 2020-09-25] {first.text}" in text


def test_invoke_gives_the_cli_answer(demo, capsys, monkeypatch):
    monkeypatch.setenv("CITEWISE_HOME", str(demo.settings.home))
    assert main(["ask", S400, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    runnable = CitewiseRunnable(demo)
    assert isinstance(runnable, Runnable)
    answer = runnable.invoke(S400)
    assert isinstance(answer, Answer) and _stable(answer) == _stable(cli)


def test_invoke_takes_a_conversation_and_options(demo):
    runnable = CitewiseRunnable(demo)
    got = runnable.invoke({"question": FOLLOW_UP, "history": [S400]})
    assert _stable(got) == _stable(demo.ask(FOLLOW_UP, history=[S400]))
    assert _stable(got) != _stable(runnable.invoke(FOLLOW_UP))  # the conversation changed what was understood
    filtered = runnable.invoke({"question": "What did Erdogan ask Macron?", "filters": {"source": ["Bloomberg"]},
                                "k": 4})
    assert filtered.citations and {c.source for c in filtered.citations} == {"Bloomberg"}
    with pytest.raises(InputError, match="unknown input keys: stream"):
        runnable.invoke({"question": S400, "stream": True})


def test_stream_yields_the_pipeline_events_and_batch_is_many_invokes(demo):
    runnable = CitewiseRunnable(demo)
    events = list(runnable.stream(S400))
    assert [events[0][0], events[-1][0]] == ["retrieval", "done"]
    assert _stable(events[-1][1]) == _stable(runnable.invoke(S400))
    questions = [S400, {"question": FOLLOW_UP, "history": [S400]}, "How much does one SAMP/T battery cost?"]
    assert [_stable(a) for a in runnable.batch(questions)] == [_stable(runnable.invoke(q)) for q in questions]


def test_the_runnable_composes_in_an_lcel_chain(demo):
    chain = CitewiseRunnable(demo) | RunnableLambda(lambda a: [c.quote for c in a.citations])
    quotes = chain.invoke(S400)
    assert quotes == [c.quote for c in demo.ask(S400).citations]
    assert any("failed to meet its defence requirements" in q for q in quotes)
