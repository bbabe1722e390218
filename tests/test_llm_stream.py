"""Streaming and conversations with the LLM answerer: ``Assistant.stream`` events from a scripted
OpenAI-compatible server (server-sent events, cut streams), and follow-ups rewritten before retrieval."""

from __future__ import annotations

from assistant.models import Answer, Citation
from tests.conftest import assert_contract
from tests.llm_fixtures import home, llm, server  # noqa: F401 - fixtures
from tests.openai_standin import (
    Reply,
    claims,
    closed_port_url,
    completion,
    error,
    prompt_of,
    source_numbers,
    stream_chunks,
)

QUESTION = "why did Türkiye buy the S-400?"
CALIBER_REASON = ("Türkiye argues the S-400 purchase was a necessity after its allies failed to meet its defence "
                  "requirements on acceptable terms.")
CALIBER_PATRIOT = ("Officials point to the US refusal to include technology transfer in a proposed Patriot missile "
                   "deal as a key reason for turning to Russia.")
BLOOMBERG_REASON = "The US has rejected Turkey’s demand for technology transfer as a part of any Patriot purchase."
INVENTED = "Erdogan called the S-400 the best bargain in Turkish history."


def three_claims(request):
    n = source_numbers(request)
    return claims((n["Caliber.az"], CALIBER_REASON, "Türkiye says its allies failed to meet its defence requirements."),
                  (n["Bloomberg"], INVENTED, "Erdogan was delighted with the price."),
                  (n["Bloomberg"], BLOOMBERG_REASON, "The US refused a technology transfer in a Patriot deal."))


def streamed(text_of, **kw):
    return lambda request: Reply(chunks=stream_chunks(text_of(request), **kw))


def events(a, question=QUESTION, **kw):
    out = list(a.stream(question, **kw))
    kinds = [k for k, _ in out]
    # retrieval first, then text, then the verified citations, then done
    assert kinds[0] == "retrieval" and kinds[-1] == "done"
    first_citation = kinds.index("citation") if "citation" in kinds else len(kinds) - 1
    assert set(kinds[1:first_citation]) <= {"delta"} and set(kinds[first_citation:-1]) <= {"citation"}
    deltas = [p for k, p in out if k == "delta"]
    cites = [p for k, p in out if k == "citation"]
    return deltas, cites, out[-1][1]


def test_stream_sends_text_as_written_then_citations_then_done_without_the_failed_claim(server, llm):
    a = llm(llm_output="json_object")
    server.script(streamed(three_claims, size=5))
    deltas, cites, done = events(a)
    assert isinstance(done, Answer) and done.backend == "llm" and done.model == "standin-7b"
    assert_contract(done, a.store.get_text)
    assert done.answer == ("Türkiye says its allies failed to meet its defence requirements [1]. "
                           "The US refused a technology transfer in a Patriot deal [2].")
    assert "".join(deltas) == done.answer  # the preview is the answer: markers are final numbers
    # claim by claim, each once it is complete and its quote supports it
    assert deltas[0] == "Türkiye says its allies failed to meet its defence requirements [1]." and len(deltas) > 1
    assert "delighted" not in "".join(deltas)  # a claim whose quote failed is never shown
    assert all(isinstance(c, Citation) for c in cites) and [c.n for c in cites] == [1, 2]
    assert done.verification == {"proposed": 3, "kept": 2, "repaired": 0,
                                 "reattributed": 0, "dropped": 1, "supported": 2, "unsupported": 0}
    assert server.requests[0]["stream"] is True


