"""Which two windows a question compares (tradecli.analysis.windows.resolve_windows).

The rule: --to defaults to the latest period the data hold for the pair, of --from's
kind (the latest *complete* quarter or fiscal year); a --from beyond the data is "no
data" (exit 3) naming the latest period and what the data cover, never a comparison
with a period the data do not reach. Pinned after a mutation run (docs/MUTATION.md).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tradecli.analysis.windows import (
    Coverage,
    defaulted_span_note,
    resolve_windows,
    window_sums,
    window_units,
)
from tradecli.errors import NoData
from tradecli.periods import (
    Compare,
    Convention,
    Period,
    Window,
    WindowKind,
    month_window,
    parse_window,
    periods_between,
    year_window,
)

WHAT = "Pakistan (PAK) with Japan (JPN)"
MONTHS = periods_between(Period(2024, 8), Period(2025, 8))  # Aug 2024 .. Aug 2025
YEARS = (Period(2024), Period(2025))


def _resolve(
    cov: Coverage,
    start: Window | None,
    end: Window | None = None,
    convention: Convention = Convention.POINT,
    fiscal_start: int = 1,
) -> tuple[Window, Window]:
    return resolve_windows(cov, start, end, convention, Compare.YEAR, fiscal_start, WHAT)


def _no_data(cov: Coverage, start: Window, fiscal_start: int = 1) -> NoData:
    with pytest.raises(NoData) as raised:
        _resolve(cov, start, fiscal_start=fiscal_start)
    return raised.value


def test_a_month_after_the_data_is_no_data_naming_the_latest_month() -> None:
    error = _no_data(Coverage(months=MONTHS, years=()), month_window(Period(2025, 9)))
    assert error.message == f"no data for {WHAT} in September 2025 or later (latest: August 2025)"
    assert error.hint == "the data cover months 2024-08..2025-08"


def test_the_latest_month_itself_is_an_answer() -> None:
    aug = month_window(Period(2025, 8))
    assert _resolve(Coverage(months=MONTHS, years=()), aug) == (aug, aug)


def test_a_year_after_the_annual_data_is_no_data_naming_the_latest_year() -> None:
    error = _no_data(Coverage(months=(), years=YEARS), year_window(2026))
    assert error.message == f"no data for {WHAT} in 2026 or later (latest: 2025)"
    assert error.hint == "the data cover years 2024..2025"


def test_with_months_only_a_later_year_is_no_data_naming_the_latest_months_year() -> None:
    error = _no_data(Coverage(months=MONTHS, years=()), year_window(2026))
    assert error.message == f"no data for {WHAT} in 2026 or later (latest: 2025)"
    assert error.hint == "the data cover months 2024-08..2025-08"


def test_a_year_is_judged_by_the_annual_data_when_there_are_any() -> None:
    # Months reach 2026, annual figures stop at 2025: a calendar year 2026 is not there.
    cov = Coverage(months=periods_between(Period(2025, 1), Period(2026, 3)), years=YEARS)
    error = _no_data(cov, year_window(2026))
    assert error.message == f"no data for {WHAT} in 2026 or later (latest: 2025)"
    # ... and a year the annual data hold is answered, even when the months stop earlier.
    old_months = Coverage(months=periods_between(Period(2023, 1), Period(2023, 12)), years=YEARS)
    y2025 = year_window(2025)
    assert _resolve(old_months, y2025) == (y2025, y2025)


def test_an_incomplete_quarter_is_no_data_naming_the_latest_complete_one() -> None:
    error = _no_data(Coverage(months=MONTHS, years=()), parse_window("2025-Q3"))
    # "Latest" names a period that is in the data (issue 12): the newest month held.
    assert error.message == (
        f"no complete quarter for {WHAT} from Q3 2025 on (latest data: August 2025)"
    )
    assert error.hint == "the data cover months 2024-08..2025-08"


def test_an_incomplete_fiscal_year_is_named_in_words() -> None:
    fy2026 = parse_window("FY2026", fiscal_start=7)
    error = _no_data(Coverage(months=MONTHS, years=()), fy2026, fiscal_start=7)
    assert error.message == (
        f"no complete fiscal year for {WHAT} from FY2026 (Jul 2025-Jun 2026) on "
        "(latest data: August 2025)"
    )


def test_fiscal_year_to_date_starts_at_the_configured_month() -> None:
    base, target = _resolve(
        Coverage(months=MONTHS, years=()), None, None, Convention.FISCAL_YTD, fiscal_start=7
    )
    assert target == Window(WindowKind.MONTHS, Period(2025, 7), Period(2025, 8), 7)
    assert base == Window(WindowKind.MONTHS, Period(2024, 7), Period(2024, 8), 7)


def test_an_explicit_to_is_used_as_given() -> None:
    start, end = month_window(Period(2024, 8)), month_window(Period(2025, 8))
    assert _resolve(Coverage(months=MONTHS, years=()), start, end) == (start, end)


def test_a_defaulted_to_one_month_later_is_said_in_the_singular() -> None:
    # --from 2025-08 with data up to 2025-09: --to defaults to September, one month on,
    # which a reader would take for year-on-year unless told.
    cov = Coverage(months=periods_between(Period(2024, 8), Period(2025, 9)), years=())
    base, target = _resolve(cov, month_window(Period(2025, 8)))
    assert (base, target) == (month_window(Period(2025, 8)), month_window(Period(2025, 9)))
    assert defaulted_span_note(base, target, False, Convention.POINT) == (
        "--to was not given: it is the latest period in the data, September 2025, "
        "1 month after August 2025, so the changes are over 1 month, not year-on-year; "
        "give --from 2024-09 for the year to September 2025"  # not --to 2026-08: no data
    )
    # The same month (a span of zero) and a given --to get no note.
    assert defaulted_span_note(base, base, False, Convention.POINT) is None
    assert defaulted_span_note(base, target, True, Convention.POINT) is None


def test_coverage_names_runs_of_periods_from_first_to_last() -> None:
    cov = Coverage(
        months=(Period(2019, 12), Period(2020, 11), Period(2020, 12), Period(2021, 1)),
        years=(Period(2004), Period(2005), Period(2006)),
    )
    assert cov.describe() == "months 2019-12, 2020-11..2021-01; years 2004..2006"
    assert Coverage(months=(), years=()).describe() == "nothing"


# -- window units and sums ------------------------------------------------------------


def _pair_rows() -> pl.DataFrame:
    """Exports and imports for Jan-Mar 2025, without the optional tier/reporter columns."""
    return pl.DataFrame(
        {
            "flow": ["exports"] * 3 + ["imports"] * 3,
            "period": [dt.date(2025, m, 1) for m in (1, 2, 3)] * 2,
            "frequency": ["month"] * 6,
            "value": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0],
            "source": ["b", "a", "b", "c", "c", "c"],
        }
    )


def test_a_quarter_is_summed_over_its_three_months() -> None:
    q1 = parse_window("2025-Q1")
    units = window_units(_pair_rows(), {"q": q1})
    assert units.rows() == [("q", dt.date(2025, m, 1), "month") for m in (1, 2, 3)]
    sums = window_sums(_pair_rows(), units, ["flow"])
    assert sums.select("flow", "value", "sources").rows() == [
        ("exports", 6.0, ["a", "b"]),
        ("imports", 60.0, ["c"]),
    ]


def test_sums_without_tier_or_reporter_columns_have_typed_empty_ones() -> None:
    rows = _pair_rows()
    units = window_units(rows, {"to": parse_window("2025-Q1")})
    sums = window_sums(rows, units, ["flow"])
    assert sums.schema["tier"] == pl.Int8
    assert sums.schema["reporters"] == pl.List(pl.String)
    assert sums["tier"].to_list() == [None, None]
    assert sums["reporters"].to_list() == [[], []]


def test_who_reported_a_window_s_figures_comes_from_a_one_code_reporter_column() -> None:
    """Rows as the cache holds them name one reporter each (the balance path): the
    window's ``reporters`` are those codes, sorted, each once; an unknown one is left out."""
    rows = _pair_rows().with_columns(reporter=pl.Series(["PAK", "JPN", "PAK", None, "JPN", None]))
    units = window_units(rows, {"q": parse_window("2025-Q1")})
    sums = window_sums(rows, units, ["flow"])
    assert sums.select("flow", "reporters").rows() == [
        ("exports", ["JPN", "PAK"]),
        ("imports", ["JPN"]),
    ]


