"""`tradecli import` on the real files people download, and on broken ones."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tradecli.cli import app
from tradecli.errors import ExitCode
from tradecli.importer_options import ImportFormat
from tradecli.importers import detect

SHRIMP = Path("real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv")


def _json(runner, args: list[str]) -> dict:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


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
    doc = _json(runner, ["balance", "USA", "JPN", "--from", "2021", "--offline"])
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
    doc = _json(
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
    doc = _json(runner, ["balance", "CHN", "DEU", "--from", "2010", "--offline"])
    assert doc["figures"]["balance"]["to"] == pytest.approx(
        exports["primaryValue"] - imports["primaryValue"]
    )


def test_oec_json_example(runner, shared_data) -> None:
    path = shared_data / "real" / "oec_api_v2_example.json"
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    doc = _json(runner, ["products", "ESP", "MAR", "--from", "2023", "--level", "hs4", "--offline"])
    assert doc["rows"][0]["code"] == "0101" and doc["rows"][0]["to"] == 628207


def test_baci_import(runner, baci_file, fixtures) -> None:
    result = runner.invoke(app, ["import", str(baci_file)])
    assert result.exit_code == 0, result.stderr
    ots = pl.read_csv(fixtures / "real" / "ots_chl_arg_2004_hs6.csv")
    doc = _json(runner, ["products", "CHL", "ARG", "--from", "2004", "--level", "hs2", "--offline"])
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
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    doc = _json(
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
    doc = _json(
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
