"""Files mean what they say: currency, flow, unit, period and name, as a file states them.

Each case is a file as people save or download it (an OEC national-cube answer, a
Comtrade extract trimmed in Excel, a sheet in thousands, fiscal-year labels, a typo'd
year, an edited file imported again). Every figure is either stored as the file means
it, or refused with a message naming the line and the fix; nothing is guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import FIXTURES, run_json
from tradecli.cli import app
from tradecli.errors import ExitCode

PUBLISHED = FIXTURES / "published" / "pak_jpn_monthly.csv"  # State Bank of Pakistan figures
TIDY_HEAD = "reporter,partner,flow,period,value_usd\n"


def _flows(isolated: Path) -> Path:
    return isolated / "tradecli-cache" / "flows"


def _stored(isolated: Path) -> pl.DataFrame:
    parts = sorted(_flows(isolated).glob("*/part-*.parquet"))
    return pl.read_parquet(parts) if parts else pl.DataFrame()


def _entries(isolated: Path) -> list[str]:
    flows = _flows(isolated)
    return sorted(p.name for p in flows.iterdir()) if flows.is_dir() else []


def _refused(result, *fragments: str) -> None:
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ") and "\nHint: " in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def _write_json(path: Path, body: object) -> Path:
    path.write_text(json.dumps(body))
    return path


def _published_months() -> list[dict[str, str]]:
    """The State Bank of Pakistan's monthly Pakistan-Japan figures (tests/fixtures)."""
    import csv

    with PUBLISHED.open(newline="") as f:
        return list(csv.DictReader(f))


# -- 1. an OEC national-cube answer is in the country's currency, not USD --------------

NATIONAL = {
    "data": [
        {
            "Time ID": 202408,
            "Exporter Country ID": "aspak",
            "Importer Country ID": "asjpn",
            "Trade Value": 2500000000,
        },
        {
            "Time ID": 202407,
            "Exporter Country ID": "aspak",
            "Importer Country ID": "asjpn",
            "Trade Value": 2100000000,
        },
    ]
}


def test_an_oec_answer_that_does_not_say_its_currency_is_refused(runner, tmp_path, isolated):
    path = _write_json(tmp_path / "oec_pak_jpn.json", NATIONAL)
    _refused(
        runner.invoke(app, ["import", str(path)]),
        "does not say its currency",
        "national customs cubes",
        "--currency JPY",
    )
    assert _entries(isolated) == []


def test_an_oec_answer_in_yen_is_stored_in_yen(runner, tmp_path, isolated):
    path = _write_json(tmp_path / "oec_pak_jpn.json", NATIONAL)
    result = runner.invoke(app, ["import", str(path), "--currency", "JPY"])
    assert result.exit_code == 0, result.stderr
    assert "values in JPY" in result.stdout and "values in USD" not in result.stdout
    stored = _stored(isolated)
    assert stored["currency"].unique().to_list() == ["JPY"]
    assert sorted(stored["value"].to_list()) == [2.1e9, 2.5e9]


def test_an_oec_answer_naming_its_baci_source_is_in_usd(runner, tmp_path, isolated):
    body = {
        "annotations": {"source_name": "BACI"},
        "data": [
            {
                "Year": 2023,
                "Exporter Country ID": "aspak",
                "Importer Country ID": "asjpn",
                "Trade Value": 15,
            }
        ],
    }
    result = runner.invoke(app, ["import", str(_write_json(tmp_path / "a.json", body))])
    assert result.exit_code == 0, result.stderr
    assert _stored(isolated)["currency"].to_list() == ["USD"]


def test_an_older_oec_answer_naming_its_measure_unit(runner, tmp_path, isolated):
    body = {
        "data": [{"Year": 2022, "Country ID": "asjpn", "Trade Value": 7}],
        "source": [
            {
                "name": "trade_s_jpn_m_hs",
                "measures": [
                    {"name": "Trade Value", "annotations": {"units_of_measurement": "JPY"}}
                ],
            }
        ],
    }
    result = runner.invoke(app, ["import", str(_write_json(tmp_path / "b.json", body))])
    assert result.exit_code == 0, result.stderr
    assert _stored(isolated)["currency"].to_list() == ["JPY"]


