"""`series`: exports, imports and balance period by period.

``SeriesAnswer.rows`` are typed rows, one per period; the JSON ``rows`` and the
table (with who reported each figure) are both projections of them.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from msgspec import Struct, field

from tradecli.commands import _basis as basis
from tradecli.commands import _shared as shared
from tradecli.commands._base import (
    Answer,
    Command,
    Context,
    FiguresByPeriod,
    Request,
    TidyRow,
    load_pair_for,
    newest_first,
    provenance,
)
from tradecli.document import Column, Document, Json, Kind, Row, Table

if TYPE_CHECKING:
    from tradecli.analysis import SeriesResult
    from tradecli.periods import Window
    from tradecli.sources import Dataset

MEASURES = ("exports", "imports", "balance")
JSON_SCHEMA_VERSION = "tradecli.series/2"


class Point(Struct, frozen=True, kw_only=True):
    """One period's exports, imports and balance, and whose figures they are."""

    period: str
    exports: float | None
    imports: float | None
    balance: float | None
    exports_side: str | None
    imports_side: str | None
    exports_source: str | None = None
    imports_source: str | None = None
    # What each value rests on: published, reconstructed or converted (None: no value).
    basis: dict[str, str | None] = field(default_factory=dict)

    def values(self) -> dict[str, float | None]:
        return {"exports": self.exports, "imports": self.imports, "balance": self.balance}

    @property
    def source(self) -> str | None:
        """The source ids of the period's figures, "+"-joined (None: no figure)."""
        return shared.unique_ids(f"{self.exports_source or ''}+{self.imports_source or ''}")

    @property
    def assumed(self) -> frozenset[str]:
        return frozenset(k for k, b in self.basis.items() if basis.mark(b))

    def json(self) -> dict[str, Json]:
        return {
            "period": self.period,
            **self.values(),
            "exports_side": self.exports_side,
            "imports_side": self.imports_side,
            "source": self.source,
            "exports_source": self.exports_source,
            "imports_source": self.imports_source,
            "basis": dict(self.basis),
        }


class SeriesAnswer(Answer, frozen=True, kw_only=True, dict=True):
    result: SeriesResult

    @cached_property
    def rows(self) -> tuple[Point, ...]:
        return points(self.result, self.dataset)

    def to_document(self) -> Document:
        return document(self)

    def tidy(self) -> list[TidyRow]:
        """Exports, imports and balance in every period listed."""
        r = self.result
        pair = f"{r.reporter.iso3}-{r.partner.iso3}"
        return [
            {
                "pair": pair,
                "flow": flow,
                "period": p.period,
                "value": value,
                "currency": self.currency,
                "source": {"exports": p.exports_source, "imports": p.imports_source}.get(
                    flow, p.source
                )
                if value is not None
                else None,
                "basis": p.basis.get(flow),
                "side": {"exports": p.exports_side, "imports": p.imports_side}.get(flow),
            }
            for p in self.rows
            for flow, value in p.values().items()
        ]

    def figures_by_period(self) -> FiguresByPeriod:
        """{period: {measure: value}} for every period listed."""
        return {p.period: p.values() for p in self.rows}


def run(context: Context, request: Request) -> SeriesAnswer:
    """Load the pair and list every period from --from to --to."""
    from tradecli import analysis

    query = load_pair_for(context, request, totals_only=not request.products)
    result = analysis.series(
        query.dataset.flows,
        query.reporter,
        query.partner,
        query.start,
        query.end,
        products=request.products,
        newest_first=newest_first(query.dataset),
    )
    return SeriesAnswer(
        command="series",
        currency=result.currency,
        dataset=shared.fx_within(query.dataset, result.first, result.last),
        result=result,
        request=request,
    )


