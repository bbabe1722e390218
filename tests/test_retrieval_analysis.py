"""The question is analysed once, by ``analyse``, and every later stage reads the ``QueryAnalysis``."""

from __future__ import annotations

import sys

import pytest

import assistant.retrieval.analysis as analysis_module
from assistant.errors import InputError
from assistant.retrieval.analysis import analyse
from assistant.retrieval.filters import Filters
from assistant.retrieval.question import mentioned_sources
from assistant.text.terms import expansions

SOURCES = ["Bloomberg", "Caliber.az"]


@pytest.fixture
def calls(monkeypatch):
    """Counts of the question readers' calls, wherever in citewise they are made."""
    counted = {"expansions": 0, "mentioned_sources": 0}

    def counting(name, fn):
        def wrapper(*args, **kwargs):
            counted[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(analysis_module, "expansions", counting("expansions", expansions))
    monkeypatch.setattr(analysis_module, "mentioned_sources", counting("mentioned_sources", mentioned_sources))
    return counted


def test_only_the_analysis_stage_reads_the_question():
    import assistant.pipeline  # noqa: F401 - every stage loaded
    readers = {"expansions": expansions, "mentioned_sources": mentioned_sources}
    for name, mod in list(sys.modules.items()):
        if not name.startswith("assistant.") or name in ("assistant.retrieval.analysis", "assistant.text.terms",
                                                         "assistant.retrieval.question"):
            continue
        for attr, fn in readers.items():
            assert vars(mod).get(attr) is not fn, f"{name} reads the question itself ({attr})"


@pytest.mark.parametrize("question", ["why did Türkiye buy the S-400?", "Who wrote the Bloomberg article?",
                                      "What did Erdogan ask Macron, says Bloomberg?"])
def test_an_ask_without_context_reads_the_question_once(demo, calls, question):
    demo.ask(question)
    assert calls == {"expansions": 1, "mentioned_sources": 1}


def test_a_search_reads_it_once_too(demo, calls):
    demo.search("As reported by Bloomberg, what did Erdogan ask Macron?")
    assert calls == {"expansions": 1, "mentioned_sources": 1}


def test_a_follow_up_reads_its_own_words_its_context_and_the_two_as_one_text(demo, calls):
    demo.ask("and what did Macron say about it?", history=["why did Türkiye buy the S-400?"])
    assert calls == {"expansions": 3, "mentioned_sources": 3}


def test_the_analysis_holds_what_every_stage_needs():
    a = analyse("Who wrote the 2020 Bloomberg article about the S-400?", sources=SOURCES)
    assert (a.kind, a.metadata_field, a.years, a.outlets) == ("who", "author", [2020], ["Bloomberg"])
    assert "s400" in a.terms and "s400" in a.alternatives and a.entities == {"s400"}
    assert a.retrieval_text == a.question and a.context == "" and a.context_terms == {}
    assert a.retrieval_outlets == ["Bloomberg"] and len(a.windows) == 1
    parts = analyse("Did Bloomberg report the deal before Caliber.az covered the summit?", sources=SOURCES).parts
    assert len(parts) == 2 and "deal" in parts[0] and "summit" in parts[1]


def test_a_follow_up_without_a_rewrite_takes_the_last_questions_as_its_context():
    history = ["what is the SAMP/T?", "why did Türkiye buy the S-400?"]
    a = analyse("and what did Bloomberg say?", sources=SOURCES, history=["older question", *history])
    assert a.context == " ".join(history) and a.question == "and what did Bloomberg say?"
    assert a.retrieval_text == f"{a.context} {a.question}"
    assert "s400" in a.context_terms and "s400" not in a.terms and "s400" in a.alternatives
    assert a.outlets == ["Bloomberg"] and a.context_outlets == []
    # a rewrite that gives up (None) is the same as no rewrite
    assert analyse("and what did Bloomberg say?", sources=SOURCES, history=history,
                   rewrite=lambda q, h: None).context == a.context


def test_a_rewritten_follow_up_stands_alone():
    a = analyse("and who sold it?", sources=SOURCES, history=["why did Türkiye buy the S-400?"],
                rewrite=lambda q, h: "who sold the S-400 to Türkiye?")
    assert a.question == a.retrieval_text == "who sold the S-400 to Türkiye?" and a.context == ""


def test_hard_filters_replace_the_questions_own_hints_for_retrieval_only():
    a = analyse("What did Bloomberg report in 2020?", sources=SOURCES,
                filters=Filters(source=["Caliber.az"], published_after="2019-01-01"))
    assert a.outlets == ["Bloomberg"] and a.retrieval_outlets == []  # the answerer still knows the outlet named
    assert a.windows == [] and a.after is not None and a.before is None


@pytest.mark.parametrize(("question", "k", "message"), [
    ("", 8, "empty"), ("x" * 2001, 8, "limit is 2000"), ("fine", 0, "k must be"), ("fine", 101, "k must be")])
def test_bad_input_is_an_input_error(question, k, message):
    with pytest.raises(InputError, match=message):
        analyse(question, sources=SOURCES, k=k)


def test_each_side_of_a_question_keeps_the_outlets_and_days_it_names():
    a = analyse("Between the Bloomberg report on the S-400 published on September 25, 2020, and the Bloomberg "
                "report on the SAMP/T published on June 25, 2025, did the tone change?", sources=SOURCES)
    assert len(a.parts) == 2
    assert a.part_outlets == [["Bloomberg"], ["Bloomberg"]]
    assert a.part_days == [["2020-09-25"], ["2025-06-25"]]
    assert "s400" in a.parts[0] and "s400" not in a.parts[1]
