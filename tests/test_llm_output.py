"""Reading a model's reply as claims: the shapes models actually write, whole or still streaming."""

from __future__ import annotations

import pytest

from assistant.answer.llm.output import MalformedOutput, modes_to_try, parse
from assistant.answer.llm.quotes import clean_quote


def test_fenced_json_with_string_source_numbers_is_read():
    raw = '```json\n{"claims": [{"source": "[2]", "quote": "a b c", "text": "t"}]}\n```'
    parsed = parse(raw, "json_object")
    assert parsed.complete and [(c.source, c.quote, c.text) for c in parsed.claims] == [(2, "a b c", "t")]


def test_a_bare_list_and_a_single_claim_are_read():
    assert len(parse('[{"source": 1, "quote": "q", "text": "t"}]', "json_schema").claims) == 1
    assert parse('{"source": 1, "quote": "q", "text": "t"}', "json_schema").claims[0].quote == "q"


def test_a_stream_in_progress_marks_what_is_final():
    raw = '{"claims": [{"source": 1, "quote": "first quote", "text": "done"}, {"source": 2, "quote": "still wri'
    claims = parse(raw, "json_object", final=False).claims
    assert claims[0].done and claims[0].quote_done
    assert not claims[1].done and not claims[1].quote_done
    raw2 = raw + 'ting", "text": "half'
    claims = parse(raw2, "json_object", final=False).claims
    assert claims[1].quote_done and not claims[1].done and claims[1].text == "half"


def test_a_cut_reply_keeps_only_its_complete_claims():
    raw = '{"claims": [{"source": 1, "quote": "q1", "text": "t1"}, {"source": 2, "quote": "q2'
    parsed = parse(raw, "json_object", cut=True)
    assert not parsed.complete and [c.done for c in parsed.claims] == [True, False]


@pytest.mark.parametrize("raw", ["", "Sure, here you go.", '{"claims": [{"source": 1, "quote": oops', "{]"])
def test_unreadable_replies_are_malformed(raw):
    with pytest.raises(MalformedOutput):
        parse(raw, "json_object")


def test_text_mode_lines():
    raw = 'Intro line\n[1] "quoted words here" - the claim [1].\n[3] “curly quoted words” another claim\nNo marker\n'
    claims = parse(raw, "text").claims
    assert [(c.source, c.quote, c.text) for c in claims] == [
        (1, "quoted words here", "the claim."), (3, "curly quoted words", "another claim")]
    assert parse("NO ANSWER", "text").claims == []
    with pytest.raises(MalformedOutput):
        parse("I do not know the format.", "text")


def test_text_mode_waits_for_the_end_of_a_line_while_streaming():
    assert parse('[1] "a b c" claim', "text", final=False).claims == []
    assert len(parse('[1] "a b c" claim\n', "text", final=False).claims) == 1


def test_modes_in_auto_depend_on_the_server():
    assert modes_to_try("auto", True)[0] == "json_schema"
    assert modes_to_try("auto", False) == ["json_object", "json_schema", "text"]
    assert modes_to_try("text", False) == ["text"]
    with pytest.raises(ValueError):
        modes_to_try("xml", False)


def test_quote_wrapping_is_removed_but_inner_text_kept():
    assert clean_quote('"…the purchase was a necessity..."') == "the purchase was a necessity"
    assert clean_quote("“Türkiye argues”") == "Türkiye argues"
