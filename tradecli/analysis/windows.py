"""Windows of time: which periods the data cover, which two windows to compare,
and the sum of a window, which is known only when every unit of it has a figure.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import polars as pl
from msgspec import Struct

from tradecli.errors import NoData, PeriodError, PeriodNotInData
from tradecli.periods import (
    Compare,
    Convention,
    Frequency,
    Period,
    Window,
    comparison,
    latest_like,
    next_period,
)


class Coverage(Struct, frozen=True):
    """Which periods hold any data for a pair, by frequency."""

    months: tuple[Period, ...]
    years: tuple[Period, ...]

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
        if groups and next_period(groups[-1][-1]) == period:
            groups[-1].append(period)
        else:
            groups.append([period])
    return ", ".join(str(g[0]) if len(g) == 1 else f"{g[0]}..{g[-1]}" for g in groups)


def coverage(rows: pl.DataFrame) -> Coverage:
    periods = rows.select("period", "frequency").unique().sort("period")
    months, years = [], []
    for day, frequency in periods.iter_rows():
        if frequency == Frequency.MONTH:
            months.append(Period.from_date(day, Frequency.MONTH))
        else:
            years.append(Period.from_date(day, Frequency.YEAR))
    return Coverage(months=tuple(months), years=tuple(years))


def both_flows(rows: pl.DataFrame) -> Coverage:
    """The periods holding both flows (exports and imports) of a pair's rows."""
    held = rows.group_by("period", "frequency").agg(pl.col("flow").n_unique().alias("flows"))
    return coverage(held.filter(pl.col("flows") == 2))


def one_flow_note(rows: pl.DataFrame, target: Window) -> str | None:
    """Why --to stopped at ``target`` when later periods hold one flow only (None if none)."""
    later = rows.filter(pl.col("period") > target.last.start)
    if later.is_empty():
        return None
    held = coverage(later)
    newest = max(held.months or held.years)
    flows = " and ".join(sorted(later["flow"].unique().to_list()))
    return (
        f"--to was not given: it is {target.label}, the latest period holding both exports "
        f"and imports; the data go on to {newest.label} with {flows} only, which has no "
        f"balance (`--from {newest}` shows it)"
    )


def resolve_windows(
    cov: Coverage,
    start: Window | None,
    end: Window | None,
    convention: Convention,
    compare: Compare,
    fiscal_start: int,
    what: str,
) -> tuple[Window, Window]:
    """The two windows to compare, with the data's latest periods standing in for --to."""
    latest_month = cov.months[-1] if cov.months else None
    latest_year = cov.years[-1].year if cov.years else None
    if end is None and start is not None and convention is Convention.POINT:
        newest = latest_year if start.annual else None
        if start.annual and newest is None and latest_month is not None:
            newest = latest_month.year
        if start.annual and newest is not None and start.first.year > newest:
            raise NoData(
                f"no data for {what} in {start.label} or later (latest: {newest})",
                hint=f"the data cover {cov.describe()}",
            )
        if not start.annual and latest_month is not None and start.first > latest_month:
            raise NoData(
                f"no data for {what} in {start.label} or later (latest: {latest_month.label})",
                hint=f"the data cover {cov.describe()}",
            )
        try:
            latest = latest_like(start, latest_month, latest_year)
        except PeriodError:
            latest = None
        if latest is not None and start.first > latest.first:
            # --to would default to the latest complete period, which is before --from.
            # "latest" names a period the data hold, never a computed one.
            newest_held = latest_month.label if latest_month is not None else str(latest_year)
            raise NoData(
                f"no complete {start.kind.value.replace('-', ' ')} for {what} from "
                f"{start.label} on (latest data: {newest_held})",
                hint=f"the data cover {cov.describe()}",
            )
    try:
        return comparison(convention, compare, start, end, latest_month, latest_year, fiscal_start)
    except PeriodNotInData as exc:
        raise NoData(
            f"{exc.message.replace('this pair', what)}",
            # The fix ("use years") with what the data hold, so the years are not guessed.
            hint=f"{exc.hint}; the data cover {cov.describe()}"
            if exc.hint
            else f"the data cover {cov.describe()}",
        ) from None


