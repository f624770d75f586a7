import csv
import datetime as dt
import tomllib

import polars as pl
import pytest

from tradecli import schema
from tradecli.analysis import Tier, balance, mirror
from tradecli.codes import resolve_country
from tradecli.errors import NoData, PeriodError, UsageError
from tradecli.periods import Period, Window, month_window, year_window
from tradecli.sources import load_sample


def M(year: int, month: int) -> Window:
    return month_window(Period(year, month))


def Y(year: int) -> Window:
    return year_window(year)


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def test_headline_from_sample_matches_published_figures(sample, fixtures) -> None:
    with open(fixtures / "published" / "oec_headline_2025.toml", "rb") as f:
        published = tomllib.load(f)["published"]
    result = balance(sample.flows, resolve_country("PAK"), resolve_country("JPN"), M(2024, 8))
    assert (result.start, result.end) == (M(2024, 8), M(2025, 8))
    assert result.row("imports")["growth_pct"] == pytest.approx(published["imports_growth_pct"])
    assert result.row("exports")["growth_pct"] == pytest.approx(published["exports_growth_pct"])
    assert result.row("balance")["value_to"] == pytest.approx(published["balance_usd_to_period"])
    assert result.source_ids == ["oec-cna-2025-reconstructed"]
    assert sample.sources["oec-cna-2025-reconstructed"].reconstructed


