"""Dates: the ones printed in articles, and the ones users type on the command line.

Vietnamese writes the day before the month, always: 03/12 is the third of December.
Typed dates are calendar forms (2024, 2024-05, 03/12/2024) or everyday forms relative
to today in English or Vietnamese, accents optional ("last month", "tháng trước",
"3 ngay truoc", "7d"); parse_user_date turns either into the first and last day covered.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

# 20/05/2022, 3-12-2024, 16.6.2021: day, month, four-digit year.
FULL_DATE_RE = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?![\d/.-]*\d)")
# A clock time, which marks a byline: 17:40.
TIME_RE = re.compile(r"(?<!\d)([01]?\d|2[0-3]):[0-5]\d(?!\d)")
# A lead's day and month with no year: "Chiều 31/5", "Chiều nay (3/12)", "Ngày 16-6".
LEAD_DAY_MONTH_RE = re.compile(
    r"^(?:\(LĐTĐ\)\s*)?(?:sáng|chiều|tối|trưa|ngày|đêm)(?:\s+nay)?(?:\s+ngày)?\s*\(?\s*"
    r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?(?![\d/.-]*\d)",
    re.IGNORECASE,
)
YEAR_RE = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")

EARLIEST_YEAR = 1945
LATEST_YEAR = 2100


def _days_in(year: int, month: int) -> int:
    """The number of days of a month (calendar.monthrange's, without importing calendar)."""
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - date(year, month, 1)).days


def make_date(day: int, month: int, year: int) -> date | None:
    """The date, or None when it does not exist or lies outside plausible news years."""
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def full_dates(text: str) -> list[date]:
    """Every valid day/month/year date written in the text, in order."""
    found = []
    for match in FULL_DATE_RE.finditer(text):
        value = make_date(int(match[1]), int(match[2]), int(match[3]))
        if value:
            found.append(value)
    return found


_ISO_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?![\d])")


def published_date(value: str) -> date | None:
    """A publication date as scrapers and page metadata write it: ISO 8601
    ("2022-05-20", "2022-05-20T17:40:00+07:00": the day as written, in the page's own
    time zone) or Vietnamese day/month/year ("20/05/2022 17:40"); None otherwise."""
    match = _ISO_DATE_RE.match(value)
    if match:
        return make_date(int(match[3]), int(match[2]), int(match[1]))
    found = full_dates(value)
    return found[0] if found else None


class DateInputError(ValueError):
    """A date typed by the user that is malformed or does not exist."""


_USER_FORMATS = (
    (re.compile(r"^(\d{4})$"), ("y",)),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("d", "m", "y")),
)

# Everyday names for a whole period, as folded words (see _folded_words): the unit of
# the period and how many of them back from the one holding today.
_NAMED_PERIODS = {
    "today": ("day", 0),
    "yesterday": ("day", 1),
    "this week": ("week", 0),
    "last week": ("week", 1),
    "this month": ("month", 0),
    "last month": ("month", 1),
    "this year": ("year", 0),
    "last year": ("year", 1),
    "hom nay": ("day", 0),
    "hom qua": ("day", 1),
    "tuan nay": ("week", 0),
    "tuan truoc": ("week", 1),
    "thang nay": ("month", 0),
    "thang truoc": ("month", 1),
    "nam nay": ("year", 0),
    "nam ngoai": ("year", 1),
    "nam truoc": ("year", 1),
}

# "N units ago" in its three spellings; each names the single day N units before today.
_UNITS_AGO_FORMS = (
    re.compile(r"^(\d+) ?(day|week|month|year)s? ago$"),
    re.compile(r"^(\d+) ?([dwmy])$"),
    re.compile(r"^(\d+) (ngay|tuan|thang|nam) truoc$"),
)
_UNIT_NAMES = {
    "day": "day", "d": "day", "ngay": "day",
    "week": "week", "w": "week", "tuan": "week",
    "month": "month", "m": "month", "thang": "month",
    "year": "year", "y": "year", "nam": "year",
}

