"""Build a data command's result and its JSON document: shared by the CLI and `report`.

A ``Request`` says what to compute (command, countries, periods, options); ``build``
loads the data (cache, API, sample), computes, and returns the JSON document
plus a function that prints the rich table. Nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort
from tradecli.config import Config
from tradecli.errors import UsageError
from tradecli.periods import Compare, Convention

if TYPE_CHECKING:
    from rich.console import Console

    from tradecli.codes import Country
    from tradecli.periods import Window
    from tradecli.sources import Dataset

COMMANDS = ("balance", "products", "partners", "series")


@dataclass(frozen=True, kw_only=True)
class WindowSpec:
    """Which periods to compare: --from, --to, --period and --compare as given."""

    from_: str | None = None
    to: str | None = None
    period: Convention = Convention.POINT
    compare: Compare = Compare.YEAR


@dataclass(frozen=True, kw_only=True)
class SourceSpec:
    """Where the data may come from: --offline, --refresh and --cube as given."""

    offline: bool = False
    refresh: bool = False
    cube: str | None = None


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
class Document:
    doc: dict[str, Any]
    print_table: Callable[[Console], None]
    result: Any


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
    from tradecli.sources import PairRequest, load_pair

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
    pair = PairRequest(rep.iso3, par.iso3, first, last, request.source.cube, frequency)
    dataset = load_pair(
        settings,
        pair,
        offline=request.source.offline if offline is None else offline,
        refresh=request.source.refresh,
        warn=warn,
        progress=progress,
        transport=transport,
    )
    return LoadedPair(rep, par, start, end, dataset)


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


def _balance(
    settings: Config, request: Request, warn: Any, progress: Any, transport: Any, today: dt.date
) -> Document:
    from tradecli import compute, render

    query = pair_query(
        settings, request, today=today, warn=warn, progress=progress, transport=transport
    )
    result = compute.balance(
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
        mirror_result = compute.mirror(
            query.dataset.flows, query.reporter, query.partner, result.end
        )
    doc = render.balance_json(result, query.dataset)
    if mirror_result is not None:
        doc["mirror"] = render.mirror_json(mirror_result)
    if request.chart:
        doc["series"] = _chart_series(query, result)

    def table(console: Console) -> None:
        render.print_balance(result, query.dataset, console)
        if mirror_result is not None:
            render.print_mirror(mirror_result, console)

    return Document(doc, table, result)


def _products(
    settings: Config, request: Request, warn: Any, progress: Any, transport: Any, today: dt.date
) -> Document:
    from tradecli import analysis, render

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
    doc = render.products_json(result, query.dataset)
    return Document(doc, lambda console: render.print_document(doc, console), result)


def _partners(
    settings: Config, request: Request, warn: Any, progress: Any, transport: Any, today: dt.date
) -> Document:
    from tradecli import analysis, render
    from tradecli.codes import resolve_country
    from tradecli.sources import load_country

    rep = resolve_country(request.reporter)
    start, end = _windows(settings, request, today)
    dataset = load_country(settings, rep.iso3, warn)
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
    doc = render.partners_json(result, dataset)
    return Document(doc, lambda console: render.print_document(doc, console), result)


def _series(
    settings: Config, request: Request, warn: Any, progress: Any, transport: Any, today: dt.date
) -> Document:
    from tradecli import analysis, render

    query = pair_query(
        settings, request, today=today, warn=warn, progress=progress, transport=transport
    )
    result = analysis.series(
        query.dataset.flows, query.reporter, query.partner, query.start, query.end
    )
    doc = render.series_json(result, query.dataset)
    return Document(doc, lambda console: render.print_document(doc, console), result)


def _chart_series(query: LoadedPair, result: Any) -> dict[str, Any] | None:
    """Monthly (or yearly) figures across the compared span, for the HTML chart."""
    from tradecli import analysis, render
    from tradecli.errors import NoData
    from tradecli.periods import month_window, year_window

    def unit(window: Window, first: bool) -> Window:
        if window.annual:
            return year_window(window.first.year if first else window.last.year)
        return month_window(window.first if first else window.last)

    try:
        span = analysis.series(
            query.dataset.flows,
            query.reporter,
            query.partner,
            unit(result.start, True),
            unit(result.end, False),
        )
    except NoData:
        return None
    return render.series_json(span, query.dataset)
