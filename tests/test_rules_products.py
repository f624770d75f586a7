"""Products and partners obey the one window rule and the one strict rule.

A window's figure exists only when every unit of it has data (``windows.window_sums``);
--strict empties growth that compares different sources or sides (``core.strict_growth``).
Products and partners reach those rules through the same steps as balance: select the
rows, pick one figure per unit, sum the windows, compare them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tradecli import analysis, schema
from tradecli.analysis.core import STRICT_NOTE, Tier
from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort
from tradecli.cli import app
from tradecli.codes import resolve_country
from tradecli.errors import ExitCode, NoData, UsageError
from tradecli.periods import Convention, parse_window

from .conftest import run_import

PAK, JPN, CHN = resolve_country("PAK"), resolve_country("JPN"), resolve_country("CHN")


def _frame(rows: list[dict[str, object]]) -> pl.LazyFrame:
    defaults = {
        "exporter": "PAK",
        "importer": "JPN",
        "reporter": "PAK",
        "frequency": "month",
        "product": "TOTAL",
        "currency": "USD",
        "source": "a",
    }
    full = [{**defaults, **row} for row in rows]
    return pl.DataFrame(full, schema=schema.FLOWS_SCHEMA).select(schema.FLOWS_SCHEMA.names()).lazy()


def _month(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


# -- products ------------------------------------------------------------------------------


def _quarters(march_2024: bool) -> pl.LazyFrame:
    """Q1 2023 complete ($200 of 270900), Q1 2024 with or without its March."""
    rows = [{"period": _month(2023, m), "product": "270900", "value": v}
            for m, v in ((1, 50.0), (2, 50.0), (3, 100.0))]  # fmt: skip
    rows += [{"period": _month(2024, 1), "product": "270900", "value": 100.0},
             {"period": _month(2024, 2), "product": "270900", "value": 200.0}]  # fmt: skip
    if march_2024:
        rows.append({"period": _month(2024, 3), "product": "270900", "value": 100.0})
    return _frame(rows)


def _q1(flows: pl.LazyFrame, **kwargs: object) -> analysis.ProductsResult:
    return analysis.products(
        flows,
        PAK,
        JPN,
        level="hs6",
        start=parse_window("2023-Q1"),
        end=parse_window("2024-Q1"),
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_quarter_missing_a_month_has_no_product_value_and_no_growth() -> None:
    result = _q1(_quarters(march_2024=False))
    row = result.rows.row(0, named=True)
    # Two of three months hold $300: never "$200 -> $300, +50 %".
    assert row["code"] == "270900"
    assert row["value_from"] == 200.0
    assert row["value_to"] is None and row["growth_pct"] is None and row["share_pct"] is None
    assert result.total_from == 200.0 and result.total_to is None
    assert result.total_growth_pct is None
    assert result.notes == (
        "no product data for Q1 2024 (missing 2024-03): its values, shares and growth "
        "are not computed",
    )


def test_the_same_quarter_complete_has_its_value_and_growth() -> None:
    result = _q1(_quarters(march_2024=True))
    row = result.rows.row(0, named=True)
    assert (row["value_from"], row["value_to"]) == (200.0, 400.0)
    assert row["growth_pct"] == pytest.approx(100.0) and row["share_pct"] == pytest.approx(100.0)
    assert result.total_growth_pct == pytest.approx(100.0) and result.notes == ()


def test_a_product_absent_from_a_month_with_product_data_has_no_figure_not_zero() -> None:
    # Absent is not "traded nothing": cars have rows for 2024-02 only, so neither
    # quarter has a figure for them, and the totals say they leave them out.
    flows = (
        _quarters(march_2024=True)
        .collect()
        .vstack(_frame([{"period": _month(2024, 2), "product": "870323", "value": 10.0}]).collect())
    )
    result = _q1(flows.lazy())
    cars = result.rows.filter(pl.col("code") == "870323").row(0, named=True)
    assert (cars["value_from"], cars["value_to"], cars["status"]) == (None, None, None)
    assert cars["growth_pct"] is None and cars["share_pct"] is None
    assert result.total_from == 200.0 and result.total_to == 400.0
    assert result.notes == tuple(
        f"the total for Q1 {year} sums the 1 products present; 1 product(s) without a "
        "figure for it are not counted (absent is not zero)"
        for year in (2023, 2024)
    )


def test_strict_products_growth_is_the_one_strict_rule() -> None:
    # Q1 2023 from Japan's mirror figures, Q1 2024 from Pakistan's own: not like with like.
    rows = [{"period": _month(2023, m), "product": "270900", "value": 100.0, "reporter": "JPN",
             "source": "m"} for m in (1, 2, 3)]  # fmt: skip
    rows += [{"period": _month(2024, m), "product": "270900", "value": 200.0} for m in (1, 2, 3)]
    loose = _q1(_frame(rows))
    strict = _q1(_frame(rows), strict=True)
    for result in (loose, strict):
        row = result.rows.row(0, named=True)
        assert row["comparable"] is False
        assert (row["tier_from"], row["tier_to"]) == (Tier.MIRROR, Tier.OWN)
        assert (row["source_from"], row["source_to"]) == ("m", "a")
    assert loose.rows["growth_pct"][0] == pytest.approx(100.0)
    assert strict.rows["growth_pct"][0] is None
    assert STRICT_NOTE in strict.notes and STRICT_NOTE not in loose.notes


def test_all_other_products_name_their_sources_once_each() -> None:
    rows = [{"period": _month(2024, 1), "product": code, "value": value, "source": source}
            for code, value, source in (("270900", 9.0, "a"), ("870323", 5.0, "b"),
                                        ("100630", 4.0, "a"), ("520100", 3.0, "c"))]  # fmt: skip
    window = parse_window("2024-01")
    result = analysis.products(_frame(rows), PAK, JPN, level="hs6", top=1, start=window, end=window)
    other = result.rows.row(1, named=True)
    assert other["code"] == "OTHER(3)" and other["value_to"] == 12.0
    assert other["source_to"] == "a+b+c"
    assert result.source_ids == ("a", "b", "c")


# -- partners ------------------------------------------------------------------------------


def _partner_rows(march_2024: bool) -> pl.LazyFrame:
    """Q1 2023 and Q1 2024 with two partners; exports of March 2024 present or not."""
    rows: list[dict[str, object]] = []
    for partner, scale in (("JPN", 1.0), ("CHN", 2.0)):
        for year in (2023, 2024):
            for m in (1, 2, 3):
                if march_2024 or (year, m) != (2024, 3):
                    rows.append({"importer": partner, "period": _month(year, m), "value": scale})
                rows.append({"exporter": partner, "importer": "PAK", "period": _month(year, m),
                             "value": scale / 2})  # fmt: skip
    return _frame(rows)


def _partners_q1(flows: pl.LazyFrame, **kwargs: object) -> analysis.PartnersResult:
    return analysis.partners(
        flows,
        PAK,
        start=parse_window("2023-Q1"),
        end=parse_window("2024-Q1"),
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_partner_quarter_missing_a_month_has_no_figure_and_no_growth() -> None:
    result = _partners_q1(_partner_rows(march_2024=False))
    assert result.rows["partner"].to_list() == ["CHN", "JPN"]  # by value, nulls last: by code
    assert result.rows["exports"].to_list() == [None, None]
    assert result.rows["imports"].to_list() == [3.0, 1.5]
    assert result.rows["balance"].to_list() == [None, None]
    assert result.rows["value"].to_list() == [None, None]
    assert result.rows["growth_pct"].to_list() == [None, None]
    assert result.rows["value_from"].to_list() == [9.0, 4.5]
    assert result.notes[0] == (
        "2 partner(s) lack a complete export or import figure for Q1 2024: their balance "
        "is not computed"
    )


def test_partner_quarters_complete_rank_with_growth() -> None:
    result = _partners_q1(_partner_rows(march_2024=True))
    assert result.rows["partner"].to_list() == ["CHN", "JPN"]
    assert result.rows["value"].to_list() == [9.0, 4.5]
    assert result.rows["balance"].to_list() == [3.0, 1.5]
    assert result.rows["growth_pct"].to_list() == [pytest.approx(0.0), pytest.approx(0.0)]
    assert result.notes == ()


def test_strict_partner_growth_is_the_one_strict_rule() -> None:
    rows = [{"importer": "JPN", "period": _month(2023, 1), "value": 1.0, "reporter": "JPN",
             "source": "m"},
            {"importer": "JPN", "period": _month(2024, 1), "value": 2.0}]  # fmt: skip
    window = {"start": parse_window("2023-01"), "end": parse_window("2024-01")}
    loose = analysis.partners(_frame(rows), PAK, measure=PartnerMeasure.EXPORTS, **window)
    strict = analysis.partners(
        _frame(rows), PAK, measure=PartnerMeasure.EXPORTS, strict=True, **window
    )
    assert loose.rows["growth_pct"].to_list() == [pytest.approx(100.0)]
    assert strict.rows["growth_pct"].to_list() == [None]
    assert loose.rows["comparable"].to_list() == strict.rows["comparable"].to_list() == [False]
    assert strict.notes[-1] == f"1 partner(s): {STRICT_NOTE}"


# -- a product-only import for a pair the sample lacks ---------------------------------------


def test_a_product_only_import_for_a_pair_the_sample_lacks_names_its_products(
    tmp_path: Path,
) -> None:
    # Bahrain is not in the embedded sample: the import is all there is for BHR-JPN.
    path = tmp_path / "bhr.csv"
    path.write_text(
        "reporter,partner,flow,period,value_usd,product\n"
        "BHR,JPN,exports,2023,100,270900\n"
        "BHR,JPN,exports,2024,300,270900\n"
        "BHR,JPN,imports,2024,50,870323\n"
    )
    runner = CliRunner()
    run_import(runner, path)
    for command in ("balance", "series"):
        result = runner.invoke(app, [command, "BHR", "JPN"])
        assert result.exit_code == ExitCode.NO_DATA, result.stdout
        assert result.stdout == ""
        assert result.stderr == (
            "Error: no total-trade figures for Bahrain (BHR) with Japan (JPN): the data hold "
            "products 270900, 870323 (HS chapters 27, 87) only\n"
            "Hint: ask for those products, e.g. --product 2709 --product 8703, or fetch or "
            "import total-trade data; a sum of some products is not total trade\n"
        )


# -- partners: the rest of what a ranking promises (pinned after a mutation run) ----------


def _one_month(rows: list[tuple[str, float, float]], **extra: object) -> pl.LazyFrame:
    """Pakistan's exports to and imports from each partner in 2024-01."""
    out: list[dict[str, object]] = []
    for partner, exported, imported in rows:
        out.append({"importer": partner, "period": _month(2024, 1), "value": exported, **extra})
        out.append({"exporter": partner, "importer": "PAK", "period": _month(2024, 1),
                    "value": imported, **extra})  # fmt: skip
    return _frame(out)


