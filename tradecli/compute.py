"""Trade balance arithmetic in polars. Pure: frames in, frames and dataclasses out.

Balance is exports minus imports from the reporter's side. Growth is
(to - from) / from x 100 and is null, never zero or infinity, when either
value is missing or the base is zero; a note says which. Periods are matched
by joining on the period itself, so a gap in the data can only give a null,
never a figure for the wrong month.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tradecli.codes import Country
from tradecli.errors import NoData, UsageError
from tradecli.periods import Frequency, Period, check_range
from tradecli.schema import TOTAL

MEASURES = ("exports", "imports", "balance")


@dataclass(frozen=True)
class Coverage:
    """Which periods hold any data for a pair, by frequency."""

    months: tuple[Period, ...]
    years: tuple[Period, ...]

    def of(self, frequency: Frequency) -> tuple[Period, ...]:
        return self.months if frequency is Frequency.MONTH else self.years

    def describe(self) -> str:
        parts = []
        if self.months:
            parts.append("months " + _ranges(self.months))
        if self.years:
            parts.append("years " + _ranges(self.years))
        return "; ".join(parts) if parts else "nothing"


def _ranges(periods: tuple[Period, ...]) -> str:
    """'2019-12, 2020-11..2020-12, 2024-08' from a sorted run of periods."""
    groups: list[list[Period]] = []
    for period in periods:
        if groups and _next(groups[-1][-1]) == period:
            groups[-1].append(period)
        else:
            groups.append([period])
    return ", ".join(str(g[0]) if len(g) == 1 else f"{g[0]}..{g[-1]}" for g in groups)


def _next(period: Period) -> Period:
    if period.month is None:
        return Period(period.year + 1)
    return Period(period.year + period.month // 12, period.month % 12 + 1)


@dataclass(frozen=True)
class BalanceResult:
    """Exports, imports and balance of ``reporter`` with ``partner`` in two periods.

    ``figures`` has one row per measure (exports, imports, balance) and the
    columns measure, value_from, value_to, change, growth_pct, source_from,
    source_to, note. Values are in ``currency``.
    """

    reporter: Country
    partner: Country
    start: Period
    end: Period
    currency: str
    figures: pl.DataFrame

    def row(self, measure: str) -> dict[str, object]:
        return self.figures.filter(pl.col("measure") == measure).row(0, named=True)

    @property
    def notes(self) -> list[str]:
        return [n for n in self.figures["note"].to_list() if n]

    @property
    def source_ids(self) -> list[str]:
        ids: list[str] = []
        for column in ("source_from", "source_to"):
            for value in self.figures[column].to_list():
                for source_id in (value or "").split("+"):
                    if source_id and source_id not in ids:
                        ids.append(source_id)
        return ids


def _directions(reporter: str, partner: str) -> tuple[pl.Expr, pl.Expr]:
    exports = (pl.col("exporter") == reporter) & (pl.col("importer") == partner)
    imports = (pl.col("exporter") == partner) & (pl.col("importer") == reporter)
    return exports, imports


def pair_currencies(
    flows: pl.LazyFrame, reporter: str, partner: str, days: list[object]
) -> list[str]:
    """Every currency any source gives for the pair's totals on ``days``, before choosing."""
    exports, imports = _directions(reporter, partner)
    found = (
        flows.filter(
            (pl.col("product") == TOTAL) & (exports | imports) & pl.col("period").is_in(days)
        )
        .select(pl.col("currency").unique().sort())
        .collect()
    )
    return list(found["currency"])


