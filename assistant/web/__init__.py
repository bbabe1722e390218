"""The web service: FastAPI app with JSON, streaming and OpenAI-compatible chat, and the chat page."""

from assistant.web.app import create_app

__all__ = ["create_app"]