JAN = {"start": parse_window("2024-01"), "end": parse_window("2024-01")}


def test_the_ranking_shows_ten_partners_unless_asked_and_never_fewer_than_one() -> None:
    codes = ["USA", "CHN", "DEU", "FRA", "GBR", "ITA", "ESP", "NLD", "BEL", "CHE", "AUT"]
    eleven = [(code, float(i), 0.0) for i, code in enumerate(codes, start=1)]
    result = analysis.partners(_one_month(eleven), PAK, **JAN)
    assert result.rows.height == 10 and result.partners == 11
    assert result.rows["partner"][0] == "AUT"
    assert analysis.partners(_one_month(eleven), PAK, top=1, **JAN).rows.height == 1
    with pytest.raises(UsageError, match=r"^--top must be at least 1$"):
        analysis.partners(_one_month(eleven), PAK, top=0, **JAN)


def test_partners_of_product_rows_only_name_the_products() -> None:
    flows = _frame([{"importer": "JPN", "period": _month(2024, 1), "product": "270900",
                     "value": 1.0}])  # fmt: skip
    with pytest.raises(NoData) as raised:
        analysis.partners(flows, PAK, **JAN)
    assert raised.value.message == (
        "no total-trade figures for Pakistan (PAK): the data hold products 270900 "
        "(HS chapters 27) only"
    )
    assert raised.value.hint == (
        "use `tradecli products` or `tradecli balance ... --product CODE`, or import "
        "total-trade data; a sum of some products is not total trade"
    )
    # Imports count too: a product Pakistan bought is named the same way.
    bought = _frame([{"exporter": "JPN", "importer": "PAK", "period": _month(2024, 1),
                      "product": "870323", "value": 1.0}])  # fmt: skip
    with pytest.raises(NoData, match="products 870323"):
        analysis.partners(bought, PAK, **JAN)