def test_the_oec_trade_flow_column_is_honoured(runner, tmp_path, isolated):
    # One country with both flows (a national cube's Trade Flow drilldown): its imports
    # are not its exports, and the two are not "the same flow twice".
    path = tmp_path / "oec_flows.csv"
    path.write_text(
        "Year,Country ID,Country,Trade Flow ID,Trade Flow,Trade Value\n"
        "2022,aspak,Pakistan,2,Exports,100\n"
        "2022,aspak,Pakistan,1,Imports,300\n"
    )
    result = runner.invoke(app, ["import", str(path), "--currency", "USD"])
    assert result.exit_code == 0, result.stderr
    rows = _stored(isolated).select("exporter", "importer", "reporter", "value").rows()
    assert sorted(rows) == [("PAK", "WLD", "PAK", 100.0), ("WLD", "PAK", "PAK", 300.0)]


def test_the_oec_trade_flow_says_who_reported_a_named_pair(runner, tmp_path, isolated):
    body = {
        "data": [
            {
                "Time ID": 202408,
                "Exporter Country ID": "aspak",
                "Importer Country ID": "asjpn",
                "Trade Flow ID": 1,
                "Trade Flow": "Imports",
                "Trade Value": 2500000000,
            }
        ]
    }
    path = _write_json(tmp_path / "jpn_imports.json", body)
    result = runner.invoke(app, ["import", str(path), "--currency", "JPY"])
    assert result.exit_code == 0, result.stderr
    rows = _stored(isolated).select("exporter", "importer", "reporter", "currency").rows()
    assert rows == [("PAK", "JPN", "JPN", "JPY")]


def test_an_unknown_oec_trade_flow_names_its_record(runner, tmp_path):
    body = {
        "data": [
            {"Year": 2022, "Country ID": "aspak", "Trade Flow": "Exports", "Trade Value": 1},
            {"Year": 2022, "Country ID": "aspak", "Trade Flow": "Re-exports", "Trade Value": 1},
        ]
    }
    path = _write_json(tmp_path / "flows.json", body)
    _refused(
        runner.invoke(app, ["import", str(path), "--currency", "USD"]),
        "record 2: trade flow must be Exports (2) or Imports (1)",
    )


# -- 2. an edited file imported again replaces the first import ------------------------


