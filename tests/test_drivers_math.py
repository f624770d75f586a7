"""The attribution math of `drivers` (tradecli.analysis.drivers), against an oracle.

The oracle is real data: UN Comtrade's Thailand shrimp extract (four HS6 codes, every
partner, 2007-2011, values in USD with quantities in kg; ../shared/data, GPL-3, so read
there, never copied). Contributions and LMDI effects are computed from it in DuckDB SQL,
written from docs/METHODS.md without the module, and compared to the cent and to 0.01
pp; a few of those numbers, worked out by hand, are written below so that the
comparison cannot pass on an empty result. Hypothesis then checks the identities
(contributions + remainder = growth, volume + price = change, split + unsplit = change)
on random flows, and a table pins each edge case.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecli.analysis.drivers import (
    Attribution,
    Basis,
    ProductValue,
    Status,
    Unsplit,
    attribute,
    log_mean,
)
from tradecli.errors import NoData, UsageError

SHRIMP = Path("real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv")
CENT = 0.01
POINT = 0.01  # pp


def close(a: float, b: float, scale: float = 1.0) -> bool:
    """Equal to 1e-9 of the size of the figures involved (floating point, not method)."""
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b), scale)


# ---------------------------------------------------------------------------
# Oracle: the real Comtrade extract, read with the csv module, computed in SQL.


def shrimp_rows(folder: Path, partner: str, year: int, flow: str = "X") -> list[ProductValue]:
    """The module's input for one flow and year, straight from the file's columns."""
    out = []
    with (folder / SHRIMP).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (
                row["reporter_iso"] == "THA"
                and row["partner_iso"] == partner
                and row["flow_code"] == flow
                and int(row["ref_year"]) == year
            ):
                out.append(
                    ProductValue(
                        code=row["cmd_code"],
                        value=float(row["primary_value"]),
                        currency="USD",
                        quantity=float(row["qty"]) if row["qty"] else None,
                        unit=row["qty_unit_abbr"] or None,
                        source="comtrade",
                    )
                )
    return out


# docs/METHODS.md in SQL. No total in the extract (its partners are countries, never the
# world), so V0 and V1 are the sums of the listed products. L(a, b) is written as
# (a - b) / (ln a - ln b) here (the module uses log1p): two routes to one number.
ORACLE_SQL = """
with f as (
    select ref_year as y, cmd_code as code, primary_value as v,
           nullif(qty, 0) as q,  -- 0 with a positive value: not reported
           qty_unit_abbr as u
    from read_csv($path, types = {'cmd_code': 'VARCHAR'})
    where reporter_iso = 'THA' and partner_iso = $partner and flow_code = $flow
),
p0 as (select * from f where y = $y0),
p1 as (select * from f where y = $y1),
j as (
    select coalesce(p0.code, p1.code) as code,
           coalesce(p0.v, 0) as v0, coalesce(p1.v, 0) as v1,
           p0.q as q0, p1.q as q1, p0.u as u0, p1.u as u1
    from p0 full outer join p1 on p0.code = p1.code
),
t as (select sum(v0) as big_v0, sum(v1) as big_v1 from j),
l as (
    select j.*, t.big_v0, t.big_v1,
           case when v0 > 0 and v1 > 0 and q0 > 0 and q1 > 0 and u0 = u1 then
               case when v0 = v1 then v0 else (v1 - v0) / (ln(v1) - ln(v0)) end
           end as lw
    from j, t
)
select code, v0, v1, v1 - v0 as change,
       (v1 - v0) / big_v0 * 100 as contribution_pp,
       (big_v1 - big_v0) / big_v0 * 100 as growth_pct,
       lw * ln(q1 / q0) as volume,
       lw * ln((v1 / q1) / (v0 / q0)) as price
