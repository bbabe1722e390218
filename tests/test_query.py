"""Question analysis: kind, outlets, dates, and the names a question asks about."""

from datetime import UTC, datetime

import pytest

from assistant.query import cue, entity_terms, mentioned_sources, mentioned_years, question_type, time_windows


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("why did Türkiye buy the S-400?", "why"),
        ("What was the reason for the purchase?", "why"),
        ("When will F-35s be delivered?", "when"),
        ("How much does one SAMP/T battery cost?", "how_much"),
        ("who wrote the 2025 article?", "who"),
        ("Has Turkey activated the S-400?", "yes_no"),
        ("What did Macron demand?", "what"),
    ],
)
def test_question_type(question, kind):
    assert question_type(question) == kind


@pytest.mark.parametrize(
    ("kind", "sentence", "expected"),
    [
        ("why", "It was forced to purchase because allies refused.", 1.0),
        ("why", "The system was delivered.", 0.0),
        ("when", "It was delivered last year.", 1.0),
        ("when", "Construction starts in May.", 1.0),
        ("when", "It may start soon.", 0.0),
        ("how_much", "The deal is worth $2.5 billion.", 1.0),
        ("how_much", "The deal is expensive.", 0.0),
    ],
)
def test_cue_marks_sentences_that_carry_the_asked_for_answer(kind, sentence, expected):
    assert cue(kind, sentence) == expected


@pytest.mark.parametrize(
    ("question", "sources", "expected"),
    [
        ("as reported by TechCrunch", ["TechCrunch", "The Age"], ["TechCrunch"]),
        ("according to 'The Age'", ["TechCrunch", "The Age"], ["The Age"]),
        ("what is the age of the S-400?", ["The Age"], []),
        ("a fortune was spent", ["Fortune"], []),
        ("says Fortune", ["Fortune"], ["Fortune"]),
        ("reported by caliber.az", ["Caliber.az"], ["Caliber.az"]),
    ],
)
def test_mentioned_sources(question, sources, expected):
    assert mentioned_sources(question, sources) == expected


def _day(ts):
    return None if ts is None else datetime.fromtimestamp(ts, UTC).date().isoformat()


@pytest.mark.parametrize(
    ("question", "windows"),
    [
        ("What happened in 2020?", [("2020-01-01", "2021-01-01")]),
        ("news from June 2025", [("2025-06-01", "2025-07-01")]),
        ("after 2021", [("2022-01-01", None)]),
        ("since Sept 2023", [("2023-09-01", None)]),
        ("before March 2024", [(None, "2024-03-01")]),
        ("no date here, just 123", []),
    ],
)
def test_time_windows(question, windows):
    assert [(_day(a), _day(b)) for a, b in time_windows(question)] == windows


def test_mentioned_years():
    assert mentioned_years("in 2020 and 1999, not 123") == [1999, 2020]


def test_entity_terms_are_names_and_codes_not_outlets_or_years():
    assert entity_terms("When will F-35s reach Türkiye, says Bloomberg in 2025?", ["Bloomberg"]) == {"f35", "turkey"}
