"""`drivers` on flows (tradecli.analysis.flow_drivers): which rows reach the attribution."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tradecli.analysis.drivers import Basis, Unsplit
from tradecli.analysis.flow_drivers import drivers
from tradecli.analysis_options import FlowChoice
from tradecli.codes import resolve_country
from tradecli.errors import NoData, UsageError
from tradecli.periods import parse_window
from tradecli.schema import FLOWS_SCHEMA, LATER_COLUMNS, conform

TODAY = dt.date(2026, 12, 4)
PAK, JPN = resolve_country("PAK"), resolve_country("JPN")


def window(text: str):
    return parse_window(text, TODAY, 1)


def flows(*rows: tuple) -> pl.LazyFrame:
    """Rows of (exporter, importer, month 'YYYY-MM', product, value[, currency, source])."""
    out = []
    for exporter, importer, month, product, value, *rest in rows:
        currency, source = (rest + ["USD", "test"][len(rest) :])[:2]
        year, mon = map(int, month.split("-"))
        out.append(
            (exporter, importer, exporter, dt.date(year, mon, 1), "month", product, value,
             currency, source)
        )  # fmt: skip
    columns = [(name, FLOWS_SCHEMA[name]) for name in FLOWS_SCHEMA if name not in LATER_COLUMNS]
    return conform(pl.DataFrame(out, schema=columns, orient="row")).lazy()  # no quantities


def run(frame: pl.LazyFrame, **kw):
    kw.setdefault("start", window("2024-07"))
    kw.setdefault("end", window("2024-08"))
    return drivers(frame, PAK, JPN, **kw)


BASE = (
    ("PAK", "JPN", "2024-07", "030613", 100.0),
    ("PAK", "JPN", "2024-07", "030617", 50.0),
    ("PAK", "JPN", "2024-07", "620342", 30.0),
    ("PAK", "JPN", "2024-08", "030613", 130.0),
    ("PAK", "JPN", "2024-08", "620342", 10.0),
    ("PAK", "JPN", "2024-08", "620343", 40.0),
)


def test_hs6_rows_summed_to_hs4_with_the_listed_products_as_basis():
    got = run(flows(*BASE), level="hs4")
    att = got.attribution
    assert got.data_level == "hs6" and got.level == "hs4"
    assert att.basis is Basis.LISTED and att.basis_label == "2 products in the data; no total"
    rows = {r.code: r for r in att.rows}
    assert rows["0306"].value_from == 150 and rows["0306"].value_to == 130
    assert rows["6203"].value_from == 30 and rows["6203"].value_to == 50
    assert att.growth_pct == 0.0
    assert rows["0306"].unsplit_reason is Unsplit.NO_QUANTITY
    assert got.names["0306"].startswith("Crustaceans")
    assert any("no quantities" in n for n in got.notes)
    assert got.source_ids == ("test",)


def test_the_flow_total_is_used_when_every_period_has_one():
    totals = (
        ("PAK", "JPN", "2024-07", "TOTAL", 1000.0),
        ("PAK", "JPN", "2024-08", "TOTAL", 1100.0),
    )
    got = run(flows(*BASE, *totals), level="hs6", top=2)
    att = got.attribution
    assert att.basis is Basis.TOTAL and (att.total_from, att.total_to) == (1000, 1100)
    assert att.growth_pct == pytest.approx(10.0)
    assert [r.code for r in att.rows] == ["030617", "620343"]  # -50 and +40
    assert att.remainder.outside_change == pytest.approx(100.0)  # 100 - 0 listed
    shown = sum(r.contribution_pp or 0 for r in att.rows)
    assert shown + (att.remainder.contribution_pp or 0) == pytest.approx(10.0, abs=1e-9)
    # a total for one month only is no total for the window
    half = run(flows(*BASE, totals[0]), level="hs6")
    assert half.attribution.basis is Basis.LISTED


def test_product_selection_is_never_the_flows_total():
    totals = (
        ("PAK", "JPN", "2024-07", "TOTAL", 1000.0),
        ("PAK", "JPN", "2024-08", "TOTAL", 1100.0),
    )
    got = run(flows(*BASE, *totals), level="hs6", products=["0306"])
    att = got.attribution
    assert att.basis is Basis.LISTED and att.products == 2
    assert {r.code for r in att.rows} == {"030613", "030617"}
    assert got.selection == "product 0306"
    assert got.notes[0].startswith("figures are for product 0306 only")


def test_exports_and_imports_are_different_flows():
    frame = flows(
        *BASE, ("JPN", "PAK", "2024-07", "870321", 5.0), ("JPN", "PAK", "2024-08", "870321", 9.0)
    )
    got = run(frame, flow=FlowChoice.IMPORTS, level="hs6")
    assert [r.code for r in got.attribution.rows] == ["870321"]
    assert got.attribution.growth_pct == pytest.approx(80.0)


def test_no_products_is_no_data_with_a_way_to_get_them():
    totals_only = flows(("PAK", "JPN", "2024-07", "TOTAL", 1.0))
    with pytest.raises(NoData, match="no product-level data for Pakistan") as raised:
        run(totals_only)
    assert "tradecli import" in (raised.value.hint or "")


def test_a_missing_month_is_refused_not_read_as_new_products():
    frame = flows(*BASE)
    with pytest.raises(NoData, match="2024-06") as raised:
        run(frame, start=window("2024-06"), end=window("2024-08"))
    assert "new or gone" in (raised.value.hint or "")
    with pytest.raises(NoData, match=r"Q2 2024 \(missing 2024-04, 2024-05, 2024-06\) and Q3"):
        drivers(frame, PAK, JPN, start=window("2024-Q2"), end=window("2024-Q3"))


def test_refusals():
    with pytest.raises(UsageError, match="go down to HS4 only"):
        run(flows(("PAK", "JPN", "2024-07", "0306", 1.0), ("PAK", "JPN", "2024-08", "0306", 2.0)),
            level="hs6")  # fmt: skip
    with pytest.raises(UsageError, match="several currencies"):
        run(flows(*BASE, ("PAK", "JPN", "2024-08", "TOTAL", 9.0, "EUR")))
    with pytest.raises(UsageError, match="unknown product level"):
        run(flows(*BASE), level="hs8")
    with pytest.raises(UsageError, match="--top"):
        run(flows(*BASE), top=0)


def test_real_comtrade_extract_through_the_importer(shared_data):
    from tradecli.importers import read

    path = shared_data / "real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"
    frame = read(path).frame.lazy()
    got = drivers(
        frame,
        resolve_country("THA"),
        resolve_country("USA"),
        level="hs6",
        start=window("2010"),
        end=window("2011"),
    )
    att = got.attribution
    assert (att.total_from, att.total_to) == (1_536_226_871, 1_708_421_994)
    assert att.growth_pct == pytest.approx(11.2090, abs=5e-5)
    assert att.rows[0].code == "160520"
    assert att.rows[0].contribution_pp == pytest.approx(13.6552, abs=5e-5)
