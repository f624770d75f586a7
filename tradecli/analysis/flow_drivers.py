"""`drivers` on flows: one flow's products in two windows, handed to the attribution.

The figures follow the rules every command shares (:mod:`tradecli.analysis.core`): one
figure per product and period, chosen by tier and recency, never a sum of two sources;
one currency. The data's finest product level is used, so goods are never counted at
two levels. A window is attributed only when every one of its units (months, or the
year) has product data: a month missing would turn into products that look new or gone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl
from msgspec import Struct

from tradecli import editions
from tradecli.analysis.core import (
    conflict_notes,
    conflicts,
    currency_of,
    pick_one,
    unit_of,
)
from tradecli.analysis.coverage import PRODUCT_SOURCES, select_products
from tradecli.analysis.drivers import Attribution, ProductValue, attribute
from tradecli.analysis.windows import coverage, defaulted_span_note, resolve_windows, window_units
from tradecli.analysis_options import FlowChoice
from tradecli.codes import Country, product_name
from tradecli.errors import NoData, UsageError
from tradecli.periods import Compare, Convention, Frequency, Period, Window
from tradecli.product_levels import LEVELS, at_level, drop_covered
from tradecli.schema import TOTAL

NO_PRODUCTS_HINT = (
    "`drivers` needs the flow's figures by product in both periods (the embedded sample "
    f"holds products for Chile-Argentina in 2004 only); {PRODUCT_SOURCES}"
)


class DriversResult(Struct, frozen=True):
    """What drove the change in ``reporter``'s ``flow`` with ``partner`` from ``start`` to ``end``.

    ``attribution`` holds the figures (:class:`~tradecli.analysis.drivers.Attribution`);
    ``names`` the HS name of every code it shows; ``selection`` the --product label
    when the flow was narrowed to some products.
    """

    reporter: Country
    partner: Country
    flow: FlowChoice
    level: str
    data_level: str
    start: Window
    end: Window
    attribution: Attribution
    names: dict[str, str]
    selection: str | None
    notes: tuple[str, ...]
    source_ids: tuple[str, ...]
    # The HS edition of the figures (None: not stated); names are HS 2022's (NAMES_EDITION).
    edition: str | None = None
    names_note: str | None = None  # why a name (HS 2022's) may not fit: editions.names_note


def _level_of(code: pl.Expr) -> pl.Expr:
    """``codes.product_level`` as one expression: a Python call per row is most of the
    time of a pair with every HS6 product over many years."""
    digits = code.str.len_chars()
    return (
        pl.when(code.str.starts_with("S") & (digits == 3))
        .then(pl.lit("section"))
        .when(code.str.contains(r"^[0-9]+$") & digits.is_in([2, 4, 6]))
        .then(pl.lit("hs") + digits.cast(pl.String))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _missing(rows: pl.DataFrame, units: pl.DataFrame) -> dict[str, list[str]]:
    present = rows.select("period", "frequency").unique()
    absent = units.join(present, on=["period", "frequency"], how="anti")
    out: dict[str, list[str]] = {}
    for window, day, frequency in absent.sort("period").iter_rows():
        out.setdefault(window, []).append(str(Period.from_date(day, Frequency(frequency))))
    return out


def _window_total(totals: pl.DataFrame, units: pl.DataFrame, window: str) -> float | None:
    """The flow's total over ``window``, or None unless every unit has its TOTAL row."""
    wanted = units.filter(pl.col("window") == window)
    found = wanted.join(totals, on=["period", "frequency"])
    if found.height < wanted.height:
        return None
    return math.fsum(found["value"].to_list())


