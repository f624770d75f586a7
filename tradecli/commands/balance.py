"""`balance`: exports, imports and balance of two countries over two periods.

The run step loads the pair, computes ``analysis.balance`` (and ``mirror``), and
returns a ``BalanceAnswer`` whose ``figures`` are typed rows, one per measure; the
table and the JSON ``figures`` are both projections of those rows.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from tradecli.commands import _basis as basis
from tradecli.commands import _shared as shared
from tradecli.commands._base import (
    Answer,
    Command,
    Context,
    FiguresByPeriod,
    Request,
    TidyRow,
    answered_by,
    load_pair_for,
    newest_first,
)
from tradecli.document import ASSUMED, MARK, Bars, Column, Document, Json, Kind, Row, Table
from tradecli.wording import possessive

if TYPE_CHECKING:
    import polars as pl

    from tradecli.analysis import BalanceResult, MirrorResult, SeriesResult
    from tradecli.periods import Window
    from tradecli.reports import ReportSpec
    from tradecli.sources import Dataset

JSON_SCHEMA_VERSION = "tradecli.balance/2"
MEASURES = ("exports", "imports", "balance")

_MEASURE_LABELS = {
    "exports": "Exports to {partner}",
    "imports": "Imports from {partner}",
    "balance": "Balance",
}


class Figure(Struct, frozen=True, kw_only=True):
    """One measure (exports, imports or balance) in the two compared periods."""

    measure: str
    label: str
    from_: float | None
    to: float | None
    change: float | None
    growth_pct: float | None
    source_from: str | None
    source_to: str | None
    source: str  # the source references for people: "[1]" or "[1] -> [2]"
    note: str | None
    comparable: bool | None
    reason: str | None  # why the change is not like for like, in words
    side_from: str | None
    side_to: str | None
    reported_by_from: str | None
    reported_by_to: str | None
    reported_by: str  # who reported it, for people ("" for the reporter's own)
    # What each value rests on: published, reconstructed or converted (None: no value).
    basis: dict[str, str | None]

    def values(self) -> dict[str, float | None]:
        return {
            "from": self.from_,
            "to": self.to,
            "change": self.change,
            "growth_pct": self.growth_pct,
        }

    def json(self) -> dict[str, Json]:
        return {
            **self.values(),
            "source_from": self.source_from,
            "source_to": self.source_to,
            "note": self.note,
            "comparable": self.comparable,
            "reason": self.reason,
            "side_from": self.side_from,
            "side_to": self.side_to,
            "reported_by_from": self.reported_by_from,
            "reported_by_to": self.reported_by_to,
            "reported_by": self.reported_by or None,
            "basis": dict(self.basis),
        }

    @property
    def assumed(self) -> frozenset[str]:
        """The values resting on an assumed level: marked ‡."""
        return frozenset(k for k, b in self.basis.items() if basis.mark(b))


class MirrorFigure(Struct, frozen=True, kw_only=True):
    """One flow as each side reported it, and the gap between the two."""

    flow: str
    label: str
    reported: float | None
    mirror: float | None
    gap_pct: float | None
    source_reported: str | None
    source_mirror: str | None
    note: str | None

    def values(self) -> dict[str, float | None]:
        return {"reported": self.reported, "mirror": self.mirror, "gap_pct": self.gap_pct}


class BalanceAnswer(Answer, frozen=True, kw_only=True, dict=True):
    """The balance's typed answer: ``result`` from ``analysis.balance`` and its figures."""

    result: BalanceResult
    mirror: MirrorResult | None = None  # the mirror check of the --to window
    mirror_from: MirrorResult | None = None  # ... and of the --from window, when it differs
    span: SeriesResult | None = None  # the monthly series the HTML chart draws

    @property
    def exports(self) -> Figure:
        return self.figures["exports"]

    @property
    def imports(self) -> Figure:
        return self.figures["imports"]

    @property
    def balance(self) -> Figure:
        return self.figures["balance"]

    @cached_property
    def figures(self) -> dict[str, Figure]:
        """Exports, imports and balance as typed rows: the table and the JSON read them."""
        return _figures(self.result, self.dataset)

    @cached_property
    def mirror_figures(self) -> tuple[MirrorFigure, ...]:
        return _mirror_figures(self.mirror) if self.mirror is not None else ()

    @property
    def mirrors(self) -> tuple[MirrorResult, ...]:
        """The mirror checks of both compared windows, --from first (one if they are one)."""
        return tuple(m for m in (self.mirror_from, self.mirror) if m is not None)

    def to_document(self) -> Document:
        return document(self)

    def tidy(self) -> list[TidyRow]:
        """Exports, imports and balance in each compared period (once if they are one)."""
        pair = f"{self.result.reporter.iso3}-{self.result.partner.iso3}"
        periods: tuple[tuple[str, Window], ...] = (
            ("from", self.result.start),
            ("to", self.result.end),
        )
        if self.result.start == self.result.end:
            periods = periods[1:]
        return [
            {
                "pair": pair,
                "flow": f.measure,
                "period": str(window),
                "value": f.values()[side],
                "currency": self.currency,
                "source": f.source_from if side == "from" else f.source_to,
                "basis": f.basis[side],
                "side": f.side_from if side == "from" else f.side_to,
            }
            for side, window in periods
            for f in self.figures.values()
        ]

    # -- report hooks ------------------------------------------------------------------

    def figures_by_period(self) -> FiguresByPeriod:
        """{period: {measure: value}} for both compared periods."""
        out: FiguresByPeriod = {}
        for side, period in (("from", self.result.start), ("to", self.result.end)):
            out[str(period)] = {m: f.values()[side] for m, f in self.figures.items()}
        return out

    def sources_by_period(self) -> dict[str, str]:
        """The source ids behind each compared period's exports and imports."""
        whole = ", ".join(sorted({s for s in self.source_ids if s}))
        out = {}
        for side, period in (("from", self.result.start), ("to", self.result.end)):
            found = {
                self.figures[m].source_from if side == "from" else self.figures[m].source_to
                for m in ("exports", "imports")
            } - {None, ""}
            if label := ", ".join(sorted(str(x) for x in found)) or whole:
                out[str(period)] = label
        return out

    def alerts(self, spec: ReportSpec) -> list[str]:
        return alerts(self, spec)

    def unchecked(self, spec: ReportSpec) -> list[str]:
        return unchecked(self, spec)