def test_a_stream_cut_mid_way_keeps_the_claims_verified_before_the_cut(server, llm):
    a = llm(llm_output="json_object")

    def cut_in_second_quote(request):
        text = three_claims(request)
        chunks = stream_chunks(text, size=5)
        return Reply(chunks=chunks, cut=1 + (text.index(INVENTED) + 10) // 5)

    server.script(cut_in_second_quote)
    deltas, cites, done = events(a)
    assert_contract(done, a.store.get_text)
    assert done.backend == "llm"
    assert done.answer == "Türkiye says its allies failed to meet its defence requirements [1]."
    assert "".join(deltas) == done.answer and len(cites) == 1


def test_a_stream_cut_inside_a_verified_claims_sentence_shows_its_quote_alone(server, llm):
    # half a sentence cannot be checked against its quote: none of it is shown, the quote stands alone
    a = llm(llm_output="json_object")

    def cut_in_first_text(request):
        text = three_claims(request)
        return Reply(chunks=stream_chunks(text, size=4), cut=1 + (text.index("Türkiye says") + 16) // 4)

    server.script(cut_in_first_text)
    deltas, cites, done = events(a)
    assert_contract(done, a.store.get_text)
    assert done.answer == f"Caliber.az, 25 June 2025: “{CALIBER_REASON}” [1]"
    assert "".join(deltas) == done.answer
    assert done.verification["supported"] == 0 and done.verification["unsupported"] == 1


def test_a_stream_cut_before_any_claim_falls_back_to_the_extractive_answer(server, llm):
    a = llm(llm_output="json_object")
    server.script(lambda request: Reply(chunks=stream_chunks(three_claims(request), size=5), cut=6))
    deltas, cites, done = events(a)
    assert_contract(done, a.store.get_text)
    assert done.backend == "extractive" and "cut short" in done.fallback_reason
    assert "".join(deltas) == done.answer and cites and "failed to meet" in cites[0].quote


def test_a_stream_that_cannot_connect_falls_back(llm):
    a = llm(llm_base_url=closed_port_url())
    deltas, cites, done = events(a)
    assert_contract(done, a.store.get_text)
    assert done.backend == "extractive" and "cannot reach" in done.fallback_reason
    assert "".join(deltas) == done.answer


def test_a_stream_with_a_500_falls_back(server, llm):
    a = llm(llm_output="json_object")
    server.script(error(500, "out of memory"))
    deltas, cites, done = events(a)
    assert done.backend == "extractive" and "500" in done.fallback_reason


def test_streamed_tool_call_arguments_are_read_as_they_come(server, llm):
    a = llm(llm_output="function_calling")
    server.script(streamed(three_claims, size=6, tool=True))
    deltas, cites, done = events(a)
    assert_contract(done, a.store.get_text)
    assert done.backend == "llm" and len(done.citations) == 2 and "".join(deltas) == done.answer


def test_streamed_plain_text_claims_come_line_by_line(server, llm):
    a = llm(llm_output="text")

    def lines(request):
        n = source_numbers(request)
        return (f'[{n["Caliber.az"]}] "{CALIBER_PATRIOT}" The US refused a technology transfer.\n'
                f'[{n["Bloomberg"]}] "{INVENTED}" An invented claim.\n')

    server.script(streamed(lines, size=9))
    deltas, cites, done = events(a)
    assert_contract(done, a.store.get_text)
    assert done.answer == "The US refused a technology transfer [1]." and "".join(deltas) == done.answer


def test_malformed_stream_output_is_asked_again(server, llm):
    a = llm(llm_output="json_object")
    server.script(Reply(chunks=stream_chunks("Sure! Here are the sources again: Turkey ...")),
                  lambda request: Reply(body=completion(three_claims(request))))
    deltas, cites, done = events(a)
    assert done.backend == "llm" and len(done.citations) == 2 and "".join(deltas) == done.answer
    assert [r.get("stream", False) for r in server.requests] == [True, False]


def test_a_follow_up_is_rewritten_into_a_standalone_question_before_retrieval(server, llm):
    a = llm()
    rewritten = "What did Macron say Turkey must clarify before it could get the SAMP/T?"

    def answer(request):
        n = source_numbers(request)
        quote = "Macron responded by saying that Turkey must clarify its objectives in Syria"
        return Reply(body=completion(claims((n["Bloomberg"], quote, "Macron wanted Turkey's Syria aims clear."))))

    server.script(Reply(body=completion(f"Rewritten question: {rewritten}\n")), answer)
    ans = a.ask("and what did Macron want from them?", history=["why did Türkiye buy the S-400?"])
    assert_contract(ans, a.store.get_text)
    rewrite_request, answer_request = server.requests
    assert "why did Türkiye buy the S-400?" in prompt_of(rewrite_request)
    assert "and what did Macron want from them?" in prompt_of(rewrite_request)
    assert f"Question: {rewritten}" in prompt_of(answer_request)
    assert ans.question == rewritten and ans.backend == "llm" and "Syria" in ans.citations[0].quote


def test_a_failed_rewrite_searches_with_the_follow_up_as_asked(server, llm):
    a = llm()
    server.script(error(503, "loading model"), lambda request: Reply(body=completion(three_claims(request))))
    ans = a.ask("and why did Türkiye buy it?", history=["what is the S-400?"])
    assert_contract(ans, a.store.get_text)
    assert ans.question == "and why did Türkiye buy it?" and ans.backend == "llm"


def test_a_follow_up_that_stands_alone_goes_to_retrieval_without_a_rewrite(server, llm):
    # no request to rewrite it: the one request is the answer's, with the earlier question as context
    a = llm()
    server.script(lambda request: Reply(body=completion(three_claims(request))))
    ans = a.ask(QUESTION, history=["What did Erdogan ask Macron?"])
    assert_contract(ans, a.store.get_text)
    assert ans.question == QUESTION and ans.backend == "llm" and len(server.requests) == 1
    prompt = prompt_of(server.requests[0])
    assert f"Question: {QUESTION}" in prompt and "Earlier in the conversation: What did Erdogan ask Macron?" in prompt


def test_a_streamed_follow_up_is_rewritten_too(server, llm):
    a = llm(llm_output="json_object")
    server.script(Reply(body=completion(QUESTION)), streamed(three_claims))
    deltas, cites, done = events(a, "and why did they buy it?", history=["what is the S-400?"])
    assert done.question == QUESTION and done.backend == "llm"
    assert f"Question: {QUESTION}" in prompt_of(server.requests[1])


def test_a_rewrite_that_only_echoes_an_earlier_question_is_not_used(server, llm):
    a = llm()
    server.script(Reply(body=completion("- why did Türkiye buy the S-400?")),
                  lambda request: Reply(body=completion(three_claims(request))))
    ans = a.ask("and who refused the technology transfer?", history=["why did Türkiye buy the S-400?"])
    assert ans.question == "and who refused the technology transfer?"
