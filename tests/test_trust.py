"""Every figure means what it says (issue 9, analysis half; issue 12, item 8).

Each test here failed on the code before these rules were written: partial data
shown as total trade, the alphabetically first file winning a disagreement,
all-n/a tables with exit 0, "latest" periods that are not in the data, alert
thresholds in dollars compared with yen.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_import, run_json
from tradecli import analysis, schema
from tradecli.analysis_options import PartnerMeasure, PartnerSort
from tradecli.cli import app
from tradecli.codes import resolve_country
from tradecli.config import Config, load_config
from tradecli.errors import ConfigError, ExitCode
from tradecli.periods import year_window
from tradecli.reports import check_alerts, parse_specs

from .conftest import require_shared_data

SHRIMP = "real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"


def _tidy(path: Path, rows: list[str], header: str = "reporter,partner,flow,period,value_usd"):
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.fixture
def shrimp(runner) -> Path:
    path = require_shared_data() / SHRIMP
    run_import(runner, path)
    return path


def _shrimp_sum(path: Path, year: int, prefix: str) -> float:
    """Thailand's reported exports to the US of the HS6 codes under ``prefix``, from the file."""
    with path.open(newline="", encoding="utf-8") as f:
        return sum(
            float(row["primary_value"])
            for row in csv.DictReader(f)
            if row["reporter_iso"] == "THA"
            and row["partner_iso"] == "USA"
            and row["flow_code"] == "X"
            and row["ref_year"] == str(year)
            and row["cmd_code"].startswith(prefix)
        )


# -- 1. coverage is data: some products are not total trade --------------------------