_ACCEPTED_FORMS = (
    "YYYY, YYYY-MM, YYYY-MM-DD, DD/MM/YYYY, today, yesterday, this/last week|month|year, "
    "N days|weeks|months|years ago, 7d/2w/3m/1y, or hôm nay, hôm qua, tuần/tháng này|trước, "
    "năm nay|ngoái, N ngày|tuần|tháng|năm trước"
)


def parse_user_date(text: str, today: date | None = None) -> tuple[date, date]:
    """The first and last day a typed date covers: "2024" -> 2024-01-01 .. 2024-12-31.

    Accepts the calendar forms YYYY, YYYY-MM, YYYY-MM-DD and DD/MM/YYYY, and everyday
    forms relative to today (which defaults to the real today): a named period such
    as "last month" or "tuần này" covers the whole period, "3 days ago", "3d" or
    "3 ngày trước" covers that single day. Raises DateInputError otherwise.
    """
    text = text.strip()
    for pattern, names in _USER_FORMATS:
        match = pattern.match(text)
        if not match:
            continue
        parts = dict(zip(names, map(int, match.groups())))
        year, month, day = parts["y"], parts.get("m"), parts.get("d")
        if not 1 <= year <= 9999:
            break
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if not 1 <= month <= 12:
            raise DateInputError(f"{text!r} is not a date: there is no month {month}")
        last_day = _days_in(year, month)
        if day is None:
            return date(year, month, 1), date(year, month, last_day)
        if not 1 <= day <= last_day:
            raise DateInputError(f"{text!r} is not a date: {year}-{month:02d} has {last_day} days")
        return date(year, month, day), date(year, month, day)
    try:
        relative = _relative_period(text, today or date.today())
    # "99999 years ago" falls before year 1; int() also refuses 5000-digit numbers.
    except (OverflowError, ValueError):
        raise DateInputError(f"{text!r} is not a date: it lies before year 1") from None
    if relative:
        return relative
    raise DateInputError(f"{text!r} is not a date: use {_ACCEPTED_FORMS}")


def _relative_period(text: str, today: date) -> tuple[date, date] | None:
    """The period an everyday form names, or None when text is not one."""
    words = _folded_words(text)
    if words in _NAMED_PERIODS:
        unit, count = _NAMED_PERIODS[words]
        return _period_holding(_units_before(today, unit, count), unit)
    for pattern in _UNITS_AGO_FORMS:
        match = pattern.match(words)
        if match:
            day = _units_before(today, _UNIT_NAMES[match[2]], int(match[1]))
            return day, day
    return None


def _folded_words(text: str) -> str:
    """Lower-case, accent-free words joined by single spaces: "Tháng  TRƯỚC" -> "thang truoc"."""
    # Imported here: lbsearch.text loads its abbreviation table and unidecode, which
    # would double the cost of importing this module for every calendar date.
    from .text import fold

    return " ".join(fold(word) for word in text.split())


def _units_before(today: date, unit: str, count: int) -> date:
    """The day count units before today; a month or year back from the 31st (or from
    29 February) lands on the last day of the shorter month."""
    if unit == "day":
        return today - timedelta(days=count)
    if unit == "week":
        return today - timedelta(weeks=count)
    months_back = count * 12 if unit == "year" else count
    month_index = today.year * 12 + today.month - 1 - months_back
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(today.day, _days_in(year, month)))


def _period_holding(day: date, unit: str) -> tuple[date, date]:
    """The first and last day of the day, Monday-to-Sunday week, month or year holding day."""
    if unit == "day":
        return day, day
    if unit == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if unit == "month":
        return day.replace(day=1), day.replace(day=_days_in(day.year, day.month))
    return date(day.year, 1, 1), date(day.year, 12, 31)


def date_number(value: date | None) -> int:
    """A sortable integer for a date (20220520), 0 for no date."""
    return value.year * 10000 + value.month * 100 + value.day if value else 0
