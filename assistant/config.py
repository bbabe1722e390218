"""Settings from the environment (prefix ``CITEWISE_``), loaded once by ``get_settings()``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(user_data_dir("citewise", appauthor=False))


class Settings(BaseSettings):
    """Every knob of citewise. Secrets (API keys) have no defaults."""

    model_config = SettingsConfigDict(env_prefix="CITEWISE_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="data dir: store, indexes")
    chroma_url: str | None = Field(None, description="a Chroma server, e.g. http://127.0.0.1:8001")
    database_url: str | None = Field(None, description="server mode: articles, lexical index, conversations and "
                                     "Slack feedback in PostgreSQL, e.g. postgresql://citewise@db-host/citewise")
    collection: str = "citewise"
    embeddings: str = Field("minilm", description="minilm | openai:<model>")
    seed_demo: bool = Field(True, description="ingest the bundled sample articles on first use")

    # retrieval
    k: int = Field(8, ge=1, le=100, description="passages retrieved per question")
    candidates: int = Field(40, ge=1, le=500, description="per-ranker candidates before fusion")
    reranker: str = Field("meaning", description="meaning or identity: how the fused passages are reordered")

    # limits
    max_question_chars: int = 2000
    max_chunk_tokens: int = Field(256, ge=32, le=256)
    fetch_timeout_s: float = 20.0
    max_fetch_bytes: int = 10_000_000
    # MultiHop's 609 news articles reach 71k characters; a 20,000-word feature is ~130k. 1M (a short book,
    # ~1,000 chunks, ~40 s of embedding on 2 cores) leaves room for transcripts and reports, while a 19 MB
    # paste is refused at once instead of embedding for ~10 minutes
    max_article_chars: int = Field(1_000_000, ge=1000, description="longest article text ingested; a longer "
                                   "one is skipped with the reason")
    allow_private_urls: bool = Field(False, description="let URL ingestion reach loopback/private addresses")

    # answering: the extractive default, or a model behind an OpenAI-compatible API
    llm: str = Field("extractive", description="extractive | openai")
    llm_model: str = Field("gpt-4o-mini", description="the model name the server knows")
    llm_base_url: str | None = Field(None, description="an OpenAI-compatible server; else OPENAI_BASE_URL")
    llm_api_key: str | None = Field(None, description="else OPENAI_API_KEY")
    llm_timeout_s: float = Field(30.0, gt=0)
    llm_retries: int = Field(2, ge=0, le=10)
    llm_output: str = Field("auto", description="auto | json_schema | function_calling | json_object | text")
    llm_max_tokens: int = Field(800, ge=16)
    llm_temperature: float = Field(0.0, ge=0, le=2)
    llm_quotes: Literal["sentences", "text"] = Field(
        "sentences", description="sentences: the model cites numbered sentences (a quote is then a lookup), "
        "with the words it quotes for models that ignore the numbers; text: it copies the words only")

    # web service
    api_keys: str | None = Field(None, description="comma-separated keys; when set every /v1 route needs one")
    admin_keys: str | None = Field(None, description="comma-separated keys allowed to ingest and delete")
    cors_origins: str = Field("", description="comma-separated origins allowed by CORS, or *")
    allowed_hosts: str = Field("", description="comma-separated Host names (or host:port) the server answers to "
                               "besides its listen address, or * for any (behind a proxy)")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="largest JSON request body")
    max_upload_bytes: int = Field(20_000_000, ge=1024, description="largest upload to /v1/ingest")
    warm_passages: int = Field(10_000, ge=0, le=100_000, description="passages of the latest articles a server "
                               "(web or Slack) reads into memory when it starts, in the background, so that its "
                               "first questions are as quick as later ones (0: none)")

    # Slack: Slack's own variable names (the CITEWISE_ ones work too)
    slack_bot_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN",
                                                                            "CITEWISE_SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET",
                                                                                 "CITEWISE_SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN",
                                                                            "CITEWISE_SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=AliasChoices(
        "SLACK_API_URL", "CITEWISE_SLACK_API_URL"), description="Slack Web API base URL (a stand-in for tests)")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
