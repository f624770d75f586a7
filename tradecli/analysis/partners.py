"""Partners of one reporter, ranked, with exports, imports, balance and growth."""

from __future__ import annotations

import polars as pl
from msgspec import Struct

from tradecli.analysis.balance import FLOWS
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
from tradecli.analysis.coverage import covered_products, describe, no_total
from tradecli.analysis.windows import (
    coverage,
    defaulted_span_note,
    resolve_windows,
    window_sums,
    window_units,
)
from tradecli.analysis_options import PartnerMeasure, PartnerSort
from tradecli.codes import Country
from tradecli.errors import NoData, UsageError
from tradecli.periods import Compare, Convention, Window
from tradecli.schema import TOTAL
from tradecli.wording import possessive

MEASURE_FLOWS = {
    PartnerMeasure.EXPORTS: ("exports",),
    PartnerMeasure.IMPORTS: ("imports",),
    PartnerMeasure.TRADE: ("exports", "imports"),
}


class PartnersResult(Struct, frozen=True):
    """Partners of one reporter with exports, imports, balance and growth.

    ``rows``: partner (ISO3), name, exports, imports, balance, value (the
    chosen measure), value_from, growth_pct, then tier (worst
    :class:`~tradecli.analysis.core.Tier` behind ``value``), tier_from (behind
    ``value_from``), comparable, and source_to / source_from (the source ids behind
    ``value`` and ``value_from``, "+"-joined); sorted as asked.
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
    *,
    strict: bool = False,
    newest_first: tuple[str, ...] = (),
) -> PartnersResult:
    """Every partner of ``reporter`` in the data, ranked; the world total is left out (noted).

    Sorted by growth, partners whose growth compares different sources or sides
    (``comparable`` false) rank after every comparable one; ``strict`` leaves
    their growth empty instead.
    """
    from tradecli.codes import WORLD, load_countries

    if top < 1:
        raise UsageError("--top must be at least 1")
    r = reporter.iso3
    exports = pl.col("exporter") == r
    imports = pl.col("importer") == r
    partner_of = (
        pl.when(exports).then(pl.col("importer")).otherwise(pl.col("exporter"))
    )  # the other country of a row
    labelled = flows.filter((pl.col("product") == TOTAL) & (exports | imports)).with_columns(
        partner=partner_of,
        flow=pl.when(exports).then(pl.lit("exports")).otherwise(pl.lit("imports")),
    )
    # Not partners: the world total and a country's trade with itself. Left out, never silently.
    not_partner = (pl.col("partner") == r) | (pl.col("partner") == WORLD)
    excluded = labelled.filter(not_partner).select("partner").collect()["partner"]
    candidates = labelled.filter(not_partner.not_())
    rows = pick_one(
        candidates, ["partner", "flow", "period", "frequency"], r, pl.col("partner"), newest_first
    ).collect()
    what = f"{reporter.name} ({r})"
    if rows.is_empty():
        present = covered_products(
            flows.filter((pl.col("product") != TOTAL) & (exports | imports)).collect()
        )
        if present:
            raise no_total(what, present, option=False)
        raise NoData(
            f"no total-goods partner data for {what}",
            hint="partner rankings need TOTAL flows; the embedded sample has all partners of "
            "166 countries in 2006 and of Chile in 2002; import more with `tradecli import`",
        )
    cov = coverage(rows)
    base, target = resolve_windows(cov, start, end, convention, compare, fiscal_start, what)
    units = window_units(rows, {"from": base, "to": target})
    currency = currency_of(
        candidates.filter(pl.col("period").is_in(units["period"].unique().to_list())), what
    )
    keys = rows.select("partner").unique().join(FLOWS, how="cross")
    # A partner missing a unit of the window has no complete figure for it.
    sums = window_sums(rows, units, ["partner", "flow"], keys=keys)
    single = base == target
    table = _compare(sums, MEASURE_FLOWS[measure], single, strict)
    table = table.filter(pl.col("exports").is_not_null() | pl.col("imports").is_not_null())
    # Partners whose data in the window are product rows only: no total, so no place in a
    # ranking of total trade; named in a note, and when no partner is left, refused.
    product_only = (
        flows.filter((pl.col("product") != TOTAL) & (exports | imports))
        .with_columns(partner=partner_of)
        .filter(not_partner.not_())
        .filter(
            pl.any_horizontal(
                pl.col("period").is_between(w.first.start, w.last.start) for w in (base, target)
            )
        )
        .join(table.lazy().select("partner"), on="partner", how="anti")
        .collect()
    )
    if table.is_empty():
        window = f"{what} in {target.label}"
        if product_only.height:
            raise no_total(window, covered_products(product_only), option=False)
        raise NoData(
            f"no total-goods partner figures for {window}",
            hint=f"the data cover {cov.describe()}",
        )
    order = {
        PartnerSort.VALUE: ("value", True),
        PartnerSort.DEFICIT: ("balance", False),
        PartnerSort.SURPLUS: ("balance", True),
        PartnerSort.GROWTH: ("growth_pct", True),
    }[sort]
    if sort is PartnerSort.GROWTH:
        # Growth across sources or sides is no match for like-with-like growth: such
        # partners rank after every comparable one (then by growth among themselves).
        # Then the partners with no growth at all.
        group = (
            pl.when(pl.col("growth_pct").is_null())
            .then(2)
            .when(pl.col("comparable").not_())
            .then(1)
            .otherwise(0)
        )
        ranked = (
            table.with_columns(_group=group)
            .sort(["_group", "growth_pct", "partner"], descending=[False, True, False])
            .drop("_group")
        )
    else:
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
    if span := defaulted_span_note(
        base, target, end is not None, convention, from_given=start is not None, held=cov.months
    ):
        notes.append(span)
    if product_only.height:
        named = sorted(set(product_only["partner"]))
        listed = ", ".join(named[:8]) + (f" and {len(named) - 8} more" if len(named) > 8 else "")
        notes.append(
            f"left out: {len(named)} partner(s) whose data for {target.label} hold "
            f"{describe(covered_products(product_only))} only, not total trade ({listed})"
        )
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
    unlike = table.filter(pl.col("comparable").not_()).height
    if unlike:
        if strict:
            notes.append(f"{unlike} partner(s): {STRICT_NOTE}")
        elif sort is PartnerSort.GROWTH:
            notes.append(
                f"{unlike} partner(s) have growth that compares different sources or sides "
                "(reported vs mirror): ranked after the comparable ones"
            )
    if excluded.len():
        kinds = []
        if (excluded == WORLD).any():
            kinds.append(f"the world total ({WORLD})")
        if (excluded == r).any():
            kinds.append(f"{possessive(reporter.name)} trade with itself")
        notes.append(f"left out, as not partners: {' and '.join(kinds)} ({excluded.len()} rows)")
    found = conflicts(
        candidates.filter(pl.col("period").is_in(units["period"].unique().to_list())),
        ["partner", "flow", "period", "frequency"],
        r,
        pl.col("partner"),
        newest_first,
    )
    # Periods after the totals with product rows only (an import of some products over
    # the sample's totals): named, never summed into a ranking, never left out silently.
    later = flows.filter(
        (pl.col("product") != TOTAL) & (exports | imports) & (pl.col("period") > target.last.start)
    ).collect()
    if later.height:
        held = covered_products(later)
        years = sorted({d.year for d in later["period"]})
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}..{years[-1]}"
        notes.append(
            f"for {span} the data hold {describe(held)} only, not total trade: no ranking "
            "is computed from them (see `tradecli products`)"
        )
    notes.extend(
        conflict_notes(
            found,
            lambda row: f"{row['flow']} with {row['partner']} for {unit_of(row)}",
            currency,
        )
    )
    sources = tuple(sorted(set(rows.join(units, on=["period", "frequency"])["source"])))
    return PartnersResult(
        reporter=reporter,
        measure=measure,
        sort=sort,
        start=base,
        end=target,
        currency=currency,
        rows=shown.select(
            "partner",
            "name",
            "exports",
            "imports",
            "balance",
            "value",
            "value_from",
            "growth_pct",
            "tier",
            "tier_from",
            "comparable",
            pl.col("sources_to").list.unique(maintain_order=True).list.join("+").alias("source_to"),
            pl.col("sources_from")
            .list.unique(maintain_order=True)
            .list.join("+")
            .alias("source_from"),
        ),  # fmt: skip
        partners=table.height,
        notes=tuple(notes),
        source_ids=sources,
    )


def _measure(sums: pl.DataFrame, flows: tuple[str, ...], window: str) -> pl.DataFrame:
    """Per partner, the measure (the sum of ``flows``, null when any is null) in ``window``,
    the worst tier behind it and its source ids (each flow's, in flow order)."""
    return (
        sums.filter((pl.col("window") == window) & pl.col("flow").is_in(flows))
        .sort("partner", "flow")  # exports before imports: sources in flow order
        .group_by("partner", maintain_order=True)
        .agg(
            pl.when(pl.col("value").null_count() == 0)
            .then(pl.col("value").sum())
            .cast(pl.Float64)
            .alias(f"value_{window}"),
            pl.col("tier").max().alias(f"tier_{window}"),
            pl.col("sources").explode().drop_nulls().alias(f"sources_{window}"),
        )
    )


def _compare(
    sums: pl.DataFrame, flows: tuple[str, ...], single: bool, strict: bool
) -> pl.DataFrame:
    """One row per partner: exports, imports and balance in the later window, the
    measure in both, and its growth (the one strict rule) and comparability."""
    latest = sums.filter(pl.col("window") == "to")
    by_flow = {
        flow: latest.filter(pl.col("flow") == flow).select(
            "partner", pl.col("value").cast(pl.Float64).alias(flow)
        )
        for flow in ("exports", "imports")
    }
    table = (
        by_flow["exports"]
        .join(by_flow["imports"], on="partner")
        .with_columns(balance=pl.col("exports") - pl.col("imports"))
        .join(_measure(sums, flows, "to"), on="partner")
        .join(_measure(sums, flows, "from"), on="partner")
        .rename({"value_to": "value", "tier_to": "tier"})
    )
    if single:
        table = table.with_columns(value_from=pl.lit(None, pl.Float64))
    value_growth = growth(pl.col("value_from"), pl.col("value"))
    like_with_like = comparable(
        value_growth.is_not_null(),
        pl.col("sources_from"),
        pl.col("sources_to"),
        pl.col("tier_from"),
        pl.col("tier"),
    )
    return table.with_columns(
        growth_pct=strict_growth(value_growth, like_with_like, strict),
        comparable=like_with_like,
    )
