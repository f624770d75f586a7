"""Quantities kept as data: from UN Comtrade (file and live) and BACI, through the cache,
into `drivers` (price and volume); never summed across units, never an invented 0."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_import, run_json
from tests.test_drivers_math import CENT, POINT, SHRIMP, oracle
from tradecli import api, schema
from tradecli.analysis.drivers import Unsplit
from tradecli.analysis.flow_drivers import drivers
from tradecli.cache import META_KEY, Cache
from tradecli.codes import resolve_country
from tradecli.comtrade import CountryCodes, parse_records
from tradecli.periods import Frequency, Period, parse_window


def _cached(isolated: Path) -> pl.DataFrame:
    """Every flow the cache holds, read as the commands read it."""
    cache = Cache(isolated / "tradecli-cache")
    return cache.scan(cache.entries()).collect()


def _file_rows(path: Path) -> dict[tuple[str, str, str, int, str], dict[str, str]]:
    """The extract's export and import rows by (exporter, importer, product, year, flow),
    read with the csv module: an independent reading of qty, its unit and netWgt."""
    out = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["flow_code"] not in ("X", "M"):
                continue
            reporter, partner = row["reporter_iso"], row["partner_iso"]
            exporter, importer = (
                (reporter, partner) if row["flow_code"] == "X" else (partner, reporter)
            )
            out[(exporter, importer, row["cmd_code"], int(row["ref_year"]), reporter)] = row
    return out


def test_comtrade_extract_keeps_qty_and_its_unit_through_the_cache(runner, isolated, shared_data):
    run_import(runner, shared_data / SHRIMP)
    got = _cached(isolated)
    assert dict(got.schema) == dict(schema.FLOWS_SCHEMA)
    rows = _file_rows(shared_data / SHRIMP)
    checked = not_reported = 0
    for flow in got.iter_rows(named=True):
        key = (flow["exporter"], flow["importer"], flow["product"], flow["period"].year)
        row = rows[(*key, flow["reporter"])]
        assert flow["value"] == float(row["primary_value"])
        qty = float(row["qty"])
        if qty == 0 and flow["value"] > 0:  # "not reported", not zero goods
            assert flow["quantity"] is None and flow["quantity_unit"] is None, key
            not_reported += 1
        else:
            assert flow["quantity"] == qty, key
            assert flow["quantity_unit"] == row["qty_unit_abbr"] == "kg", key
        checked += 1
    assert checked == got.height > 1400
    assert not_reported == 2  # GRC 2008 and DMA 2010: 3 and 1 USD "for 0 kg"


def test_a_zero_quantity_with_a_value_is_null_never_zero(runner, isolated, shared_data):
    run_import(runner, shared_data / SHRIMP)
    got = _cached(isolated).filter(
        (pl.col("exporter") == "THA") & pl.col("importer").is_in(["GRC", "DMA"])
    )
    zero = got.filter(pl.col("quantity") == 0)
    assert zero.is_empty()
    grc = got.filter(
        (pl.col("importer") == "GRC")
        & (pl.col("product") == "030613")
        & (pl.col("period") == dt.date(2008, 1, 1))
    ).row(0, named=True)
    assert grc["value"] == 3.0 and grc["quantity"] is None and grc["quantity_unit"] is None


def test_drivers_on_the_imported_extract_splits_price_and_volume_as_the_oracle(
    runner, isolated, shared_data
):
    run_import(runner, shared_data / SHRIMP)
    answer = api.drivers("THA", "USA", start=2010, end=2011, level="hs6")
    found = answer.result.attribution
    expected = {w["code"]: w for w in oracle(shared_data, "USA", 2010, 2011)}
    assert {r.code for r in found.rows} == set(expected)
    shown = {r.code: r for r in answer.rows}  # what every output format prints
    for row in found.rows:
        want = expected[row.code]
        assert row.split is not None, (row.code, row.unsplit_reason)
        assert shown[row.code].unit == "kg" and shown[row.code].volume == row.split.volume
        assert row.split.unit == "kg"
        assert abs(row.split.volume - want["volume"]) < CENT
        assert abs(row.split.price - want["price"]) < CENT
        assert abs(row.split.volume + row.split.price - row.change) < CENT
        assert row.contribution_pp is not None
        assert abs(row.contribution_pp - want["contribution_pp"]) < POINT
    # By hand (tests/test_drivers_math.py): volume -139,977,880.45, price +312,173,003.45.
    assert found.effects.volume == pytest.approx(-139_977_880.45, abs=CENT)
    assert found.effects.price == pytest.approx(312_173_003.45, abs=CENT)
    assert found.effects.unsplit == 0


def test_a_real_zero_quantity_stays_unsplit_in_drivers(runner, isolated, shared_data):
    run_import(runner, shared_data / SHRIMP)
    found = api.drivers("THA", "GRC", start=2007, end=2008, level="hs6").result.attribution
    frozen = next(r for r in found.rows if r.code == "030613")
    assert frozen.split is None and frozen.unsplit_reason is Unsplit.NO_QUANTITY
    others = [r for r in found.rows if r.code != "030613" and r.value_from and r.value_to]
    assert others and all(r.split is not None for r in others)


# -- never across units ---------------------------------------------------------------


def _frame(rows: list[tuple[str, float, float | None, str | None]]) -> pl.DataFrame:
    """(product, value, quantity, unit) rows of THA's exports to USA in 2024-07."""
    return schema.conform(
        pl.DataFrame(
            {
                "exporter": ["THA"] * len(rows),
                "importer": ["USA"] * len(rows),
                "reporter": ["THA"] * len(rows),
                "period": [dt.date(2024, 7, 1)] * len(rows),
                "frequency": ["month"] * len(rows),
                "product": [r[0] for r in rows],
                "value": [r[1] for r in rows],
                "currency": ["USD"] * len(rows),
                "source": ["test"] * len(rows),
                "quantity": [r[2] for r in rows],
                "quantity_unit": [r[3] for r in rows],
            },
            schema_overrides=schema.FLOWS_SCHEMA,
        )
    )


