"""`drivers` fetches the flow's products live when the data hold none (issue 18).

Real HTTP over loopback, against the stand-in servers of the other live tests: UN
Comtrade answers Pakistan's report of its trade with Japan by HS chapter (``AG2``,
with breakdown rows beside each total, as ``breakdownMode=plus`` does), the OEC a
BACI-shaped cube drilled down to HS4 with quantities. Every figure checked is computed
here by hand from the rows served, never read back from tradecli.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.comtrade_server import CODES, ComtradeServer, _breakdowns, build_records
from tests.oec_server import Cube, OECServer
from tradecli.cli import app
from tradecli.errors import ExitCode

KEY = "ct-key-drivers-7d41"
SHRIMP = "vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"
DRIVERS = ["drivers", "PAK", "JPN", "--from", "2024-08", "--to", "2025-08", "--level", "hs2"]

# Pakistan's report, by HS chapter and in total: (flow, period, code) -> (USD, kg or None).
SERVED: dict[tuple[str, str, str], tuple[float, float | None]] = {
    ("X", "202408", "TOTAL"): (20_000_000.0, None),
    ("X", "202408", "52"): (8_000_000.0, 2_000_000.0),
    ("X", "202408", "03"): (5_000_000.0, 500_000.0),
    ("X", "202408", "62"): (3_000_000.0, 100_000.0),
    ("X", "202508", "TOTAL"): (23_500_000.0, None),
    ("X", "202508", "52"): (9_900_000.0, 2_200_000.0),
    ("X", "202508", "03"): (4_500_000.0, 450_000.0),
    ("X", "202508", "62"): (4_100_000.0, None),  # no quantity: the change is not split
    ("X", "202508", "94"): (600_000.0, 20_000.0),  # new
    ("M", "202408", "TOTAL"): (60_000_000.0, None),
    ("M", "202408", "87"): (30_000_000.0, 1_000.0),
    ("M", "202508", "TOTAL"): (55_000_000.0, None),
    ("M", "202508", "87"): (27_000_000.0, 900.0),
}


def _record(template: dict[str, Any], flow: str, period: str, code: str, value: Any, qty: Any):
    record = dict(template)
    record.update(
        {
            "freqCode": "M",
            "refYear": int(period[:4]),
            "refMonth": int(period[4:]),
            "refPeriodId": int(period) * 100 + 1,
            "period": period,
            "reporterCode": CODES["PAK"],
            "reporterISO": "PAK",
            "reporterDesc": "Pakistan",
            "partnerCode": CODES["JPN"],
            "partnerISO": "JPN",
            "partnerDesc": "Japan",
            "flowCode": flow,
            "cmdCode": code,
            "aggrLevel": 0 if code == "TOTAL" else 2,
            "primaryValue": value,
            "qty": qty,
            "qtyUnitAbbr": None if qty is None else "kg",
            "netWgt": qty,
        }
    )
    return record


def _serve(server: ComtradeServer, shared: Path, rows: dict | None = None) -> None:
    """Put ``rows`` (default SERVED) in Pakistan's report, each with its breakdown rows."""
    template = build_records(shared)[0]
    for (flow, period, code), (value, qty) in (SERVED if rows is None else rows).items():
        record = _record(template, flow, period, code, value, qty)
        server.records += [record, *_breakdowns(record)]


@pytest.fixture
def comtrade(shared_data: Path, tmp_path: Path, monkeypatch) -> Iterator[ComtradeServer]:
    """Comtrade's data endpoint on loopback, the key set: the default read order asks it."""
    with ComtradeServer(shared_data, key=KEY) as server:
        path = tmp_path / "live.toml"
        path.write_text(
            '[api]\nnetwork = "auto"\ntimeout = 1\nretries = 1\nretry_budget = 1\n'
            f'[comtrade]\nbase_url = "{server.url}"\n'
        )
        monkeypatch.setenv("TRADECLI_CONFIG", str(path))
        monkeypatch.setenv("COMTRADE_KEY", KEY)
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.delenv(var, raising=False)
        yield server


def _lmdi(v0: float, v1: float, q0: float, q1: float) -> tuple[float, float]:
    """Volume and price effects of one product, from the textbook LMDI-I formulas."""
    weight = (v1 - v0) / math.log(v1 / v0)
    return weight * math.log(q1 / q0), weight * math.log((v1 / q1) / (v0 / q0))