def points(result: SeriesResult, dataset: Dataset) -> tuple[Point, ...]:
    rep, par = result.reporter.iso3, result.partner.iso3
    out = []
    for r in result.rows.iter_rows(named=True):
        window = _window(r["period"])
        exports = None if r["exports"] is None else basis.level(
            dataset, r["exports_source"], rep, par, window)  # fmt: skip
        imports = None if r["imports"] is None else basis.level(
            dataset, r["imports_source"], par, rep, window)  # fmt: skip
        sources = shared.unique_ids(f"{r['exports_source'] or ''}+{r['imports_source'] or ''}")
        balance = None
        if r["balance"] is not None:
            balance = basis.balance(dataset, sources, rep, par, window, (exports, imports))
        out.append(
            Point(
                period=r["period"],
                exports=shared.num(r["exports"]),
                imports=shared.num(r["imports"]),
                balance=shared.num(r["balance"]),
                exports_side=shared.side(r["exports_tier"]),
                imports_side=shared.side(r["imports_tier"]),
                exports_source=r["exports_source"],
                imports_source=r["imports_source"],
                basis={"exports": exports, "imports": imports, "balance": balance},
            )
        )
    return tuple(out)


def _window(period: str) -> Window:
    """A series row's period ("2024-08" or "2006") as the one-unit window it is."""
    from tradecli.periods import Period, month_window, year_window

    if "-" in period:
        year, month = period.split("-")
        return month_window(Period(int(year), int(month)))
    return year_window(int(period))


def mixed_sources(rows: tuple[Point, ...]) -> dict[str, list[str]]:
    """{source ids: periods} when the rows come from more than one source, else {}."""
    by_source: dict[str, list[str]] = {}
    for p in rows:
        if p.source:
            by_source.setdefault(p.source, []).append(p.period)
    return by_source if len(by_source) > 1 else {}


def series_payload(
    result: SeriesResult, dataset: Dataset, rows: tuple[Point, ...] | None = None
) -> dict[str, Json]:
    """The series JSON (also the ``series`` of an HTML balance's JSON), from its typed rows."""
    rows = points(result, dataset) if rows is None else rows
    numbers = {s: i for i, s in enumerate(result.source_ids, start=1)}
    return {
        "schema": JSON_SCHEMA_VERSION,
        "query": shared.query_json(
            "series",
            result.reporter,
            result.partner,
            _window(str(result.first)),
            _window(str(result.last)),
            convention=None,
            products=result.products,
        ),
        "currency": result.currency,
        **({"products": list(result.products)} if result.products else {}),
        "rows": [p.json() for p in rows],
        "missing": list(result.missing),
        "mixed_sources": bool(mixed_sources(rows)),
        "notes": list(notes(result, dataset, rows, numbers)),
        "provenance": provenance(result.source_ids, dataset).as_json(),
    }


def notes(
    result: SeriesResult, dataset: Dataset, rows: tuple[Point, ...], numbers: dict[str, int]
) -> tuple[str, ...]:
    """The series' notes: gaps, the analysis' notes, conversions, mixed sources, ‡."""
    out: tuple[str, ...] = ()
    if result.missing:
        out = (
            f"no data for {len(result.missing)} of {len(rows)} periods; "
            "they are shown as n/a, not as zero",
        )
    out += result.notes
    out = (*out, *shared.fx_notes(dataset))
    out += tuple(shared.year_notes(dataset, range(result.first.year, result.last.year + 1)))
    mixed = mixed_sources(rows)
    if mixed:
        parts = "; ".join(
            f"{_spans(periods)} from {_refs(ids, numbers)}" for ids, periods in mixed.items()
        )
        out += (
            f"the rows come from {len(mixed)} different sources ({parts}): a change from one "
            "row to the next may be a change of source, not of trade",
        )
    if any(p.assumed for p in rows):
        out += (basis.legend(dataset),)
    return out


def _refs(ids: str, numbers: dict[str, int]) -> str:
    return ", ".join(f"[{numbers[s]}] {s}" if s in numbers else s for s in ids.split("+"))


def _spans(periods: list[str]) -> str:
    return ", ".join(periods)


