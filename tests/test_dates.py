"""ingest.dates: dates written as ISO or in words to ISO 8601, and datelines."""

from __future__ import annotations

import pytest

from ingest import dates, metadata
from ingest.dates import dateline_value, normalize_date


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2023-09-26T21:11:15+00:00", "2023-09-26T21:11:15+00:00"),
        ("2023-09-26T21:11:15Z", "2023-09-26T21:11:15+00:00"),
        ("2023-09-26 21:11", "2023-09-26T21:11:00"),
        ("2023-09-26", "2023-09-26"),
        ("2025/06/25", "2025-06-25"),
        ("25 June 2025 19:17", "2025-06-25T19:17:00"),
        ("18:11, September 25, 2020 | Updated: 16:09, June 5, 2023", "2020-09-25T18:11:00"),
        ("Sept. 25, 2020", "2020-09-25"),
        ("September 25, 2020 at 6:11 p.m. EDT", "2020-09-25T18:11:00"),
        ("6:11 PM EDT, Friday, Sept. 25, 2020", "2020-09-25T18:11:00"),
        ("Friday, 25th of June 2025", "2025-06-25"),
        ("25/06/2025", None),
        ("February 30, 2020", None),
        ("", None),
        ("no date here", None),
    ],
)
def test_normalize_date(value, iso):
    assert normalize_date(value) == iso


def test_normalize_date_is_still_importable_from_metadata():
    assert metadata.normalize_date is dates.normalize_date


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("25 June 2025 19:17", "2025-06-25T19:17:00"),
        ("Friday, September 25, 2020 at 6:11 p.m.", "2020-09-25T18:11:00"),
        ("Updated: 16:09, June 5, 2023", "2023-06-05T16:09:00"),
        ("The bridge, closed on June 9, 2020 after a crash, reopened on Tuesday.", None),
        ("25/06/2025", None),
    ],
)
def test_dateline_value_is_the_date_of_a_line_that_is_mostly_a_date(line, iso):
    assert dateline_value(line) == iso
