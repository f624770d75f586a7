"""Products, partners and series: the questions after "what is the balance?".

Pure polars like ``compute``: frames in, frames and frozen dataclasses out. The
same honesty rules hold: a window is summed only when every unit of it has
data, missing stays missing, and shares are of what the data hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort
from tradecli.codes import Country, load_hs, product_level, product_name
from tradecli.compute import (
    coverage,
    one_currency,
    pair_currencies,
    resolve_windows,
    window_units,
)
from tradecli.errors import NoData, UsageError
from tradecli.periods import (
    Compare,
    Convention,
    Frequency,
    Period,
    Window,
    add_months,
    check_windows,
)
from tradecli.schema import TOTAL

LEVEL_ORDER = {"section": 0, "hs2": 1, "hs4": 2, "hs6": 3}
LEVEL_DIGITS = {"hs2": 2, "hs4": 4, "hs6": 6}


def _preference(reporter: str) -> pl.Expr:
    """The reporter's own figures first, then unknown reporter, then anyone else's (mirror)."""
    return (
        pl.when(pl.col("reporter") == reporter)
        .then(0)
        .when(pl.col("reporter").is_null())
        .then(1)
        .otherwise(2)
    )


def _pick_one(frame: pl.LazyFrame, keys: list[str], reporter: str) -> pl.LazyFrame:
    """One row per key: never the sum of two sources' figures for the same flow."""
    return (
        frame.with_columns(_preference=_preference(reporter))
        .sort("_preference", "source")
        .group_by(keys, maintain_order=True)
        .first()
        .drop("_preference")
    )


def _missing_units(rows: pl.DataFrame, units: pl.DataFrame) -> dict[str, list[str]]:
    """Per window, the units (as text) with no row at all."""
    present = rows.select("period", "frequency").unique()
    absent = units.join(present, on=["period", "frequency"], how="anti")
    out: dict[str, list[str]] = {}
    for window, day, frequency in absent.iter_rows():
        unit = Period.from_date(day, Frequency(frequency))
        out.setdefault(window, []).append(str(unit))
    return out


