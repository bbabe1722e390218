"""Choose the answerer by name (``Settings.llm``): ``make_answerer("extractive" | "openai", store, settings)``."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer.base import Answerer
from assistant.answer.extractive.answerer import ExtractiveAnswerer
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.index import Store


def _extractive(store: Store, settings: Settings) -> Answerer:
    return ExtractiveAnswerer(store)


def _openai(store: Store, settings: Settings) -> Answerer:
    try:
        from assistant.answer.llm import LLMAnswerer
    except ImportError as exc:  # the extra is not installed
        raise ConfigError("CITEWISE_LLM=openai needs the openai extra: "
                          f"pip install 'citewise[openai]' ({exc})") from exc
    # whatever goes wrong with the model, the extractive answer stands in
    return LLMAnswerer(settings, fallback=ExtractiveAnswerer(store), embeddings=store.embeddings)


ANSWERERS: dict[str, Callable[[Store, Settings], Answerer]] = {"extractive": _extractive, "openai": _openai}


def make_answerer(name: str, store: Store, settings: Settings) -> Answerer:
    """The answerer called ``name``; ValueError lists the valid names."""
    try:
        factory = ANSWERERS[name]
    except KeyError:
        raise ValueError(f"unknown answerer {name!r}; choose one of: {', '.join(ANSWERERS)}") from None
    return factory(store, settings)
