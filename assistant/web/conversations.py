"""Conversations: the turns of each conversation id, kept so that they survive restarts.

``ConversationStore`` is what the routes need; ``SqliteConversations`` keeps the turns in the data dir,
``PgConversations`` in server mode's PostgreSQL database (any service process on any machine continues
a conversation another began). ``open_conversations`` picks the one the settings name.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from assistant.config import Settings
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
Turn = tuple[str, int, str, str, float]  # conversation_id, n, question, answer as JSON, created: what copies carry


class ConversationStore(Protocol):
    """Append-only turns; a conversation exists once it has a turn."""

    def questions(self, conversation_id: str) -> list[str]: ...
    def add(self, conversation_id: str, question: str, answer: dict[str, Any]) -> int: ...
    def get(self, conversation_id: str) -> list[dict[str, Any]]: ...
    def turns(self) -> Iterator[Turn]: ...
    def put_turns(self, turns: Iterable[Turn]) -> None: ...


def new_id() -> str:
    return uuid.uuid4().hex


def open_conversations(settings: Settings) -> ConversationStore:
    """The conversations the settings name: PostgreSQL at ``database_url``, else SQLite in ``home``."""
    if settings.database_url:
        from assistant.web.pg_conversations import PgConversations

        return PgConversations(settings.database_url)
    return SqliteConversations(Path(settings.home) / "conversations.sqlite3")


def turn_dicts(rows: list[tuple[int, str, str, float]], conversation_id: str) -> list[dict[str, Any]]:
    if not rows:
        raise NotFoundError(f"no conversation with id {conversation_id!r}")
    return [{"n": n, "question": q, "answer": json.loads(a), "created": c} for n, q, a, c in rows]


class SqliteConversations:
    """``ConversationStore`` in a SQLite file."""

    new_id = staticmethod(new_id)

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, check_same_thread=False)
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(f"cannot open the conversations at {path}: {exc}") from exc
        self.lock = threading.Lock()

    def questions(self, conversation_id: str) -> list[str]:
        """The conversation's earlier questions, oldest first (empty for a new conversation)."""
        with self.lock:
            rows = self.db.execute("SELECT question FROM turns WHERE conversation_id=? ORDER BY n",
                                   (conversation_id,)).fetchall()
        return [r[0] for r in rows]

    def add(self, conversation_id: str, question: str, answer: dict[str, Any]) -> int:
        """Record a turn; returns its number (1 for the first)."""
        # one statement: another process's connection adding to the same conversation waits for it
        with self.lock, self.db:
            return self.db.execute(
                "INSERT INTO turns SELECT ?, COALESCE(MAX(n), 0) + 1, ?, ?, ? FROM turns WHERE conversation_id=? "
                "RETURNING n", (conversation_id, question, json.dumps(answer, ensure_ascii=False), time.time(),
                                conversation_id)).fetchone()[0]

    def get(self, conversation_id: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT n, question, answer, created FROM turns WHERE conversation_id=? "
                                   "ORDER BY n", (conversation_id,)).fetchall()
        return turn_dicts(rows, conversation_id)

    def turns(self) -> Iterator[Turn]:
        """Every turn, for ``citewise copy``."""
        with self.lock:
            rows = self.db.execute("SELECT * FROM turns ORDER BY conversation_id, n").fetchall()
        yield from rows

    def put_turns(self, turns: Iterable[Turn]) -> None:
        """Turns as they were (``citewise copy``); one already there is kept."""
        with self.lock, self.db:
            self.db.executemany("INSERT OR IGNORE INTO turns VALUES (?, ?, ?, ?, ?)", list(turns))
