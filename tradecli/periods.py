"""Periods as small immutable values: a calendar month or a calendar year.

No I/O and no clock: "today" is always passed in by the caller. A period knows
its frequency, so a month is only ever compared with a month and a year with a
year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from tradecli.errors import PeriodError

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_COMPACT_MONTH_RE = re.compile(r"^(\d{4})(\d{2})$")
_YEAR_RE = re.compile(r"^(\d{4})$")

# OEC data starts in 1995 (BACI); the gravity table goes back further. Anything
# outside this range is almost certainly a typo rather than a real request.
MIN_YEAR = 1900
MAX_YEAR = 2999


class Frequency(StrEnum):
    """How long one period lasts."""

    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month (``month`` 1-12) or a calendar year (``month`` None)."""

    year: int
    month: int | None = None

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise PeriodError(
                f"year {self.year} is out of range",
                hint=f"use a year between {MIN_YEAR} and {MAX_YEAR}",
            )
        if self.month is not None and not 1 <= self.month <= 12:
            raise PeriodError(f"month {self.month} does not exist", hint="months run from 01 to 12")

    @property
    def frequency(self) -> Frequency:
        return Frequency.YEAR if self.month is None else Frequency.MONTH

    @property
    def start(self) -> dt.date:
        """First day of the period; this is how periods are stored in frames."""
        return dt.date(self.year, self.month or 1, 1)

    def shift_years(self, years: int) -> Period:
        return Period(self.year + years, self.month)

    def __str__(self) -> str:
        """Machine form: ``2024-08`` or ``2024``."""
        return f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        """Human form: ``August 2024`` or ``2024``."""
        if self.month is None:
            return str(self.year)
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    @property
    def short_label(self) -> str:
        """Column heading form: ``Aug 2024`` or ``2024``."""
        if self.month is None:
            return str(self.year)
        return f"{MONTH_NAMES[self.month - 1][:3]} {self.year}"

    @classmethod
    def from_date(cls, day: dt.date, frequency: Frequency) -> Period:
        return cls(day.year, None if frequency is Frequency.YEAR else day.month)


def parse_period(text: str, today: dt.date | None = None) -> Period:
    """Parse ``YYYY-MM``, ``YYYYMM`` or ``YYYY``.

    ``today``, when given, rejects periods that have not begun yet: no source
    can hold data for them.
    """
    raw = text.strip()
    match = _MONTH_RE.match(raw) or _COMPACT_MONTH_RE.match(raw)
    if match:
        period = Period(int(match.group(1)), int(match.group(2)))
    elif _YEAR_RE.match(raw):
        period = Period(int(raw))
    else:
        raise PeriodError(
            f"cannot read period {text!r}",
            hint="write a month as YYYY-MM (2024-08) or a year as YYYY (2024)",
        )
    if today is not None and period.start > today:
        raise PeriodError(
            f"period {period} is in the future (today is {today.isoformat()})",
            hint="trade data are published after the period ends; choose an earlier period",
        )
    return period


def check_range(start: Period, end: Period) -> None:
    """Raise unless ``start`` and ``end`` have one frequency and ``start <= end``."""
    if start.frequency is not end.frequency:
        raise PeriodError(
            f"--from {start} is a {start.frequency} but --to {end} is a {end.frequency}",
            hint="compare a month with a month (2024-08 .. 2025-08) or a year with a year",
        )
    if start > end:
        raise PeriodError(
            f"--from {start} comes after --to {end}",
            hint=f"swap them: --from {end} --to {start}",
        )
