"""`tradecli import` on the real files people download, and on broken ones."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_json
from tradecli.cli import app
from tradecli.errors import ExitCode
from tradecli.importer_options import ImportFormat
from tradecli.importers import detect

SHRIMP = Path("real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv")


def _entries(isolated: Path) -> dict[str, bytes]:
    flows = isolated / "tradecli-cache" / "flows"
    return (
        {str(p.relative_to(flows)): p.read_bytes() for p in flows.rglob("*") if p.is_file()}
        if flows.is_dir()
        else {}
    )


@pytest.fixture
def baci_file(fixtures, tmp_path) -> Path:
    """The real OTS Chile-Argentina 2004 HS6 table written in BACI's layout (thousands USD)."""
    ots = pl.read_csv(
        fixtures / "real" / "ots_chl_arg_2004_hs6.csv",
        schema_overrides={"commodity_code": pl.String},
    )
    exports = ots.select(
        t=pl.col("year"),
        i=pl.lit(152),
        j=pl.lit(32),
        k=pl.col("commodity_code").str.strip_chars_start("0"),  # BACI drops it
        v=pl.col("trade_value_usd_exp") / 1000,
        q=pl.lit(None, pl.Float64),
    )
    imports = ots.select(
        t=pl.col("year"),
        i=pl.lit(32),
        j=pl.lit(152),
        k=pl.col("commodity_code").str.strip_chars_start("0"),
        v=pl.col("trade_value_usd_imp") / 1000,
        q=pl.lit(None, pl.Float64),
    )
    path = tmp_path / "BACI_HS92_Y2004_V202401.csv"
    pl.concat([exports, imports]).write_csv(path)
    return path


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        (
            "comtrade/vignette1_USA_imports_from_DEU_FRA_JPN_MEX_TOTAL_2018_2022_annual.csv",
            ImportFormat.COMTRADE_CSV,
        ),
        ("comtrade/fixture_CHN_ARG_DEU_2010_TOTAL_api_v1.json", ImportFormat.COMTRADE_JSON),
        ("oec_api_v2_example.json", ImportFormat.OEC_JSON),
    ],
)
def test_detect_real_files(shared_data, name, fmt) -> None:
    assert detect(shared_data / "real" / name) == fmt


def test_detect_real_oec_csv(fixtures) -> None:
    path = fixtures / "real" / "oec_baci92_exports_by_country_section_2019-2021_head40.csv"
    assert detect(path) == ImportFormat.OEC_CSV


def test_detect_baci_and_tidy(baci_file, tmp_path) -> None:
    assert detect(baci_file) == ImportFormat.BACI
    tidy = tmp_path / "t.csv"
    tidy.write_text("reporter,partner,flow,period,value_usd\nPAK,JPN,exports,2024-08,1\n")
    assert detect(tidy) == ImportFormat.TIDY


