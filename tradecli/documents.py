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
    MARK,
    Bars,
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
    from pathlib import Path

    from httpx import BaseTransport

    from tradecli.analysis import (
        BalanceResult,
        MirrorResult,
        PartnersResult,
        ProductsResult,
        SeriesResult,
    )
    from tradecli.codes import Country
    from tradecli.periods import Period, Window
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
    products: tuple[str, ...] = ()  # --product: figures for these HS codes, not total trade
    strict: bool = False  # --strict (or [output] strict): no growth across sources or sides


@dataclass(frozen=True)
class LoadedPair:
    reporter: Country
    partner: Country
    start: Window | None
    end: Window | None
    dataset: Dataset


# Commands that read only TOTAL rows when no --product is given (products reads HS rows).
TOTALS_ONLY = frozenset({"balance", "series"})


def pair_query(
    settings: Config,
    request: Request,
    *,
    today: dt.date,
    warn: Callable[[str], None],
    progress: Callable[[int, int | None], None] | None = None,
    transport: BaseTransport | None = None,
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
        rep.iso3,
        par.iso3,
        first,
        last,
        request.source.cube,
        frequency,
        request.source.source,
        products=request.products,
        totals_only=request.command in TOTALS_ONLY and not request.products,
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
    dataset = convert_dataset(
        dataset,
        currency,
        (rep.iso3, par.iso3),
        first,
        last,
        _rates_file(settings),
    )
    return LoadedPair(rep, par, start, end, dataset)


def _rates_file(settings: Config) -> Path | None:
    """The newest ECB rates file: fetched by `tradecli fx update` when newer, else bundled."""
    from tradecli.config import cache_dir
    from tradecli.fx import rates_file_in_use

    return rates_file_in_use(cache_dir(settings))


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
    transport: BaseTransport | None = None,
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


def _newest_first(dataset: Dataset) -> tuple[str, ...]:
    """Source ids, most recently imported or fetched first (the same-tier rule)."""
    return tuple(dataset.extra.get("newest_first", ()))


def answered_by(dataset: Dataset, source_ids: Iterable[str]) -> Dataset:
    """``dataset`` described by the sources the answer used: an answer from the embedded
    sample alone says so even when cached imports lay over it, and the time is that of
    the cached sources used (none when several were written at different times)."""
    from dataclasses import replace

    used = set(source_ids)
    times = dict(t.split("\t", 1) for t in dataset.extra.get("times", ()))
    cached = used & set(times)
    layers = dataset.extra.get("layers")
    if layers and used and not cached:
        return replace(dataset, origin="sample", description=layers[2], fetched_at=None)
    if not cached:
        return dataset
    moments = {times[s] for s in cached}
    fetched = moments.pop() if len(moments) == 1 else None
    if layers and used <= set(times):
        return replace(dataset, description=layers[1], fetched_at=fetched)
    return replace(dataset, fetched_at=fetched)


def _fx_within(dataset: Dataset, first: Period, last: Period) -> Dataset:
    """Only the conversions of months from ``first`` to ``last``: a yen import of other
    months converted with the answer's rows is not a conversion of the figures shown."""
    from dataclasses import replace

    if not dataset.rates:
        return dataset
    lo = (first.year, first.month or 1)
    hi = (last.year, last.month or 12)
    rates = tuple(
        r for r in dataset.rates if any(lo <= (m.year, m.month or 1) <= hi for m in r.months)
    )
    used = tuple(sorted({r.currency_from for r in rates}))
    return replace(dataset, rates=rates, converted_from=used if rates else ())


def _data_line(dataset: Dataset) -> str:
    # Several entries written at different times have no one time: each source's own
    # time is in its note in the sources list.
    fetched = f", fetched {dataset.fetched_at}" if dataset.fetched_at else ""
    if not fetched and dataset.origin != "sample":
        fetched = "; each import or fetch has its own time in the sources list"
    # A fallback says why in the output itself, not only on stderr: the reader of a
    # published table sees that live data were asked for and not had.
    failed = f" The live fetch failed: {dataset.fetch_error}." if dataset.fetch_error else ""
    return f"Data: {dataset.description}{fetched}.{failed}"


def _provenance(source_ids: Iterable[str], dataset: Dataset) -> dict[str, Any]:
    from tradecli.sources import conversion_provenance

    source_ids = tuple(source_ids)
    dataset = answered_by(dataset, source_ids)

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


# -- who reported a figure, and whether two figures compare -----------------------------

# The tier of a figure (tradecli.analysis.core.Tier) in data outputs: JSON and CSV.
SIDES = {0: "reported", 1: "reporter unknown", 2: "mirror", 3: "third party"}
# How a partner values the flows it reports, as a mirror of the reporter's flow:
# the reporter's exports are the partner's imports (usually CIF), and vice versa.
VALUATION = {"exports": "CIF", "imports": "FOB"}


def _side(tier: object) -> str | None:
    return SIDES.get(tier) if isinstance(tier, int) else None


def _names(codes: str | None) -> str:
    from tradecli.codes import load_countries

    by_iso3 = load_countries().by_iso3
    found = [c for c in (codes or "").split("+") if c]
    return " + ".join(by_iso3[c].name if c in by_iso3 else c for c in found)


def _who(tier: object, reporter: str, partner: str, flow: str, codes: str | None = None) -> str:
    """Who reported a figure, for people: 'Chile (mirror, CIF)', 'not named by the source'."""
    if tier == 0:
        return reporter
    if tier == 2:
        valuation = VALUATION.get(flow)
        return f"{partner} (mirror{', ' + valuation if valuation else ''})"
    if tier == 3:
        return f"{_names(codes) or 'another country'} (third country)"
    if tier == 1:
        return "not named by the source"
    return ""


def _side_words(tier: object, reporter: Country, partner: str) -> str:
    return {
        0: f"{reporter.name}'s own figures",
        1: "figures whose reporter the source does not name",
        2: f"{partner}'s figures (mirror)",
        3: "a third country's figures",
    }.get(tier if isinstance(tier, int) else -1, "no figures")


def _reason(
    start: str,
    end: str,
    sides: tuple[str, str],
    sources: tuple[str | None, str | None] | None,
    numbers: dict[str, int],
) -> str:
    """Why two figures do not compare, in words: which source and side each comes from."""

    def refs(value: str | None) -> str:
        ids = [s for s in (value or "").split("+") if s]
        return ", ".join(f"[{numbers[s]}] {s}" if s in numbers else s for s in ids) or "n/a"

    differs = []
    if sources is not None and sources[0] != sources[1]:
        differs.append("different sources")
    if sides[0] != sides[1]:
        differs.append("different sides")
    if sources is None:
        left, right = f"{start} ({sides[0]})", f"{end} ({sides[1]})"
    else:
        left = f"{start} from {refs(sources[0])} ({sides[0]})"
        right = f"{end} from {refs(sources[1])} ({sides[1]})"
    return f"compares {left} with {right}: {' and '.join(differs) or 'different sources'}"


def _marked_notes(reasons: dict[str, list[str]], what: str) -> list[str]:
    """One note per distinct reason: '† growth for exports and imports compares ...'."""
    notes = []
    for reason, items in reasons.items():
        listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
        notes.append(f"{MARK} {what} {listed} {reason}; shown, but not a like-for-like change")
    return notes


def _mirror_valuation_note(flows: Iterable[str], reporter: str, partner: str) -> str | None:
    parts = []
    for flow in dict.fromkeys(flows):
        if flow == "exports":
            parts.append(
                f"{reporter}'s exports marked mirror are {partner}'s reported imports, "
                "usually valued CIF (with freight and insurance)"
            )
        elif flow == "imports":
            parts.append(
                f"{reporter}'s imports marked mirror are {partner}'s reported exports, "
                "usually valued FOB"
            )
    return "; ".join(parts) if parts else None


# -- balance ------------------------------------------------------------------------------


def _balance(
    settings: Config,
    request: Request,
    warn: Warn,
    progress: Progress | None,
    transport: BaseTransport | None,
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
        products=request.products,
        strict=request.strict or settings.strict,
        newest_first=_newest_first(query.dataset),
    )
    mirror_result = None
    if request.mirror:
        mirror_result = analysis.mirror(
            query.dataset.flows,
            query.reporter,
            query.partner,
            result.end,
            products=result.products,
            newest_first=_newest_first(query.dataset),
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
    dataset = _fx_within(dataset, result.start.first, result.end.last)
    single = result.start == result.end
    numbers = {source_id: i for i, source_id in enumerate(result.source_ids, start=1)}

    def refs(value: str | None) -> str:
        if not value:
            return "n/a"
        return ",".join(f"[{numbers[s]}]" for s in value.split("+"))

    any_mirror = any(
        isinstance(t, int) and t >= 2
        for t in result.figures["tier_to"].to_list()
        + ([] if single else result.figures["tier_from"].to_list())
    )
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
        Column("reported_by", "Reported by", Kind.TEXT, data=False, table=any_mirror),
        Column("source_from", "Source (from)", Kind.CODE, table=False),
        Column("source_to", "Source (to)", Kind.CODE, table=False),
        Column("comparable", "Comparable", Kind.CODE, table=False),
        Column("side_from", "Side (from)", Kind.CODE, table=False),
        Column("side_to", "Side (to)", Kind.CODE, table=False),
        Column("reported_by_from", "Reported by (from)", Kind.CODE, table=False),
        Column("reported_by_to", "Reported by (to)", Kind.CODE, table=False),
    )
    rep, par = result.reporter, result.partner
    rows = []
    figures: dict[str, Any] = {}
    reasons: dict[str, list[str]] = {}
    mirrored: list[str] = []
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
        who_to = _who(r["tier_to"], rep.name, par.name, measure, r["reported_by_to"])
        who_from = _who(r["tier_from"], rep.name, par.name, measure, r["reported_by_from"])
        if single or who_from == who_to:
            who = who_to
        else:
            who = f"{result.start.short_label}: {who_from}; {result.end.short_label}: {who_to}"
        if measure != "balance" and 2 in (r["tier_to"], None if single else r["tier_from"]):
            mirrored.append(measure)
        reason = None
        if r["comparable"] is False:
            reason = _reason(
                result.start.label,
                result.end.label,
                (_side_words(r["tier_from"], rep, par.name),
                 _side_words(r["tier_to"], rep, par.name)),
                (start, end),
                numbers,
            )  # fmt: skip
            what = "the balance" if measure == "balance" else measure
            reasons.setdefault(reason, []).append(what)
        rows.append(
            Row(
                {
                    "label": _MEASURE_LABELS[measure].format(partner=result.partner.name),
                    "measure": measure,
                    "from_period": str(result.start),
                    "to_period": str(result.end),
                    **values,
                    "source": source,
                    "reported_by": who,
                    "source_from": start,
                    "source_to": end,
                    "comparable": r["comparable"],
                    "side_from": _side(r["tier_from"]),
                    "side_to": _side(r["tier_to"]),
                    "reported_by_from": r["reported_by_from"],
                    "reported_by_to": r["reported_by_to"],
                },
                emphasis=measure == "balance",
                blank=frozenset({"growth_pct"}) if measure == "balance" else frozenset(),
                marks=frozenset({"change", "growth_pct"}) if reason else frozenset(),
            )
        )
        figures[measure] = {
            **values,
            "source_from": start,
            "source_to": end,
            "note": r["note"],
            "comparable": r["comparable"],
            "reason": reason,
            "side_from": _side(r["tier_from"]),
            "side_to": _side(r["tier_to"]),
            "reported_by_from": r["reported_by_from"],
            "reported_by_to": r["reported_by_to"],
            "reported_by": who or None,
        }
    notes = list(result.notes) + _fx_notes(dataset)
    notes += _marked_notes(reasons, "the change of")
    notes += list(result.tier_notes)
    valuation = _mirror_valuation_note(mirrored, rep.name, par.name)
    if valuation:
        notes.append(valuation)
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
        # Only with --product: the figures are for these HS codes, not total trade.
        **({"products": list(result.products)} if result.products else {}),
        "figures": figures,
        "sentence": sentence,
        "notes": notes,
        "provenance": _provenance(result.source_ids, dataset),
    }
    tables = [
        Table(
            f"{rep.name} ({rep.iso3}) with {par.name} ({par.iso3}), {result.currency}"
            + _scope(result.products),
            columns,
            tuple(rows),
            notes=tuple(notes),
        )
    ]
    if mirror_result is not None:
        mirror_table, payload["mirror"] = _mirror(mirror_result)
        tables.append(mirror_table)
    chart, bars = None, None
    if span is not None:
        payload["series"] = series_payload(span, dataset)
        line = _chart(span, sparklines=False)
        if dense(line):
            chart = line
    if chart is None:
        bars = _balance_bars(result, rows)
    return Document(
        tables=tuple(tables),
        payload=payload,
        currency=result.currency,
        sentence=sentence,
        sources=_sources(result.source_ids, dataset),
        data_line=_data_line(answered_by(dataset, result.source_ids)),
        chart=chart,
        bars=bars,
    )


