"""assistant.retrieval.question: the outlets a question names and the names and codes it asks about."""

import pytest

from assistant.retrieval.question import entity_terms, mentioned_sources, sub_questions


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


@pytest.mark.parametrize(("question", "expected"), [
    # capitalised only because it opens the question or a sentence of it: no name to look for
    ("Compare what Bloomberg and Reuters say", {"bloomberg", "reuter"}),
    ("Apart from Syria, why are France and Türkiye at odds?", {"syria", "franc", "turkey"}),
    ("Name the Turkish minister. Considering Ankara, who?", {"turkey", "ankara"}),
    # stopwords are told by the word, not its stem ("does" stems to "doe", "why" to "whi")
    ("Does Turkey want it? Why?", {"turkey"}),
    # an opening word with a capital, digit or possessive past its first letter is a name
    ("Macron's Syria condition: is it in both?", {"macron", "syria"}),
    ("SAMP/T: joint production or purchase?", {"samp"}),
    ("F-35 deliveries: when?", {"f35"}),
    # a capital inside the question still marks a name
    ("When did Name Corp buy it?", {"name", "corp"}),
])
def test_a_word_capitalised_by_its_place_is_no_name(question, expected):
    assert entity_terms(question, []) == expected


SOURCES = ["TechCrunch", "Fortune", "The Age", "Hacker News"]


@pytest.mark.parametrize(("question", "parts"), [
    ("After the TechCrunch report on October 7 about Flexport, and the subsequent TechCrunch article on "
     "October 30 about its CEO, was there a change?",
     ["After the TechCrunch report on October 7 about Flexport",
      "and the subsequent TechCrunch article on October 30 about its CEO, was there a change?"]),
    ("Who inflated the apartment's value, according to 'Fortune', and adjusted it, as reported by 'The Age'?",
     ["Who inflated the apartment's value, according to 'Fortune'", "and adjusted it, as reported by 'The Age'?"]),
    ("Do the TechCrunch article on payments and the Hacker News article on subscriptions both report growth?",
     ["Do the TechCrunch article on payments and the", "Hacker News article on subscriptions both report growth?"]),
    ("What did TechCrunch report about Flexport?", []),
    ("What did the age of the company matter?", []),  # "the age" is no outlet
])
def test_a_question_naming_outlets_several_times_has_one_part_a_side(question, parts):
    assert sub_questions(question, SOURCES) == parts