def test_reimporting_an_edited_file_replaces_it_and_says_what_changed(runner, tmp_path, isolated):
    path = tmp_path / "pak_2023.csv"
    path.write_text(TIDY_HEAD + "PAK,IND,exports,2023,300000000\nPAK,JPN,exports,2023,5\n")
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    path.write_text(TIDY_HEAD + "PAK,IDN,exports,2023,300000000\nPAK,JPN,exports,2023,6\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Replaces the previous import: pak_2023.csv, imported " in result.stdout
    assert "2 flows before, 2 now (1 added, 1 removed, 1 changed in value)" in result.stdout
    assert len(_entries(isolated)) == 1
    gone = runner.invoke(app, ["balance", "PAK", "IND", "--from", "2023", "--offline"])
    assert gone.exit_code == ExitCode.NO_DATA, gone.stdout
    doc = run_json(runner, ["balance", "PAK", "IDN", "--from", "2023", "--offline"])
    assert doc["figures"]["exports"]["to"] == 300000000


def test_reimporting_replaces_an_entry_an_earlier_version_keyed_by_content(
    runner, tmp_path, isolated
):
    # Earlier builds keyed an import by name and content: that entry goes too.
    path = tmp_path / "pak.csv"
    path.write_text(TIDY_HEAD + "PAK,IND,exports,2023,1\n")
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    (entry,) = _flows(isolated).iterdir()
    entry.rename(entry.with_name("import-pak-0123456789abcdef.dataset"))
    path.write_text(TIDY_HEAD + "PAK,IDN,exports,2023,1\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Replaces the previous import: pak.csv" in result.stdout
    assert _entries(isolated) == ["import-pak.csv.dataset"]


def test_a_baci_file_imported_again_replaces_it(runner, tmp_path, isolated):
    path = tmp_path / "BACI_HS92_Y2021_V202501.csv"
    path.write_text("t,i,j,k,v,q\n2021,152,32,30613,1.5,\n")
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    path.write_text("t,i,j,k,v,q\n2021,152,32,30613,2.5,\n2021,32,152,30613,1,\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "1 flow before, 2 now" in result.stdout
    assert len(_entries(isolated)) == 1
    assert sorted(_stored(isolated)["value"].to_list()) == [1000.0, 2500.0]


# -- 3. a Comtrade extract trimmed in Excel: refYear + refMonth, no freqCode -----------


def _comtrade_extract(tmp_path: Path, months: list[dict[str, str]], extra: str = "") -> Path:
    lines = ["refYear,refMonth,reporterISO,partnerISO,flowCode,cmdCode,primaryValue" + extra]
    for row in months:
        year, month = row["period"].split("-")
        flow = "X" if row["flow"] == "export" else "M"
        lines.append(f"{year},{int(month)},PAK,JPN,{flow},TOTAL,{row['value_usd']}")
    path = tmp_path / "comtrade_trimmed.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_ref_month_places_rows_in_their_month(runner, tmp_path, isolated):
    months = _published_months()
    result = runner.invoke(app, ["import", str(_comtrade_extract(tmp_path, months))])
    assert result.exit_code == 0, result.stderr
    assert "2019-12..2020-12" in result.stdout
    stored = _stored(isolated)
    assert stored["frequency"].unique().to_list() == ["month"]
    august = {
        (r["flow"], r["period"]): float(r["value_usd"]) for r in months if r["period"] == "2020-11"
    }
    doc = run_json(runner, ["balance", "PAK", "JPN", "--from", "2019-12", "--to", "2020-11"])
    assert doc["figures"]["exports"]["to"] == august[("export", "2020-11")]
    assert doc["figures"]["imports"]["to"] == august[("import", "2020-11")]


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("2020,13,PAK,JPN,X,TOTAL,1", "line 3: refMonth must be 1-12 (a month) or 52"),
        ("2020,0,PAK,JPN,X,TOTAL,1", "line 3: refMonth must be 1-12"),
    ],
)
def test_a_ref_month_that_is_not_a_month_is_refused(runner, tmp_path, row, fragment):
    path = tmp_path / "ct.csv"
    path.write_text(
        "refYear,refMonth,reporterISO,partnerISO,flowCode,cmdCode,primaryValue\n"
        "2020,52,PAK,JPN,M,TOTAL,1\n" + row + "\n"
    )
    _refused(runner.invoke(app, ["import", str(path)]), fragment)


def test_freq_code_and_ref_month_must_agree(runner, tmp_path):
    path = tmp_path / "ct.csv"
    path.write_text(
        "freqCode,refYear,refMonth,reporterISO,partnerISO,flowCode,cmdCode,primaryValue\n"
        "A,2020,8,PAK,JPN,X,TOTAL,1\n"
    )
    _refused(runner.invoke(app, ["import", str(path)]), "line 2: freqCode and refMonth disagree")


def test_a_monthly_row_without_ref_month_is_refused(runner, tmp_path):
    path = tmp_path / "ct.csv"
    path.write_text(
        "freqCode,refYear,reporterISO,partnerISO,flowCode,cmdCode,primaryValue\n"
        "M,2020,PAK,JPN,X,TOTAL,1\n"
    )
    _refused(runner.invoke(app, ["import", str(path)]), "line 2: a monthly row (freqCode M)")


# -- 4. a unit or scale is honoured, or refused; unused columns are named ----------------


@pytest.mark.parametrize(
    ("header", "cells", "factor"),
    [
        ("reporter,partner,flow,period,value,unit", ",thousand US$", 1e3),
        ("reporter,partner,flow,period,value_usd,scale", ",millions", 1e6),
        ("reporter,partner,flow,period,value_usd,unit", ",units", 1.0),
        ("reporter,partner,flow,period,Value (US$ '000)", "", 1e3),
        ("reporter,partner,flow,period,value_usd (thousands)", "", 1e3),
    ],
    ids=["unit-thousand-usd", "scale-millions", "units", "header-usd-000", "header-thousands"],
)
def test_a_unit_or_scale_is_honoured(runner, tmp_path, isolated, header, cells, factor):
    rows = [r for r in _published_months() if r["period"] == "2020-12"]
    path = tmp_path / "sbp.csv"
    path.write_text(
        header
        + "\n"
        + "".join(
            f"PAK,JPN,{r['flow']},{r['period']},{int(r['value_usd']) / 1000:.3f}{cells}\n"
            for r in rows
        )
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "values in USD" in result.stdout
    assert ("Units: " in result.stdout) == (factor != 1.0)  # a scale applied is said
    stored = dict(zip(_stored(isolated)["importer"], _stored(isolated)["value"], strict=True))
    for r in rows:
        side = "JPN" if r["flow"] == "export" else "PAK"
        assert stored[side] == pytest.approx(int(r["value_usd"]) / 1000 * factor)


def test_a_unit_naming_a_currency_states_it(runner, tmp_path, isolated):
    path = tmp_path / "eur.csv"
    path.write_text(
        "reporter,partner,flow,period,value,unit\nESP,MAR,exports,2022,2.5,EUR millions\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert _stored(isolated).select("value", "currency").rows() == [(2.5e6, "EUR")]


@pytest.mark.parametrize(
    ("header", "row", "fragment"),
    [
        (
            "reporter,partner,flow,period,value_usd,unit",
            "PAK,JPN,exports,2020,1,billions",
            "line 3: unit not understood: values must be in units, thousands or millions",
        ),
        (
            "reporter,partner,flow,period,value_usd,unit",
            "PAK,JPN,exports,2020,1,thousand EUR",
            "line 3: a value_usd row not in USD",
        ),
        (
            "reporterISO,partnerISO,flowCode,period,cmdCode,primaryValue,unit",
            "PAK,JPN,X,2020,TOTAL,1,thousand JPY",
            "line 3: a unit not in US dollars",
        ),
    ],
)
def test_a_unit_that_cannot_be_honoured_is_refused(
    runner, tmp_path, isolated, header, row, fragment
):
    ok = {
        "reporter,partner,flow,period,value_usd,unit": "PAK,JPN,imports,2020,1,units",
        "reporterISO,partnerISO,flowCode,period,cmdCode,primaryValue,unit": (
            "PAK,JPN,M,2020,TOTAL,1,units"
        ),
    }[header]
    path = tmp_path / "u.csv"
    path.write_text(f"{header}\n{ok}\n{row}\n")
    _refused(runner.invoke(app, ["import", str(path)]), fragment)
    assert _entries(isolated) == []


def test_an_oec_header_in_thousands_of_dollars(runner, tmp_path, isolated):
    path = tmp_path / "oec.csv"
    path.write_text("Year,Country ID,Country,Trade Value (thousand US$)\n2021,aspak,Pakistan,7\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert _stored(isolated).select("value", "currency").rows() == [(7000.0, "USD")]


def test_every_column_not_used_is_named(runner, fixtures, tmp_path):
    path = tmp_path / "sbp.csv"
    path.write_bytes(PUBLISHED.read_bytes())
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Columns not used: publisher, source_url, published." in result.stdout


# -- 5. fiscal-year labels are not months --------------------------------------------


@pytest.mark.parametrize(
    ("header", "rows"),
    [
        (TIDY_HEAD, "PAK,JPN,exports,2010-11,1\nPAK,JPN,exports,2011-12,2\n"),
        (
            "reporterISO,partnerISO,flowCode,period,cmdCode,primaryValue\n",
            "PAK,JPN,X,2010-11,TOTAL,1\nPAK,JPN,X,2011-12,TOTAL,2\n",
        ),
        (TIDY_HEAD, "PAK,JPN,exports,2019-20,1\n"),
    ],
    ids=["tidy", "comtrade", "not-a-month"],
)
def test_fiscal_year_labels_are_refused(runner, tmp_path, isolated, header, rows):
    path = tmp_path / "fy.csv"
    path.write_text(header + rows)
    _refused(
        runner.invoke(app, ["import", str(path)]),
        "line 2: reads as a fiscal year",
        "as much as a month",
    )
    assert _entries(isolated) == []


def test_months_beside_other_months_are_months(runner, tmp_path, isolated):
    path = tmp_path / "months.csv"
    path.write_text(TIDY_HEAD + "PAK,JPN,exports,2010-10,1\nPAK,JPN,exports,2010-11,2\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "2010-10..2010-11" in result.stdout


# -- 6. an annual figure and the sum of its months disagree: said at import -----------


def _twelve_months(path: Path, total: int) -> Path:
    values = [total // 12] * 11 + [total - 11 * (total // 12)]
    path.write_text(
        TIDY_HEAD + "".join(f"PAK,JPN,exports,2023-{m:02d},{v}\n" for m, v in enumerate(values, 1))
    )
    return path


@pytest.mark.parametrize("order", ["monthly-first", "annual-first"])
def test_annual_and_monthly_figures_that_disagree_are_noted(runner, tmp_path, order):
    monthly = _twelve_months(tmp_path / "monthly.csv", 180)
    annual = tmp_path / "annual.csv"
    annual.write_text(TIDY_HEAD + "PAK,JPN,exports,2023,230\n")
    first, second = (monthly, annual) if order == "monthly-first" else (annual, monthly)
    assert runner.invoke(app, ["import", str(first)]).exit_code == 0
    result = runner.invoke(app, ["import", str(second)])
    assert result.exit_code == 0, result.stderr
    assert (
        "Warning: sources disagree: PAK to JPN, 2023 (reported by PAK): the annual figure "
        "$230 (annual.csv) and the sum of its 12 months $180 (monthly.csv) disagree"
    ) in result.stderr


def test_annual_and_monthly_figures_that_agree_are_not_noted(runner, tmp_path):
    assert (
        runner.invoke(app, ["import", str(_twelve_months(tmp_path / "m.csv", 230))]).exit_code == 0
    )
    annual = tmp_path / "annual.csv"
    annual.write_text(TIDY_HEAD + "PAK,JPN,exports,2023,230\n")
    result = runner.invoke(app, ["import", str(annual)])
    assert result.exit_code == 0 and "disagree" not in result.stderr


# -- 7. a future-dated row is refused, naming its line -------------------------------


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("t.csv", TIDY_HEAD + "PAK,JPN,exports,2024-08,1\nPAK,JPN,exports,2052-08,1\n", "line 3"),
        (
            "ct.json",
            json.dumps(
                {
                    "data": [
                        {
                            "reporterISO": "PAK",
                            "partnerISO": "JPN",
                            "flowCode": "X",
                            "period": "205208",
                            "primaryValue": 1,
                        }
                    ]
                }
            ),
            "record 1",
        ),
        ("oec.csv", "Year,Country ID,Trade Value (US$)\n2052,aspak,1\n", "line 2"),
    ],
    ids=["tidy", "comtrade-json", "oec-csv"],
)
def test_a_future_period_is_refused(runner, tmp_path, isolated, name, text, fragment):
    path = tmp_path / name
    path.write_text(text)
    _refused(runner.invoke(app, ["import", str(path)]), f"{fragment}: the period has not begun yet")
    assert _entries(isolated) == []


# -- 8. a column named twice is refused ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        (
            "t.csv",
            "reporter,partner,flow,period,value_usd,value_usd\nPAK,JPN,exports,2020,1,2\n",
            "columns 5 and 6 are both named 'value_usd'",
        ),
        (
            "t.csv",
            "reporter,partner,flow,period,Value,value,currency\nPAK,JPN,exports,2020,1,2,USD\n",
            "columns 5 and 6 are both named 'Value' / 'value'",
        ),
        (
            "c.json",
            '{"data": [{"reporterISO": "PAK", "partnerISO": "JPN", "flowCode": "X", '
            '"period": "2020", "primaryValue": 1, "primaryValue": 2}]}',
            "the field 'primaryValue' appears twice",
        ),
    ],
    ids=["csv", "csv-case", "json"],
)
def test_a_column_named_twice_is_refused(runner, tmp_path, isolated, name, text, fragment):
    path = tmp_path / name
    path.write_text(text)
    _refused(runner.invoke(app, ["import", str(path)]), fragment)
    assert _entries(isolated) == []


# -- crashes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "records", "fragment"),
    [
        (
            "comtrade.json",
            [
                {
                    "reporterISO": "PAK",
                    "partnerISO": "JPN",
                    "flowCode": "X",
                    "period": "2020",
                    "cmdCode": "TOTAL",
                    "primaryValue": None,
                }
            ],
            "every row was skipped (1 rows with an empty value)",
        ),
        (
            "oec.json",
            [{"Year": 2020, "Country ID": "aspak", "Trade Value": None}],
            "every row was skipped (1 rows with an empty value)",
        ),
        (
            "comtrade_product.json",
            [
                {
                    "reporterISO": "PAK",
                    "partnerISO": "JPN",
                    "flowCode": "X",
                    "period": "2020",
                    "cmdCode": None,
                    "primaryValue": 5,
                }
            ],
            None,
        ),
    ],
    ids=["comtrade-value", "oec-value", "comtrade-null-product"],
)
def test_a_json_field_null_in_every_record_is_no_traceback(
    runner, tmp_path, name, records, fragment
):
    body = {"annotations": {"source_name": "BACI"}, "data": records}
    result = runner.invoke(app, ["import", str(_write_json(tmp_path / name, body))])
    assert (
        "Traceback" not in result.stderr
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )
    if fragment is None:
        assert result.exit_code == 0, result.stderr
    else:
        _refused(result, fragment)


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("t.csv", TIDY_HEAD + "PAK,JPN,exports,0000,1\n", "line 2: a year before 1900"),
        (
            "ct.csv",
            "refYear,refMonth,reporterISO,partnerISO,flowCode,cmdCode,primaryValue\n"
            "0000,52,PAK,JPN,X,TOTAL,1\n",
            "line 2: a year before 1900",
        ),
        ("t2.csv", TIDY_HEAD + "PAK,JPN,exports,0000-08,1\n", "line 2: a year before 1900"),
    ],
)
def test_year_zero_is_refused_not_a_traceback(runner, tmp_path, name, text, fragment):
    path = tmp_path / name
    path.write_text(text)
    _refused(runner.invoke(app, ["import", str(path)]), fragment)


