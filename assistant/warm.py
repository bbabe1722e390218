"""Reading ahead: a server reads into memory, when it starts, what its questions would read the first time
(the lexical index's postings; the latest articles' sentence vectors, analyses and cuts), so that the first
questions are as quick as later ones. The answers do not change: only what is already kept.

``Warmer`` runs ``Pipeline.warm`` in a background thread, so that the server answers meanwhile (those
questions read for themselves, as without it); ``status`` says how far it is, for ``/readyz``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from assistant.pipeline import Pipeline

log = logging.getLogger("citewise.warm")

State = Literal["off", "waiting", "running", "done", "stopped", "failed"]


@dataclass
class Warmed:
    """What one read-ahead kept."""

    postings: int = 0  # the lexical index's postings in memory (0 where the engine scores them itself)
    passages: int = 0  # passages whose sentences every stage has read
    seconds: float = 0.0


class Warmer:
    """Reads ahead for one pipeline, at most ``limit`` passages, once, in a daemon thread."""

    def __init__(self, pipeline: Pipeline, limit: int) -> None:
        self.pipeline = pipeline
        self.limit = limit
        self.state: State = "off" if limit <= 0 else "waiting"
        self.warmed = Warmed()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin in the background (once; nothing when the limit is 0)."""
        if self.state != "waiting":
            return
        self.state = "running"
        self._thread = threading.Thread(target=self._run, name="citewise-warm", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        t0 = time.perf_counter()
        try:
            self.warmed = self.pipeline.warm(self.limit, self._stop.is_set)
        except Exception:  # a store that went away: questions read for themselves, as without it
            log.exception("reading ahead failed")
            self.state = "failed"
            return
        self.warmed.seconds = round(time.perf_counter() - t0, 2)
        self.state = "stopped" if self._stop.is_set() else "done"
        log.info("read ahead in %.1f s: %d passages, %d postings", self.warmed.seconds, self.warmed.passages,
                 self.warmed.postings)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to end, and wait for it a while."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def status(self) -> dict[str, Any]:
        return {"state": self.state, **asdict(self.warmed)}