def dense(chart: Chart) -> bool:
    """Whether a series is worth a line: 3 periods or more, at least half with both flows.

    Otherwise (two months of data on a 13-month axis) the HTML page draws the two
    compared periods as bars instead.
    """
    both = sum(
        x is not None and m is not None for x, m in zip(chart.exports, chart.imports, strict=True)
    )
    return len(chart.periods) >= 3 and both >= 3 and 2 * both >= len(chart.periods)


def _money(value: float | None, currency: str) -> str:
    from tradecli.numfmt import currency_symbol, format_amount

    return format_amount(value, currency_symbol(currency))


def _balance_bars(result: BalanceResult, rows: list[Row]) -> Bars:
    """Exports, imports and balance in the two compared periods (or the one), side by side."""
    labels = ("Exports", "Imports", "Balance")
    single = result.start == result.end
    keys = [("to", result.end.label)] if single else [
        ("from", result.start.label), ("to", result.end.label)]  # fmt: skip
    series = tuple((label, tuple(_as_float(r.get(key)) for r in rows)) for key, label in keys)
    said = "; ".join(
        f"{name.lower()} "
        + " to ".join(
            f"{_money(values[i], result.currency)} in {label}" for label, values in series
        )  # fmt: skip
        for i, name in enumerate(labels)
    )
    rep, par = result.reporter.name, result.partner.name
    return Bars(
        title=f"{rep} with {par}: exports, imports and balance, "
        + (result.end.label if single else f"{result.start.label} and {result.end.label}"),
        labels=labels,
        series=series,
        caption=f"{rep}'s trade with {par} ({result.currency}): {said}.",
    )