def test_comtrade_csv_then_balance(runner, shared_data) -> None:
    path = (
        shared_data
        / "real"
        / "comtrade"
        / ("vignette1_USA_imports_from_DEU_FRA_JPN_MEX_TOTAL_2018_2022_annual.csv")
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Imported 20 flows" in result.stdout and "comtrade-csv" in result.stdout
    raw = pl.read_csv(path)
    expected = raw.filter((pl.col("partner_iso") == "JPN") & (pl.col("period") == 2022))
    doc = run_json(runner, ["balance", "USA", "JPN", "--from", "2021", "--offline"])
    assert doc["figures"]["imports"]["to"] == expected["primary_value"].item()
    assert doc["figures"]["exports"]["to"] is None  # the file has no US exports: missing, not 0
    assert doc["provenance"]["sources"][0]["publisher"] == "UN Comtrade"


def test_comtrade_hs6_products_and_partners(runner, shared_data) -> None:
    path = shared_data / SHRIMP
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Skipped" in result.stdout and "re-exports" in result.stdout
    raw = pl.read_csv(path, schema_overrides={"cmd_code": pl.String})
    vnm = raw.filter(
        (pl.col("partner_iso") == "VNM") & (pl.col("flow_code") == "M") & (pl.col("period") == 2011)
    )
    doc = run_json(
        runner,
        [
            "products",
            "THA",
            "VNM",
            "--flow",
            "imports",
            "--level",
            "hs6",
            "--from",
            "2010",
            "--to",
            "2011",
            "--offline",
        ],
    )
    assert doc["total"]["to"] == pytest.approx(vnm["primary_value"].sum())
    by_code = {r["code"]: r for r in doc["rows"]}
    for code, value in vnm.select("cmd_code", "primary_value").iter_rows():
        assert by_code[code]["to"] == pytest.approx(value)
        assert by_code[code]["share_pct"] == pytest.approx(
            value / vnm["primary_value"].sum() * 100, abs=1e-4
        )


def test_comtrade_json(runner, shared_data) -> None:
    path = shared_data / "real" / "comtrade" / "fixture_CHN_ARG_DEU_2010_TOTAL_api_v1.json"
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    records = json.loads(path.read_text())["data"]
    exports = next(r for r in records if r["flowCode"] == "X" and r["partnerISO"] == "DEU")
    imports = next(r for r in records if r["flowCode"] == "M" and r["partnerISO"] == "DEU")
    doc = run_json(runner, ["balance", "CHN", "DEU", "--from", "2010", "--offline"])
    assert doc["figures"]["balance"]["to"] == pytest.approx(
        exports["primaryValue"] - imports["primaryValue"]
    )


def test_oec_json_example(runner, shared_data) -> None:
    path = shared_data / "real" / "oec_api_v2_example.json"
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    doc = run_json(
        runner, ["products", "ESP", "MAR", "--from", "2023", "--level", "hs4", "--offline"]
    )
    assert doc["rows"][0]["code"] == "0101" and doc["rows"][0]["to"] == 628207


def test_baci_import(runner, baci_file, fixtures) -> None:
    result = runner.invoke(app, ["import", str(baci_file)])
    assert result.exit_code == 0, result.stderr
    ots = pl.read_csv(fixtures / "real" / "ots_chl_arg_2004_hs6.csv")
    doc = run_json(
        runner, ["products", "CHL", "ARG", "--from", "2004", "--level", "hs2", "--offline"]
    )
    assert doc["total"]["to"] == pytest.approx(ots["trade_value_usd_exp"].sum(), rel=1e-9)
    assert doc["provenance"]["sources"][0]["publisher"] == "CEPII BACI"


def test_baci_with_its_country_codes_file(runner, baci_file, tmp_path) -> None:
    codes = tmp_path / "country_codes_V202401.csv"
    codes.write_text(
        "country_code,country_name,country_iso2,country_iso3\n"
        "152,Chile,CL,CHL\n32,Argentina,AR,ARG\n"
    )
    result = runner.invoke(app, ["import", str(baci_file), "--baci-codes", str(codes)])
    assert result.exit_code == 0, result.stderr
    assert "2 countries" in result.stdout


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("oec_baci92_exports_by_country_section_2019-2021_head40.csv", "no Year or Time column"),
        ("oec_api_trade_s_esp_m_hs_2022_head40.csv", "subnational data"),
    ],
)
def test_real_oec_csvs_that_cannot_be_placed_are_refused(
    runner, fixtures, isolated, name, fragment
) -> None:
    result = runner.invoke(app, ["import", str(fixtures / "real" / name)])
    assert result.exit_code == ExitCode.USAGE
    assert fragment in result.stderr and result.stdout == ""
    assert _entries(isolated) == {}