def run(context: Context, request: Request) -> BalanceAnswer:
    """Load the pair, compute the balance (and the mirror check, and the chart's series)."""
    from tradecli import analysis

    query = load_pair_for(context, request, totals_only=not request.products)
    newest = newest_first(query.dataset)
    result = analysis.balance(
        query.dataset.flows,
        query.reporter,
        query.partner,
        query.start,
        query.end,
        request.window.period,
        request.window.compare,
        context.settings.fiscal_year_start,
        products=request.products,
        strict=request.strict or context.strict,
        newest_first=newest,
    )
    mirror_result = mirror_from = None
    if request.mirror:
        # Both ends of the comparison are checked: a change can rest on either side.
        checks = [
            analysis.mirror(
                query.dataset.flows,
                query.reporter,
                query.partner,
                window,
                products=result.products,
                newest_first=newest,
            )
            for window in dict.fromkeys((result.start, result.end))
        ]
        mirror_result = checks[-1]
        mirror_from = checks[0] if len(checks) == 2 else None
    span = _chart_series(query.dataset.flows, result, newest) if request.chart else None
    return BalanceAnswer(
        command="balance",
        currency=result.currency,
        dataset=shared.fx_within(query.dataset, result.start.first, result.end.last),
        result=result,
        mirror=mirror_result,
        mirror_from=mirror_from,
        span=span,
        request=request,
    )


