"""What the routes share: settings, the assistant (built on first need), conversations, metrics."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.web.conversations import open_conversations
from assistant.web.metrics import Metrics

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

log = logging.getLogger("citewise.web")


class Services:
    """One per app. The assistant is built lazily and rebuilt after a failure, so a store that
    was down at start-up is used as soon as it is back, without a restart."""

    def __init__(self, settings: Settings, *, embeddings: Embeddings | None = None,
                 assistant: Assistant | None = None) -> None:
        self.settings = settings
        self._embeddings = embeddings
        self._assistant = assistant
        self._lock = threading.Lock()
        self.conversations = open_conversations(settings)
        self.metrics = Metrics()
        self.api_keys = _keys(settings.api_keys)
        self.admin_keys = _keys(settings.admin_keys)

    def assistant(self) -> Assistant:
        """The assistant, seeded with the sample articles on a new store; StoreUnavailableError if the
        store cannot be opened now."""
        a = self._assistant
        if a is not None:
            return a
        with self._lock:
            if self._assistant is None:
                from assistant.pipeline import Assistant

                if self._embeddings is None:
                    from assistant.embeddings import make_embeddings

                    self._embeddings = make_embeddings(self.settings.embeddings)
                a = Assistant(self.settings, embeddings=self._embeddings)
                a.ensure_seeded()
                a.start_warming()  # in the background: questions are answered meanwhile
                self._assistant = a
                log.info("store ready: %d articles in %s", a.store.count(), self.settings.chroma_url
                         or self.settings.home)
            return self._assistant

    def close(self) -> None:
        """End the threads the assistant started (the app's shutdown)."""
        if self._assistant is not None:
            self._assistant.close()


def _keys(value: str | None) -> frozenset[str]:
    return frozenset(k.strip() for k in (value or "").split(",") if k.strip())
