"""evals.stats: the percentile, share, hits@k, MRR and MultiHop scoring every report and benchmark shares."""

from __future__ import annotations

import pytest

from evals.stats import (
    fact_overlap,
    first_gold_rank,
    hits_at,
    mrr,
    overlap_quoted_facts,
    percentile,
    quoted_facts,
    share,
    strictly_quoted_facts,
)

FACT = "Saltmere Ferries ordered three electric ferries for the Velmora route."
OTHER = "The ships arrive in 2026 and replace the diesel boats."


@pytest.mark.parametrize(
    ("xs", "p", "ndigits", "expected"),
    [
        pytest.param([], 50, None, None, id="empty-is-none"),
        pytest.param([], 95, 1, None, id="empty-is-none-even-rounded"),
        pytest.param([7.0], 0, None, 7.0, id="one-value-p0"),
        pytest.param([7.0], 100, None, 7.0, id="one-value-p100"),
        pytest.param([3, 1, 2], 50, None, 2, id="unsorted-input"),
        pytest.param([1, 2, 3, 4], 0, None, 1, id="p0-is-min"),
        pytest.param([1, 2, 3, 4], 100, None, 4, id="p100-is-max"),
        # nearest rank, never the mean of the two middle values; index 1.5 rounds half to even: 2
        pytest.param([1, 2, 3, 4], 50, None, 3, id="even-count-median-rounds-half-to-even-up"),
        # index 2.5 rounds half to even: 2
        pytest.param([1, 2, 3, 4, 5, 6], 50, None, 3, id="even-count-median-rounds-half-to-even-down"),
        pytest.param([5, 5, 5, 9], 50, None, 5, id="ties"),
        pytest.param(list(range(1, 21)), 95, None, 19, id="p95-of-20"),
        pytest.param(list(range(1, 101)), 99, None, 99, id="p99-of-100"),
        pytest.param([1.234, 5.678], 100, 1, 5.7, id="rounded-to-1"),
        pytest.param([1.234, 5.678], 0, 2, 1.23, id="rounded-to-2"),
    ],
)
def test_percentile(xs, p, ndigits, expected):
    assert percentile(xs, p, ndigits=ndigits) == expected


@pytest.mark.parametrize("p", [pytest.param(-1, id="below-0"), pytest.param(101, id="above-100")])
def test_percentile_outside_0_to_100_is_an_error(p):
    with pytest.raises(ValueError, match="0-100"):
        percentile([1.0, 2.0], p)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([], None, id="empty-is-none"),
        pytest.param([None, None], None, id="only-none-is-none"),
        pytest.param([True, False, None], 0.5, id="none-left-out"),
        pytest.param([True, True, False], 0.667, id="rounded-to-3"),
        pytest.param([False, False], 0.0, id="all-false"),
        pytest.param([True], 1.0, id="all-true"),
    ],
)
def test_share(values, expected):
    assert share(values) == expected


@pytest.mark.parametrize(
    ("ranks", "k", "expected"),
    [
        pytest.param([], 5, None, id="empty-is-none"),
        pytest.param([None, None], 10, 0.0, id="only-misses"),
        pytest.param([1, None, 5], 1, 0.333, id="none-counts-as-a-miss"),
        pytest.param([1, None, 5], 4, 0.333, id="rank-beyond-k-is-a-miss"),
        pytest.param([1, None, 5], 5, 0.667, id="rank-equal-to-k-is-a-hit"),
        pytest.param([2, 2], 1, 0.0, id="ties-below-cutoff"),
        pytest.param([2, 2], 2, 1.0, id="ties-at-cutoff"),
    ],
)
def test_hits_at(ranks, k, expected):
    assert hits_at(ranks, k) == expected


@pytest.mark.parametrize(
    ("ranks", "k", "expected"),
    [
        pytest.param([], None, None, id="empty-is-none"),
        pytest.param([], 10, None, id="empty-with-k-is-none"),
        pytest.param([None], None, 0.0, id="only-a-miss"),
        pytest.param([1, 2, None, 4], None, 0.438, id="none-adds-0"),
        pytest.param([1, 2, None, 4], 2, 0.375, id="rank-beyond-k-adds-0"),
        pytest.param([1, 2, None, 4], 4, 0.438, id="rank-equal-to-k-counts"),
        pytest.param([3, 3], None, 0.333, id="ties"),
        pytest.param([1, 4, 20], 10, 0.417, id="k-10-as-multihop-reports"),
    ],
)
def test_mrr(ranks, k, expected):
    assert mrr(ranks, k) == expected


@pytest.mark.parametrize(
    ("facts", "texts", "expected"),
    [
        pytest.param([], ["anything"], None, id="null-query-has-no-rank"),
        pytest.param([FACT], [], None, id="no-passages"),
        pytest.param([FACT], ["x", f"Port Daily: {FACT}"], 2, id="fact-inside-second-passage"),
        pytest.param([FACT], [FACT, "x", FACT], 1, id="first-of-several-hits"),
        pytest.param([FACT, OTHER], ["x", "y", OTHER], 3, id="any-gold-fact-counts"),
        pytest.param([FACT], [FACT[:30], FACT[30:]], None, id="fact-split-across-passages-is-a-miss"),
    ],
)
def test_first_gold_rank(facts, texts, expected):
    assert first_gold_rank(facts, texts) == expected


