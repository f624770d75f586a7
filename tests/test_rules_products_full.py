"""Products: rules pinned after the full mutation run of ``analysis/products.py``.

Each test holds a case no earlier test had; the expected figures are worked by hand
in the comments (value / quantity, sums, growth), never read from the code's output.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tradecli import analysis
from tradecli.analysis.core import STRICT_NOTE, Tier
from tradecli.errors import NoData, UsageError
from tradecli.periods import Compare, Convention, parse_window

from .test_rules_products import JPN, PAK, _frame

YEARS = {"start": parse_window("2023"), "end": parse_window("2024")}


def _year_rows(rows: list[tuple[int, str, float, float | None, str | None]]) -> pl.LazyFrame:
    """(year, product, value, quantity, unit) rows of Pakistan's exports to Japan."""
    return _frame(
        [
            {"period": dt.date(year, 1, 1), "frequency": "year", "product": code,
             "value": value, "quantity": quantity, "quantity_unit": unit}
            for year, code, value, quantity, unit in rows
        ]
    )  # fmt: skip


def test_no_unit_value_across_two_units_or_over_a_zero_quantity() -> None:
    # 270900: kg in 2023, litres in 2024: no one unit, so no unit value in either year.
    # 760110: a quantity of 0 kg in 2023 is no divisor; 2024: 12 / 4 kg = 3.
    rows = _year_rows(
        [
            (2023, "270900", 60.0, 30.0, "kg"),
            (2024, "270900", 80.0, 40.0, "l"),
            (2023, "760110", 10.0, 0.0, "kg"),
            (2024, "760110", 12.0, 4.0, "kg"),
        ]
    )
    result = analysis.products(rows, PAK, JPN, level="hs6", **YEARS)
    got = result.rows.select("code", "unit", "unit_value_from", "unit_value_to").rows()
    assert got == [("270900", None, None, None), ("760110", "kg", None, 3.0)]


def test_a_window_without_the_product_names_no_source_for_it() -> None:
    # 870323 is new in 2024, 760110 gone: the window without them has no source id at
    # all (null), never an empty text; the other window names the file's "a".
    rows = _year_rows(
        [
            (2023, "270900", 60.0, None, None),
            (2024, "270900", 80.0, None, None),
            (2023, "760110", 40.0, None, None),
            (2024, "870323", 35.0, None, None),
        ]
    )
    result = analysis.products(rows, PAK, JPN, level="hs6", **YEARS)
    got = result.rows.select("code", "source_from", "source_to", "status").rows()
    assert got == [
        ("270900", "a", "a", None),
        ("870323", None, "a", "new"),
        ("760110", "a", None, "gone"),
    ]


def test_comparable_is_judged_only_where_there_is_a_growth_rate() -> None:
    # 270900 in both years from one file: like with like. 870323 is new in 2024: no
    # growth, so nothing to judge (null, not "not comparable"), and --strict has no
    # growth to empty, so it says nothing. One period: no growth, nothing judged.
    rows = _year_rows(
        [
            (2023, "270900", 60.0, None, None),
            (2024, "270900", 80.0, None, None),
            (2024, "870323", 35.0, None, None),
        ]
    )
    result = analysis.products(rows, PAK, JPN, level="hs6", strict=True, **YEARS)
    got = result.rows.select("code", "growth_pct", "comparable").rows()
    assert got == [("270900", pytest.approx(100 / 3), True), ("870323", None, None)]
    assert STRICT_NOTE not in result.notes
    single = analysis.products(rows, PAK, JPN, level="hs6", start=parse_window("2024"))
    assert single.rows.select("code", "growth_pct", "comparable").rows() == [
        ("270900", None, None),
        ("870323", None, None),
    ]


