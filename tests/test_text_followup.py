"""Which follow-ups lean on the conversation (and are worth a model's rewrite), which stand alone."""

from __future__ import annotations

import pytest

from assistant.text.followup import leans_on_context


@pytest.mark.parametrize("question", [
    "and what did Macron say about it?",  # a conjunction and a pronoun
    "is it switched on?",
    "what did he ask for?",
    "when was that?",  # a demonstrative
    "does Turkey plan to give it up?",
    "why?",  # too short to stand alone
    "and when?",
    "how much?",
    "What about France?",  # a stock phrase that picks up the thread
    "Did the other company bid?",
])
def test_a_follow_up_that_leans_on_the_conversation(question):
    assert leans_on_context(question)


@pytest.mark.parametrize("question", [
    "why did Türkiye buy the S-400?",
    "What did Erdogan ask Macron?",
    "Who is the chief executive of Quillfer Batteries?",
    "How many jobs will the Velmora terminal create?",
    "Did Erdogan say that Turkey would keep the S-400?",  # "that" joins a clause: it points nowhere
    "When will the Quillfer plant open?",
])
def test_a_question_that_stands_alone(question):
    assert not leans_on_context(question)