@pytest.mark.parametrize(
    ("facts", "quotes", "expected"),
    [
        pytest.param([], ["anything"], set(), id="null-query-quotes-nothing"),
        pytest.param([FACT], [], set(), id="no-quotes"),
        pytest.param([FACT], [FACT], {FACT}, id="quote-is-the-fact"),
        pytest.param([FACT], [f"As reported, {FACT} More later."], {FACT}, id="quote-contains-the-fact"),
        pytest.param([FACT], [FACT[:41]], {FACT}, id="part-of-41-chars-counts"),
        pytest.param([FACT], [FACT[:40]], set(), id="part-of-40-chars-is-a-fragment"),
        pytest.param([FACT], ["ferries"], set(), id="one-word-is-a-fragment"),
        pytest.param([FACT], [""], set(), id="empty-quote-is-a-fragment"),
        pytest.param([FACT, OTHER], [OTHER], {OTHER}, id="only-the-quoted-fact"),
        pytest.param([FACT, FACT], [FACT], {FACT}, id="repeated-gold-fact-counts-once"),
    ],
)
def test_quoted_facts(facts, quotes, expected):
    assert quoted_facts(facts, quotes) == expected


@pytest.mark.parametrize(
    ("facts", "quotes", "expected"),
    [
        pytest.param([], [FACT], set(), id="null-query-quotes-nothing"),
        pytest.param([FACT], [], set(), id="no-quotes"),
        pytest.param([FACT], [FACT], {FACT}, id="quote-is-the-fact"),
        pytest.param([FACT], [f"As reported, {FACT} More later."], {FACT}, id="quote-contains-the-fact"),
        pytest.param([FACT], [FACT[:-1]], set(), id="one-character-short-is-not-strict"),
        pytest.param([FACT], [FACT.lower()], set(), id="case-differs-is-not-strict"),
        pytest.param([FACT], [FACT[:30], FACT[30:]], set(), id="fact-split-across-quotes-is-not-strict"),
        pytest.param([FACT, OTHER], [f"{OTHER} {FACT}"], {FACT, OTHER}, id="one-quote-holds-both"),
        pytest.param([FACT, OTHER], [OTHER], {OTHER}, id="only-the-quoted-fact"),
        pytest.param([""], ["anything"], set(), id="empty-fact-is-never-quoted"),
    ],
)
def test_strictly_quoted_facts(facts, quotes, expected):
    assert strictly_quoted_facts(facts, quotes) == expected


CUT = int(len(FACT) * 0.8)  # the shortest run of the fact that still counts


@pytest.mark.parametrize(
    ("facts", "quotes", "expected"),
    [
        pytest.param([FACT], [FACT], {FACT}, id="whole-fact"),
        pytest.param([FACT], [FACT[: CUT + 1]], {FACT}, id="over-80-percent-prefix"),
        pytest.param([FACT], ["Earlier: " + FACT[-(CUT + 1):]], {FACT}, id="over-80-percent-suffix-in-longer-quote"),
        pytest.param([FACT], [FACT[: CUT - 2]], set(), id="under-80-percent"),
        pytest.param([FACT], [FACT[:30], FACT[30:]], set(), id="two-quotes-of-a-part-each-do-not-add-up"),
        pytest.param([FACT], [FACT[:20] + " [...] " + FACT[20:]], set(), id="broken-run-counts-its-longest-piece"),
        pytest.param([FACT], [""], set(), id="empty-quote"),
        pytest.param([], [FACT], set(), id="no-facts"),
    ],
)
def test_overlap_quoted_facts(facts, quotes, expected):
    assert overlap_quoted_facts(facts, quotes) == expected


@pytest.mark.parametrize(
    ("fact", "quote", "expected"),
    [
        pytest.param("abcdefghij", "abcdefghij", 1.0, id="same"),
        pytest.param("abcdefghij", "xx abcdefghij yy", 1.0, id="inside"),
        pytest.param("abcdefghij", "abcde", 0.5, id="half"),
        pytest.param("abcdefghij", "zzzz", 0.0, id="nothing-shared"),
        pytest.param("", "abc", 0.0, id="empty-fact"),
        pytest.param("abc", "", 0.0, id="empty-quote"),
        # a long text whose frequent characters difflib's autojunk would drop: the run must still be found
        # a quote of 200+ characters made of characters frequent in it, which difflib's autojunk would drop
        pytest.param("e e e e e " * 30, "!" + ("e e e e e " * 30)[:240], 0.8, id="frequent-characters-are-not-junk"),
    ],
)
def test_fact_overlap(fact, quote, expected):
    assert fact_overlap(fact, quote) == pytest.approx(expected)