def test_the_products_and_total_are_the_flows_own_never_another_pairs() -> None:
    # January 2024: Pakistan's exports to Japan total $100, $60 of them 270900. The
    # data also hold Pakistan's exports to China ($500, $50 of rice), China's to Japan
    # ($700, $70 of 270900) and Japan's to Pakistan ($300): none is this flow's.
    month = dt.date(2024, 1, 1)
    # The other pairs' rows come first: a filter too wide would pick one of them.
    rows = [
        {"period": month, "importer": "CHN", "product": "100630", "value": 50.0},
        {"period": month, "exporter": "CHN", "product": "270900", "value": 70.0},
        {"period": month, "importer": "CHN", "value": 500.0},
        {"period": month, "exporter": "CHN", "reporter": "JPN", "value": 700.0},
        {"period": month, "exporter": "JPN", "importer": "PAK", "reporter": "JPN", "value": 300.0},
        {"period": month, "value": 100.0},
        {"period": month, "product": "270900", "value": 60.0},
    ]
    result = analysis.products(_frame(rows), PAK, JPN, level="hs6", start=parse_window("2024-01"))
    assert result.declared_total and result.total_to == 100.0
    assert result.rows.select("code", "value_to", "share_pct").rows() == [
        ("270900", 60.0, pytest.approx(60.0)),
        ("OTHER(-)", 40.0, pytest.approx(40.0)),  # 100 - 60
    ]
    assert result.notes == ()


def test_the_total_is_picked_as_every_figure_is_own_first_then_the_newest_source() -> None:
    # January 2024's total of Pakistan's exports to Japan, three times: Japan's mirror
    # figure ($90, source "m"), Pakistan's own from "a" ($100) and from "b" ($120), "b"
    # the more recently imported. Pakistan's own, newest: $120; other products 120 - 60.
    month = dt.date(2024, 1, 1)
    rows = [
        {"period": month, "reporter": "JPN", "source": "m", "value": 90.0},
        {"period": month, "source": "a", "value": 100.0},
        {"period": month, "source": "b", "value": 120.0},
        {"period": month, "product": "270900", "source": "a", "value": 60.0},
    ]
    result = analysis.products(
        _frame(rows), PAK, JPN, level="hs6", start=parse_window("2024-01"), newest_first=("b", "a")
    )
    assert result.total_to == 120.0
    other = result.rows.row(1, named=True)
    assert (other["code"], other["value_to"], other["share_pct"]) == ("OTHER(-)", 60.0, 50.0)
    assert (other["source_to"], other["tier_to"]) == ("a+b", Tier.OWN)
    assert result.notes == (
        "TOTAL for 2024-01: b gives $120 and a gives $100 (a difference of $20); the most "
        "recently imported or fetched, b, was used",
    )


def test_each_row_is_of_its_later_figures_edition_and_the_names_note_says_both() -> None:
    # 2023's rows are HS 2017, 2024's HS 2022 (no edition covers both years).
    # 270900 has a 2024 figure: HS22. 760110 is gone in 2024: its row is of its 2023
    # figure, HS17. The HS 2022 names then do not fit every code: said, naming 2017.
    rows = [
        {"period": dt.date(year, 1, 1), "frequency": "year", "product": code,
         "value": value, "hs_edition": edition}
        for year, code, value, edition in ((2023, "270900", 60.0, "HS17"),
                                           (2024, "270900", 80.0, "HS22"),
                                           (2023, "760110", 40.0, "HS17"))
    ]  # fmt: skip
    result = analysis.products(_frame(rows), PAK, JPN, level="hs6", **YEARS)
    got = result.rows.select("code", "status", "edition", "name_edition").rows()
    assert got == [("270900", None, "HS22", "HS22"), ("760110", "gone", "HS17", "HS22")]
    assert result.edition_change == "HS 2017 and HS 2022"
    assert result.names_note == (
        "product names are HS 2022 descriptions; this data is HS 2017: a code's meaning "
        "can differ between editions"
    )


