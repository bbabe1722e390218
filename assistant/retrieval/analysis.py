"""The question analysed once: ``analyse`` reads a question (and the conversation before it) into a
``QueryAnalysis`` that every later stage takes, so no stage reads the question again.

Two texts are read, because retrieval and answering want different things of a follow-up:
retrieval searches with the follow-up and its context as one text (``retrieval_text``: its
term alternatives, the outlets and publication windows it names), while the answerer weighs the
question's own words above those it inherits from its context (``terms`` and ``context_terms``).
Without a context the two texts are one and are read once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.errors import InputError
from assistant.index import published_ts
from assistant.retrieval.filters import Filters
from assistant.retrieval.question import entity_terms, mentioned_sources, metadata_field, sub_questions
from assistant.text.cues import question_type
from assistant.text.dates import mentioned_days, mentioned_years, time_windows
from assistant.text.terms import expansions, terms

FOLLOW_UP_TURNS = 2  # earlier questions a follow-up without a rewrite inherits its subject from
MAX_K = 100

Rewrite = Callable[[str, list[str]], "str | None"]
Window = tuple[float | None, float | None]


def validate_question(question: str, max_chars: int) -> str:
    """The question, stripped; InputError when empty or longer than ``max_chars``."""
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty: ask something, e.g. citewise ask \"why did Türkiye buy the S-400?\"")
    if len(question) > max_chars:
        raise InputError(f"the question is {len(question)} characters long; the limit is {max_chars}")
    return question.strip()


@dataclass(frozen=True)
class QueryAnalysis:
    """Everything the stages after ``analyse`` know of the question. Read-only: a stage that needs
    to change a term map copies it first, since one analysis may serve several answers."""

    question: str  # validated; for a follow-up, the answerer's stand-alone rewrite of it if it made one
    context: str = ""  # earlier questions a follow-up takes its subject from (when not rewritten)
    k: int = 8
    filters: Filters = field(default_factory=Filters)
    after: float | None = None  # the filters' publication window, epoch seconds
    before: float | None = None
    kind: str = "what"  # text.cues.question_type: why, when, how_much, ...
    metadata_field: str | None = None  # author, source, published or title, for a question about an article
    terms: dict[str, set[str]] = field(default_factory=dict)  # the question's term groups (expansions)
    context_terms: dict[str, set[str]] = field(default_factory=dict)
    outlets: list[str] = field(default_factory=list)  # outlets the question names
    context_outlets: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)  # years the question names
    days: list[str] = field(default_factory=list)  # calendar days it names, ISO ("October 7, 2023")
    entities: set[str] = field(default_factory=set)  # terms of the names and codes it asks about
    # retrieval's reading: the follow-up and its context as one text
    retrieval_text: str = ""
    alternatives: frozenset[str] = frozenset()  # every term that may stand for one of its words
    retrieval_outlets: list[str] = field(default_factory=list)  # none under a hard source filter
    windows: list[Window] = field(default_factory=list)  # publication windows; none under a hard date filter
    # the term groups of each part of a question that names outlets several times (one a side)
    parts: list[dict[str, set[str]]] = field(default_factory=list)
    part_outlets: list[list[str]] = field(default_factory=list)  # the outlets each part names
    part_days: list[list[str]] = field(default_factory=list)  # the calendar days each part names, ISO


def _less(groups: dict[str, set[str]], outlets: list[str]) -> dict[str, set[str]]:
    """The term groups without the outlets' names: a side's outlet is met by metadata, not text."""
    names = {t for src in outlets for t in terms(src)}
    return {g: alts for g, alts in groups.items() if g not in names}


def analyse(question: str, *, sources: Sequence[str], k: int = 8, filters: Filters | None = None,
            history: Sequence[str] = (), rewrite: Rewrite | None = None, max_chars: int = 2000) -> QueryAnalysis:
    """Validate and read ``question``. ``sources`` are the store's outlets; ``history`` the earlier questions
    of the conversation, oldest first; ``rewrite(question, history)`` may turn a follow-up into a stand-alone
    question (an LLM answerer does), else the last earlier questions become its context."""
    question = validate_question(question, max_chars)
    if not 1 <= k <= MAX_K:
        raise InputError(f"k must be between 1 and {MAX_K}, not {k}")
    context = ""
    if history:
        rewritten = rewrite(question, list(history)) if rewrite is not None else None
        if rewritten is not None:
            question = rewritten
        else:
            context = " ".join(history[-FOLLOW_UP_TURNS:])[-max_chars:]
    filters = filters or Filters()
    sources = list(sources)
    after, before = published_ts(filters.published_after), published_ts(filters.published_before)
    terms = expansions(question)
    outlets = mentioned_sources(question, sources)
    parts = sub_questions(question, sources)
    text = f"{context} {question}".strip()
    if text == question:
        text_terms, text_outlets = terms, outlets
    else:
        text_terms = expansions(text)
        text_outlets = [] if filters.source else mentioned_sources(text, sources)
    return QueryAnalysis(
        question=question, context=context, k=k, filters=filters, after=after, before=before,
        kind=question_type(question), metadata_field=metadata_field(question), terms=terms,
        context_terms=expansions(context) if context else {},
        outlets=outlets, context_outlets=mentioned_sources(context, sources) if context else [],
        years=mentioned_years(question), days=mentioned_days(question), entities=entity_terms(question, sources),
        retrieval_text=text, alternatives=frozenset(t for g in text_terms.values() for t in g if t),
        # a hard filter already says which outlets and dates: the question's own hints would only narrow it
        retrieval_outlets=[] if filters.source else text_outlets,
        windows=[] if (after or before) else time_windows(text),
        parts=[_less(expansions(part), outlets) for part in parts],
        part_outlets=[mentioned_sources(part, outlets) for part in parts],
        part_days=[mentioned_days(part) for part in parts],
    )
