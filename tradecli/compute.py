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
from tradecli.errors import NoData, PeriodError, PeriodNotInData, UsageError
from tradecli.periods import (
    Compare,
    Convention,
    Frequency,
    Period,
    Window,
    comparison,
    latest_like,
)
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
    start: Window
    end: Window
    currency: str
    figures: pl.DataFrame
    convention: Convention = Convention.POINT

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


def one_currency(currencies: list[str], what: str) -> str:
    """The one currency of a set of figures; several is an error, none means USD."""
    if len(currencies) > 1:
        raise UsageError(
            f"figures for {what} are in several currencies ({', '.join(sorted(currencies))})",
            hint="tradecli never mixes currencies; clear or narrow the cache "
            "(`tradecli cache clear`) or choose one cube with --cube",
        )
    return currencies[0] if currencies else "USD"


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
    if end is None and start is not None and convention is Convention.POINT:
        try:
            latest = latest_like(start, latest_month, latest_year)
        except PeriodError:
            latest = None
        if latest is not None and start.first > latest.first:
            # --to would default to the latest complete period, which is before --from.
            raise NoData(
                f"no complete {start.kind.value.replace('-', ' ')} for {what} from "
                f"{start.label} on (latest: {latest.label})",
                hint=f"the data cover {cov.describe()}",
            )
    try:
        return comparison(convention, compare, start, end, latest_month, latest_year, fiscal_start)
    except Exception as exc:
        if isinstance(exc, PeriodNotInData):
            raise NoData(
                f"{exc.message.replace('this pair', what)}",
                hint=exc.hint or f"the data cover {cov.describe()}",
            ) from None
        raise


def balance(
    flows: pl.LazyFrame,
    reporter: Country,
    partner: Country,
    start: Window | None = None,
    end: Window | None = None,
    convention: Convention = Convention.POINT,
    compare: Compare = Compare.YEAR,
    fiscal_start: int = 1,
) -> BalanceResult:
    """Compare the reporter's trade with the partner over two windows of time."""
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
            "Chile with its partners in 2002; other pairs need `tradecli fetch` or "
            "`tradecli import`",
        )
    cov = coverage(pair)
    base, target = resolve_windows(cov, start, end, convention, compare, fiscal_start, pair_name)
    values = window_values(pair, {"from": base, "to": target})
    for name, window in (("from", base), ("to", target)):
        got = values.filter((pl.col("window") == name) & (pl.col("present") > 0))
        if got.is_empty():
            raise NoData(
                f"no data for {pair_name} in {window.label}",
                hint=f"the data cover {cov.describe()}",
            )
    days = values["periods"].explode().unique().to_list()
    # Checked over every candidate row, not only the chosen ones: a figure in
    # another currency must not be dropped or blended without a word.
    currency = one_currency(pair_currencies(flows, reporter.iso3, partner.iso3, days), pair_name)
    figures = _compare(values, base, target)
    return BalanceResult(
        reporter=reporter,
        partner=partner,
        start=base,
        end=target,
        currency=currency,
        figures=figures,
        convention=convention,
    )


def window_units(pair: pl.DataFrame, windows: dict[str, Window]) -> pl.DataFrame:
    """(window, period, frequency) for every unit each window is summed over.

    A calendar year uses the annual figure when the data have one for that year,
    else its twelve months.
    """
    annual_days = set(pair.filter(pl.col("frequency") == "year")["period"].to_list())
    rows = []
    for name, window in windows.items():
        if window.annual and window.first.start in annual_days:
            rows.append((name, window.first.start, "year"))
        else:
            rows.extend((name, month.start, "month") for month in window.months)
    return pl.DataFrame(
        rows, schema={"window": pl.String, "period": pl.Date, "frequency": pl.String}, orient="row"
    )


def window_values(pair: pl.DataFrame, windows: dict[str, Window]) -> pl.DataFrame:
    """Per window and flow: the sum over its units, or null when any unit is missing.

    Columns: window, flow, value, units, present, missing (dates of the units
    without a figure), periods (every unit), sources (sorted source ids).
    """
    grid = window_units(pair, windows).join(
        pl.DataFrame({"flow": ["exports", "imports"]}), how="cross"
    )
    joined = grid.join(
        pair.select("flow", "period", "frequency", "value", "source"),
        on=["flow", "period", "frequency"],
        how="left",
    )
    return (
        joined.group_by("window", "flow", maintain_order=True)
        .agg(
            # Never a silently smaller sum: one missing unit makes the total unknown.
            value=pl.when(pl.col("value").null_count() == 0).then(pl.col("value").sum()),
            units=pl.len(),
            present=pl.col("value").is_not_null().sum(),
            missing=pl.col("period").filter(pl.col("value").is_null()),
            periods=pl.col("period"),
            sources=pl.col("source").drop_nulls().unique().sort(),
        )
        .sort("window", "flow")
    )


def _missing_text(row: dict[str, object], window: Window) -> str:
    if row["units"] == 1:
        return window.label
    months = [Period.from_date(d, Frequency.MONTH) for d in row["missing"]]  # type: ignore[attr-defined]
    listed = ", ".join(str(m) for m in months[:6]) + (" ..." if len(months) > 6 else "")
    return f"{window.label} (missing {listed})"