def _figures(result: BalanceResult, dataset: Dataset) -> dict[str, Figure]:
    single = result.start == result.end
    numbers = {source_id: i for i, source_id in enumerate(result.source_ids, start=1)}

    def refs(value: str | None) -> str:
        if not value:
            return "n/a"
        return ",".join(f"[{numbers[s]}]" for s in value.split("+"))

    rep, par = result.reporter, result.partner
    rows = {r["measure"]: r for r in result.figures.iter_rows(named=True)}
    bases = _bases(result, dataset, rows)
    out = {}
    for r in rows.values():
        measure = r["measure"]
        start, end = r["source_from"], r["source_to"]
        who_to = shared.who(r["tier_to"], rep.name, par.name, measure, r["reported_by_to"])
        who_from = shared.who(r["tier_from"], rep.name, par.name, measure, r["reported_by_from"])
        if single or who_from == who_to:
            who = who_to
        else:
            who = (
                f"{result.start.short_label}: {who_from or 'no figure'}; "
                f"{result.end.short_label}: {who_to or 'no figure'}"
            )
        reason = None
        if r["comparable"] is False:
            reason = shared.reason(
                result.start.label,
                result.end.label,
                (shared.side_words(r["tier_from"], rep, par.name),
                 shared.side_words(r["tier_to"], rep, par.name)),
                (start, end),
                numbers,
                r["edition_change"],
            )  # fmt: skip
        out[measure] = Figure(
            measure=measure,
            label=_MEASURE_LABELS[measure].format(partner=par.name),
            from_=shared.num(r["value_from"]),
            to=shared.num(r["value_to"]),
            change=shared.num(r["change"]),
            growth_pct=shared.num(r["growth_pct"]),
            source_from=start,
            source_to=end,
            source=refs(end) if single or start == end else f"{refs(start)} -> {refs(end)}",
            note=r["note"],
            comparable=r["comparable"],
            reason=reason,
            side_from=shared.side(r["tier_from"]),
            side_to=shared.side(r["tier_to"]),
            reported_by_from=r["reported_by_from"],
            reported_by_to=r["reported_by_to"],
            reported_by=who,
            basis=bases[measure],
        )
    return out


def _bases(
    result: BalanceResult,
    dataset: Dataset,
    rows: dict[str, dict[str, Any]],  # measure -> its polars row (named) of ``result.figures``
) -> dict[str, dict[str, str | None]]:
    """What each value of each measure rests on (published, reconstructed, converted)."""
    rep, par = result.reporter.iso3, result.partner.iso3
    windows = {"from": result.start, "to": result.end}
    direction = {"exports": (rep, par), "imports": (par, rep)}
    out: dict[str, dict[str, str | None]] = {}
    for measure, r in rows.items():
        levels: dict[str, str | None] = {}
        for side, window in windows.items():
            if r[f"value_{side}"] is None:
                levels[side] = None
            elif measure == "balance":
                flows = (out["exports"][side], out["imports"][side])
                levels[side] = basis.balance(dataset, r[f"source_{side}"], rep, par, window, flows)
            else:
                levels[side] = basis.level(
                    dataset, r[f"source_{side}"], *direction[measure], window
                )
        pair = (levels["from"], levels["to"])
        change = basis.combine(pair) if r["change"] is not None else None
        growth = None
        if r["growth_pct"] is not None and measure in direction:
            growth = basis.growth(
                dataset,
                (r["source_from"], r["source_to"]),
                *direction[measure],
                (result.start, result.end),
                pair,
            )
        out[measure] = {**levels, "change": change, "growth_pct": growth}
    return out


def _mirror_figures(result: MirrorResult) -> tuple[MirrorFigure, ...]:
    rep, par = result.reporter.name, result.partner.name
    labels = {
        "exports": f"{possessive(rep)} exports to {par} (vs {possessive(par)} imports)",
        "imports": f"{possessive(rep)} imports from {par} (vs {possessive(par)} exports)",
    }
    return tuple(
        MirrorFigure(
            flow=r["flow"],
            label=labels[r["flow"]],
            reported=shared.num(r["reported"]),
            mirror=shared.num(r["mirror"]),
            gap_pct=shared.num(r["gap_pct"]),
            source_reported=r["source_reported"],
            source_mirror=r["source_mirror"],
            note=r["note"],
        )
        for r in result.figures.iter_rows(named=True)
    )