def test_a_file_of_some_products_is_never_reported_as_total_trade(runner, shrimp) -> None:
    series = runner.invoke(app, ["series", "THA", "USA"])
    # The sample's 2006 total is a total; the imported shrimp years are named, not summed.
    assert series.exit_code == 0 and "1.71B" not in series.stdout
    assert "2007" in series.stdout and "not total trade" in series.stdout
    assert "--product 0306" in series.stdout
    for args in (
        ["balance", "THA", "USA", "--from", "2007", "--to", "2011"],
        ["series", "THA", "USA", "--from", "2007", "--to", "2011"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == ExitCode.NO_DATA, result.stdout
        assert "1.71B" not in result.stdout
        # With the sample's 2006 totals as the floor the error names the periods asked.
        assert "no total-trade figures" in result.stderr or "not total trade" in result.stderr
        assert "030613" in result.stderr and "--product 0306" in result.stderr
    partners = runner.invoke(app, ["partners", "THA"])
    # The ranking is the sample's 2006 totals; the imported shrimp years are named.
    assert partners.exit_code == 0, partners.stderr
    assert "2007..2011" in partners.stdout and "not total trade" in partners.stdout
    assert "030613" in partners.stdout
    later = runner.invoke(app, ["partners", "THA", "--from", "2008"])
    assert later.exit_code == ExitCode.NO_DATA


# -- 2. --product -------------------------------------------------------------------------


def test_product_balance_answers_for_the_products_asked_for(runner, shrimp) -> None:
    doc = run_json(runner, ["balance", "THA", "USA", "--product", "0306", "--from", "2007", "--to",
                         "2011"])  # fmt: skip
    exports = doc["figures"]["exports"]
    assert exports["to"] == pytest.approx(_shrimp_sum(shrimp, 2011, "0306"))
    assert exports["from"] == pytest.approx(_shrimp_sum(shrimp, 2007, "0306"))
    assert doc["products"] == ["0306"]
    assert any("product 0306 only, not total trade" in n for n in doc["notes"])
    assert any("030613, 030623" in n for n in doc["notes"])  # what was summed, by name
    table = runner.invoke(app, ["balance", "THA", "USA", "--product", "0306", "--from", "2011"])
    assert table.exit_code == 0, table.stderr
    assert "product 0306 only" in table.stdout
    assert "exported $726M of product 0306 to United States" in table.stdout
    both = run_json(runner, ["balance", "THA", "USA", "--product", "0306", "--product", "1605",
                          "--from", "2011"])  # fmt: skip
    assert both["figures"]["exports"]["to"] == pytest.approx(
        _shrimp_sum(shrimp, 2011, "0306") + _shrimp_sum(shrimp, 2011, "1605")
    )
    mirrored = run_json(runner, ["balance", "THA", "USA", "--product", "0306", "--from", "2011",
                              "--mirror"])  # fmt: skip
    assert mirrored["mirror"]["flows"]["exports"]["reported"] == pytest.approx(
        _shrimp_sum(shrimp, 2011, "0306")
    )  # the same products on both sides, never total trade
    series = run_json(runner, ["series", "THA", "USA", "--product", "1605"])
    assert series["rows"][-1]["exports"] == pytest.approx(_shrimp_sum(shrimp, 2011, "1605"))
    assert series["products"] == ["1605"]


def test_product_errors_name_what_is_covered(runner, shrimp) -> None:
    absent = runner.invoke(app, ["balance", "THA", "USA", "--product", "0101"])
    assert absent.exit_code == ExitCode.NO_DATA
    assert "0101" in absent.stderr and "030613" in absent.stderr
    overlap = runner.invoke(app, ["balance", "THA", "USA", "--product", "0306", "--product",
                                  "030613"])  # fmt: skip
    assert overlap.exit_code == ExitCode.USAGE and "twice" in overlap.stderr
    bad = runner.invoke(app, ["balance", "THA", "USA", "--product", "shrimp"])
    assert bad.exit_code == ExitCode.USAGE


def test_two_levels_of_the_same_goods_are_never_summed(runner, tmp_path) -> None:
    # Issue 9, defect 1: HS2 and HS4 rows of one chapter gave $300 where the truth is $200.
    rows = ["PAK,CHN,exports,2024,200,03", "PAK,CHN,exports,2024,150,0306",
            "PAK,CHN,exports,2024,50,0302", "PAK,CHN,imports,2024,10,03"]  # fmt: skip
    header = "reporter,partner,flow,period,value_usd,product"
    run_import(runner, _tidy(tmp_path / "levels.csv", rows, header))
    whole = run_json(runner, ["balance", "PAK", "CHN", "--product", "03", "--from", "2024"])
    assert whole["figures"]["exports"]["to"] == 200  # the chapter's own row, not 200 + 200
    part = run_json(runner, ["balance", "PAK", "CHN", "--product", "0306", "--from", "2024"])
    assert part["figures"]["exports"]["to"] == 150
    refused = runner.invoke(app, ["balance", "PAK", "CHN", "--from", "2024"])
    assert refused.exit_code == ExitCode.NO_DATA and "--product 03" in refused.stderr


def test_a_period_with_some_products_only_says_so(runner, tmp_path) -> None:
    header = "reporter,partner,flow,period,value_usd,product"
    rows = ["PAK,CHN,exports,2023,500,TOTAL", "PAK,CHN,imports,2023,900,TOTAL",
            "PAK,CHN,exports,2024,150,0306", "PAK,CHN,imports,2024,10,0302"]  # fmt: skip
    run_import(runner, _tidy(tmp_path / "mixed.csv", rows, header))
    doc = run_json(runner, ["balance", "PAK", "CHN", "--from", "2023", "--to", "2024"])
    assert doc["figures"]["exports"]["to"] is None  # never 150 shown as total trade
    assert any("products 0302, 0306" in n and "--product" in n for n in doc["notes"])
    alone = runner.invoke(app, ["balance", "PAK", "CHN", "--from", "2024", "--to", "2024"])
    assert alone.exit_code == ExitCode.NO_DATA
    assert "0306" in alone.stderr and "--product" in alone.stderr


# -- 3. defaults per pair: imports never break the sample's commands ---------------------


HEADLINE = ("+28%", "-11%", "-$127M")


@pytest.mark.parametrize(
    "rows",
    [
        ["FRA,DEU,exports,2025-09,1000"],
        # Both countries named, in other pairs: the file must not hide the sample's pair.
        ["PAK,FRA,exports,2024-01,1000", "JPN,DEU,exports,2025-09,1000"],
    ],
)
def test_the_headline_survives_any_import(runner, tmp_path, rows) -> None:
    run_import(runner, _tidy(tmp_path / "other.csv", rows))
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08"])
    assert result.exit_code == 0, result.stderr
    for text in HEADLINE:
        assert text in result.stdout


# -- 4. missing data: one rule for every convention ----------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2024-Q3", "--to", "2025-Q3"],
        ["--period", "ttm"],
        ["--period", "ytd"],
        ["--period", "window", "--from", "2025-06", "--to", "2025-08"],
        ["--from", "2025-Q3"],
    ],
)
def test_no_figure_at_all_is_no_data_naming_the_periods_covered(runner, args) -> None:
    result = runner.invoke(app, ["balance", "PAK", "JPN", *args])
    assert result.exit_code == ExitCode.NO_DATA, result.stdout
    assert "2024-08" in result.stderr and "2025-08" in result.stderr
    assert "Q2 2025" not in result.stderr  # "latest" is always a period the data hold


