"""Period rules (tradecli.periods) pinned after a mutation run (docs/MUTATION.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from tradecli.errors import PeriodError, PeriodNotInData
from tradecli.periods import (
    Compare,
    Convention,
    Frequency,
    Period,
    Window,
    WindowKind,
    add_months,
    check_range,
    comparison,
    fiscal_year_of,
    latest_like,
    month_window,
    parse_period,
    parse_window,
    periods_between,
    request_span,
    year_window,
)


@pytest.mark.parametrize("fiscal_start", range(1, 13))
def test_every_month_lies_in_the_fiscal_year_it_is_said_to_belong_to(fiscal_start: int) -> None:
    for year in (2024, 2025):
        for month in range(1, 13):
            period = Period(year, month)
            fy = fiscal_year_of(period, fiscal_start)
            assert fy.first <= period <= fy.last, (fiscal_start, period, fy)
            assert fy.first.month == fiscal_start
            assert len(fy.months) == 12


def test_a_reversed_range_says_how_to_swap_it() -> None:
    with pytest.raises(PeriodError) as raised:
        check_range(Period(2025, 8), Period(2024, 8))
    assert raised.value.message == "--from 2025-08 comes after --to 2024-08"
    assert raised.value.hint == "swap them: --from 2024-08 --to 2025-08"


def test_a_month_against_a_year_says_to_compare_like_with_like() -> None:
    with pytest.raises(PeriodError) as raised:
        check_range(Period(2024, 8), Period(2025))
    assert raised.value.message == "--from 2024-08 is a month but --to 2025 is a year"
    assert raised.value.hint == (
        "compare a month with a month (2024-08 .. 2025-08) or a year with a year"
    )


def test_the_window_before_a_run_of_months_keeps_its_fiscal_year() -> None:
    run = Window(WindowKind.MONTHS, Period(2025, 7), Period(2025, 8), 7)
    assert run.previous() == Window(WindowKind.MONTHS, Period(2025, 5), Period(2025, 6), 7)
    fy = Window(WindowKind.FISCAL_YEAR, Period(2024, 7), Period(2025, 6), 7)
    assert fy.previous() == Window(WindowKind.FISCAL_YEAR, Period(2023, 7), Period(2024, 6), 7)


# -- future periods and unreadable ones ----------------------------------------------

TODAY = dt.date(2025, 8, 1)
FUTURE_HINT = "trade data are published after the period ends; choose an earlier period"


def test_a_period_that_began_today_is_not_in_the_future() -> None:
    assert parse_period("2025-08", today=TODAY) == Period(2025, 8)
    assert parse_window("2025-08", today=TODAY) == month_window(Period(2025, 8))
    with pytest.raises(PeriodError) as raised:
        parse_period("2025-09", today=TODAY)
    assert raised.value.message == "period 2025-09 is in the future (today is 2025-08-01)"
    assert raised.value.hint == FUTURE_HINT


def test_a_window_that_has_not_begun_is_refused_with_a_hint() -> None:
    with pytest.raises(PeriodError) as raised:
        parse_window("2025-Q4", today=TODAY)
    assert raised.value.message == "period 2025-Q4 is in the future (today is 2025-08-01)"
    assert raised.value.hint == FUTURE_HINT


def test_an_unreadable_period_shows_every_form_accepted() -> None:
    with pytest.raises(PeriodError) as raised:
        parse_period("Aug 2024")
    assert raised.value.message == "cannot read period 'Aug 2024'"
    assert raised.value.hint == "write a month as YYYY-MM (2024-08) or a year as YYYY (2024)"
    with pytest.raises(PeriodError) as raised:
        parse_window("Aug 2024")
    assert raised.value.message == "cannot read period 'Aug 2024'"
    assert raised.value.hint == (
        "write a month as YYYY-MM (2024-08), a year as YYYY, a quarter as "
        "2025-Q2 or a fiscal year as FY2025"
    )


# -- the latest period the data reach ---------------------------------------------------


def test_no_data_at_all_is_said_in_words() -> None:
    with pytest.raises(PeriodNotInData, match=r"^the data hold no periods for this pair$"):
        latest_like(None, None, None)
    with pytest.raises(PeriodNotInData, match=r"^the data hold no years for this pair$"):
        latest_like(year_window(2024), None, None)


def test_a_monthly_question_on_annual_data_suggests_the_latest_year() -> None:
    with pytest.raises(PeriodNotInData) as raised:
        latest_like(month_window(Period(2024, 8)), None, 2023)
    assert raised.value.hint == "use years instead, e.g. --from 2023"
    with pytest.raises(PeriodNotInData) as raised:
        latest_like(month_window(Period(2024, 8)), None, None)
    assert raised.value.hint == "use years instead"


# -- what a question reads from the cache or the API ------------------------------------


def test_a_point_comparison_reads_from_the_first_month_of_from_to_the_last_of_to() -> None:
    q1_2024, q1_2025 = parse_window("2024-Q1"), parse_window("2025-Q1")
    point, year = Convention.POINT, Compare.YEAR
    assert request_span(q1_2024, q1_2025, point, year) == (
        Period(2024, 1),
        Period(2025, 3),
        Frequency.MONTH,
    )
    assert request_span(q1_2024, None, point, year) == (Period(2024, 1), None, Frequency.MONTH)
    assert request_span(None, q1_2025, point, year) == (
        Period(2024, 1),
        Period(2025, 3),
        Frequency.MONTH,
    )
    assert request_span(year_window(2023), year_window(2024), point, year) == (
        Period(2023),
        Period(2024),
        Frequency.YEAR,
    )


def test_rolling_conventions_read_two_years_of_months_up_to_to() -> None:
    aug = month_window(Period(2025, 8))
    for convention in (Convention.TTM, Convention.YTD, Convention.FISCAL_YTD):
        assert request_span(None, aug, convention, Compare.YEAR) == (
            Period(2023, 9),
            Period(2025, 8),
            Frequency.MONTH,
        )
        # A --from with these is refused later; it never widens what is read.
        assert request_span(month_window(Period(2025, 1)), aug, convention, Compare.YEAR) == (
            Period(2023, 9),
            Period(2025, 8),
            Frequency.MONTH,
        )


def test_the_latest_complete_quarter_or_fiscal_year_is_the_default() -> None:
    quarter = parse_window("2025-Q1")
    # January: the quarter it starts is not complete, so the last one of the year before.
    assert str(latest_like(quarter, Period(2025, 1), None)) == "2024-Q4"
    assert str(latest_like(quarter, Period(2025, 7), None)) == "2025-Q2"
    assert str(latest_like(quarter, Period(2025, 9), None)) == "2025-Q3"
    fy = parse_window("FY2024", fiscal_start=7)
    # June ends Pakistan's fiscal year: FY2025 (Jul 2024-Jun 2025) is complete.
    assert latest_like(fy, Period(2025, 6), None).label == "FY2025 (Jul 2024-Jun 2025)"
    assert latest_like(fy, Period(2025, 5), None).label == "FY2024 (Jul 2023-Jun 2024)"


def test_add_months_refuses_a_year() -> None:
    with pytest.raises(ValueError, match=r"^add_months needs a month$"):
        add_months(Period(2024), 1)


def test_a_year_window_is_of_the_year_kind() -> None:
    assert year_window(2024).kind is WindowKind.YEAR
    assert year_window(2024) == parse_window("2024")


# -- comparison: which two windows a convention compares ---------------------------------


def _refused(*args: object) -> PeriodError:
    with pytest.raises(PeriodError) as raised:
        comparison(*args)  # type: ignore[arg-type]
    return raised.value


def test_windows_of_different_kinds_or_reversed_are_refused_with_a_hint() -> None:
    error = _refused(
        Convention.POINT, Compare.YEAR, parse_window("2024-Q1"), month_window(Period(2025, 1)),
        None, None,
    )  # fmt: skip
    assert error.hint == (
        "compare a month with a month (2024-08 .. 2025-08), a quarter with a quarter, "
        "a year with a year"
    )
    error = _refused(
        Convention.POINT, Compare.YEAR, month_window(Period(2025, 8)),
        month_window(Period(2024, 8)), None, None,
    )  # fmt: skip
    assert error.message == "--from 2025-08 comes after --to 2024-08"
    assert error.hint == "swap them: --from 2024-08 --to 2025-08"


def test_a_summed_window_needs_two_months() -> None:
    for start, end in (
        (year_window(2024), month_window(Period(2025, 6))),
        (month_window(Period(2025, 1)), year_window(2025)),
    ):
        error = _refused(Convention.WINDOW, Compare.YEAR, start, end, None, None)
        assert error.message == "--period window needs --from and --to as months"
        assert error.hint == "e.g. --period window --from 2025-01 --to 2025-06"


def test_rolling_conventions_take_no_from_and_need_months() -> None:
    error = _refused(
        Convention.TTM, Compare.YEAR, month_window(Period(2025, 1)), None, Period(2025, 8), None
    )
    assert error.message == "--period ttm takes no --from"
    assert error.hint == "it runs to --to (default: the latest month in the data)"
    error = _refused(Convention.YTD, Compare.YEAR, None, None, None, 2006)
    assert isinstance(error, PeriodNotInData)
    assert error.hint == "use years instead: --from 2005 --to 2006"
    # The years named are the data's own (an import of 2020-2022), never fixed ones.
    assert _refused(Convention.YTD, Compare.YEAR, None, None, None, 2022).hint == (
        "use years instead: --from 2021 --to 2022"
    )
    assert _refused(Convention.YTD, Compare.YEAR, None, None, None, None).hint == (
        "use years instead"
    )


def test_trailing_twelve_months_compare_with_the_year_before_or_the_twelve_before() -> None:
    aug = Period(2025, 8)
    base, target = comparison(Convention.TTM, Compare.YEAR, None, None, aug, None)
    assert (target.first, target.last) == (Period(2024, 9), aug)
    assert (base.first, base.last) == (Period(2023, 9), Period(2024, 8))
    base, target = comparison(Convention.TTM, Compare.PREVIOUS, None, None, aug, None)
    assert (base.first, base.last) == (Period(2023, 9), Period(2024, 8))
    base, target = comparison(Convention.YTD, Compare.PREVIOUS, None, None, aug, None)
    # Year to date is always against the same months a year earlier.
    assert (base.first, base.last) == (Period(2024, 1), Period(2024, 8))


def test_fiscal_year_to_date_windows_carry_their_fiscal_start() -> None:
    base, target = comparison(
        Convention.FISCAL_YTD, Compare.YEAR, None, None, Period(2025, 8), None, 7
    )
    assert target == Window(WindowKind.MONTHS, Period(2025, 7), Period(2025, 8), 7)
    assert base == Window(WindowKind.MONTHS, Period(2024, 7), Period(2024, 8), 7)


def test_years_run_from_1900_to_2999_inclusive_and_months_from_1_to_12() -> None:
    assert Period(1900).year == 1900 and Period(2999, 12).month == 12
    for year in (1899, 3000):
        with pytest.raises(PeriodError) as raised:
            Period(year)
        assert raised.value.message == f"year {year} is out of range"
        assert raised.value.hint == "use a year between 1900 and 2999"
    with pytest.raises(PeriodError) as raised:
        Period(2024, 13)
    assert raised.value.message == "month 13 does not exist"
    assert raised.value.hint == "months run from 01 to 12"


def test_a_fiscal_year_is_the_calendar_year_unless_a_start_is_given() -> None:
    assert parse_window("FY2025") == Window(
        WindowKind.FISCAL_YEAR, Period(2025, 1), Period(2025, 12), 1
    )
    assert str(latest_like(parse_window("2025-Q1"), Period(2025, 12), None)) == "2025-Q4"


def test_what_a_question_reads_when_only_to_is_given() -> None:
    aug = month_window(Period(2025, 8))
    # --compare previous: the month before, not the year before.
    assert request_span(None, aug, Convention.POINT, Compare.PREVIOUS) == (
        Period(2025, 7),
        Period(2025, 8),
        Frequency.MONTH,
    )
    # A year with a rolling convention is refused later; reading asks for nothing.
    assert request_span(None, year_window(2025), Convention.TTM, Compare.YEAR) == (
        None,
        None,
        Frequency.MONTH,
    )


def test_a_summed_window_may_be_one_month_and_is_a_run_of_months() -> None:
    mar = month_window(Period(2025, 3))
    base, target = comparison(Convention.WINDOW, Compare.YEAR, mar, mar, None, None)
    assert target == Window(WindowKind.MONTHS, Period(2025, 3), Period(2025, 3))
    assert base == Window(WindowKind.MONTHS, Period(2024, 3), Period(2024, 3))
    error = _refused(
        Convention.WINDOW, Compare.YEAR, month_window(Period(2025, 6)), mar, None, None
    )
    assert error.message == "--from 2025-06 comes after --to 2025-03"
    assert error.hint == "swap them: --from 2025-03 --to 2025-06"


def test_rolling_conventions_need_to_as_a_month_and_default_to_january() -> None:
    error = _refused(Convention.YTD, Compare.YEAR, None, parse_window("2025-Q2"), None, None)
    assert error.message == "--period ytd needs --to as a month (YYYY-MM)"
    _, target = comparison(Convention.FISCAL_YTD, Compare.YEAR, None, None, Period(2025, 8), None)
    assert (target.first, target.last) == (Period(2025, 1), Period(2025, 8))


def test_periods_between_refuses_a_month_and_a_year() -> None:
    with pytest.raises(ValueError, match=r"^periods_between needs two periods of the same"):
        periods_between(Period(2024, 1), Period(2025))