def test_chile_argentina_2002_equals_the_ots_table(sample, fixtures) -> None:
    with open(fixtures / "real" / "ots_chl_arg_2002.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    exports, imports = float(row["trade_value_usd_exp"]), float(row["trade_value_usd_imp"])
    result = balance(sample.flows, resolve_country("CHL"), resolve_country("ARG"), Y(2002), Y(2002))
    assert result.row("exports")["value_to"] == exports
    assert result.row("imports")["value_to"] == imports
    assert result.row("balance")["value_to"] == exports - imports
    # Argentina's mirror figures for the same flows are in the sample too, but
    # Chile's own statistics must win for a Chile-reported balance.
    assert result.row("exports")["source_to"] == "ots-2002"


def test_argentina_chile_2002_uses_argentinas_own_report(sample, fixtures) -> None:
    with open(fixtures / "real" / "ots_yrp_y-2002_r-all_p-chl.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["reporter_iso"] == "arg")
    result = balance(sample.flows, resolve_country("ARG"), resolve_country("CHL"), Y(2002), Y(2002))
    assert result.row("exports")["value_to"] == float(row["trade_value_usd_exp"])
    assert result.row("imports")["value_to"] == float(row["trade_value_usd_imp"])


def test_pakistan_japan_2006_from_gravity_table(sample, fixtures) -> None:
    flows = {}
    with open(fixtures / "real" / "gravity_2006_flows_musd_pak.csv", newline="") as f:
        for r in csv.DictReader(f):
            flows[(r["iso_o"], r["iso_d"])] = float(r["flow_musd"]) * 1e6
    result = balance(sample.flows, resolve_country("PAK"), resolve_country("JPN"), Y(2006))
    exports, imports = flows[("PAK", "JPN")], flows[("JPN", "PAK")]
    assert result.row("exports")["value_to"] == pytest.approx(exports)
    assert result.row("balance")["value_to"] == pytest.approx(exports - imports)
    assert result.row("balance")["value_to"] < 0
    assert result.row("exports")["growth_pct"] is None  # a single period has no growth


def test_chile_argentina_2004_products_are_never_summed_into_a_total(sample, fixtures) -> None:
    """The HS6 table covers 87 of the 97 chapters: the sample ships no 2004 total (issue 9)."""
    hs6 = pl.read_csv(fixtures / "real" / "ots_chl_arg_2004_hs6.csv")
    chl, arg = resolve_country("CHL"), resolve_country("ARG")
    with pytest.raises(NoData, match="no complete figure") as refused:
        balance(sample.flows, chl, arg, Y(2004), Y(2004))
    assert "not total trade" in (refused.value.hint or "")
    across = balance(sample.flows, chl, arg, Y(2002), Y(2004))
    assert across.row("exports")["value_from"] is not None  # 2002: OTS's own total
    assert across.row("exports")["value_to"] is None and across.row("imports")["value_to"] is None
    # The products themselves still answer, summed from the table's own rows.
    fish = balance(sample.flows, chl, arg, Y(2004), Y(2004), products=("03",))
    in_03 = hs6.filter(pl.col("commodity_code").cast(pl.String).str.zfill(6).str.starts_with("03"))
    assert fish.row("exports")["value_to"] == in_03["trade_value_usd_exp"].sum()
    assert fish.row("imports")["value_to"] == in_03["trade_value_usd_imp"].sum()
    assert fish.source_ids == ["ots-2004-hs6"]


def test_a_hint_about_many_products_stays_short(runner) -> None:
    """1,416 HS6 rows in 87 chapters once made a 700-character hint: at most 8 codes now."""
    from tradecli.analysis.coverage import describe, suggestion
    from tradecli.cli import app

    result = runner.invoke(app, ["balance", "CHL", "ARG", "--from", "2004", "--to", "2004"])
    assert result.exit_code == NoData.exit_code, result.stdout
    hint = next(line for line in result.stderr.splitlines() if line.startswith("Hint:"))
    assert len(hint) <= 300, hint
    assert "1416 products in HS chapters 01, 03, 04, 05, 06, 07, 08, 09 ... and 79 more" in hint
    assert "--product 01 --product 03 (or any of 87 HS2 codes)" in hint
    codes = [f"{c:02d}0101" for c in range(1, 98)]
    assert len(describe(codes)) <= 120 and describe(codes).endswith("... and 89 more")
    assert describe(["030613", "160521"]) == "products 030613, 160521 (HS chapters 03, 16)"
    assert suggestion(codes) == "--product 01 --product 02 (or any of 97 HS2 codes)"
    assert suggestion(["030613", "030617"]) == "--product 0306"


def _flows(rows: list[tuple[str, str, str, float]]) -> pl.LazyFrame:
    """Tiny canonical frames: (exporter, importer, YYYY-MM, value)."""
    frame = pl.DataFrame(
        {
            "exporter": [r[0] for r in rows],
            "importer": [r[1] for r in rows],
            "reporter": [None for _ in rows],
            "period": [dt.date(int(r[2][:4]), int(r[2][5:]), 1) for r in rows],
            "frequency": ["month" for _ in rows],
            "product": ["TOTAL" for _ in rows],
            "value": [r[3] for r in rows],
            "currency": ["USD" for _ in rows],
            "source": ["test" for _ in rows],
        },
        schema_overrides=schema.FLOWS_SCHEMA,
    )
    return schema.conform(frame).lazy()  # no quantities: null


PAK, JPN = resolve_country("PAK"), resolve_country("JPN")


def test_missing_flow_gives_null_growth_and_a_note() -> None:
    flows = _flows(
        [
            ("PAK", "JPN", "2024-08", 10.0),
            ("JPN", "PAK", "2024-08", 50.0),
            ("JPN", "PAK", "2025-08", 60.0),
        ]
    )
    result = balance(flows, PAK, JPN, M(2024, 8), M(2025, 8))
    exports = result.row("exports")
    assert exports["value_to"] is None and exports["growth_pct"] is None
    assert exports["note"] == "no exports figure for August 2025: growth not computed"
    assert result.row("imports")["growth_pct"] == pytest.approx(20.0)
    assert result.row("balance")["value_to"] is None
    assert "needs both" in str(result.row("balance")["note"])


def test_zero_base_gives_null_growth_not_infinity() -> None:
    flows = _flows(
        [
            ("PAK", "JPN", "2024-08", 0.0),
            ("PAK", "JPN", "2025-08", 5.0),
            ("JPN", "PAK", "2024-08", 1.0),
            ("JPN", "PAK", "2025-08", 1.0),
        ]
    )
    result = balance(flows, PAK, JPN, M(2024, 8), M(2025, 8))
    assert result.row("exports")["growth_pct"] is None
    assert result.row("exports")["change"] == 5.0
    assert "zero" in str(result.row("exports")["note"])
    assert result.row("imports")["growth_pct"] == 0.0


def test_gap_never_borrows_a_neighbouring_month() -> None:
    # July 2025 exists, August 2025 does not: a shift-based comparison could pick July.
    flows = _flows(
        [
            ("PAK", "JPN", "2024-08", 10.0),
            ("PAK", "JPN", "2025-07", 99.0),
            ("JPN", "PAK", "2024-08", 5.0),
            ("JPN", "PAK", "2025-07", 5.0),
        ]
    )
    result = balance(flows, PAK, JPN, M(2024, 8), M(2025, 8))
    exports = result.row("exports")
    assert exports["value_from"] == 10.0 and exports["value_to"] is None
    assert exports["growth_pct"] is None and "August 2025" in str(exports["note"])
    # With not one figure, NoData names the periods that are covered.
    with pytest.raises(NoData) as err:
        balance(flows, PAK, JPN, M(2023, 8), M(2025, 8))
    assert "August 2023 or August 2025" in err.value.message
    assert "2024-08" in str(err.value.hint) and "2025-07" in str(err.value.hint)


def test_default_periods_are_latest_and_a_year_before() -> None:
    flows = _flows([("PAK", "JPN", m, 1.0) for m in ("2024-06", "2025-05", "2025-06")])
    result = balance(flows, PAK, JPN)
    assert (result.start, result.end) == (M(2024, 6), M(2025, 6))


def test_errors() -> None:
    flows = _flows([("PAK", "JPN", "2024-08", 1.0)])
    with pytest.raises(UsageError, match="both Pakistan"):
        balance(flows, PAK, PAK)
    with pytest.raises(NoData, match="no trade data"):
        balance(flows, PAK, resolve_country("CHL"))
    with pytest.raises(PeriodError):
        balance(flows, PAK, JPN, M(2024, 8), M(2023, 8))
    # A calendar year from monthly data needs all twelve months: never a smaller sum.
    with pytest.raises(NoData, match=r"no complete figure .* in 2024"):
        balance(flows, PAK, JPN, Y(2024))
    imports = _flows([("JPN", "PAK", f"2024-{m:02d}", 1.0) for m in range(1, 13)])
    partial = balance(pl.concat([flows, imports]), PAK, JPN, Y(2024))
    assert partial.row("imports")["value_to"] == 12.0
    assert partial.row("exports")["value_to"] is None
    assert "no complete exports figure for 2024 (missing 2024-01, 2024-02" in str(
        partial.row("exports")["note"]
    )


def test_currencies_are_never_mixed() -> None:
    frame = _flows([("PAK", "JPN", "2024-08", 1.0), ("PAK", "JPN", "2025-08", 1.0)]).collect()
    frame = frame.with_columns(
        currency=pl.when(pl.col("period").dt.year() == 2025)
        .then(pl.lit("JPY"))
        .otherwise(pl.lit("USD"))
    )
    with pytest.raises(UsageError, match="several currencies"):
        balance(frame.lazy(), PAK, JPN, M(2024, 8), M(2025, 8))


def test_sample_has_the_canonical_schema(sample) -> None:
    schema.validate(sample.flows)
    frame = sample.flows.collect()
    assert set(frame["source"].unique()) == set(sample.sources)
    assert frame["value"].min() >= 0
    with pytest.raises(schema.SchemaError):
        schema.validate(frame.drop("source"))


def test_growth_across_two_sources_is_marked_not_comparable(sample) -> None:
    # Issue 9, defect 4: Open Trade Statistics 2002 against the 2006 gravity table.
    result = balance(sample.flows, resolve_country("CHL"), resolve_country("CHN"), Y(2002), Y(2006))
    exports = result.row("exports")
    assert (exports["source_from"], exports["source_to"]) == ("ots-2002", "gravity-2006")
    assert exports["growth_pct"] is not None and exports["comparable"] is False
    assert (exports["tier_from"], exports["tier_to"]) == (Tier.OWN, Tier.UNKNOWN)
    assert (exports["reported_by_from"], exports["reported_by_to"]) == ("CHL", None)


def test_same_source_both_windows_is_comparable(sample) -> None:
    result = balance(sample.flows, PAK, JPN, M(2024, 8))
    assert result.row("exports")["comparable"] is True
    assert result.row("balance")["comparable"] is True
    assert result.tier_notes == ()


def test_a_pair_built_from_the_partners_report_says_so(sample) -> None:
    # Issue 9, defect 5: PAK-CHL 2002 exists only as Chile's report.
    result = balance(sample.flows, PAK, resolve_country("CHL"), Y(2002), Y(2002))
    assert result.row("exports")["tier_to"] == Tier.MIRROR
    assert result.row("exports")["reported_by_to"] == "CHL"
    assert result.tier_notes == (
        "exports for 2002: Pakistan's own figures were missing, so mirror figures were used",
        "imports for 2002: Pakistan's own figures were missing, so mirror figures were used",
    )


def test_a_single_period_has_nothing_to_compare() -> None:
    flows = _flows([("PAK", "JPN", "2024-08", 10.0), ("JPN", "PAK", "2024-08", 5.0)])
    result = balance(flows, PAK, JPN, M(2024, 8), M(2024, 8))
    assert result.row("exports")["comparable"] is None
    assert result.row("exports")["change"] is None


def test_mirror_takes_one_source_per_side_never_their_sum() -> None:
    rows = _flows(
        [("PAK", "JPN", "2024-08", 10.0), ("PAK", "JPN", "2024-08", 30.0),
         ("JPN", "PAK", "2024-08", 7.0)]
    ).collect()  # fmt: skip
    flows = rows.with_columns(
        reporter=pl.Series(["PAK", "PAK", "JPN"]), source=pl.Series(["b", "a", "a"])
    ).lazy()
    result = mirror(flows, PAK, JPN, M(2024, 8))
    exports = result.figures.row(0, named=True)
    assert exports["reported"] == 30.0  # source "a" wins; the old code printed 40
    assert exports["source_reported"] == "a"
    imports = result.figures.row(1, named=True)
    assert imports["mirror"] == 7.0 and imports["reported"] is None
    assert imports["note"] == "Pakistan reported no complete figure for August 2024"


def test_a_losing_figure_in_another_currency_is_still_an_error() -> None:
    rows = _flows([("PAK", "JPN", "2024-08", 10.0), ("JPN", "PAK", "2024-08", 5.0)]).collect()
    yen = rows.head(1).with_columns(currency=pl.lit("JPY"), source=pl.lit("z"))
    with pytest.raises(UsageError, match="several currencies"):
        balance(pl.concat([rows, yen]).lazy(), PAK, JPN, M(2024, 8), M(2024, 8))


def test_two_sources_of_the_same_tier_are_not_comparable() -> None:
    rows = _flows(
        [("PAK", "JPN", "2024-08", 10.0), ("PAK", "JPN", "2025-08", 12.0),
         ("JPN", "PAK", "2024-08", 5.0), ("JPN", "PAK", "2025-08", 6.0)]
    ).collect()  # fmt: skip
    flows = rows.with_columns(source=pl.Series(["a", "b", "a", "a"])).lazy()
    result = balance(flows, PAK, JPN, M(2024, 8), M(2025, 8))
    assert result.row("exports")["growth_pct"] == pytest.approx(20.0)
    assert result.row("exports")["comparable"] is False
    assert result.row("imports")["comparable"] is True
    assert result.row("balance")["comparable"] is False  # a+b against a


def test_one_source_but_two_sides_is_not_comparable() -> None:
    rows = _flows(
        [("PAK", "JPN", "2024-08", 10.0), ("PAK", "JPN", "2025-08", 12.0),
         ("JPN", "PAK", "2024-08", 5.0), ("JPN", "PAK", "2025-08", 6.0)]
    ).collect()  # fmt: skip
    flows = rows.with_columns(reporter=pl.Series(["PAK", "JPN", "PAK", "PAK"])).lazy()
    result = balance(flows, PAK, JPN, M(2024, 8), M(2025, 8))
    exports = result.row("exports")
    assert (exports["tier_from"], exports["tier_to"]) == (Tier.OWN, Tier.MIRROR)
    assert exports["comparable"] is False
    assert result.row("imports")["comparable"] is True