def document(answer: BalanceAnswer) -> Document:
    """The balance table (and the mirror table), the OEC-style sentence and the JSON."""
    result, dataset = answer.result, answer.dataset
    single = result.start == result.end
    tiers = result.figures["tier_to"].to_list()
    any_mirror = any(
        isinstance(t, int) and t >= 2
        for t in tiers + ([] if single else result.figures["tier_from"].to_list())
    )
    columns = (
        Column("label", "", Kind.TEXT, data=False),
        Column("reporter", "Reporter", Kind.CODE, table=False),
        Column("partner", "Partner", Kind.CODE, table=False),
        Column("measure", "Measure", Kind.CODE, table=False),
        Column("from_period", "From", Kind.PERIOD, table=False),
        Column("to_period", "To", Kind.PERIOD, table=False),
        Column("from", result.start.short_label, Kind.AMOUNT, table=not single),
        Column("to", result.end.short_label, Kind.AMOUNT),
        Column("change", "Change", Kind.AMOUNT, table=not single),
        Column("growth_pct", "Growth", Kind.GROWTH, table=not single),
        Column("source", "Source", Kind.TEXT, data=False),
        Column("reported_by", "Reported by", Kind.TEXT, data=False, table=any_mirror),
        Column("source_from", "Source (from)", Kind.CODE, table=False),
        Column("source_to", "Source (to)", Kind.CODE, table=False),
        Column("comparable", "Comparable", Kind.CODE, table=False),
        Column("reason", "Reason", Kind.TEXT, table=False),
        Column("side_from", "Side (from)", Kind.CODE, table=False),
        Column("side_to", "Side (to)", Kind.CODE, table=False),
        Column("reported_by_from", "Reported by (from)", Kind.CODE, table=False),
        Column("reported_by_to", "Reported by (to)", Kind.CODE, table=False),
        Column("scope", "Scope", Kind.TEXT, table=False),
        Column("note", "Note", Kind.TEXT, table=False),
        *shared.basis_columns(("from", "to", "change", "growth_pct")),
    )
    rep, par = result.reporter, result.partner
    rows = []
    reasons: dict[str, list[str]] = {}
    mirrored: list[str] = []
    for f in answer.figures.values():
        if f.measure != "balance" and "mirror" in (f.side_to, None if single else f.side_from):
            mirrored.append(f.measure)
        if f.reason:
            what = "the balance" if f.measure == "balance" else f.measure
            reasons.setdefault(f.reason, []).append(what)
        rows.append(
            Row(
                {
                    "label": f.label,
                    "reporter": rep.iso3,
                    "partner": par.iso3,
                    "measure": f.measure,
                    "from_period": str(result.start),
                    "to_period": str(result.end),
                    **f.values(),
                    "source": f.source,
                    "reported_by": f.reported_by,
                    "source_from": f.source_from,
                    "source_to": f.source_to,
                    "comparable": f.comparable,
                    "reason": f.reason,
                    "side_from": f.side_from,
                    "side_to": f.side_to,
                    "reported_by_from": f.reported_by_from,
                    "reported_by_to": f.reported_by_to,
                    "scope": shared.scope_words(result.products),
                    "note": f.note,
                    **shared.basis_values(f.basis),
                },
                emphasis=f.measure == "balance",
                blank=frozenset({"growth_pct"}) if f.measure == "balance" else frozenset(),
                marks=frozenset({"change", "growth_pct"}) if f.reason else frozenset(),
                assumed=f.assumed,
            )
        )
    notes = list(result.notes) + shared.fx_notes(dataset)
    # A calendar year held both as an annual figure and as twelve months that disagree.
    notes += shared.year_notes(dataset, {w.first.year for w in (result.start, result.end)})
    notes += shared.marked_notes(reasons, "the change of")
    notes += list(result.tier_notes)
    valuation = shared.mirror_valuation_note(mirrored, rep.name, par.name)
    if valuation:
        notes.append(valuation)
    if any(f.assumed for f in answer.figures.values()):
        notes.append(basis.legend(dataset))
    sentence = balance_sentence(result, answer.figures)
    payload: dict[str, Json] = {
        "schema": JSON_SCHEMA_VERSION,
        "query": shared.query_json(
            "balance",
            rep,
            par,
            result.start,
            result.end,
            convention=result.convention.value,
            products=result.products,
            mirror=answer.mirror is not None,
        ),
        "currency": result.currency,
        # Only with --product: the figures are for these HS codes, not total trade.
        **({"products": list(result.products)} if result.products else {}),
        "figures": {m: f.json() for m, f in answer.figures.items()},
        "sentence": sentence,
        "notes": list(notes),
        "provenance": answer.provenance.as_json(),
    }
    tables = [
        Table(
            f"{rep.name} ({rep.iso3}) with {par.name} ({par.iso3}), {result.currency}"
            + shared.scope(result.products),
            columns,
            tuple(rows),
            notes=tuple(notes),
        )
    ]
    if answer.mirror is not None:
        mirror_table, payload["mirror"] = _mirror(answer.mirrors)
        tables.append(mirror_table)
    chart, bars = None, None
    if answer.span is not None:
        from tradecli.commands.series import series_payload

        payload["series"] = series_payload(answer.span, dataset)
        line = shared.chart_of(answer.span, sparklines=False)
        if shared.dense(line):
            chart = line
    if chart is None:
        bars = _balance_bars(result, rows)
    return Document(
        tables=tuple(tables),
        payload=payload,
        currency=result.currency,
        sentence=sentence,
        sources=shared.sources_of(result.source_ids, dataset),
        data_line=shared.data_line(answered_by(dataset, result.source_ids)),
        chart=chart,
        bars=bars,
    )


