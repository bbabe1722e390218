"""Quotes by reference: the model reads numbered sentences and cites their numbers, so a quote is a
lookup; the words it quotes still count for a model that ignores or mistakes the numbers."""

from __future__ import annotations

import json
import re

import pytest

from assistant.cli import main
from tests.conftest import assert_contract
from tests.llm_fixtures import home, llm, server  # noqa: F401 - fixtures
from tests.openai_standin import Reply, completion, prompt_of, source_numbers

QUESTION = "why did Türkiye buy the S-400?"
REASON = ("Türkiye argues the S-400 purchase was a necessity after its allies failed to meet its defence "
          "requirements on acceptable terms.")
CLAIM = "Türkiye says its allies failed to meet its defence requirements."


def numbered(request) -> dict[tuple[int, int], str]:
    """(source, sentence) -> the sentence, as the prompt numbers them."""
    return {(int(m.group(1)), int(m.group(2))): m.group(3)
            for m in re.finditer(r"^\[(\d+)\.(\d+)\] (.+)$", prompt_of(request), re.M)}


def cite(quote_of, text_mode=False):
    """A reply citing the Caliber.az sentence that holds REASON, with the words ``quote_of(sentence)``."""
    def reply(request):
        n = source_numbers(request)["Caliber.az"]
        [(src, i)] = [k for k, s in numbered(request).items() if k[0] == n and REASON in s]
        quote = quote_of(numbered(request)[(src, i)])
        if text_mode:
            return Reply(body=completion(f'[{src}.{i}] "{quote}" {CLAIM}\n'))
        return Reply(body=completion(json.dumps({"claims": [
            {"source": src, "sentence": i, "quote": quote, "text": CLAIM}]}, ensure_ascii=False)))
    return reply


@pytest.mark.parametrize("quote_of, repaired", [
    (lambda s: s, 0),  # the sentence as numbered: exact by construction
    (lambda s: "Türkiye argues the S-400 purchase was a necessity after its allies failed to meet its defence "
                "requirements", 0),  # a part of it
    (lambda s: "Turkiye argued that the S400 purchase was necessary", 1),  # garbled: the sentence it names
    (lambda s: "", 0),  # no words at all: the number is enough
])
def test_a_quote_by_sentence_number_is_read_from_the_article(server, llm, quote_of, repaired):
    a = llm(llm_output="json_object")
    server.script(cite(quote_of))
    ans = a.ask(QUESTION)
    assert_contract(ans, a.store.get_text)
    assert ans.backend == "llm" and ans.verification["kept"] == 1 and ans.verification["repaired"] == repaired
    c = ans.citations[0]
    assert a.store.get_text(c.article_id)[c.start:c.end] == c.quote and c.quote in REASON
    assert ans.answer == CLAIM.replace(".", " [1].") and ans.verification["supported"] == 1


def test_text_mode_reads_the_sentence_number(server, llm):
    a = llm(llm_output="text")
    server.script(cite(lambda s: s, text_mode=True))
    ans = a.ask(QUESTION)
    assert ans.backend == "llm" and ans.citations[0].quote == REASON and ans.answer == CLAIM.replace(".", " [1].")


def test_a_wrong_number_with_words_that_stand_elsewhere_takes_the_words(server, llm):
    a = llm(llm_output="json_object")

    def reply(request):
        n = source_numbers(request)["Caliber.az"]
        first = numbered(request)[(n, 1)]
        assert REASON not in first
        return Reply(body=completion(json.dumps({"claims": [
            {"source": n, "sentence": 1, "quote": REASON, "text": CLAIM}]}, ensure_ascii=False)))

    server.script(reply)
    ans = a.ask(QUESTION)
    assert ans.backend == "llm" and ans.citations[0].quote == REASON


def test_a_number_that_names_no_sentence_and_invented_words_are_dropped(server, llm):
    a = llm(llm_output="json_object")
    server.script(lambda request: Reply(body=completion(json.dumps({"claims": [
        {"source": 1, "sentence": 999, "quote": "Words no article has ever printed here.", "text": "Invented."}]}))))
    ans = a.ask(QUESTION)
    assert ans.backend == "extractive" and ans.verification["dropped"] == 1


def test_quotes_by_text_number_no_sentences(server, llm):
    a = llm(llm_output="json_object", llm_quotes="text")
    server.script(cite(lambda s: s))
    a.ask(QUESTION)
    prompt = prompt_of(server.requests[0])
    assert not re.search(r"^\[\d+\.\d+\] ", prompt, re.M) and "[1] " in prompt
    assert '"sentence"' not in json.dumps(server.requests[0].get("response_format"))


def test_the_numbered_prompt_asks_for_the_sentence_in_the_schema(server, llm):
    a = llm(llm_output="json_object")
    server.script(cite(lambda s: s))
    a.ask(QUESTION)
    schema = server.requests[0]["response_format"]["schema"]
    assert schema["properties"]["claims"]["items"]["required"] == ["source", "sentence", "quote", "text"]


def test_an_unknown_quotes_setting_is_exit_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CITEWISE_LLM_QUOTES", "paragraphs")
    assert main(["--store", str(tmp_path / "h"), "ask", QUESTION]) == 2
    assert "CITEWISE_LLM_QUOTES" in capsys.readouterr().err.upper()