def defaulted_span_note(
    base: Window,
    target: Window,
    end_given: bool,
    convention: Convention,
    *,
    from_given: bool = True,
    latest: bool = True,
    held: Collection[Period] | None = None,
) -> str | None:
    """A note when --to was left to default to the latest period and that period is not a
    whole number of years after --from: "Aug 2024 -> Sep 2025" is a 13-month change, which
    a reader takes for a year-on-year one unless told (None when --to was given, or years
    are compared, or the span is whole years, or --from was not given either: the span is
    then the one --compare asked for). ``latest``: ``target`` is the latest period in the
    data (False when it is the latest holding both flows, said in a note of its own).

    The way to a year-on-year change names a period the data hold (``held``: the months
    with data; None: not checked): --to a year after --from when that is not past the
    latest period, else --from a year before --to; neither held, no example.
    """
    if end_given or not from_given or convention is not Convention.POINT:
        return None
    if base.annual or target.annual:
        return None
    months = (target.first.year - base.first.year) * 12 + (
        (target.first.month or 1) - (base.first.month or 1)
    )
    if months <= 0 or months % 12 == 0:
        return None
    span = f"{months} month" if months == 1 else f"{months} months"
    which = f"the latest period in the data, {target.label}" if latest else target.label
    year_on = base.shift_years(1).first
    year_before = target.shift_years(-1).first
    if year_on <= target.first and (held is None or year_on in held):
        choose = f"give --to to choose (e.g. --to {year_on})"
    elif held is None or year_before in held:
        choose = f"give --from {year_before} for the year to {target.label}"
    else:
        choose = "give --to to choose"
    return (
        f"--to was not given: it is {which}, {span} after {base.label}, so the changes "
        f"are over {span}, not year-on-year; {choose}"
    )


def window_units(rows: pl.DataFrame, windows: dict[str, Window]) -> pl.DataFrame:
    """(window, period, frequency) for every unit each window is summed over.

    A calendar year uses the annual figure when the data have one for that year,
    else its twelve months.
    """
    annual_days = set(rows.filter(pl.col("frequency") == "year")["period"].to_list())
    out = []
    for name, window in windows.items():
        if window.annual and window.first.start in annual_days:
            out.append((name, window.first.start, "year"))
        else:
            out.extend((name, month.start, "month") for month in window.months)
    return pl.DataFrame(
        out, schema={"window": pl.String, "period": pl.Date, "frequency": pl.String}, orient="row"
    )


def window_sums(
    rows: pl.DataFrame,
    units: pl.DataFrame,
    by: Sequence[str],
    keys: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per window and ``by`` key: the sum over the window's units, null when any is missing.

    ``rows`` hold one figure per key and unit (see ``core.pick_one``), with
    columns ``by``, period, frequency, value, and its source ids: ``source`` (one
    id) or ``sources`` (a list, for a figure summed from several rows); optionally
    tier and ``reporter`` (one code) or ``reporters`` (a list). ``keys`` lists the
    keys to report (default: every key in ``rows``), so a key with no row at all
    still gets a (null) line.

    Columns: window, *by, value, units, present, missing (dates of the units
    without a figure), periods (every unit), sources (sorted ids), tier (the
    worst tier used), reporters (sorted codes of who reported the figures).
    """
    by = list(by)
    if keys is None:
        keys = rows.select(by).unique()
    columns = rows.columns
    sources = pl.col("sources") if "sources" in columns else pl.concat_list(pl.col("source"))
    if "reporters" in columns:
        reporters = pl.col("reporters")
    elif "reporter" in columns:
        reporters = pl.concat_list(pl.col("reporter"))
    else:
        reporters = pl.lit([], pl.List(pl.String))
    tier = pl.col("tier") if "tier" in columns else pl.lit(None, pl.Int8)
    # One lazy query, one collect: each eager step would be a collect of its own.
    picked = rows.lazy().select(
        *by,
        "period",
        "frequency",
        "value",
        sources.alias("sources"),
        tier.alias("tier"),
        reporters.alias("reporters"),
    )
    # Units stay in their order, so ``missing`` and ``periods`` list them in time order.
    joined = (
        units.lazy()
        .join(keys.lazy(), how="cross", maintain_order="left_right")
        .join(picked, on=[*by, "period", "frequency"], how="left", maintain_order="left")
    )
    return (
        joined.group_by("window", *by, maintain_order=True)
        .agg(
            # Never a silently smaller sum: one missing unit makes the total unknown.
            value=pl.when(pl.col("value").null_count() == 0).then(pl.col("value").sum()),
            units=pl.len(),
            present=pl.col("value").is_not_null().sum(),
            missing=pl.col("period").filter(pl.col("value").is_null()),
            periods=pl.col("period"),
            sources=pl.col("sources").explode().drop_nulls().unique().sort(),
            tier=pl.col("tier").max(),
            reporters=pl.col("reporters").explode().drop_nulls().unique().sort(),
        )
        .sort("window", *by)
        .collect()
    )