def _balance_bars(result: BalanceResult, rows: list[Row]) -> Bars:
    """Exports, imports and balance in the two compared periods (or the one), side by side."""
    labels = ("Exports", "Imports", "Balance")
    single = result.start == result.end
    keys = [("to", result.end.label)] if single else [
        ("from", result.start.label), ("to", result.end.label)]  # fmt: skip
    series = tuple((label, tuple(shared.as_float(r.get(key)) for r in rows)) for key, label in keys)
    marks = tuple(tuple(ASSUMED if key in r.assumed else "" for r in rows) for key, _ in keys)
    unlike = tuple("change" in r.marks for r in rows)
    said = "; ".join(
        f"{name.lower()}{' ' + MARK if unlike[i] else ''} "
        + " to ".join(
            f"{shared.money(values[i], result.currency)}{marks[k][i]} in {label}"
            for k, (label, values) in enumerate(series)
        )
        for i, name in enumerate(labels)
    )
    reasons = dict.fromkeys(str(r.get("reason")) for r in rows if "change" in r.marks)
    caveats = "".join(f" {MARK} Not like for like: {reason}." for reason in reasons)
    if any(m for group in marks for m in group):
        caveats += f" {ASSUMED} Reconstructed from an assumed level, not published."
    rep, par = result.reporter.name, result.partner.name
    return Bars(
        title=f"{rep} with {par}: exports, imports and balance, "
        + (result.end.label if single else f"{result.start.label} and {result.end.label}"),
        labels=tuple(
            f"{name} {MARK}" if u else name for name, u in zip(labels, unlike, strict=True)
        ),
        series=series,
        caption=f"{possessive(rep)} trade with {par} ({result.currency}): {said}.{caveats}",
        unlike=unlike,
        marks=marks,
    )


def balance_sentence(result: BalanceResult, figures: dict[str, Figure] | None = None) -> str:
    """The OEC's own phrasing of a bilateral balance, with the comparison after it.

    With ``figures``, an amount resting on an assumed level carries ‡ (and the
    sentence ends by saying what ‡ means)."""
    from tradecli.numfmt import currency_symbol, format_amount, format_percent

    rep, par = result.reporter.name, result.partner.name
    symbol = currency_symbol(result.currency)
    marked = False

    def amount(value: float | None, measure: str = "", side: str = "") -> str:
        nonlocal marked
        text = format_amount(value, symbol)
        if figures is not None and measure and side in figures[measure].assumed:
            marked = True
            return text + ASSUMED
        return text

    exports, imports, bal = (result.row(m) for m in MEASURES)
    parts: list[str] = []
    x1, m1, b1 = exports["value_to"], imports["value_to"], bal["value_to"]
    when = result.end.label
    if isinstance(x1, float) and isinstance(m1, float) and isinstance(b1, float):
        sign = "positive" if b1 >= 0 else "negative"
        goods = f" of {shared.scope(result.products)[2:-5]}" if result.products else ""
        parts.append(
            f"In {when}, {rep} exported {amount(x1, 'exports', 'to')}{goods} to {par} and "
            f"imported {amount(m1, 'imports', 'to')}{goods} from {par}, resulting in a {sign} "
            f"trade balance of {amount(abs(b1), 'balance', 'to')}."
        )
    else:
        parts.append(f"In {when}, the data do not hold both flows of {rep} with {par}.")
    if result.start != result.end:
        clauses: list[str] = []
        for measure, row, direction in (("exports", exports, "to"), ("imports", imports, "from")):
            growth, start, end = row["growth_pct"], row["value_from"], row["value_to"]
            subject = f"{measure} {direction} {par}" if not clauses else measure
            if isinstance(growth, float) and isinstance(start, float) and isinstance(end, float):
                verb = (
                    "increased" if growth > 0 else "decreased" if growth < 0 else "did not change"
                )
                by = f" by {format_percent(abs(growth))}" if growth != 0 else ""
                caveat = (
                    f" ({MARK} not like for like: different sources, sides or HS editions, "
                    "see the note)"
                    if row["comparable"] is False
                    else ""
                )
                clauses.append(
                    f"{subject} {verb}{by}{caveat}, from {amount(start, measure, 'from')} "
                    f"to {amount(end, measure, 'to')}"
                )
            else:
                clauses.append(f"{subject} cannot be compared (see the notes)")
        parts.append(
            f"Between {result.start.label} and {result.end.label}, "
            + f"{clauses[0]}, and {clauses[1]}."
        )
    if marked:
        parts.append(f"({ASSUMED} reconstructed from an assumed level, not published.)")
    return " ".join(parts)