@pytest.mark.parametrize(
    ("rows", "quantity", "unit"),
    [
        ([(1.0, "kg"), (2.0, "kg")], 3.0, "kg"),
        ([(1.0, "kg"), (2.0, "l")], None, None),  # two units: never 1 + 2
        ([(1.0, "kg"), (None, None)], None, None),  # a row without: never a smaller sum
        ([(1.0, "kg"), (2.0, None)], None, None),  # a quantity without a unit
        ([(None, None), (None, None)], None, None),
    ],
)
def test_sum_quantity_only_within_one_unit_and_complete(rows, quantity, unit):
    frame = pl.DataFrame(
        {"q": [r[0] for r in rows], "u": [r[1] for r in rows]},
        schema={"q": pl.Float64, "u": pl.String},
    )
    got = frame.select(schema.sum_quantity("q", "u")).row(0)
    assert got == (quantity, unit)


def test_drivers_never_adds_two_units_when_summing_to_a_coarser_level():
    # 030613 in kg and 030623 in units (u): HS4 0306 has no one unit, so no split;
    # 1605's two codes share kg and are split.
    before = _frame(
        [
            ("030613", 100.0, 10.0, "kg"),
            ("030623", 50.0, 5.0, "u"),
            ("160520", 80.0, 8.0, "kg"),
            ("160540", 20.0, 2.0, "kg"),
        ]
    )
    after = _frame(
        [
            ("030613", 120.0, 11.0, "kg"),
            ("030623", 60.0, 6.0, "u"),
            ("160520", 90.0, 8.0, "kg"),
            ("160540", 30.0, 3.0, "kg"),
        ]
    ).with_columns(period=pl.lit(dt.date(2024, 8, 1)))
    today = dt.date(2026, 12, 4)
    found = drivers(
        pl.concat([before, after]).lazy(),
        resolve_country("THA"),
        resolve_country("USA"),
        level="hs4",
        start=parse_window("2024-07", today, 1),
        end=parse_window("2024-08", today, 1),
    )
    rows = {r.code: r for r in found.attribution.rows}
    assert rows["0306"].split is None and rows["0306"].unsplit_reason is Unsplit.MIXED
    split = rows["1605"].split
    assert split is not None and split.unit == "kg"
    assert (split.quantity_from, split.quantity_to) == (10.0, 11.0)
    assert math.isclose(split.volume + split.price, 120.0 - 100.0)


