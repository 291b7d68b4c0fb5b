"""Dates users type for --since and --until: calendar forms and everyday forms relative to today.

Every expected date below was worked out by hand from a calendar, not by the code under test.
"""

import subprocess
import sys
import unicodedata
from datetime import date

import pytest

from lbsearch.dates import DateInputError, parse_user_date

WEDNESDAY = date(2026, 11, 25)  # an ordinary day in the middle of a week and a month
NEW_YEARS_DAY = date(2026, 1, 1)  # a Thursday: last month and last year cross the year
END_OF_MARCH = date(2024, 3, 31)  # a Sunday in a leap year: month clamping
LEAP_DAY = date(2024, 2, 29)


def d(text: str) -> date:
    return date.fromisoformat(text)


def one_day(text: str) -> tuple[date, date]:
    return d(text), d(text)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("today", one_day("2026-11-25")),
        ("yesterday", one_day("2026-11-24")),
        ("this week", (d("2026-11-23"), d("2026-11-29"))),
        ("last week", (d("2026-11-16"), d("2026-11-22"))),
        ("this month", (d("2026-11-01"), d("2026-11-30"))),
        ("last month", (d("2026-10-01"), d("2026-10-31"))),
        ("this year", (d("2026-01-01"), d("2026-12-31"))),
        ("last year", (d("2025-01-01"), d("2025-12-31"))),
    ],
)
def test_english_named_periods(typed, expected):
    assert parse_user_date(typed, today=WEDNESDAY) == expected


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("hôm nay", one_day("2026-11-25")),
        ("hôm qua", one_day("2026-11-24")),
        ("tuần này", (d("2026-11-23"), d("2026-11-29"))),
        ("tuần trước", (d("2026-11-16"), d("2026-11-22"))),
        ("tháng này", (d("2026-11-01"), d("2026-11-30"))),
        ("tháng trước", (d("2026-10-01"), d("2026-10-31"))),
        ("năm nay", (d("2026-01-01"), d("2026-12-31"))),
        ("năm ngoái", (d("2025-01-01"), d("2025-12-31"))),
        ("năm trước", (d("2025-01-01"), d("2025-12-31"))),
    ],
)
def test_vietnamese_named_periods(typed, expected):
    assert parse_user_date(typed, today=WEDNESDAY) == expected


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("0 days ago", one_day("2026-11-25")),
        ("1 day ago", one_day("2026-11-24")),
        ("3 days ago", one_day("2026-11-22")),
        ("30 days ago", one_day("2026-10-26")),
        ("1 week ago", one_day("2026-11-18")),
        ("2 weeks ago", one_day("2026-11-11")),
        ("1 month ago", one_day("2026-10-25")),
        ("3 months ago", one_day("2026-08-25")),
        ("12 months ago", one_day("2025-11-25")),
        ("1 year ago", one_day("2025-11-25")),
        ("10 years ago", one_day("2016-11-25")),
        ("7d", one_day("2026-11-18")),
        ("2w", one_day("2026-11-11")),
        ("3m", one_day("2026-08-25")),
        ("1y", one_day("2025-11-25")),
        ("0d", one_day("2026-11-25")),
        ("3 ngày trước", one_day("2026-11-22")),
        ("2 tuần trước", one_day("2026-11-11")),
        ("3 tháng trước", one_day("2026-08-25")),
        ("1 năm trước", one_day("2025-11-25")),
    ],
)
def test_units_ago_name_one_day(typed, expected):
    assert parse_user_date(typed, today=WEDNESDAY) == expected


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("hom nay", one_day("2026-11-25")),
        ("hom qua", one_day("2026-11-24")),
        ("tuan nay", (d("2026-11-23"), d("2026-11-29"))),
        ("tuan truoc", (d("2026-11-16"), d("2026-11-22"))),
        ("thang truoc", (d("2026-10-01"), d("2026-10-31"))),
        ("nam ngoai", (d("2025-01-01"), d("2025-12-31"))),
        ("3 ngay truoc", one_day("2026-11-22")),
        ("2 thang truoc", one_day("2026-09-25")),
    ],
)
def test_vietnamese_without_accents(typed, expected):
    assert parse_user_date(typed, today=WEDNESDAY) == expected


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("TODAY", one_day("2026-11-25")),
        ("Last Month", (d("2026-10-01"), d("2026-10-31"))),
        ("  last   week  ", (d("2026-11-16"), d("2026-11-22"))),
        ("\tThis\u00a0Year ", (d("2026-01-01"), d("2026-12-31"))),
        ("7D", one_day("2026-11-18")),
        ("3 DAYS AGO", one_day("2026-11-22")),
        ("3days ago", one_day("2026-11-22")),
        ("HÔM NAY", one_day("2026-11-25")),
        ("THÁNG TRƯỚC", (d("2026-10-01"), d("2026-10-31"))),
        ("Năm  Ngoái", (d("2025-01-01"), d("2025-12-31"))),
        ("  3   NGÀY   TRƯỚC ", one_day("2026-11-22")),
        (unicodedata.normalize("NFD", "tuần trước"), (d("2026-11-16"), d("2026-11-22"))),
    ],
)
def test_case_spaces_and_decomposed_accents_do_not_matter(typed, expected):
    assert parse_user_date(typed, today=WEDNESDAY) == expected


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("yesterday", one_day("2025-12-31")),
        ("this week", (d("2025-12-29"), d("2026-01-04"))),
        ("last week", (d("2025-12-22"), d("2025-12-28"))),
        ("this month", (d("2026-01-01"), d("2026-01-31"))),
        ("last month", (d("2025-12-01"), d("2025-12-31"))),
        ("tháng trước", (d("2025-12-01"), d("2025-12-31"))),
        ("last year", (d("2025-01-01"), d("2025-12-31"))),
        ("1 month ago", one_day("2025-12-01")),
        ("1w", one_day("2025-12-25")),
        ("1d", one_day("2025-12-31")),
    ],
)
def test_periods_cross_the_new_year(typed, expected):
    assert parse_user_date(typed, today=NEW_YEARS_DAY) == expected


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1 month ago", one_day("2024-02-29")),
        ("1m", one_day("2024-02-29")),
        ("2 months ago", one_day("2024-01-31")),
        ("1 tháng trước", one_day("2024-02-29")),
        ("13 months ago", one_day("2023-02-28")),
        ("1 year ago", one_day("2023-03-31")),
        ("last month", (d("2024-02-01"), d("2024-02-29"))),
        # A Sunday ends its Monday-to-Sunday week.
        ("this week", (d("2024-03-25"), d("2024-03-31"))),
        ("last week", (d("2024-03-18"), d("2024-03-24"))),
    ],
)
def test_months_back_clamp_to_the_end_of_a_shorter_month(typed, expected):
    assert parse_user_date(typed, today=END_OF_MARCH) == expected


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1 year ago", one_day("2023-02-28")),
        ("1y", one_day("2023-02-28")),
        ("1 năm trước", one_day("2023-02-28")),
        ("4 years ago", one_day("2020-02-29")),
        ("12 months ago", one_day("2023-02-28")),
        ("1 month ago", one_day("2024-01-29")),
        ("năm ngoái", (d("2023-01-01"), d("2023-12-31"))),
        ("this month", (d("2024-02-01"), d("2024-02-29"))),
    ],
)
def test_years_back_from_leap_day(typed, expected):
    assert parse_user_date(typed, today=LEAP_DAY) == expected


