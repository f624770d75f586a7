"""Period conventions: a table of windows and comparisons (pure, no data)."""

import datetime as dt

import pytest

from tradecli.errors import PeriodError
from tradecli.periods import (
    Compare,
    Convention,
    Period,
    add_months,
    comparison,
    fiscal_year_of,
    parse_window,
    request_span,
)

TODAY = dt.date(2026, 11, 27)
AUG25 = Period(2025, 8)

P, Y, C = Convention.POINT, Compare.YEAR, Compare.PREVIOUS

# (id, convention, compare, --from, --to, latest month, latest year, fiscal start,
#  expected base, expected target, months in the target)
CASES = [
    ("month-yoy-default", P, Y, "2024-08", None, AUG25, None, 1, "2024-08", "2025-08", 1),
    ("month-explicit", P, Y, "2024-08", "2025-08", AUG25, None, 1, "2024-08", "2025-08", 1),
    ("month-no-from", P, Y, None, None, AUG25, None, 1, "2024-08", "2025-08", 1),
    ("month-to-only", P, Y, None, "2025-03", AUG25, None, 1, "2024-03", "2025-03", 1),
    ("previous-month", P, C, None, None, AUG25, None, 1, "2025-07", "2025-08", 1),
    ("previous-january", P, C, None, "2025-01", AUG25, None, 1, "2024-12", "2025-01", 1),
    ("previous-quarter", P, C, None, "2025-Q1", AUG25, None, 1, "2024-Q4", "2025-Q1", 3),
    ("previous-year", P, C, None, "2025", AUG25, None, 1, "2024", "2025", 12),
    ("leap-february", P, Y, "2024-02", "2025-02", AUG25, None, 1, "2024-02", "2025-02", 1),
    (
        "leap-year-feb-2028",
        P,
        Y,
        "2027-02",
        "2028-02",
        Period(2028, 3),
        None,
        1,
        "2027-02",
        "2028-02",
        1,
    ),
    ("december-to-january", P, Y, "2024-12", "2025-01", AUG25, None, 1, "2024-12", "2025-01", 1),
    ("year-from-annual", P, Y, "2005", None, None, 2006, 1, "2005", "2006", 12),
    ("year-from-months", P, Y, "2024", None, AUG25, None, 1, "2024", "2025", 12),
    ("year-single", P, Y, "2006", "2006", None, 2006, 1, "2006", "2006", 12),
    ("quarter-yoy", P, Y, "2024-Q2", None, AUG25, None, 1, "2024-Q2", "2025-Q2", 3),
    (
        "quarter-latest-complete",
        P,
        Y,
        "2024-Q1",
        None,
        Period(2025, 9),
        None,
        1,
        "2024-Q1",
        "2025-Q3",
        3,
    ),
    ("quarter-compact", P, Y, "2024Q4", "2025Q1", AUG25, None, 1, "2024-Q4", "2025-Q1", 3),
    ("quarter-lowercase", P, Y, "2024-q3", "2025-q3", AUG25, None, 1, "2024-Q3", "2025-Q3", 3),
    ("fiscal-pakistan", P, Y, "FY2024", None, AUG25, None, 7, "FY2024", "FY2025", 12),
    (
        "fiscal-latest-complete",
        P,
        Y,
        "FY2023",
        None,
        Period(2025, 5),
        None,
        7,
        "FY2023",
        "FY2024",
        12,
    ),
    ("fiscal-calendar", P, Y, "FY2024", "FY2025", AUG25, None, 1, "FY2024", "FY2025", 12),
    ("fiscal-april", P, Y, "FY2025", "FY2026", Period(2026, 3), None, 4, "FY2025", "FY2026", 12),
    (
        "ytd",
        Convention.YTD,
        Y,
        None,
        None,
        AUG25,
        None,
        1,
        "2024-01..2024-08",
        "2025-01..2025-08",
        8,
    ),
    ("ytd-january", Convention.YTD, Y, None, "2025-01", AUG25, None, 1, "2024-01", "2025-01", 1),
    (
        "ytd-december",
        Convention.YTD,
        Y,
        None,
        "2024-12",
        AUG25,
        None,
        1,
        "2023-01..2023-12",
        "2024-01..2024-12",
        12,
    ),
    (
        "fiscal-ytd-pk",
        Convention.FISCAL_YTD,
        Y,
        None,
        None,
        AUG25,
        None,
        7,
        "2024-07..2024-08",
        "2025-07..2025-08",
        2,
    ),
    (
        "fiscal-ytd-pk-june",
        Convention.FISCAL_YTD,
        Y,
        None,
        "2025-06",
        AUG25,
        None,
        7,
        "2023-07..2024-06",
        "2024-07..2025-06",
        12,
    ),
    (
        "fiscal-ytd-pk-july",
        Convention.FISCAL_YTD,
        Y,
        None,
        "2025-07",
        AUG25,
        None,
        7,
        "2024-07",
        "2025-07",
        1,
    ),
    (
        "fiscal-ytd-calendar",
        Convention.FISCAL_YTD,
        Y,
        None,
        None,
        AUG25,
        None,
        1,
        "2024-01..2024-08",
        "2025-01..2025-08",
        8,
    ),
    (
        "ttm",
        Convention.TTM,
        Y,
        None,
        None,
        AUG25,
        None,
        1,
        "2023-09..2024-08",
        "2024-09..2025-08",
        12,
    ),
    (
        "ttm-december",
        Convention.TTM,
        Y,
        None,
        "2024-12",
        AUG25,
        None,
        1,
        "2023-01..2023-12",
        "2024-01..2024-12",
        12,
    ),
    (
        "ttm-previous",
        Convention.TTM,
        C,
        None,
        "2025-08",
        AUG25,
        None,
        1,
        "2023-09..2024-08",
        "2024-09..2025-08",
        12,
    ),
    (
        "window",
        Convention.WINDOW,
        Y,
        "2025-01",
        "2025-06",
        AUG25,
        None,
        1,
        "2024-01..2024-06",
        "2025-01..2025-06",
        6,
    ),
    (
        "window-across-year",
        Convention.WINDOW,
        Y,
        "2024-11",
        "2025-02",
        AUG25,
        None,
        1,
        "2023-11..2024-02",
        "2024-11..2025-02",
        4,
    ),
    (
        "window-leap",
        Convention.WINDOW,
        Y,
        "2024-02",
        "2024-03",
        AUG25,
        None,
        1,
        "2023-02..2023-03",
        "2024-02..2024-03",
        2,
    ),
    (
        "window-quarters",
        Convention.WINDOW,
        Y,
        "2025-Q1",
        "2025-Q2",
        AUG25,
        None,
        1,
        "2024-01..2024-06",
        "2025-01..2025-06",
        6,
    ),
]