def test_oec_csv_with_year_and_world_partner(runner, tmp_path) -> None:
    path = tmp_path / "oec.csv"
    path.write_text(
        "Country ID,Country,Section ID,Section,Year,Trade Value\n"
        "aspak,Pakistan,11,Textiles,2021,100\naspak,Pakistan,2,Vegetables,2021,50\n"
    )
    # An OEC CSV does not say its currency (BACI cubes are in USD, national ones not).
    unsaid = runner.invoke(app, ["import", str(path)])
    assert unsaid.exit_code == ExitCode.USAGE and "--currency USD" in unsaid.stderr
    assert runner.invoke(app, ["import", str(path), "--currency", "USD"]).exit_code == 0
    doc = run_json(
        runner, ["products", "PAK", "WLD", "--from", "2021", "--level", "section", "--offline"]
    )
    assert [(r["code"], r["to"]) for r in doc["rows"]] == [("S11", 100.0), ("S02", 50.0)]


BAD = [
    ("bad-value", "PAK,JPN,exports,2024-08,12x\n", "line 3: value is not a number"),
    ("bad-period", "PAK,JPN,exports,Aug 2024,1\n", "line 3: period must be YYYY or YYYY-MM"),
    ("bad-country", "PAK,Atlantis,exports,2024-08,1\n", "line 3: unknown partner"),
    ("bad-flow", "PAK,JPN,sideways,2024-08,1\n", "line 3: flow must be exports or imports"),
    ("negative", "PAK,JPN,exports,2024-08,-5\n", "line 3: negative trade value"),
    ("duplicate", "PAK,JPN,exports,2024-07,1\n", "the same flow appears twice"),
]