def test_partners_without_any_data_say_what_a_ranking_needs() -> None:
    with pytest.raises(NoData) as raised:
        third = {"exporter": "JPN", "importer": "CHN", "period": _month(2024, 1), "value": 1.0}
        # Other countries' product rows are no data of Pakistan's either.
        product = {**third, "product": "270900"}
        analysis.partners(_frame([third, product]), PAK, **JAN)
    assert raised.value.message == "no total-goods partner data for Pakistan (PAK)"
    assert raised.value.hint == (
        "partner rankings need TOTAL flows; the embedded sample has all partners of 166 "
        "countries in 2006 and of Chile in 2002; import more with `tradecli import`"
    )


def test_the_world_and_the_reporter_itself_are_left_out_and_said() -> None:
    flows = _one_month([("JPN", 2.0, 1.0), ("WLD", 9.0, 9.0), ("PAK", 5.0, 5.0)])
    result = analysis.partners(flows, PAK, **JAN)
    assert result.rows["partner"].to_list() == ["JPN"]
    assert result.notes == (
        "left out, as not partners: the world total (WLD) and Pakistan's trade with itself "
        "(4 rows)",
    )
    world_only = analysis.partners(_one_month([("JPN", 2.0, 1.0), ("WLD", 9.0, 9.0)]), PAK, **JAN)
    assert world_only.notes == ("left out, as not partners: the world total (WLD) (2 rows)",)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (PartnerSort.VALUE, ["CHN", "USA", "JPN", "FRA"]),  # trade 9, 5, 3, 1
        (PartnerSort.DEFICIT, ["CHN", "JPN"]),  # balance -5, -1; the surpluses left out
        (PartnerSort.SURPLUS, ["USA", "FRA"]),  # balance +3, +1
    ],
)
def test_sorted_by_value_deficit_or_surplus(sort: PartnerSort, expected: list[str]) -> None:
    flows = _one_month([("JPN", 1.0, 2.0), ("CHN", 2.0, 7.0), ("USA", 4.0, 1.0), ("FRA", 1.0, 0.0)])
    assert analysis.partners(flows, PAK, sort=sort, **JAN).rows["partner"].to_list() == expected


def test_sorted_by_growth_unlike_growth_ranks_after_like_and_none_comes_last() -> None:
    rows: list[dict[str, object]] = []
    for partner, before, after, reporter in (
        ("JPN", 1.0, 2.0, "PAK"),  # +100 %, like with like
        ("CHN", 1.0, 1.5, "PAK"),  # +50 %
        ("USA", 1.0, 5.0, "USA"),  # +400 %, but from the partner's (mirror) figures then...
        ("DEU", 0.0, 3.0, "PAK"),  # no growth from zero
    ):
        rows.append(
            {
                "importer": partner,
                "period": _month(2023, 1),
                "value": before,
                "reporter": reporter,
                "source": "m" if reporter != "PAK" else "a",
            }
        )
        rows.append({"importer": partner, "period": _month(2024, 1), "value": after})
    window = {"start": parse_window("2023-01"), "end": parse_window("2024-01")}
    result = analysis.partners(
        _frame(rows), PAK, measure=PartnerMeasure.EXPORTS, sort=PartnerSort.GROWTH, **window
    )  # fmt: skip
    assert result.rows["partner"].to_list() == ["JPN", "CHN", "USA", "DEU"]
    assert result.rows["comparable"].to_list() == [True, True, False, None]
    assert result.notes[-1] == (
        "1 partner(s) have growth that compares different sources or sides (reported vs "
        "mirror): ranked after the comparable ones"
    )
    single = analysis.partners(
        _frame(rows), PAK, measure=PartnerMeasure.EXPORTS, sort=PartnerSort.GROWTH, **JAN
    )
    assert "a single period has no growth: sorted by nothing meaningful" in single.notes
    assert single.rows["growth_pct"].null_count() == single.rows.height == 4


