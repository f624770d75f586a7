"""Exports, imports and balance for every month or year of a span; gaps stay gaps."""

from __future__ import annotations

import polars as pl
from msgspec import Struct

from tradecli.analysis.balance import conflict_what, pair_candidates, pair_products, pair_rows
from tradecli.analysis.core import conflict_notes, conflicts, currency_of
from tradecli.analysis.coverage import covered_products, describe, suggestion
from tradecli.analysis.windows import coverage
from tradecli.codes import Country
from tradecli.errors import NoData
from tradecli.periods import Frequency, Period, Window, check_windows, periods_between


class SeriesResult(Struct, frozen=True):
    """One row per month or year: period, exports, imports, balance, then
    exports_tier / imports_tier (the :class:`~tradecli.analysis.core.Tier` that
    won for each figure, null where there is none), then exports_source /
    imports_source (the source ids of each figure, "+"-joined, null where none)."""

    reporter: Country
    partner: Country
    first: Period
    last: Period
    currency: str
    rows: pl.DataFrame
    missing: tuple[str, ...]
    source_ids: tuple[str, ...]
    products: tuple[str, ...] = ()  # --product codes: the figures are for these only
    notes: tuple[str, ...] = ()  # product scope, same-tier disagreements

    @property
    def end(self) -> Period:
        """The last period of the series (the period a report answers)."""
        return self.last


def series(
    flows: pl.LazyFrame,
    reporter: Country,
    partner: Country,
    start: Window | None = None,
    end: Window | None = None,
    *,
    products: tuple[str, ...] = (),
    newest_first: tuple[str, ...] = (),
) -> SeriesResult:
    """Exports, imports and balance for every unit from ``start`` to ``end``; gaps stay gaps.

    ``products`` answers for those HS codes instead of total trade (see
    ``coverage.select_products``); a pair with product rows only has no total.
    """
    r, p = reporter.iso3, partner.iso3
    pair, selection = pair_rows(flows, reporter, partner, products, newest_first)
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
    frequency = "year" if annual else "month"
    grid = pl.DataFrame(
        {"period": [u.start for u in periods_between(first, last)]}, schema={"period": pl.Date}
    )
    wide = pair.filter(pl.col("frequency") == frequency).pivot(
        on="flow", index="period", values=["value", "tier", "sources"]
    )
    wide = wide.with_columns(
        pl.col(f"sources_{flow}").list.join("+").alias(f"source_{flow}")
        for flow in ("exports", "imports")
        if f"sources_{flow}" in wide.columns
    )
    for flow in ("exports", "imports"):
        for column, dtype in (
            (f"value_{flow}", pl.Float64),
            (f"tier_{flow}", pl.Int8),
            (f"source_{flow}", pl.String),
        ):
            if column not in wide.columns:
                wide = wide.with_columns(pl.lit(None, dtype).alias(column))
    rows = (
        grid.join(
            wide.select(
                "period",
                exports="value_exports",
                imports="value_imports",
                exports_tier="tier_exports",
                imports_tier="tier_imports",
                exports_source="source_exports",
                imports_source="source_imports",
            ),
            on="period",
            how="left",
        )
        .with_columns(balance=pl.col("exports") - pl.col("imports"))
        .select(
            pl.col("period").dt.strftime("%Y" if annual else "%Y-%m"),
            "exports",
            "imports",
            "balance",
            "exports_tier",
            "imports_tier",
            "exports_source",
            "imports_source",
        )  # fmt: skip
    )
    missing = tuple(
        rows.filter(pl.col("exports").is_null() & pl.col("imports").is_null())["period"]
    )
    in_range = pair.filter(
        (pl.col("frequency") == frequency) & pl.col("period").is_between(first.start, last.start)
    )
    candidates = pair_candidates(flows, r, p, selection).filter(
        (pl.col("frequency") == frequency)
        & pl.col("period").is_in(in_range["period"].unique().to_list())
    )
    currency = currency_of(candidates, what)
    # Periods with product rows but no total (an import of some products over the
    # sample's totals): named, never summed into a total, never silently left out.
    partial = None
    if selection is None:
        totals = pair["period"].unique().to_list()
        only = pair_products(flows, r, p).filter(
            (pl.col("frequency") == frequency) & ~pl.col("period").is_in(totals)
        )
        if only.height:
            spans = sorted({str(Period.from_date(d, Frequency(frequency))) for d in only["period"]})
            held = covered_products(only)
            partial = (
                f"for {', '.join(spans)} the data hold {describe(held)} only, not total "
                f"trade: ask for them with {suggestion(held)}"
            )
    if in_range.is_empty():
        # The missing-data rule: not one figure in the span is an error naming what is covered.
        raise NoData(
            f"no data for {what} from {first} to {last}",
            hint=f"the data cover {cov.describe()}" + (f"; {partial}" if partial else ""),
        )
    keys = ["flow", "period", "frequency"] + ([] if selection is None else ["product"])
    found = conflicts(candidates, keys, r, p, newest_first)
    notes = conflict_notes(found, conflict_what, currency)
    if selection is not None:
        notes = (selection.note, *notes)
    if partial:
        notes = (*notes, partial)
    return SeriesResult(
        reporter=reporter,
        partner=partner,
        first=first,
        last=last,
        currency=currency,
        rows=rows,
        missing=missing,
        source_ids=tuple(sorted({s for ids in in_range["sources"] for s in ids})),
        products=() if selection is None else selection.codes,
        notes=notes,
    )
