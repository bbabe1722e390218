"""assistant.retrieval.question: the outlets a question names and the names and codes it asks about."""

import pytest

from assistant.retrieval.question import entity_terms, mentioned_sources


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


def test_entity_terms_are_names_and_codes_not_outlets_or_years():
    assert entity_terms("When will F-35s reach Türkiye, says Bloomberg in 2025?", ["Bloomberg"]) == {"f35", "turkey"}
