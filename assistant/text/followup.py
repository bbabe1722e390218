"""Does a follow-up lean on the conversation before it? Only then is it worth a model's rewrite.

A follow-up leans on what came before when it points back (a pronoun: "is it switched on?", "what
did he ask for?"; a demonstrative: "when was that?"), picks up the thread with a conjunction or a
stock phrase ("and when?", "what about France?"), or is too short to stand alone ("why?"). A
question that names what it asks about ("why did Türkiye buy the S-400?") stands alone: it goes to
retrieval as it is, without a round trip to the model that can only make it worse.
"""

from __future__ import annotations

import re

_POINTS_BACK = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|there|then|such|"
    r"former|latter|same|else|other|another)\b", re.I)
_PICKS_UP = re.compile(r"^\s*(and|but|or|so|also|then|what about|how about|what else|why not|and then)\b", re.I)
_WORD = re.compile(r"[^\W_]+")
# "that" also joins clauses ("did Erdogan say that Turkey would ..."): then it points nowhere
_THAT_CLAUSE = re.compile(r"\b(said|say|says|claim|claims|claimed|argue|argues|argued|believe|believes|warn|"
                          r"warned|warns|think|thinks|fear|fears|feared|know|knows|so|such|now|given)\s+that\b", re.I)
MIN_WORDS = 4  # "why?", "and when?", "how much?" say nothing of what they ask about


def leans_on_context(question: str) -> bool:
    """True when the follow-up needs the conversation before it to be understood."""
    words = _WORD.findall(question)
    if len(words) < MIN_WORDS or _PICKS_UP.search(question):
        return True
    return bool(_POINTS_BACK.search(_THAT_CLAUSE.sub(" ", question)))