def test_default_periods_land_on_data(runner) -> None:
    doc = run_json(runner, ["balance", "CHL", "ARG"])
    assert doc["query"]["to"] == "2006"
    assert doc["figures"]["exports"]["to"] is not None
    assert doc["figures"]["exports"]["from"] is None and doc["figures"]["exports"]["note"]


# -- 5. same-tier disagreement: the newest import wins, with a note --------------------


def test_the_most_recent_import_wins_a_same_tier_disagreement(runner, tmp_path) -> None:
    rows = ["JPN,PAK,exports,2025-08,5000000", "JPN,PAK,exports,2024-08,4000000"]
    run_import(runner, _tidy(tmp_path / "a.csv", [*rows, "PAK,JPN,exports,2025-08,100"]))
    run_import(runner, _tidy(tmp_path / "b.csv", [*rows, "PAK,JPN,exports,2025-08,70"]))
    doc = run_json(runner, ["balance", "PAK", "JPN", "--from", "2025-08", "--offline"])
    assert doc["figures"]["exports"]["to"] == 70  # b.csv, imported last; not a.csv
    (note,) = [n for n in doc["notes"] if "import:a" in n]
    assert "import:b" in note and "$30" in note and "most recently" in note
    # Re-importing a.csv makes it the newest: it wins now.
    run_import(runner, _tidy(tmp_path / "a.csv", [*rows, "PAK,JPN,exports,2025-08,100"]))
    again = run_json(runner, ["balance", "PAK", "JPN", "--from", "2025-08", "--offline"])
    assert again["figures"]["exports"]["to"] == 100


def test_the_most_recent_import_wins_in_products_too(runner, tmp_path) -> None:
    header = "reporter,partner,flow,period,value_usd,product"
    rows = ["PAK,CHN,exports,2024,40,0302"]
    run_import(runner, _tidy(tmp_path / "a.csv", [*rows, "PAK,CHN,exports,2024,100,0306"], header))
    run_import(runner, _tidy(tmp_path / "b.csv", [*rows, "PAK,CHN,exports,2024,60,0306"], header))
    doc = run_json(runner, ["products", "PAK", "CHN", "--from", "2024", "--level", "hs4"])
    values = {r["code"]: r["to"] for r in doc["rows"]}
    assert values == {"0306": 60, "0302": 40}
    assert any("0306 for 2024" in n and "import:a" in n for n in doc["notes"])


# -- 6. --strict ------------------------------------------------------------------------


def test_strict_leaves_growth_across_sources_empty(runner, tmp_path, monkeypatch) -> None:
    args = ["balance", "CHL", "CHN", "--from", "2002", "--to", "2006"]
    loose = run_json(runner, args)
    assert loose["figures"]["exports"]["growth_pct"] is not None
    strict = run_json(runner, [*args, "--strict"])
    assert strict["figures"]["exports"]["growth_pct"] is None
    assert strict["figures"]["exports"]["from"] == loose["figures"]["exports"]["from"]
    assert any("--strict" in n for n in strict["notes"])
    config = tmp_path / "config.toml"
    config.write_text("[output]\nstrict = true\n")
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    assert run_json(runner, args)["figures"]["exports"]["growth_pct"] is None
    config.write_text('[output]\nstrict = "yes"\n')
    assert runner.invoke(app, args).exit_code == ExitCode.USAGE