def test_today_defaults_to_the_real_today():
    before = date.today()
    start, end = parse_user_date("today")
    after = date.today()
    assert start == end
    assert start in (before, after)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("2024", (d("2024-01-01"), d("2024-12-31"))),
        ("2024-02", (d("2024-02-01"), d("2024-02-29"))),
        ("2023-2", (d("2023-02-01"), d("2023-02-28"))),
        ("2024-02-29", one_day("2024-02-29")),
        ("29/02/2024", one_day("2024-02-29")),
        ("3/12/2024", one_day("2024-12-03")),
        (" 2022-05-20 ", one_day("2022-05-20")),
    ],
)
def test_calendar_forms_still_work_and_ignore_today(typed, expected):
    assert parse_user_date(typed) == expected
    assert parse_user_date(typed, today=NEW_YEARS_DAY) == expected


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2024-13", "'2024-13' is not a date: there is no month 13"),
        ("2023-02-29", "'2023-02-29' is not a date: 2023-02 has 28 days"),
        ("31/04/2024", "'31/04/2024' is not a date: 2024-04 has 30 days"),
    ],
)
def test_bad_calendar_dates_keep_their_messages(typed, message):
    with pytest.raises(DateInputError) as caught:
        parse_user_date(typed, today=WEDNESDAY)
    assert str(caught.value) == message


def test_unknown_form_names_the_input_and_lists_every_form():
    with pytest.raises(DateInputError) as caught:
        parse_user_date("tuesday", today=WEDNESDAY)
    assert str(caught.value) == (
        "'tuesday' is not a date: use YYYY, YYYY-MM, YYYY-MM-DD, DD/MM/YYYY, today, yesterday, "
        "this/last week|month|year, N days|weeks|months|years ago, 7d/2w/3m/1y, or hôm nay, "
        "hôm qua, tuần/tháng này|trước, năm nay|ngoái, N ngày|tuần|tháng|năm trước"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "", "   ", "0000", "12345", "next week", "last decade", "tháng sau", "tuần sau",
        "-3 days ago", "3.5 days ago", "three days ago", "3 days", "3 ngày", "ngày trước",
        "3 days truoc", "3 ngày ago", "7x", "d7", "last  ", "hôm", "2024-05-xx",
    ],
)
def test_other_text_is_refused_on_one_line(typed):
    with pytest.raises(DateInputError) as caught:
        parse_user_date(typed, today=WEDNESDAY)
    message = str(caught.value)
    assert message.startswith(f"{typed.strip()!r} is not a date: use YYYY, YYYY-MM")
    assert "N ngày|tuần|tháng|năm trước" in message
    assert "\n" not in message


def test_the_oldest_reachable_day_is_year_one():
    assert parse_user_date("2025 years ago", today=WEDNESDAY) == one_day("0001-11-25")


@pytest.mark.parametrize(
    "typed",
    ["2026 years ago", "99999 years ago", "99999y", "100000 năm trước", "9999999999 days ago",
     "99999999999999999999 weeks ago", "30000 months ago", "9" * 5000 + "d"],
)
def test_absurd_counts_are_a_date_error_not_a_crash(typed):
    with pytest.raises(DateInputError) as caught:
        parse_user_date(typed, today=WEDNESDAY)
    message = str(caught.value)
    assert message.startswith(repr(typed)[:20])
    assert "\n" not in message


def test_importing_dates_does_not_import_text_folding():
    # fold lives in lbsearch.text, which loads unidecode and a JSON table: dates
    # must stay cheap to import for every command that never reads a relative date.
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import sys, lbsearch.dates; print(sorted({'lbsearch.text', 'unidecode'} & set(sys.modules)))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert loaded == "[]"
