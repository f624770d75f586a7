"""What every data command shares: its request, its answer, and how it loads a pair.

A ``Request`` says what to compute; a command's run step loads the data, calls
``tradecli.analysis`` and returns a typed ``Answer`` (the result and its
provenance); the command's document (``tradecli.document.Document``, every
format's input) is derived from that answer. Nothing here prints or exits.
Importing this module loads neither polars nor httpx: the CLI's ``--help`` reads
the registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort, ProductLevel
from tradecli.errors import UsageError
from tradecli.periods import Compare, Convention

if TYPE_CHECKING:
    from pathlib import Path

    from httpx import BaseTransport

    from tradecli.codes import Country
    from tradecli.config import Config
    from tradecli.document import Document
    from tradecli.periods import Window
    from tradecli.reports import ReportSpec
    from tradecli.sources import Dataset

Warn = Callable[[str], None]
Progress = Callable[[int, int | None], None]
# A figure per measure per period: what a report's revision check compares.
FiguresByPeriod = dict[str, dict[str, float | None]]
# A JSON value as the documents hold it (strict JSON: no NaN, no Infinity).
Json: TypeAlias = None | bool | int | float | str | list["Json"] | dict[str, "Json"]


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
    """What one data command computes; built by the CLI, by `report` or by ``tradecli.api``.

    ``flow`` is the command's own flow choice (``FlowChoice`` for products,
    ``PartnerMeasure`` for partners); None takes the command's default.
    """

    command: str
    reporter: str
    partner: str | None = None
    window: WindowSpec = WindowSpec()
    source: SourceSpec = SourceSpec()
    mirror: bool = False
    flow: FlowChoice | PartnerMeasure | None = None
    level: ProductLevel = ProductLevel.HS4
    top: int = 10
    sort: PartnerSort = PartnerSort.VALUE
    chart: bool = False  # add the monthly series the HTML chart draws
    products: tuple[str, ...] = ()  # --product: figures for these HS codes, not total trade
    strict: bool = False  # --strict (or [output] strict): no growth across sources or sides


@dataclass(frozen=True)
class Provenance:
    """Where an answer's figures come from, as the JSON ``provenance`` object says it.

    ``origin`` is "sample", "cache", "stale" (an expired cache) or "live";
    ``fetch_error`` says why a live fetch failed when the answer is a fallback.
    """

    origin: str
    description: str
    fetched_at: str | None
    source_ids: tuple[str, ...]
    cubes: tuple[str, ...] = ()
    fetch_error: str | None = None
    sources: tuple[Mapping[str, str | bool | None], ...] = ()
    conversion: Mapping[str, Json] | None = None

    @property
    def stale(self) -> bool:
        """Printed from expired data because the fetch failed: its own exit code."""
        return self.origin == "stale" and bool(self.fetch_error)

    def as_json(self) -> dict[str, Json]:
        extra: dict[str, Json] = {}
        # Present only when they happened, so that earlier answers keep their shape.
        if self.fetch_error:
            extra["fetch_error"] = self.fetch_error
        if self.conversion is not None:
            extra["conversion"] = dict(self.conversion)
        return {
            "origin": self.origin,
            **extra,
            "description": self.description,
            "fetched_at": self.fetched_at,
            "cubes": list(self.cubes),
            "sources": [_json_object(s) for s in self.sources],
        }


def _json_object(mapping: Mapping[str, str | bool | None]) -> dict[str, Json]:
    return dict(mapping.items())


@dataclass(frozen=True, kw_only=True)
class Answer:
    """A command's typed answer: what the document, `report` and ``tradecli.api`` read.

    Each command subclasses it with its typed result; ``dataset`` is the data the
    answer was computed from (for the document's sources and notes).
    """

    command: str
    currency: str
    dataset: Dataset

    @property
    def source_ids(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def provenance(self) -> Provenance:
        from tradecli.commands._document import provenance

        return provenance(self.source_ids, self.dataset)

    @property
    def to_period(self) -> str:
        """The (last) period answered, as the document's ``query.to`` says it."""
        raise NotImplementedError


@dataclass(frozen=True)
class Command:
    """One data command: everything the CLI, `report`, the API and the tests need.

    Adding a command is one module in ``tradecli/commands/`` defining one of these
    and one line in ``COMMANDS``.
    """

    name: str
    summary: str  # one whole sentence: `tradecli --help` and the README list it
    run: Callable[[Context, Request], Answer]  # load -> analysis -> typed answer
    document: Callable[[Answer], Document]  # the tables, prose and JSON of every format
    needs_partner: bool = True
    flow: type[FlowChoice] | type[PartnerMeasure] | None = None  # its --flow choices
    # Report hooks: the figures a revision compares, the source of each period's
    # figures, and the alert messages a [[report]] entry's thresholds raise.
    figures_by_period: Callable[[Answer], FiguresByPeriod] = lambda answer: {}
    sources_by_period: Callable[[Answer], dict[str, str]] | None = None
    alerts: Callable[[Answer, ReportSpec], list[str]] = lambda answer, spec: []

    def parse_flow(self, value: str | None) -> FlowChoice | PartnerMeasure | None:
        """A --flow (or report.flow) value as this command's choice; UsageError if it has none."""
        if value is None:
            return None
        if self.flow is None:
            raise UsageError(f"{self.name} takes no flow", hint="drop the flow")
        try:
            return self.flow(value)
        except ValueError:
            names = ", ".join(c.value for c in self.flow)
            raise UsageError(
                f"{self.name}: flow {value!r} is not one of {names}", hint=f"one of {names}"
            ) from None


@dataclass(frozen=True)
class Context:
    """What a run step needs besides the request: settings, messages, and 'today'."""

    settings: Config
    warn: Warn
    today: dt.date
    progress: Progress | None = None
    transport: BaseTransport | None = None

    @property
    def strict(self) -> bool:
        return self.settings.strict


@dataclass(frozen=True)
class LoadedPair:
    reporter: Country
    partner: Country
    start: Window | None
    end: Window | None
    dataset: Dataset


def load_pair_for(
    context: Context, request: Request, *, totals_only: bool, offline: bool | None = None
) -> LoadedPair:
    """Resolve countries and periods, then load the pair's data (cache, API, sample)."""
    from tradecli.codes import resolve_country
    from tradecli.periods import check_windows, request_span
    from tradecli.sources import PairRequest, convert_dataset, load_pair

    settings = context.settings
    if request.partner is None:
        raise UsageError(f"{request.command} needs a partner country")
    rep = resolve_country(request.reporter)
    par = resolve_country(request.partner)
    if rep.iso3 == par.iso3:
        raise UsageError(
            f"reporter and partner are both {rep.name} ({rep.iso3})",
            hint="a balance needs two different countries, e.g. `tradecli balance PAK JPN`",
        )
    start, end = windows(settings, request, context.today)
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
        totals_only=totals_only,
    )
    dataset = load_pair(
        settings,
        pair,
        offline=request.source.offline if offline is None else offline,
        refresh=request.source.refresh,
        warn=context.warn,
        progress=context.progress,
        transport=context.transport,
    )
    # Converted here, before any analysis: every figure of the answer in one currency.
    dataset = convert_dataset(
        dataset,
        currency(settings, request),
        (rep.iso3, par.iso3),
        first,
        last,
        rates_file(settings),
    )
    return LoadedPair(rep, par, start, end, dataset)


def rates_file(settings: Config) -> Path | None:
    """The newest ECB rates file: fetched by `tradecli fx update` when newer, else bundled."""
    from tradecli.config import cache_dir
    from tradecli.fx import rates_file_in_use

    return rates_file_in_use(cache_dir(settings))


def currency(settings: Config, request: Request) -> str:
    """--currency, else output.currency, else USD; "native" leaves figures as they are."""
    return request.source.currency or settings.currency


def windows(
    settings: Config, request: Request, today: dt.date
) -> tuple[Window | None, Window | None]:
    """--from and --to as windows (fiscal years per the config); None where not given."""
    from tradecli.periods import parse_window

    fiscal = settings.fiscal_year_start
    start = parse_window(request.window.from_, today, fiscal) if request.window.from_ else None
    end = parse_window(request.window.to, today, fiscal) if request.window.to else None
    return start, end
