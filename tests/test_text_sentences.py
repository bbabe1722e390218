"""assistant.text.sentences: offsets into the text, abbreviations and paragraphs respected."""

import pytest

from assistant.text.sentences import sentence_spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. said so. Mr. Smith left.", ["The U.S. said so.", "Mr. Smith left."]),
        ("John F. Kennedy won. It cost $3.5 billion.", ["John F. Kennedy won.", "It cost $3.5 billion."]),
        ("He said: “We go.” Then he left.", ["He said: “We go.”", "Then he left."]),
        ("First paragraph without stop\nSecond one.", ["First paragraph without stop", "Second one."]),
        ("  padded.  ", ["padded."]),
    ],
)
def test_sentences_split_where_a_reader_would(text, expected):
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


def test_spans_within_a_window_keep_absolute_offsets():
    text = "Alpha one. Beta two. Gamma three."
    spans = sentence_spans(text, 11, len(text))
    assert [text[s:e] for s, e in spans] == ["Beta two.", "Gamma three."]
