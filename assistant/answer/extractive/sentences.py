"""The candidate sentences of the extractive answerer, and the knobs it is tuned with.

A candidate is a quotable sentence of a kept passage (``Evidence`` has already left out superseded
articles and planted instructions), analysed into terms, content terms and figures once per text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.answer.evidence import Evidence
from assistant.cache import Memo
from assistant.models import Passage
from assistant.text.dates import MONTHS
from assistant.text.terms import sentence_terms

ANALYSIS_CACHE = 100_000  # sentences whose analysis is kept (~50 MB at most): a server reads 10,000 passages ahead


@dataclass
class ExtractiveConfig:
    """The knobs of the extractive answerer that the fitted model (``model``) does not set."""

    cue_weight: float = 0.35  # the lexical score's cue boost (the model weighs the cue itself as well)
    # None: the value fitted with the answer model (``model.with_fitted``)
    max_quotes: int | None = None
    max_quotes_multi: int = 4  # ...or one an outlet, up to this many, when the question names several
    same_article_share: float | None = None  # a further quote of a quoted article needs this share of the best
    near_copy: float = 0.6  # shared content terms (of the shorter sentence) for two sentences to be one fact
    max_quote_chars: int = 600
    # abstain when a name the question asks about is in none of the quoted articles: on the MultiHop check
    # half it turns null questions' no_answer from 0.68 to 0.94 for 0.06 of answered (fit_answer_weights --with)
    names_rule: bool = True


@dataclass
class Sentence:
    article_id: str
    start: int
    end: int
    text: str
    terms: frozenset[str]
    content: frozenset[str]  # terms without stopwords, for near-copy tests
    rank: int
    passage: Passage
    figures: frozenset[str] = frozenset()  # numbers and months: near copies must agree on them
    matched: set[str] = field(default_factory=set)  # question term groups in the sentence
    near: set[str] = field(default_factory=set)  # ...only in a neighbouring sentence of its paragraph
    cover: float = 0.0
    cue: float = 0.0  # how well it carries the kind of answer asked for (``text.cues.cue``), set when scored
    score: float = 0.0
    vector: np.ndarray | None = None  # its unit vector, from the embedding model


@dataclass(frozen=True)
class SentenceTerms:
    terms: frozenset[str]
    content: frozenset[str]
    figures: frozenset[str]


class SentenceReader:
    """Reads the evidence into candidate sentences; a sentence's analysis depends on its text alone,
    and passages recur across questions, so analyses are kept."""

    def __init__(self) -> None:
        self._analysed: Memo[str, SentenceTerms] = Memo(ANALYSIS_CACHE)

    def candidates(self, evidence: Evidence) -> list[Sentence]:
        """The quotable sentences of the kept passages, each once, in passage rank order."""
        seen: set[tuple[str, int]] = set()
        out = []
        for rank, p in enumerate(evidence.passages):
            text = evidence.texts[p.article_id]
            for s, e, quotable in evidence.sentences(p.article_id, p.start, p.end):
                if (p.article_id, s) in seen:
                    continue
                seen.add((p.article_id, s))
                if not quotable:
                    continue
                sent = text[s:e]
                a = self._analyse(sent)
                out.append(Sentence(p.article_id, s, e, sent, a.terms, a.content, rank, p, a.figures))
        return out

    def _analyse(self, sentence: str) -> SentenceTerms:
        def compute() -> SentenceTerms:
            all_terms, content = sentence_terms(sentence)
            return SentenceTerms(all_terms, content, frozenset(figures(sentence)))

        return self._analysed.get(sentence, compute)


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*|\b(?:" + "|".join(m.capitalize() for m in MONTHS) + r")\b")


def figures(text: str) -> set[str]:
    """The numbers and month names of a text, thousands separators dropped."""
    return {f.replace(",", "") for f in _FIGURE.findall(text)}
