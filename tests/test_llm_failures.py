"""When the model fails: malformed or truncated output, a timeout, 500, 429, a refused connection,
a context overflow. Each ends in a retry where one helps, then the extractive answer with its reason;
never an error, never an unverified quote. Through a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import time

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
)

QUESTION = "why did Türkiye buy the S-400?"
CALIBER_REASON = ("Türkiye argues the S-400 purchase was a necessity after its allies failed to meet its defence "
                  "requirements on acceptable terms.")
BLOOMBERG_REASON = "The US has rejected Turkey’s demand for technology transfer as a part of any Patriot purchase."
ALLIES = "Its allies failed to meet its defence requirements."


def good_reply(request):
    n = source_numbers(request)
    items = [(n["Caliber.az"], CALIBER_REASON, "Its allies failed to meet Türkiye's defence requirements.")]
    if "Bloomberg" in n:  # a shortened prompt may hold one article only
        items.append((n["Bloomberg"], BLOOMBERG_REASON, "The US kept its technology."))
    return Reply(body=completion(claims(*items)))


def assert_fell_back(ans, a, reason_part):
    assert_contract(ans, a.store.get_text)
    assert ans.backend == "extractive", ans.to_dict()
    assert reason_part in ans.fallback_reason
    assert ans.status == "answered"  # the extractive answerer still answers the sample question
    assert "failed to meet its defence requirements" in ans.citations[0].quote


def test_malformed_json_is_asked_again_once(server, llm):
    a = llm()
    server.script(Reply(body=completion('{"claims": [{"source": 1, "quote": oops')), good_reply)
    ans = a.ask(QUESTION)
    assert_contract(ans, a.store.get_text)
    assert ans.backend == "llm" and len(ans.citations) == 2
    assert len(server.requests) == 2


def test_malformed_output_twice_falls_back(server, llm, caplog):
    a = llm()
    server.script(Reply(body=completion("I think Turkey bought it because it wanted to.")),
                  Reply(body=completion("{not json at all")))
    with caplog.at_level(logging.WARNING, logger="citewise.llm"):
        ans = a.ask(QUESTION)
    assert_fell_back(ans, a, "malformed")
    assert len(server.requests) == 2
    assert any("extractive" in r.getMessage() for r in caplog.records)  # a log line says so


def test_output_cut_at_the_token_limit_keeps_the_complete_claims(server, llm):
    a = llm()

    def truncated(request):
        n = source_numbers(request)
        full = claims((n["Caliber.az"], CALIBER_REASON, "Its allies failed to meet Türkiye's defence requirements."),
                      (n["Bloomberg"], BLOOMBERG_REASON, "The US kept its technology."))
        return Reply(body=completion(full[: full.index(BLOOMBERG_REASON) + 20], finish="length"))

    server.script(truncated)
    ans = a.ask(QUESTION)
    assert_contract(ans, a.store.get_text)
    assert ans.backend == "llm" and ans.answer == "Its allies failed to meet Türkiye's defence requirements [1]."
    assert ans.verification["proposed"] == 1


def test_output_cut_before_any_claim_falls_back(server, llm):
    a = llm()
    server.script(Reply(body=completion('{"claims": [{"source": 1, "quote": "Türkiye argues', finish="length")))
    ans = a.ask(QUESTION)
    assert_fell_back(ans, a, "cut short")


def test_a_timeout_falls_back_without_waiting_for_the_model(server, llm):
    a = llm(llm_timeout_s=0.5)
    server.script(Reply(body=completion(claims((1, CALIBER_REASON, "x"))), delay=3.0))
    t0 = time.perf_counter()
    ans = a.ask(QUESTION)
    assert time.perf_counter() - t0 < 2.5
    assert_fell_back(ans, a, "did not answer within 0.5 s")


def test_a_500_is_retried_then_falls_back(server, llm):
    a = llm(llm_retries=1, llm_output="json_object")
    server.script(error(500, "boom", **{"retry-after-ms": "1"}), error(500, "boom", **{"retry-after-ms": "1"}))
    ans = a.ask(QUESTION)
    assert_fell_back(ans, a, "answered 500")
    assert len(server.requests) == 2  # the retry


def test_a_500_then_success_answers_with_the_model(server, llm):
    a = llm(llm_retries=1, llm_output="json_object")
    server.script(error(500, "busy", **{"retry-after-ms": "1"}), good_reply)
    ans = a.ask(QUESTION)
    assert ans.backend == "llm" and len(server.requests) == 2


def test_429_is_retried_after_the_servers_delay_then_falls_back(server, llm):
    a = llm(llm_retries=1)
    slow = error(429, "slow down", **{"retry-after-ms": "5"})
    server.script(slow, slow)
    ans = a.ask(QUESTION)
    assert_fell_back(ans, a, "rate limiting (429)")
    assert len(server.requests) == 2


def test_429_then_success_answers_with_the_model(server, llm):
    a = llm(llm_retries=2)
    server.script(error(429, "slow down", **{"retry-after-ms": "5"}), good_reply)
    assert a.ask(QUESTION).backend == "llm"


def test_a_refused_connection_falls_back(llm):
    a = llm(llm_base_url=closed_port_url())
    ans = a.ask(QUESTION)
    assert_fell_back(ans, a, "cannot reach the model server")


def test_a_dropped_connection_falls_back(server, llm):
    a = llm()
    server.script(Reply(drop=True))
    assert_fell_back(a.ask(QUESTION), a, "cannot reach the model server")


def test_a_context_overflow_is_asked_again_with_fewer_sources(server, llm):
    a = llm()
    server.script(error(400, "Requested tokens (9120) exceed context window of 4096"), good_reply)
    ans = a.ask(QUESTION)
    assert ans.backend == "llm"
    first, second = (prompt_of(r) for r in server.requests)
    assert len(second) < len(first)


def test_a_context_overflow_that_persists_falls_back(server, llm):
    a = llm()
    overflow = error(400, "This model's maximum context length is 2048 tokens")
    server.script(overflow, overflow, overflow)
    assert_fell_back(a.ask(QUESTION), a, "maximum context length")
    assert len(server.requests) == 3


def test_auto_mode_moves_on_from_a_format_the_server_refuses_and_remembers(server, llm):
    a = llm()  # auto, a non-OpenAI server: json_object with the schema first
    server.script(error(500, "response_format json_object is not supported"), good_reply, good_reply)
    assert a.ask(QUESTION).backend == "llm"
    assert a.ask(QUESTION).backend == "llm"
    formats = [r.get("response_format", {}).get("type") for r in server.requests]
    assert formats == ["json_object", "json_schema", "json_schema"]


def test_requests_carry_max_tokens_for_llama_cpp_and_the_output_format(server, llm):
    a = llm(llm_output="json_object", llm_max_tokens=321, llm_temperature=0.2)
    server.script(good_reply)
    a.ask(QUESTION)
    req = server.requests[0]
    assert req["max_tokens"] == 321 and req["max_completion_tokens"] == 321
    assert req["model"] == "standin-7b" and req["temperature"] == 0.2
    assert req["response_format"]["type"] == "json_object"
    assert req["response_format"]["schema"]["required"] == ["claims"]
    assert server.headers[0]["authorization"] == "Bearer not-needed"  # a local server without a key


def test_function_calling_mode_reads_the_tool_call(server, llm):
    a = llm(llm_output="function_calling")

    def tool_reply(request):
        n = source_numbers(request)
        return Reply(body=completion(tool_args=claims((n["Caliber.az"], CALIBER_REASON, ALLIES))))

    server.script(tool_reply)
    ans = a.ask(QUESTION)
    assert_contract(ans, a.store.get_text)
    assert ans.backend == "llm" and ans.answer == "Its allies failed to meet its defence requirements [1]."
    req = server.requests[0]
    assert req["tools"][0]["function"]["name"] == "cite_answer"
    assert req["tool_choice"]["function"]["name"] == "cite_answer"


def test_json_schema_mode_sends_the_schema(server, llm):
    a = llm(llm_output="json_schema")
    server.script(good_reply)
    assert a.ask(QUESTION).backend == "llm"
    rf = server.requests[0]["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["schema"]["properties"]["claims"]


def test_text_mode_reads_one_claim_a_line(server, llm):
    a = llm(llm_output="text")

    def text_reply(request):
        n = source_numbers(request)
        return Reply(body=completion(f'Here is the answer:\n[{n["Caliber.az"]}] "{CALIBER_REASON}" {ALLIES}\n'
                                     f'[{n["Bloomberg"]}] “The US invented this.” A made-up claim.\n'))

    server.script(text_reply)
    ans = a.ask(QUESTION)
    assert_contract(ans, a.store.get_text)
    assert ans.answer == "Its allies failed to meet its defence requirements [1]." and ans.verification["dropped"] == 1
    assert "response_format" not in server.requests[0]


def test_an_api_key_is_sent_when_configured(server, llm):
    a = llm(llm_api_key="sk-test-123")
    server.script(good_reply)
    a.ask(QUESTION)
    assert server.headers[0]["authorization"] == "Bearer sk-test-123"


def test_the_json_answer_has_the_llm_fields(server, llm):
    a = llm()
    server.script(good_reply)
    d = json.loads(json.dumps(a.ask(QUESTION).to_dict()))
    assert {"backend", "model", "verification"} <= d.keys() and d["backend"] == "llm"