def pair_flows(flows: pl.LazyFrame, reporter: str, partner: str) -> pl.LazyFrame:
    """Total-goods flows between the two countries, labelled from the reporter's side.

    When several sources give the same flow and period, the reporter's own
    statistics win, then figures of unknown reporter, then the partner's mirror
    figures: one figure per flow and period, never a sum of two.
    """
    exports, imports = _directions(reporter, partner)
    preference = (
        pl.when(pl.col("reporter") == reporter)
        .then(0)
        .when(pl.col("reporter").is_null())
        .then(1)
        .when(pl.col("reporter") == partner)
        .then(2)
        .otherwise(3)
    )
    return (
        flows.filter((pl.col("product") == TOTAL) & (exports | imports))
        .with_columns(
            flow=pl.when(exports).then(pl.lit("exports")).otherwise(pl.lit("imports")),
            preference=preference,
        )
        .sort("preference", "source")
        .group_by("flow", "period", "frequency", maintain_order=True)
        .first()
        .drop("preference")
    )


def coverage(pair: pl.DataFrame) -> Coverage:
    periods = pair.select("period", "frequency").unique().sort("period")
    months, years = [], []
    for day, frequency in periods.iter_rows():
        if frequency == Frequency.MONTH:
            months.append(Period.from_date(day, Frequency.MONTH))
        else:
            years.append(Period.from_date(day, Frequency.YEAR))
    return Coverage(months=tuple(months), years=tuple(years))


def latest_period(cov: Coverage, frequency: Frequency | None) -> Period | None:
    """Latest covered period of ``frequency``; months first when it is None."""
    for freq in (frequency,) if frequency else (Frequency.MONTH, Frequency.YEAR):
        periods = cov.of(freq)
        if periods:
            return periods[-1]
    return None


def resolve_periods(
    cov: Coverage, start: Period | None, end: Period | None, what: str = "this pair"
) -> tuple[Period, Period]:
    """Fill in missing ends of the range from what the data cover.

    ``--to`` defaults to the latest covered period of ``--from``'s frequency;
    ``--from`` defaults to the same period a year before ``--to``.
    """
    if end is None:
        latest = latest_period(cov, start.frequency if start else None)
        if latest is None:
            raise NoData(
                f"no {start.frequency if start else ''} data at all for {what}".replace("  ", " "),
                hint=f"the data cover {cov.describe()}",
            )
        if start is not None and start.frequency is latest.frequency and start > latest:
            raise NoData(
                f"no data for {what} in {start.label} or later (latest: {latest.label})",
                hint=f"the data cover {cov.describe()}",
            )
        end = latest
    if start is None:
        start = end.shift_years(-1)
    check_range(start, end)
    return start, end


def balance(
    flows: pl.LazyFrame,
    reporter: Country,
    partner: Country,
    start: Period | None = None,
    end: Period | None = None,
) -> BalanceResult:
    """Compare the reporter's trade with the partner in ``start`` and ``end``."""
    if reporter.iso3 == partner.iso3:
        raise UsageError(
            f"reporter and partner are both {reporter.name} ({reporter.iso3})",
            hint="a balance needs two different countries, e.g. `tradecli balance PAK JPN`",
        )
    pair = pair_flows(flows, reporter.iso3, partner.iso3).collect()
    pair_name = f"{reporter.name} ({reporter.iso3}) with {partner.name} ({partner.iso3})"
    if pair.is_empty():
        raise NoData(
            f"no trade data for {pair_name}",
            hint="the embedded sample covers Pakistan-Japan, 166 countries in 2006 and "
            "Chile with its partners in 2002; other pairs need `tradecli fetch` or imported data",
        )
    cov = coverage(pair)
    start, end = resolve_periods(cov, start, end, pair_name)
    for period in (start, end):
        if period not in cov.of(period.frequency):
            raise NoData(
                f"no data for {pair_name} in {period.label}",
                hint=f"the data cover {cov.describe()}",
            )
    # Checked over every candidate row, not only the chosen ones: a figure in
    # another currency must not be dropped or blended without a word.
    currencies = pair_currencies(flows, reporter.iso3, partner.iso3, [start.start, end.start])
    if len(currencies) > 1:
        raise UsageError(
            f"figures for {pair_name} are in several currencies ({', '.join(currencies)})",
            hint="tradecli never mixes currencies; clear or narrow the cache "
            "(`tradecli cache clear`) or choose one cube with --cube",
        )
    figures = _compare(pair, start, end)
    return BalanceResult(
        reporter=reporter,
        partner=partner,
        start=start,
        end=end,
        currency=currencies[0],
        figures=figures,
    )


