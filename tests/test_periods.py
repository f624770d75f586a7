import datetime as dt

import pytest

from tradecli.errors import PeriodError
from tradecli.periods import Frequency, Period, check_range, parse_period

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-08", Period(2024, 8)),
        ("2024-8", Period(2024, 8)),
        ("202408", Period(2024, 8)),
        (" 2024-08 ", Period(2024, 8)),
        ("2006", Period(2006)),
        ("2026-11", Period(2026, 11)),  # the current month has begun: allowed
        ("1995-01", Period(1995, 1)),
    ],
)
def test_parse_valid(text: str, expected: Period) -> None:
    assert parse_period(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2024-13", "month 13"),
        ("2024-00", "month 0"),
        ("24-08", "cannot read"),
        ("Aug 2024", "cannot read"),
        ("2024/08", "cannot read"),
        ("", "cannot read"),
        ("2026-12", "future"),
        ("2027", "future"),
        ("0999", "out of range"),
    ],
)
def test_parse_invalid(text: str, fragment: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text, TODAY)
    assert fragment in err.value.message
    assert err.value.hint


def test_labels_and_frequency() -> None:
    assert Period(2024, 8).label == "August 2024"
    assert Period(2024, 8).short_label == "Aug 2024"
    assert str(Period(2024, 8)) == "2024-08"
    assert Period(2024).label == "2024" and Period(2024).frequency is Frequency.YEAR
    assert Period(2024, 2).start == dt.date(2024, 2, 1)
    assert Period(2024, 2).shift_years(-1) == Period(2023, 2)


def test_from_date_round_trip() -> None:
    assert Period.from_date(dt.date(2025, 8, 1), Frequency.MONTH) == Period(2025, 8)
    assert Period.from_date(dt.date(2006, 1, 1), Frequency.YEAR) == Period(2006)


def test_check_range() -> None:
    check_range(Period(2024, 8), Period(2025, 8))
    check_range(Period(2006), Period(2006))
    with pytest.raises(PeriodError, match="after"):
        check_range(Period(2025, 8), Period(2024, 8))
    with pytest.raises(PeriodError, match="is a year"):
        check_range(Period(2024), Period(2025, 8))


def test_next_period_steps_months_across_a_year_end_and_years_by_one() -> None:
    from tradecli.periods import next_period

    assert next_period(Period(2024, 12)) == Period(2025, 1)
    assert next_period(Period(2024, 1)) == Period(2024, 2)
    assert next_period(Period(2024)) == Period(2025)


def test_periods_between_is_inclusive_and_one_frequency() -> None:
    from tradecli.periods import months_between, periods_between

    assert periods_between(Period(2024, 11), Period(2025, 2)) == (
        Period(2024, 11), Period(2024, 12), Period(2025, 1), Period(2025, 2)
    )  # fmt: skip
    assert periods_between(Period(2004), Period(2006)) == (Period(2004), Period(2005), Period(2006))
    assert periods_between(Period(2006), Period(2004)) == ()
    assert months_between(Period(2025, 2), Period(2024, 11)) == (Period(2025, 2),)
    with pytest.raises(ValueError, match="same frequency"):
        periods_between(Period(2024), Period(2024, 5))