# -- wording: refused (or read) as what they are ------------------------------------


def test_trailing_blank_lines_crlf_and_bom_are_read(runner, tmp_path, isolated):
    rows = [r for r in _published_months() if r["period"] == "2020-11"]
    text = TIDY_HEAD + "".join(
        f"{r['reporter']},{r['partner']},{r['flow']},{r['period']},{r['value_usd']}\n" for r in rows
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (text + "\n,,,,\n\n").replace("\n", "\r\n").encode())
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    doc = run_json(runner, ["balance", "PAK", "JPN", "--from", "2020-11", "--to", "2020-11"])
    expected = {r["flow"]: float(r["value_usd"]) for r in rows}
    assert doc["figures"]["exports"]["to"] == expected["export"]
    assert doc["figures"]["imports"]["to"] == expected["import"]


def test_a_semicolon_file_gets_a_delimiter_hint(runner, tmp_path):
    path = tmp_path / "excel_de.csv"
    path.write_text("reporter;partner;flow;period;value_usd\r\nPAK;JPN;exports;2020;1,5\r\n")
    _refused(
        runner.invoke(app, ["import", str(path)]),
        "separated by semicolons, not commas",
        "CSV UTF-8 (Comma delimited)",
    )


def test_a_decimal_comma_is_named(runner, tmp_path):
    path = tmp_path / "dec.csv"
    path.write_text(TIDY_HEAD + 'PAK,JPN,exports,2020,"1234,5"\n')
    _refused(
        runner.invoke(app, ["import", str(path)]), "line 2: value is not a number (a decimal comma?"
    )


