"""Periods as small immutable values: a calendar month or a calendar year.

No I/O and no clock: "today" is always passed in by the caller. A period knows
its frequency, so a month is only ever compared with a month and a year with a
year.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from enum import StrEnum

from msgspec import Struct

from tradecli.errors import PeriodError, PeriodNotInData

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

_Key = tuple[int, int | None]  # (year, month): what periods are ordered by
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


class Period(Struct, frozen=True):
    """A calendar month (``month`` 1-12) or a calendar year (``month`` None).

    Periods order as the tuple ``(year, month)``: a year equals itself, and a year is
    never ordered against a month of it (that comparison raises TypeError).
    """

    year: int
    month: int | None = None

    # A Struct's own order=True compares field by field, so two years (month None)
    # would raise; Periods order as tuples do, as they did as dataclasses.
    def __lt__(self, other: object) -> bool:
        return _ordered(operator.lt, self, other)

    def __le__(self, other: object) -> bool:
        return _ordered(operator.le, self, other)

    def __gt__(self, other: object) -> bool:
        return _ordered(operator.gt, self, other)

    def __ge__(self, other: object) -> bool:
        return _ordered(operator.ge, self, other)

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

    @property
    def last_row_day(self) -> dt.date:
        """The latest date a row inside the period is stored at: a month's first day, or
        31 December for a year (whose months' rows lie within it)."""
        return self.start if self.month is not None else dt.date(self.year, 12, 31)

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


def _ordered(op: Callable[[_Key, _Key], object], a: Period, b: object) -> bool:
    if not isinstance(b, Period):
        return NotImplemented  # type: ignore[no-any-return]  # Python tries the other side
    return bool(op((a.year, a.month), (b.year, b.month)))


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


# -- windows: what a figure is summed over ------------------------------------------

_QUARTER_RE = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_FISCAL_RE = re.compile(r"^[Ff][Yy]\s*(\d{4})$")


class WindowKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    FISCAL_YEAR = "fiscal-year"
    MONTHS = "months"  # any run of months: year to date, trailing twelve, --from..--to


class Convention(StrEnum):
    """How the base period is chosen (``--period``)."""

    POINT = "point"  # --from against --to (default --to: latest; --from: per --compare)
    YTD = "ytd"  # Jan..latest month against the same months a year earlier
    FISCAL_YTD = "fiscal-ytd"  # fiscal year start..latest month, against a year earlier
    TTM = "ttm"  # trailing twelve months against the twelve before
    WINDOW = "window"  # --from..--to summed, against the same window a year earlier


class Compare(StrEnum):
    """What a period is compared with when no base is given (``--compare``)."""

    YEAR = "year"  # the same period a year earlier
    PREVIOUS = "previous"  # the period just before (previous month, quarter, year)


def add_months(period: Period, months: int) -> Period:
    if period.month is None:
        raise ValueError("add_months needs a month")
    index = period.year * 12 + (period.month - 1) + months
    return Period(index // 12, index % 12 + 1)


def next_period(period: Period) -> Period:
    """The period just after ``period``: the next month, or the next year for a year."""
    if period.month is None:
        return Period(period.year + 1)
    return add_months(period, 1)


def periods_between(first: Period, last: Period) -> tuple[Period, ...]:
    """Every period from ``first`` to ``last`` inclusive, stepping by their frequency.

    Empty when ``last`` is before ``first``; both must have the same frequency.
    """
    if first.frequency is not last.frequency:
        raise ValueError("periods_between needs two periods of the same frequency")
    out: list[Period] = []
    cursor = first
    while cursor <= last:
        out.append(cursor)
        cursor = next_period(cursor)
    return tuple(out)


def months_between(first: Period, last: Period) -> tuple[Period, ...]:
    return periods_between(first, last) or (first,)


class Window(Struct, frozen=True):
    """A span of time a value is summed over: a month, quarter, year, fiscal year or run.

    ``first`` and ``last`` are months, except for a calendar year given as
    ``YYYY``, whose ``first``/``last`` are ``Period(year)``: it can be answered by
    an annual figure or by twelve monthly ones.
    """

    kind: WindowKind
    first: Period
    last: Period
    fiscal_start: int = 1

    @property
    def annual(self) -> bool:
        return self.first.month is None

    @property
    def months(self) -> tuple[Period, ...]:
        if self.annual:
            return months_between(Period(self.first.year, 1), Period(self.last.year, 12))
        return months_between(self.first, self.last)

    def shift_years(self, years: int) -> Window:
        return Window(self.kind, self.first.shift_years(years), self.last.shift_years(years),
                      self.fiscal_start)  # fmt: skip

    def previous(self) -> Window:
        """The window of the same kind just before this one."""
        if self.annual or self.kind in (WindowKind.FISCAL_YEAR,):
            return self.shift_years(-1)
        size = len(self.months)
        return Window(self.kind, add_months(self.first, -size), add_months(self.last, -size),
                      self.fiscal_start)  # fmt: skip

    def __str__(self) -> str:
        """Machine form: 2024-08, 2025-Q2, 2024, FY2025, 2025-01..2025-08."""
        if self.kind is WindowKind.MONTH or self.annual:
            return str(self.first)
        if self.kind is WindowKind.QUARTER:
            assert self.first.month is not None
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind is WindowKind.FISCAL_YEAR:
            return f"FY{self.last.year}"
        if self.first == self.last:
            return str(self.first)
        return f"{self.first}..{self.last}"

    @property
    def label(self) -> str:
        """Human form: August 2024, Q2 2025, 2024, FY2025 (Jul 2024-Jun 2025), Jan-Aug 2025."""
        if self.kind is WindowKind.MONTH or self.annual:
            return self.first.label
        if self.kind is WindowKind.QUARTER:
            assert self.first.month is not None
            return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"
        span = _span_label(self.first, self.last)
        if self.kind is WindowKind.FISCAL_YEAR:
            return f"FY{self.last.year} ({span})"
        return span

    @property
    def short_label(self) -> str:
        if self.kind is WindowKind.MONTH or self.annual:
            return self.first.short_label
        if self.kind in (WindowKind.QUARTER, WindowKind.FISCAL_YEAR):
            return str(self)
        return _span_label(self.first, self.last)


def _span_label(first: Period, last: Period) -> str:
    a, b = first.short_label.split(), last.short_label.split()
    if first == last:
        return first.short_label
    if first.year == last.year:
        return f"{a[0]}-{b[0]} {last.year}"
    return f"{first.short_label}-{last.short_label}"


def month_window(period: Period) -> Window:
    return Window(WindowKind.MONTH, period, period)


def year_window(year: int) -> Window:
    return Window(WindowKind.YEAR, Period(year), Period(year))


def fiscal_year(label_year: int, fiscal_start: int) -> Window:
    """Fiscal year named by the calendar year it ends in (Pakistan: FY2025 = Jul 2024-Jun 2025)."""
    if fiscal_start == 1:
        first = Period(label_year, 1)
    else:
        first = Period(label_year - 1, fiscal_start)
    return Window(WindowKind.FISCAL_YEAR, first, add_months(first, 11), fiscal_start)


def fiscal_year_of(month: Period, fiscal_start: int) -> Window:
    assert month.month is not None
    ends_in = month.year + (1 if fiscal_start > 1 and month.month >= fiscal_start else 0)
    return fiscal_year(ends_in, fiscal_start)


def parse_window(text: str, today: dt.date | None = None, fiscal_start: int = 1) -> Window:
    """Parse a month (2024-08), year (2024), quarter (2025-Q2) or fiscal year (FY2025)."""
    raw = text.strip()
    quarter = _QUARTER_RE.match(raw)
    fiscal = _FISCAL_RE.match(raw)
    if quarter:
        first = Period(int(quarter.group(1)), (int(quarter.group(2)) - 1) * 3 + 1)
        window = Window(WindowKind.QUARTER, first, add_months(first, 2))
    elif fiscal:
        window = fiscal_year(int(fiscal.group(1)), fiscal_start)
    else:
        try:
            period = parse_period(raw)
        except PeriodError as exc:
            raise PeriodError(
                exc.message,
                hint="write a month as YYYY-MM (2024-08), a year as YYYY, a quarter as "
                "2025-Q2 or a fiscal year as FY2025",
            ) from None
        window = year_window(period.year) if period.month is None else month_window(period)
    if today is not None and window.first.start > today:
        raise PeriodError(
            f"period {window} is in the future (today is {today.isoformat()})",
            hint="trade data are published after the period ends; choose an earlier period",
        )
    return window


def check_windows(base: Window, target: Window) -> None:
    """Raise unless the two windows are of one kind and the base comes first."""
    if base.kind is not target.kind or base.annual is not target.annual:
        raise PeriodError(
            f"--from {base} is a {_kind_name(base)} but --to {target} is a {_kind_name(target)}",
            hint="compare a month with a month (2024-08 .. 2025-08), a quarter with a quarter, "
            "a year with a year",
        )
    if base.first > target.first:
        raise PeriodError(
            f"--from {base} comes after --to {target}",
            hint=f"swap them: --from {target} --to {base}",
        )


def _kind_name(window: Window) -> str:
    return "year" if window.annual else window.kind.value.replace("-", " ")


def comparison(
    convention: Convention,
    compare: Compare,
    start: Window | None,
    end: Window | None,
    latest_month: Period | None,
    latest_year: int | None,
    fiscal_start: int = 1,
) -> tuple[Window, Window]:
    """The (base, target) windows a convention asks for. Pure: the data's latest periods come in.

    ``latest_month`` / ``latest_year`` are the newest periods the data hold for
    the pair; they stand in for a missing ``--to``.
    """
    if convention is Convention.POINT:
        if end is None:
            end = latest_like(start, latest_month, latest_year)
        if start is None:
            start = end.shift_years(-1) if compare is Compare.YEAR else end.previous()
        check_windows(start, end)
        return start, end

    if convention is Convention.WINDOW:
        if start is None or end is None or start.annual or end.annual:
            raise PeriodError(
                "--period window needs --from and --to as months",
                hint="e.g. --period window --from 2025-01 --to 2025-06",
            )
        if start.first > end.last:
            raise PeriodError(f"--from {start} comes after --to {end}",
                              hint=f"swap them: --from {end} --to {start}")  # fmt: skip
        target = Window(WindowKind.MONTHS, start.first, end.last)
        return target.shift_years(-1), target

    if start is not None:
        raise PeriodError(
            f"--period {convention.value} takes no --from",
            hint="it runs to --to (default: the latest month in the data)",
        )
    if end is not None and (end.annual or end.kind is not WindowKind.MONTH):
        raise PeriodError(f"--period {convention.value} needs --to as a month (YYYY-MM)")
    last = end.last if end is not None else latest_month
    if last is None:
        raise PeriodNotInData(
            f"--period {convention.value} needs monthly data, and the data hold none for this pair",
            hint="use years instead"
            + (f": --from {latest_year - 1} --to {latest_year}" if latest_year else ""),
        )
    assert last.month is not None
    if convention is Convention.YTD:
        first = Period(last.year, 1)
    elif convention is Convention.FISCAL_YTD:
        first = fiscal_year_of(last, fiscal_start).first
    else:  # TTM
        first = add_months(last, -11)
    target = Window(WindowKind.MONTHS, first, last, fiscal_start)
    base = target.shift_years(-1) if compare is Compare.YEAR or convention is not Convention.TTM \
        else target.previous()  # fmt: skip
    return base, target


def latest_like(
    start: Window | None, latest_month: Period | None, latest_year: int | None
) -> Window:
    """The newest window of ``start``'s kind that the data reach."""
    if start is None:
        if latest_month is not None:
            return month_window(latest_month)
        if latest_year is not None:
            return year_window(latest_year)
        raise PeriodNotInData("the data hold no periods for this pair")
    if start.annual:
        if latest_year is None and latest_month is None:
            raise PeriodNotInData("the data hold no years for this pair")
        year = latest_year if latest_year is not None else latest_month.year  # type: ignore[union-attr]
        return year_window(year)
    if latest_month is None:
        raise PeriodNotInData(
            f"--from {start} needs monthly data, and the data hold none for this pair",
            hint=f"use years instead{f', e.g. --from {latest_year}' if latest_year else ''}",
        )
    if start.kind is WindowKind.MONTH:
        return month_window(latest_month)
    # A quarter or fiscal year defaults to the latest *complete* one in the data.
    if start.kind is WindowKind.QUARTER:
        assert latest_month.month is not None
        first = Period(latest_month.year, (latest_month.month - 1) // 3 * 3 + 1)
        quarter = Window(WindowKind.QUARTER, first, add_months(first, 2))
        return quarter if quarter.last <= latest_month else quarter.previous()
    fiscal = fiscal_year_of(latest_month, start.fiscal_start)
    return fiscal if fiscal.last <= latest_month else fiscal.shift_years(-1)


def request_span(
    start: Window | None, end: Window | None, convention: Convention, compare: Compare
) -> tuple[Period | None, Period | None, Frequency | None]:
    """First and last unit a comparison will read, as far as known before seeing the data.

    Used to ask the cache or the API for enough data; None means "up to the data".
    """
    if convention is Convention.POINT:
        if start is not None and end is not None:
            return _unit(start, first=True), _unit(end, first=False), _freq(start)
        if start is not None:
            return _unit(start, first=True), None, _freq(start)
        if end is not None:
            base = end.shift_years(-1) if compare is Compare.YEAR else end.previous()
            return _unit(base, first=True), _unit(end, first=False), _freq(end)
        return None, None, None
    monthly = [w for w in (start, end) if w is not None and not w.annual]
    if convention is Convention.WINDOW and start in monthly and end in monthly:
        assert start is not None and end is not None
        return add_months(start.first, -12), end.last, Frequency.MONTH
    if end is not None and end in monthly:
        return add_months(end.last, -23), end.last, Frequency.MONTH
    # Anything else is refused by `comparison`, with a message, once the data are in.
    return None, None, Frequency.MONTH


def _unit(window: Window, first: bool) -> Period:
    return window.first if first else window.last


def _freq(window: Window) -> Frequency:
    return Frequency.YEAR if window.annual else Frequency.MONTH
