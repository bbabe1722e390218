"""The metadata route: a question about an article (who wrote it, which outlet, when, its headline) is
answered from the article's fields, whichever answerer is configured: the extractive one, or the LLM one
(through the scripted OpenAI stand-in), which then asks the model nothing."""

from __future__ import annotations

import pytest

from assistant.answer.metadata import answer_metadata
from assistant.models import Passage
from assistant.retrieval.analysis import analyse
from tests.conftest import assert_contract
from tests.llm_fixtures import home, llm, server  # noqa: F401 - fixtures
from tests.openai_standin import Reply, claims, completion, source_numbers

ASKED = [
    ("Who wrote the Caliber.az article?", "“Turkish leader set to push French counterpart on European missile system "
     "partnership” (Caliber.az) was written by Naila Huseynova [1]"),
    ("Which outlet published the 2020 article?", "“Turkey 'pushes' Macron to allow purchase of air missile systems” "
     "was published by Bloomberg [1]"),
    ("When was the Bloomberg article published?", "“Turkey 'pushes' Macron to allow purchase of air missile systems” "
     "(Bloomberg) was published on 25 September 2020 [1]"),
]


@pytest.mark.parametrize(("question", "expected"), ASKED)
def test_the_extractive_answerer_gets_the_metadata_answer(demo, question, expected):
    ans = demo.ask(question)
    assert_contract(ans, demo.store.get_text)
    assert ans.answer == expected and ans.backend == "extractive"
    opening = ans.citations[0]
    assert opening.start == 0 or demo.store.get_text(opening.article_id)[:opening.start].strip() == ""


@pytest.mark.parametrize(("question", "expected"), ASKED)
def test_the_llm_answerer_gets_it_too_without_asking_the_model(server, llm, question, expected):
    a = llm()
    ans = a.ask(question)
    assert_contract(ans, a.store.get_text)
    assert ans.answer == expected and ans.fallback_reason is None
    events = list(a.stream(question))
    assert events[-1][1].answer == expected
    assert "".join(p for k, p in events if k == "delta") == expected
    assert server.requests == []  # neither ask nor stream reached the model


def test_a_story_question_still_goes_to_the_model(server, llm):
    a = llm()
    quote = "Macron responded by saying that Turkey must clarify its objectives in Syria"

    def answer(request):
        return Reply(body=completion(claims((source_numbers(request)["Bloomberg"], quote, "Syria first."))))

    server.script(answer)
    ans = a.ask("What did Macron say Turkey must clarify?")
    assert ans.backend == "llm" and len(server.requests) == 1


def _passage(aid: str, **meta) -> Passage:
    return Passage(article_id=aid, chunk_id=f"{aid}@0", start=0, end=10, text="x", score=1.0, **meta)


def test_the_route_reads_every_passage_found_before_the_evidence_filter():
    """The fields of an article a correction supersedes are still its fields: the route comes before
    the filter, and answers from the first retrieved article that fits the outlet and year named."""
    texts = {"old": "The plant opens in March.", "fix": "Correction: An earlier version of this article erred."}
    passages = [_passage("old", source="Ledger", author="Petra Anselm", title="Plant opens", published="2024-02-05"),
                _passage("fix", source="Ledger", author="Ann Lee", title="Plant opens", published="2024-02-07")]
    analysis = analyse("Who wrote the Ledger article?", sources=["Ledger"])
    ans = answer_metadata(analysis, passages, texts.__getitem__)
    assert ans is not None and "was written by Petra Anselm [1]" in ans.answer
    assert ans.citations[0].quote == "The plant opens in March."
    assert answer_metadata(analyse("Who wrote the 2023 article?", sources=["Ledger"]), passages,
                           texts.__getitem__) is None  # none fits: the answerer answers as for any question
    assert answer_metadata(analyse("What did the plant open?", sources=["Ledger"]), passages,
                           texts.__getitem__) is None  # a question about the story