@pytest.mark.parametrize(("line", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_row_names_its_line_and_changes_nothing(
    runner, tmp_path, isolated, line, fragment
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("reporter,partner,flow,period,value_usd\nPAK,JPN,exports,2024-07,1\n")
    assert runner.invoke(app, ["import", str(good)]).exit_code == 0
    before = _entries(isolated)
    bad = tmp_path / "bad.csv"
    bad.write_text("reporter,partner,flow,period,value_usd\nPAK,JPN,exports,2024-07,1\n" + line)
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert fragment in result.stderr and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert _entries(isolated) == before


def test_unknown_format_and_missing_file(runner, tmp_path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b,c\n1,2,3\n")
    result = runner.invoke(app, ["import", str(odd)])
    assert result.exit_code == ExitCode.USAGE and "cannot tell the file's format" in result.stderr
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == ExitCode.USAGE and "does not exist" in missing.stderr


def test_older_hs_codes_are_named_by_their_parent(runner, shared_data) -> None:
    path = shared_data / SHRIMP
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    doc = run_json(
        runner,
        [
            "products",
            "THA",
            "VNM",
            "--flow",
            "imports",
            "--level",
            "hs6",
            "--from",
            "2011",
            "--offline",
        ],
    )
    names = {r["code"]: r["name"] for r in doc["rows"]}
    # 030613 is an HS 2007 code that HS 2022 split up: its heading still names it.
    assert names["030613"].startswith("(not in HS 2022; within 0306: Crustaceans")


# -- issue 9: values, currency, skipped rows, error texts, coverage -----------------

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TIDY_HEAD = "reporter,partner,flow,period,value_usd\n"


def _meta(isolated: Path) -> list[dict]:
    flows = isolated / "tradecli-cache" / "flows"
    return [json.loads(p.read_text()) for p in sorted(flows.glob("*/_entry.json"))]


def _stored(isolated: Path) -> pl.DataFrame:
    flows = isolated / "tradecli-cache" / "flows"
    return pl.read_parquet(sorted(flows.glob("*/part-*.parquet")))


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "NaN", "Infinity"])
def test_tidy_values_must_be_finite(runner, tmp_path, isolated, value) -> None:
    path = tmp_path / "t.csv"
    path.write_text(TIDY_HEAD + f"PAK,JPN,exports,2024-07,1\nPAK,JPN,imports,2024-07,{value}\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert f"{path}, line 3: value is " in result.stderr and "(value_usd=" in result.stderr
    assert _entries(isolated) == {}


@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
def test_baci_values_must_be_finite(runner, tmp_path, isolated, value) -> None:
    path = tmp_path / "BACI_HS92_Y2004_V202401.csv"
    path.write_text(f"t,i,j,k,v,q\n2004,152,32,10121,1.5,\n2004,152,32,10129,{value},\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert "line 3" in result.stderr and "(v=" in result.stderr
    assert _entries(isolated) == {}


@pytest.mark.parametrize("value", ["nan", "1e400"])
def test_comtrade_values_must_be_finite(runner, tmp_path, isolated, value) -> None:
    path = tmp_path / "ct.csv"
    path.write_text(
        "reporterISO,partnerISO,flowCode,period,cmdCode,primaryValue\n"
        "USA,JPN,M,2020,TOTAL,5\n"
        f"USA,JPN,X,2020,TOTAL,{value}\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert "line 3" in result.stderr and "(primaryValue=" in result.stderr
    assert _entries(isolated) == {}


def test_a_currency_column_is_honoured(runner, tmp_path, isolated) -> None:
    path = tmp_path / "jpy.csv"
    path.write_text(
        "reporter,partner,flow,period,value,currency\n"
        "JPN,PAK,exports,2024-07,1000,JPY\nJPN,PAK,imports,2024-07,400,JPY\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "values in JPY" in result.stdout
    assert _stored(isolated)["currency"].unique().to_list() == ["JPY"]
    assert _meta(isolated)[0]["currency"] == "JPY"


def test_rows_naming_their_own_currencies_are_kept_apart(runner, tmp_path, isolated) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "reporter,partner,flow,period,value,currency\n"
        "JPN,PAK,exports,2024-07,1000,JPY\nDEU,PAK,exports,2024-07,5,eur\n"
    )
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    stored = _stored(isolated)
    assert dict(zip(stored["exporter"], stored["currency"], strict=True)) == {
        "JPN": "JPY",
        "DEU": "EUR",
    }


@pytest.mark.parametrize(
    ("header", "rows", "args", "fragment"),
    [
        (
            "reporter,partner,flow,period,value,currency",
            "JPN,PAK,exports,2024-07,1000,JPY\nDEU,PAK,exports,2024-07,5,\n",
            [],
            "line 3: no currency on this row, while others name JPY",
        ),
        (
            "reporter,partner,flow,period,value_usd",
            "JPN,PAK,exports,2024-07,1000\n",
            ["--currency", "EUR"],
            "the value column is value_usd, but --currency says EUR",
        ),
        (
            "reporter,partner,flow,period,value",
            "JPN,PAK,exports,2024-07,1000\n",
            [],
            "does not say its currency",
        ),
        (
            "reporter,partner,flow,period,value_usd,currency",
            "JPN,PAK,exports,2024-07,1000,JPY\n",
            [],
            "line 2: a value_usd row not in USD",
        ),
        (
            "reporter,partner,flow,period,value,currency",
            "JPN,PAK,exports,2024-07,1000,JPY\n",
            ["--currency", "EUR"],
            "currency differs from --currency EUR",
        ),
    ],
)
def test_currency_contradictions_are_refused(
    runner, tmp_path, isolated, header, rows, args, fragment
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(header + "\n" + rows)
    result = runner.invoke(app, ["import", str(path), *args])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert fragment in result.stderr
    assert _entries(isolated) == {}


def test_usd_publishers_refuse_another_currency(runner, tmp_path, baci_file) -> None:
    result = runner.invoke(app, ["import", str(baci_file), "--currency", "EUR"])
    assert result.exit_code == ExitCode.USAGE
    assert "CEPII BACI values are in US dollars, not EUR" in result.stderr


def test_skipped_rows_are_counted_and_strict_refuses_them(runner, tmp_path, isolated) -> None:
    path = tmp_path / "self.csv"
    path.write_text(TIDY_HEAD + "PAK,JPN,exports,2024-07,1\nPAK,PAK,exports,2024-07,9\n")
    strict = runner.invoke(app, ["import", str(path), "--strict"])
    assert strict.exit_code == ExitCode.USAGE
    assert "1 rows where a country trades with itself" in strict.stderr
    assert _entries(isolated) == {}
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Skipped 1 rows: rows where a country trades with itself" in result.stdout
    assert _meta(isolated)[0]["annotations"]["skipped"] == {
        "rows where a country trades with itself (reporter = partner)": 1
    }


def test_comtrade_rows_with_an_empty_value_are_counted(runner, tmp_path) -> None:
    path = tmp_path / "ct.csv"
    path.write_text(
        "reporterISO,partnerISO,flowCode,period,cmdCode,primaryValue\n"
        "USA,JPN,M,2020,TOTAL,5\nUSA,JPN,X,2020,TOTAL,\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Skipped 1 rows: rows with an empty value." in result.stdout
    assert runner.invoke(app, ["import", str(path), "--strict"]).exit_code == ExitCode.USAGE


def test_baci_self_trade_is_counted(runner, tmp_path) -> None:
    path = tmp_path / "BACI_HS92_Y2004_V202401.csv"
    path.write_text("t,i,j,k,v,q\n2004,152,32,10121,1.5,\n2004,152,152,10129,2,\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Skipped 1 rows: rows where a country trades with itself" in result.stdout
    assert runner.invoke(app, ["import", str(path), "--strict"]).exit_code == ExitCode.USAGE


def test_duplicate_rows_name_their_lines_not_a_dict(runner, tmp_path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(
        TIDY_HEAD
        + "PAK,JPN,exports,2024-07,1\nPAK,JPN,imports,2024-07,2\nPAK,JPN,exports,2024-07,3\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert "lines 2, 4: the same flow appears twice (PAK to JPN, 2024-07" in result.stderr
    assert "{" not in result.stderr


def test_a_row_with_too_many_fields_names_its_line(runner, tmp_path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(TIDY_HEAD + "PAK,JPN,exports,2024-07,1\nPAK,JPN,imports,2024-07,1,234\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert f"{path}, line 3: 6 fields where the header has 5" in result.stderr
    assert "must be quoted" in result.stderr and "Schema" not in result.stderr


def test_a_few_products_are_not_total_trade(runner, shared_data, isolated) -> None:
    result = runner.invoke(app, ["import", str(shared_data / SHRIMP)])
    assert result.exit_code == 0, result.stderr
    assert "Covers: some products only (030613" in result.stdout
    assert "Derived" not in result.stdout
    coverage = _meta(isolated)[0]["annotations"]["coverage"]
    assert coverage["total"] is False and coverage["derived_from"] is None
    assert coverage["levels"] == ["hs6"] and "030613" in coverage["products"]
    assert "03" in coverage["chapters"]
    assert "TOTAL" not in _stored(isolated)["product"].to_list()


def test_two_hs_levels_are_never_summed_together(runner, tmp_path, isolated) -> None:
    path = tmp_path / "levels.csv"
    path.write_text(
        "reporter,partner,flow,period,value_usd,product\n"
        "PAK,JPN,exports,2024,100,03\nPAK,JPN,exports,2024,100,0306\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "TOTAL" not in _stored(isolated)["product"].to_list()
    coverage = _meta(isolated)[0]["annotations"]["coverage"]
    assert coverage["levels"] == ["hs2", "hs4"] and coverage["total"] is False


def test_a_complete_level_gives_a_total_from_that_level_only(runner, tmp_path, isolated) -> None:
    from tradecli.ingest import HS_CHAPTERS

    lines = [f"PAK,JPN,exports,2024,1,{c}" for c in sorted(HS_CHAPTERS)]
    lines.append("PAK,JPN,exports,2024,1000,0306")  # a finer breakdown: never added in
    path = tmp_path / "all-chapters.csv"
    path.write_text("reporter,partner,flow,period,value_usd,product\n" + "\n".join(lines) + "\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Covers: total trade (summed from the complete HS2 level)" in result.stdout
    stored = _stored(isolated).filter(pl.col("product") == "TOTAL")
    assert stored["value"].to_list() == [float(len(HS_CHAPTERS))]
    coverage = _meta(isolated)[0]["annotations"]["coverage"]
    assert coverage["total"] and coverage["derived_from"] == "hs2" and coverage["products"] == []


def test_a_declared_total_is_total_trade(runner, shared_data, isolated) -> None:
    path = (
        shared_data
        / "real"
        / "comtrade"
        / "vignette1_USA_imports_from_DEU_FRA_JPN_MEX_TOTAL_2018_2022_annual.csv"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert "Covers: total trade (declared TOTAL rows)" in result.stdout
    coverage = _meta(isolated)[0]["annotations"]["coverage"]
    assert coverage["total"] and coverage["declared_total"] and coverage["derived_from"] is None


def test_a_baci_file_spanning_every_chapter_is_total_trade(runner, tmp_path, isolated) -> None:
    from tradecli.codes import load_hs

    first = {}  # the first HS6 code of every chapter in the shipped table
    for code in sorted(c for c, e in load_hs().items() if e.level == "hs6"):
        first.setdefault(code[:2], code)
    path = tmp_path / "BACI_HS92_Y2021_V202501.csv"
    path.write_text("t,i,j,k,v,q\n" + "".join(f"2021,152,32,{k},1,\n" for k in first.values()))
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Covers: total trade (summed from the complete HS6 level)" in result.stdout
    coverage = _meta(isolated)[0]["annotations"]["coverage"]
    assert coverage["derived_from"] == "hs6" and coverage["total"]
    total = _stored(isolated).filter(pl.col("product") == "TOTAL")["value"]
    assert total.to_list() == [1000.0 * len(first)]


def test_a_filtered_baci_file_is_some_products_only(runner, tmp_path, isolated) -> None:
    # Two rows in BACI's layout are not total trade: their sum must never be shown as one.
    path = tmp_path / "BACI_HS92_Y2021_V202501.csv"
    path.write_text("t,i,j,k,v,q\n2021,152,32,30613,1.5,\n2021,32,152,270900,2,\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Covers: some products only (HS chapters 03, 27); no total is derived" in (result.stdout)
    assert "Derived" not in result.stdout and ", products, values in USD" in result.stdout
    coverage = _meta(isolated)[0]["annotations"]["coverage"]
    assert coverage["total"] is False and coverage["derived_from"] is None
    assert coverage["years_without_total"] == {"2021": ["03", "27"]}
    assert "TOTAL" not in _stored(isolated)["product"].to_list()
    balance = runner.invoke(app, ["balance", "CHL", "ARG", "--from", "2021", "--offline"])
    assert balance.exit_code == ExitCode.NO_DATA, balance.stdout
    assert "products 030613, 270900 (HS chapters 03, 27) only, not total trade" in (balance.stderr)
    series = runner.invoke(app, ["series", "CHL", "ARG", "--from", "2021", "--to", "2021"])
    assert series.exit_code == ExitCode.NO_DATA and "only, not total trade" in series.stderr


def test_a_baci_extract_of_one_pair_is_not_total_trade(runner, baci_file, isolated) -> None:
    # The real Chile-Argentina table spans 87 of the 96 HS chapters: a pair's trade, in a
    # BACI layout, is not every product, so no total is derived (as for other files).
    result = runner.invoke(app, ["import", str(baci_file)])
    assert result.exit_code == 0, result.stderr
    assert (
        "Covers: some products only (HS chapters 01, 03, 04, 05, 06, 07, 08, 09 and 79 more)"
        in (result.stdout)
    )
    coverage = _meta(isolated)[0]["annotations"]["coverage"]
    assert coverage["total"] is False and len(coverage["chapters"]) == 87
    balance = runner.invoke(app, ["balance", "CHL", "ARG", "--from", "2004", "--to", "2004"])
    assert balance.exit_code == ExitCode.NO_DATA
    assert "only, not total trade" in balance.stderr


# -- issue 11: the other shapes people download --------------------------------------


def test_open_trade_statistics_yrp_table(runner, isolated) -> None:
    path = FIXTURES / "ots_yrp_y-2002_r-mex_p-usa.csv"
    assert detect(path) == ImportFormat.OTS
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "(ots)" in result.stdout and "Imported 2 flows" in result.stdout
    doc = run_json(runner, ["balance", "MEX", "USA", "--from", "2002", "--to", "2002", "--offline"])
    assert doc["figures"]["exports"]["to"] == 137489947084
    assert doc["figures"]["imports"]["to"] == 103352303539
    assert doc["provenance"]["sources"][0]["publisher"] == "Open Trade Statistics"
    stored = _stored(isolated)
    assert stored["reporter"].unique().to_list() == ["MEX"]


def test_cepii_gravity_table_in_millions(runner, shared_data, isolated) -> None:
    path = shared_data / "real" / "gravity_2006_flows_musd.csv"
    assert detect(path) == ImportFormat.GRAVITY
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    raw = pl.read_csv(path)
    chl_chn = raw.filter((pl.col("iso_o") == "CHL") & (pl.col("iso_d") == "CHN"))
    stored = _stored(isolated).filter((pl.col("exporter") == "CHL") & (pl.col("importer") == "CHN"))
    assert stored["value"].item() == pytest.approx(chl_chn["flow_musd"].item() * 1e6)
    assert _meta(isolated)[0]["annotations"]["publisher"] == "CEPII gravity dataset"


def test_comtrade_client_extract_with_ref_year_and_renamed_value(
    runner, shared_data, tmp_path
) -> None:
    src = pl.read_csv(
        shared_data
        / "real"
        / "comtrade"
        / "vignette1_USA_imports_from_DEU_FRA_JPN_MEX_TOTAL_2018_2022_annual.csv"
    )
    path = tmp_path / "extract.csv"
    src.drop("period").rename(
        {
            "ref_year": "refYear",
            "ref_month": "refMonth",
            "reporter_iso": "reporterISO",
            "partner_iso": "partnerISO",
            "flow_code": "flowCode",
            "cmd_code": "cmdCode",
            "freq_code": "freqCode",
            "primary_value": "primaryValue_usd",
        }
    ).write_csv(path)
    assert detect(path) == ImportFormat.COMTRADE_CSV
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "2018..2022" in result.stdout
    expected = src.filter((pl.col("partner_iso") == "JPN") & (pl.col("ref_year") == 2022))
    doc = run_json(runner, ["balance", "USA", "JPN", "--from", "2022", "--to", "2022", "--offline"])
    assert doc["figures"]["imports"]["to"] == expected["primary_value"].item()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "year,reporter_iso,partner_iso,trade_value_usd_exp",
            "looks like Open Trade Statistics but lacks columns: expected year, reporter_iso",
        ),
        ("iso_o,iso_d,flow_musd", "looks like CEPII gravity dataset but lacks columns"),
        ("reporterISO,partnerISO,flowCode,refYear,value", "primaryValue or primaryValue_usd"),
    ],
)
def test_near_misses_name_the_columns_expected_and_found(runner, tmp_path, header, expected):
    path = tmp_path / "near.csv"
    path.write_text(header + "\n" + ",".join(["1"] * len(header.split(","))) + "\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert expected in result.stderr and f"found {header.replace(',', ', ')}" in result.stderr


RAGGED = [
    ("more", "2021,156,842,020011,1,4330.609,87.230\n", "7 fields where the header has 6"),
    ("more-nan", "2021,156,842,020011,nan,4330.609,87.230\n", "7 fields where the header has 6"),
    ("more-text", "2021,156,842,020011,1,abc,87.230\n", "7 fields where the header has 6"),
    ("fewer", "2021,156,842,020011,1\n", "5 fields where the header has 6"),
    ("no-value", "2021,156,842,020011\n", "4 fields where the header has 6"),
]


@pytest.mark.parametrize(("line", "fragment"), [r[1:] for r in RAGGED], ids=[r[0] for r in RAGGED])
def test_a_baci_line_with_more_or_fewer_fields_stops_the_import(
    runner, tmp_path, isolated, line, fragment
) -> None:
    # A field too many shifts the values (v=1 read as $1,000 while q was meant): the
    # import must stop, not store a figure that looks right.
    codes = tmp_path / "country_codes_V202501.csv"
    codes.write_text("country_code,country_iso3\n156,CHN\n842,USA\n")
    path = tmp_path / "BACI_HS92_Y2021_V202501.csv"
    path.write_text("t,i,j,k,v,q\n2021,156,842,20012,2.5,1\n2021,842,156,20011,5,\n")
    assert runner.invoke(app, ["import", str(path), "--baci-codes", str(codes)]).exit_code == 0
    before = _entries(isolated)
    path.write_text("t,i,j,k,v,q\n2021,156,842,20012,2.5,1\n" + line + "2021,842,156,20011,5,\n")
    result = runner.invoke(app, ["import", str(path), "--baci-codes", str(codes)])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert f"{path}, line 3: {fragment}" in result.stderr
    assert "Traceback" not in result.stderr and "Schema" not in result.stderr
    assert _entries(isolated) == before


def test_an_empty_or_na_quantity_is_not_a_missing_field(runner, tmp_path, isolated) -> None:
    path = tmp_path / "BACI_HS92_Y2021_V202501.csv"
    path.write_text(
        "t,i,j,k,v,q\n2021,156,842,20012,2.5,\n2021,842,156,20011,5,         NA\n"
        '2021,842,156,20012,1,"1,5"\n'
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert sorted(_stored(isolated).filter(pl.col("product") != "TOTAL")["value"]) == [
        1000.0,
        2500.0,
        5000.0,
    ]


def test_a_duplicated_yearly_row_is_named_by_its_year(runner, tmp_path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(TIDY_HEAD + "PAK,JPN,exports,2020,1\nPAK,JPN,exports,2020,2\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert "lines 2, 3: the same flow appears twice (PAK to JPN, 2020, product" in result.stderr
    assert "2020-01" not in result.stderr


def test_a_duplicated_baci_flow_names_both_lines(runner, tmp_path) -> None:
    path = tmp_path / "BACI_HS92_Y2021_V202501.csv"
    path.write_text("t,i,j,k,v,q\n" + "2021,156,842,20011,1,4\n2021,156,842,20012,5,1\n" * 2)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert f"{path}, lines 2, 4: the same flow appears twice (CHN to USA, 2021, product" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "looks like CEPII BACI but lacks columns: expected t, i, j, k, v, q; found"),
        (["--input-format", "baci"], "expected columns t, i, j, k, v, q (in this order); found"),
    ],
    ids=["detected", "baci"],
)
def test_a_baci_file_without_q_names_the_columns_expected_and_found(
    runner, tmp_path, args, expected
) -> None:
    path = tmp_path / "BACI_HS92_Y2021_V202501.csv"
    path.write_text("t,i,j,k,v\n2021,152,32,20011,1\n")
    result = runner.invoke(app, ["import", str(path), *args])
    assert result.exit_code == ExitCode.USAGE
    assert f"{expected} t, i, j, k, v\n" in result.stderr