def document(answer: SeriesAnswer) -> Document:
    """One row per period, the sparklines and chart, the notes and the JSON."""
    result, dataset = answer.result, answer.dataset
    payload = series_payload(result, dataset, answer.rows)
    columns: tuple[Column, ...] = (
        Column("reporter", "Reporter", Kind.CODE, table=False),
        Column("partner", "Partner", Kind.CODE, table=False),
        Column("period", "Period", Kind.PERIOD),
        Column("exports", "Exports", Kind.AMOUNT),
        Column("imports", "Imports", Kind.AMOUNT),
        Column("balance", "Balance", Kind.AMOUNT),
        Column("source", "Source", Kind.TEXT, data=False),
        Column("reported_by", "Reported by", Kind.TEXT, data=False, table=False),
        Column("exports_side", "Exports side", Kind.CODE, table=False),
        Column("imports_side", "Imports side", Kind.CODE, table=False),
        Column("exports_source", "Exports source", Kind.CODE, table=False),
        Column("imports_source", "Imports source", Kind.CODE, table=False),
        Column("scope", "Scope", Kind.TEXT, table=False),
        *shared.basis_columns(MEASURES),
    )
    numbers = {s: i for i, s in enumerate(result.source_ids, start=1)}
    rep, par = result.reporter.name, result.partner.name
    tiers: dict[str | None, int] = {v: k for k, v in shared.SIDES.items()}
    rows_list = []
    mirrored: list[str] = []
    for p in answer.rows:
        sides = {"exports": p.exports_side, "imports": p.imports_side}
        lower = [f for f, side in sides.items() if side in ("mirror", "third party")]
        mirrored += [f for f in lower if sides[f] == "mirror"]
        if len(lower) == 2 and sides["exports"] == sides["imports"]:
            who = shared.who(tiers.get(p.exports_side), rep, par, "both")
        else:
            who = "; ".join(f"{f}: {shared.who(tiers.get(sides[f]), rep, par, f)}" for f in lower)
        refs = ",".join(f"[{numbers[s]}]" for s in (p.source or "").split("+") if s in numbers)
        rows_list.append(
            Row(
                {
                    "reporter": result.reporter.iso3,
                    "partner": result.partner.iso3,
                    "period": p.period,
                    **p.values(),
                    "source": refs,
                    "exports_side": p.exports_side,
                    "imports_side": p.imports_side,
                    "exports_source": p.exports_source,
                    "imports_source": p.imports_source,
                    "reported_by": who,
                    "scope": shared.scope_words(result.products),
                    **shared.basis_values(p.basis),
                },
                assumed=p.assumed,
            )
        )
    rows = tuple(rows_list)
    if mirrored:
        columns = tuple(
            Column(c.key, c.heading, c.kind, data=False) if c.key == "reported_by" else c
            for c in columns
        )
    found = notes(result, dataset, answer.rows, numbers)
    valuation = shared.mirror_valuation_note(mirrored, rep, par)
    if valuation:
        found += (valuation,)
    mixed = mixed_sources(answer.rows)
    table = Table(
        f"{rep} with {par}, {result.first}..{result.last} ({result.currency})"
        + shared.scope(result.products)
        + (f", rows from {len(mixed)} different sources" if mixed else ""),
        columns,
        rows,
        notes=found,
    )
    chart = shared.chart_of(result, sparklines=True) if rows else None
    return shared.document(table, payload, result.currency, result.source_ids, dataset, chart)


COMMAND = Command(
    name="series",
    summary="Exports, imports and balance period by period.",
    help="""One row per month (or year) of exports, imports and balance, with a chart.

    Periods without data are shown as n/a, never as zero, and the chart leaves
    a gap for them. Every period from --from to --to is listed, so --period and
    --compare (which choose two periods to compare) do not apply.
    """,
    examples=(
        "tradecli series PAK JPN --from 2019-11 --to 2021-01",
        "tradecli series PAK JPN --from 2023-01 --to 2025-08 --format json",
    ),
    run=run,
    options=("product",),
    compares=False,
)
