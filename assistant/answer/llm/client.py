"""Build the chat model (langchain-openai's ``ChatOpenAI``) from citewise's settings.

One place knows the quirks of OpenAI-compatible servers: an API key is needed
even when a local server ignores it, and llama.cpp's servers read the old
``max_tokens`` while ``ChatOpenAI`` only sends ``max_completion_tokens``.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from langchain_openai import ChatOpenAI

from assistant.config import Settings
from assistant.errors import ConfigError

LOCAL_KEY = "not-needed"  # local servers ignore the key, but the OpenAI client refuses to start without one


def base_url(settings: Settings) -> str | None:
    """The server to talk to: ``CITEWISE_LLM_BASE_URL``, else ``OPENAI_BASE_URL``, else OpenAI's own."""
    return settings.llm_base_url or os.environ.get("OPENAI_BASE_URL") or None


def is_openai(url: str | None) -> bool:
    """True for OpenAI's own API, which knows ``json_schema`` and rejects unknown request fields."""
    return url is None or (urlparse(url).hostname or "").endswith("openai.com")


def api_key(settings: Settings, url: str | None) -> str:
    key = settings.llm_api_key or os.environ.get("OPENAI_API_KEY")
    if key:
        return key
    if url is not None:
        return LOCAL_KEY
    raise ConfigError("CITEWISE_LLM=openai needs OPENAI_API_KEY (or CITEWISE_LLM_API_KEY), or a local server "
                      "in CITEWISE_LLM_BASE_URL / OPENAI_BASE_URL")


def make_chat_model(settings: Settings, *, max_tokens: int | None = None) -> ChatOpenAI:
    """A ``ChatOpenAI`` for the configured server; the OpenAI client retries timeouts, 429 and 5xx itself."""
    url = base_url(settings)
    limit = max_tokens or settings.llm_max_tokens
    kwargs: dict = {}
    if not is_openai(url):
        # llama.cpp ignores max_completion_tokens; OpenAI would refuse both at once
        kwargs["extra_body"] = {"max_tokens": limit}
        # some servers reject stream_options; the token counts are not needed
        kwargs["stream_usage"] = False
    return ChatOpenAI(
        model=settings.llm_model,
        base_url=url,
        api_key=api_key(settings, url),
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_retries,
        max_tokens=limit,
        temperature=settings.llm_temperature,
        **kwargs,
    )
