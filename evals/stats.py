"""The small statistics every report shares: percentiles, hits@k, MRR, shares, and MultiHop-RAG's scoring.

One definition of each, so the eval report, the MultiHop runner and the benchmarks cannot drift apart.
Ranks are 1-based; ``None`` is a question whose gold evidence was not retrieved and counts as a miss.
Shares and rank figures come rounded to 3 places, as every report prints them; an empty input gives
``None`` (nothing measured), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

DIGITS = 3
# below this a quote inside a gold fact is a fragment ("the company said"), not the fact quoted
MIN_PARTIAL_QUOTE = 40
# a quote sharing this much of a fact, in one piece, quotes it (the rest is a clause in the next sentence)
MIN_FACT_OVERLAP = 0.8


def percentile(xs: Iterable[float], p: float, ndigits: int | None = None) -> float | None:
    """The ``p``-th percentile (0-100) of ``xs`` by nearest rank: the sorted value at index
    ``round(p / 100 * (n - 1))`` (Python's round, half to even), never interpolated, so it is
    always a measured value. ``None`` when ``xs`` is empty; rounded to ``ndigits`` when given."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0-100, not {p}")
    ordered = sorted(xs)
    if not ordered:
        return None
    value = ordered[int(round(p / 100 * (len(ordered) - 1)))]
    return value if ndigits is None else round(value, ndigits)


def share(values: Iterable[bool | None]) -> float | None:
    """The share of true values; ``None`` values (not applicable) are left out of the count."""
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), DIGITS) if known else None


def hits_at(ranks: Sequence[int | None], k: int) -> float | None:
    """Hits@k: the share of questions whose first gold rank is ``k`` or better."""
    return share([r is not None and r <= k for r in ranks])


def mrr(ranks: Sequence[int | None], k: int | None = None) -> float | None:
    """Mean reciprocal rank over all questions, a miss (or a rank beyond ``k``) adding 0."""
    if not ranks:
        return None
    return round(sum(1 / r for r in ranks if r and (k is None or r <= k)) / len(ranks), DIGITS)


def first_gold_rank(facts: Sequence[str], texts: Iterable[str]) -> int | None:
    """1-based rank of the first passage text that contains a gold fact word for word, or ``None``."""
    return next((rank for rank, text in enumerate(texts, 1) if any(f in text for f in facts)), None)


def quoted_facts(facts: Sequence[str], quotes: Sequence[str]) -> set[str]:
    """The gold facts the answer quotes: a quote holds the whole fact, or is a part of it longer than
    ``MIN_PARTIAL_QUOTE`` characters (a fact often spans two sentences, and an answer quotes one)."""
    return {f for f in facts if any(f in q or (len(q) > MIN_PARTIAL_QUOTE and q in f) for q in quotes)}


def strictly_quoted_facts(facts: Sequence[str], quotes: Sequence[str]) -> set[str]:
    """The gold facts that stand whole, word for word, inside some quote."""
    return {f for f in facts if f and any(f in q for q in quotes)}


def overlap_quoted_facts(facts: Sequence[str], quotes: Sequence[str],
                         min_overlap: float = MIN_FACT_OVERLAP) -> set[str]:
    """The gold facts of which some quote holds an unbroken run of at least ``min_overlap`` of the
    characters: a fact quoted whole, or all but a trailing clause the answer left out."""
    return {f for f in facts if f and any(fact_overlap(f, q) >= min_overlap for q in quotes)}


def fact_overlap(fact: str, quote: str) -> float:
    """The share of ``fact`` (0-1) covered by its longest common run of characters with ``quote``."""
    if not fact or not quote:
        return 0.0
    if fact in quote:
        return 1.0
    # autojunk off: it treats characters frequent in a long text (spaces, "e") as junk and misses matches
    match = SequenceMatcher(None, fact, quote, autojunk=False).find_longest_match(0, len(fact), 0, len(quote))
    return match.size / len(fact)
