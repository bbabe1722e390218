"""Answerers by name: the registry's names, the error that lists them, the missing openai extra, and the
``Answerer`` interface every answerer declares (stream and rewrite have defaults; the LLM one overrides them)."""

from __future__ import annotations

import sys

import pytest

from assistant.answer.base import Answerer, as_stream
from assistant.answer.extractive.answerer import ExtractiveAnswerer
from assistant.answer.registry import ANSWERERS, make_answerer
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.models import Answer


def test_the_registry_names_both_answerers(demo):
    assert list(ANSWERERS) == ["extractive", "openai"]
    assert isinstance(make_answerer("extractive", demo.store, demo.settings), ExtractiveAnswerer)
    assert isinstance(demo.answerer, ExtractiveAnswerer)  # the default setting


def test_an_unknown_name_lists_the_choices(demo):
    with pytest.raises(ValueError, match=r"unknown answerer 'gpt'; choose one of: extractive, openai"):
        make_answerer("gpt", demo.store, demo.settings)


def test_openai_without_its_extra_is_a_config_error(demo, monkeypatch):
    monkeypatch.setitem(sys.modules, "assistant.answer.llm", None)  # as if openai were not installed
    with pytest.raises(ConfigError, match=r"pip install 'citewise\[openai\]'"):
        make_answerer("openai", demo.store, Settings(home=demo.settings.home, llm="openai"))


def test_openai_builds_the_llm_answerer_with_the_extractive_fallback(demo):
    from assistant.answer.llm import LLMAnswerer

    settings = Settings(home=demo.settings.home, llm="openai", llm_base_url="http://127.0.0.1:9/v1")
    a = make_answerer("openai", demo.store, settings)
    assert isinstance(a, LLMAnswerer) and isinstance(a.fallback, ExtractiveAnswerer)
    # declared on the class, not found by getattr: the LLM answerer streams and rewrites its own way
    assert type(a).stream is not Answerer.stream and type(a).rewrite is not Answerer.rewrite


class _Fixed(Answerer):
    def compose(self, analysis, evidence) -> Answer:
        return Answer(question="q", status="answered", answer="line one [1]\nline two [2]")


def test_the_defaults_stream_the_composed_lines_and_rewrite_nothing():
    pieces = list(_Fixed().stream(None, None))
    assert pieces[:-1] == ["line one [1]\n", "line two [2]"] and isinstance(pieces[-1], Answer)
    assert pieces == list(as_stream(pieces[-1]))
    assert _Fixed().rewrite("and then?", ["what happened?"]) is None
    with pytest.raises(TypeError):
        Answerer()  # compose is abstract
