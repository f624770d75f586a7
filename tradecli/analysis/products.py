"""Top products of one flow between two countries."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from tradecli.analysis.core import (
    STRICT_NOTE,
    comparable,
    conflict_notes,
    conflicts,
    currency_of,
    growth,
    pick_one,
    strict_growth,
    unit_of,
)
from tradecli.analysis.windows import coverage, resolve_windows, window_sums, window_units
from tradecli.analysis_options import FlowChoice
from tradecli.codes import Country, load_hs, product_level, product_name
from tradecli.errors import NoData, UsageError
from tradecli.periods import Compare, Convention, Frequency, Period, Window
from tradecli.schema import TOTAL, sum_quantity

LEVEL_ORDER = {"section": 0, "hs2": 1, "hs4": 2, "hs6": 3}
LEVEL_DIGITS = {"hs2": 2, "hs4": 4, "hs6": 6}


@dataclass(frozen=True)
class ProductsResult:
    """Top products of one flow between two countries.

    ``rows``: code, name, value_from, value_to, share_pct, growth_pct, then
    tier_from / tier_to (worst :class:`~tradecli.analysis.core.Tier` used),
    source_from / source_to ("+"-joined ids) and comparable; the last row is
    "All other" when more products exist than ``top``.
    """

    reporter: Country
    partner: Country
    flow: FlowChoice
    level: str
    data_level: str
    start: Window
    end: Window
    currency: str
    rows: pl.DataFrame
    total_from: float | None
    total_to: float | None
    products: int
    notes: tuple[str, ...]
    source_ids: tuple[str, ...]
    total_growth_pct: float | None = None  # growth of the whole flow, by core.growth


def joined(ids: pl.Expr) -> pl.Expr:
    """A list of source ids as the "+"-joined text the outputs print; null when empty."""
    return pl.when(ids.list.len() > 0).then(ids.list.join("+"))


def _select(flows: pl.LazyFrame, exporter: str, importer: str) -> pl.LazyFrame:
    """Every product row (not TOTAL) of the one flow from ``exporter`` to ``importer``."""
    return flows.filter(
        (pl.col("exporter") == exporter)
        & (pl.col("importer") == importer)
        & (pl.col("product") != TOTAL)
    )


def _per_code(rows: pl.DataFrame, units: pl.DataFrame, codes: pl.DataFrame) -> pl.DataFrame:
    """One figure per code and unit holding product data: the sum of its products there.

    A product absent from a unit that has product data traded nothing in it (zero, no
    source); a unit with no product data at all gets no row, so ``window_sums`` finds it
    missing and the window has no value.
    """
    held = rows.join(units, on=["period", "frequency"], how="semi")
    summed = held.group_by("code", "period", "frequency").agg(
        value=pl.col("value").sum(),
        sources=pl.col("source").unique().sort(),
        tier=pl.col("tier").max(),
    )
    present = held.select("period", "frequency").unique()
    return (
        codes.join(present, how="cross")
        .join(summed, on=["code", "period", "frequency"], how="left")
        .with_columns(
            pl.col("value").cast(pl.Float64).fill_null(0.0),
            pl.col("sources").fill_null(pl.lit([], pl.List(pl.String))),
        )
    )


def _compare(
    sums: pl.DataFrame, single: bool, strict: bool
) -> tuple[pl.DataFrame, pl.Expr, pl.Expr]:
    """One row per code with both windows' value, tier and sources; and the growth
    (the one strict rule applied) and comparability expressions over such rows."""
    wide = [
        sums.filter(pl.col("window") == window).select(
            "code",
            pl.col("value").cast(pl.Float64).alias(f"value_{window}"),
            pl.col("tier").alias(f"tier_{window}"),
            pl.col("sources").alias(f"sources_{window}"),
        )
        for window in ("from", "to")
    ]
    table = wide[0].join(wide[1], on="code", how="full", coalesce=True)
    value_growth = growth(pl.col("value_from"), pl.col("value_to"))
    like_with_like = comparable(
        pl.lit(not single) & value_growth.is_not_null(),
        pl.col("sources_from"),
        pl.col("sources_to"),
        pl.col("tier_from"),
        pl.col("tier_to"),
    )
    value_growth = strict_growth(value_growth, like_with_like, strict)
    return table, pl.when(pl.lit(not single)).then(value_growth), like_with_like


def _missing_text(sums: pl.DataFrame, units: pl.DataFrame) -> dict[str, list[str]]:
    """Per window with a unit holding no product data at all: those units, as text."""
    out: dict[str, list[str]] = {}
    frequency = dict(units.select("window", "frequency").unique().iter_rows())
    for window, missing in sums.select("window", "missing").unique("window").iter_rows():
        if missing:
            kind = Frequency(frequency[window])
            out[window] = [str(Period.from_date(day, kind)) for day in missing]
    return out


def products(
    flows: pl.LazyFrame,
    reporter: Country,
    partner: Country,
    flow: FlowChoice = FlowChoice.EXPORTS,
    level: str = "hs4",
    top: int = 10,
    start: Window | None = None,
    end: Window | None = None,
    convention: Convention = Convention.POINT,
    compare: Compare = Compare.YEAR,
    fiscal_start: int = 1,
    *,
    strict: bool = False,
    newest_first: tuple[str, ...] = (),
) -> ProductsResult:
    """Top ``top`` products of ``flow`` at ``level``, with shares of the flow and growth.

    Products are ranked by value, so growth never decides the order; ``strict``
    leaves growth empty where its two figures are not comparable. The steps are
    balance's: select the rows, pick one figure per product and unit
    (``core.pick_one``), sum each window (``windows.window_sums``: a window with a
    unit missing has no value), compare the two (``core.strict_growth``).
    """
    if level not in LEVEL_ORDER:
        raise UsageError(f"unknown product level {level!r}", hint="use section, hs2, hs4 or hs6")
    if top < 1:
        raise UsageError("--top must be at least 1")
    r, p = reporter.iso3, partner.iso3
    exporter, importer = (r, p) if flow is FlowChoice.EXPORTS else (p, r)
    candidates = _select(flows, exporter, importer)
    rows = (
        pick_one(candidates, ["period", "frequency", "product"], r, p, newest_first)
        .collect()
        .with_columns(level=pl.col("product").map_elements(product_level, return_dtype=pl.String))
    )
    direction = "to" if flow is FlowChoice.EXPORTS else "from"
    pair_name = f"{reporter.name} ({r}) {flow.value} {direction} {partner.name} ({p})"
    if rows.is_empty():
        raise NoData(
            f"no product-level data for {pair_name}",
            hint="the embedded sample has products for Chile-Argentina in 2004 (HS6); "
            "import a product file with `tradecli import`",
        )
    levels = sorted(set(rows["level"].drop_nulls()), key=LEVEL_ORDER.__getitem__)
    data_level = levels[-1]  # the finest level present; coarser rows would double count
    if LEVEL_ORDER[level] > LEVEL_ORDER[data_level]:
        raise UsageError(
            f"the data for {pair_name} go down to {data_level.upper()} only",
            hint=f"use --level {data_level} or coarser",
        )
    rows = rows.filter(pl.col("level") == data_level).with_columns(
        code=_to_level(pl.col("product"), data_level, level)
    )
    cov = coverage(rows)
    base, target = resolve_windows(cov, start, end, convention, compare, fiscal_start, pair_name)
    units = window_units(rows, {"from": base, "to": target})
    in_units = rows.join(units, on=["period", "frequency"])
    if in_units.filter(pl.col("window") == "to").is_empty():
        raise NoData(
            f"no product data for {pair_name} in {target.label}",
            hint=f"the data cover {cov.describe()}",
        )
    held = candidates.filter(
        pl.col("product").is_in(rows["product"].unique().to_list())
        & pl.col("period").is_in(units["period"].unique().to_list())
    )
    currency = currency_of(held, pair_name)
    codes = in_units.select("code").unique()
    sums = window_sums(_per_code(rows, units, codes), units, ["code"], keys=codes)
    missing = _missing_text(sums, units)
    single = base == target
    table, value_growth, like_with_like = _compare(sums, single, strict)
    complete = {name: name not in missing for name in ("from", "to")}
    # Unit values only where the data hold quantities: other outputs stay as they were.
    unit_values = bool(in_units["quantity"].is_not_null().any())
    if unit_values:
        table = _unit_values(table.join(_quantities(in_units), on="code", how="left"))
    # math.fsum: the exactly rounded sum, the same whatever order or polars version.
    total_from = math.fsum(table["value_from"]) if complete["from"] else None
    total_to = math.fsum(table["value_to"]) if complete["to"] else None
    total_growth = pl.select(
        g=growth(pl.lit(total_from, pl.Float64), pl.lit(total_to, pl.Float64))
    )["g"][0]
    ranked = table.sort(["value_to", "code"], descending=[True, False], nulls_last=True)
    shown = ranked.head(top)
    rest = ranked.slice(top)
    if rest.height:
        other = rest.select(
            code=pl.lit(f"OTHER({rest.height})"),
            # A window's values are all known or all unknown: null stays null.
            value_from=_plus(pl.col("value_from")),
            value_to=_plus(pl.col("value_to")),
            tier_from=pl.col("tier_from").max(),
            tier_to=pl.col("tier_to").max(),
            sources_from=_union(pl.col("sources_from")),
            sources_to=_union(pl.col("sources_to")),
        )
        if unit_values:  # "All other": many products, no one unit
            other = other.with_columns(
                unit=pl.lit(None, pl.String),
                unit_value_from=pl.lit(None, pl.Float64),
                unit_value_to=pl.lit(None, pl.Float64),
            )
        shown = pl.concat([shown, other.select(shown.columns).cast(shown.schema)])
    result = shown.with_columns(
        name=pl.col("code").map_elements(
            lambda code: (
                f"All other products ({code[6:-1]})"
                if code.startswith("OTHER(")
                else product_name(code)
            ),
            return_dtype=pl.String,
        ),
        # One multiplication by a constant: the same bits on every polars version.
        share_pct=(
            pl.col("value_to") * (100.0 / total_to) if total_to else pl.lit(None, pl.Float64)
        ),
        growth_pct=value_growth,
        comparable=like_with_like,
        # The joined text only here, at the edge the outputs print.
        source_from=joined(pl.col("sources_from")),
        source_to=joined(pl.col("sources_to")),
    ).select(
        "code", "name", "value_from", "value_to", "share_pct", "growth_pct",
        "tier_from", "tier_to", "source_from", "source_to", "comparable",
        *(("unit", "unit_value_from", "unit_value_to") if unit_values else ()),
    )  # fmt: skip
    notes = []
    for name, window in (("from", base), ("to", target)):
        if name in missing and not (single and name == "from"):
            listed = ", ".join(missing[name][:6]) + (" ..." if len(missing[name]) > 6 else "")
            notes.append(
                f"no product data for {window.label} (missing {listed}): its values, "
                "shares and growth are not computed"
            )
    if not single and complete["from"] and complete["to"]:
        new = table.filter((pl.col("value_from") == 0) & (pl.col("value_to") > 0)).height
        if new:
            notes.append(
                f"{new} product(s) had no trade in {base.label}: their growth is undefined"
            )
    if strict and result.filter(pl.col("comparable").not_()).height:
        notes.append(STRICT_NOTE)
    found = conflicts(held, ["period", "frequency", "product"], r, p, newest_first)
    notes.extend(
        conflict_notes(
            found,
            lambda row: f"{row['product']} for {unit_of(row)}",
            currency,
        )
    )
    return ProductsResult(
        reporter=reporter,
        partner=partner,
        flow=flow,
        level=level,
        data_level=data_level,
        start=base,
        end=target,
        currency=currency,
        rows=result,
        total_from=total_from,
        total_to=total_to,
        products=table.height,
        notes=tuple(notes),
        source_ids=tuple(sorted(set(in_units["source"]))),
        total_growth_pct=None if single else total_growth,
    )


def _plus(values: pl.Expr) -> pl.Expr:
    """The sum of ``values``, null when any is null (``sum`` would skip them)."""
    return pl.when(values.null_count() == 0).then(values.sum())


def _union(ids: pl.Expr) -> pl.Expr:
    """Every source id in a column of id lists, once each, sorted, as one list."""
    return ids.explode().drop_nulls().unique().sort().implode()


def _quantities(in_units: pl.DataFrame) -> pl.DataFrame:
    """Each code's quantity and unit in each window: summed only within one unit, from
    every row (a row without a quantity, or two units, leaves the window's quantity null)."""
    quantity, unit = sum_quantity()
    per_window = in_units.group_by("code", "window").agg(quantity=quantity, unit=unit)
    wide = [
        per_window.filter(pl.col("window") == window).select(
            "code",
            pl.col("quantity").alias(f"quantity_{window}"),
            pl.col("unit").alias(f"unit_{window}"),
        )
        for window in ("from", "to")
    ]
    return wide[0].join(wide[1], on="code", how="full", coalesce=True)


def _unit_values(table: pl.DataFrame) -> pl.DataFrame:
    """Value per unit of quantity in each window, in one unit per row: where the two
    windows' units differ, or a quantity is missing or 0, the unit value is null."""
    unit_from, unit_to = pl.col("unit_from"), pl.col("unit_to")
    unit = (
        pl.when(unit_from.is_null())
        .then(unit_to)
        .when(unit_to.is_null() | (unit_to == unit_from))
        .then(unit_from)
    )
    out = table.with_columns(unit=unit)

    def per_unit(window: str) -> pl.Expr:
        quantity = pl.col(f"quantity_{window}")
        usable = (pl.col(f"unit_{window}") == pl.col("unit")) & (quantity > 0)
        return pl.when(usable).then(pl.col(f"value_{window}") / quantity)

    return out.with_columns(unit_value_from=per_unit("from"), unit_value_to=per_unit("to")).drop(
        "quantity_from", "quantity_to", "unit_from", "unit_to"
    )


def _to_level(code: pl.Expr, data_level: str, level: str) -> pl.Expr:
    if level == data_level:
        return code
    if level == "section":
        sections = {c: e.section for c, e in load_hs().items() if e.level == "hs2"}
        return code.str.slice(0, 2).replace_strict(sections, default="S??")
    return code.str.slice(0, LEVEL_DIGITS[level])
