"""Fixtures the scripted-model tests share: the OpenAI-compatible stand-in, a store of the sample
articles, and a factory of assistants answering through the stand-in. Import them into a test module."""

from __future__ import annotations

import pytest

from tests.conftest import make_assistant
from tests.openai_standin import StandIn


@pytest.fixture(scope="module")
def server():
    with StandIn() as s:
        yield s


@pytest.fixture(scope="module")
def home(tmp_path_factory, embeddings):
    h = tmp_path_factory.mktemp("llm")
    make_assistant(h, embeddings).ensure_seeded()
    return h


@pytest.fixture
def llm(server, home, embeddings):
    """``llm(**settings)``: an assistant on the sample articles whose model is the stand-in."""
    server.reset()

    def make(**overrides):
        settings = {"llm": "openai", "llm_base_url": server.url, "llm_model": "standin-7b", "llm_retries": 0,
                    "llm_timeout_s": 10.0} | overrides
        return make_assistant(home, embeddings, **settings)

    return make