def test_later_product_rows_are_named_never_ranked() -> None:
    flows = pl.concat(
        [
            _one_month([("JPN", 2.0, 1.0)]).collect(),
            _frame(
                [{"importer": "JPN", "period": _month(2025, 3), "product": "270900", "value": 7.0}]
            ).collect(),  # fmt: skip
        ]
    )
    result = analysis.partners(flows.lazy(), PAK, **JAN)
    assert result.rows["value"].to_list() == [3.0]
    assert result.notes == (
        "for 2025 the data hold products 270900 (HS chapters 27) only, not total trade: no "
        "ranking is computed from them (see `tradecli products`)",
    )


def test_two_sources_of_one_partner_figure_are_named_with_the_one_used() -> None:
    flows = pl.concat(
        [_one_month([("JPN", 2.0, 1.0)], source="old").collect(),
         _one_month([("JPN", 3.0, 1.0)], source="new").collect()]
    )  # fmt: skip
    result = analysis.partners(flows.lazy(), PAK, newest_first=("new", "old"), **JAN)
    assert result.rows["exports"].to_list() == [3.0]
    assert result.source_ids == ("new",)
    assert result.notes == (
        "exports with JPN for 2024-01: new gives $3 and old gives $2 (a difference of $1); "
        "the most recently imported or fetched, new, was used",
    )


def test_a_ranking_holds_the_reporters_total_rows_only_in_its_one_currency() -> None:
    flows = pl.concat(
        [
            _one_month([("JPN", 2.0, 1.0)], currency="JPY").collect(),
            # Other countries' trade and Pakistan's product rows are not partners' totals.
            _frame(
                [
                    {
                        "exporter": "CHN",
                        "importer": "USA",
                        "period": _month(2024, 1),
                        "value": 50.0,
                        "currency": "JPY",
                    },
                    {
                        "importer": "DEU",
                        "period": _month(2024, 1),
                        "product": "270900",
                        "value": 40.0,
                        "currency": "JPY",
                    },
                ]
            ).collect(),  # fmt: skip
        ]
    )
    result = analysis.partners(flows.lazy(), PAK, **JAN)
    assert result.rows["partner"].to_list() == ["JPN"] and result.currency == "JPY"
    mixed = pl.concat([flows, _one_month([("CHN", 1.0, 1.0)]).collect()])
    with pytest.raises(UsageError) as raised:
        analysis.partners(mixed.lazy(), PAK, **JAN)
    assert raised.value.message == (
        "figures for Pakistan (PAK) are in several currencies (JPY, USD)"
    )


# -- partners whose data in the window are product rows only (issue 19, item 9) -------------


def test_a_partner_with_product_rows_only_is_named_never_dropped_silently() -> None:
    flows = pl.concat(
        [
            _one_month([("JPN", 2.0, 1.0)]).collect(),
            _frame(
                [{"importer": "CHN", "period": _month(2024, 1), "product": "270900", "value": 7.0}]
            ).collect(),  # fmt: skip
        ]
    )
    result = analysis.partners(flows.lazy(), PAK, **JAN)
    assert result.rows["partner"].to_list() == ["JPN"]
    assert result.notes == (
        "left out: 1 partner(s) whose data for January 2024 hold products 270900 (HS chapters 27) "
        "only, not total trade (CHN)",
    )


def test_a_window_whose_partners_all_hold_products_only_is_refused_naming_them() -> None:
    # The embedded sample: Chile's totals for 2002 and 2006, Chile-Argentina HS6 rows for 2004.
    result = CliRunner().invoke(app, ["partners", "CHL", "--from", "2004", "--to", "2004"])
    assert result.exit_code == ExitCode.NO_DATA
    assert result.stdout == ""
    assert result.stderr.startswith(
        "Error: no total-trade figures for Chile (CHL) in 2004: the data hold 1416 products in "
        "HS chapters 01, 03,"
    )
    # partners has no --product: the way out is another command, or total-trade data.
    assert (
        "use `tradecli products` or `tradecli balance ... --product CODE`, or import "
        "total-trade data; a sum of some products is not total trade"
    ) in " ".join(result.stderr.split())


def test_a_window_without_any_partner_figure_is_no_data_naming_the_coverage() -> None:
    flows = _one_month([("JPN", 2.0, 1.0)])
    with pytest.raises(NoData) as raised:
        analysis.partners(flows, PAK, start=parse_window("2024-01"), end=parse_window("2024-03"))
    assert raised.value.message == "no total-goods partner figures for Pakistan (PAK) in March 2024"
    assert raised.value.hint == "the data cover months 2024-01"


# -- products: absent is not zero (issue 18, part 1) ------------------------------------