def test_the_library_defaults_are_the_top_ten_and_a_fiscal_year_from_january() -> None:
    # Twelve products in each month of January-March 2023 and 2024, product i worth $i
    # a month. By default: the ten largest (12 down to 3), and "All other" holds 2 and 1.
    # A fiscal year to date with no start month given starts in January: Jan-Mar.
    rows = [
        {"period": dt.date(year, month, 1), "product": f"2709{i:02d}", "value": float(i)}
        for year in (2023, 2024)
        for month in (1, 2, 3)
        for i in range(1, 13)
    ]
    result = analysis.products(
        _frame(rows), PAK, JPN, level="hs6", convention=Convention.FISCAL_YTD
    )
    assert (result.start.label, result.end.label) == ("Jan-Mar 2023", "Jan-Mar 2024")
    codes = [f"2709{i:02d}" for i in range(12, 2, -1)]
    assert result.rows.select("code", "value_to").rows() == [
        *((code, 3.0 * int(code[4:])) for code in codes),  # three months of $i
        ("OTHER(2)", 9.0),  # 3 x ($2 + $1)
    ]


def test_the_finest_level_held_is_named_when_a_finer_one_is_asked() -> None:
    # A section row (S05, mineral products) and a chapter row (27): the data go down to
    # HS2, whatever the levels' names sort as.
    month = dt.date(2024, 1, 1)
    rows = [
        {"period": month, "product": "S05", "value": 80.0},
        {"period": month, "product": "27", "value": 70.0},
    ]
    with pytest.raises(UsageError) as raised:
        analysis.products(_frame(rows), PAK, JPN, level="hs4", start=parse_window("2024-01"))
    assert raised.value.message == (
        "the data for Pakistan (PAK) exports to Japan (JPN) go down to HS2 only"
    )
    assert raised.value.hint == "use --level hs2 or coarser"


def test_the_data_level_is_the_finest_level_summed() -> None:
    # By section: S05 has a row of its own ($80); section I has none, only its chapter
    # 01 ($10). The figures are summed from section and HS2 rows: the finest is HS2.
    month = dt.date(2024, 1, 1)
    rows = [
        {"period": month, "product": "S05", "value": 80.0},
        {"period": month, "product": "01", "value": 10.0},
    ]
    result = analysis.products(
        _frame(rows), PAK, JPN, level="section", start=parse_window("2024-01")
    )
    assert result.rows.select("code", "value_to").rows() == [("S05", 80.0), ("S01", 10.0)]
    assert result.data_level == "hs2"
    assert result.summed_levels == ("section", "hs2")


def test_without_windows_the_latest_month_is_compared_as_asked() -> None:
    # Monthly data from January 2023 to March 2024: the latest month is March 2024,
    # compared with March 2023 by default, with February 2024 when the previous is asked.
    rows = [
        {"period": dt.date(year, month, 1), "product": "270900", "value": 1.0}
        for year in (2023, 2024)
        for month in range(1, 13)
        if (year, month) <= (2024, 3)
    ]
    windows: dict[Compare, tuple[str, str]] = {}
    for compare in Compare:
        result = analysis.products(_frame(rows), PAK, JPN, level="hs6", compare=compare)
        windows[compare] = (result.start.label, result.end.label)
    assert windows == {
        Compare.YEAR: ("March 2023", "March 2024"),
        Compare.PREVIOUS: ("February 2024", "March 2024"),
    }


def test_a_window_past_the_data_is_refused_naming_the_flow() -> None:
    rows = _year_rows([(2023, "270900", 60.0, None, None), (2024, "270900", 80.0, None, None)])
    with pytest.raises(NoData) as raised:
        analysis.products(rows, PAK, JPN, level="hs6", start=parse_window("2025"))
    assert raised.value.message == (
        "no data for Pakistan (PAK) exports to Japan (JPN) in 2025 or later (latest: 2024)"
    )
    assert raised.value.hint == "the data cover years 2023..2024"