# -- caches written before quantities were kept --------------------------------------


def test_a_cache_entry_written_without_quantity_columns_still_reads(tmp_path):
    warnings: list[str] = []
    cache = Cache(tmp_path / "cache", warn=warnings.append)
    new = _frame([("030613", 100.0, 10.0, "kg")])
    old = _frame([("030613", 7.0, None, None)]).with_columns(period=pl.lit(dt.date(2024, 6, 1)))
    common = {
        "reporter": "THA",
        "partner": "USA",
        "source": "comtrade",
        "dataset": "",
        "end": Period(2024, 7),
        "url": "https://example.invalid/q",
        "currency": "USD",
        "annotations": {},
    }
    cache.put("new", new, start=Period(2024, 7), **common)  # type: ignore[arg-type]
    path = cache.put("old", old, start=Period(2024, 6), **common)  # type: ignore[arg-type]
    # Rewrite "old" as an earlier tradecli wrote it: nine columns, same metadata.
    meta = pl.read_parquet_metadata(path)[META_KEY]
    nine = [n for n in schema.FLOWS_SCHEMA.names() if n not in schema.QUANTITY_COLUMNS]
    pl.read_parquet(path).select(nine).write_parquet(path, metadata={META_KEY: meta})
    assert pl.read_parquet_schema(path).keys() == set(nine)
    got = cache.scan(cache.entries()).collect().sort("period")
    assert warnings == []
    assert dict(got.schema) == dict(schema.FLOWS_SCHEMA)
    assert got["value"].to_list() == [7.0, 100.0]  # the old entry is read, not ignored
    assert got["quantity"].to_list() == [None, 10.0]  # null, never 0
    assert got["quantity_unit"].to_list() == [None, "kg"]
    assert json.loads(meta)["key"] == "old"


# -- the live source and BACI ---------------------------------------------------------


def _record(cmd: str, value: float | None, **quantities: object) -> dict[str, object]:
    return {
        "freqCode": "A",
        "period": "2011",
        "reporterCode": 764,
        "flowCode": "X",
        "partnerCode": 842,
        "partner2Code": 0,
        "customsCode": "C00",
        "motCode": 0,
        "cmdCode": cmd,
        "primaryValue": value,
        **quantities,
    }


def test_live_comtrade_records_keep_qty_else_net_weight_never_a_mix():
    codes = CountryCodes(reporters={764: "THA"}, partners={842: "USA"}, from_lists=True)
    records = [
        _record("TOTAL", 900.0, qty=0, qtyUnitAbbr="N/A", netWgt=None),
        _record("030613", 100.0, qty=12.5, qtyUnitAbbr="kg", netWgt=12.0),
        _record("030623", 50.0, qty=40, qtyUnitAbbr="u", netWgt=7.5),  # u kept, not kg
        _record("160520", 80.0, qty=0, qtyUnitAbbr="kg", netWgt=9.0),  # qty not reported
        _record("160540", 20.0, qty=3.0, qtyUnitAbbr="N/A", netWgt=None),  # no unit
        _record("160510", 10.0, qty=0, qtyUnitAbbr="kg", netWgt=0),  # nothing reported
        _record("160590", 5.0),  # no quantity fields at all
    ]
    products = ["TOTAL", "030613", "030623", "160520", "160540", "160510", "160590"]
    frame = parse_records(records, codes, Frequency.YEAR, products, "comtrade:data:A")
    schema.validate(frame)
    got = {r["product"]: (r["quantity"], r["quantity_unit"]) for r in frame.iter_rows(named=True)}
    assert got == {
        "TOTAL": (None, None),
        "030613": (12.5, "kg"),
        "030623": (40.0, "u"),
        "160520": (9.0, "kg"),
        "160540": (None, None),
        "160510": (None, None),
        "160590": (None, None),
    }


