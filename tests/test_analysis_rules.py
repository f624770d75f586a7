"""Property-based tests of the rules every figure obeys (tradecli.analysis.core / windows).

Each property guards one rule the README promises; hypothesis draws the data.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tradecli import analysis, schema
from tradecli.analysis.core import Tier, growth, one_currency
from tradecli.analysis.windows import window_sums, window_units
from tradecli.analysis_options import FlowChoice, PartnerMeasure
from tradecli.codes import resolve_country
from tradecli.errors import NoData, UsageError
from tradecli.periods import (
    Period,
    add_months,
    month_window,
    next_period,
    periods_between,
    year_window,
)

PAK, JPN = resolve_country("PAK"), resolve_country("JPN")
RULES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Whose statistics a candidate row comes from, by tier, for a PAK -> JPN question.
REPORTER_OF_TIER = {Tier.OWN: "PAK", Tier.UNKNOWN: None, Tier.MIRROR: "JPN", Tier.OTHER: "USA"}

values = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
maybe_values = st.one_of(st.none(), values)


def _frame(rows: list[dict[str, object]]) -> pl.LazyFrame:
    defaults = {"reporter": None, "frequency": "month", "product": "TOTAL", "currency": "USD"}
    full = [{**defaults, "source": "test", **row} for row in rows]
    return pl.DataFrame(full, schema=schema.FLOWS_SCHEMA).select(schema.FLOWS_SCHEMA.names()).lazy()


def _flow(flow: str, day: dt.date, value: float, **extra: object) -> dict[str, object]:
    exporter, importer = ("PAK", "JPN") if flow == "exports" else ("JPN", "PAK")
    return {"exporter": exporter, "importer": importer, "period": day, "value": value, **extra}


AUG24, AUG25 = dt.date(2024, 8, 1), dt.date(2025, 8, 1)


# -- growth -------------------------------------------------------------------------


@RULES
@given(base=st.one_of(st.none(), st.floats(-1e9, 1e9)), now=maybe_values)
def test_growth_is_null_exactly_when_a_value_is_missing_or_the_base_is_not_positive(
    base: float | None, now: float | None
) -> None:
    frame = pl.DataFrame(
        {"base": [base], "now": [now]}, schema={"base": pl.Float64, "now": pl.Float64}
    )
    (got,) = frame.select(g=growth(pl.col("base"), pl.col("now")))["g"].to_list()
    if base is None or now is None or base <= 0:
        assert got is None
    else:
        assert got == pytest.approx((now - base) / base * 100)


# -- balance = exports - imports, growth from the chosen figures -------------------------


@RULES
@given(
    figures=st.fixed_dictionaries(
        {(flow, day): maybe_values for flow in ("exports", "imports") for day in (AUG24, AUG25)}
    )
)
def test_balance_is_exports_minus_imports_and_growth_null_exactly_when_a_base_is_missing_or_zero(
    figures: dict[tuple[str, dt.date], float | None],
) -> None:
    rows = [_flow(flow, day, v) for (flow, day), v in figures.items() if v is not None]
    if not rows:
        # The missing-data rule: not one figure -> NoData; any figure -> an answer.
        with pytest.raises(NoData):
            analysis.balance(
                _frame(rows), PAK, JPN, month_window(Period(2024, 8)), month_window(Period(2025, 8))
            )
        return
    result = analysis.balance(
        _frame(rows), PAK, JPN, month_window(Period(2024, 8)), month_window(Period(2025, 8))
    )
    for key, day in (("value_from", AUG24), ("value_to", AUG25)):
        exports, imports = figures[("exports", day)], figures[("imports", day)]
        got = result.row("balance")[key]
        if exports is None or imports is None:
            assert got is None
        else:
            assert got == pytest.approx(exports - imports)
    for flow in ("exports", "imports"):
        base, now = figures[(flow, AUG24)], figures[(flow, AUG25)]
        row = result.row(flow)
        assert (row["growth_pct"] is None) == (base is None or now is None or base == 0)
        if row["growth_pct"] is not None:
            assert base is not None and now is not None
            assert row["growth_pct"] == pytest.approx((now - base) / base * 100)
            assert row["comparable"] is True  # one source, one tier on both sides
    assert result.row("balance")["growth_pct"] is None


# -- which figure wins: one rule, the same tiers in every command ------------------------

candidate = st.tuples(st.sampled_from(list(Tier)), st.sampled_from(["a", "b", "c"]), values)


def _expected(candidates: list[tuple[Tier, str, float]]) -> tuple[Tier, float]:
    tier, _, value = min(candidates, key=lambda c: (c[0], c[1]))
    return tier, value


def _dedupe(candidates: list[tuple[Tier, str, float]]) -> list[tuple[Tier, str, float]]:
    # One row per (tier, source): two rows of the same source and reporter are a
    # duplicate the importers refuse, not a choice for the preference rule.
    seen: dict[tuple[Tier, str], tuple[Tier, str, float]] = {}
    for c in candidates:
        seen.setdefault((c[0], c[1]), c)
    return list(seen.values())


def _candidates(
    cands: list[tuple[Tier, str, float]], product: str = "TOTAL"
) -> list[dict[str, object]]:
    return [
        _flow(
            "exports", AUG24, value, reporter=REPORTER_OF_TIER[tier], source=source, product=product
        )
        for tier, source, value in cands
    ]


@RULES
@given(cands=st.lists(candidate, min_size=1, max_size=6).map(_dedupe))
def test_the_best_tier_wins_one_figure_never_a_sum_in_every_command(
    cands: list[tuple[Tier, str, float]],
) -> None:
    tier, value = _expected(cands)
    window = month_window(Period(2024, 8))
    imports = _flow("imports", AUG24, 1.0, reporter="PAK")
    flows = _frame([*_candidates(cands), imports])

    result = analysis.balance(flows, PAK, JPN, window, window)
    assert result.row("exports")["value_to"] == value
    assert result.row("exports")["tier_to"] == tier

    series = analysis.series(flows, PAK, JPN, window, window)
    assert series.rows["exports"].to_list() == [value]
    assert series.rows["exports_tier"].to_list() == [tier]

    partners = analysis.partners(flows, PAK, PartnerMeasure.EXPORTS, start=window, end=window)
    (row,) = partners.rows.filter(pl.col("partner") == "JPN").iter_rows(named=True)
    assert (row["value"], row["tier"]) == (value, tier)

    products = analysis.products(
        _frame(_candidates(cands, product="0101")), PAK, JPN, FlowChoice.EXPORTS, "hs4",
        start=window, end=window,
    )  # fmt: skip
    (row,) = products.rows.iter_rows(named=True)
    assert (row["value_to"], row["tier_to"]) == (value, tier)


@RULES
@given(cands=st.lists(candidate, min_size=1, max_size=6).map(_dedupe))
def test_mirror_takes_one_figure_per_side_never_a_sum(
    cands: list[tuple[Tier, str, float]],
) -> None:
    flows = _frame(_candidates(cands))
    result = analysis.mirror(flows, PAK, JPN, month_window(Period(2024, 8)))
    exports = result.figures.row(0, named=True)
    for side, tier in (("reported", Tier.OWN), ("mirror", Tier.MIRROR)):
        mine = sorted((s, v) for t, s, v in cands if t == tier)
        assert exports[side] == (mine[0][1] if mine else None)


@RULES
@given(
    cands=st.lists(candidate, min_size=1, max_size=6).map(_dedupe),
    order=st.permutations(["a", "b", "c"]),
)
def test_within_a_tier_the_most_recent_source_wins_and_a_disagreement_is_noted(
    cands: list[tuple[Tier, str, float]], order: list[str]
) -> None:
    newest = tuple(order)
    tier, _, value = min(cands, key=lambda c: (c[0], newest.index(c[1])))
    window = month_window(Period(2024, 8))
    flows = _frame([*_candidates(cands), _flow("imports", AUG24, 1.0, reporter="PAK")])
    result = analysis.balance(flows, PAK, JPN, window, window, newest_first=newest)
    assert result.row("exports")["value_to"] == value
    series = analysis.series(flows, PAK, JPN, window, window, newest_first=newest)
    assert series.rows["exports"].to_list() == [value]
    partners = analysis.partners(
        flows, PAK, PartnerMeasure.EXPORTS, start=window, end=window, newest_first=newest
    )
    (row,) = partners.rows.filter(pl.col("partner") == "JPN").iter_rows(named=True)
    assert row["value"] == value
    products = analysis.products(
        _frame(_candidates(cands, product="0101")), PAK, JPN, FlowChoice.EXPORTS, "hs4",
        start=window, end=window, newest_first=newest,
    )  # fmt: skip
    assert products.rows["value_to"].to_list() == [value]
    # A note exactly when another source of the winning tier gives a different value.
    disagree = any(t == tier and v != value for t, _, v in cands)
    noted = [n for n in result.notes if "most recently imported or fetched" in n]
    assert bool(noted) == disagree
    assert bool([n for n in series.notes if "most recently" in n]) == disagree


@RULES
@given(
    base=st.tuples(st.sampled_from(["a", "b"]), st.sampled_from([Tier.OWN, Tier.MIRROR]), values),
    now=st.tuples(st.sampled_from(["a", "b"]), st.sampled_from([Tier.OWN, Tier.MIRROR]), values),
)
def test_strict_growth_is_null_exactly_when_not_comparable_or_no_base(
    base: tuple[str, Tier, float], now: tuple[str, Tier, float]
) -> None:
    rows = [
        _flow("exports", day, value, reporter=REPORTER_OF_TIER[tier], source=source)
        for day, (source, tier, value) in ((AUG24, base), (AUG25, now))
    ]
    rows += [_flow("imports", day, 1.0, reporter="PAK") for day in (AUG24, AUG25)]
    windows = (month_window(Period(2024, 8)), month_window(Period(2025, 8)))
    loose = analysis.balance(_frame(rows), PAK, JPN, *windows).row("exports")
    strict = analysis.balance(_frame(rows), PAK, JPN, *windows, strict=True)
    row = strict.row("exports")
    like = base[:2] == now[:2]
    assert row["comparable"] is like and loose["comparable"] is like  # judged, not changed
    assert (row["growth_pct"] is None) == (base[2] == 0 or not like)
    if row["growth_pct"] is not None:
        assert row["growth_pct"] == loose["growth_pct"]
    assert any("--strict" in n for n in strict.notes) == (not like)


# -- window sums --------------------------------------------------------------------


@RULES
@given(months=st.lists(maybe_values, min_size=12, max_size=12))
def test_a_window_sum_is_null_when_any_unit_is_missing(months: list[float | None]) -> None:
    rows = [
        _flow("exports", dt.date(2024, m, 1), v)
        for m, v in enumerate(months, start=1)
        if v is not None
    ]
    assume(rows)
    pair = _frame(rows).with_columns(flow=pl.lit("exports")).collect()
    units = window_units(pair, {"w": year_window(2024)})
    (got,) = window_sums(pair, units, ["flow"]).iter_rows(named=True)
    if any(v is None for v in months):
        assert got["value"] is None
    else:
        assert got["value"] == pytest.approx(sum(v for v in months if v is not None))
    assert got["units"] == 12
    assert got["present"] == sum(v is not None for v in months)


# -- periods and currency -----------------------------------------------------------


@RULES
@given(year=st.integers(1950, 2900), month=st.integers(1, 12), steps=st.integers(0, 400))
def test_period_stepping_is_one_rule(year: int, month: int, steps: int) -> None:
    first = Period(year, month)
    last = add_months(first, steps)
    span = periods_between(first, last)
    assert len(span) == steps + 1
    assert all(next_period(a) == b for a, b in zip(span, span[1:], strict=False))
    assert next_period(Period(year)) == Period(year + 1)
    assert periods_between(last, first) == (() if steps else (first,))


@RULES
@given(currencies=st.lists(st.sampled_from(["USD", "JPY", "EUR"]), max_size=5))
def test_one_currency_or_an_error(currencies: list[str]) -> None:
    if len(set(currencies)) > 1:
        with pytest.raises(UsageError):
            one_currency(currencies, "x")
    else:
        assert one_currency(currencies, "x") == (currencies[0] if currencies else "USD")