def test_one_period_in_two_editions_says_the_one_used_for_the_period() -> None:
    # January 2024 in HS 2017 ($50 of 270900) and in HS 2022 ($60): one period, so the
    # note speaks of "the period", not of two; the HS 2022 figure is used, never the sum.
    month = dt.date(2024, 1, 1)
    rows = [
        {"period": month, "product": "270900", "value": value, "hs_edition": edition}
        for value, edition in ((50.0, "HS17"), (60.0, "HS22"))
    ]
    result = analysis.products(_frame(rows), PAK, JPN, level="hs6", start=parse_window("2024-01"))
    assert result.rows.select("code", "value_to", "edition").rows() == [("270900", 60.0, "HS22")]
    assert result.notes == (
        "the data hold this flow's products in several HS editions (HS 2017, HS 2022): "
        "figures are HS 2022 only, the newest edition with data for the period; editions "
        "are never added (a code can mean other goods in another edition)",
    )


def test_a_disagreement_outside_the_two_periods_is_not_said() -> None:
    # Sources "a" and "b" disagree on 270900 in 2022 only; 2023 and 2024 are compared.
    rows = [
        {"period": dt.date(year, 1, 1), "frequency": "year", "product": "270900",
         "value": value, "source": source}
        for year, value, source in ((2022, 10.0, "a"), (2022, 99.0, "b"),
                                    (2023, 60.0, "a"), (2024, 80.0, "a"))
    ]  # fmt: skip
    result = analysis.products(_frame(rows), PAK, JPN, level="hs6", **YEARS)
    assert result.rows.select("code", "value_from", "value_to").rows() == [("270900", 60.0, 80.0)]
    assert result.notes == ()


def test_a_total_for_one_of_the_two_periods_only_is_not_the_total() -> None:
    # The flow's TOTAL is in the data for 2024 ($150) but not for 2023: shares and the
    # totals are of the products in the data (2023: 60 + 40; 2024: 80 + 45), and said.
    rows = [{"period": dt.date(2024, 1, 1), "frequency": "year", "value": 150.0}]
    rows += [
        {"period": dt.date(year, 1, 1), "frequency": "year", "product": code, "value": value}
        for year, code, value in ((2023, "270900", 60.0), (2024, "270900", 80.0),
                                  (2023, "760110", 40.0), (2024, "760110", 45.0))
    ]  # fmt: skip
    result = analysis.products(_frame(rows), PAK, JPN, level="hs6", **YEARS)
    assert not result.declared_total
    assert (result.total_from, result.total_to) == (100.0, 125.0)
    assert result.rows.select("code", "share_pct").rows() == [
        ("270900", pytest.approx(64.0)),  # 80 / 125
        ("760110", pytest.approx(36.0)),  # 45 / 125
    ]
    assert result.notes == (
        "the data hold the flow's total for 2024 only: shares are of the products in the "
        "data, not of the total",
    )


def test_products_in_two_currencies_are_refused_naming_the_flow() -> None:
    # The flow's total in dollars, one product's figure in euros: never mixed.
    month = dt.date(2024, 1, 1)
    rows = [
        {"period": month, "value": 100.0},
        {"period": month, "product": "270900", "value": 60.0, "currency": "EUR"},
    ]
    with pytest.raises(UsageError) as raised:
        analysis.products(_frame(rows), PAK, JPN, level="hs6", start=parse_window("2024-01"))
    assert raised.value.message == (
        "figures for Pakistan (PAK) exports to Japan (JPN) are in several currencies (EUR, USD)"
    )


def test_an_earlier_quarter_missing_a_month_has_no_total_and_no_total_growth() -> None:
    # Q1 2023 has product data for January and February only ($50 each); Q1 2024 for
    # every month ($60 each, $180). Q1 2023 has no total, so no growth of the total.
    rows = [
        {"period": dt.date(year, month, 1), "product": "270900", "value": value}
        for year, months, value in ((2023, (1, 2), 50.0), (2024, (1, 2, 3), 60.0))
        for month in months
    ]
    result = analysis.products(
        _frame(rows), PAK, JPN, level="hs6", start=parse_window("2023-Q1"),
        end=parse_window("2024-Q1"),
    )  # fmt: skip
    assert (result.total_from, result.total_to, result.total_growth_pct) == (None, 180.0, None)
    assert result.rows.select("code", "value_from", "value_to").rows() == [("270900", None, 180.0)]