def test_sums_come_window_by_window_whatever_order_the_windows_were_given() -> None:
    rows = _pair_rows()
    windows = {"to": month_window(Period(2025, 3)), "from": month_window(Period(2025, 1))}
    sums = window_sums(rows, window_units(rows, windows), ["flow"])
    assert sums.select("window", "flow", "value").rows() == [
        ("from", "exports", 1.0),
        ("from", "imports", 10.0),
        ("to", "exports", 3.0),
        ("to", "imports", 30.0),
    ]


def test_sums_come_key_by_key_within_a_window_whatever_order_the_keys_were_given() -> None:
    rows = _pair_rows()
    units = window_units(rows, {"to": month_window(Period(2025, 2))})
    keys = pl.DataFrame({"flow": ["imports", "exports"]})
    sums = window_sums(rows, units, ["flow"], keys=keys)
    assert sums.select("flow", "value").rows() == [("exports", 2.0), ("imports", 20.0)]


def test_monthly_question_on_annual_data_says_to_use_years() -> None:
    cov = Coverage(months=(), years=YEARS)
    error = _no_data(cov, month_window(Period(2025, 3)))
    assert error.message == (
        f"--from 2025-03 needs monthly data, and the data hold none for {WHAT}"
    )
    # The fix, and the years the data hold: nothing left to guess.
    assert error.hint == "use years instead, e.g. --from 2025; the data cover years 2024..2025"


def test_no_periods_at_all_is_no_data_saying_what_is_covered() -> None:
    with pytest.raises(NoData) as raised:
        _resolve(Coverage(months=(), years=()), None)
    assert raised.value.message == f"the data hold no periods for {WHAT}"
    assert raised.value.hint == "the data cover nothing"