def _compare(values: pl.DataFrame, start: Window, end: Window) -> pl.DataFrame:
    """One row per measure with both windows' values, change, growth, sources and a note."""
    single = start == end
    by_key = {(r["window"], r["flow"]): r for r in values.iter_rows(named=True)}
    rows = []
    for measure in ("exports", "imports"):
        base, now = by_key[("from", measure)], by_key[("to", measure)]
        rows.append(
            {
                "measure": measure,
                "value_from": base["value"],
                "value_to": now["value"],
                "source_from": "+".join(base["sources"]) or None,
                "source_to": "+".join(now["sources"]) or None,
                "note": _flow_note(measure, base, now, start, end, single),
            }
        )
    exports, imports = rows
    balance_note = None
    gaps = [w.label for w, key in ((start, "value_from"), (end, "value_to"))
            if exports[key] is None or imports[key] is None]  # fmt: skip
    if gaps:
        balance_note = (
            f"no balance for {' or '.join(dict.fromkeys(gaps))}: it needs both exports and imports"
        )
    rows.append(
        {
            "measure": "balance",
            "value_from": None if exports["value_from"] is None or imports["value_from"] is None
            else exports["value_from"] - imports["value_from"],
            "value_to": None if exports["value_to"] is None or imports["value_to"] is None
            else exports["value_to"] - imports["value_to"],
            "source_from": _join_sources(exports["source_from"], imports["source_from"]),
            "source_to": _join_sources(exports["source_to"], imports["source_to"]),
            "note": balance_note,
        }
    )  # fmt: skip
    frame = pl.DataFrame(
        rows,
        schema={"measure": pl.String, "value_from": pl.Float64, "value_to": pl.Float64,
                "source_from": pl.String, "source_to": pl.String, "note": pl.String},
    )  # fmt: skip
    is_flow = (pl.col("measure") != "balance") & pl.lit(not single)
    computable = is_flow & pl.col("value_from").is_not_null() & pl.col("value_to").is_not_null()
    return frame.with_columns(
        change=pl.lit(None, pl.Float64) if single else pl.col("value_to") - pl.col("value_from"),
        growth_pct=pl.when(computable & (pl.col("value_from") != 0)).then(
            (pl.col("value_to") - pl.col("value_from")) / pl.col("value_from") * 100
        ),
    ).select(
        "measure", "value_from", "value_to", "change", "growth_pct", "source_from", "source_to",
        "note",
    )  # fmt: skip


def _join_sources(a: str | None, b: str | None) -> str | None:
    ids = [x for part in (a, b) if part for x in part.split("+")]
    return "+".join(dict.fromkeys(ids)) or None


def _flow_note(
    measure: str,
    base: dict[str, object],
    now: dict[str, object],
    start: Window,
    end: Window,
    single: bool,
) -> str | None:
    consequence = "" if single else ": growth not computed"
    gaps = []
    for row, window in ((base, start), (now, end)):
        if row["value"] is None and not (single and window is start):
            gaps.append(_missing_text(row, window))
    if gaps:
        partial = any(r["present"] for r in (base, now) if r["value"] is None)
        what = f"no complete {measure} figure" if partial else f"no {measure} figure"
        return f"{what} for {' or '.join(dict.fromkeys(gaps))}{consequence}"
    if not single and base["value"] == 0:
        return f"{measure} were zero in {start.label}: growth is undefined"
    return None


@dataclass(frozen=True)
class MirrorResult:
    """Each flow as the reporter reported it and as the partner did, in one window.

    ``figures`` columns: flow (exports/imports), reported (by the reporter),
    mirror (by the partner), gap_pct ((mirror - reported) / reported x 100),
    source_reported, source_mirror, note.
    """

    reporter: Country
    partner: Country
    window: Window
    figures: pl.DataFrame


def mirror(
    flows: pl.LazyFrame, reporter: Country, partner: Country, window: Window
) -> MirrorResult:
    """The reporter's figures beside the partner's mirror figures for the same flows."""
    r, p = reporter.iso3, partner.iso3
    exports, imports = _directions(r, p)
    rows = (
        flows.filter((pl.col("product") == TOTAL) & (exports | imports))
        .filter(pl.col("reporter").is_in([r, p]))
        .with_columns(
            flow=pl.when(exports).then(pl.lit("exports")).otherwise(pl.lit("imports")),
            side=pl.when(pl.col("reporter") == r)
            .then(pl.lit("reported"))
            .otherwise(pl.lit("mirror")),
        )
        .collect()
    )
    units = window_units(rows, {"w": window})
    out = []
    for flow in ("exports", "imports"):
        entry: dict[str, object] = {"flow": flow}
        notes = []
        for side, who in (("reported", reporter), ("mirror", partner)):
            got = units.join(
                rows.filter((pl.col("flow") == flow) & (pl.col("side") == side)),
                on=["period", "frequency"],
                how="left",
            )
            complete = got["value"].null_count() == 0
            entry[side] = got["value"].sum() if complete else None
            entry[f"source_{side}"] = "+".join(sorted(set(got["source"].drop_nulls()))) or None
            if not complete:
                notes.append(f"{who.name} reported no complete figure for {window.label}")
        entry["note"] = "; ".join(notes) or None
        out.append(entry)
    frame = pl.DataFrame(
        out,
        schema={"flow": pl.String, "reported": pl.Float64, "mirror": pl.Float64,
                "source_reported": pl.String, "source_mirror": pl.String, "note": pl.String},
    ).with_columns(
        gap_pct=pl.when(pl.col("reported") != 0).then(
            (pl.col("mirror") - pl.col("reported")) / pl.col("reported") * 100
        )
    )  # fmt: skip
    return MirrorResult(reporter=reporter, partner=partner, window=window, figures=frame)