def test_products_of_equal_value_rank_by_code_so_the_cut_is_the_same_every_run() -> None:
    # 760110 and 270900 are worth $50 each in 2024: ranked by code (270900 first), so
    # --top 1 lists 270900 and "All other" holds 760110 (2023: $40), whatever the order
    # of the rows. 870323 ($20 in 2024, $10 in 2023) is last.
    rows = _year_rows(
        [
            (2023, "870323", 10.0, None, None),
            (2024, "870323", 20.0, None, None),
            (2023, "760110", 40.0, None, None),
            (2024, "760110", 50.0, None, None),
            (2023, "270900", 30.0, None, None),
            (2024, "270900", 50.0, None, None),
        ]
    )
    every = analysis.products(rows, PAK, JPN, level="hs6", **YEARS)
    assert every.rows["code"].to_list() == ["270900", "760110", "870323"]
    first = analysis.products(rows, PAK, JPN, level="hs6", top=1, **YEARS)
    assert first.rows.select("code", "value_from", "value_to").rows() == [
        ("270900", 30.0, 50.0),
        ("OTHER(2)", 50.0, 70.0),  # 2023: 40 + 10; 2024: 50 + 20
    ]


def test_all_other_products_rest_on_the_worst_tier_and_every_source_of_its_products() -> None:
    # No total in the data; --top 1 lists 270900 ($90 in 2024). "All other" holds
    # 760110 (2023: Japan's mirror figure from "m"; 2024: Pakistan's own from "b") and
    # 870323 (Pakistan's own from "a" in both years). 2023 rests on a mirror figure
    # (the worst tier of the two) and on "a" and "m"; 2024 on own figures from "a" and "b".
    rows = [
        {"period": dt.date(year, 1, 1), "frequency": "year", "product": code,
         "value": value, "source": source, "reporter": reporter}
        for year, code, value, source, reporter in (
            (2023, "270900", 80.0, "a", "PAK"), (2024, "270900", 90.0, "a", "PAK"),
            (2023, "760110", 30.0, "m", "JPN"), (2024, "760110", 35.0, "b", "PAK"),
            (2023, "870323", 10.0, "a", "PAK"), (2024, "870323", 15.0, "a", "PAK"),
        )
    ]  # fmt: skip
    result = analysis.products(_frame(rows), PAK, JPN, level="hs6", top=1, **YEARS)
    other = result.rows.row(1, named=True)
    assert (other["code"], other["value_from"], other["value_to"]) == ("OTHER(2)", 40.0, 50.0)
    assert (other["tier_from"], other["tier_to"]) == (Tier.MIRROR, Tier.OWN)
    assert (other["source_from"], other["source_to"]) == ("a+m", "a+b")
    assert other["status"] is None
    assert other["name"] == "All other products (2)"
    # Both products present in both years: a growth, 40 -> 50 = +25 %, judged not like
    # with like (other sources in each year).
    assert (other["growth_pct"], other["comparable"]) == (pytest.approx(25.0), False)


def test_all_other_over_one_new_and_one_gone_product_has_no_growth() -> None:
    # --top 1 lists 270900. "All other" holds 760110, gone in 2024 ($40 in 2023), and
    # 870323, new in 2024 ($35): $40 -> $35 compares two different products, so no
    # growth (never -12.5 %), nothing judged comparable, and a note says why.
    rows = _year_rows(
        [
            (2023, "270900", 60.0, None, None),
            (2024, "270900", 80.0, None, None),
            (2023, "760110", 40.0, None, None),
            (2024, "870323", 35.0, None, None),
        ]
    )
    result = analysis.products(rows, PAK, JPN, level="hs6", top=1, **YEARS)
    assert result.rows.select(
        "code", "value_from", "value_to", "growth_pct", "comparable"
    ).rows() == [
        ("270900", 60.0, 80.0, pytest.approx(100 / 3), True),
        ("OTHER(2)", 40.0, 35.0, None, None),
    ]
    assert (
        "All other products hold products absent from one of the two periods: "
        "its growth is not computed"
    ) in result.notes


