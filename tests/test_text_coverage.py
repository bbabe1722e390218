"""The share of a question's weighted term groups a term set holds, through an index of the alternatives."""

from __future__ import annotations

import random

import pytest

from assistant.text.coverage import Coverage


def _plain(groups: dict[str, set[str]], weights: dict[str, float], held: frozenset[str], missing: float) -> float:
    """The definition: the weights of the groups with an alternative held, added in the groups' order."""
    total = sum(weights.get(g, missing) for g in groups) or 1.0
    return sum(weights.get(g, missing) for g, alts in groups.items() if alts & held) / total


@pytest.mark.parametrize("missing", [0.0, 1.0])
def test_a_share_is_the_plain_sums_to_the_bit(missing):
    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(40)]
    for _ in range(300):
        groups = {f"g{i}": set(rng.sample(vocab, rng.randint(1, 3))) for i in range(rng.randint(0, 12))}
        weights = {g: rng.uniform(0.1, 9.0) for g in groups if rng.random() < 0.8}  # some groups unweighted
        share = Coverage(groups, weights, missing)
        for _ in range(5):
            held = frozenset(rng.sample(vocab, rng.randint(0, 15)))
            assert share(held) == _plain(groups, weights, held, missing)


@pytest.mark.parametrize(("held", "expected"), [
    (frozenset(), 0.0),
    (frozenset({"turkey"}), 0.75),
    (frozenset({"turkiye", "s400"}), 1.0),  # either alternative holds its group; a group counts once
    (frozenset({"turkey", "turkiye"}), 0.75),
    (frozenset({"nato"}), 0.0),
], ids=["nothing", "one-group", "both", "two-alternatives-one-group", "neither"])
def test_a_group_counts_once_whichever_alternative_holds_it(held, expected):
    share = Coverage({"turkey": {"turkey", "turkiye"}, "s400": {"s400"}}, {"turkey": 3.0, "s400": 1.0})
    assert share(held) == expected


def test_no_groups_hold_nothing():
    assert Coverage({}, {})(frozenset({"pier"})) == 0.0
