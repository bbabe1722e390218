"""Answers on the bundled sample articles: right quotes, verbatim, or an honest no_answer."""

import pytest

from assistant.errors import InputError
from tests.conftest import assert_contract


def test_why_turkiye_bought_the_s400_quotes_the_reason(demo):
    ans = demo.ask("why did Türkiye buy the S-400?")
    assert_contract(ans, demo.store.get_text)
    assert ans.status == "answered"
    first = ans.citations[0].quote
    assert "failed to meet its defence requirements" in first
    assert "technology transfer" in first  # the next sentence, which gives the key reason, is kept with it
    assert ans.answer.startswith("Caliber.az")


@pytest.mark.parametrize(
    "question",
    [
        "How much does one SAMP/T battery cost?",
        "When will F-35s be delivered to Türkiye?",
        "What is the price of the S-400?",
        "Who won the 2023 Champions League final?",
    ],
)
def test_questions_the_articles_do_not_answer_get_no_answer(demo, question):
    ans = demo.ask(question)
    assert_contract(ans, demo.store.get_text)
    assert ans.status == "no_answer"
    assert ans.citations == [] and "do not" in ans.answer


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("why did Turkey buy the S400?", "failed to meet its defence requirements"),
        ("when did turkey acquire the s400", "2017 acquisition"),
        ("What did Erdogan ask Macron?", "drop"),
        ("what does Washington fear about the S-400 deployment", "gather intelligence"),
        ("Has Türkiye activated the S-400?", "activated"),
    ],
)
def test_paraphrases_and_spelling_variants_find_the_fact(demo, question, fact):
    ans = demo.ask(question)
    assert_contract(ans, demo.store.get_text)
    assert ans.status == "answered"
    assert any(fact in c.quote for c in ans.citations)


def test_a_fact_both_articles_carry_lists_the_other_in_also_in(demo):
    ans = demo.ask("What did Macron say Turkey must clarify before it could get the SAMP/T?")
    assert_contract(ans, demo.store.get_text)
    syria = [c for c in ans.citations if "Syria" in c.quote]
    assert syria, ans.answer
    cited = {syria[0].source} | {o.source for o in syria[0].also_in} | {c.source for c in ans.citations}
    assert {"Bloomberg", "Caliber.az"} <= cited


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
