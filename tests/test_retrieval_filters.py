"""Publication-window bounds: what the CLI and the API accept, and the one error for the rest."""

import pytest

from assistant.errors import InputError
from assistant.retrieval.filters import period_bound


@pytest.mark.parametrize(
    ("typed", "bound"),
    [("2021", "2021-01-01"), ("2021-06", "2021-06-01"), (" 2021-12 ", "2021-12-01"),
     ("2025-06-25", "2025-06-25"), ("2025-06-25T10:00:00Z", "2025-06-25T10:00:00Z"), ("20250625", "20250625")],
)
def test_dates_years_and_months_become_iso_bounds(typed, bound):
    assert period_bound(typed) == bound


@pytest.mark.parametrize("typed", ["yesterday", "", "2021-13", "2021-00", "0000", "21", "2021/06/25", "June 2021",
                                   "2021-02-30", "1e9"])
def test_anything_else_is_an_input_error_naming_the_option(typed):
    with pytest.raises(InputError, match=r"--after .* is not a date"):
        period_bound(typed, "--after")