def _as_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _scope(products: tuple[str, ...]) -> str:
    """', products 0306, 1605 only' after a title: never read as total trade."""
    if not products:
        return ""
    return f", {'product' if len(products) == 1 else 'products'} {', '.join(products)} only"


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
        goods = f" of {_scope(result.products)[2:-5]}" if result.products else ""
        parts.append(
            f"In {when}, {rep} exported {amount(x1)}{goods} to {par} and imported "
            f"{amount(m1)}{goods} from {par}, resulting in a {sign} trade balance of "
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
                caveat = (
                    f" ({MARK} not like for like: different sources or sides, see the note)"
                    if row["comparable"] is False
                    else ""
                )
                clauses.append(
                    f"{subject} {verb}{by}{caveat}, from {amount(start)} to {amount(end)}"
                )
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
        f"Mirror check, {result.window.label}: {rep}'s figures and {par}'s"
        + _scope(result.products),
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
    transport: BaseTransport | None,
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
        strict=request.strict or settings.strict,
        newest_first=_newest_first(query.dataset),
    )
    return products_document(result, query.dataset)


def products_document(result: ProductsResult, dataset: Dataset) -> Document:
    single = result.start == result.end
    any_mirror = any(
        isinstance(t, int) and t >= 2
        for t in result.rows["tier_to"].to_list()
        + ([] if single else result.rows["tier_from"].to_list())
    )
    columns = (
        Column("code", "Code", Kind.CODE),
        Column("name", "Product", Kind.TEXT),
        Column("from", result.start.short_label, Kind.AMOUNT, table=not single),
        Column("to", result.end.short_label, Kind.AMOUNT),
        Column("share_pct", "Share", Kind.PERCENT),
        Column("growth_pct", "Growth", Kind.GROWTH, table=not single),
        Column("reported_by", "Reported by", Kind.TEXT, data=False, table=any_mirror),
        Column("comparable", "Comparable", Kind.CODE, table=False),
        Column("side_from", "Side (from)", Kind.CODE, table=False),
        Column("side_to", "Side (to)", Kind.CODE, table=False),
    )
    rep, par, flow = result.reporter, result.partner, result.flow.value
    numbers = {source_id: i for i, source_id in enumerate(result.source_ids, start=1)}
    rows, json_rows = [], []
    reasons: dict[str, list[str]] = {}
    mirrored = False
    for r in result.rows.iter_rows(named=True):
        other = r["code"].startswith("OTHER(")
        values = {
            "from": _num(r["value_from"]),
            "to": _num(r["value_to"]),
            "share_pct": _num(r["share_pct"]),
            "growth_pct": _num(r["growth_pct"]),
        }
        tiers = (None if single else r["tier_from"], r["tier_to"])
        mirrored = mirrored or 2 in tiers
        who = _who(r["tier_to"], rep.name, par.name, flow)
        if not single and r["tier_from"] != r["tier_to"]:
            who = (
                f"{result.start.short_label}: {_who(r['tier_from'], rep.name, par.name, flow)}; "
                f"{result.end.short_label}: {who}"
            )
        reason = None
        if r["comparable"] is False:
            reason = _reason(
                result.start.label,
                result.end.label,
                (_side_words(r["tier_from"], rep, par.name),
                 _side_words(r["tier_to"], rep, par.name)),
                (r["source_from"], r["source_to"]),
                numbers,
            )  # fmt: skip
            reasons.setdefault(reason, []).append("OTHER" if other else r["code"])
        side = {"side_from": _side(r["tier_from"]), "side_to": _side(r["tier_to"])}
        rows.append(
            Row(
                {
                    "code": "OTHER" if other else r["code"],
                    "name": r["name"],
                    **values,
                    "reported_by": who,
                    "comparable": r["comparable"],
                    **side,
                },
                role=Role.OTHER if other else Role.NORMAL,
                blank=frozenset({"code"}) if other else frozenset(),
                marks=frozenset({"growth_pct"}) if reason else frozenset(),
            )
        )
        json_rows.append(
            {
                "code": None if other else r["code"],
                "name": r["name"],
                "other": other,
                **values,
                "comparable": r["comparable"],
                "reason": reason,
                **side,
                "source_from": r["source_from"],
                "source_to": r["source_to"],
                "reported_by": who or None,
            }
        )
    if reasons and _num(result.total_growth_pct) is not None:
        last = list(reasons)[-1]
        reasons[last].append("the total")
    notes = list(result.notes) + _fx_notes(dataset) + _marked_notes(reasons, "growth of")
    valuation = _mirror_valuation_note([flow] if mirrored else [], rep.name, par.name)
    if valuation:
        notes.append(valuation)
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
        # A total summed from figures that do not compare does not compare either.
        marks=frozenset({"growth_pct"}) if reasons else frozenset(),
    )
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
        "notes": notes,
        "provenance": _provenance(result.source_ids, dataset),
    }
    table = Table(
        f"{rep.name}'s {flow} {direction} {par.name} by {result.level.upper()}, "
        f"{result.end.label} ({result.currency})",
        columns,
        tuple(rows),
        total=total,
        notes=tuple(notes),
        prose=prose,
    )
    bars = _products_bars(result, rows, result.currency)
    return _document(table, payload, result.currency, result.source_ids, dataset, bars=bars)


