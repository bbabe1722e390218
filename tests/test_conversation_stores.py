"""Conversations and Slack feedback on each engine: ``ConversationStore`` and ``FeedbackStore`` are
contracts that SQLite (the data dir) and PostgreSQL (server mode) keep alike, tested on real engines.
Each fixture opens the store again on the same storage on each call, as another process would."""

from __future__ import annotations

import threading

import pytest

from assistant.config import Settings
from assistant.errors import NotFoundError
from assistant.slack.feedback import open_feedback
from assistant.web.conversations import open_conversations


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path) -> Settings:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    return Settings(home=tmp_path / "home", database_url=url)


ANSWER = {"status": "answered", "answer": "The pier was approved [1].", "citations": [
    {"n": 1, "article_id": "a1", "source": "Wire", "quote": "The pier was approved."}]}


class TestConversationStore:
    def test_turns_are_numbered_and_read_back_in_order_by_another_handle(self, settings):
        mine, theirs = open_conversations(settings), open_conversations(settings)
        cid = mine.new_id()
        assert mine.questions(cid) == []
        assert mine.add(cid, "Was the pier approved?", ANSWER) == 1
        assert theirs.add(cid, "When?", {"status": "no_answer"}) == 2
        assert mine.questions(cid) == ["Was the pier approved?", "When?"]
        turns = theirs.get(cid)
        assert [t["n"] for t in turns] == [1, 2] and turns[0]["answer"] == ANSWER
        with pytest.raises(NotFoundError, match="nosuch"):
            mine.get("nosuch")

    def test_turns_added_at_once_get_distinct_numbers(self, settings):
        stores = [open_conversations(settings) for _ in range(4)]
        cid = stores[0].new_id()
        threads = [threading.Thread(target=lambda s=s: [s.add(cid, f"q{i}", {}) for i in range(5)]) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert [t["n"] for t in stores[0].get(cid)] == list(range(1, 21))

    def test_hostile_text_is_kept(self, settings):
        store = open_conversations(settings)
        store.add("c\x00id", "a NUL \x00 and 🦜", {"answer": "\x00"})
        assert len(store.questions("c\x00id")[0]) == len("a NUL \x00 and 🦜")

    def test_turns_copy_to_another_store_once(self, settings, tmp_path):
        src = open_conversations(settings)
        src.add("c1", "q1", ANSWER)
        src.add("c1", "q2", ANSWER)
        dst = open_conversations(Settings(home=tmp_path / "other"))
        dst.put_turns(src.turns())
        dst.put_turns(src.turns())
        assert [t["question"] for t in dst.get("c1")] == ["q1", "q2"]


class TestFeedbackStore:
    def test_an_event_is_first_seen_once_whichever_handle_sees_it(self, settings):
        a, b = open_feedback(settings), open_feedback(settings)
        assert a.first_time("Ev1") is True
        assert b.first_time("Ev1") is False and a.first_time("Ev1") is False
        assert b.first_time("Ev2") is True

    def test_votes_replace_each_other_and_dislikes_export(self, settings):
        a, b = open_feedback(settings), open_feedback(settings)
        rid = a.record("C1", "1700000000.0001", "Was the pier approved?", ANSWER)
        b.vote(rid, "U1", "up")
        b.vote(rid, "U1", "down")
        a.vote(rid, "U2", "down")
        assert a.votes(rid) == {"up": 0, "down": 2}
        (line,) = list(b.disliked())
        assert line["id"] == f"slack-{rid}" and line["given"]["status"] == "answered" and "x2" in line["note"]
        with pytest.raises(NotFoundError):
            a.vote("nosuch", "U1", "up")

    def test_feedback_copies_to_another_store(self, settings, tmp_path):
        src = open_feedback(settings)
        rid = src.record(None, None, "q", ANSWER)
        src.vote(rid, "U1", "down")
        src.first_time("Ev1")
        dst = open_feedback(Settings(home=tmp_path / "other"))
        dst.put(src.export())
        dst.put(src.export())
        assert dst.votes(rid) == {"up": 0, "down": 1} and dst.first_time("Ev1") is False
