"""How a balance is put together (tradecli.analysis.balance), pinned after a mutation run.

The headline rules (balance = exports - imports, growth null exactly when a base is
missing or zero, one figure wins) are properties in test_analysis_rules.py; these pin
what the balance row says about where its figures came from, and the notes.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tradecli import analysis, schema
from tradecli.analysis.core import Tier
from tradecli.codes import resolve_country
from tradecli.errors import NoData, UsageError
from tradecli.periods import Convention, Period, month_window, parse_window

PAK, JPN = resolve_country("PAK"), resolve_country("JPN")
AUG24, AUG25 = dt.date(2024, 8, 1), dt.date(2025, 8, 1)


def _frame(rows: list[dict[str, object]]) -> pl.LazyFrame:
    defaults = {"reporter": "PAK", "frequency": "month", "product": "TOTAL", "currency": "USD"}
    full = [{**defaults, "source": "a", **row} for row in rows]
    return pl.DataFrame(full, schema=schema.FLOWS_SCHEMA).select(schema.FLOWS_SCHEMA.names()).lazy()


def _flow(flow: str, day: dt.date, value: float, **extra: object) -> dict[str, object]:
    exporter, importer = ("PAK", "JPN") if flow == "exports" else ("JPN", "PAK")
    return {"exporter": exporter, "importer": importer, "period": day, "value": value, **extra}


def _aug_to_aug(rows: list[dict[str, object]]) -> analysis.BalanceResult:
    return analysis.balance(
        _frame(rows), PAK, JPN, month_window(Period(2024, 8)), month_window(Period(2025, 8))
    )


def test_the_balance_row_names_every_source_and_reporter_and_the_worst_tier() -> None:
    result = _aug_to_aug(
        [
            # Japan's report of its imports from Pakistan: a mirror figure for exports.
            _flow("exports", AUG24, 10.0, source="a", reporter="JPN"),
            _flow("imports", AUG24, 4.0, source="b"),
            _flow("exports", AUG25, 12.0, source="a"),
            # Japan's own report of its exports to Pakistan: a mirror figure for imports.
            _flow("imports", AUG25, 5.0, source="c", reporter="JPN"),
        ]
    )
    row = result.row("balance")
    assert (row["value_from"], row["value_to"]) == (6.0, 7.0)
    assert row["source_from"] == "a+b" and row["source_to"] == "a+c"
    assert row["tier_from"] == Tier.MIRROR and row["tier_to"] == Tier.MIRROR
    assert row["reported_by_from"] == "JPN+PAK" and row["reported_by_to"] == "PAK+JPN"
    assert result.row("imports")["reported_by_to"] == "JPN"


def test_a_change_with_one_side_missing_is_not_judged_comparable_or_not() -> None:
    result = _aug_to_aug(
        [
            _flow("exports", AUG25, 12.0),
            _flow("imports", AUG24, 4.0),
            _flow("imports", AUG25, 5.0),
        ]
    )
    exports = result.row("exports")
    assert exports["value_from"] is None and exports["growth_pct"] is None
    assert exports["comparable"] is None  # nothing to compare, so no verdict
    assert result.row("imports")["comparable"] is True
    assert result.row("balance")["note"] == (
        "no balance for August 2024: it needs both exports and imports"
    )


def _ttm_with_gaps(missing: int) -> analysis.BalanceResult:
    """Trailing twelve months to Aug 2025, exports missing from Sep 2024 for ``missing`` months."""
    rows = []
    for i in range(24):  # Sep 2023 .. Aug 2025
        day = dt.date(2023 + (8 + i) // 12, (8 + i) % 12 + 1, 1)
        rows.append(_flow("imports", day, 1.0))
        if not 12 <= i < 12 + missing:
            rows.append(_flow("exports", day, 1.0))
    return analysis.balance(
        _frame(rows), PAK, JPN, None, month_window(Period(2025, 8)), convention=Convention.TTM
    )


def test_a_note_lists_up_to_six_missing_months_then_dots() -> None:
    six = _ttm_with_gaps(6).row("exports")["note"]
    seven = _ttm_with_gaps(7).row("exports")["note"]
    assert isinstance(six, str) and isinstance(seven, str)
    assert "(missing 2024-09, 2024-10, 2024-11, 2024-12, 2025-01, 2025-02)" in six
    assert "(missing 2024-09, 2024-10, 2024-11, 2024-12, 2025-01, 2025-02 ...)" in seven


def test_mirror_figures_stay_numbers_when_the_partner_reported_nothing() -> None:
    rows = [_flow("exports", AUG25, 12.0)]
    figures = analysis.mirror(_frame(rows), PAK, JPN, parse_window("2025-08")).figures
    assert figures.schema["mirror"] == pl.Float64 and figures.schema["gap_pct"] == pl.Float64
    assert figures["mirror"].to_list() == [None, None]


def test_mirror_figures_sit_beside_the_reported_ones_with_their_gap() -> None:
    rows = [_flow("exports", AUG25, 12.0), _flow("exports", AUG25, 15.0, reporter="JPN")]
    result = analysis.mirror(_frame(rows), PAK, JPN, parse_window("2025-08"))
    figures = result.figures
    assert figures.schema["reported"] == pl.Float64 and figures.schema["mirror"] == pl.Float64
    exports = figures.filter(pl.col("flow") == "exports").row(0, named=True)
    assert (exports["reported"], exports["mirror"], exports["gap_pct"]) == (12.0, 15.0, 25.0)
    imports = figures.filter(pl.col("flow") == "imports").row(0, named=True)
    assert imports["reported"] is None and imports["mirror"] is None
    assert imports["note"] == (
        "Pakistan reported no complete figure for August 2025; "
        "Japan reported no complete figure for August 2025"
    )


def test_a_country_with_itself_or_a_pair_without_data_is_refused_with_a_hint() -> None:
    with pytest.raises(UsageError) as raised:
        analysis.balance(_frame([]), PAK, PAK)
    assert raised.value.message == "reporter and partner are both Pakistan (PAK)"
    assert raised.value.hint == (
        "a balance needs two different countries, e.g. `tradecli balance PAK JPN`"
    )
    with pytest.raises(NoData) as no_data:
        analysis.balance(_frame([]), PAK, JPN)
    assert no_data.value.message == "no trade data for Pakistan (PAK) with Japan (JPN)"
    assert no_data.value.hint == (
        "the embedded sample covers Pakistan-Japan, 166 countries in 2006 and "
        "Chile with its partners in 2002; other pairs need `tradecli fetch` or "
        "`tradecli import`"
    )


def test_mixed_currencies_name_the_pair() -> None:
    rows = [_flow("exports", AUG24, 1.0), _flow("imports", AUG24, 1.0, currency="JPY")]
    rows += [_flow("exports", AUG25, 1.0), _flow("imports", AUG25, 1.0)]
    with pytest.raises(UsageError, match=r"^figures for Pakistan \(PAK\) with Japan \(JPN\) are"):
        _aug_to_aug(rows)


def test_the_result_remembers_its_convention() -> None:
    assert _ttm_with_gaps(0).convention is Convention.TTM
    assert _aug_to_aug([_flow("exports", AUG24, 1.0), _flow("exports", AUG25, 1.0)]).convention is (
        Convention.POINT
    )


@pytest.mark.parametrize("worse_from, worse_to", [("imports", "exports"), ("exports", "imports")])
def test_the_balance_takes_the_worst_tier_of_its_two_flows(worse_from: str, worse_to: str) -> None:
    # In each window one flow is the reporter's own figure, the other Japan's mirror one.
    rows = []
    for flow in ("exports", "imports"):
        rows.append(_flow(flow, AUG24, 5.0, reporter="JPN" if flow == worse_from else "PAK"))
        rows.append(_flow(flow, AUG25, 6.0, reporter="JPN" if flow == worse_to else "PAK"))
    row = _aug_to_aug(rows).row("balance")
    assert row["tier_from"] == Tier.MIRROR and row["tier_to"] == Tier.MIRROR
    assert row["reported_by_from"] in ("PAK+JPN", "JPN+PAK")
    assert set(str(row["reported_by_to"]).split("+")) == {"PAK", "JPN"}


def test_a_complete_balance_has_no_note_and_typed_columns() -> None:
    rows = [_flow(f, d, 1.0) for f in ("exports", "imports") for d in (AUG24, AUG25)]
    result = _aug_to_aug(rows)
    assert result.row("balance")["note"] is None
    assert result.notes == []
    schema_ = result.figures.schema
    assert schema_["tier_from"] == pl.Int8 and schema_["tier_to"] == pl.Int8
    assert schema_["value_from"] == pl.Float64 and schema_["change"] == pl.Float64


def test_a_balance_missing_in_both_windows_names_both() -> None:
    rows = [_flow("exports", AUG24, 1.0), _flow("exports", AUG25, 2.0)]
    assert _aug_to_aug(rows).row("balance")["note"] == (
        "no balance for August 2024 or August 2025: it needs both exports and imports"
    )


def test_a_single_period_says_what_is_missing_without_talking_of_growth() -> None:
    # Two equal windows, built apart as the CLI parses --from and --to.
    start, end = month_window(Period(2025, 8)), month_window(Period(2025, 8))
    result = analysis.balance(_frame([_flow("imports", AUG25, 3.0)]), PAK, JPN, start, end)
    assert result.row("exports")["note"] == "no exports figure for August 2025"
    assert result.row("imports")["note"] is None


def test_change_is_to_minus_from() -> None:
    rows = [_flow("exports", AUG24, 10.0), _flow("exports", AUG25, 4.0)]
    rows += [_flow("imports", AUG24, 1.0), _flow("imports", AUG25, 3.0)]
    result = _aug_to_aug(rows)
    assert result.row("exports")["change"] == -6.0
    assert result.row("imports")["change"] == 2.0
    assert result.row("balance")["change"] == 1.0 - 9.0


def test_a_single_period_has_no_change_but_a_typed_column() -> None:
    start, end = month_window(Period(2025, 8)), month_window(Period(2025, 8))
    rows = [_flow("exports", AUG25, 4.0), _flow("imports", AUG25, 3.0)]
    figures = analysis.balance(_frame(rows), PAK, JPN, start, end).figures
    assert figures.schema["change"] == pl.Float64
    assert figures["change"].to_list() == [None, None, None]


def test_a_flow_missing_in_both_windows_names_both() -> None:
    rows = [_flow("imports", AUG24, 1.0), _flow("imports", AUG25, 2.0)]
    assert _aug_to_aug(rows).row("exports")["note"] == (
        "no exports figure for August 2024 or August 2025: growth not computed"
    )


def test_sources_of_a_summed_window_are_listed_once_each() -> None:
    rows = []
    for year in (2024, 2025):
        for month in (1, 2, 3):
            day = dt.date(year, month, 1)
            rows.append(_flow("exports", day, 1.0, source="a" if month == 1 else "b"))
            rows.append(_flow("imports", day, 1.0, source="b"))
    result = analysis.balance(
        _frame(rows), PAK, JPN, parse_window("2024-Q1"), parse_window("2025-Q1")
    )
    assert result.row("exports")["source_to"] == "a+b"
    assert result.row("balance")["source_to"] == "a+b"


def test_fiscal_year_to_date_defaults_to_a_calendar_year() -> None:
    rows = [_flow(f, dt.date(y, m, 1), 1.0) for f in ("exports", "imports")
            for y in (2024, 2025) for m in range(1, 9)]  # fmt: skip
    result = analysis.balance(
        _frame(rows), PAK, JPN, None, month_window(Period(2025, 8)),
        convention=Convention.FISCAL_YTD,
    )  # fmt: skip
    assert (result.end.first, result.end.last) == (Period(2025, 1), Period(2025, 8))


# --- balance --product and mirror --product: what decides a product figure ------------

JUL24, SEP24 = dt.date(2024, 7, 1), dt.date(2024, 9, 1)
JUL25, SEP25 = dt.date(2025, 7, 1), dt.date(2025, 9, 1)
FISH = "0306"  # crustaceans: an HS4 code, summed "as reported"


def _product(flow: str, day: dt.date, value: float, **extra: object) -> dict[str, object]:
    return _flow(flow, day, value, **{"product": FISH, **extra})


def _product_balance(
    rows: list[dict[str, object]], newest_first: tuple[str, ...] = ()
) -> analysis.BalanceResult:
    return analysis.balance(
        _frame(rows),
        PAK,
        JPN,
        month_window(Period(2024, 8)),
        month_window(Period(2025, 8)),
        products=(FISH,),
        newest_first=newest_first,
    )


def test_a_product_figure_is_the_reporters_own_then_the_newest_source_with_who_reported_it() -> (
    None
):
    rows = [
        # Aug 2024: Pakistan's own 10 (source b) beats Japan's mirror 99 (source a, first by id).
        _product("exports", AUG24, 10.0, source="b"),
        _product("exports", AUG24, 99.0, source="a", reporter="JPN"),
        # Aug 2025: only Japan's mirror figure.
        _product("exports", AUG25, 15.0, source="b", reporter="JPN"),
        _product("imports", AUG24, 4.0, source="a"),
        # Two of Pakistan's own for Aug 2025: b is the newest, so its 6 wins over a's 5.
        _product("imports", AUG25, 5.0, source="a"),
        _product("imports", AUG25, 6.0, source="b"),
    ]
    result = _product_balance(rows, newest_first=("b",))
    exports, imports = result.row("exports"), result.row("imports")
    assert (exports["value_from"], exports["value_to"]) == (10.0, 15.0)
    assert (exports["source_from"], exports["source_to"]) == ("b", "b")
    assert (exports["tier_from"], exports["tier_to"]) == (Tier.OWN, Tier.MIRROR)
    assert (exports["reported_by_from"], exports["reported_by_to"]) == ("PAK", "JPN")
    assert (imports["value_from"], imports["value_to"]) == (4.0, 6.0)
    assert imports["source_to"] == "b" and imports["reported_by_to"] == "PAK"
    balance = result.row("balance")
    assert (balance["value_from"], balance["value_to"]) == (10.0 - 4.0, 15.0 - 6.0)
    assert balance["tier_to"] == Tier.MIRROR and balance["reported_by_to"] == "JPN+PAK"
    assert result.tier_notes  # a mirror figure stood in for Pakistan's own
    assert result.products == (FISH,)
    # The same-tier disagreement is named, in the answer's currency, with its winner.
    assert (
        "imports of 0306 for 2025-08: b gives $6 and a gives $5 (a difference of $1); "
        "the most recently imported or fetched, b, was used"
    ) in result.notes
    # Without a read order the first source by id wins, and the note says so.
    plain = _product_balance(rows)
    assert plain.row("imports")["value_to"] == 5.0 and plain.row("imports")["source_to"] == "a"
    assert any("a gives $5 and b gives $6" in n and ", a, was used" in n for n in plain.notes)


def test_a_product_conflict_note_is_in_the_answers_currency() -> None:
    rows = [
        _product(f, d, 1.0, currency="EUR") for f in ("exports", "imports") for d in (AUG24, AUG25)
    ]
    rows.append(_product("exports", AUG25, 3.0, source="b", currency="EUR"))
    result = _product_balance(rows, newest_first=("b",))
    assert result.currency == "EUR" and result.row("exports")["value_to"] == 3.0
    assert (
        "exports of 0306 for 2025-08: b gives EUR 3 and a gives EUR 1 (a difference of EUR 2); "
        "the most recently imported or fetched, b, was used"
    ) in result.notes


def test_a_product_mirror_takes_one_edition_and_the_newest_source_of_each_side() -> None:
    rows = [
        # Pakistan's own report in two HS editions of one period: HS 2017's 7, never 5 + 7.
        _product("exports", AUG25, 5.0, hs_edition="HS92"),
        _product("exports", AUG25, 7.0, hs_edition="HS17"),
        # Japan's side from two sources: b is the newest.
        _product("exports", AUG25, 8.0, source="a", reporter="JPN", hs_edition="HS17"),
        _product("exports", AUG25, 9.0, source="b", reporter="JPN", hs_edition="HS17"),
        # Another product is not in the selection.
        _flow("exports", AUG25, 1000.0, product="1605", hs_edition="HS17"),
    ]
    result = analysis.mirror(
        _frame(rows), PAK, JPN, parse_window("2025-08"), products=(FISH,), newest_first=("b",)
    )
    assert result.products == (FISH,)
    exports = result.figures.filter(pl.col("flow") == "exports").row(0, named=True)
    assert (exports["reported"], exports["mirror"]) == (7.0, 9.0)
    assert (exports["source_reported"], exports["source_mirror"]) == ("a", "b")
    assert exports["gap_pct"] == pytest.approx((9.0 - 7.0) / 7.0 * 100)
    assert exports["note"] is None
    imports = result.figures.filter(pl.col("flow") == "imports").row(0, named=True)
    assert imports["reported"] is None and imports["mirror"] is None


def test_a_product_balance_over_two_editions_of_one_source_is_not_like_for_like() -> None:
    """One source (a Comtrade extract over a change of classification) whose 2024 rows are
    HS 2017 and 2025 rows HS 2022: the exports change compares codes of two editions."""
    rows = [
        _product("exports", AUG24, 10.0, hs_edition="HS17"),
        _product("exports", AUG25, 11.0, hs_edition="HS17"),  # the older edition: not used
        _product("exports", AUG25, 12.0, hs_edition="HS22"),
        _product("imports", AUG24, 4.0, hs_edition="HS17"),
        _product("imports", AUG25, 5.0, hs_edition="HS17"),
    ]
    result = _product_balance(rows)
    exports, imports = result.row("exports"), result.row("imports")
    assert (exports["value_from"], exports["value_to"]) == (10.0, 12.0)  # never 11 + 12
    assert exports["source_from"] == exports["source_to"] == "a"
    assert exports["comparable"] is False
    assert exports["edition_change"] == "HS 2017 and HS 2022"
    assert imports["comparable"] is True and imports["edition_change"] is None
    assert result.row("balance")["comparable"] is False
    assert result.row("balance")["edition_change"] == "HS 2017 and HS 2022"
    assert result.products == (FISH,)
    assert result.notes == [
        "figures are for product 0306 only, not total trade; 0306 as reported",
        "the products' rows are in several HS editions (HS 2017, HS 2022): each figure adds "
        "the products of its period's newest edition only; editions are never added (a code "
        "can mean other goods in another edition)",
    ]
    strict = analysis.balance(
        _frame(rows), PAK, JPN, month_window(Period(2024, 8)), month_window(Period(2025, 8)),
        products=(FISH,), strict=True,
    )  # fmt: skip
    assert strict.row("exports")["growth_pct"] is None
    assert strict.row("imports")["growth_pct"] == pytest.approx((5.0 - 4.0) / 4.0 * 100)


def test_a_product_balance_in_one_edition_throughout_stays_comparable() -> None:
    rows = [_product(f, d, 2.0, hs_edition="HS17") for f in ("exports", "imports")
            for d in (AUG24, AUG25)]  # fmt: skip
    result = _product_balance(rows)
    assert result.figures["comparable"].to_list() == [True, True, True]
    assert result.figures["edition_change"].to_list() == [None, None, None]
    assert result.notes == ["figures are for product 0306 only, not total trade; 0306 as reported"]


def test_an_older_editions_figure_from_another_source_is_not_a_rival_figure() -> None:
    rows = [_product(f, d, 2.0, hs_edition="HS17") for f in ("exports", "imports")
            for d in (AUG24, AUG25)]  # fmt: skip
    # Source b, newest in the read order, holds the period in HS 2012 only: HS 2017's
    # figure (a's) is used, and b's older-edition figure is no disagreement of sources.
    rows.append(_product("exports", AUG25, 9.0, source="b", hs_edition="HS12"))
    result = _product_balance(rows, newest_first=("b",))
    assert result.row("exports")["value_to"] == 2.0
    assert result.row("exports")["source_to"] == "a"
    assert not [n for n in result.notes if "was used" in n]
    assert any("several HS editions (HS 2012, HS 2017)" in n for n in result.notes)


# --- total trade beside product rows: the partial-total note and the --from hint ---------


def test_product_rows_after_the_last_total_are_named_in_the_hint() -> None:
    rows = [_flow("exports", AUG24, 1.0), _flow("imports", AUG24, 1.0)]
    rows.append(_product("exports", AUG25, 2.0))  # from Aug 2025 on: product rows only
    with pytest.raises(NoData) as raised:
        analysis.balance(_frame(rows), PAK, JPN, month_window(Period(2025, 8)))
    assert raised.value.message == (
        "no data for Pakistan (PAK) with Japan (JPN) in August 2025 or later (latest: August 2024)"
    )
    assert raised.value.hint == (
        "the data cover months 2024-08; from August 2025 on the data hold products 0306 "
        "(HS chapters 03) only, not total trade: ask for them with --product 0306"
    )
    # Product rows only before --from: the error stays as it was.
    early = [*rows[:2], _product("exports", JUL24, 2.0)]
    with pytest.raises(NoData) as plain:
        analysis.balance(_frame(early), PAK, JPN, month_window(Period(2025, 8)))
    assert plain.value.hint == "the data cover months 2024-08"


PARTIAL = (
    "for periods without a total-trade figure the data hold products 0306 (HS chapters 03) "
    "only, not total trade: ask for them with --product 0306"
)


def _imports_missing_in_aug24(products: list[dict[str, object]]) -> analysis.BalanceResult:
    totals = [_flow("exports", AUG24, 10.0), _flow("exports", AUG25, 12.0)]
    totals.append(_flow("imports", AUG25, 5.0))
    return _aug_to_aug(totals + products)


def test_product_rows_of_the_other_flow_or_period_are_not_a_partial_total() -> None:
    # Imports have no total for Aug 2024; the product rows are exports then, or imports
    # in Aug 2025, which has a total: neither stands in the gap.
    result = _imports_missing_in_aug24(
        [_product("exports", AUG24, 1.0), _product("imports", AUG25, 1.0)]
    )
    assert result.row("imports")["value_from"] is None
    assert result.notes == [
        "no imports figure for August 2024: growth not computed",
        "no balance for August 2024: it needs both exports and imports",
    ]


def test_product_rows_in_a_flows_gap_are_named_in_a_note() -> None:
    result = _imports_missing_in_aug24(
        [
            _product("imports", AUG24, 1.0),  # in the gap
            _flow("exports", AUG24, 1.0, product="1605"),  # another flow: not named
        ]
    )
    assert result.notes[-1] == PARTIAL
    assert result.row("imports")["value_from"] is None  # never the product rows' sum


def test_a_product_balance_with_a_gap_gets_no_partial_total_note() -> None:
    rows = [_product("exports", d, 2.0) for d in (AUG24, AUG25)]
    rows.append(_product("imports", AUG25, 1.0))  # 0306 imports: none for Aug 2024
    rows.append(_flow("imports", AUG24, 7.0, product="1605"))
    result = _product_balance(rows)
    assert result.row("imports")["value_from"] is None
    assert not [n for n in result.notes if "without a total-trade figure" in n]


def test_no_complete_figure_names_the_pair_and_the_product_rows_in_the_gaps() -> None:
    rows = [_flow(f, d, 1.0) for f in ("exports", "imports") for d in (JUL24, AUG24, JUL25, AUG25)]
    rows += [_product(f, d, 1.0) for f in ("exports", "imports") for d in (SEP24, SEP25)]
    with pytest.raises(NoData) as raised:
        analysis.balance(_frame(rows), PAK, JPN, parse_window("2024-Q3"), parse_window("2025-Q3"))
    assert raised.value.message == (
        "no complete figure for Pakistan (PAK) with Japan (JPN) in Q3 2024 or Q3 2025"
    )
    assert raised.value.hint == (
        f"the data cover months 2024-07..2024-08, 2025-07..2025-08; {PARTIAL}"
    )


def test_a_product_mirror_without_the_products_names_the_pair() -> None:
    rows = [_product("exports", AUG25, 1.0)]
    with pytest.raises(NoData) as raised:
        analysis.mirror(_frame(rows), PAK, JPN, parse_window("2025-08"), products=("1605",))
    assert raised.value.message == "no data for product 1605 for Pakistan (PAK) with Japan (JPN)"
    assert raised.value.hint == "the data hold products 0306 (HS chapters 03)"


def test_a_third_countrys_product_figure_is_no_rival_of_a_better_tier() -> None:
    rows = [_product(f, AUG24, 1.0) for f in ("exports", "imports")]
    rows += [
        _product("exports", AUG25, 2.0),  # Pakistan's own
        _product("exports", AUG25, 3.0, source="c", reporter="CHN"),
        _product("imports", AUG25, 4.0, reporter="JPN"),  # Japan's mirror
        _product("imports", AUG25, 5.0, source="c", reporter="CHN"),
    ]
    result = _product_balance(rows)
    assert (result.row("exports")["value_to"], result.row("imports")["value_to"]) == (2.0, 4.0)
    assert not [n for n in result.notes if "was used" in n]


def test_no_complete_figure_without_product_rows_names_the_coverage_only() -> None:
    rows = [_flow(f, d, 1.0) for f in ("exports", "imports") for d in (JUL24, AUG24, JUL25, AUG25)]
    with pytest.raises(NoData) as raised:
        analysis.balance(_frame(rows), PAK, JPN, parse_window("2024-Q3"), parse_window("2025-Q3"))
    assert raised.value.hint == "the data cover months 2024-07..2024-08, 2025-07..2025-08"


def test_a_same_tier_conflict_of_total_trade_names_the_flow_and_period_only() -> None:
    # Two of Pakistan's own sources disagree on exports in August 2025 ($12 and $15):
    # the note names the flow and the month, no product (total trade has none to name).
    result = _aug_to_aug(
        [
            _flow("exports", AUG24, 10.0),
            _flow("imports", AUG24, 4.0),
            _flow("exports", AUG25, 12.0, source="a"),
            _flow("exports", AUG25, 15.0, source="b"),
            _flow("imports", AUG25, 5.0),
        ]
    )
    assert result.row("exports")["value_to"] == 12.0  # "a": the first id among equals
    [note] = [n for n in result.notes if " gives " in n]
    assert note.startswith("exports for 2025-08: a gives $12 and b gives $15 (a difference of $3)")
