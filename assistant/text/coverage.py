"""How much of a question's weighted term groups a set of terms holds: the share of their weights (IDF)
whose group has an alternative among the terms.

A question is weighed against many term sets (~30 passages of ~8 sentences for the reranker, ~100
sentences for the answerer): each set is looked up in an index of the groups' alternatives instead of
being intersected with every group. The weights are added in the groups' order, so a share is the one a
plain sum over the groups gives, to the bit.
"""

from __future__ import annotations


class Coverage:
    """The share of ``groups``' weights held by a term set; a group without a weight weighs ``missing``."""

    def __init__(self, groups: dict[str, set[str]], weights: dict[str, float], missing: float = 0.0) -> None:
        self.weights = [weights.get(g, missing) for g in groups]
        self.total = sum(self.weights) or 1.0
        self.index: dict[str, list[int]] = {}
        for i, alts in enumerate(groups.values()):
            for t in alts:
                self.index.setdefault(t, []).append(i)

    def __call__(self, held: frozenset[str]) -> float:
        hit: set[int] = set()
        for t in self.index.keys() & held:
            hit.update(self.index[t])
        return sum(self.weights[i] for i in sorted(hit)) / self.total
