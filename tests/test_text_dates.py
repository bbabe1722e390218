"""assistant.text.dates: the one month and weekday table, read by every module that knows dates,
and the publication windows and years a question names."""

from datetime import UTC, datetime

import pytest

from assistant.text.cues import cue
from assistant.text.dates import MONTHS, WEEKDAYS, mentioned_years, month_number, time_windows
from assistant.text.sentences import sentence_spans
from ingest.bylines import byline_author
from ingest.dates import dateline_value, normalize_date

# spelled out here, not read from the table, so that a slip in the table shows
MONTH_SPELLINGS = [
    ("january", 1), ("jan", 1), ("february", 2), ("feb", 2), ("march", 3), ("mar", 3),
    ("april", 4), ("apr", 4), ("may", 5), ("june", 6), ("jun", 6), ("july", 7), ("jul", 7),
    ("august", 8), ("aug", 8), ("september", 9), ("sep", 9), ("sept", 9), ("october", 10), ("oct", 10),
    ("november", 11), ("nov", 11), ("december", 12), ("dec", 12),
]
WEEKDAY_SPELLINGS = [
    "monday", "mon", "tuesday", "tue", "tues", "wednesday", "wed", "thursday", "thu", "thurs",
    "friday", "fri", "saturday", "sat", "sunday", "sun",
]


def test_the_table_is_twelve_months_and_seven_days_in_order():
    assert MONTHS[0] == "january" and MONTHS[-1] == "december" and len(MONTHS) == 12
    assert WEEKDAYS[0] == "monday" and WEEKDAYS[-1] == "sunday" and len(WEEKDAYS) == 7


@pytest.mark.parametrize(("spelling", "number"), MONTH_SPELLINGS)
@pytest.mark.parametrize("case", [str.lower, str.capitalize, str.upper])
def test_every_month_spelling_is_read_the_same_everywhere(spelling, number, case):
    word = case(spelling)
    assert month_number(word) == number
    assert normalize_date(f"{word} 5, 2021") == f"2021-{number:02d}-05"
    assert normalize_date(f"5 {word}. 2021") == f"2021-{number:02d}-05"
    assert [(_day(a), _day(b)) for a, b in time_windows(f"since {word} 2021")] == [(f"2021-{number:02d}-01", None)]


@pytest.mark.parametrize("word", ["", "mayor", "marchers", "septem", "monday", "13"])
def test_what_is_not_a_month_has_no_number(word):
    assert month_number(word) is None


@pytest.mark.parametrize("month", MONTHS)
def test_a_month_or_weekday_opens_prose_not_a_byline(month):
    assert byline_author(f"By {month.capitalize()} Smith") is None


@pytest.mark.parametrize("day", WEEKDAYS)
def test_a_weekday_opens_prose_not_a_byline(day):
    assert byline_author(f"By {day.capitalize()} Smith") is None


@pytest.mark.parametrize("day", WEEKDAY_SPELLINGS)
def test_a_weekday_in_a_dateline_is_part_of_the_date(day):
    # one stray word is allowed in a dateline; the weekday must not count as a second
    assert dateline_value(f"{day.capitalize()} edition 25 June 2025") == "2025-06-25"


@pytest.mark.parametrize("month", MONTHS)
def test_a_capitalised_month_is_a_when_cue(month):
    assert cue("when", f"Work starts in {month.capitalize()}.") == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Signed on Sept. 25 in Ankara. Work began.", ["Signed on Sept. 25 in Ankara.", "Work began."]),
        ("Signed on Jan. 5 in Ankara. Work began.", ["Signed on Jan. 5 in Ankara.", "Work began."]),
        # "May." is the whole name, no abbreviation: the sentence ends there
        ("Signed in May. Work began.", ["Signed in May.", "Work began."]),
    ],
)
def test_month_abbreviations_do_not_end_sentences(text, expected):
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


def _day(ts):
    return None if ts is None else datetime.fromtimestamp(ts, UTC).date().isoformat()


@pytest.mark.parametrize(
    ("question", "windows"),
    [
        ("What happened in 2020?", [("2020-01-01", "2021-01-01")]),
        ("news from June 2025", [("2025-06-01", "2025-07-01")]),
        ("after 2021", [("2022-01-01", None)]),
        ("since Sept 2023", [("2023-09-01", None)]),
        ("before March 2024", [(None, "2024-03-01")]),
        ("no date here, just 123", []),
    ],
)
def test_time_windows(question, windows):
    assert [(_day(a), _day(b)) for a, b in time_windows(question)] == windows


def test_mentioned_years():
    assert mentioned_years("in 2020 and 1999, not 123") == [1999, 2020]