@pytest.mark.parametrize(
    (
        "convention",
        "compare",
        "start",
        "end",
        "latest_m",
        "latest_y",
        "fiscal",
        "base",
        "target",
        "months",
    ),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_comparison(
    convention, compare, start, end, latest_m, latest_y, fiscal, base, target, months
) -> None:
    s = parse_window(start, fiscal_start=fiscal) if start else None
    e = parse_window(end, fiscal_start=fiscal) if end else None
    got_base, got_target = comparison(convention, compare, s, e, latest_m, latest_y, fiscal)
    assert (str(got_base), str(got_target)) == (base, target)
    assert len(got_target.months) == months
    assert len(got_base.months) == months  # like is always compared with like


ERRORS = [
    ("reversed-months", P, "2025-08", "2024-08", "comes after"),
    ("quarter-vs-month", P, "2025-Q1", "2025-08", "is a quarter but"),
    ("year-vs-month", P, "2024", "2025-08", "is a year but"),
    ("fiscal-vs-year", P, "FY2024", "2025", "is a fiscal year but"),
    ("ytd-with-from", Convention.YTD, "2025-01", None, "takes no --from"),
    ("ttm-with-year", Convention.TTM, None, "2025", "needs --to as a month"),
    ("window-no-to", Convention.WINDOW, "2025-01", None, "needs --from and --to"),
    ("window-years", Convention.WINDOW, "2024", "2025", "needs --from and --to as months"),
    ("window-reversed", Convention.WINDOW, "2025-06", "2025-01", "comes after"),
]


@pytest.mark.parametrize(
    ("convention", "start", "end", "fragment"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_comparison_errors(convention, start, end, fragment) -> None:
    s = parse_window(start) if start else None
    e = parse_window(end) if end else None
    with pytest.raises(PeriodError, match=fragment):
        comparison(convention, Compare.YEAR, s, e, AUG25, None)


def test_monthly_conventions_need_monthly_data() -> None:
    with pytest.raises(PeriodError, match="needs monthly data"):
        comparison(Convention.YTD, Compare.YEAR, None, None, None, 2006)


@pytest.mark.parametrize(
    ("text", "fiscal", "label", "first", "last"),
    [
        ("2025-Q1", 1, "Q1 2025", "2025-01", "2025-03"),
        ("2025-Q4", 1, "Q4 2025", "2025-10", "2025-12"),
        ("FY2025", 7, "FY2025 (Jul 2024-Jun 2025)", "2024-07", "2025-06"),
        ("fy 2025", 7, "FY2025 (Jul 2024-Jun 2025)", "2024-07", "2025-06"),
        ("FY2025", 1, "FY2025 (Jan-Dec 2025)", "2025-01", "2025-12"),
        ("FY2025", 4, "FY2025 (Apr 2024-Mar 2025)", "2024-04", "2025-03"),
        ("2024-02", 1, "February 2024", "2024-02", "2024-02"),
        ("2024", 1, "2024", "2024", "2024"),
    ],
)
def test_parse_window(text, fiscal, label, first, last) -> None:
    window = parse_window(text, TODAY, fiscal)
    assert window.label == label
    assert (str(window.first), str(window.last)) == (first, last)


@pytest.mark.parametrize("text", ["2025-Q5", "2025-Q0", "FY25", "Q1 2025", "2025-13", "FY2028"])
def test_parse_window_rejects(text) -> None:
    with pytest.raises(PeriodError):
        parse_window(text, TODAY, 7)


@pytest.mark.parametrize(
    ("month", "fiscal", "expected"),
    [
        (Period(2025, 6), 7, "FY2025"),
        (Period(2025, 7), 7, "FY2026"),
        (Period(2025, 1), 1, "FY2025"),
        (Period(2024, 12), 7, "FY2025"),
        (Period(2025, 3), 4, "FY2025"),
        (Period(2025, 4), 4, "FY2026"),
    ],
)
def test_fiscal_year_of(month, fiscal, expected) -> None:
    assert str(fiscal_year_of(month, fiscal)) == expected


@pytest.mark.parametrize(
    ("period", "months", "expected"),
    [
        (Period(2024, 12), 1, Period(2025, 1)),
        (Period(2025, 1), -1, Period(2024, 12)),
        (Period(2024, 2), 12, Period(2025, 2)),
        (Period(2025, 8), -23, Period(2023, 9)),
        (Period(2024, 1), -13, Period(2022, 12)),
    ],
)
def test_add_months(period, months, expected) -> None:
    assert add_months(period, months) == expected


def test_request_span() -> None:
    w = parse_window
    assert request_span(w("2024-08"), None, P, Y)[:2] == (Period(2024, 8), None)
    assert request_span(None, w("2025-Q2"), P, Y)[:2] == (Period(2024, 4), Period(2025, 6))
    assert request_span(None, w("2025-08"), Convention.TTM, Y)[:2] == (
        Period(2023, 9),
        Period(2025, 8),
    )
    assert request_span(w("2025-01"), w("2025-06"), Convention.WINDOW, Y)[:2] == (
        Period(2024, 1),
        Period(2025, 6),
    )


def test_coverage_describes_runs_of_months_and_years() -> None:
    import polars as pl

    from tradecli.analysis.windows import coverage

    days = [dt.date(2019, 12, 1), dt.date(2020, 1, 1), dt.date(2020, 3, 1), dt.date(2024, 8, 1)]
    rows = pl.DataFrame(
        {
            "period": [*days, dt.date(2002, 1, 1), dt.date(2003, 1, 1), dt.date(2006, 1, 1)],
            "frequency": ["month"] * 4 + ["year"] * 3,
        }
    )
    assert coverage(rows).describe() == (
        "months 2019-12..2020-01, 2020-03, 2024-08; years 2002..2003, 2006"
    )
    assert coverage(rows.head(0)).describe() == "nothing"