def test_without_a_later_total_the_shares_are_empty_numbers_not_an_untyped_column() -> None:
    # Q1 2024 lacks March: no later total, so no share. The column stays a Float64 of
    # nulls, the type it has in every other answer (a library user's frames concatenate).
    rows = [
        {"period": dt.date(year, month, 1), "product": "270900", "value": 50.0}
        for year, months in ((2023, (1, 2, 3)), (2024, (1, 2)))
        for month in months
    ]
    result = analysis.products(
        _frame(rows), PAK, JPN, level="hs6", start=parse_window("2023-Q1"),
        end=parse_window("2024-Q1"),
    )  # fmt: skip
    assert (result.total_from, result.total_to) == (150.0, None)
    assert result.rows.select("code", "value_from", "share_pct").rows() == [("270900", 150.0, None)]
    assert result.rows.schema["share_pct"] == pl.Float64


def _months(spans: tuple[tuple[int, tuple[int, ...]], ...]) -> pl.LazyFrame:
    """$10 of 270900 in each (year, months) listed."""
    return _frame(
        [
            {"period": dt.date(year, month, 1), "product": "270900", "value": 10.0}
            for year, months in spans
            for month in months
        ]
    )


def test_the_months_without_product_data_are_listed_six_at_most_for_each_period() -> None:
    # 2023 has product data for January-May: 7 months missing, the first six listed and
    # "..." for the rest. 2024 for January-June: exactly 6 missing, all listed, no "...".
    flows = _months(((2023, (1, 2, 3, 4, 5)), (2024, (1, 2, 3, 4, 5, 6))))
    result = analysis.products(flows, PAK, JPN, level="hs6", **YEARS)
    assert result.rows.select("code", "value_from", "value_to").rows() == [("270900", None, None)]
    assert result.notes == (
        "no product data for 2023 (missing 2023-06, 2023-07, 2023-08, 2023-09, 2023-10, "
        "2023-11 ...): its values, shares and growth are not computed",
        "no product data for 2024 (missing 2024-07, 2024-08, 2024-09, 2024-10, 2024-11, "
        "2024-12): its values, shares and growth are not computed",
    )


def test_one_period_missing_a_month_is_said_once() -> None:
    # Q1 2024 alone, February without product data: one note, not one per window.
    flows = _months(((2024, (1, 3)),))
    result = analysis.products(flows, PAK, JPN, level="hs6", start=parse_window("2024-Q1"))
    assert result.start == result.end
    assert result.notes == (
        "no product data for Q1 2024 (missing 2024-02): its values, shares and growth "
        "are not computed",
    )


def test_one_period_with_a_product_absent_from_a_month_says_its_total_once() -> None:
    # Q1 2024 alone: 270900 every month ($10 each, $30), 760110 in January and March
    # only (no February figure: no value for the quarter). The total is 270900's $30,
    # and one note says what it leaves out, not one per window.
    rows = [
        {"period": dt.date(2024, month, 1), "product": code, "value": value}
        for code, months, value in (("270900", (1, 2, 3), 10.0), ("760110", (1, 3), 5.0))
        for month in months
    ]
    result = analysis.products(_frame(rows), PAK, JPN, level="hs6", start=parse_window("2024-Q1"))
    assert result.start == result.end and result.total_to == 30.0
    assert result.rows.select("code", "value_to").rows() == [("270900", 30.0), ("760110", None)]
    assert result.notes == (
        "the total for Q1 2024 sums the 1 products present; 1 product(s) without a figure "
        "for it are not counted (absent is not zero)",
    )


