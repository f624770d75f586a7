"""products, partners, series, --mirror, ytd and windows through the CLI, on real data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_json
from tradecli.cli import app
from tradecli.errors import ExitCode


@pytest.fixture
def ots_hs6(fixtures) -> pl.DataFrame:
    return pl.read_csv(
        fixtures / "real" / "ots_chl_arg_2004_hs6.csv",
        schema_overrides={"commodity_code": pl.String},
    )


@pytest.mark.parametrize("level", ["hs2", "hs4", "hs6", "section"])
def test_products_shares_recomputed_from_the_ots_table(runner, ots_hs6, level) -> None:
    doc = run_json(
        runner, ["products", "CHL", "ARG", "--from", "2004", "--level", level, "--top", "5"]
    )
    # Independent recomputation from the real file.
    digits = {"hs2": 2, "hs4": 4, "hs6": 6}.get(level)
    if digits:
        expected = (
            ots_hs6.group_by(pl.col("commodity_code").str.slice(0, digits))
            .agg(pl.col("trade_value_usd_exp").sum())
            .sort("trade_value_usd_exp", descending=True)
        )
    total = ots_hs6["trade_value_usd_exp"].sum()
    assert doc["total"]["to"] == total
    rows = doc["rows"]
    assert sum(r["to"] for r in rows) == pytest.approx(total)
    assert sum(r["share_pct"] for r in rows) == pytest.approx(100.0, abs=1e-3)  # 4-decimal rounding
    assert rows[-1]["other"] is True and rows[-1]["code"] is None
    if digits:
        top = expected.head(5)
        assert [r["code"] for r in rows[:5]] == top["commodity_code"].to_list()
        assert [r["to"] for r in rows[:5]] == pytest.approx(top["trade_value_usd_exp"].to_list())
        share = top["trade_value_usd_exp"][0] / total * 100
        assert rows[0]["share_pct"] == pytest.approx(share, abs=1e-4)
    assert doc["data_level"] == "hs6"


def test_products_table_and_missing_base(runner) -> None:
    result = runner.invoke(
        app,
        [
            "products",
            "CHL",
            "ARG",
            "--from",
            "2003",
            "--to",
            "2004",
            "--level",
            "hs2",
            "--top",
            "3",
            "--flow",
            "imports",
        ],
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Chile's imports from Argentina by HS2" in out
    assert "All other products" in out and "products in the data; no total" in out and "100%" in out
    assert "no product data for 2003" in out  # the base year is not in the data: said so
    assert "n/a" in out


def test_products_level_finer_than_data(runner, tmp_path, isolated) -> None:
    tidy = tmp_path / "t.csv"
    tidy.write_text("reporter,partner,flow,period,value_usd,product\nPAK,JPN,exports,2024,5,52\n")
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    result = runner.invoke(app, ["products", "PAK", "JPN", "--from", "2024", "--level", "hs6"])
    assert result.exit_code == ExitCode.USAGE and "go down to HS2 only" in result.stderr


def test_partners_from_the_gravity_table(runner, fixtures) -> None:
    gravity = pl.read_csv(fixtures / "real" / "gravity_2006_flows_musd_pak.csv")
    exports = gravity.filter(pl.col("iso_o") == "PAK").select(partner="iso_d", x="flow_musd")
    imports = gravity.filter(pl.col("iso_d") == "PAK").select(partner="iso_o", m="flow_musd")
    both = exports.join(imports, on="partner").with_columns(b=(pl.col("x") - pl.col("m")) * 1e6)
    doc = run_json(runner, ["partners", "PAK", "--from", "2006", "--sort", "deficit", "--top", "3"])
    expected = both.sort("b").head(3)
    assert [r["partner"] for r in doc["rows"]] == expected["partner"].to_list()
    assert [r["balance"] for r in doc["rows"]] == pytest.approx(expected["b"].to_list(), abs=1)
    surplus = run_json(
        runner, ["partners", "PAK", "--from", "2006", "--sort", "surplus", "--top", "1"]
    )
    assert surplus["rows"][0]["partner"] == both.sort("b", descending=True)["partner"][0]
    by_value = run_json(runner, ["partners", "PAK", "--from", "2006", "--flow", "exports"])
    assert by_value["rows"][0]["value"] == pytest.approx(exports["x"].max() * 1e6)


def test_partners_growth_between_years(runner) -> None:
    result = runner.invoke(
        app, ["partners", "CHL", "--from", "2002", "--to", "2006", "--sort", "growth", "--top", "3"]
    )
    assert result.exit_code == 0, result.stderr
    assert "Growth (trade)" in result.stdout
    assert "have no complete figure for 2002" in result.stdout


def test_series_keeps_gaps(runner) -> None:
    doc = run_json(runner, ["series", "PAK", "JPN", "--from", "2019-11", "--to", "2021-01"])
    rows = {r["period"]: r for r in doc["rows"]}
    assert len(rows) == 15
    assert rows["2020-12"]["exports"] == 14_798_000 and rows["2020-12"]["balance"] == -125_993_000
    assert rows["2020-06"]["exports"] is None  # a gap is null, never zero
    assert "2020-06" in doc["missing"] and "2019-12" not in doc["missing"]
    table = runner.invoke(app, ["series", "PAK", "JPN", "--from", "2019-11", "--to", "2021-01"])
    assert "Chart (blank = no data)" in table.stdout
    assert "shown as n/a, not as zero" in table.stdout
    spark = next(line for line in table.stdout.splitlines() if line.strip().startswith("Exports"))
    assert spark.split("Exports", 1)[1][1:16].count(" ") >= 11  # blanks for missing months


def test_mirror_chile_argentina(runner, fixtures) -> None:
    rows = {}
    for name in ("ots_yrp_y-2002_r-chl_p-all.csv", "ots_yrp_y-2002_r-all_p-chl.csv"):
        with open(fixtures / "real" / name, newline="") as f:
            for r in csv.DictReader(f):
                rows[(r["reporter_iso"], r["partner_iso"])] = r
    chl, arg = rows[("chl", "arg")], rows[("arg", "chl")]
    doc = run_json(runner, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2002", "--mirror"])
    exports = doc["mirror"]["flows"]["exports"]
    assert exports["reported"] == float(chl["trade_value_usd_exp"])
    assert exports["mirror"] == float(arg["trade_value_usd_imp"])
    gap = (exports["mirror"] - exports["reported"]) / exports["reported"] * 100
    assert exports["gap_pct"] == pytest.approx(gap, abs=1e-4)
    assert doc["mirror"]["flows"]["imports"]["mirror"] == float(arg["trade_value_usd_exp"])
    table = runner.invoke(
        app, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2002", "--mirror"]
    )
    assert "Reported by Argentina" in table.stdout and "CIF" in table.stdout


def test_ytd_with_no_complete_window_is_no_data_naming_the_periods_covered(runner) -> None:
    """The missing-data rule: not one figure computable -> exit 3, covered periods named."""
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--period", "ytd"])
    assert result.exit_code == ExitCode.NO_DATA
    assert "Jan-Aug 2024 or Jan-Aug 2025" in result.stderr
    assert "the data cover months 2019-12, 2020-11..2020-12, 2024-08, 2025-08" in result.stderr


def test_ytd_with_missing_months_is_null_with_a_note(runner, tmp_path) -> None:
    """Some figures computable: printed, the missing ones null with a note, exit 0."""
    tidy = tmp_path / "ytd.csv"
    lines = ["reporter,partner,flow,period,value_usd"]
    for month in range(1, 9):
        lines += [f"PAK,CHN,exports,2025-{month:02d},10", f"PAK,CHN,imports,2025-{month:02d},20"]
    lines += ["PAK,CHN,exports,2024-08,10", "PAK,CHN,imports,2024-08,20"]
    tidy.write_text("\n".join(lines) + "\n")
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    doc = run_json(runner, ["balance", "PAK", "CHN", "--period", "ytd", "--offline"])
    assert doc["query"]["convention"] == "ytd"
    assert doc["query"]["from"] == "2024-01..2024-08"
    exports = doc["figures"]["exports"]
    assert exports["to"] == 80 and exports["from"] is None and exports["growth_pct"] is None
    assert "missing 2024-01, 2024-02" in exports["note"]


def test_windows_sum_complete_months(runner, tmp_path) -> None:
    tidy = tmp_path / "months.csv"
    lines = ["reporter,partner,flow,period,value_usd"]
    for year in (2023, 2024):
        for month in range(1, 13):
            lines.append(f"PAK,CHN,exports,{year}-{month:02d},{year - 2022}0")
            lines.append(f"PAK,CHN,imports,{year}-{month:02d},100")
    tidy.write_text("\n".join(lines) + "\n")
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    latest = run_json(runner, ["balance", "PAK", "CHN", "--from", "2023-Q2", "--offline"])
    assert latest["query"]["to"] == "2024-Q4"  # the latest complete quarter in the data
    q2 = run_json(
        runner, ["balance", "PAK", "CHN", "--from", "2023-Q2", "--to", "2024-Q2", "--offline"]
    )
    assert q2["figures"]["exports"]["from"] == 30 and q2["figures"]["exports"]["to"] == 60
    assert q2["figures"]["exports"]["growth_pct"] == pytest.approx(100.0)
    fy = run_json(
        runner, ["balance", "PAK", "CHN", "--from", "FY2024", "--to", "FY2024", "--offline"]
    )
    assert fy["figures"]["imports"]["to"] == 1200
    ttm = run_json(runner, ["balance", "PAK", "CHN", "--period", "ttm", "--offline"])
    assert ttm["figures"]["exports"]["from"] == 120 and ttm["figures"]["exports"]["to"] == 240
    win = run_json(
        runner,
        [
            "balance",
            "PAK",
            "CHN",
            "--period",
            "window",
            "--from",
            "2024-11",
            "--to",
            "2024-12",
            "--offline",
        ],
    )
    assert win["figures"]["exports"]["to"] == 40 and win["figures"]["exports"]["from"] == 20
    prev = run_json(runner, ["balance", "PAK", "CHN", "--compare", "previous", "--offline"])
    assert (prev["query"]["from"], prev["query"]["to"]) == ("2024-11", "2024-12")
    year = run_json(runner, ["balance", "PAK", "CHN", "--from", "2023", "--offline"])
    assert year["figures"]["exports"]["to"] == 240  # a calendar year from twelve months


def test_fiscal_year_from_config(runner, tmp_path, monkeypatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[periods]\nfiscal_year_start = 7\n")
    monkeypatch.setenv("TRADECLI_CONFIG", str(cfg))
    tidy = tmp_path / "m.csv"
    rows = ["reporter,partner,flow,period,value_usd"]
    for i in range(24):
        year, month = 2023 + (6 + i) // 12, (6 + i) % 12 + 1
        rows += [
            f"PAK,CHN,exports,{year}-{month:02d},{i + 1}",
            f"PAK,CHN,imports,{year}-{month:02d},1",
        ]
    tidy.write_text("\n".join(rows) + "\n")
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    doc = run_json(
        runner, ["balance", "PAK", "CHN", "--from", "FY2024", "--to", "FY2025", "--offline"]
    )
    assert doc["figures"]["exports"]["from"] == sum(range(1, 13))  # Jul 2023 - Jun 2024
    assert doc["figures"]["exports"]["to"] == sum(range(13, 25))
    table = runner.invoke(
        app, ["balance", "PAK", "CHN", "--period", "fiscal-ytd", "--to", "2024-08", "--offline"]
    )
    assert "Jul-Aug 2024" in table.stdout


def test_products_codes(runner) -> None:
    doc = run_json(runner, ["products-codes", "8703"])
    assert doc[0]["code"] == "8703" and doc[0]["section"] == "S17"
    words = run_json(runner, ["products-codes", "shrimps frozen"])
    assert {r["code"] for r in words} == {"030616", "030617"}
    missing = runner.invoke(app, ["products-codes", "unobtainium"])
    assert missing.exit_code == ExitCode.USAGE and missing.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["products", "CHL", "ARG", "--from", "2004"],
        ["partners", "CHL", "--from", "2002"],
        ["series", "PAK", "JPN", "--from", "2024-08", "--to", "2025-08"],
        ["countries", "japan"],
        ["products-codes", "0306"],
        ["balance", "CHL", "ARG"],  # defaults land on 2006; 2005 is n/a with notes
    ],
)
def test_every_command_in_both_formats(runner, args: list[str]) -> None:
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.stderr
    assert table.stdout.strip() and table.stderr == ""
    doc = runner.invoke(app, [*args, "-f", "json"])
    assert doc.exit_code == 0
    json.loads(doc.stdout)


def _snapshot(root: Path) -> dict[str, bytes]:
    flows = root / "flows"
    return {p.name: p.read_bytes() for p in flows.glob("*")} if flows.is_dir() else {}


# -- the analysis API: which tier won, and whether a growth compares like with like --


def test_partners_growth_across_sources_is_marked(sample_flows) -> None:
    from tradecli import analysis
    from tradecli.codes import resolve_country
    from tradecli.periods import year_window

    result = analysis.partners(
        sample_flows, resolve_country("CHL"), start=year_window(2002), end=year_window(2006)
    )
    (china,) = result.rows.filter(pl.col("partner") == "CHN").iter_rows(named=True)
    # Issue 9, defect 4: Chile's own 2002 report against the 2006 gravity table.
    assert china["growth_pct"] is not None and china["comparable"] is False
    assert (china["tier_from"], china["tier"]) == (0, 1)


def test_products_carry_their_tier_and_sources(sample_flows) -> None:
    from tradecli import analysis
    from tradecli.codes import resolve_country
    from tradecli.periods import year_window

    result = analysis.products(
        sample_flows, resolve_country("CHL"), resolve_country("ARG"), top=2,
        start=year_window(2004), end=year_window(2004),
    )  # fmt: skip
    assert result.rows["tier_to"].to_list() == [0, 0, 0]
    assert result.rows["source_to"].to_list() == ["ots-2004-hs6"] * 3
    assert result.rows["comparable"].to_list() == [None] * 3  # one period: no growth


def test_series_says_which_tier_won_each_month(sample_flows) -> None:
    from tradecli import analysis
    from tradecli.codes import resolve_country

    result = analysis.series(sample_flows, resolve_country("PAK"), resolve_country("JPN"))
    first, gap = result.rows.head(2).iter_rows(named=True)
    assert (first["period"], first["exports_tier"], first["imports_tier"]) == ("2019-12", 0, 0)
    assert gap["exports"] is None and gap["exports_tier"] is None
    assert set(result.rows["exports_tier"].drop_nulls()) == {0, 1}


@pytest.fixture(scope="module")
def sample_flows():
    from tradecli.sources import load_sample

    return load_sample().flows


def test_products_total_growth_uses_the_one_growth_rule(sample_flows) -> None:
    from tradecli import analysis
    from tradecli.codes import resolve_country
    from tradecli.periods import year_window

    chl, arg = resolve_country("CHL"), resolve_country("ARG")
    single = analysis.products(
        sample_flows, chl, arg, start=year_window(2004), end=year_window(2004)
    )
    assert single.total_growth_pct is None
    flows = sample_flows.collect()
    later = flows.filter(pl.col("product") != "TOTAL").with_columns(
        period=pl.col("period").dt.offset_by("1y"), value=pl.col("value") * 1.5
    )
    both = analysis.products(
        pl.concat([flows, later]).lazy(), chl, arg,
        start=year_window(2004), end=year_window(2005),
    )  # fmt: skip
    assert both.total_growth_pct == pytest.approx(50.0)
    assert both.total_to == pytest.approx(both.total_from * 1.5)  # type: ignore[operator]