def test_a_product_absent_from_one_year_is_new_not_zero(tmp_path: Path) -> None:
    # The file's own totals: 100 in 2023, 120 in 2024, +20 %. Product 870323 is not in
    # the 2023 rows at all: the file does not say it traded nothing.
    path = tmp_path / "bhr.csv"
    path.write_text(
        "reporter,partner,flow,period,value_usd,product\n"
        "BHR,JPN,exports,2023,100,TOTAL\n"
        "BHR,JPN,exports,2024,120,TOTAL\n"
        "BHR,JPN,exports,2023,60,270900\n"
        "BHR,JPN,exports,2024,40,270900\n"
        "BHR,JPN,exports,2023,40,760110\n"
        "BHR,JPN,exports,2024,45,760110\n"
        "BHR,JPN,exports,2024,35,870323\n"
    )
    runner = CliRunner()
    run_import(runner, path)
    args = ["products", "BHR", "JPN", "--from", "2023", "--to", "2024", "--level", "hs6"]
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.stdout
    line = next(x for x in shown.stdout.splitlines() if x.strip().startswith("870323"))
    assert "new" in line and "$0" not in line
    assert '1 product(s) absent from the data for 2023 but present in 2024 ("new")' in (
        " ".join(shown.stdout.split())
    )
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    row = next(r for r in data["rows"] if r["code"] == "870323")
    assert (row["from"], row["to"], row["status"], row["growth_pct"]) == (None, 35.0, "new", None)
    # The total is the file's own, +20 %; the rest is that total minus those listed.
    assert (data["total"]["from"], data["total"]["to"]) == (100.0, 120.0)
    total = next(x for x in shown.stdout.splitlines() if x.strip().startswith("Total"))
    assert "+20%" in total


def test_all_other_never_adds_an_absent_product_as_zero() -> None:
    # No TOTAL rows: "All other" sums the products present; with 870323 absent from
    # 2023 the rest compares different sets of products and has no growth rate.
    rows = [{"period": dt.date(y, 1, 1), "frequency": "year", "product": code, "value": value}
            for y, code, value in ((2023, "270900", 60.0), (2024, "270900", 40.0),
                                   (2023, "760110", 40.0), (2024, "760110", 45.0),
                                   (2024, "870323", 35.0))]  # fmt: skip
    result = analysis.products(
        _frame(rows), PAK, JPN, level="hs6", top=1,
        start=parse_window("2023"), end=parse_window("2024"),
    )  # fmt: skip
    other = result.rows.row(1, named=True)
    assert (other["value_from"], other["value_to"], other["growth_pct"]) == (60.0, 75.0, None)
    assert (result.total_from, result.total_to) == (100.0, 120.0)
    assert any("All other products hold products absent" in n for n in result.notes)
    assert any("1 product(s) without a figure for it are not counted" in n for n in result.notes)


def test_shares_are_of_the_flows_total_where_the_data_declare_one(tmp_path: Path) -> None:
    # The flow's TOTAL is $150B; two products hold $35B of it. 8471 is 20 % of the
    # total, not 85.7 % of the two products' sum.
    path = tmp_path / "bhr.csv"
    path.write_text(
        "reporter,partner,flow,period,value_usd,product\n"
        "BHR,JPN,exports,2024,150000000000,TOTAL\n"
        "BHR,JPN,exports,2024,30000000000,847130\n"
        "BHR,JPN,exports,2024,5000000000,270900\n"
    )
    runner = CliRunner()
    run_import(runner, path)
    args = ["products", "BHR", "JPN", "--from", "2024", "--level", "hs6"]
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    rows = {r["code"]: r for r in data["rows"]}
    assert rows["847130"]["share_pct"] == pytest.approx(20.0)
    other = data["rows"][-1]
    assert other["other"] and other["to"] == pytest.approx(115e9)
    assert other["share_pct"] == pytest.approx(115e9 / 150e9 * 100)
    assert data["total"]["to"] == 150e9 and data["total"]["declared"] is True
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.stdout
    assert "Total (2 products)" not in shown.stdout and "85.7%" not in shown.stdout
    assert "$150B" in shown.stdout and "20%" in shown.stdout


def test_without_a_total_the_products_say_there_is_none(tmp_path: Path) -> None:
    path = tmp_path / "bhr.csv"
    path.write_text(
        "reporter,partner,flow,period,value_usd,product\n"
        "BHR,JPN,exports,2024,30000000000,847130\n"
        "BHR,JPN,exports,2024,5000000000,270900\n"
    )
    runner = CliRunner()
    run_import(runner, path)
    args = ["products", "BHR", "JPN", "--from", "2024", "--level", "hs6"]
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.stdout
    assert "2 products in the data; no total" in shown.stdout
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert data["total"]["declared"] is False
    assert data["total"]["label"] == "2 products in the data; no total"


# -- products: pinned after the mutation run of analysis/products.py -----------------------


def _declared_q1(months_2024: tuple[int, ...]) -> pl.LazyFrame:
    """The flow's TOTAL for every month of Q1 2023 ($100 each) and Q1 2024 ($150 each);
    product 270900 at $50 a month in Q1 2023 and $60 in the months of 2024 given."""
    rows = [{"period": _month(y, m), "value": v} for y, v in ((2023, 100.0), (2024, 150.0))
            for m in (1, 2, 3)]  # fmt: skip
    rows += [{"period": _month(2023, m), "product": "270900", "value": 50.0} for m in (1, 2, 3)]
    rows += [{"period": _month(2024, m), "product": "270900", "value": 60.0} for m in months_2024]
    return _frame(rows)


