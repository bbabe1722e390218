"""``FeedbackStore`` in server mode's PostgreSQL database: every process sees every answer, vote and
handled event, so a retried Slack delivery that reaches another process is still not answered twice."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from assistant.errors import NotFoundError
from assistant.index.pg import PgDb, clean
from assistant.index.pg_schema import LazySchema
from assistant.slack.feedback import TABLES, Rows, eval_line


class PgFeedback:
    def __init__(self, url: str) -> None:
        self.db = LazySchema(PgDb.shared(url))

    def first_time(self, event_id: str) -> bool:
        """True the first time an event id is seen, in any process; False for a repeat delivery."""
        with self.db.connection() as conn:  # one statement: atomic without the write lock
            return conn.execute("INSERT INTO seen_events VALUES (%s, %s) ON CONFLICT DO NOTHING",
                                clean((event_id, time.time()))).rowcount == 1

    def record(self, channel: str | None, thread_ts: str | None, question: str, answer: dict[str, Any]) -> str:
        record_id = uuid.uuid4().hex[:16]
        with self.db.connection() as conn:
            conn.execute("INSERT INTO answers VALUES (%s, %s, %s, %s, %s, %s)", clean((
                record_id, channel, thread_ts, question, json.dumps(answer, ensure_ascii=False), time.time())))
        return record_id

    def vote(self, record_id: str, user: str, vote: str) -> None:
        """One vote per person and answer; a second click replaces the first."""
        with self.db.connection() as conn, conn.transaction():
            if not conn.execute("SELECT 1 FROM answers WHERE record_id=%s", clean((record_id,))).fetchone():
                raise NotFoundError(f"no answer {record_id!r} to give feedback on")
            conn.execute('INSERT INTO votes VALUES (%s, %s, %s, %s) ON CONFLICT (record_id, "user") '
                         "DO UPDATE SET vote = excluded.vote, created = excluded.created",
                         clean((record_id, user, vote, time.time())))

    def votes(self, record_id: str) -> dict[str, int]:
        rows = self.db.rows("SELECT vote, count(*) FROM votes WHERE record_id=%s GROUP BY vote", (record_id,))
        return {"up": 0, "down": 0, **dict(rows)}

    def disliked(self) -> Iterator[dict[str, Any]]:
        rows = self.db.rows(
            "SELECT a.record_id, a.question, a.answer, count(v.user) FROM answers a JOIN votes v "
            "ON v.record_id = a.record_id AND v.vote = 'down' GROUP BY a.record_id ORDER BY min(a.created)")
        for record_id, question, answer, downs in rows:
            yield eval_line(record_id, question, answer, downs)

    def export(self) -> Rows:
        return {t: [tuple(r) for r in self.db.rows(f"SELECT * FROM {t}")] for t in TABLES}

    def put(self, rows: Rows) -> None:
        """Rows as they were (``citewise copy``); one already there is kept."""
        with self.db.write() as conn, conn.cursor() as cur:
            for table, got in rows.items():
                if table in TABLES and got:
                    marks = ",".join(["%s"] * len(got[0]))
                    cur.executemany(f"INSERT INTO {table} VALUES ({marks}) ON CONFLICT DO NOTHING",
                                    [clean(tuple(r)) for r in got])