def test_a_latin1_file_gets_an_encoding_hint(runner, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (TIDY_HEAD + "PAK,JPN,exports,2020,1\nCôte d'Ivoire,JPN,exports,2020,1\n").encode("latin-1")
    )
    _refused(
        runner.invoke(app, ["import", str(path)]),
        "line 3: not UTF-8 text (byte 0xF4)",
        "Latin-1",
        "iconv",
    )


def test_a_legacy_comtrade_csv_is_called_so(runner, tmp_path):
    path = tmp_path / "comtrade_legacy.csv"
    path.write_text(
        "Classification,Year,Period,Period Desc.,Aggregate Level,Is Leaf Code,Trade Flow Code,"
        "Trade Flow,Reporter Code,Reporter,Reporter ISO,Partner Code,Partner,Partner ISO,"
        "Commodity Code,Commodity,Trade Value (US$),Flag\n"
        "H4,2015,2015,2015,0,0,2,Export,586,Pakistan,PAK,392,Japan,JPN,TOTAL,All,1,0\n"
    )
    _refused(runner.invoke(app, ["import", str(path)]), "legacy UN Comtrade CSV")


def test_rows_of_a_country_with_itself_are_called_so(runner, tmp_path):
    path = tmp_path / "self.csv"
    path.write_text(TIDY_HEAD + "PAK,PAK,exports,2020,1\n")
    result = runner.invoke(app, ["import", str(path)])
    _refused(result, "rows where a country trades with itself")
    assert "non-country" not in result.stderr


