"""Choose the answerer by name: ``make_composer("extractive" | "openai", ...)``.

Every composer has ``compose(question, passages, context=...) -> Answer``; it may
also have ``stream(...)`` (yields text pieces, then the Answer) and
``rewrite(question, history) -> str`` (a stand-alone question for retrieval).
Whatever it returns passes ``verify.enforce`` in the chain.
"""

from __future__ import annotations

from typing import Any

from assistant.compose import ExtractiveComposer
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.store import Store

COMPOSERS = ("extractive", "openai")


def make_composer(name: str, store: Store, settings: Settings) -> Any:
    """The composer called ``name``; ValueError lists the valid names."""
    if name == "extractive":
        return ExtractiveComposer(store)
    if name == "openai":
        try:
            from assistant.llm import LLMComposer
        except ImportError as exc:  # the extra is not installed
            raise ConfigError("CITEWISE_LLM=openai needs the openai extra: "
                              f"pip install 'citewise[openai]' ({exc})") from exc
        return LLMComposer(settings, store, fallback=ExtractiveComposer(store))
    raise ValueError(f"unknown answerer {name!r}; choose one of: {', '.join(COMPOSERS)}")
