"""Evaluation of citewise: eval sets, scoring and the human-readable report."""