def _mirror(checks: tuple[MirrorResult, ...]) -> tuple[Table, dict[str, Json]]:
    """The mirror check of each compared window as one table (its CIF/FOB note once) and
    its JSON: ``period`` and ``flows`` of the --to window, ``periods`` for each window."""
    last = checks[-1]
    rep, par = last.reporter.name, last.partner.name
    columns = (
        Column("period", "", Kind.PERIOD, table=len(checks) > 1),
        Column("label", "", Kind.TEXT, data=False),
        Column("flow", "Flow", Kind.CODE, table=False),
        Column("reported", f"Reported by {rep}", Kind.AMOUNT),
        Column("mirror", f"Reported by {par}", Kind.AMOUNT),
        Column("gap_pct", "Gap", Kind.GROWTH),
    )
    rows, notes = [], []
    periods: list[Json] = []
    flows: dict[str, Json] = {}
    for check in checks:
        flows = {}
        for f in _mirror_figures(check):
            rows.append(
                Row({"period": check.window.short_label, "label": f.label, "flow": f.flow,
                     **f.values()})
            )  # fmt: skip
            # Both flows often carry the same note: print it once.
            if f.note and f.note not in notes:
                notes.append(f.note)
            flows[f.flow] = {
                **f.values(),
                "source_reported": f.source_reported,
                "source_mirror": f.source_mirror,
                "note": f.note,
            }
        periods.append({"period": str(check.window), "flows": flows})
    labels = " and ".join(c.window.label for c in checks)
    table = Table(
        f"Mirror check, {labels}: {possessive(rep)} figures and {possessive(par)}"
        + shared.scope(last.products),
        columns,
        tuple(rows),
        notes=tuple(notes),
        prose=(shared.MIRROR_NOTE,),
    )
    payload: dict[str, Json] = {
        "period": str(last.window),
        "flows": flows,
        "periods": periods,
        "note": shared.MIRROR_NOTE,
    }
    return table, payload


def _chart_series(
    flows: pl.LazyFrame, result: BalanceResult, newest: tuple[str, ...]
) -> SeriesResult | None:
    """Monthly (or yearly) figures across the compared span, for the HTML chart."""
    from tradecli import analysis
    from tradecli.errors import NoData
    from tradecli.periods import month_window, year_window

    def unit(window: Window, first: bool) -> Window:
        if window.annual:
            return year_window(window.first.year if first else window.last.year)
        return month_window(window.first if first else window.last)

    try:
        return analysis.series(
            flows,
            result.reporter,
            result.partner,
            unit(result.start, True),
            unit(result.end, False),
            products=result.products,
            newest_first=newest,
        )
    except NoData:
        return None


# -- report hooks ----------------------------------------------------------------------