def test_rows_coarser_than_asked_are_named_eight_at_most_with_the_coarsest_level() -> None:
    # By HS4 in 2024: 2709 ($50) is at the level asked. Nine chapters (01-09, $1 each)
    # and section S05 ($7) cannot be split into HS4 codes: no total in the data, so they
    # are neither listed nor summed; the note names the first eight of the ten, sorted,
    # and the coarsest level to see them with (section).
    rows = [{"period": dt.date(2024, 1, 1), "frequency": "year", "product": "2709", "value": 50.0}]
    rows += [
        {"period": dt.date(2024, 1, 1), "frequency": "year", "product": code, "value": value}
        for code, value in [*((f"{i:02d}", 1.0) for i in range(1, 10)), ("S05", 7.0)]
    ]
    result = analysis.products(_frame(rows), PAK, JPN, level="hs4", start=parse_window("2024"))
    assert result.rows.select("code", "value_to").rows() == [("2709", 50.0)]
    assert result.total_to == 50.0
    assert result.unsplit == ("01", "02", "03", "04", "05", "06", "07", "08", "09", "S05")
    assert result.notes == (
        "the data hold rows coarser than HS4 (01, 02, 03, 04, 05, 06, 07, 08 ... (10 codes)) "
        "that cannot be split into HS4 codes: they are neither listed nor summed here; "
        "see them with --level section",
    )


@pytest.mark.parametrize(
    ("chapters", "listed"),
    [
        (8, "01, 02, 03, 04, 05, 06, 07, 08"),  # eight: all named, nothing left to count
        (9, "01, 02, 03, 04, 05, 06, 07, 08 ... (9 codes)"),
    ],
)
def test_up_to_eight_coarser_codes_are_all_named(chapters: int, listed: str) -> None:
    rows = [{"period": dt.date(2024, 1, 1), "frequency": "year", "product": "2709", "value": 50.0}]
    rows += [
        {"period": dt.date(2024, 1, 1), "frequency": "year", "product": f"{i:02d}", "value": 1.0}
        for i in range(1, chapters + 1)
    ]
    result = analysis.products(_frame(rows), PAK, JPN, level="hs4", start=parse_window("2024"))
    assert result.notes == (
        f"the data hold rows coarser than HS4 ({listed}) that cannot be split into HS4 "
        "codes: they are neither listed nor summed here; see them with --level hs2",
    )


def test_rows_coarser_than_asked_are_in_a_declared_total() -> None:
    # 2024: the flow's total ($60), 2709 ($50) by HS4 and chapter 01 ($10), which HS4
    # cannot split: it is in the total, so in "Other products" (60 - 50), not listed.
    rows = [
        {"period": dt.date(2024, 1, 1), "frequency": "year", "product": code, "value": value}
        for code, value in (("TOTAL", 60.0), ("2709", 50.0), ("01", 10.0))
    ]
    result = analysis.products(_frame(rows), PAK, JPN, level="hs4", start=parse_window("2024"))
    assert result.rows.select("code", "value_to").rows() == [("2709", 50.0), ("OTHER(-)", 10.0)]
    assert result.notes == (
        "the data hold rows coarser than HS4 (01) that cannot be split into HS4 codes: "
        "they are in the total (and other products), not listed; see them with --level hs2",
    )