def test_other_products_of_a_window_missing_product_data_is_no_figure() -> None:
    # Q1 2024's total is $450, but March 2024 holds no product row: 270900 has no Q1
    # figure, and "Other products" is not $450 minus nothing (nor $450 - $120).
    result = _q1(_declared_q1((1, 2)))
    assert result.declared_total and (result.total_from, result.total_to) == (300.0, 450.0)
    oil, other = result.rows.row(0, named=True), result.rows.row(1, named=True)
    assert (oil["code"], oil["value_from"], oil["value_to"]) == ("270900", 150.0, None)
    assert other["code"] == "OTHER(-)"
    assert (other["value_from"], other["value_to"], other["share_pct"]) == (150.0, None, None)
    assert other["growth_pct"] is None


def _jan_2024(total: float, products: list[tuple[str, float]], **total_row: object) -> pl.LazyFrame:
    rows = [{"period": _month(2024, 1), "value": total, **total_row}]
    rows += [{"period": _month(2024, 1), "product": c, "value": v} for c, v in products]
    return _frame(rows)


def _top1(flows: pl.LazyFrame) -> analysis.ProductsResult:
    return analysis.products(flows, PAK, JPN, level="hs6", top=1, **JAN)


def test_other_products_rest_on_the_total_and_the_products_both() -> None:
    # The total is Japan's mirror figure from source "t"; the products Pakistan's own
    # from "a": "Other products" ($100 - $60) names both sources and the worse tier.
    result = _top1(_jan_2024(100.0, [("270900", 60.0), ("870323", 30.0)], reporter="JPN",
                             source="t"))  # fmt: skip
    other = result.rows.row(1, named=True)
    assert (other["code"], other["value_to"]) == ("OTHER(-)", 40.0)
    assert other["name"] == "Other products (the total minus those listed)"
    assert other["share_pct"] == pytest.approx(40.0)
    assert (other["source_to"], other["tier_to"]) == ("a+t", Tier.MIRROR)
    assert result.source_ids == ("a", "t") and result.total_label == "Total"


@pytest.mark.parametrize(
    ("total", "listed", "other"),
    [
        (1e9, 999_999_999.0, 0.0),  # one part in a billion of the total: rounding, so 0
        (1000.0, 999.5, 0.5),  # a remainder under 1 is still a remainder
    ],
)
def test_other_products_is_zero_only_within_rounding_of_the_total(
    total: float, listed: float, other: float
) -> None:
    result = _top1(_jan_2024(total, [("270900", listed)]))
    assert result.rows["value_to"].to_list() == [listed, other]
    assert result.notes == ()


def test_products_listed_above_the_total_leave_other_products_without_a_figure() -> None:
    result = _top1(_jan_2024(100.0, [("270900", 130.0)]))
    assert result.rows["value_to"].to_list() == [130.0, None]
    assert result.rows["share_pct"].to_list() == [pytest.approx(130.0), None]
    # Said once, for the one period (its "from" is the same window).
    assert result.notes == (
        "the products listed exceed the flow's total for January 2024 by 30: the data "
        "disagree, so other products have no figure",
    )


def test_products_above_the_total_name_the_window_they_exceed() -> None:
    # 270900 alone is more than the total in each quarter: $240 of $225 in Q1 2023,
    # $480 of $450 in Q1 2024; with 2024 consistent ($180), only Q1 2023 is named.
    def flows(oil_2024: float) -> pl.LazyFrame:
        rows = [{"period": _month(y, m), "value": v} for y, v in ((2023, 75.0), (2024, 150.0))
                for m in (1, 2, 3)]  # fmt: skip
        rows += [{"period": _month(y, m), "product": "270900", "value": v}
                 for y, v in ((2023, 80.0), (2024, oil_2024)) for m in (1, 2, 3)]  # fmt: skip
        return _frame(rows)

    both = _q1(flows(160.0))
    assert both.rows.row(1, named=True)["value_from"] is None
    assert both.rows.row(1, named=True)["value_to"] is None
    assert both.notes == tuple(
        f"the products listed exceed the flow's total for Q1 {year} by {by}: the data "
        "disagree, so other products have no figure"
        for year, by in ((2023, 15), (2024, 30))
    )
    earlier = _q1(flows(60.0))
    other = earlier.rows.row(1, named=True)
    assert (other["value_from"], other["value_to"]) == (None, 270.0)
    assert earlier.notes == both.notes[:1]


def test_unit_values_of_a_new_product_a_small_quantity_and_all_other() -> None:
    # 2023: 270900 only. 2024: 270900, 870323 (new: a unit value for 2024 alone) and
    # 100630 with 1 kg (a quantity of 1 is a quantity). No total: "All other" sums
    # products of several units, so it has no unit value.
    rows = [{"period": dt.date(y, 1, 1), "frequency": "year", "product": code, "value": value,
             "quantity": quantity, "quantity_unit": "kg"}
            for y, code, value, quantity in ((2023, "270900", 60.0, 30.0),
                                             (2024, "270900", 80.0, 20.0),
                                             (2024, "870323", 45.0, 9.0),
                                             (2024, "100630", 7.0, 1.0),
                                             (2024, "520100", 2.0, 0.5))]  # fmt: skip
    result = analysis.products(
        _frame(rows), PAK, JPN, level="hs6", top=3,
        start=parse_window("2023"), end=parse_window("2024"),
    )  # fmt: skip
    got = result.rows.select("code", "status", "unit", "unit_value_from", "unit_value_to").rows()
    assert got == [
        ("270900", None, "kg", 2.0, 4.0),  # 60 / 30, 80 / 20
        ("870323", "new", "kg", None, 5.0),  # 45 / 9
        ("100630", "new", "kg", None, 7.0),  # 7 / 1
        ("OTHER(1)", None, None, None, None),  # 520100: its own 2 / 0.5 is not shown
    ]