def _document(
    table: Table,
    payload: dict[str, Any],
    currency: str,
    source_ids: Iterable[str],
    dataset: Dataset,
    chart: Chart | None = None,
    bars: Bars | None = None,
) -> Document:
    return Document(
        tables=(table,),
        payload=payload,
        currency=currency,
        sources=_sources(source_ids, dataset),
        data_line=_data_line(answered_by(dataset, source_ids)),
        chart=chart,
        bars=bars,
    )


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;") + "\u2026"


def _products_bars(result: ProductsResult, rows: list[Row], currency: str) -> Bars | None:
    """The listed products' values in the last period (and the first), largest first."""
    shown = [r for r in rows if r.role is Role.NORMAL]
    if not shown:
        return None
    single = result.start == result.end
    keys = [("to", result.end.label)] if single else [
        ("from", result.start.label), ("to", result.end.label)]  # fmt: skip
    labels = tuple(f"{r.get('code')} {_short(str(r.get('name')))}" for r in shown)
    series = tuple((label, tuple(_as_float(r.get(k)) for r in shown)) for k, label in keys)
    other = next((r for r in rows if r.role is Role.OTHER), None)
    listed = "; ".join(
        f"{r.get('code')} {r.get('name')}: {_money(_as_float(r.get('to')), currency)}"
        for r in shown
    )
    rest = (
        f" All other products ({_money(_as_float(other.get('to')), currency)}) are not drawn."
        if other is not None
        else ""
    )
    flow = result.flow.value
    return Bars(
        title=f"Top {len(shown)} products, {flow}, {result.end.label}",
        labels=labels,
        series=series,
        caption=f"{result.reporter.name}'s {flow} by product, {result.end.label} "
        f"({currency}): {listed}.{rest}",
    )