def _compare(pair: pl.DataFrame, start: Period, end: Period) -> pl.DataFrame:
    """One row per measure with both periods' values, change and growth."""
    frequency = start.frequency.value
    wide = (
        pair.lazy()
        .filter(pl.col("frequency") == frequency)
        .group_by("period")
        .agg(
            exports=pl.col("value").filter(pl.col("flow") == "exports").first(),
            imports=pl.col("value").filter(pl.col("flow") == "imports").first(),
            exports_source=pl.col("source").filter(pl.col("flow") == "exports").first(),
            imports_source=pl.col("source").filter(pl.col("flow") == "imports").first(),
        )
        .with_columns(
            balance=pl.col("exports") - pl.col("imports"),
            balance_source=pl.when(pl.col("exports_source") == pl.col("imports_source"))
            .then(pl.col("exports_source"))
            .otherwise(pl.concat_str("exports_source", "imports_source", separator="+")),
        )
    )
    # The comparison is a join on the two periods: a period absent from the data
    # gives nulls here, which the growth expression below keeps as nulls.
    wanted = pl.LazyFrame({"period_from": [start.start], "period_to": [end.start]})
    joined = wanted.join(
        wide.rename(lambda c: f"{c}_from"),
        left_on="period_from",
        right_on="period_from",
        how="left",
    ).join(wide.rename(lambda c: f"{c}_to"), left_on="period_to", right_on="period_to", how="left")
    rows = []
    for measure in MEASURES:
        source_from = f"{measure}_source_from"
        source_to = f"{measure}_source_to"
        rows.append(
            joined.select(
                measure=pl.lit(measure),
                value_from=pl.col(f"{measure}_from"),
                value_to=pl.col(f"{measure}_to"),
                source_from=pl.col(source_from),
                source_to=pl.col(source_to),
            )
        )
    # A single period (--from equal to --to) is a snapshot: nothing to compare.
    single = start == end
    long = pl.concat(rows).with_columns(
        change=pl.lit(None, pl.Float64) if single else pl.col("value_to") - pl.col("value_from")
    )
    is_flow = (pl.col("measure") != "balance") & pl.lit(not single)
    base_missing = pl.col("value_from").is_null()
    end_missing = pl.col("value_to").is_null()
    base_zero = pl.col("value_from") == 0
    is_balance = pl.col("measure") == "balance"
    missing_in = (
        pl.when(base_missing & end_missing)
        .then(pl.lit(f"{start.label} or {end.label}"))
        .when(base_missing)
        .then(pl.lit(start.label))
        .when(end_missing)
        .then(pl.lit(end.label))
    )
    consequence = pl.lit("" if single else ": growth not computed")
    long = long.with_columns(
        growth_pct=pl.when(is_flow & ~base_missing & ~end_missing & ~base_zero)
        .then(pl.col("change") / pl.col("value_from") * 100)
        .otherwise(None),
        note=pl.when(is_balance & (base_missing | end_missing))
        .then(pl.format("no balance for {}: it needs both exports and imports", missing_in))
        .when(base_missing | end_missing)
        .then(pl.format("no {} figure for {}{}", "measure", missing_in, consequence))
        .when(is_flow & base_zero)
        .then(pl.format("{} were zero in {}: growth is undefined", "measure", pl.lit(start.label)))
        .otherwise(None),
    )
    return long.select(
        "measure",
        "value_from",
        "value_to",
        "change",
        "growth_pct",
        "source_from",
        "source_to",
        "note",
    ).collect()