def test_a_to_left_to_default_is_said_when_the_span_is_not_whole_years() -> None:
    # Monthly data from August 2023 to September 2024. --from 2023-08 alone: the later
    # period is September 2024, 13 months on, and a note says so. With --to given, or
    # with neither (--compare previous: August -> September 2024 as asked), no note.
    flows = _months(((2023, tuple(range(8, 13))), (2024, tuple(range(1, 10)))))
    defaulted = analysis.products(flows, PAK, JPN, level="hs6", start=parse_window("2023-08"))
    assert (defaulted.start.label, defaulted.end.label) == ("August 2023", "September 2024")
    assert defaulted.notes == (
        "--to was not given: it is the latest period in the data, September 2024, 13 months "
        "after August 2023, so the changes are over 13 months, not year-on-year; give --to "
        "to choose (e.g. --to 2024-08)",
    )
    given = analysis.products(
        flows, PAK, JPN, level="hs6", start=parse_window("2023-08"), end=parse_window("2024-09")
    )
    assert (given.end.label, given.notes) == ("September 2024", ())
    latest = analysis.products(flows, PAK, JPN, level="hs6", compare=Compare.PREVIOUS)
    assert (latest.start.label, latest.end.label, latest.notes) == (
        "August 2024",
        "September 2024",
        (),
    )


def test_a_third_countrys_figure_is_no_conflict_with_the_mirror_figure_used() -> None:
    # 2024, 270900: no figure of Pakistan's own; Japan's mirror figure ($80, "m") and a
    # third country's ($95, "x", the more recently imported). The mirror figure wins by
    # its tier; the third country's is of a lower tier, so the two are no conflict.
    rows = [
        {"period": dt.date(2024, 1, 1), "frequency": "year", "product": "270900",
         "value": value, "source": source, "reporter": reporter}
        for value, source, reporter in ((80.0, "m", "JPN"), (95.0, "x", "CHN"))
    ]  # fmt: skip
    result = analysis.products(
        _frame(rows), PAK, JPN, level="hs6", start=parse_window("2024"), newest_first=("x", "m")
    )
    assert result.rows.select("code", "value_to", "tier_to", "source_to").rows() == [
        ("270900", 80.0, Tier.MIRROR, "m")
    ]
    assert result.notes == ()


def _with_totals(totals: tuple[tuple[int, float, str], ...]) -> pl.LazyFrame:
    """270900 from "a" ($60 in 2023, $80 in 2024, HS 2022) and the (year, total, source)."""
    rows = [
        {"period": dt.date(year, 1, 1), "frequency": "year", "product": "270900",
         "value": value, "hs_edition": "HS22"}
        for year, value in ((2023, 60.0), (2024, 80.0))
    ]  # fmt: skip
    rows += [
        {"period": dt.date(year, 1, 1), "frequency": "year", "value": value, "source": source}
        for year, value, source in totals
    ]
    return _frame(rows)


def test_the_sources_named_are_those_of_the_figures_used_the_total_of_each_period() -> None:
    # The flow's total is from "t" for 2023 ($100) and "u" for 2024 ($120); products from
    # "a". Both totals are used, so all three are named; the total grows 20 % (100 -> 120).
    # One edition (HS 2022) in both years: no edition change.
    flows = _with_totals(((2023, 100.0, "t"), (2024, 120.0, "u")))
    result = analysis.products(flows, PAK, JPN, level="hs6", **YEARS)
    assert (result.total_from, result.total_to) == (100.0, 120.0)
    assert result.total_growth_pct == pytest.approx(20.0)
    assert result.source_ids == ("a", "t", "u")
    assert result.edition_change is None
    # 2024 alone: no growth of anything, not a 0 % change of the total against itself.
    single = analysis.products(flows, PAK, JPN, level="hs6", start=parse_window("2024"))
    assert (single.total_to, single.total_growth_pct) == (120.0, None)
    assert single.source_ids == ("a", "u")


def test_a_total_not_used_is_not_named_among_the_sources() -> None:
    # The total is in the data for 2024 only ("t"): not the total of the comparison
    # (the products' sum is), so its source is not one the figures rest on.
    flows = _with_totals(((2024, 150.0, "t"),))
    result = analysis.products(flows, PAK, JPN, level="hs6", **YEARS)
    assert (result.declared_total, result.total_to) == (False, 80.0)
    assert result.source_ids == ("a",)
    assert result.total_label == "1 product in the data; no total"  # one: no plural