def test_baci_keeps_q_in_metric_tons(runner, isolated, tmp_path):
    path = tmp_path / "BACI_HS92_Y2004_V202401.csv"
    path.write_text(
        "t,i,j,k,v,q\n"
        "2004,152,32,30613,100.5,  12.250\n"  # CHL -> ARG, spaces as BACI writes them
        "2004,152,32,160520,20.0,NA\n"  # no quantity: null
        "2004,152,32,160540,3.0,\n"
        "2004,32,152,30613,7.0,0.5\n",
        encoding="utf-8",
    )
    run_import(runner, path)
    got = {
        (r["exporter"], r["product"]): (r["value"], r["quantity"], r["quantity_unit"])
        for r in _cached(isolated).iter_rows(named=True)
    }
    assert got[("CHL", "030613")] == (100_500.0, 12.25, "t")
    assert got[("CHL", "160520")] == (20_000.0, None, None)
    assert got[("CHL", "160540")] == (3_000.0, None, None)
    assert got[("ARG", "030613")] == (7_000.0, 0.5, "t")
    totals = [v for (_, product), v in got.items() if product == schema.TOTAL]
    assert all(q is None and u is None for _, q, u in totals)


# -- unit values in `products` ------------------------------------------------------


def test_products_show_unit_values_from_the_files_quantities(runner, isolated, shared_data):
    run_import(runner, shared_data / SHRIMP)
    rows = _file_rows(shared_data / SHRIMP)
    for level, digits in (("hs6", 6), ("hs4", 4)):
        doc = run_json(
            runner,
            ["products", "THA", "USA", "--from", "2010", "--to", "2011", "--level", level],
        )
        assert doc["rows"], level
        for row in doc["rows"]:
            for year, key in ((2010, "unit_value_from"), (2011, "unit_value_to")):
                picked = [
                    r
                    for (e, i, code, y, _), r in rows.items()
                    if (e, i, y) == ("THA", "USA", year) and code[:digits] == row["code"]
                ]
                value = math.fsum(float(r["primary_value"]) for r in picked)
                kg = math.fsum(float(r["qty"]) for r in picked)
                assert row["unit"] == "kg"
                assert row[key] == pytest.approx(value / kg, rel=1e-12), (level, row["code"])


def test_products_give_no_unit_value_across_two_units():
    from tradecli.analysis.products import products

    before = _frame([("030613", 100.0, 10.0, "kg"), ("030623", 50.0, 5.0, "u")])
    after = _frame([("030613", 120.0, 12.0, "kg"), ("030623", 60.0, 6.0, "u")]).with_columns(
        period=pl.lit(dt.date(2024, 8, 1))
    )
    today = dt.date(2026, 12, 4)
    tha, usa = resolve_country("THA"), resolve_country("USA")
    windows = {"start": parse_window("2024-07", today, 1), "end": parse_window("2024-08", today, 1)}
    flows = pl.concat([before, after]).lazy()
    hs4 = products(flows, tha, usa, level="hs4", **windows).rows
    assert hs4.select("unit", "unit_value_from", "unit_value_to").row(0) == (None, None, None)
    hs6 = products(flows, tha, usa, level="hs6", **windows).rows.sort("code")
    assert hs6.select("code", "unit", "unit_value_from", "unit_value_to").rows() == [
        ("030613", "kg", 10.0, 10.0),
        ("030623", "u", 10.0, 10.0),
    ]
