"""`partners`: a country's top partners, with balance and growth.

``PartnersAnswer.rows`` are typed rows, one per partner; the table and the JSON
``rows`` are both projections of them.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from tradecli.analysis_options import PartnerMeasure, PartnerSort
from tradecli.commands import _basis as basis
from tradecli.commands import _shared as shared
from tradecli.commands._base import (
    Answer,
    Command,
    Context,
    Request,
    TidyRow,
    currency,
    newest_first,
    rates_file,
    windows,
)
from tradecli.document import ASSUMED, Bars, Column, Document, Json, Kind, Row, Table
from tradecli.errors import UsageError
from tradecli.wording import plural, possessive

if TYPE_CHECKING:
    from tradecli.analysis import PartnersResult
    from tradecli.sources import Dataset

JSON_SCHEMA_VERSION = "tradecli.partners/2"


class PartnerRow(Struct, frozen=True, kw_only=True):
    """One partner: its exports, imports and balance in the last period, and growth."""

    rank: int
    partner: str  # ISO3
    name: str
    exports: float | None
    imports: float | None
    balance: float | None
    value: float | None  # the chosen measure (--flow)
    value_from: float | None
    growth_pct: float | None
    comparable: bool | None
    reason: str | None
    side: str | None
    side_from: str | None
    reported_by: str
    mirrored: bool
    source: str | None = None  # the source ids of the measure's figures, "+"-joined
    source_from: str | None = None
    # What each value rests on: published, reconstructed or converted (None: no value).
    basis: dict[str, str | None] = field(default_factory=dict)

    @property
    def assumed(self) -> frozenset[str]:
        return frozenset(k for k, b in self.basis.items() if basis.mark(b))

    def values(self) -> dict[str, float | None]:
        return {"exports": self.exports, "imports": self.imports, "balance": self.balance}

    def json(self) -> dict[str, Json]:
        return {
            "partner": self.partner,
            "name": self.name,
            **self.values(),
            "value": self.value,
            "value_from": self.value_from,
            "growth_pct": self.growth_pct,
            "comparable": self.comparable,
            "reason": self.reason,
            "side": self.side,
            "side_from": self.side_from,
            "reported_by": self.reported_by or None,
            "source": self.source,
            "source_from": self.source_from,
            "basis": dict(self.basis),
        }


class PartnersAnswer(Answer, frozen=True, kw_only=True, dict=True):
    result: PartnersResult

    @cached_property
    def rows(self) -> tuple[PartnerRow, ...]:
        return _rows(self.result, self.dataset)

    def to_document(self) -> Document:
        return document(self)

    def tidy(self) -> list[TidyRow]:
        """Exports, imports and balance with each listed partner in the last period."""
        r = self.result
        return [
            {
                "pair": f"{r.reporter.iso3}-{p.partner}",
                "flow": flow,
                "period": str(r.end),
                "value": value,
                "currency": self.currency,
                "source": p.source,
                "basis": p.basis.get(flow),
                "side": p.side,
            }
            for p in self.rows
            for flow, value in p.values().items()
        ]


def run(context: Context, request: Request) -> PartnersAnswer:
    """Load everything cached, imported or sampled that involves the reporter; rank."""
    from tradecli import analysis
    from tradecli.codes import resolve_country
    from tradecli.sources import convert_dataset, load_country

    if request.source.source is not None:
        raise UsageError(
            "partners reads cached, imported or sample data of every source; "
            "--source does not apply",
            hint="fetch pairs first (`tradecli fetch`), or import a file",
        )
    settings = context.settings
    rep = resolve_country(request.reporter)
    start, end = windows(settings, request, context.today)
    # Ranks TOTAL rows only.
    dataset = load_country(settings, rep.iso3, context.warn, totals_only=True)
    dataset = convert_dataset(
        dataset, currency(settings, request), (rep.iso3,), rates_file=rates_file(settings)
    )
    measure = request.flow or PartnerMeasure.TRADE
    result = analysis.partners(
        dataset.flows,
        rep,
        PartnerMeasure(measure.value),
        request.sort,
        request.top,
        start,
        end,
        request.window.period,
        request.window.compare,
        settings.fiscal_year_start,
        strict=request.strict or context.strict,
        newest_first=newest_first(dataset),
    )
    return PartnersAnswer(
        command="partners",
        currency=result.currency,
        dataset=dataset,
        result=result,
        request=request,
    )


def _rows(result: PartnersResult, dataset: Dataset) -> tuple[PartnerRow, ...]:
    rep, measure = result.reporter, result.measure.value
    out = []
    for rank, r in enumerate(result.rows.iter_rows(named=True), start=1):
        bases = _bases(result, dataset, r)
        reason = None
        if r["comparable"] is False:
            reason = shared.reason(
                result.start.label,
                result.end.label,
                (shared.side_words(r["tier_from"], rep, "the partner"),
                 shared.side_words(r["tier"], rep, "the partner")),
                None,
                {},
            )  # fmt: skip
        out.append(
            PartnerRow(
                rank=rank,
                partner=r["partner"],
                name=r["name"],
                exports=shared.num(r["exports"]),
                imports=shared.num(r["imports"]),
                balance=shared.num(r["balance"]),
                value=shared.num(r["value"]),
                value_from=shared.num(r["value_from"]),
                growth_pct=shared.num(r["growth_pct"]),
                comparable=r["comparable"],
                reason=reason,
                side=shared.side(r["tier"]),
                side_from=shared.side(r["tier_from"]),
                reported_by=shared.who(r["tier"], rep.name, r["name"], measure),
                mirrored=r["tier"] == 2,
                source=shared.unique_ids(r["source_to"]),
                source_from=shared.unique_ids(r["source_from"]),
                basis=bases,
            )
        )
    return tuple(out)


def _bases(
    result: PartnersResult,
    dataset: Dataset,
    r: dict[str, Any],  # a polars row (named) of ``result.rows``
) -> dict[str, str | None]:
    """What a partner's figures rest on; the ranking's sources are those of the measure."""
    rep, par = result.reporter.iso3, str(r["partner"])
    pairs = {"exports": (rep, par), "imports": (par, rep)}
    to = {
        flow: None
        if r[flow] is None
        else basis.level(dataset, r["source_to"], exporter, importer, result.end)
        for flow, (exporter, importer) in pairs.items()
    }
    value_from = None
    if r["value_from"] is not None:
        value_from = basis.combine(
            basis.level(dataset, r["source_from"], exporter, importer, result.start)
            for exporter, importer in pairs.values()
        )
    value = basis.combine(to.values()) if r["value"] is not None else None
    growth = None
    if r["growth_pct"] is not None:
        growth = basis.combine((value_from, value))
    return {
        **to,
        "balance": None
        if r["balance"] is None
        else basis.balance(
            dataset, r["source_to"], rep, par, result.end, (to["exports"], to["imports"])
        ),
        "value": value,
        "value_from": value_from,
        "growth_pct": growth,
    }


def document(answer: PartnersAnswer) -> Document:
    """The partners table, its notes and the JSON."""
    result, dataset = answer.result, answer.dataset
    single = result.start == result.end
    measure = result.measure.value
    any_mirror = any(t == 2 or t == 3 for t in result.rows["tier"].to_list())
    columns = (
        Column("rank", "#", Kind.RANK),
        Column("reporter", "Reporter", Kind.CODE, table=False),
        Column("label", "Partner", Kind.TEXT, data=False),
        Column("partner", "ISO3", Kind.CODE, table=False),
        Column("name", "Name", Kind.TEXT, table=False),
        Column("from_period", "From", Kind.PERIOD, table=False),
        Column("to_period", "To", Kind.PERIOD, table=False),
        Column("exports", "Exports", Kind.AMOUNT),
        Column("imports", "Imports", Kind.AMOUNT),
        Column("balance", "Balance", Kind.AMOUNT),
        Column("measure", "Measure", Kind.CODE, table=False),
        Column("growth_pct", f"Growth ({measure})", Kind.GROWTH, table=not single),
        Column("reported_by", "Reported by", Kind.TEXT, data=False, table=any_mirror),
        Column("source", "Source", Kind.CODE, table=False),
        Column("source_from", "Source (from)", Kind.CODE, table=False),
        Column("comparable", "Comparable", Kind.CODE, table=False),
        Column("reason", "Reason", Kind.TEXT, table=False),
        Column("side", "Side", Kind.CODE, table=False),
        Column("side_from", "Side (from)", Kind.CODE, table=False),
        Column("scope", "Scope", Kind.TEXT, table=False),
        *shared.basis_columns(("exports", "imports", "balance", "growth_pct")),
    )
    rep = result.reporter
    rows = []
    reasons: dict[str, list[str]] = {}
    for p in answer.rows:
        if p.reason:
            reasons.setdefault(p.reason, []).append(p.partner)
        rows.append(
            Row(
                {
                    "rank": p.rank,
                    "reporter": rep.iso3,
                    "label": f"{p.name} ({p.partner})",
                    "partner": p.partner,
                    "name": p.name,
                    "from_period": str(result.start),
                    "to_period": str(result.end),
                    **p.values(),
                    "measure": measure,
                    "growth_pct": p.growth_pct,
                    "reported_by": p.reported_by,
                    "source": p.source,
                    "source_from": p.source_from,
                    "comparable": p.comparable,
                    "reason": p.reason,
                    "side": p.side,
                    "side_from": p.side_from,
                    "scope": "total trade",
                    **shared.basis_values(
                        {k: p.basis.get(k) for k in ("exports", "imports", "balance", "growth_pct")}
                    ),
                },
                marks=frozenset({"growth_pct"}) if p.reason else frozenset(),
                assumed=p.assumed,
            )
        )
    notes = (
        list(result.notes) + shared.fx_notes(dataset) + shared.marked_notes(reasons, "growth for")
    )
    if any(p.assumed for p in answer.rows):
        notes.append(basis.legend(dataset))
    if any(p.mirrored for p in answer.rows):
        flows = {"exports": ["exports"], "imports": ["imports"]}.get(
            measure, ["exports", "imports"]
        )
        notes.append(
            f"partners marked mirror: {possessive(rep.name)} own figures were missing, so the "
            "partner's report of the same flows was used"
        )
        valuation = shared.mirror_valuation_note(flows, rep.name, "the partner")
        if valuation:
            notes.append(valuation)
    payload: dict[str, Json] = {
        "schema": JSON_SCHEMA_VERSION,
        "query": shared.query_json(
            "partners",
            rep,
            None,
            result.start,
            result.end,
            convention=None if answer.request is None else answer.request.window.period.value,
            measure=measure,
            sort=result.sort.value,
            top=None if answer.request is None else answer.request.top,
        ),
        "currency": result.currency,
        "partners_in_data": result.partners,
        "rows": [p.json() for p in answer.rows],
        "notes": list(notes),
        "provenance": answer.provenance.as_json(),
    }
    table = Table(
        f"{possessive(rep.name)} partners, {result.end.label}, by {_ranking(result)} "
        f"({result.currency}; {plural(result.partners, 'partner')} in the data)",
        columns,
        tuple(rows),
        notes=tuple(notes),
    )
    bars = _partners_bars(result, rows, result.currency)
    return shared.document(table, payload, result.currency, result.source_ids, dataset, bars=bars)


def _ranking(result: PartnersResult) -> str:
    """What the rows are ranked by; growth names its base period (a +4,310,000 % from a
    tiny base year is read differently once the year is in the title)."""
    if result.sort is PartnerSort.GROWTH:
        return f"growth since {result.start.label}"
    return result.sort.value


def _partners_bars(result: PartnersResult, rows: list[Row], currency: str) -> Bars | None:
    """Exports to and imports from each listed partner in the last period."""
    if not rows:
        return None
    labels = tuple(str(r.get("name")) for r in rows)
    series = tuple(
        (name, tuple(shared.as_float(r.get(key)) for r in rows))
        for key, name in (("exports", "Exports"), ("imports", "Imports"))
    )
    listed = "; ".join(
        f"{r.get('name')}: exports {shared.money(shared.as_float(r.get('exports')), currency)}, "
        f"imports {shared.money(shared.as_float(r.get('imports')), currency)}"
        for r in rows
    )
    rep, n = result.reporter.name, len(rows)
    # The chart says what the ranking is: a list of deficits is not "top partners".
    ranked = {
        PartnerSort.VALUE: f"top {n} partners by {result.measure.value}",
        PartnerSort.DEFICIT: f"{n} biggest trade deficits, by partner",
        PartnerSort.SURPLUS: f"{n} biggest trade surpluses, by partner",
        PartnerSort.GROWTH: f"{n} partners with the fastest {result.measure.value} growth "
        f"since {result.start.label}",
    }[result.sort]
    marks = tuple(
        tuple(ASSUMED if key in r.assumed else "" for r in rows) for key in ("exports", "imports")
    )
    return Bars(
        title=f"{possessive(rep)} {ranked}, {result.end.label}",
        labels=labels,
        series=series,
        caption=f"{possessive(rep)} exports and imports with its {ranked}, "
        f"{result.end.label} ({currency}): {listed}.",
        marks=marks,
    )


COMMAND = Command(
    name="partners",
    summary="A country's top partners, with balance and growth.",
    help="""REPORTER's top partners, biggest surpluses or deficits, with balance and growth.

    Reads cached and imported data involving REPORTER, else the embedded sample
    (all pairs of 166 countries in 2006; Chile's and Mexico's partners in 2002).
    """,
    examples=(
        "tradecli partners PAK --from 2006 --sort deficit",
        "tradecli partners CHL --from 2002 --to 2006 --flow exports --top 5",
    ),
    run=run,
    needs_partner=False,
    options=("flow", "sort", "top", "strict"),
    flow=PartnerMeasure,
    flow_help="What value and growth measure: exports, imports or both (trade).",
    live=False,
)