def test_products_refusals_name_the_pair_and_the_way_out() -> None:
    flows = _jan_2024(100.0, [("2709", 60.0)])  # Pakistan's exports: a total and one HS4 row
    with pytest.raises(UsageError) as raised:
        analysis.products(flows, PAK, JPN, level="hs5", **JAN)
    assert raised.value.message == "unknown product level 'hs5'"
    assert raised.value.hint == "use section, hs2, hs4 or hs6"
    with pytest.raises(UsageError, match=r"^--top must be at least 1$"):
        analysis.products(flows, PAK, JPN, top=0, **JAN)
    with pytest.raises(UsageError) as raised:
        analysis.products(flows, PAK, JPN, level="hs6", **JAN)
    assert raised.value.message == (
        "the data for Pakistan (PAK) exports to Japan (JPN) go down to HS4 only"
    )
    assert raised.value.hint == "use --level hs4 or coarser"
    # Imports are the rows from Japan to Pakistan: there are none, only a total.
    with pytest.raises(NoData) as no_data:
        analysis.products(flows, PAK, JPN, flow=FlowChoice.IMPORTS, **JAN)
    assert no_data.value.message == (
        "no product-level data for Pakistan (PAK) imports from Japan (JPN)"
    )
    assert no_data.value.hint.startswith(
        "the embedded sample has products for Chile-Argentina in 2004 (HS6); a live source "
    )
    with pytest.raises(NoData) as no_data:
        analysis.products(
            flows, PAK, JPN, start=parse_window("2024-01"), end=parse_window("2024-03")
        )
    assert no_data.value.message == (
        "no product data for Pakistan (PAK) exports to Japan (JPN) in March 2024"
    )
    assert no_data.value.hint == "the data cover months 2024-01"


# -- partners: pinned after the mutation run of analysis/partners.py -----------------------


def test_partners_tied_on_their_measure_rank_by_code() -> None:
    # Trade 4 each; balance -2 for two of them; growth: none (one period).
    flows = _one_month([("USA", 1.0, 3.0), ("JPN", 1.0, 3.0), ("CHN", 3.0, 1.0), ("DEU", 3.0, 1.0)])
    by = {sort: analysis.partners(flows, PAK, sort=sort, **JAN).rows["partner"].to_list()
          for sort in PartnerSort}  # fmt: skip
    assert by[PartnerSort.VALUE] == ["CHN", "DEU", "JPN", "USA"]
    assert by[PartnerSort.DEFICIT] == ["JPN", "USA"]
    assert by[PartnerSort.SURPLUS] == ["CHN", "DEU"]
    assert by[PartnerSort.GROWTH] == ["CHN", "DEU", "JPN", "USA"]


def test_a_partners_measure_is_its_flows_with_their_sources() -> None:
    # Exports from source "x", imports from "m"; 2023-01 and 2024-01.
    rows: list[dict[str, object]] = []
    for year, exported, imported in ((2023, 4.0, 1.0), (2024, 6.0, 3.0)):
        rows.append({"importer": "JPN", "period": _month(year, 1), "value": exported,
                     "source": "x"})  # fmt: skip
        rows.append({"exporter": "JPN", "importer": "PAK", "period": _month(year, 1),
                     "value": imported, "source": "m"})  # fmt: skip
    window = {"start": parse_window("2023-01"), "end": parse_window("2024-01")}
    cols = ["value", "value_from", "growth_pct", "source_to", "source_from", "balance"]
    for measure, expected in (
        (PartnerMeasure.TRADE, (9.0, 5.0, 80.0, "x+m", "x+m", 3.0)),  # exports first
        (PartnerMeasure.EXPORTS, (6.0, 4.0, 50.0, "x", "x", 3.0)),
        (PartnerMeasure.IMPORTS, (3.0, 1.0, 200.0, "m", "m", 3.0)),
    ):
        result = analysis.partners(_frame(rows), PAK, measure=measure, **window)
        assert result.rows.select(cols).row(0) == pytest.approx(expected), measure
        assert result.source_ids == ("m", "x")


def test_a_partner_without_a_complete_earlier_window_has_no_growth_said() -> None:
    # Q1 2023 lacks February for China: no Q1 2023 figure, so no growth for China.
    flows = _partner_rows(march_2024=True).filter(
        ~((pl.col("importer") == "CHN") & (pl.col("period") == _month(2023, 2)))
    )
    result = _partners_q1(flows)
    assert result.rows.select("partner", "value_from", "growth_pct").rows() == [
        ("CHN", None, None),
        ("JPN", 4.5, pytest.approx(0.0)),
    ]
    assert result.notes == ("1 partner(s) have no complete figure for Q1 2023: no growth for them",)


