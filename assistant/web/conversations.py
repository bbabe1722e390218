"""Conversations: the turns of each conversation id, in SQLite in the data dir, so they survive restarts."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from assistant.errors import NotFoundError, StoreUnavailableError

SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (conversation_id, n)
);
"""


class Conversations:
    """Append-only turns; a conversation exists once it has a turn."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, check_same_thread=False)
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(f"cannot open the conversations at {path}: {exc}") from exc
        self.lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def questions(self, conversation_id: str) -> list[str]:
        """The conversation's earlier questions, oldest first (empty for a new conversation)."""
        with self.lock:
            rows = self.db.execute("SELECT question FROM turns WHERE conversation_id=? ORDER BY n",
                                   (conversation_id,)).fetchall()
        return [r[0] for r in rows]

    def add(self, conversation_id: str, question: str, answer: dict[str, Any]) -> int:
        """Record a turn; returns its number (1 for the first)."""
        with self.lock, self.db:
            (n,) = self.db.execute("SELECT COALESCE(MAX(n), 0) + 1 FROM turns WHERE conversation_id=?",
                                   (conversation_id,)).fetchone()
            self.db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?)",
                            (conversation_id, n, question, json.dumps(answer, ensure_ascii=False), time.time()))
        return n

    def get(self, conversation_id: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT n, question, answer, created FROM turns WHERE conversation_id=? "
                                   "ORDER BY n", (conversation_id,)).fetchall()
        if not rows:
            raise NotFoundError(f"no conversation with id {conversation_id!r}")
        return [{"n": n, "question": q, "answer": json.loads(a), "created": c} for n, q, a, c in rows]