from l order by code
"""


def oracle(folder: Path, partner: str, y0: int, y1: int, flow: str = "X") -> list[dict]:
    duckdb = pytest.importorskip("duckdb", reason="the SQL oracle needs duckdb (bench extra)")
    params = {"path": str(folder / SHRIMP), "partner": partner, "flow": flow, "y0": y0, "y1": y1}
    result = duckdb.sql(ORACLE_SQL, params=params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def run(folder: Path, partner: str, y0: int, y1: int, top: int = 10) -> Attribution:
    return attribute(
        shrimp_rows(folder, partner, y0), shrimp_rows(folder, partner, y1), None, None, top
    )


@pytest.mark.parametrize(
    ("partner", "y0", "y1"),
    [
        ("USA", 2010, 2011),  # four products in both years, all split
        ("JPN", 2010, 2011),
        ("GBR", 2010, 2011),  # 160540 is new in 2011
        ("ESP", 2010, 2011),  # 160540 is gone in 2011
        ("GRC", 2007, 2008),  # 030613 in 2008: 3 USD with a quantity of 0 (not reported)
        ("GRC", 2008, 2009),  # ... and 030613 gone in 2009
    ],
)
def test_matches_the_sql_oracle_on_real_comtrade_data(shared_data, partner, y0, y1):
    expected = oracle(shared_data, partner, y0, y1)
    got = run(shared_data, partner, y0, y1)
    assert len(expected) == got.products == len(got.rows) >= 3
    assert got.basis is Basis.LISTED
    assert got.basis_label == f"{got.products} products in the data; no total"
    assert got.growth_pct is not None
    assert abs(got.growth_pct - expected[0]["growth_pct"]) < POINT
    by_code = {r.code: r for r in got.rows}
    for want in expected:
        row = by_code[want["code"]]
        assert abs(row.value_from - want["v0"]) < CENT
        assert abs(row.value_to - want["v1"]) < CENT
        assert abs(row.change - want["change"]) < CENT
        assert row.contribution_pp is not None
        assert abs(row.contribution_pp - want["contribution_pp"]) < POINT
        if want["volume"] is None:
            assert row.split is None and row.unsplit_reason is not None
            assert row.unsplit_change == row.change
        else:
            assert row.split is not None, row.unsplit_reason
            assert abs(row.split.volume - want["volume"]) < CENT
            assert abs(row.split.price - want["price"]) < CENT
    split = [w for w in expected if w["volume"] is not None]
    assert abs(got.effects.volume - math.fsum(w["volume"] for w in split)) < CENT
    assert abs(got.effects.price - math.fsum(w["price"] for w in split)) < CENT
    assert abs(got.remainder.contribution_pp or 0.0) < 1e-9  # every product shown


def test_oracle_figures_worked_by_hand(shared_data):
    """Thailand's shrimp exports to the USA, 2010 -> 2011 (Comtrade, USD, kg).

    By hand from the file's rows: V0 = 1,536,226,871, V1 = 1,708,421,994, so growth is
    172,195,123 / 1,536,226,871 = +11.2090 %. Prepared shrimp (160520) went from
    772,260,199 USD for 94,787,832 kg to 982,035,612 USD for 97,510,667 kg: +13.6552 pp,
    L = 209,775,413 / ln(982,035,612 / 772,260,199) = 872,951,084.94, volume
    L * ln(97,510,667 / 94,787,832) = +24,722,612.46 and unit value 8.1473 -> 10.0711
    USD/kg, price +185,052,800.54. Frozen shrimp (030613) fell by 73,168,362 USD
    (-4.7629 pp) although its unit value rose (7.4195 -> 8.8658 USD/kg): volume
    -200,351,712.75, price +127,183,350.75. Across the four codes the volume effect is
    -139,977,880.45 and the price effect +312,173,003.45: the value grew on unit values
    while tonnage fell.
    """
    expected = {r["code"]: r for r in oracle(shared_data, "USA", 2010, 2011)}
    got = run(shared_data, "USA", 2010, 2011)
    rows = {r.code: r for r in got.rows}
    assert got.total_from == 1_536_226_871 and got.total_to == 1_708_421_994
    assert got.growth_pct == pytest.approx(11.2090, abs=5e-5)
    prepared, frozen = rows["160520"], rows["030613"]
    assert prepared.contribution_pp == pytest.approx(13.6552, abs=5e-5)
    assert prepared.split is not None and frozen.split is not None
    assert prepared.split.unit == "kg"
    assert prepared.split.volume == pytest.approx(24_722_612.46, abs=CENT)
    assert prepared.split.price == pytest.approx(185_052_800.54, abs=CENT)
    assert prepared.split.unit_value_from == pytest.approx(8.1473, abs=5e-5)
    assert prepared.split.unit_value_to == pytest.approx(10.0711, abs=5e-5)
    assert frozen.contribution_pp == pytest.approx(-4.7629, abs=5e-5)
    assert frozen.split.volume == pytest.approx(-200_351_712.75, abs=CENT)
    assert frozen.split.price == pytest.approx(127_183_350.75, abs=CENT)
    assert frozen.split.unit_value_from == pytest.approx(7.4195, abs=5e-5)
    assert frozen.split.unit_value_to == pytest.approx(8.8658, abs=5e-5)
    assert got.effects.volume == pytest.approx(-139_977_880.45, abs=CENT)
    assert got.effects.price == pytest.approx(312_173_003.45, abs=CENT)
    assert got.effects.unsplit == 0
    # The SQL oracle agrees with the hand figures (so it is not vacuous either).
    assert expected["160520"]["volume"] == pytest.approx(24_722_612.46, abs=CENT)
    assert expected["030613"]["contribution_pp"] == pytest.approx(-4.7629, abs=5e-5)


def test_top_cut_on_real_data_leaves_an_exact_remainder(shared_data):
    expected = oracle(shared_data, "USA", 2010, 2011)
    got = run(shared_data, "USA", 2010, 2011, top=2)
    assert [r.code for r in got.rows] == ["160520", "030613"]  # the two largest changes
    cut = [w for w in expected if w["code"] not in ("160520", "030613")]
    rest = got.remainder
    assert rest.products_cut == 2 and rest.label == "2 other products in the data"
    assert rest.outside_change is None
    assert rest.contribution_pp is not None
    assert abs(rest.contribution_pp - math.fsum(w["contribution_pp"] for w in cut)) < POINT
    assert abs(rest.change - math.fsum(w["change"] for w in cut)) < CENT
    assert abs(rest.cut_effects.volume - math.fsum(w["volume"] for w in cut)) < CENT
    assert abs(rest.cut_effects.price - math.fsum(w["price"] for w in cut)) < CENT
    shown = math.fsum(r.contribution_pp or 0.0 for r in got.rows)
    assert got.growth_pct is not None
    assert abs(shown + rest.contribution_pp - got.growth_pct) < 1e-9


def test_real_zero_quantity_is_not_reported_not_zero_goods(shared_data):
    got = run(shared_data, "GRC", 2007, 2008)
    frozen = next(r for r in got.rows if r.code == "030613")
    assert frozen.value_to == 3.0  # 3 USD "for 0 kg" in the file
    assert frozen.split is None
    assert frozen.unsplit_reason is Unsplit.NOT_REPORTED
    assert frozen.unsplit_change == frozen.change == 3.0 - 207_430.0
    assert close(got.effects.volume + got.effects.price + got.effects.unsplit, got.change)


# ---------------------------------------------------------------------------
# Edge cases, by hand.


def pv(code: str, value: float, quantity: float | None = None, unit: str | None = "kg", **kw):
    return ProductValue(code, value, kw.pop("currency", "USD"), quantity, unit, **kw)


def test_flow_total_known_gives_an_outside_remainder():
    # Total 1000 -> 1100 (+100); the listed products 600 -> 750 (+150): outside, -50.
    got = attribute(
        [pv("01", 400, 10), pv("02", 200, 5)],
        [pv("01", 500, 10), pv("02", 250, 5)],
        1000.0,
        1100.0,
    )
    assert got.basis is Basis.TOTAL
    assert got.basis_label == "2 products in the data, of the flow's total"
    assert got.growth_pct == pytest.approx(10.0)
    assert [r.contribution_pp for r in got.rows] == [pytest.approx(10.0), pytest.approx(5.0)]
    assert got.remainder.label == "Products outside the data"
    assert got.remainder.outside_change == pytest.approx(-50.0)
    assert got.remainder.contribution_pp == pytest.approx(-5.0)
    assert got.remainder.change == pytest.approx(-50.0)
    assert got.remainder.products_cut == 0 and got.remainder.cut_change == 0
    # 01: same quantity, so all price; 02: same quantity, all price.
    assert got.effects.volume == pytest.approx(0.0)
    assert got.effects.price == pytest.approx(150.0)
    assert got.effects.unsplit == 0
    assert got.notes[-1].startswith("price effects are of unit values")


def test_total_and_cut_together_name_both():
    got = attribute(
        [pv("01", 400), pv("02", 200), pv("03", 100)],
        [pv("01", 500), pv("02", 250), pv("03", 90)],
        1000.0,
        1100.0,
        top=1,
    )
    rest = got.remainder
    assert rest.label == "2 other products in the data and products outside the data"
    assert rest.cut_change == pytest.approx(40.0)
    assert rest.outside_change == pytest.approx(100 - 140)
    assert rest.change == pytest.approx(0.0)  # 100 overall, 100 in the shown row
    assert rest.contribution_pp == pytest.approx(0.0, abs=1e-12)
    assert rest.cut_effects.unsplit == pytest.approx(40.0)  # no quantities: unsplit


def test_only_one_total_known_uses_the_listed_products():
    got = attribute([pv("01", 10)], [pv("01", 20)], 100.0, None)
    assert got.basis is Basis.LISTED
    assert got.total_from == 10 and got.total_to == 20 and got.growth_pct == 100.0
    assert "no total" in got.notes[0]


def test_products_above_the_total_get_a_note():
    got = attribute([pv("01", 150)], [pv("01", 150)], 100.0, 200.0)
    assert any("more than the flow's total in the earlier period" in n for n in got.notes)
    assert not any("later period" in n for n in got.notes)
    fine = attribute([pv("01", 100)], [pv("01", 200)], 100.0, 200.0)
    assert not any("more than" in n for n in fine.notes)


def test_new_and_gone_products():
    got = attribute(
        [pv("01", 100, 10), pv("02", 50, 5)],
        [pv("01", 100, 10), pv("03", 30, 3)],
        None,
        None,
    )
    rows = {r.code: r for r in got.rows}
    assert got.total_from == 150 and got.total_to == 130
    gone, new = rows["02"], rows["03"]
    assert gone.status is Status.GONE and gone.value_to == 0
    assert gone.contribution_pp == pytest.approx(-50 / 150 * 100)
    assert gone.unsplit_reason is Unsplit.GONE and gone.unsplit_change == -50
    assert new.status is Status.NEW and new.value_from == 0
    assert new.contribution_pp == pytest.approx(30 / 150 * 100)
    assert new.unsplit_reason is Unsplit.NEW and new.unsplit_change == 30
    same = rows["01"]
    assert same.status is Status.CONTINUING and same.change == 0
    assert same.split is not None and same.split.volume == 0 and same.split.price == 0
    assert got.effects.unsplit == -20
    assert [r.code for r in got.rows] == ["02", "03", "01"]  # by size of change


def test_a_zero_value_row_is_not_a_product():
    got = attribute([pv("01", 100), pv("02", 0)], [pv("01", 110), pv("02", 0)], None, None)
    assert got.products == 1 and [r.code for r in got.rows] == ["01"]
    # zero earlier, positive later: new, even though a row existed
    newish = attribute([pv("01", 100), pv("02", 0, 5)], [pv("01", 100), pv("02", 7, 5)], None, None)
    row = next(r for r in newish.rows if r.code == "02")
    assert row.status is Status.NEW and row.split is None


def test_v0_zero_leaves_growth_undefined_without_dividing():
    got = attribute([], [pv("01", 100, 10), pv("02", 50)], None, None, top=1)
    assert got.total_from == 0 and got.change == 150
    assert got.growth_pct is None
    assert got.undefined_reason is not None and "V0 = 0" in got.undefined_reason
    assert all(r.contribution_pp is None for r in got.rows)
    assert got.remainder.contribution_pp is None
    assert got.remainder.change == 50 and got.remainder.cut_change == 50
    assert got.effects.unsplit == 150
    zero_total = attribute([pv("01", 0)], [pv("01", 10)], 0.0, 10.0)
    assert zero_total.growth_pct is None and zero_total.rows[0].contribution_pp is None


def test_top_cut_is_by_size_of_change_then_code():
    before = [pv("a", 100), pv("b", 100), pv("c", 100), pv("d", 100)]
    after = [pv("a", 90), pv("b", 130), pv("c", 70), pv("d", 100)]
    got = attribute(before, after, None, None, top=2)
    assert [r.code for r in got.rows] == ["b", "c"]  # |+30| and |-30|, by code
    assert got.remainder.products_cut == 2
    assert got.remainder.label == "2 other products in the data"
    assert got.remainder.change == -10
    assert got.remainder.contribution_pp == pytest.approx(-10 / 400 * 100)
    one = attribute(before, after, None, None, top=3)
    assert one.remainder.label == "1 other product in the data"
    everything = attribute(before, after, None, None, top=4)
    assert everything.remainder.label == "No other products"
    assert everything.remainder.change == 0 and everything.remainder.contribution_pp == 0


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        (pv("01", 10, None), pv("01", 20, 2), Unsplit.NO_QUANTITY),
        (pv("01", 10, 1), pv("01", 20, None), Unsplit.NO_QUANTITY),
        (pv("01", 10, 0), pv("01", 20, 2), Unsplit.NOT_REPORTED),
        (pv("01", 10, 1), pv("01", 20, 0), Unsplit.NOT_REPORTED),
        (pv("01", 10, 1, "kg"), pv("01", 20, 2, "u"), Unsplit.DIFFERENT_UNITS),
        (pv("01", 10, 1, None), pv("01", 20, 2, None), Unsplit.NO_UNIT),
        (pv("01", 10, 1), pv("01", 20, 2, None), Unsplit.NO_UNIT),
    ],
)
def test_reasons_a_change_is_not_split(before, after, reason):
    got = attribute([before], [after], None, None)
    (row,) = got.rows
    assert row.split is None and row.unsplit_reason is reason
    assert row.unsplit_change == row.change == 10
    assert got.effects == type(got.effects)(volume=0.0, price=0.0, unsplit=10.0)
    assert not any("unit values" in n for n in got.notes)


def test_split_of_one_product_by_hand():
    # 100 for 10 kg -> 300 for 20 kg: unit value 10 -> 15. L = 200 / ln 3.
    got = attribute([pv("01", 100, 10)], [pv("01", 300, 20)], None, None)
    split = got.rows[0].split
    assert split is not None
    weight = 200 / math.log(3)
    assert split.volume == pytest.approx(weight * math.log(2), rel=1e-12)
    assert split.price == pytest.approx(weight * math.log(1.5), rel=1e-12)
    assert (split.quantity_from, split.quantity_to) == (10, 20)
    assert (split.unit_value_from, split.unit_value_to) == (10, 15)
    assert close(split.volume + split.price, 200)


def test_rows_of_one_code_add_up_but_units_never_do():
    got = attribute(
        [pv("01", 60, 6, source="a"), pv("01", 40, 4, source="b")],
        [pv("01", 300, 20, source="a")],
        None,
        None,
    )
    row = got.rows[0]
    assert row.value_from == 100 and row.split is not None
    assert row.split.quantity_from == 10 and row.sources == ("a", "b")
    for second in (pv("01", 40, 4, "u"), pv("01", 40, None), pv("01", 40, 0)):
        mixed = attribute([pv("01", 60, 6), second], [pv("01", 300, 20)], None, None)
        assert mixed.rows[0].split is None
        assert mixed.rows[0].unsplit_reason is Unsplit.MIXED
        assert mixed.rows[0].value_from == 100
    # every row without a quantity: that is the reason, not a mixture
    summed = attribute([pv("01", 60), pv("01", 40)], [pv("01", 300), pv("01", 1)], None, None)
    assert summed.rows[0].unsplit_reason is Unsplit.NO_QUANTITY
    assert summed.rows[0].change == 201
    both_zero = [pv("01", 60, 0), pv("01", 40, 0)]
    assert attribute(both_zero, [pv("01", 9, 1)], None, None).rows[0].unsplit_reason is (
        Unsplit.NOT_REPORTED
    )


def test_log_mean():
    assert log_mean(5.0, 5.0) == 5.0
    assert log_mean(math.e, 1.0) == pytest.approx(math.e - 1, rel=1e-15)
    assert log_mean(2.0, 8.0) == log_mean(8.0, 2.0) == pytest.approx(6 / math.log(4))
    # close values: no digits lost to ln a - ln b
    assert log_mean(1e8 + 1, 1e8) == pytest.approx(1e8 + 0.5, rel=1e-15)
    assert min(3.0, 7.0) < log_mean(3.0, 7.0) < (3.0 + 7.0) / 2
    # far apart: log1p of a number near -1 would lose digits here
    assert log_mean(1.0, 687_516_898.0) == pytest.approx(
        687_516_897 / math.log(687_516_898), rel=1e-14
    )
    assert log_mean(1e12, 1.0) == pytest.approx((1e12 - 1) / math.log(1e12), rel=1e-14)
    # at the edges of the log1p range, both ways agree
    for a in (2.0, 0.5, 2.0000001, 0.4999999):
        assert log_mean(a, 1.0) == pytest.approx((a - 1) / math.log(a), rel=1e-12)
    for a, b in ((0.0, 1.0), (1.0, 0.0), (-1.0, 2.0)):
        with pytest.raises(ValueError, match="two positive numbers"):
            log_mean(a, b)


def test_refusals():
    with pytest.raises(UsageError, match="several currencies") as mixed:
        attribute([pv("01", 10)], [pv("01", 20, currency="EUR")], None, None)
    assert mixed.value.hint is not None and "--currency" in mixed.value.hint
    assert attribute([pv("01", 1, currency="EUR")], [], None, None).currency == "EUR"
    with pytest.raises(UsageError, match="--top must be at least 1"):
        attribute([pv("01", 10)], [pv("01", 20)], None, None, top=0)
    with pytest.raises(NoData, match="no traded product"):
        attribute([], [pv("01", 0)], None, None)
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(UsageError, match="a total is a non-negative number"):
            attribute([pv("01", 1)], [], bad, 1.0)
        with pytest.raises(UsageError, match="a total is a non-negative number"):
            attribute([pv("01", 1)], [], 1.0, bad)
        with pytest.raises(UsageError, match="non-negative number"):
            attribute([pv("01", bad)], [], None, None)
        with pytest.raises(UsageError, match="quantity of"):
            attribute([pv("01", 1, bad)], [], None, None)


# ---------------------------------------------------------------------------
# Properties on random flows.

VALUES = st.one_of(st.just(0.0), st.floats(1.0, 1e12, allow_nan=False))
QUANTITIES = st.one_of(st.none(), st.just(0.0), st.floats(1e-3, 1e10, allow_nan=False))
UNITS = st.sampled_from(["kg", "kg", "kg", "u", None])
CODES = st.sampled_from(["01", "02", "03", "04", "05", "06", "07", "08"])
PRODUCT = st.builds(pv, CODES, VALUES, QUANTITIES, UNITS)
PERIOD = st.lists(PRODUCT, max_size=8)


@st.composite
def flows(draw):
    rows_from, rows_to = draw(PERIOD), draw(PERIOD)
    listed = [math.fsum(r.value for r in rows) for rows in (rows_from, rows_to)]
    if not any(listed):
        rows_to = [*rows_to, pv("09", 5.0)]
        listed[1] += 5.0
    totals: tuple[float | None, float | None] = (None, None)
    if draw(st.booleans()):
        extra = st.one_of(st.just(0.0), st.floats(1e-3, 1e12, allow_nan=False))
        totals = (listed[0] + draw(extra), listed[1] + draw(extra))
    return rows_from, rows_to, totals, draw(st.integers(1, 10))


@settings(max_examples=300, deadline=None)
@given(flows())
def test_contributions_and_remainder_add_up_to_growth(flow):
    rows_from, rows_to, (t0, t1), top = flow
    got = attribute(rows_from, rows_to, t0, t1, top)
    assert len(got.rows) == min(top, got.products)
    assert got.remainder.products_cut == got.products - len(got.rows)
    sizes = [abs(r.change) for r in got.rows]
    assert sizes == sorted(sizes, reverse=True)
    size = got.total_from + got.total_to  # amounts are exact to a few ulps of this
    shown_change = math.fsum(r.change for r in got.rows)
    assert close(shown_change + got.remainder.change, got.change, size)
    outside = got.remainder.outside_change
    assert (outside is None) is (got.basis is Basis.LISTED)
    assert close(got.remainder.change, got.remainder.cut_change + (outside or 0.0), size)
    if got.growth_pct is None:
        assert got.total_from == 0 and got.undefined_reason is not None
        assert all(r.contribution_pp is None for r in got.rows)
        return
    assert got.undefined_reason is None
    contributions = [r.contribution_pp for r in got.rows]
    assert got.remainder.contribution_pp is not None
    scale = math.fsum(abs(c or 0.0) for c in contributions) + abs(got.growth_pct)
    total = math.fsum([*(c or 0.0 for c in contributions), got.remainder.contribution_pp])
    assert close(total, got.growth_pct, scale)
    for row in got.rows:
        assert row.contribution_pp is not None
        assert close(row.contribution_pp, row.change / got.total_from * 100, scale)


@settings(max_examples=300, deadline=None)
@given(flows())
def test_price_and_volume_add_up_to_the_change(flow):
    rows_from, rows_to, (t0, t1), _ = flow
    got = attribute(rows_from, rows_to, t0, t1, top=10)  # every product shown
    for row in got.rows:
        size = max(row.value_from, row.value_to)
        if row.split is None:
            assert row.unsplit_reason is not None
            assert row.unsplit_change == row.change
            continue
        assert row.unsplit_reason is None and row.unsplit_change == 0
        assert row.status is Status.CONTINUING
        assert row.split.quantity_from > 0 and row.split.quantity_to > 0
        assert close(row.split.volume + row.split.price, row.change, size)
    effects = got.effects
    parts = effects.volume + effects.price + effects.unsplit
    listed = got.change - (got.remainder.outside_change or 0.0)
    scale = math.fsum(max(r.value_from, r.value_to) for r in got.rows)
    size = scale + got.total_from + got.total_to
    assert close(parts, listed, size)
    assert close(parts + (got.remainder.outside_change or 0.0), got.change, size)


# ---------------------------------------------------------------------------
# The exact words: they reach people through every format.


def test_messages_and_notes_word_for_word():
    with pytest.raises(UsageError) as top:
        attribute([pv("01", 10)], [pv("01", 20)], None, None, top=0)
    assert top.value.message == "--top must be at least 1"
    with pytest.raises(UsageError) as mixed:
        attribute([pv("01", 10)], [pv("01", 20, currency="EUR")], None, None)
    assert mixed.value.message == "figures for this flow are in several currencies (EUR, USD)"
    with pytest.raises(NoData) as empty:
        attribute([], [], None, None)
    assert empty.value.message == "the data list no traded product for this flow in either period"
    with pytest.raises(UsageError) as bad:
        attribute([pv("01", 1, -2.0)], [], None, None)
    assert bad.value.message == (
        "product 01 has a quantity of -2.0: a quantity is a non-negative number, or missing"
    )
    listed = attribute([pv("01", 10, 1)], [pv("01", 20, 1)], None, None)
    assert listed.notes == (
        "the data hold no total for this flow: growth and contributions are of the sum of "
        "the listed products",
        "price effects are of unit values (value per kg, per unit...), not prices: a change "
        "in the mix of goods inside one product code moves them too",
    )
    above = attribute([pv("01", 10)], [pv("01", 30)], 10.0, 20.0)
    assert above.notes == (
        "the listed products add up to more than the flow's total in the later period: the "
        "products and the total do not come from the same figures",
    )
    undefined = attribute([], [pv("01", 5)], None, None)
    assert undefined.undefined_reason == (
        "nothing was traded in the earlier period (V0 = 0): growth and contributions are undefined"
    )


def test_default_top_is_ten():
    before = [pv(f"{i:02d}", 10.0) for i in range(12)]
    after = [pv(f"{i:02d}", 10.0 + i) for i in range(12)]
    got = attribute(before, after, None, None)
    assert len(got.rows) == 10 and got.remainder.products_cut == 2


def test_products_above_the_total_only_beyond_rounding():
    # 1e10 * (1 + 1e-9) is exactly 10,000,000,010: at the tolerance, no note.
    at_edge = attribute([pv("01", 10_000_000_010.0)], [pv("01", 1.0)], 1e10, 1e10)
    assert not any("more than" in n for n in at_edge.notes)
    beyond = attribute([pv("01", 10_000_000_020.0)], [pv("01", 1.0)], 1e10, 1e10)
    assert any("more than" in n for n in beyond.notes)


def test_one_dollar_with_zero_quantity_is_not_split_and_not_dropped():
    # Comtrade gives Thailand's 2010 shrimp exports to Dominica as 1 USD for 0 kg.
    got = attribute([pv("030613", 1.0, 0.0)], [pv("030613", 3.0, 2.0)], None, None)
    assert got.rows[0].unsplit_reason is Unsplit.NOT_REPORTED
    half = attribute([pv("01", 0.5, 0.0)], [pv("01", 3.0, 2.0)], None, None)
    assert half.rows[0].unsplit_reason is Unsplit.NOT_REPORTED
    # a product new with 1 USD or less is still a product
    small = attribute([pv("01", 10.0)], [pv("01", 10.0), pv("02", 1.0), pv("03", 0.5)], None, None)
    assert {r.code for r in small.rows} == {"01", "02", "03"}
    assert small.products == 3


def test_a_row_with_nothing_traded_does_not_spoil_the_quantity():
    # 0 USD for 0 kg beside 5 USD for 2 kg: 2 kg, split as usual.
    got = attribute([pv("01", 0.0, 0.0), pv("01", 5.0, 2.0)], [pv("01", 9.0, 3.0)], None, None)
    split = got.rows[0].split
    assert split is not None and split.quantity_from == 2.0
