"""assistant.text.cues: the kind of answer a question asks for, and the sentences that carry it."""

import pytest

from assistant.text.cues import cue, question_type


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
        ("when", "It was signed on Sept. 5.", 1.0),
        ("when", "The talks resume on Thursday.", 1.0),
        ("how_much", "The deal is worth $2.5 billion.", 1.0),
        ("how_much", "The deal is expensive.", 0.0),
    ],
)
def test_cue_marks_sentences_that_carry_the_asked_for_answer(kind, sentence, expected):
    assert cue(kind, sentence) == expected
