"""Exports, imports and balance for every month or year of a span; gaps stay gaps."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tradecli.analysis.balance import pair_candidates, pair_flows
from tradecli.analysis.core import currency_of
from tradecli.analysis.windows import coverage
from tradecli.codes import Country
from tradecli.errors import NoData
from tradecli.periods import Period, Window, check_windows, periods_between


@dataclass(frozen=True)
class SeriesResult:
    """One row per month or year: period, exports, imports, balance, then
    exports_tier / imports_tier (the :class:`~tradecli.analysis.core.Tier` that
    won for each figure, null where there is none)."""

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
    frequency = "year" if annual else "month"
    grid = pl.DataFrame(
        {"period": [u.start for u in periods_between(first, last)]}, schema={"period": pl.Date}
    )
    wide = pair.filter(pl.col("frequency") == frequency).pivot(
        on="flow", index="period", values=["value", "tier"]
    )
    for flow in ("exports", "imports"):
        for column, dtype in ((f"value_{flow}", pl.Float64), (f"tier_{flow}", pl.Int8)):
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
        )  # fmt: skip
    )
    missing = tuple(
        rows.filter(pl.col("exports").is_null() & pl.col("imports").is_null())["period"]
    )
    in_range = pair.filter(
        (pl.col("frequency") == frequency) & pl.col("period").is_between(first.start, last.start)
    )
    currency = currency_of(
        pair_candidates(flows, r, p).filter(
            pl.col("period").is_in(in_range["period"].unique().to_list())
        ),
        what,
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