def drivers(
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
    products: Sequence[str] = (),
    newest_first: tuple[str, ...] = (),
) -> DriversResult:
    """Contributions of ``flow``'s products at ``level`` to its growth, the ``top`` largest.

    With ``products`` (HS codes or sections), the attribution is of those products'
    sum, never of the flow's total.
    """
    if level not in LEVELS:
        raise UsageError(f"unknown product level {level!r}", hint="use section, hs2, hs4 or hs6")
    if top < 1:
        raise UsageError("--top must be at least 1")
    r, p = reporter.iso3, partner.iso3
    exporter, importer = (r, p) if flow is FlowChoice.EXPORTS else (p, r)
    direction = "to" if flow is FlowChoice.EXPORTS else "from"
    pair_name = f"{reporter.name} ({r}) {flow.value} {direction} {partner.name} ({p})"
    candidates = flows.filter((pl.col("exporter") == exporter) & (pl.col("importer") == importer))
    keys = ["period", "frequency", "product"]
    # One figure per product in each HS edition: one edition is chosen below, never two added.
    chosen = pick_one(candidates, [*keys, "hs_edition"], r, p, newest_first).collect()
    rows = chosen.filter(pl.col("product") != TOTAL).with_columns(
        level=_level_of(pl.col("product"))
    )
    if rows.is_empty():
        raise NoData(f"no product-level data for {pair_name}", hint=NO_PRODUCTS_HINT)
    selection = None
    coarser = rows.clear()
    if products:
        selection = select_products(rows, products, pair_name)
        rows = selection.covering(rows.filter(selection.expr()), ["period", "frequency"])
        # Each code is summed at one level; the coarsest of them bounds --level.
        data_level = min(set(rows["level"].drop_nulls()), key=LEVELS.index)
    else:
        # Rows at --level or finer, each good once (``product_levels.drop_covered``);
        # coarser rows cannot be split into its codes: a note names them.
        present = sorted(set(rows["level"].drop_nulls()), key=LEVELS.index)
        finer = [lv for lv in present if LEVELS.index(lv) >= LEVELS.index(level)]
        coarser = rows.filter(pl.col("level").is_in([lv for lv in present if lv not in finer]))
        rows = drop_covered(
            rows.filter(pl.col("level").is_in(finer)), ["period", "frequency"], level
        )
        summed = set(rows["level"].drop_nulls())
        data_level = max(summed, key=LEVELS.index) if summed else present[-1]
    if LEVELS.index(level) > LEVELS.index(data_level):
        raise UsageError(
            f"the data for {pair_name} go down to {data_level.upper()} only",
            hint=f"use --level {data_level} or coarser",
        )
    cov = coverage(rows)
    base, target = resolve_windows(cov, start, end, convention, compare, fiscal_start, pair_name)
    if base == target:
        raise UsageError(
            f"drivers compares two periods; here both are {base.label}",
            hint="without --to, the latest period in the data is compared: give an earlier "
            "--from, or a --to",
        )
    units = window_units(rows, {"from": base, "to": target})
    edition = editions.choose(rows, units, {"from": base.label, "to": target.label}, False)
    if edition.crossed:
        raise NoData(
            f"no HS edition of the product data for {pair_name} covers both {base.label} and "
            f"{target.label} ({base.label}: {editions.label(edition.used['from'])}; "
            f"{target.label}: {editions.label(edition.used['to'])}): a product's change "
            "would compare codes of two editions, which can mean different goods",
            hint="compare two periods of one edition, or import a release (e.g. one BACI "
            "edition) that covers both; `tradecli products` shows such a change, marked "
            "not comparable",
        )
    rows = edition.keep(rows, units)
    missing = _missing(rows, units)
    if missing:
        parts = []
        for name, window in (("from", base), ("to", target)):
            if name in missing:
                listed = ", ".join(missing[name][:6]) + (" ..." if len(missing[name]) > 6 else "")
                parts.append(f"{window.label} (missing {listed})")
        raise NoData(
            f"no product data for {pair_name} in " + " and ".join(parts),
            hint=f"the product data cover {cov.describe()}; a missing period would make "
            "products look new or gone",
        )
    in_units = rows.join(units, on=["period", "frequency"]).with_columns(
        code=at_level(pl.col("product"), level)
    )
    totals = chosen.filter(pl.col("product") == TOTAL)
    if selection is None:
        total_from = _window_total(totals, units, "from")
        total_to = _window_total(totals, units, "to")
    else:
        total_from = total_to = None  # some products only: never the flow's total
    used = edition.keep(
        candidates.filter(
            pl.col("period").is_in(units["period"].unique().to_list())
            & pl.col("product").is_in([*rows["product"].unique().to_list(), TOTAL])
        ),
        units,
    )
    currency = currency_of(used, pair_name)
    window_rows: dict[str, list[ProductValue]] = {"from": [], "to": []}
    for row in in_units.iter_rows(named=True):
        window_rows[row["window"]].append(
            ProductValue(
                code=row["code"],
                value=row["value"],
                currency=row["currency"],
                # Quantities as the data give them (null stays None, never 0); the
                # attribution adds them only within one unit, so price/volume splits
                # only where both periods have them.
                quantity=row["quantity"],
                unit=row["quantity_unit"],
                source=row["source"],
            )
        )
    attribution = attribute(window_rows["from"], window_rows["to"], total_from, total_to, top)
    notes = [*edition.notes, *attribution.notes]
    if span := defaulted_span_note(
        base, target, end is not None, convention, from_given=start is not None, held=cov.months
    ):
        notes.append(span)
    if selection is not None:
        notes.insert(0, selection.note)
    unsplit = sorted(set(coarser.join(units, on=["period", "frequency"], how="semi")["product"]))
    if unsplit:
        listed = ", ".join(unsplit[:8]) + (
            f" ... ({len(unsplit)} codes)" if len(unsplit) > 8 else ""
        )
        notes.append(
            f"the data hold rows coarser than {level.upper()} ({listed}) that cannot be split "
            f"into {level.upper()} codes: not listed; see them with --level "
            + min(set(coarser["level"]), key=LEVELS.index)
        )
    if attribution.rows and all(r.unsplit_reason is not None for r in attribution.rows):
        notes.append(
            "no product could be split into price and volume: the data hold no quantities "
            "for it (or it is new or gone)"
        )
    found = conflicts(used, keys, r, p, newest_first)
    notes.extend(
        conflict_notes(found, lambda row: f"{row['product']} for {unit_of(row)}", currency)
    )
    return DriversResult(
        reporter=reporter,
        partner=partner,
        flow=flow,
        level=level,
        data_level=data_level,
        start=base,
        end=target,
        attribution=attribution,
        names={row.code: product_name(row.code) for row in attribution.rows},
        selection=None if selection is None else selection.label,
        notes=tuple(notes),
        source_ids=tuple(sorted(set(in_units["source"]))),
        edition=edition.used["to"],
        names_note=editions.names_note({edition.used["to"]}),
    )
