"""Build a data command's ``Document`` once, from its typed result: shared by the CLI and `report`.

A ``Request`` says what to compute (command, countries, periods, options); ``build``
loads the data (cache, API, sample), computes, and returns one ``Document``
(``tradecli.document``): raw values, column kinds, row roles, prose, notes,
sources, chart, and the JSON payload. Every format in ``tradecli.render`` reads
it. Nothing here prints, formats a number for a table, or exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort
from tradecli.config import Config
from tradecli.document import (
    Chart,
    Column,
    Document,
    Kind,
    Role,
    Row,
    Source,
    Table,
    finite,
)
from tradecli.errors import UsageError
from tradecli.periods import Compare, Convention

if TYPE_CHECKING:
    from tradecli.analysis import (
        BalanceResult,
        MirrorResult,
        PartnersResult,
        ProductsResult,
        SeriesResult,
    )
    from tradecli.codes import Country
    from tradecli.periods import Window
    from tradecli.sources import Dataset

COMMANDS = ("balance", "products", "partners", "series")
Warn = Callable[[str], None]
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True, kw_only=True)
class WindowSpec:
    """Which periods to compare: --from, --to, --period and --compare as given."""

    from_: str | None = None
    to: str | None = None
    period: Convention = Convention.POINT
    compare: Compare = Compare.YEAR


@dataclass(frozen=True, kw_only=True)
class SourceSpec:
    """Where the data may come from (--offline, --refresh, --cube, --source) and the
    currency to show them in (--currency: a code, "native", or None for the config's)."""

    offline: bool = False
    refresh: bool = False
    cube: str | None = None
    source: str | None = None
    currency: str | None = None


@dataclass(frozen=True, kw_only=True)
class Request:
    """What one data command computes; built by the CLI from its options, or by `report`."""

    command: str
    reporter: str
    partner: str | None = None
    window: WindowSpec = WindowSpec()
    source: SourceSpec = SourceSpec()
    mirror: bool = False
    flow: str | None = None
    level: str = "hs4"
    top: int = 10
    sort: str = "value"
    chart: bool = False  # add the monthly series the HTML chart draws


@dataclass(frozen=True)
class LoadedPair:
    reporter: Country
    partner: Country
    start: Window | None
    end: Window | None
    dataset: Dataset


def pair_query(
    settings: Config,
    request: Request,
    *,
    today: dt.date,
    warn: Callable[[str], None],
    progress: Callable[[int, int | None], None] | None = None,
    transport: Any = None,
    offline: bool | None = None,
) -> LoadedPair:
    """Resolve countries and periods, then load the pair's data (cache, API, sample)."""
    from tradecli.codes import resolve_country
    from tradecli.periods import check_windows, request_span
    from tradecli.sources import PairRequest, convert_dataset, load_pair

    if request.partner is None:
        raise UsageError(f"{request.command} needs a partner country")
    rep = resolve_country(request.reporter)
    par = resolve_country(request.partner)
    if rep.iso3 == par.iso3:
        raise UsageError(
            f"reporter and partner are both {rep.name} ({rep.iso3})",
            hint="a balance needs two different countries, e.g. `tradecli balance PAK JPN`",
        )
    start, end = _windows(settings, request, today)
    if start and end and request.window.period is Convention.POINT:
        check_windows(start, end)
    first, last, frequency = request_span(start, end, request.window.period, request.window.compare)
    pair = PairRequest(
        rep.iso3, par.iso3, first, last, request.source.cube, frequency, request.source.source
    )
    dataset = load_pair(
        settings,
        pair,
        offline=request.source.offline if offline is None else offline,
        refresh=request.source.refresh,
        warn=warn,
        progress=progress,
        transport=transport,
    )
    # Converted here, before any analysis: every figure of the answer in one currency.
    currency = _currency(settings, request)
    dataset = convert_dataset(dataset, currency, (rep.iso3, par.iso3), first, last)
    return LoadedPair(rep, par, start, end, dataset)


def _currency(settings: Config, request: Request) -> str:
    """--currency, else output.currency, else USD; "native" leaves figures as they are."""
    return request.source.currency or settings.currency


def _windows(
    settings: Config, request: Request, today: dt.date
) -> tuple[Window | None, Window | None]:
    """--from and --to as windows (fiscal years per the config); None where not given."""
    from tradecli.periods import parse_window

    fiscal = settings.fiscal_year_start
    start = parse_window(request.window.from_, today, fiscal) if request.window.from_ else None
    end = parse_window(request.window.to, today, fiscal) if request.window.to else None
    return start, end


def build(
    settings: Config,
    request: Request,
    *,
    warn: Callable[[str], None],
    progress: Callable[[int, int | None], None] | None = None,
    transport: Any = None,
    today: dt.date | None = None,
) -> Document:
    """Compute ``request`` and return its document."""
    today = today or dt.date.today()
    builders = {
        "balance": _balance,
        "products": _products,
        "partners": _partners,
        "series": _series,
    }
    if request.command not in builders:
        raise UsageError(
            f"unknown command {request.command!r}", hint=f"one of {', '.join(COMMANDS)}"
        )
    return builders[request.command](settings, request, warn, progress, transport, today)


JSON_SCHEMA_VERSION = "tradecli.balance/1"

MIRROR_NOTE = (
    "Mirror figures differ for ordinary reasons: imports are usually valued CIF (with "
    "freight and insurance) and exports FOB, goods in transit cross a year end, and "
    "partners classify and date shipments differently."
)

_MEASURE_LABELS = {
    "exports": "Exports to {partner}",
    "imports": "Imports from {partner}",
    "balance": "Balance",
}


# -- what every command shares --------------------------------------------------------


def _sources(source_ids: Iterable[str], dataset: Dataset) -> tuple[Source, ...]:
    out = []
    for number, source_id in enumerate(source_ids, start=1):
        info = dataset.sources.get(source_id)
        if info is None:
            out.append(Source(number, source_id))
        else:
            out.append(
                Source(
                    number,
                    source_id,
                    title=info.title,
                    publisher=info.publisher,
                    url=info.url or None,
                    note=info.note or None,
                    reconstructed=info.reconstructed,
                )
            )
    return tuple(out)


def _data_line(dataset: Dataset) -> str:
    fetched = f", fetched {dataset.fetched_at}" if dataset.fetched_at else ""
    return f"Data: {dataset.description}{fetched}."


def _provenance(source_ids: Iterable[str], dataset: Dataset) -> dict[str, Any]:
    from tradecli.sources import conversion_provenance

    extra: dict[str, Any] = {}
    # Present only when they happened, so that earlier answers keep their shape.
    if dataset.fetch_error:
        extra["fetch_error"] = dataset.fetch_error
    conversion = conversion_provenance(dataset)
    if conversion is not None:
        extra["conversion"] = conversion
    return {
        "origin": dataset.origin,
        **extra,
        "description": dataset.description,
        "fetched_at": dataset.fetched_at,
        "cubes": dataset.extra.get("cubes", []),
        "sources": [
            dataset.sources[s].as_dict() if s in dataset.sources else {"id": s} for s in source_ids
        ],
    }


def _fx_notes(dataset: Dataset) -> list[str]:
    from tradecli.sources import conversion_notes

    return conversion_notes(dataset)


def _num(value: object) -> float | None:
    """A figure for the document: full precision; None when missing or not finite."""
    from tradecli.numfmt import full_precision

    number = finite(value) if isinstance(value, int | float) else None
    return None if number is None else full_precision(number)


# -- balance ------------------------------------------------------------------------------


def _balance(
    settings: Config,
    request: Request,
    warn: Warn,
    progress: Progress | None,
    transport: Any,
    today: dt.date,
) -> Document:
    from tradecli import analysis

    query = pair_query(
        settings, request, today=today, warn=warn, progress=progress, transport=transport
    )
    result = analysis.balance(
        query.dataset.flows,
        query.reporter,
        query.partner,
        query.start,
        query.end,
        request.window.period,
        request.window.compare,
        settings.fiscal_year_start,
    )
    mirror_result = None
    if request.mirror:
        mirror_result = analysis.mirror(
            query.dataset.flows, query.reporter, query.partner, result.end
        )
    span = _chart_series(query, result) if request.chart else None
    return balance_document(result, query.dataset, mirror_result, span)


def balance_document(
    result: BalanceResult,
    dataset: Dataset,
    mirror_result: MirrorResult | None = None,
    span: SeriesResult | None = None,
) -> Document:
    """The balance table (and the mirror table), the OEC-style sentence and the JSON."""
    single = result.start == result.end
    numbers = {source_id: i for i, source_id in enumerate(result.source_ids, start=1)}

    def refs(value: str | None) -> str:
        if not value:
            return "n/a"
        return ",".join(f"[{numbers[s]}]" for s in value.split("+"))

    columns = (
        Column("label", "", Kind.TEXT, data=False),
        Column("measure", "Measure", Kind.CODE, table=False),
        Column("from_period", "From", Kind.PERIOD, table=False),
        Column("to_period", "To", Kind.PERIOD, table=False),
        Column("from", result.start.short_label, Kind.AMOUNT, table=not single),
        Column("to", result.end.short_label, Kind.AMOUNT),
        Column("change", "Change", Kind.AMOUNT, table=not single),
        Column("growth_pct", "Growth", Kind.GROWTH, table=not single),
        Column("source", "Source", Kind.TEXT, data=False),
        Column("source_from", "Source (from)", Kind.CODE, table=False),
        Column("source_to", "Source (to)", Kind.CODE, table=False),
    )
    rows = []
    figures: dict[str, Any] = {}
    for r in result.figures.iter_rows(named=True):
        measure = r["measure"]
        start, end = r["source_from"], r["source_to"]
        source = refs(end) if single or start == end else f"{refs(start)} -> {refs(end)}"
        values = {
            "from": _num(r["value_from"]),
            "to": _num(r["value_to"]),
            "change": _num(r["change"]),
            "growth_pct": _num(r["growth_pct"]),
        }
        rows.append(
            Row(
                {
                    "label": _MEASURE_LABELS[measure].format(partner=result.partner.name),
                    "measure": measure,
                    "from_period": str(result.start),
                    "to_period": str(result.end),
                    **values,
                    "source": source,
                    "source_from": start,
                    "source_to": end,
                },
                emphasis=measure == "balance",
                blank=frozenset({"growth_pct"}) if measure == "balance" else frozenset(),
            )
        )
        figures[measure] = {
            **values,
            "source_from": start,
            "source_to": end,
            "note": r["note"],
        }
    rep, par = result.reporter, result.partner
    sentence = balance_sentence(result)
    payload: dict[str, Any] = {
        "schema": JSON_SCHEMA_VERSION,
        "query": {
            "reporter": _country(rep),
            "partner": _country(par),
            "from": str(result.start),
            "to": str(result.end),
            "from_label": result.start.short_label,
            "to_label": result.end.short_label,
            "period_kind": "year" if result.end.annual else result.end.kind.value,
            "convention": result.convention.value,
            "from_months": None if result.start.annual else [str(m) for m in result.start.months],
            "to_months": None if result.end.annual else [str(m) for m in result.end.months],
        },
        "currency": result.currency,
        "figures": figures,
        "sentence": sentence,
        "notes": [*result.notes, *_fx_notes(dataset)],
        "provenance": _provenance(result.source_ids, dataset),
    }
    tables = [
        Table(
            f"{rep.name} ({rep.iso3}) with {par.name} ({par.iso3}), {result.currency}",
            columns,
            tuple(rows),
            notes=(*result.notes, *_fx_notes(dataset)),
        )
    ]
    if mirror_result is not None:
        mirror_table, payload["mirror"] = _mirror(mirror_result)
        tables.append(mirror_table)
    chart = None
    if span is not None:
        payload["series"] = series_payload(span, dataset)
        chart = _chart(span, sparklines=False)
    return Document(
        tables=tuple(tables),
        payload=payload,
        currency=result.currency,
        sentence=sentence,
        sources=_sources(result.source_ids, dataset),
        data_line=_data_line(dataset),
        chart=chart,
    )


def _country(c: Country) -> dict[str, str]:
    return {"iso3": c.iso3, "name": c.name, "oec_id": c.oec_id}


def balance_sentence(result: BalanceResult) -> str:
    """The OEC's own phrasing of a bilateral balance, with the comparison after it."""
    from tradecli.numfmt import currency_symbol, format_amount, format_percent

    rep, par = result.reporter.name, result.partner.name
    symbol = currency_symbol(result.currency)

    def amount(value: float | None) -> str:
        return format_amount(value, symbol)

    exports, imports, bal = (result.row(m) for m in ("exports", "imports", "balance"))
    parts: list[str] = []
    x1, m1, b1 = exports["value_to"], imports["value_to"], bal["value_to"]
    when = result.end.label
    if isinstance(x1, float) and isinstance(m1, float) and isinstance(b1, float):
        sign = "positive" if b1 >= 0 else "negative"
        parts.append(
            f"In {when}, {rep} exported {amount(x1)} to {par} and imported "
            f"{amount(m1)} from {par}, resulting in a {sign} trade balance of "
            f"{amount(abs(b1))}."
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
                clauses.append(f"{subject} {verb}{by}, from {amount(start)} to {amount(end)}")
            else:
                clauses.append(f"{subject} cannot be compared (see the notes)")
        parts.append(
            f"Between {result.start.label} and {result.end.label}, "
            + f"{clauses[0]}, and {clauses[1]}."
        )
    return " ".join(parts)


def _mirror(result: MirrorResult) -> tuple[Table, dict[str, Any]]:
    """The mirror check as a second table (its CIF/FOB note once) and its JSON."""
    rep, par = result.reporter.name, result.partner.name
    labels = {
        "exports": f"{rep}'s exports to {par} (vs {par}'s imports)",
        "imports": f"{rep}'s imports from {par} (vs {par}'s exports)",
    }
    columns = (
        Column("label", "", Kind.TEXT, data=False),
        Column("flow", "Flow", Kind.CODE, table=False),
        Column("reported", f"Reported by {rep}", Kind.AMOUNT),
        Column("mirror", f"Reported by {par}", Kind.AMOUNT),
        Column("gap_pct", "Gap", Kind.GROWTH),
    )
    rows, notes, flows = [], [], {}
    for r in result.figures.iter_rows(named=True):
        values = {
            "reported": _num(r["reported"]),
            "mirror": _num(r["mirror"]),
            "gap_pct": _num(r["gap_pct"]),
        }
        rows.append(Row({"label": labels[r["flow"]], "flow": r["flow"], **values}))
        # Both flows often carry the same note: print it once.
        if r["note"] and r["note"] not in notes:
            notes.append(r["note"])
        flows[r["flow"]] = {
            **values,
            "source_reported": r["source_reported"],
            "source_mirror": r["source_mirror"],
            "note": r["note"],
        }
    table = Table(
        f"Mirror check, {result.window.label}: {rep}'s figures and {par}'s",
        columns,
        tuple(rows),
        notes=tuple(notes),
        prose=(MIRROR_NOTE,),
    )
    return table, {"period": str(result.window), "flows": flows, "note": MIRROR_NOTE}


# -- products ----------------------------------------------------------------------------


def _products(
    settings: Config,
    request: Request,
    warn: Warn,
    progress: Progress | None,
    transport: Any,
    today: dt.date,
) -> Document:
    from tradecli import analysis

    # Product breakdowns come from cached, imported or sample data, never the API (yet).
    query = pair_query(settings, request, today=today, warn=warn, offline=True)
    result = analysis.products(
        query.dataset.flows,
        query.reporter,
        query.partner,
        FlowChoice(request.flow or "exports"),
        request.level,
        request.top,
        query.start,
        query.end,
        request.window.period,
        request.window.compare,
        settings.fiscal_year_start,
    )
    return products_document(result, query.dataset)


def products_document(result: ProductsResult, dataset: Dataset) -> Document:
    single = result.start == result.end
    columns = (
        Column("code", "Code", Kind.CODE),
        Column("name", "Product", Kind.TEXT),
        Column("from", result.start.short_label, Kind.AMOUNT, table=not single),
        Column("to", result.end.short_label, Kind.AMOUNT),
        Column("share_pct", "Share", Kind.PERCENT),
        Column("growth_pct", "Growth", Kind.GROWTH, table=not single),
    )
    rows, json_rows = [], []
    for r in result.rows.iter_rows(named=True):
        other = r["code"].startswith("OTHER(")
        values = {
            "from": _num(r["value_from"]),
            "to": _num(r["value_to"]),
            "share_pct": _num(r["share_pct"]),
            "growth_pct": _num(r["growth_pct"]),
        }
        rows.append(
            Row(
                {"code": "OTHER" if other else r["code"], "name": r["name"], **values},
                role=Role.OTHER if other else Role.NORMAL,
                blank=frozenset({"code"}) if other else frozenset(),
            )
        )
        json_rows.append(
            {"code": None if other else r["code"], "name": r["name"], "other": other, **values}
        )
    total_from, total_to = _num(result.total_from), _num(result.total_to)
    total = Row(
        {
            "code": None,
            "name": f"Total ({result.products} products)",
            "from": total_from,
            "to": total_to,
            "share_pct": 100.0 if total_to else None,
            "growth_pct": _num(result.total_growth_pct),
        },
        role=Role.TOTAL,
    )
    rep, par, flow = result.reporter, result.partner, result.flow.value
    direction = "to" if flow == "exports" else "from"
    prose: tuple[str, ...] = ()
    if result.data_level != result.level:
        prose = (f"Products summed from {result.data_level.upper()} rows.",)
    payload = {
        "schema": "tradecli.products/1",
        "query": {
            "reporter": rep.iso3,
            "partner": par.iso3,
            "reporter_name": rep.name,
            "partner_name": par.name,
            "flow": flow,
            "level": result.level,
            "data_level": result.data_level,
            "from": str(result.start),
            "to": str(result.end),
            "from_label": result.start.short_label,
            "to_label": result.end.short_label,
            "to_long_label": result.end.label,
        },
        "currency": result.currency,
        "data_level": result.data_level,
        "total": {"from": total_from, "to": total_to, "products": result.products},
        "rows": json_rows,
        "notes": [*result.notes, *_fx_notes(dataset)],
        "provenance": _provenance(result.source_ids, dataset),
    }
    table = Table(
        f"{rep.name}'s {flow} {direction} {par.name} by {result.level.upper()}, "
        f"{result.end.label} ({result.currency})",
        columns,
        tuple(rows),
        total=total,
        notes=(*result.notes, *_fx_notes(dataset)),
        prose=prose,
    )
    return _document(table, payload, result.currency, result.source_ids, dataset)


def _document(
    table: Table,
    payload: dict[str, Any],
    currency: str,
    source_ids: Iterable[str],
    dataset: Dataset,
    chart: Chart | None = None,
) -> Document:
    return Document(
        tables=(table,),
        payload=payload,
        currency=currency,
        sources=_sources(source_ids, dataset),
        data_line=_data_line(dataset),
        chart=chart,
    )


# -- partners ----------------------------------------------------------------------------


def _partners(
    settings: Config,
    request: Request,
    warn: Warn,
    progress: Progress | None,
    transport: Any,
    today: dt.date,
) -> Document:
    from tradecli import analysis
    from tradecli.codes import resolve_country
    from tradecli.sources import convert_dataset, load_country

    if request.source.source is not None:
        raise UsageError(
            "partners reads cached, imported or sample data of every source; "
            "--source does not apply",
            hint="fetch pairs first (`tradecli fetch`), or import a file",
        )
    rep = resolve_country(request.reporter)
    start, end = _windows(settings, request, today)
    dataset = load_country(settings, rep.iso3, warn)
    dataset = convert_dataset(dataset, _currency(settings, request), (rep.iso3,))
    result = analysis.partners(
        dataset.flows,
        rep,
        PartnerMeasure(request.flow or "trade"),
        PartnerSort(request.sort),
        request.top,
        start,
        end,
        request.window.period,
        request.window.compare,
        settings.fiscal_year_start,
    )
    return partners_document(result, dataset)


def partners_document(result: PartnersResult, dataset: Dataset) -> Document:
    single = result.start == result.end
    measure = result.measure.value
    columns = (
        Column("rank", "#", Kind.RANK),
        Column("label", "Partner", Kind.TEXT, data=False),
        Column("partner", "ISO3", Kind.CODE, table=False),
        Column("name", "Name", Kind.TEXT, table=False),
        Column("exports", "Exports", Kind.AMOUNT),
        Column("imports", "Imports", Kind.AMOUNT),
        Column("balance", "Balance", Kind.AMOUNT),
        Column("growth_pct", f"Growth ({measure})", Kind.GROWTH, table=not single),
    )
    rows, json_rows = [], []
    for rank, r in enumerate(result.rows.iter_rows(named=True), start=1):
        values = {
            "exports": _num(r["exports"]),
            "imports": _num(r["imports"]),
            "balance": _num(r["balance"]),
        }
        growth = _num(r["growth_pct"])
        rows.append(
            Row(
                {
                    "rank": rank,
                    "label": f"{r['name']} ({r['partner']})",
                    "partner": r["partner"],
                    "name": r["name"],
                    **values,
                    "growth_pct": growth,
                }
            )
        )
        json_rows.append(
            {
                "partner": r["partner"],
                "name": r["name"],
                **values,
                "value": _num(r["value"]),
                "value_from": _num(r["value_from"]),
                "growth_pct": growth,
            }
        )
    rep = result.reporter
    payload = {
        "schema": "tradecli.partners/1",
        "query": {
            "reporter": rep.iso3,
            "reporter_name": rep.name,
            "to_long_label": result.end.label,
            "measure": measure,
            "sort": result.sort.value,
            "from": str(result.start),
            "to": str(result.end),
        },
        "currency": result.currency,
        "partners_in_data": result.partners,
        "rows": json_rows,
        "notes": [*result.notes, *_fx_notes(dataset)],
        "provenance": _provenance(result.source_ids, dataset),
    }
    table = Table(
        f"{rep.name}'s partners, {result.end.label}, by {result.sort.value} "
        f"({result.currency}; {result.partners} partners in the data)",
        columns,
        tuple(rows),
        notes=(*result.notes, *_fx_notes(dataset)),
    )
    return _document(table, payload, result.currency, result.source_ids, dataset)


# -- series ------------------------------------------------------------------------------


def _series(
    settings: Config,
    request: Request,
    warn: Warn,
    progress: Progress | None,
    transport: Any,
    today: dt.date,
) -> Document:
    from tradecli import analysis

    query = pair_query(
        settings, request, today=today, warn=warn, progress=progress, transport=transport
    )
    result = analysis.series(
        query.dataset.flows, query.reporter, query.partner, query.start, query.end
    )
    return series_document(result, query.dataset)


def series_payload(result: SeriesResult, dataset: Dataset) -> dict[str, Any]:
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
        "rows": [
            {
                "period": r["period"],
                "exports": _num(r["exports"]),
                "imports": _num(r["imports"]),
                "balance": _num(r["balance"]),
            }
            for r in result.rows.iter_rows(named=True)
        ],
        "missing": list(result.missing),
        "provenance": _provenance(result.source_ids, dataset),
    }


def _chart(result: SeriesResult, *, sparklines: bool) -> Chart:
    def column(name: str) -> tuple[float | None, ...]:
        return tuple(_num(v) for v in result.rows[name].to_list())

    return Chart(
        periods=tuple(str(p) for p in result.rows["period"].to_list()),
        exports=column("exports"),
        imports=column("imports"),
        balance=column("balance"),
        sparklines=sparklines,
    )


def series_document(result: SeriesResult, dataset: Dataset) -> Document:
    payload = series_payload(result, dataset)
    columns = (
        Column("period", "Period", Kind.PERIOD),
        Column("exports", "Exports", Kind.AMOUNT),
        Column("imports", "Imports", Kind.AMOUNT),
        Column("balance", "Balance", Kind.AMOUNT),
    )
    rows = tuple(Row(dict(r)) for r in payload["rows"])
    notes: tuple[str, ...] = ()
    if result.missing:
        notes = (
            f"no data for {len(result.missing)} of {len(rows)} periods; "
            "they are shown as n/a, not as zero",
        )
    notes = (*notes, *_fx_notes(dataset))
    rep, par = result.reporter.name, result.partner.name
    table = Table(
        f"{rep} with {par}, {result.first}..{result.last} ({result.currency})",
        columns,
        rows,
        notes=notes,
    )
    chart = _chart(result, sparklines=True) if rows else None
    return _document(table, payload, result.currency, result.source_ids, dataset, chart)


def _chart_series(query: LoadedPair, result: BalanceResult) -> SeriesResult | None:
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
            query.dataset.flows,
            query.reporter,
            query.partner,
            unit(result.start, True),
            unit(result.end, False),
        )
    except NoData:
        return None
