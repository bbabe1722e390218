"""Ingest through the assistant: stable ids, idempotent re-ingest, updates replace chunks, bad inputs skipped."""

import json

import pytest

from assistant.errors import InputError
from ingest.pipeline import article_id_for, sample_paths

ARTICLE = """Title: Test wire story
Source: Example Wire
Author: Jane Roe
Published: 2024-03-01T10:00:00
URL: https://example.org/news/wire-story

The harbour authority approved the new pier on Monday. Construction starts in May.

Officials said the pier will cost 12 million euros.
"""


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_reingesting_the_same_article_changes_nothing(fresh, tmp_path):
    f = _write(tmp_path / "in" / "a.txt", ARTICLE)
    first = fresh.ingest([str(f)])
    second = fresh.ingest([str(f)])
    assert len(first.added) == 1 and second.unchanged == first.added
    assert second.added == second.updated == []
    assert fresh.store.stats()["chunks"] == first.chunks


def test_a_changed_article_replaces_its_old_chunks(fresh, tmp_path):
    f = _write(tmp_path / "in" / "a.txt", ARTICLE)
    aid = fresh.ingest([str(f)]).added[0]
    _write(f, ARTICLE.replace("12 million", "15 million"))
    rep = fresh.ingest([str(f)])
    assert rep.updated == [aid]
    text = fresh.store.get_text(aid)
    assert "15 million" in text and "12 million" not in text
    hits = fresh.search("pier cost million euros", k=10)
    assert hits and all("12 million" not in p.text for p in hits)
    assert fresh.store.stats()["chunks"] == fresh.store.get_meta(aid)["n_chunks"]


def test_a_broken_file_in_a_folder_is_skipped_and_the_rest_ingest(fresh, tmp_path):
    d = tmp_path / "in"
    _write(d / "good.txt", ARTICLE)
    (d / "broken.txt").write_bytes(b"\x00\x01\xff\xfe binary")
    _write(d / "feed.jsonl", json.dumps({"title": "Second story", "text": "A second article body."}) + "\n{oops\n")
    rep = fresh.ingest([str(d)])
    assert len(rep.added) == 2
    reasons = dict(rep.skipped)
    assert any("broken.txt" in o for o in reasons) and any("feed.jsonl" in o for o in reasons)
    assert "skipped" in rep.summary()


def test_ids_come_from_the_url_else_the_metadata_else_the_text():
    a = article_id_for("https://Example.org/x/", None, None, None, "t1")
    assert a == article_id_for("https://example.org/x", "Other", None, None, "t2")
    assert article_id_for(None, "T", "S", "2020", "x") == article_id_for(None, "t", "s", "2020", "y")
    assert article_id_for(None, None, None, None, "x") != article_id_for(None, None, None, None, "y")


def test_missing_input_path_is_an_input_error(fresh, tmp_path):
    with pytest.raises(InputError):
        fresh.ingest([str(tmp_path / "nope.txt")])


def test_header_metadata_reaches_the_store(fresh, tmp_path):
    f = _write(tmp_path / "a.txt", ARTICLE)
    aid = fresh.ingest([str(f)]).added[0]
    art = fresh.store.get_article(aid)
    assert (art.title, art.source, art.author, art.url) == (
        "Test wire story", "Example Wire", "Jane Roe", "https://example.org/news/wire-story")
    assert art.published.startswith("2024-03-01T10:00")
    assert art.text.startswith("The harbour authority")


def test_sample_articles_are_shipped_with_the_package():
    paths = sample_paths()
    assert len(paths) == 2