# -- the same causes in the BACI reader -------------------------------------------------


def test_a_future_baci_year_is_refused(runner, tmp_path, isolated):
    path = tmp_path / "BACI_HS92_Y2021_V202501.csv"
    path.write_text("t,i,j,k,v,q\n2021,152,32,30613,1.5,\n2052,152,32,30614,1,\n")
    _refused(
        runner.invoke(app, ["import", str(path), "--input-format", "baci"]),
        "line 3: the year has not begun yet",
    )
    assert _entries(isolated) == []


def test_blank_lines_in_a_baci_file_are_not_rows(runner, tmp_path, isolated):
    path = tmp_path / "BACI_HS92_Y2021_V202501.csv"
    path.write_bytes(b"t,i,j,k,v,q\r\n2021,152,32,30613,1.5,\r\n,,,,,\r\n\r\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert _stored(isolated)["value"].to_list() == [1500.0]


def test_a_month_given_as_a_number_is_never_a_fiscal_label(runner, tmp_path, isolated):
    # refMonth 1 of 2000 and OEC's Month ID 1 with Year 2000 are January 2000, not FY 2000-01.
    ct = tmp_path / "ct.csv"
    ct.write_text(
        "refYear,refMonth,reporterISO,partnerISO,flowCode,cmdCode,primaryValue\n"
        "2000,1,PAK,JPN,X,TOTAL,1\n"
    )
    assert runner.invoke(app, ["import", str(ct)]).exit_code == 0
    oec = tmp_path / "oec.csv"
    oec.write_text("Year,Month ID,Country ID,Trade Value\n2000,1,aspak,1\n")
    result = runner.invoke(app, ["import", str(oec), "--currency", "USD"])
    assert result.exit_code == 0, result.stderr
    assert "2000-01..2000-01" in result.stdout


def test_a_future_year_given_with_year_is_refused(runner, tmp_path, isolated):
    path = tmp_path / "oec_no_time.csv"
    path.write_text("Country ID,Country,Trade Value\naspak,Pakistan,5\n")
    _refused(
        runner.invoke(app, ["import", str(path), "--year", "2052", "--currency", "USD"]),
        "--year 2052 has not begun yet",
    )
    assert _entries(isolated) == []


# -- the real published files, saved as people trim them --------------------------------


def test_the_real_oec_example_without_its_annotations_is_refused(runner, shared_data, tmp_path):
    # The OEC's documented api-v2 answer names its source (BACI, so USD); the same
    # records saved without the annotations no longer say their currency.
    real = json.loads((shared_data / "real" / "oec_api_v2_example.json").read_text())
    assert (
        runner.invoke(
            app, ["import", str(shared_data / "real" / "oec_api_v2_example.json")]
        ).exit_code
        == 0
    )
    trimmed = _write_json(tmp_path / "oec_records.json", {"data": real["data"]})
    _refused(runner.invoke(app, ["import", str(trimmed)]), "does not say its currency")


def test_a_real_comtrade_extract_trimmed_of_freq_code_and_period(
    runner, shared_data, tmp_path, isolated
):
    src = pl.read_csv(
        shared_data
        / "real"
        / "comtrade"
        / "vignette1_USA_imports_from_DEU_FRA_JPN_MEX_TOTAL_2018_2022_annual.csv"
    )
    path = tmp_path / "trimmed.csv"
    src.select(
        refYear="ref_year",
        refMonth="ref_month",  # 52: the whole year
        reporterISO="reporter_iso",
        partnerISO="partner_iso",
        flowCode="flow_code",
        cmdCode="cmd_code",
        primaryValue="primary_value",
    ).write_csv(path)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "2018..2022" in result.stdout
    assert _stored(isolated)["frequency"].unique().to_list() == ["year"]


def test_unnamed_columns_are_dropped_when_empty_and_named_when_not(runner, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text(TIDY_HEAD.strip() + ",,\nPAK,JPN,exports,2020,1,,\n,,,,,,\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Columns not used" not in result.stdout
    path.write_text(TIDY_HEAD.strip() + ",,\nPAK,JPN,exports,2020,1,,note\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Columns not used: column 7." in result.stdout


def test_an_exporter_alone_with_an_imports_flow_is_its_imports_from_the_world(
    runner, tmp_path, isolated
):
    body = {
        "annotations": {"source_name": "BACI"},
        "data": [
            {
                "Year": 2022,
                "Exporter Country ID": "aspak",
                "Trade Flow": "Imports",
                "Trade Value": 3,
            }
        ],
    }
    result = runner.invoke(app, ["import", str(_write_json(tmp_path / "pak.json", body))])
    assert result.exit_code == 0, result.stderr
    rows = _stored(isolated).select("exporter", "importer", "reporter").rows()
    assert rows == [("WLD", "PAK", "PAK")]


def test_quantity_columns_read_are_not_named_unused(runner, tmp_path):
    path = tmp_path / "ct.csv"
    path.write_text(
        "reporterISO,partnerISO,flowCode,period,cmdCode,primaryValue,qty,qtyUnitAbbr,netWgt,"
        "flowDesc\nPAK,JPN,X,2020,030613,5,2,kg,2,Export\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "Columns not used: flowDesc." in result.stdout
