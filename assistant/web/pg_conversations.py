"""``ConversationStore`` in server mode's PostgreSQL database: a turn's number is taken under the write
lock, so two service processes adding to one conversation at once number their turns 1, 2, never 1, 1."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from assistant.index.pg import PgDb, clean
from assistant.index.pg_schema import LazySchema
from assistant.web.conversations import Turn, new_id, turn_dicts


class PgConversations:
    new_id = staticmethod(new_id)

    def __init__(self, url: str) -> None:
        self.db = LazySchema(PgDb.shared(url))

    def questions(self, conversation_id: str) -> list[str]:
        """The conversation's earlier questions, oldest first (empty for a new conversation)."""
        return [r[0] for r in self.db.rows("SELECT question FROM turns WHERE conversation_id=%s ORDER BY n",
                                           (conversation_id,))]

    def add(self, conversation_id: str, question: str, answer: dict[str, Any]) -> int:
        """Record a turn; returns its number (1 for the first)."""
        with self.db.write() as conn:
            return conn.execute(
                "INSERT INTO turns SELECT %s, COALESCE(MAX(n), 0) + 1, %s, %s, %s FROM turns WHERE conversation_id=%s "
                "RETURNING n", clean((conversation_id, question, json.dumps(answer, ensure_ascii=False), time.time(),
                                      conversation_id))).fetchone()[0]

    def get(self, conversation_id: str) -> list[dict[str, Any]]:
        return turn_dicts(self.db.rows("SELECT n, question, answer, created FROM turns WHERE conversation_id=%s "
                                       "ORDER BY n", (conversation_id,)), conversation_id)

    def turns(self) -> Iterator[Turn]:
        """Every turn, for ``citewise copy``."""
        yield from self.db.rows("SELECT * FROM turns ORDER BY conversation_id, n")

    def put_turns(self, turns: Iterable[Turn]) -> None:
        """Turns as they were (``citewise copy``); one already there is kept."""
        with self.db.write() as conn, conn.cursor() as cur:
            cur.executemany("INSERT INTO turns VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                            [clean(tuple(t)) for t in turns])