# -- products -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProductsResult:
    """Top products of one flow between two countries.

    ``rows``: code, name, value_from, value_to, share_pct, growth_pct; the last
    row is "All other" when more products exist than ``top``.
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
) -> ProductsResult:
    """Top ``top`` products of ``flow`` at ``level``, with shares of the flow and growth."""
    if level not in LEVEL_ORDER:
        raise UsageError(f"unknown product level {level!r}", hint="use section, hs2, hs4 or hs6")
    if top < 1:
        raise UsageError("--top must be at least 1")
    r, p = reporter.iso3, partner.iso3
    exporter, importer = (r, p) if flow is FlowChoice.EXPORTS else (p, r)
    rows = (
        _pick_one(
            flows.filter(
                (pl.col("exporter") == exporter)
                & (pl.col("importer") == importer)
                & (pl.col("product") != TOTAL)
            ),
            ["period", "frequency", "product"],
            r,
        )
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
    missing = _missing_units(rows, units)
    if "to" in missing and len(missing["to"]) == units.filter(pl.col("window") == "to").height:
        raise NoData(
            f"no product data for {pair_name} in {target.label}",
            hint=f"the data cover {cov.describe()}",
        )
    currency = one_currency(
        rows.join(units, on=["period", "frequency"])["currency"].unique().to_list(), pair_name
    )
    per_window = (
        units.join(rows, on=["period", "frequency"], how="inner")
        .group_by("window", "code")
        .agg(value=pl.col("value").sum())
        .pivot(on="window", index="code", values="value")
    )
    for name in ("from", "to"):
        if name not in per_window.columns:
            per_window = per_window.with_columns(pl.lit(None, pl.Float64).alias(name))
    complete = {name: name not in missing for name in ("from", "to")}
    single = base == target
    table = per_window.select(
        "code",
        value_from=(
            pl.col("from").fill_null(0.0) if complete["from"] else pl.lit(None, pl.Float64)
        ),
        value_to=(pl.col("to").fill_null(0.0) if complete["to"] else pl.lit(None, pl.Float64)),
    )
    total_from = float(table["value_from"].sum()) if complete["from"] else None
    total_to = float(table["value_to"].sum()) if complete["to"] else None
    ranked = table.sort(["value_to", "code"], descending=[True, False], nulls_last=True)
    shown = ranked.head(top)
    rest = ranked.slice(top)
    if rest.height:
        other = pl.DataFrame(
            {
                "code": [f"OTHER({rest.height})"],
                "value_from": [rest["value_from"].sum() if complete["from"] else None],
                "value_to": [rest["value_to"].sum() if complete["to"] else None],
            },
            schema=table.schema,
        )
        shown = pl.concat([shown, other])
    result = shown.with_columns(
        name=pl.col("code").map_elements(
            lambda code: (
                f"All other products ({code[6:-1]})"
                if code.startswith("OTHER(")
                else product_name(code)
            ),
            return_dtype=pl.String,
        ),
        share_pct=(pl.col("value_to") / total_to * 100) if total_to else pl.lit(None, pl.Float64),
        growth_pct=pl.when(
            pl.lit(not single) & (pl.col("value_from") > 0) & pl.col("value_to").is_not_null()
        ).then((pl.col("value_to") - pl.col("value_from")) / pl.col("value_from") * 100),
    ).select("code", "name", "value_from", "value_to", "share_pct", "growth_pct")
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
    sources = tuple(sorted(set(rows.join(units, on=["period", "frequency"])["source"])))
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
        source_ids=sources,
    )


def _to_level(code: pl.Expr, data_level: str, level: str) -> pl.Expr:
    if level == data_level:
        return code
    if level == "section":
        sections = {c: e.section for c, e in load_hs().items() if e.level == "hs2"}
        return code.str.slice(0, 2).replace_strict(sections, default="S??")
    return code.str.slice(0, LEVEL_DIGITS[level])


# -- partners -----------------------------------------------------------------------


@dataclass(frozen=True)
class PartnersResult:
    """Partners of one reporter with exports, imports, balance and growth.

    ``rows``: partner (ISO3), name, exports, imports, balance, value (the
    chosen measure), value_from, growth_pct; sorted as asked.
    """

    reporter: Country
    measure: PartnerMeasure
    sort: PartnerSort
    start: Window
    end: Window
    currency: str
    rows: pl.DataFrame
    partners: int
    notes: tuple[str, ...]
    source_ids: tuple[str, ...]


def partners(
    flows: pl.LazyFrame,
    reporter: Country,
    measure: PartnerMeasure = PartnerMeasure.TRADE,
    sort: PartnerSort = PartnerSort.VALUE,
    top: int = 10,
    start: Window | None = None,
    end: Window | None = None,
    convention: Convention = Convention.POINT,
    compare: Compare = Compare.YEAR,
    fiscal_start: int = 1,
) -> PartnersResult:
    """Every partner of ``reporter`` in the data, ranked; the world total is left out."""
    from tradecli.codes import WORLD, load_countries

    if top < 1:
        raise UsageError("--top must be at least 1")
    r = reporter.iso3
    exports = pl.col("exporter") == r
    imports = pl.col("importer") == r
    rows = (
        _pick_one(
            flows.filter((pl.col("product") == TOTAL) & (exports | imports))
            .with_columns(
                partner=pl.when(exports).then(pl.col("importer")).otherwise(pl.col("exporter")),
                flow=pl.when(exports).then(pl.lit("exports")).otherwise(pl.lit("imports")),
            )
            .filter((pl.col("partner") != r) & (pl.col("partner") != WORLD)),
            ["partner", "flow", "period", "frequency"],
            r,
        )
    ).collect()
    what = f"{reporter.name} ({r})"
    if rows.is_empty():
        raise NoData(
            f"no total-goods partner data for {what}",
            hint="partner rankings need TOTAL flows; the embedded sample has all partners of "
            "166 countries in 2006 and of Chile in 2002; import more with `tradecli import`",
        )
    cov = coverage(rows)
    base, target = resolve_windows(cov, start, end, convention, compare, fiscal_start, what)
    units = window_units(rows, {"from": base, "to": target})
    currency = one_currency(
        rows.join(units, on=["period", "frequency"])["currency"].unique().to_list(), what
    )
    n_units = units.group_by("window").agg(n=pl.len())
    sums = (
        units.join(rows, on=["period", "frequency"], how="inner")
        .group_by("window", "partner", "flow")
        .agg(value=pl.col("value").sum(), got=pl.len())
        .join(n_units, on="window")
        # A partner missing a unit of the window has no complete figure for it.
        .with_columns(value=pl.when(pl.col("got") == pl.col("n")).then(pl.col("value")))
        .with_columns(key=pl.concat_str("flow", "window", separator="_"))
        .pivot(on="key", index="partner", values="value")
    )
    for column in ("exports_from", "exports_to", "imports_from", "imports_to"):
        if column not in sums.columns:
            sums = sums.with_columns(pl.lit(None, pl.Float64).alias(column))
    single = base == target

    def value_of(window: str) -> pl.Expr:
        if measure is PartnerMeasure.EXPORTS:
            return pl.col(f"exports_{window}")
        if measure is PartnerMeasure.IMPORTS:
            return pl.col(f"imports_{window}")
        return pl.col(f"exports_{window}") + pl.col(f"imports_{window}")

    table = sums.select(
        "partner",
        exports=pl.col("exports_to"),
        imports=pl.col("imports_to"),
        balance=pl.col("exports_to") - pl.col("imports_to"),
        value=value_of("to"),
        value_from=value_of("from") if not single else pl.lit(None, pl.Float64),
    ).with_columns(
        growth_pct=pl.when(pl.col("value_from") > 0).then(
            (pl.col("value") - pl.col("value_from")) / pl.col("value_from") * 100
        )
    )
    table = table.filter(pl.col("exports").is_not_null() | pl.col("imports").is_not_null())
    order = {
        PartnerSort.VALUE: ("value", True),
        PartnerSort.DEFICIT: ("balance", False),
        PartnerSort.SURPLUS: ("balance", True),
        PartnerSort.GROWTH: ("growth_pct", True),
    }[sort]
    ranked = table.sort([order[0], "partner"], descending=[order[1], False], nulls_last=True)
    if sort is PartnerSort.DEFICIT:
        ranked = ranked.filter(pl.col("balance") < 0)
    elif sort is PartnerSort.SURPLUS:
        ranked = ranked.filter(pl.col("balance") >= 0)
    countries = load_countries().by_iso3
    shown = ranked.head(top).with_columns(
        name=pl.col("partner").map_elements(
            lambda c: countries[c].name if c in countries else c, return_dtype=pl.String
        )
    )
    notes = []
    incomplete = table.filter(pl.col("exports").is_null() | pl.col("imports").is_null()).height
    if incomplete:
        notes.append(
            f"{incomplete} partner(s) lack a complete export or import figure for "
            f"{target.label}: their balance is not computed"
        )
    if not single:
        no_base = table.filter(pl.col("value_from").is_null()).height
        if no_base:
            notes.append(
                f"{no_base} partner(s) have no complete figure for {base.label}: no growth for them"
            )
    if sort is PartnerSort.GROWTH and single:
        notes.append("a single period has no growth: sorted by nothing meaningful")
    sources = tuple(sorted(set(rows.join(units, on=["period", "frequency"])["source"])))
    return PartnersResult(
        reporter=reporter,
        measure=measure,
        sort=sort,
        start=base,
        end=target,
        currency=currency,
        rows=shown.select(
            "partner", "name", "exports", "imports", "balance", "value", "value_from", "growth_pct"
        ),
        partners=table.height,
        notes=tuple(notes),
        source_ids=sources,
    )


# -- series -------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesResult:
    """One row per month or year: period, exports, imports, balance, sources."""

    reporter: Country
    partner: Country
    first: Period
    last: Period
    currency: str
    rows: pl.DataFrame
    missing: tuple[str, ...]
    source_ids: tuple[str, ...]


def series(
    flows: pl.LazyFrame,
    reporter: Country,
    partner: Country,
    start: Window | None = None,
    end: Window | None = None,
) -> SeriesResult:
    """Exports, imports and balance for every unit from ``start`` to ``end``; gaps stay gaps."""
    from tradecli.compute import pair_flows

    r, p = reporter.iso3, partner.iso3
    pair = pair_flows(flows, r, p).collect()
    what = f"{reporter.name} ({r}) with {partner.name} ({p})"
    if pair.is_empty():
        raise NoData(f"no trade data for {what}")
    cov = coverage(pair)
    if start is not None and end is not None:
        check_windows(start, end)
    annual = (start or end).annual if (start or end) else not cov.months  # type: ignore[union-attr]
    periods = cov.years if annual else cov.months
    if not periods:
        raise NoData(
            f"no {'annual' if annual else 'monthly'} data for {what}",
            hint=f"the data cover {cov.describe()}",
        )
    first = start.first if start else periods[0]
    last = end.last if end else periods[-1]
    units: list[Period] = []
    cursor = first
    while cursor <= last:
        units.append(cursor)
        cursor = Period(cursor.year + 1) if annual else add_months(cursor, 1)
    frequency = "year" if annual else "month"
    grid = pl.DataFrame({"period": [u.start for u in units]}, schema={"period": pl.Date})
    wide = pair.filter(pl.col("frequency") == frequency).pivot(
        on="flow", index="period", values="value"
    )
    for column in ("exports", "imports"):
        if column not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(column))
    rows = (
        grid.join(wide.select("period", "exports", "imports"), on="period", how="left")
        .with_columns(balance=pl.col("exports") - pl.col("imports"))
        .with_columns(
            period=pl.col("period").dt.strftime("%Y" if annual else "%Y-%m"),
        )
    )
    missing = tuple(
        rows.filter(pl.col("exports").is_null() & pl.col("imports").is_null())["period"]
    )
    in_range = pair.filter(
        (pl.col("frequency") == frequency) & pl.col("period").is_between(first.start, last.start)
    )
    currency = one_currency(
        pair_currencies(flows, r, p, in_range["period"].unique().to_list()), what
    )
    return SeriesResult(
        reporter=reporter,
        partner=partner,
        first=first,
        last=last,
        currency=currency,
        rows=rows,
        missing=missing,
        source_ids=tuple(sorted(set(in_range["source"]))),
    )
