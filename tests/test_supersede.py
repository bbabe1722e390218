"""Corrections: which article texts announce that they correct an earlier version."""

from __future__ import annotations

import pytest

from assistant.supersede import _CORRECTION, is_correction


@pytest.mark.parametrize("text, expected", [
    ("Lead.\nAn earlier version of this article misstated the date.", True),
    ("A previous version of this story gave the wrong figure.", True),
    ("This article has been corrected to show the right price.", True),
    ("This story was updated on Monday with the minister's reply.", True),
    ("Body text.\nCorrection: the meeting is on 3 May, not 3 March.", True),
    ("This corrects an earlier report on the vote.", True),
    ("The ministry updated its forecast and corrected course.", False),
    ("An earlier version of the plan was rejected.", False),
    ("Nothing here refers to any change at all.", False),
])
def test_corrections_are_told_from_articles_that_only_use_the_words(text, expected):
    assert is_correction(text) is expected
    assert is_correction(text) == bool(_CORRECTION.search(text))  # the quick test never hides a match
