"""Dates: the ones printed in articles, and the ones users type on the command line.

Vietnamese writes the day before the month, always: 03/12 is the third of December.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

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


class DateInputError(ValueError):
    """A date typed by the user that is malformed or does not exist."""


_USER_FORMATS = (
    (re.compile(r"^(\d{4})$"), ("y",)),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("d", "m", "y")),
)


def parse_user_date(text: str) -> tuple[date, date]:
    """The first and last day a typed date covers: "2024" -> 2024-01-01 .. 2024-12-31.

    Accepts YYYY, YYYY-MM, YYYY-MM-DD and DD/MM/YYYY; raises DateInputError otherwise.
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
        last_day = calendar.monthrange(year, month)[1]
        if day is None:
            return date(year, month, 1), date(year, month, last_day)
        if not 1 <= day <= last_day:
            raise DateInputError(f"{text!r} is not a date: {year}-{month:02d} has {last_day} days")
        return date(year, month, day), date(year, month, day)
    raise DateInputError(
        f"{text!r} is not a date: use YYYY, YYYY-MM, YYYY-MM-DD or DD/MM/YYYY"
    )


def date_number(value: date | None) -> int:
    """A sortable integer for a date (20220520), 0 for no date."""
    return value.year * 10000 + value.month * 100 + value.day if value else 0
