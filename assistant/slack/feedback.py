"""What the Slack bot answered and what people thought of it (👍 / 👎).

Also remembers which Slack events were handled, so a retried delivery never gets a second answer.
``FeedbackStore`` is what the bot needs; ``SqliteFeedback`` keeps it in the data dir, ``PgFeedback``
(pg_feedback.py) in server mode's PostgreSQL database, where a retry delivered to another process is
still seen as one. ``open_feedback`` picks the one the settings name.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from assistant.config import Settings
from assistant.errors import NotFoundError, StoreUnavailableError

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    record_id TEXT PRIMARY KEY, channel TEXT, thread_ts TEXT, question TEXT NOT NULL,
    answer TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    record_id TEXT NOT NULL, user TEXT NOT NULL, vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    created REAL NOT NULL, PRIMARY KEY (record_id, user)
);
CREATE TABLE IF NOT EXISTS seen_events (event_id TEXT PRIMARY KEY, created REAL NOT NULL);
"""


Rows = dict[str, list[tuple[Any, ...]]]  # table: rows, what ``citewise copy`` carries


class FeedbackStore(Protocol):
    def first_time(self, event_id: str) -> bool: ...
    def record(self, channel: str | None, thread_ts: str | None, question: str, answer: dict[str, Any]) -> str: ...
    def vote(self, record_id: str, user: str, vote: str) -> None: ...
    def votes(self, record_id: str) -> dict[str, int]: ...
    def disliked(self) -> Iterator[dict[str, Any]]: ...
    def export(self) -> Rows: ...
    def put(self, rows: Rows) -> None: ...


def open_feedback(settings: Settings) -> FeedbackStore:
    """The feedback store the settings name: PostgreSQL at ``database_url``, else SQLite in ``home``."""
    if settings.database_url:
        from assistant.slack.pg_feedback import PgFeedback

        return PgFeedback(settings.database_url)
    return SqliteFeedback(Path(settings.home) / "feedback.sqlite3")


def eval_line(record_id: str, question: str, answer: str, downs: int) -> dict[str, Any]:
    """A 👎 answer as a candidate eval-set line: the question and what was answered, for a person to fill
    in what should have been."""
    given = json.loads(answer)
    return {
        "id": f"slack-{record_id}", "question": question, "kind": "feedback",
        "expect_status": None, "expect_facts": {"any": []}, "expect_articles": {"any": []}, "history": [],
        "note": f"👎 x{downs} in Slack; answered {given.get('status')}: fill in expect_* before use",
        "given": {"status": given.get("status"), "answer": given.get("answer"),
                  "citations": [{k: c.get(k) for k in ("n", "article_id", "source", "quote")}
                                for c in given.get("citations", [])]},
    }


TABLES = ("answers", "votes", "seen_events")


class SqliteFeedback:
    """``FeedbackStore`` in a SQLite file."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, check_same_thread=False)
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(f"cannot open the feedback store at {path}: {exc}") from exc
        self.lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """True the first time an event id is seen; False for a repeat delivery."""
        with self.lock, self.db:
            cur = self.db.execute("INSERT OR IGNORE INTO seen_events VALUES (?, ?)", (event_id, time.time()))
            return cur.rowcount == 1

    def record(self, channel: str | None, thread_ts: str | None, question: str, answer: dict[str, Any]) -> str:
        record_id = uuid.uuid4().hex[:16]
        with self.lock, self.db:
            self.db.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?)", (
                record_id, channel, thread_ts, question, json.dumps(answer, ensure_ascii=False), time.time()))
        return record_id

    def vote(self, record_id: str, user: str, vote: str) -> None:
        """One vote per person and answer; a second click replaces the first."""
        with self.lock, self.db:
            if not self.db.execute("SELECT 1 FROM answers WHERE record_id=?", (record_id,)).fetchone():
                raise NotFoundError(f"no answer {record_id!r} to give feedback on")
            self.db.execute("INSERT OR REPLACE INTO votes VALUES (?, ?, ?, ?)", (record_id, user, vote, time.time()))

    def votes(self, record_id: str) -> dict[str, int]:
        with self.lock:
            rows = self.db.execute("SELECT vote, count(*) FROM votes WHERE record_id=? GROUP BY vote",
                                   (record_id,)).fetchall()
        return {"up": 0, "down": 0, **dict(rows)}

    def disliked(self) -> Iterator[dict[str, Any]]:
        """Answers with a 👎, as candidate eval-set lines: the question and what was answered, for a person
        to fill in what should have been."""
        with self.lock:
            rows = self.db.execute(
                "SELECT a.record_id, a.question, a.answer, count(v.user) FROM answers a JOIN votes v "
                "ON v.record_id = a.record_id AND v.vote = 'down' GROUP BY a.record_id ORDER BY a.created"
            ).fetchall()
        for record_id, question, answer, downs in rows:
            yield eval_line(record_id, question, answer, downs)

    def export(self) -> Rows:
        with self.lock:
            return {t: self.db.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}

    def put(self, rows: Rows) -> None:
        """Rows as they were (``citewise copy``); one already there is kept."""
        with self.lock, self.db:
            for table, got in rows.items():
                if table in TABLES and got:
                    marks = ",".join("?" * len(got[0]))
                    self.db.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", got)