def alerts(answer: BalanceAnswer, spec: ReportSpec) -> list[str]:
    """One message per threshold of the report's [report.alerts] that the answer crosses."""
    from tradecli.errors import ConfigError
    from tradecli.numfmt import currency_symbol, format_amount, format_percent

    result, currency = answer.result, answer.currency or "USD"

    def amount(value: float) -> str:
        return format_amount(value, currency_symbol(currency))

    pair = f"{result.reporter.iso3}-{result.partner.iso3}"
    period = result.end.short_label
    messages = []
    balance_to, balance_from = answer.balance.to, answer.balance.from_
    limit = spec.alerts.deficit_beyond
    if limit is not None and currency != spec.alerts.currency:
        # Never a silent comparison of amounts in two currencies.
        raise ConfigError(
            f"report {spec.name}: the alert threshold deficit_beyond is in "
            f"{spec.alerts.currency} but the figures are in {currency}; amounts in "
            "different currencies are never compared",
            hint=f'give the threshold in {currency} (deficit_beyond = "1B {currency}", or '
            f'currency = "{currency}" under [report.alerts])',
        )
    if limit is not None and balance_to is not None and balance_to < -abs(limit):
        messages.append(
            f"{pair} deficit of {amount(-balance_to)} in {period} is beyond {amount(abs(limit))}"
        )
    floor = spec.alerts.growth_below
    if floor is not None:
        for flow in ("exports", "imports"):
            growth = answer.figures[flow].growth_pct
            if growth is not None and growth < floor:
                messages.append(
                    f"{pair} {flow} growth {format_percent(growth, True)} "
                    f"in {period} is below {format_percent(floor, True)}"
                )
    if spec.alerts.sign_change and balance_to is not None and balance_from is not None:
        if (balance_to >= 0) != (balance_from >= 0):
            now = "surplus" if balance_to >= 0 else "deficit"
            messages.append(
                f"{pair} balance turned to a {now} in {period} "
                f"({amount(balance_from)} -> {amount(balance_to)})"
            )
    return messages


def unchecked(answer: BalanceAnswer, spec: ReportSpec) -> list[str]:
    """A threshold whose figure is n/a is not a threshold held: say so, never stay silent.
    A balance report without the balance of its period says that too."""
    result = answer.result
    pair = f"{result.reporter.iso3}-{result.partner.iso3}"
    to, start = result.end.short_label, result.start.short_label
    balance_to, balance_from = answer.balance.to, answer.balance.from_

    absent = [f for f in ("exports", "imports") if answer.figures[f].to is None]
    messages = []
    if balance_to is None:
        messages.append(
            f"{pair}: the report has no balance for {to} (no "
            f"{' or '.join(absent) or 'comparable'} figure; see the report's notes)"
        )
    if spec.alerts.deficit_beyond is not None and balance_to is None:
        messages.append(f"{pair}: alert deficit_beyond not checked: no balance for {to}")
    if spec.alerts.growth_below is not None:
        for flow in ("exports", "imports"):
            if answer.figures[flow].growth_pct is None:
                messages.append(
                    f"{pair}: alert growth_below not checked for {flow}: no growth "
                    f"from {start} to {to}"
                )
    if spec.alerts.sign_change and (balance_to is None or balance_from is None):
        messages.append(
            f"{pair}: alert sign_change not checked: no balance for "
            f"{to if balance_to is None else start}"
        )
    return messages


COMMAND = Command(
    name="balance",
    summary="Exports, imports and balance of two countries.",
    help="""Exports, imports and trade balance of REPORTER with PARTNER over two periods.

    Balance is exports minus imports from REPORTER's side; growth is
    (to - from) / from x 100, left empty (with a note) when a figure is missing,
    a month of a window is missing, or the base is zero. Every figure names its
    source. Periods: months (2024-08), years (2024), quarters (2025-Q2), fiscal
    years (FY2025, see periods.fiscal_year_start).
    """,
    examples=(
        "tradecli balance PAK JPN --from 2024-08     # Aug 2024 vs the latest month",
        "tradecli balance pakistan japan --from 2019-12 --to 2020-12",
        "tradecli balance CHL ARG --from 2002 --to 2006 --format json   # two sources: "
        "not comparable",
        "tradecli balance PAK JPN --offline          # cache or embedded sample only",
        "tradecli balance CHL ARG --product 03 --from 2004 --to 2004   # some products only",
    ),
    run=run,
    options=("mirror", "product", "strict"),
)