def _partners_bars(result: PartnersResult, rows: list[Row], currency: str) -> Bars | None:
    """Exports to and imports from each listed partner in the last period."""
    if not rows:
        return None
    labels = tuple(str(r.get("name")) for r in rows)
    series = tuple(
        (name, tuple(_as_float(r.get(key)) for r in rows))
        for key, name in (("exports", "Exports"), ("imports", "Imports"))
    )
    listed = "; ".join(
        f"{r.get('name')}: exports {_money(_as_float(r.get('exports')), currency)}, "
        f"imports {_money(_as_float(r.get('imports')), currency)}"
        for r in rows
    )
    return Bars(
        title=f"{result.reporter.name}'s top {len(rows)} partners, {result.end.label}",
        labels=labels,
        series=series,
        caption=f"{result.reporter.name}'s exports and imports by partner, "
        f"{result.end.label} ({currency}): {listed}.",
    )


# -- partners ----------------------------------------------------------------------------


def _partners(
    settings: Config,
    request: Request,
    warn: Warn,
    progress: Progress | None,
    transport: BaseTransport | None,
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
    dataset = load_country(settings, rep.iso3, warn, totals_only=True)  # ranks TOTAL rows
    dataset = convert_dataset(
        dataset,
        _currency(settings, request),
        (rep.iso3,),
        rates_file=_rates_file(settings),
    )
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
        strict=request.strict or settings.strict,
        newest_first=_newest_first(dataset),
    )
    return partners_document(result, dataset)