def test_a_product_absent_from_the_later_year_is_gone_not_zero() -> None:
    rows = [{"period": dt.date(y, 1, 1), "frequency": "year", "product": code, "value": value}
            for y, code, value in ((2023, "270900", 60.0), (2024, "270900", 80.0),
                                   (2023, "760110", 40.0))]  # fmt: skip
    result = analysis.products(
        _frame(rows), PAK, JPN, level="hs6", start=parse_window("2023"), end=parse_window("2024")
    )
    got = result.rows.select("code", "value_from", "value_to", "growth_pct", "status").rows()
    assert got == [
        ("270900", 60.0, 80.0, pytest.approx(100 / 3), None),  # (80 - 60) / 60
        ("760110", 40.0, None, None, "gone"),
    ]
    assert (result.total_from, result.total_to) == (100.0, 80.0)
    assert result.total_label == "2 products in the data; no total"
    assert result.notes == (
        '1 product(s) absent from the data for 2024 but present in 2023 ("gone"): no value '
        "and no growth, not zero",
        "the total for 2024 sums the 1 products present; 1 product(s) without a figure for it "
        "are not counted (absent is not zero)",
    )


def test_a_fiscal_year_to_date_ranking_starts_at_the_configured_month() -> None:
    # $1 of exports to Japan every month of 2023 and to 2024-09. A fiscal year from July:
    # July..September 2024 ($3) against July..September 2023 ($3), not January..September.
    rows = [{"importer": "JPN", "period": _month(y, m), "value": 1.0}
            for y in (2023, 2024) for m in range(1, 13) if (y, m) <= (2024, 9)]  # fmt: skip
    result = analysis.partners(
        _frame(rows), PAK, measure=PartnerMeasure.EXPORTS,
        convention=Convention.FISCAL_YTD, fiscal_start=7,
    )  # fmt: skip
    assert (result.start.label, result.end.label) == ("Jul-Sep 2023", "Jul-Sep 2024")
    assert result.rows.select("value", "value_from").row(0) == (3.0, 3.0)
    # Without a fiscal start, the year to date is the calendar year's: Jan-Sep.
    calendar = analysis.partners(
        _frame(rows), PAK, measure=PartnerMeasure.EXPORTS, convention=Convention.FISCAL_YTD
    )
    assert (calendar.start.label, calendar.end.label) == ("Jan-Sep 2023", "Jan-Sep 2024")
    assert calendar.rows.select("value", "value_from").row(0) == (9.0, 9.0)


def test_more_than_eight_product_only_partners_are_counted_past_the_eighth() -> None:
    codes = ["USA", "CHN", "DEU", "FRA", "GBR", "ITA", "ESP", "NLD", "BEL"]
    products_only = [{"importer": c, "period": _month(2024, 1), "product": "270900",
                      "value": 7.0} for c in codes]  # fmt: skip
    flows = pl.concat([_one_month([("JPN", 2.0, 1.0)]).collect(), _frame(products_only).collect()])
    result = analysis.partners(flows.lazy(), PAK, **JAN)
    assert result.notes == (
        "left out: 9 partner(s) whose data for January 2024 hold products 270900 (HS chapters "
        "27) only, not total trade (BEL, CHN, DEU, ESP, FRA, GBR, ITA, NLD and 1 more)",
    )


def test_a_single_period_ranking_keeps_its_earlier_figure_a_typed_empty_column() -> None:
    # One period: no earlier figure, no growth; the columns stay numbers (an empty
    # Float64), as with two periods, for anyone computing on the rows.
    result = analysis.partners(_one_month([("USA", 1.0, 3.0)]), PAK, **JAN)
    assert result.rows.select("value", "value_from", "growth_pct").rows() == [(4.0, None, None)]
    assert result.rows.schema["value_from"] == pl.Float64
    assert result.rows.schema["growth_pct"] == pl.Float64


def test_a_default_ranking_compares_a_year_earlier_and_a_later_start_is_refused() -> None:
    # Exports to Japan: $2 in January 2023, $3 in December 2023, $4 in January 2024.
    rows = [{"importer": "JPN", "period": _month(y, m), "value": v}
            for y, m, v in ((2023, 1, 2.0), (2023, 12, 3.0), (2024, 1, 4.0))]  # fmt: skip
    result = analysis.partners(_frame(rows), PAK, measure=PartnerMeasure.EXPORTS)
    assert (result.start.label, result.end.label) == ("January 2023", "January 2024")
    assert result.rows.select("value", "value_from", "growth_pct").row(0) == (4.0, 2.0, 100.0)
    with pytest.raises(NoData) as raised:
        analysis.partners(_frame(rows), PAK, start=parse_window("2024-03"))
    assert raised.value.message == (
        "no data for Pakistan (PAK) in March 2024 or later (latest: January 2024)"
    )


def test_a_measure_lists_exports_sources_before_imports_whatever_the_order_given() -> None:
    from tradecli.analysis.partners import _measure

    sums = pl.DataFrame(
        {"partner": ["JPN", "JPN"], "window": ["to", "to"], "flow": ["imports", "exports"],
         "value": [1.0, 2.0], "tier": [0, 1], "sources": [["m"], ["x"]]}
    )  # fmt: skip
    measured = _measure(sums, ("exports", "imports"), "to")
    assert measured.rows() == [("JPN", 3.0, 1, ["x", "m"])]
