"""`series`: exports, imports and balance period by period.

``SeriesAnswer.rows`` are typed rows, one per period; the JSON ``rows`` and the
table (with who reported each figure) are both projections of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

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
    from tradecli.sources import Dataset

MEASURES = ("exports", "imports", "balance")


@dataclass(frozen=True, kw_only=True)
class Point:
    """One period's exports, imports and balance, and whose figures they are."""

    period: str
    exports: float | None
    imports: float | None
    balance: float | None
    exports_side: str | None
    imports_side: str | None

    def values(self) -> dict[str, float | None]:
        return {"exports": self.exports, "imports": self.imports, "balance": self.balance}

    def json(self) -> dict[str, Json]:
        return {
            "period": self.period,
            **self.values(),
            "exports_side": self.exports_side,
            "imports_side": self.imports_side,
        }


@dataclass(frozen=True, kw_only=True)
class SeriesAnswer(Answer):
    result: SeriesResult

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(self.result.source_ids)

    @property
    def to_period(self) -> str:
        return str(self.result.last)

    @cached_property
    def rows(self) -> tuple[Point, ...]:
        return points(self.result)

    def to_document(self) -> Document:
        return document(self)

    def tidy(self) -> list[TidyRow]:
        """Exports, imports and balance in every period listed."""
        r = self.result
        pair = f"{r.reporter.iso3}-{r.partner.iso3}"
        sources = "+".join(self.source_ids) or None
        return [
            {
                "pair": pair,
                "flow": flow,
                "period": p.period,
                "value": value,
                "currency": self.currency,
                "source": sources if value is not None else None,
                "basis": {"exports": p.exports_side, "imports": p.imports_side}.get(flow),
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
    )


def points(result: SeriesResult) -> tuple[Point, ...]:
    return tuple(
        Point(
            period=r["period"],
            exports=shared.num(r["exports"]),
            imports=shared.num(r["imports"]),
            balance=shared.num(r["balance"]),
            exports_side=shared.side(r["exports_tier"]),
            imports_side=shared.side(r["imports_tier"]),
        )
        for r in result.rows.iter_rows(named=True)
    )


def series_payload(
    result: SeriesResult, dataset: Dataset, rows: tuple[Point, ...] | None = None
) -> dict[str, Json]:
    """The series JSON (also the ``series`` of an HTML balance's JSON), from its typed rows."""
    return {
        "schema": "tradecli.series/1",
        "query": {
            "reporter": result.reporter.iso3,
            "partner": result.partner.iso3,
            "reporter_name": result.reporter.name,
            "partner_name": result.partner.name,
            "from": str(result.first),
            "to": str(result.last),
        },
        "currency": result.currency,
        "rows": [p.json() for p in (points(result) if rows is None else rows)],
        "missing": list(result.missing),
        **({"products": list(result.products)} if result.products else {}),
        **({"notes": list(result.notes)} if result.notes else {}),
        "provenance": provenance(result.source_ids, dataset).as_json(),
    }


def document(answer: SeriesAnswer) -> Document:
    """One row per period, the sparklines and chart, the notes and the JSON."""
    result, dataset = answer.result, answer.dataset
    payload = series_payload(result, dataset, answer.rows)
    columns: tuple[Column, ...] = (
        Column("period", "Period", Kind.PERIOD),
        Column("exports", "Exports", Kind.AMOUNT),
        Column("imports", "Imports", Kind.AMOUNT),
        Column("balance", "Balance", Kind.AMOUNT),
        Column("reported_by", "Reported by", Kind.TEXT, data=False, table=False),
        Column("exports_side", "Exports side", Kind.CODE, table=False),
        Column("imports_side", "Imports side", Kind.CODE, table=False),
    )
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
        rows_list.append(
            Row(
                {
                    "period": p.period,
                    **p.values(),
                    "exports_side": p.exports_side,
                    "imports_side": p.imports_side,
                    "reported_by": who,
                }
            )
        )
    rows = tuple(rows_list)
    if mirrored:
        columns = tuple(
            Column(c.key, c.heading, c.kind, data=False) if c.key == "reported_by" else c
            for c in columns
        )
    notes: tuple[str, ...] = ()
    if result.missing:
        notes = (
            f"no data for {len(result.missing)} of {len(rows)} periods; "
            "they are shown as n/a, not as zero",
        )
    notes += result.notes
    notes = (*notes, *shared.fx_notes(dataset))
    valuation = shared.mirror_valuation_note(mirrored, rep, par)
    if valuation:
        notes += (valuation,)
    table = Table(
        f"{rep} with {par}, {result.first}..{result.last} ({result.currency})"
        + shared.scope(result.products),
        columns,
        rows,
        notes=notes,
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