def partners_document(result: PartnersResult, dataset: Dataset) -> Document:
    single = result.start == result.end
    measure = result.measure.value
    any_mirror = any(t == 2 or t == 3 for t in result.rows["tier"].to_list())
    columns = (
        Column("rank", "#", Kind.RANK),
        Column("label", "Partner", Kind.TEXT, data=False),
        Column("partner", "ISO3", Kind.CODE, table=False),
        Column("name", "Name", Kind.TEXT, table=False),
        Column("exports", "Exports", Kind.AMOUNT),
        Column("imports", "Imports", Kind.AMOUNT),
        Column("balance", "Balance", Kind.AMOUNT),
        Column("growth_pct", f"Growth ({measure})", Kind.GROWTH, table=not single),
        Column("reported_by", "Reported by", Kind.TEXT, data=False, table=any_mirror),
        Column("comparable", "Comparable", Kind.CODE, table=False),
        Column("side", "Side", Kind.CODE, table=False),
        Column("side_from", "Side (from)", Kind.CODE, table=False),
    )
    rep = result.reporter
    rows, json_rows = [], []
    reasons: dict[str, list[str]] = {}
    mirrored = False
    for rank, r in enumerate(result.rows.iter_rows(named=True), start=1):
        values = {
            "exports": _num(r["exports"]),
            "imports": _num(r["imports"]),
            "balance": _num(r["balance"]),
        }
        growth = _num(r["growth_pct"])
        who = _who(r["tier"], rep.name, r["name"], measure)
        mirrored = mirrored or r["tier"] == 2
        reason = None
        if r["comparable"] is False:
            reason = _reason(
                result.start.label,
                result.end.label,
                (_side_words(r["tier_from"], rep, "the partner"),
                 _side_words(r["tier"], rep, "the partner")),
                None,
                {},
            )  # fmt: skip
            reasons.setdefault(reason, []).append(r["partner"])
        side = {"side": _side(r["tier"]), "side_from": _side(r["tier_from"])}
        rows.append(
            Row(
                {
                    "rank": rank,
                    "label": f"{r['name']} ({r['partner']})",
                    "partner": r["partner"],
                    "name": r["name"],
                    **values,
                    "growth_pct": growth,
                    "reported_by": who,
                    "comparable": r["comparable"],
                    **side,
                },
                marks=frozenset({"growth_pct"}) if reason else frozenset(),
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
                "comparable": r["comparable"],
                "reason": reason,
                **side,
                "reported_by": who or None,
            }
        )
    notes = list(result.notes) + _fx_notes(dataset) + _marked_notes(reasons, "growth for")
    if mirrored:
        flows = {"exports": ["exports"], "imports": ["imports"]}.get(
            measure, ["exports", "imports"]
        )
        notes.append(
            f"partners marked mirror: {rep.name}'s own figures were missing, so the "
            "partner's report of the same flows was used"
        )
        valuation = _mirror_valuation_note(flows, rep.name, "the partner")
        if valuation:
            notes.append(valuation)
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
        "notes": notes,
        "provenance": _provenance(result.source_ids, dataset),
    }
    table = Table(
        f"{rep.name}'s partners, {result.end.label}, by {result.sort.value} "
        f"({result.currency}; {result.partners} partners in the data)",
        columns,
        tuple(rows),
        notes=tuple(notes),
    )
    bars = _partners_bars(result, rows, result.currency)
    return _document(table, payload, result.currency, result.source_ids, dataset, bars=bars)


