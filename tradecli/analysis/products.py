"""Top products of one flow between two countries."""

from __future__ import annotations

import math

import polars as pl
from msgspec import Struct

from tradecli import editions
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
from tradecli.analysis.coverage import PRODUCT_SOURCES
from tradecli.analysis.windows import (
    coverage,
    defaulted_span_note,
    resolve_windows,
    window_sums,
    window_units,
)
from tradecli.analysis_options import FlowChoice
from tradecli.codes import Country, product_level, product_name
from tradecli.errors import NoData, UsageError
from tradecli.periods import Compare, Convention, Frequency, Period, Window
from tradecli.product_levels import LEVELS, at_level, drop_covered
from tradecli.schema import TOTAL, sum_quantity

LEVEL_ORDER = {level: rank for rank, level in enumerate(LEVELS)}  # coarsest first


class ProductsResult(Struct, frozen=True):
    """Top products of one flow between two countries.

    ``rows``: code, name, value_from, value_to, share_pct, growth_pct, then
    tier_from / tier_to (worst :class:`~tradecli.analysis.core.Tier` used),
    source_from / source_to ("+"-joined ids), comparable and status ("new" / "gone":
    absent from the earlier / later window's product data; absent is null, never
    zero); the last row is
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
    # True: the totals are the flow's own total (its TOTAL rows), shares are of it and
    # "Other products" is that total minus the products listed; False: the totals sum
    # the products in the data, and ``total_label`` says there is no total.
    declared_total: bool = False
    total_label: str = ""
    # The levels of the rows summed (coarsest first), and rows coarser than ``level`` in
    # the windows, which its codes cannot split (named in a note, never dropped silently).
    summed_levels: tuple[str, ...] = ()
    unsplit: tuple[str, ...] = ()
    # Why a product name (HS 2022's) may not fit the data's codes: their edition differs
    # or is not stated (``editions.names_note``); None when the data are HS 2022.
    names_note: str | None = None
    # "HS 1992 and HS 2017" when the two windows are of two editions (not like for like).
    edition_change: str | None = None


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


def _per_code(rows: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """One figure per code and unit where the data hold the code: the sum of its products.

    A product absent from a unit has no row there, never a zero: ``window_sums`` then
    finds the unit missing for that code, and the code has no value in that window
    (absent is not "traded nothing"; the file does not say so).
    """
    held = rows.join(units, on=["period", "frequency"], how="semi")
    return held.group_by("code", "period", "frequency").agg(
        value=pl.col("value").sum().cast(pl.Float64),
        sources=pl.col("source").unique().sort(),
        tier=pl.col("tier").max(),
    )


def _compare(
    sums: pl.DataFrame, single: bool, strict: bool, crossed: bool = False
) -> tuple[pl.DataFrame, pl.Expr, pl.Expr]:
    """One row per code with both windows' value, tier and sources; and the growth
    (the one strict rule applied) and comparability expressions over such rows.
    ``crossed``: the two windows are in different HS editions, so nothing compares."""
    wide = [
        sums.filter(pl.col("window") == window).select(
            "code",
            pl.col("value").cast(pl.Float64).alias(f"value_{window}"),
            pl.col("tier").alias(f"tier_{window}"),
            pl.col("sources").alias(f"sources_{window}"),
            pl.col("present").alias(f"present_{window}"),
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
    if crossed:
        like_with_like = pl.when(like_with_like.is_not_null()).then(pl.lit(False))
    value_growth = strict_growth(value_growth, like_with_like, strict)
    return table, pl.when(pl.lit(not single)).then(value_growth), like_with_like


def _missing_text(rows: pl.DataFrame, units: pl.DataFrame) -> dict[str, list[str]]:
    """Per window with a unit holding no product data at all: those units, as text."""
    out: dict[str, list[str]] = {}
    held = rows.select("period", "frequency").unique()
    absent = units.join(held, on=["period", "frequency"], how="anti").sort("period")
    for window, day, frequency in absent.iter_rows():
        out.setdefault(window, []).append(str(Period.from_date(day, Frequency(frequency))))
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
    rows = (  # one figure per product in each HS edition: editions are chosen below
        pick_one(candidates, ["period", "frequency", "product", "hs_edition"], r, p, newest_first)
        .collect()
        .with_columns(level=pl.col("product").map_elements(product_level, return_dtype=pl.String))
    )
    direction = "to" if flow is FlowChoice.EXPORTS else "from"
    pair_name = f"{reporter.name} ({r}) {flow.value} {direction} {partner.name} ({p})"
    if rows.is_empty():
        raise NoData(
            f"no product-level data for {pair_name}",
            hint="the embedded sample has products for Chile-Argentina in 2004 (HS6); "
            + PRODUCT_SOURCES,
        )
    levels = sorted(set(rows["level"].drop_nulls()), key=LEVEL_ORDER.__getitem__)
    # Rows at the level asked or finer, each counted once (``product_levels``): a code is
    # its own row where the data hold one, else the sum of the rows under it.
    finer = [lv for lv in levels if LEVEL_ORDER[lv] >= LEVEL_ORDER[level]]
    usable = drop_covered(
        rows.filter(pl.col("level").is_in(finer)), ["period", "frequency"], floor=level
    )
    if usable.is_empty():
        raise UsageError(
            f"the data for {pair_name} go down to {levels[-1].upper()} only",
            hint=f"use --level {levels[-1]} or coarser",
        )
    # Rows coarser than asked cannot be split into its codes: named in a note, never dropped.
    coarser = rows.filter(pl.col("level").is_in([lv for lv in levels if lv not in finer]))
    data_level = max(set(usable["level"]), key=LEVEL_ORDER.__getitem__)  # the finest summed
    rows = usable.with_columns(code=at_level(pl.col("product"), level))
    cov = coverage(rows)
    base, target = resolve_windows(cov, start, end, convention, compare, fiscal_start, pair_name)
    units = window_units(rows, {"from": base, "to": target})
    single = base == target
    # One HS edition per window, never two added (a code can mean other goods in each).
    edition = editions.choose(rows, units, {"from": base.label, "to": target.label}, single)
    rows = edition.keep(rows, units)
    in_units = rows.join(units, on=["period", "frequency"])
    if in_units.filter(pl.col("window") == "to").is_empty():
        raise NoData(
            f"no product data for {pair_name} in {target.label}",
            hint=f"the data cover {cov.describe()}",
        )
    held = edition.keep(
        candidates.filter(
            pl.col("product").is_in(rows["product"].unique().to_list())
            & pl.col("period").is_in(units["period"].unique().to_list())
        ),
        units,
    )
    declared, declared_held = _declared_total(flows, exporter, importer, units, r, p, newest_first)
    has_total = all(declared[w][0] is not None for w in (("to",) if single else ("from", "to")))
    if has_total:
        held = pl.concat([held, declared_held], how="diagonal_relaxed")
    currency = currency_of(held, pair_name)
    codes = in_units.select("code").unique()
    sums = window_sums(_per_code(rows, units), units, ["code"], keys=codes)
    missing = _missing_text(rows, units)
    table, value_growth, like_with_like = _compare(sums, single, strict, edition.crossed)
    complete = {name: name not in missing for name in ("from", "to")}
    # A product with no row at all in a window whose units all hold product data is
    # absent from it: "new" when only the later window has it, "gone" when only the
    # earlier one does. Never a zero, so never a growth rate.
    table = table.with_columns(
        status=pl.when(pl.lit(single))
        .then(pl.lit(None, pl.String))
        .when(
            pl.lit(complete["from"])
            & (pl.col("present_from") == 0)
            & pl.col("value_to").is_not_null()
        )
        .then(pl.lit("new"))
        .when(
            pl.lit(complete["to"])
            & (pl.col("present_to") == 0)
            & pl.col("value_from").is_not_null()
        )
        .then(pl.lit("gone"))
    ).drop("present_from", "present_to")
    # Unit values only where the data hold quantities: other outputs stay as they were.
    unit_values = bool(in_units["quantity"].is_not_null().any())
    if unit_values:
        table = _unit_values(table.join(_quantities(in_units), on="code", how="left"))
    # math.fsum: the exactly rounded sum, the same whatever order or polars version.
    # A window's total sums the products present in it; the absent ones are counted in a
    # note, never added as zeros.
    absent = {w: table[f"value_{w}"].null_count() for w in ("from", "to")}
    total_from = math.fsum(table["value_from"].drop_nulls()) if complete["from"] else None
    total_to = math.fsum(table["value_to"].drop_nulls()) if complete["to"] else None
    if has_total:  # the flow's own total, not the sum of whatever rows exist
        total_from, total_to = declared["from"][0], declared["to"][0]
    total_growth = pl.select(
        g=growth(pl.lit(total_from, pl.Float64), pl.lit(total_to, pl.Float64))
    )["g"][0]
    ranked = table.sort(["value_to", "code"], descending=[True, False], nulls_last=True)
    shown = ranked.head(top)
    rest = ranked.slice(top)
    notes = [*edition.notes]
    if has_total:
        labels = {"to": target.label} if single else {"from": base.label, "to": target.label}
        shown, note = _other_of_total(shown, table, declared, complete, labels)
        notes.extend(note)
    elif rest.height:
        other = rest.select(
            code=pl.lit(f"OTHER({rest.height})"),
            # The products present; null when none is (an absent product adds nothing,
            # and is no zero either: the row's growth is then empty, with a note).
            value_from=_present_sum(pl.col("value_from")),
            value_to=_present_sum(pl.col("value_to")),
            tier_from=pl.col("tier_from").max(),
            tier_to=pl.col("tier_to").max(),
            sources_from=_union(pl.col("sources_from")),
            sources_to=_union(pl.col("sources_to")),
            status=pl.lit(None, pl.String),
        )
        if unit_values:  # "All other": many products, no one unit
            other = other.with_columns(
                unit=pl.lit(None, pl.String),
                unit_value_from=pl.lit(None, pl.Float64),
                unit_value_to=pl.lit(None, pl.Float64),
            )
        shown = pl.concat([shown, other.select(shown.columns).cast(shown.schema)])
    rest_absent = (
        rest.select(pl.col("value_from").null_count() + pl.col("value_to").null_count()).item()
        if rest.height
        else 0
    )
    result = shown.with_columns(
        name=pl.col("code").map_elements(
            lambda code: (
                OTHER_OF_TOTAL
                if code == "OTHER(-)"
                else f"All other products ({code[6:-1]})"
                if code.startswith("OTHER(")
                else product_name(code)
            ),
            return_dtype=pl.String,
        ),
        # One multiplication by a constant: the same bits on every polars version.
        share_pct=(
            pl.col("value_to") * (100.0 / total_to) if total_to else pl.lit(None, pl.Float64)
        ),
        # "All other" over different sets of products in the two windows: no growth.
        growth_pct=pl.when(~_other_code() | pl.lit(has_total or rest_absent == 0)).then(
            value_growth
        ),
        comparable=pl.when(~_other_code() | pl.lit(has_total or rest_absent == 0)).then(
            like_with_like
        ),
        # The joined text only here, at the edge the outputs print.
        source_from=joined(pl.col("sources_from")),
        source_to=joined(pl.col("sources_to")),
    ).select(
        "code", "name", "value_from", "value_to", "share_pct", "growth_pct",
        "tier_from", "tier_to", "source_from", "source_to", "comparable", "status",
        *(("unit", "unit_value_from", "unit_value_to") if unit_values else ()),
    )  # fmt: skip
    result, names_note = _editions(result, edition, single)
    for name, window in (("from", base), ("to", target)):
        if name in missing and not (single and name == "from"):
            listed = ", ".join(missing[name][:6]) + (" ..." if len(missing[name]) > 6 else "")
            notes.append(
                f"no product data for {window.label} (missing {listed}): its values, "
                "shares and growth are not computed"
            )
    if not single:
        for status, window, other_window in (("new", base, target), ("gone", target, base)):
            count = table.filter(pl.col("status") == status).height
            if count:
                notes.append(
                    f"{count} product(s) absent from the data for {window.label} but present "
                    f'in {other_window.label} ("{status}"): no value and no growth, not zero'
                )
    for name, window in (("from", base), ("to", target)):
        if complete[name] and absent[name] and not has_total and not (single and name == "from"):
            notes.append(
                f"the total for {window.label} sums the {table.height - absent[name]} "
                f"products present; {absent[name]} product(s) without a figure for it are "
                "not counted (absent is not zero)"
            )
    partly = [w.label for n, w in (("from", base), ("to", target)) if declared[n][0] is not None]
    if partly and not has_total:
        notes.append(
            f"the data hold the flow's total for {' and '.join(partly)} only: shares are of "
            "the products in the data, not of the total"
        )
    if rest_absent and not single and not has_total:
        notes.append(
            "All other products hold products absent from one of the two periods: "
            "its growth is not computed"
        )
    unsplit = sorted(set(coarser.join(units, on=["period", "frequency"], how="semi")["product"]))
    if unsplit:
        listed = ", ".join(unsplit[:8]) + (
            f" ... ({len(unsplit)} codes)" if len(unsplit) > 8 else ""
        )
        coarsest = min(set(coarser["level"]), key=LEVEL_ORDER.__getitem__)
        notes.append(
            f"the data hold rows coarser than {level.upper()} ({listed}) that cannot be split "
            f"into {level.upper()} codes: "
            + ("they are in the total (and other products), not listed" if has_total
               else "they are neither listed nor summed here")
            + f"; see them with --level {coarsest}"
        )  # fmt: skip
    if strict and result.filter(pl.col("comparable").not_()).height:
        notes.append(STRICT_NOTE)
    if span := defaulted_span_note(
        base, target, end is not None, convention, from_given=start is not None, held=cov.months
    ):
        notes.append(span)
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
        source_ids=tuple(
            sorted(
                set(in_units["source"])
                | (set(declared["from"][1]) | set(declared["to"][1]) if has_total else set())
            )
        ),
        total_growth_pct=None if single else total_growth,
        declared_total=has_total,
        summed_levels=tuple(
            sorted(set(in_units["level"].drop_nulls()), key=LEVEL_ORDER.__getitem__)
        ),
        unsplit=tuple(unsplit),
        names_note=names_note,
        edition_change=(
            f"{editions.label(edition.used['from'])} and {editions.label(edition.used['to'])}"
            if edition.crossed and not single
            else None
        ),
        total_label="Total"
        if has_total
        else f"{table.height} product{'s' if table.height != 1 else ''} in the data; no total",
    )


OTHER_OF_TOTAL = "Other products (the total minus those listed)"


def _declared_total(
    flows: pl.LazyFrame,
    exporter: str,
    importer: str,
    units: pl.DataFrame,
    reporter: str,
    partner: str,
    newest_first: tuple[str, ...],
) -> tuple[dict[str, tuple[float | None, list[str], int | None]], pl.LazyFrame]:
    """The flow's own total per window (value, source ids, worst tier), from its TOTAL rows,
    by the window rule (every unit must have one); and those rows, for currency and
    conflicts."""
    candidates = flows.filter(
        (pl.col("exporter") == exporter)
        & (pl.col("importer") == importer)
        & (pl.col("product") == TOTAL)
    )
    picked = (
        pick_one(candidates, ["period", "frequency", "product"], reporter, partner, newest_first)
        .collect()
        .select(
            "product", "period", "frequency", pl.col("value").cast(pl.Float64), "source", "tier"
        )
    )
    sums = window_sums(picked, units, ["product"], keys=pl.DataFrame({"product": [TOTAL]}))
    out = {
        window: (value, list(sources), tier)
        for window, value, sources, tier in sums.select(
            "window", "value", "sources", "tier"
        ).iter_rows()
    }
    held = candidates.join(units.lazy(), on=["period", "frequency"], how="semi")
    return {w: out.get(w, (None, [], None)) for w in ("from", "to")}, held


def _other_of_total(
    shown: pl.DataFrame,
    table: pl.DataFrame,
    declared: dict[str, tuple[float | None, list[str], int | None]],
    complete: dict[str, bool],
    labels: dict[str, str],
) -> tuple[pl.DataFrame, list[str]]:
    """The listed products and one "Other products" row: the flow's total minus them.

    Its sources and tier are the total's and the products' (it rests on both). A
    difference below zero (the products listed exceed the total) is not a figure: it
    is left empty, with a note naming the window (``labels``: the windows shown, one
    for a single period, whose "from" repeats its "to").
    """
    notes = []
    row: dict[str, object] = {"code": "OTHER(-)", "status": None}
    for w in ("from", "to"):
        total, sources, tier = declared[w]
        value = None
        if total is not None and complete[w]:
            value = total - math.fsum(shown[f"value_{w}"].drop_nulls())
            if abs(value) <= 1e-9 * abs(total):
                value = 0.0
            elif value < 0:
                if w in labels:
                    notes.append(
                        f"the products listed exceed the flow's total for {labels[w]} by "
                        f"{-value:.15g}: the data disagree, so other products have no figure"
                    )
                value = None
        tiers = [t for t in (tier, table[f"tier_{w}"].max()) if isinstance(t, int)]
        used = set(sources) | set(table[f"sources_{w}"].explode().drop_nulls())
        row |= {
            f"value_{w}": value,
            f"tier_{w}": max(tiers) if tiers else None,
            f"sources_{w}": sorted(used),
        }
    other = pl.DataFrame([{c: row.get(c) for c in shown.columns}], schema=shown.schema)
    return pl.concat([shown, other]), notes


def _present_sum(values: pl.Expr) -> pl.Expr:
    """The sum of the known ``values``; null when none is known (never a zero)."""
    return pl.when(values.is_not_null().any()).then(values.sum())


def _other_code() -> pl.Expr:
    return pl.col("code").str.starts_with("OTHER(")


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


def _editions(
    result: pl.DataFrame, edition: editions.Choice, single: bool
) -> tuple[pl.DataFrame, str | None]:
    """Each row's HS edition (its later figure's) and that of its name (the shipped
    HS 2022 table), where the data state an edition; and the note when a name shown
    may not be of the data's edition. Outputs of data stating none stay as they were."""
    used = {edition.used["to"]} if single else set(edition.used.values())
    note = editions.names_note(used)
    if not any(edition.found):
        return result, note
    later = pl.when(pl.col("value_to").is_not_null() | pl.lit(single))
    return result.with_columns(
        edition=later.then(pl.lit(edition.used["to"], pl.String)).otherwise(
            pl.lit(edition.used["from"], pl.String)
        ),
        name_edition=pl.when(~_other_code()).then(pl.lit(editions.NAMES_EDITION)),
    ), note