def _data_requests(server: ComtradeServer) -> list[str]:
    return [r for r in server.requests if "/C/M/HS" in r]


def test_drivers_fetches_chapters_live_equal_to_hand_oracle(runner, comtrade, shared_data):
    _serve(comtrade, shared_data)
    result = runner.invoke(app, [*DRIVERS, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    # By hand: exports 20.0M -> 23.5M; the four chapters move +1.9M, -0.5M, +1.1M, +0.6M.
    assert doc["total"] == {"from": 20_000_000.0, "to": 23_500_000.0, "change": 3_500_000.0}
    assert doc["growth_pct"] == pytest.approx(17.5, abs=0.005)
    rows = {row["code"]: row for row in doc["rows"]}
    expected = {"52": (8.0e6, 9.9e6, 9.5), "62": (3.0e6, 4.1e6, 5.5), "94": (0.0, 6.0e5, 3.0)}
    expected["03"] = (5.0e6, 4.5e6, -2.5)
    for code, (start, end, points) in expected.items():
        row = rows[code]
        assert row["value_from"] == start and row["value_to"] == end, code
        assert row["change"] == pytest.approx(end - start, abs=0.005), code
        assert row["contribution_pp"] == pytest.approx(points, abs=0.005), code
    # Outside the chapters: 3.5M - 3.1M = 0.4M, 2 pp of the 20M; the rows add up to 17.5 pp.
    other = rows[None]
    assert other["change"] == pytest.approx(400_000.0, abs=0.005)
    assert other["contribution_pp"] == pytest.approx(2.0, abs=0.005)
    assert sum(r["contribution_pp"] for r in doc["rows"]) == pytest.approx(17.5, abs=0.005)
    volume, price = _lmdi(8.0e6, 9.9e6, 2.0e6, 2.2e6)
    assert rows["52"]["volume"] == pytest.approx(volume, abs=0.005)
    assert rows["52"]["price"] == pytest.approx(price, abs=0.005)
    assert rows["52"]["unit"] == "kg"
    assert rows["62"]["volume"] is None and rows["62"]["unsplit"] == pytest.approx(1.1e6)
    # Asked of Pakistan's own report, by chapter and in total, the key never in a URL.
    asked = _data_requests(comtrade)
    assert asked and all("cmdCode=TOTAL%2CAG2" in r and "reporterCode=586" in r for r in asked)
    assert not any(KEY in r for r in comtrade.requests)
    # Thirteen months are asked in two calls (at most twelve periods a call).
    assert len(asked) == 2
    source = doc["provenance"]["sources"][0]
    assert source["id"] == "comtrade:data:M:HS2"
    assert "by HS chapter" in source["title"]
    assert doc["provenance"]["origin"] == "live"


def test_the_product_answer_is_its_own_cache_entry(runner, comtrade, shared_data):
    from tradecli.config import load_config
    from tradecli.sources import open_cache

    _serve(comtrade, shared_data)
    balance = ["balance", "PAK", "JPN", "--from", "2024-08", "--to", "2025-08"]
    assert runner.invoke(app, balance).exit_code == 0
    totals_asked = len(_data_requests(comtrade))
    assert totals_asked and all("cmdCode=TOTAL&" in r for r in _data_requests(comtrade))
    # A fresh totals entry does not answer a question about products: they are fetched.
    first = runner.invoke(app, DRIVERS)
    assert first.exit_code == 0, first.stderr
    asked = len(_data_requests(comtrade))
    assert asked > totals_asked
    # ... once: the product entry answers the next time, and the totals entry is kept.
    again = runner.invoke(app, DRIVERS)
    assert again.exit_code == 0, again.stderr
    # The same figures, now said to come from the cache.
    assert again.stdout.splitlines()[:-1] == first.stdout.splitlines()[:-1]
    assert "from the local cache" in again.stdout.splitlines()[-1]
    assert len(_data_requests(comtrade)) == asked
    cache = open_cache(load_config(env=dict(os.environ)), lambda message: None)
    entries = sorted((e for e in cache.entries() if e.source == "comtrade"), key=lambda e: e.key)
    assert [e.key.endswith("__HS2") for e in entries] == [False, True]
    assert entries[1].reporter == "PAK"
    assert entries[1].annotations["coverage"]["levels"] == ["hs2"]


def test_offline_without_products_is_no_data_with_the_live_sources_named(runner, comtrade):
    result = runner.invoke(app, [*DRIVERS, "--offline"])
    assert result.exit_code == ExitCode.NO_DATA
    assert result.stdout == ""
    assert "no product-level data" in result.stderr
    assert "UN Comtrade" in result.stderr and "OEC API" in result.stderr
    assert "HS chapter" in result.stderr
    assert comtrade.requests == []  # never asked


def test_an_answer_without_chapters_stores_nothing_and_says_so(runner, comtrade, shared_data):
    from tradecli.config import load_config
    from tradecli.sources import open_cache

    _serve(comtrade, shared_data, {k: v for k, v in SERVED.items() if k[2] == "TOTAL"})
    result = runner.invoke(app, [*DRIVERS, "--source", "comtrade"])
    assert result.exit_code == ExitCode.NO_DATA
    assert result.stdout == ""
    assert "holds no PAK-JPN HS chapter flows" in result.stderr
    # Japan's report was asked too (mirror flows) before giving up.
    assert any("reporterCode=392" in r for r in _data_requests(comtrade))
    cache = open_cache(load_config(env=dict(os.environ)), lambda message: None)
    assert [e for e in cache.entries() if e.source == "comtrade"] == []


@pytest.mark.parametrize("named", [False, True])
def test_a_nan_value_is_refused_never_a_partial_answer(runner, comtrade, shared_data, named):
    rows = dict(SERVED)
    rows[("X", "202508", "03")] = (float("nan"), 450_000.0)
    _serve(comtrade, shared_data, rows)
    result = runner.invoke(app, [*DRIVERS, *(["--source", "comtrade"] if named else [])])
    # Named, the source's failure is the answer (4); else the cache and sample are asked,
    # and they hold no products for the pair (3). Never an answer with a chapter missing.
    assert result.exit_code == (ExitCode.SOURCE_UNAVAILABLE if named else ExitCode.NO_DATA)
    assert result.stdout == ""
    assert "not a number" in result.stderr.lower() or "nan" in result.stderr.lower()


@pytest.mark.parametrize("named", [False, True])
def test_a_refused_key_is_auth_required_never_a_partial_answer(
    runner, comtrade, shared_data, monkeypatch, named
):
    _serve(comtrade, shared_data)
    monkeypatch.setenv("COMTRADE_KEY", "a-revoked-key-0000")
    result = runner.invoke(app, [*DRIVERS, *(["--source", "comtrade"] if named else [])])
    assert result.exit_code == (ExitCode.AUTH_REQUIRED if named else ExitCode.NO_DATA)
    assert result.stdout == ""
    assert "refused the request (401)" in result.stderr
    assert "a-revoked-key-0000" not in result.stderr


def test_an_import_holding_the_products_answers_without_the_network(runner, comtrade, shared_data):
    from tests.conftest import run_import

    run_import(runner, shared_data / "real" / "comtrade" / SHRIMP)
    args = ["drivers", "THA", "USA", "--from", "2010", "--to", "2011", "--level", "hs6"]
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert [r for r in comtrade.requests if "/HS" in r] == []
    assert json.loads(result.stdout)["provenance"]["origin"] == "cache"


def test_an_import_of_totals_alone_does_not_stand_for_products(
    runner, comtrade, shared_data, tmp_path
):
    from tests.conftest import run_import

    _serve(comtrade, shared_data)
    totals = tmp_path / "pak_jpn_totals.csv"
    totals.write_text(
        "reporter,partner,flow,period,value_usd\n"
        "PAK,JPN,export,2024-08,20000000\nPAK,JPN,export,2025-08,23500000\n"
    )
    run_import(runner, totals)
    result = runner.invoke(app, DRIVERS)
    assert result.exit_code == 0, result.stderr
    assert _data_requests(comtrade)  # the products were fetched


# -- the OEC: the cube drilled down to its finest HS level, with quantities ---------------

# Thailand's exports to the USA by HS4 (OEC ids: section prefix + code), in a BACI cube:
# (year, OEC HS4 id) -> (USD, tons).
OEC_ROWS = {
    (2010, 10306): (1_000_000.0, 100.0),
    (2010, 41605): (400_000.0, 50.0),
    (2011, 10306): (1_300_000.0, 110.0),
    (2011, 41605): (300_000.0, 40.0),
    (2011, 168471): (250_000.0, 5.0),
}


@pytest.fixture
def oec(shared_data: Path, tmp_path: Path, monkeypatch) -> Iterator[OECServer]:
    with OECServer(shared_data) as server:
        rows = []
        for (year, hs4), (value, tons) in OEC_ROWS.items():
            rows.append(
                {
                    "Year": year,
                    "Exporter Country ID": "astha",
                    "Exporter Country": "Thailand",
                    "Importer Country ID": "nausa",
                    "Importer Country": "United States",
                    "HS4 ID": hs4,
                    "HS4": str(hs4),
                    "Trade Value": value,
                    "Quantity": tons,
                }
            )
        server.cubes["trade_i_baci_a_17"] = Cube(
            name="trade_i_baci_a_17",
            levels=[
                ("Year", ["Year"]),
                ("Exporter", ["Exporter Continent", "Exporter Country"]),
                ("Importer", ["Importer Continent", "Importer Country"]),
                ("HS Product", ["Section", "HS2", "HS4"]),
            ],
            currency="USD",
            rows=rows,
            annotations={"source_name": "BACI (test server)", "dataset_name": "HS 2017"},
        )
        path = tmp_path / "live.toml"
        path.write_text(
            f'[api]\nnetwork = "always"\nbase_url = "{server.url}"\ntimeout = 1\n'
            'retries = 1\nretry_budget = 1\npage_size = 2\nannual_cube = "trade_i_baci_a_17"\n'
            '[sources]\norder = ["oec"]\n'
        )
        monkeypatch.setenv("TRADECLI_CONFIG", str(path))
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.delenv(var, raising=False)
        yield server


def test_oec_products_are_the_cube_drilled_to_hs4_with_quantities(runner, oec):
    result = runner.invoke(
        app, ["drivers", "THA", "USA", "--from", "2010", "--to", "2011", "-f", "json"]
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    # By hand: 1.4M -> 1.85M (no TOTAL row: growth of the products listed).
    assert doc["total"]["from"] == 1_400_000.0 and doc["total"]["to"] == 1_850_000.0
    assert doc["growth_pct"] == pytest.approx(450_000 / 1_400_000 * 100, abs=0.005)
    rows = {row["code"]: row for row in doc["rows"]}
    assert rows["0306"]["contribution_pp"] == pytest.approx(300_000 / 14_000, abs=0.005)
    assert rows["1605"]["contribution_pp"] == pytest.approx(-100_000 / 14_000, abs=0.005)
    assert rows["8471"]["status"] == "new" and rows["8471"]["value_to"] == 250_000.0
    volume, price = _lmdi(1.0e6, 1.3e6, 100.0, 110.0)
    assert rows["0306"]["volume"] == pytest.approx(volume, abs=0.005)
    assert rows["0306"]["price"] == pytest.approx(price, abs=0.005)
    assert rows["0306"]["unit"] == "t"
    # The cube's name states its HS edition (trade_i_baci_a_17: HS 2017): every row says so.
    assert {row["edition"] for row in doc["rows"] if row["code"] in ("0306", "1605")} == {"HS17"}
    data = [r for r in oec.requests if "data.jsonrecords" in r]
    assert data and all("HS4" in r and "Quantity" in r for r in data)
    # Paged two rows at a time: three pages, all read.
    assert len(data) == 3


def test_oec_empty_product_answer_is_no_data(runner, oec):
    oec.cubes["trade_i_baci_a_17"].rows.clear()
    result = runner.invoke(
        app, ["drivers", "THA", "USA", "--from", "2010", "--to", "2011", "--source", "oec"]
    )
    assert result.exit_code == ExitCode.NO_DATA
    assert result.stdout == "" and "answered with no THA-USA rows" in result.stderr


def test_oec_refusing_the_product_query_is_auth_required(runner, oec):
    oec.token = "a-token-this-run-does-not-have"
    result = runner.invoke(
        app, ["drivers", "THA", "USA", "--from", "2010", "--to", "2011", "--source", "oec"]
    )
    assert result.exit_code == ExitCode.AUTH_REQUIRED
    assert result.stdout == "" and "401" in result.stderr