# -- series ------------------------------------------------------------------------------


def _series(
    settings: Config,
    request: Request,
    warn: Warn,
    progress: Progress | None,
    transport: BaseTransport | None,
    today: dt.date,
) -> Document:
    from tradecli import analysis

    query = pair_query(
        settings, request, today=today, warn=warn, progress=progress, transport=transport
    )
    result = analysis.series(
        query.dataset.flows,
        query.reporter,
        query.partner,
        query.start,
        query.end,
        products=request.products,
        newest_first=_newest_first(query.dataset),
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
                "exports_side": _side(r["exports_tier"]),
                "imports_side": _side(r["imports_tier"]),
            }
            for r in result.rows.iter_rows(named=True)
        ],
        "missing": list(result.missing),
        **({"products": list(result.products)} if result.products else {}),
        **({"notes": list(result.notes)} if result.notes else {}),
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
    dataset = _fx_within(dataset, result.first, result.last)
    payload = series_payload(result, dataset)
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
    rows_list = []
    mirrored: list[str] = []
    for r in payload["rows"]:
        sides = {f: r[f"{f}_side"] for f in ("exports", "imports")}
        lower = [f for f, side in sides.items() if side in ("mirror", "third party")]
        mirrored += [f for f in lower if sides[f] == "mirror"]
        tiers = {v: k for k, v in SIDES.items()}
        if len(lower) == 2 and sides["exports"] == sides["imports"]:
            who = _who(tiers[sides["exports"]], rep, par, "both")
        else:
            who = "; ".join(f"{f}: {_who(tiers[sides[f]], rep, par, f)}" for f in lower)
        rows_list.append(Row({**r, "reported_by": who}))
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
    notes = (*notes, *_fx_notes(dataset))
    rep, par = result.reporter.name, result.partner.name
    valuation = _mirror_valuation_note(mirrored, rep, par)
    if valuation:
        notes += (valuation,)
    table = Table(
        f"{rep} with {par}, {result.first}..{result.last} ({result.currency})"
        + _scope(result.products),
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
            products=result.products,
            newest_first=_newest_first(query.dataset),
        )
    except NoData:
        return None