def _frame(rows: list[tuple[str, str, str | None, int, float, str]]) -> pl.LazyFrame:
    """(exporter, importer, reporter, year, value, source) rows of total trade."""
    return pl.DataFrame(
        [
            {
                "exporter": e,
                "importer": i,
                "reporter": r,
                "period": dt.date(y, 1, 1),
                "frequency": "year",
                "product": "TOTAL",
                "value": v,
                "currency": "USD",
                "source": s,
            }
            for e, i, r, y, v, s in rows
        ],  # fmt: skip
        schema=schema.FLOWS_SCHEMA,
    ).lazy()


def test_partners_rank_growth_across_sources_after_comparable_growth() -> None:
    rows = [
        ("PAK", "CHN", "PAK", 2023, 100.0, "one"),
        ("PAK", "CHN", "PAK", 2024, 150.0, "one"),  # +50 %, one source
        ("PAK", "IND", "PAK", 2023, 10.0, "one"),
        ("PAK", "IND", "PAK", 2024, 900.0, "two"),  # +8900 %, across two sources
        ("PAK", "WLD", "PAK", 2024, 5000.0, "one"),
    ]
    pak = resolve_country("PAK")
    args = (_frame(rows), pak)
    kwargs = {"start": year_window(2023), "end": year_window(2024),
              "measure": PartnerMeasure.EXPORTS}  # fmt: skip
    ranked = analysis.partners(*args, sort=PartnerSort.GROWTH, **kwargs)  # type: ignore[arg-type]
    assert ranked.rows["partner"].to_list() == ["CHN", "IND"]
    assert ranked.rows["comparable"].to_list() == [True, False]
    assert any("ranked after the comparable ones" in n for n in ranked.notes)
    # 9. Nothing dropped silently: the world total is left out with a note.
    assert any("world total (WLD)" in n for n in ranked.notes)
    strict = analysis.partners(*args, sort=PartnerSort.GROWTH, strict=True, **kwargs)  # type: ignore[arg-type]
    growth = dict(zip(strict.rows["partner"], strict.rows["growth_pct"], strict=True))
    assert growth["IND"] is None and growth["CHN"] == pytest.approx(50.0)


# -- 8. alert thresholds carry a currency ------------------------------------------------


def _report_config(tmp_path: Path, alerts: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[report]]\nname = "pj"\ncommand = "balance"\nreporter = "PAK"\npartner = "JPN"\n'
        f'period = "latest-month-yoy"\nformats = ["json"]\n\n[report.alerts]\n{alerts}\n'
    )
    return load_config(path)


def _jpy_answer():
    """A typed balance answer in yen: Pakistan's deficit with Japan in August 2025."""
    from tradecli.commands import Request, SourceSpec, WindowSpec, answer

    request = Request(
        command="balance",
        reporter="PAK",
        partner="JPN",
        window=WindowSpec(from_="2024-08"),
        source=SourceSpec(offline=True, currency="JPY"),
    )
    found = answer(Config(), request, warn=lambda message: None)
    assert found.currency == "JPY" and found.balance.to is not None and found.balance.to < -1e9
    return found


def test_an_alert_threshold_in_another_currency_is_an_error(tmp_path) -> None:
    (usd,) = parse_specs(_report_config(tmp_path, "deficit_beyond = 1_000_000_000"))
    assert usd.alerts.currency == "USD"  # a bare number means US dollars
    with pytest.raises(ConfigError, match="in USD but the figures are in JPY"):
        check_alerts(usd, _jpy_answer())
    (text,) = parse_specs(_report_config(tmp_path, 'deficit_beyond = "1B USD"'))
    with pytest.raises(ConfigError):
        check_alerts(text, _jpy_answer())
    for alerts in ('deficit_beyond = "1B JPY"', 'deficit_beyond = 1e9\ncurrency = "JPY"'):
        (yen,) = parse_specs(_report_config(tmp_path, alerts))
        (message,) = check_alerts(yen, _jpy_answer())
        assert re.fullmatch(r"PAK-JPN deficit of JPY [\d.]+B in Aug 2025 is beyond JPY 1B", message)
    with pytest.raises(ConfigError, match="name the currency once|JPY but"):
        parse_specs(_report_config(tmp_path, 'deficit_beyond = "1B JPY"\ncurrency = "USD"'))
    with pytest.raises(ConfigError, match="deficit_beyond"):
        parse_specs(_report_config(tmp_path, 'deficit_beyond = "a lot"'))
