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
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, cast

from msgspec import Struct

from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort, ProductLevel
from tradecli.document import Json
from tradecli.errors import ExitCode, UsageError, degraded_exit
from tradecli.periods import Compare, Convention

if TYPE_CHECKING:
    from pathlib import Path

    import polars as pl
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


class WindowSpec(Struct, frozen=True, kw_only=True):
    """Which periods to compare: --from, --to, --period and --compare as given."""

    from_: str | None = None
    to: str | None = None
    period: Convention = Convention.POINT
    compare: Compare = Compare.YEAR


class SourceSpec(Struct, frozen=True, kw_only=True):
    """Where the data may come from (--offline, --refresh, --cube, --source) and the
    currency to show them in (--currency: a code, "native", or None for the config's)."""

    offline: bool = False
    refresh: bool = False
    cube: str | None = None
    source: str | None = None
    currency: str | None = None


def source_spec(
    offline: bool = False,
    refresh: bool = False,
    cube: str | None = None,
    source: str | None = None,
    currency: str | None = None,
) -> SourceSpec:
    """A ``SourceSpec`` whose values are checked: an unknown live source or currency, or
    flags that contradict each other, are usage errors (the CLI's and the API's)."""
    from tradecli.config import parse_currency
    from tradecli.sources.registry import get

    if source is not None:
        source = source.strip().lower()
        if not get(source).live:
            raise UsageError(
                f"--source {source}: not a live source", hint="live sources: comtrade, oec"
            )
    if currency is not None:
        try:
            currency = parse_currency(currency)
        except ValueError as exc:
            raise UsageError(
                f"--currency {exc}", hint="e.g. --currency EUR, or --currency native"
            ) from None
    if cube and source and source != "oec":
        raise UsageError(
            f"--cube names an OEC cube; it does not apply to --source {source}",
            hint="drop --cube, or use --source oec",
        )
    if offline and refresh:
        raise UsageError(
            "--offline and --refresh contradict each other",
            hint="--refresh fetches from the network, --offline never uses it: give one",
        )
    return SourceSpec(offline=offline, refresh=refresh, cube=cube, source=source, currency=currency)


class Request(Struct, frozen=True, kw_only=True):
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


class Provenance(Struct, frozen=True):
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
    # Some figure shown came from the embedded sample, under cached data (origin
    # "cache" or "stale"): after a failed fetch that is a fallback, figure by figure.
    from_sample: bool = False

    @property
    def stale(self) -> bool:
        """Printed from expired data because the fetch failed: its own exit code."""
        return self.origin == "stale" and bool(self.fetch_error)

    @property
    def exit_code(self) -> ExitCode:
        """``OK``, or ``STALE`` / ``FALLBACK`` when a figure shown is weaker than asked
        because the live fetch failed (see ``tradecli.errors.degraded_exit``)."""
        return degraded_exit(self.origin, self.fetch_error, sample=self.from_sample)

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


class AnalysisResult(Protocol):
    """What every command's analysis result gives its answer: the source ids of its
    figures and the (last) period it answers."""

    @property
    def source_ids(self) -> Sequence[str]: ...

    @property
    def end(self) -> object: ...


class Answer(Struct, frozen=True, kw_only=True, dict=True):
    """A command's typed answer: what the document, `report` and ``tradecli.api`` read.

    Each command subclasses it with its typed result and rows; ``dataset`` is the
    data the answer was computed from (for the document's sources and notes). The
    report hooks (``figures_by_period``, ``sources_by_period``, ``alerts``) and
    ``tidy`` are the command's own; the rest is shared.
    """

    command: str
    currency: str
    dataset: Dataset
    result: AnalysisResult  # each command's own result type
    request: Request | None = None  # what was asked (the JSON ``query`` names it)

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(self.result.source_ids)

    @property
    def to_period(self) -> str:
        """The (last) period answered, as the document's ``query.to`` says it."""
        return str(self.result.end)

    @property
    def provenance(self) -> Provenance:
        return provenance(self.source_ids, self.dataset)

    def to_document(self) -> Document:
        """The tables, prose and JSON every format renders, derived from this answer."""
        raise NotImplementedError

    @cached_property
    def document(self) -> Document:
        return self.to_document()

    def tidy(self) -> list[TidyRow]:
        """One record per figure: what ``to_polars`` holds."""
        raise NotImplementedError

    # -- report hooks -------------------------------------------------------------------

    def figures_by_period(self) -> FiguresByPeriod:
        """{period: {measure: value}}: what a report's revision check compares."""
        return {}

    def sources_by_period(self) -> dict[str, str]:
        """Which sources each period's figures came from (a new release names itself)."""
        whole = ", ".join(sorted({s for s in self.source_ids if s}))
        return dict.fromkeys(self.figures_by_period(), whole) if whole else {}

    def alerts(self, spec: ReportSpec) -> list[str]:
        """One message per threshold of ``spec``'s [report.alerts] the answer crosses."""
        return []

    def unchecked(self, spec: ReportSpec) -> list[str]:
        """What a report of this answer could not check or show (a threshold whose figure
        is n/a, a headline figure missing): one warning each, so cron mails it."""
        return []

    # -- for people at a notebook (``tradecli.api``) ------------------------------------

    @property
    def payload(self) -> dict[str, Json]:
        """The JSON document (``--format json``) of this answer."""
        payload = self.document.payload
        assert isinstance(payload, dict)  # a data command's document is an object
        return payload

    def to_dict(self) -> dict[str, Json]:
        """The ``--format json`` document, as a dict (a copy: change it freely)."""
        import copy

        return copy.deepcopy(self.payload)

    def to_polars(self) -> pl.DataFrame:
        """One tidy frame: pair, flow, period, value, currency, source, basis, side (and,
        for products, the product code): one row per figure."""
        import polars as pl

        rows = self.tidy()
        schema = dict.fromkeys(TIDY_COLUMNS, pl.String) | {"value": pl.Float64}
        extra = {k: pl.String for r in rows for k in r if k not in schema}
        return pl.DataFrame(rows, schema={**schema, **extra}, orient="row")

    def __repr__(self) -> str:
        """One line: who, which periods, currency, origin and sources -- not the data behind
        them (the figures are attributes, the document ``to_dict()``, the table
        ``_repr_html_``, which a notebook shows instead)."""
        result = self.result
        who = "-".join(
            str(getattr(c, "iso3", c))
            for c in (getattr(result, "reporter", None), getattr(result, "partner", None))
            if c is not None
        )
        start = getattr(result, "start", getattr(result, "first", None))  # series: first
        end = getattr(result, "end", None)
        labels = [getattr(w, "short_label", str(w)) for w in (start, end) if w is not None]
        span = " -> ".join(dict.fromkeys(labels))
        return (
            f"{type(self).__name__}({who}, {span}, {self.currency}, "
            f"origin={self.provenance.origin!r}, sources={self.source_ids!r})"
        )

    def _repr_html_(self) -> str:
        from tradecli.render.html import fragment

        text: str = fragment(self.document)
        return text


# The columns of ``Answer.to_polars``: who with whom, which flow and period, the value,
# its currency, the source ids behind it, its basis (published, reconstructed or
# converted: as the CSV's basis columns) and the side that reported it (reported,
# reporter unknown, mirror, third party).
TIDY_COLUMNS = ("pair", "flow", "period", "value", "currency", "source", "basis", "side")
TidyRow = dict[str, str | float | None]


class Command(Struct, frozen=True):
    """One data command: everything the CLI, `report`, the API and the tests need.

    Adding a command is one module in ``tradecli/commands/`` defining its ``Answer``
    subclass, its run step and one of these, and its name and summary in ``COMMANDS``.
    ``options`` names the options it takes beyond the shared ones (window, source,
    format, output), from ``OPTIONS``.
    """

    name: str
    summary: str  # one whole sentence: `tradecli --help` lists it
    help: str  # the command's --help text
    examples: tuple[str, ...]  # command lines, shown under "Examples:" in --help
    run: Callable[[Context, Request], Answer]  # load -> analysis -> typed answer
    needs_partner: bool = True
    options: tuple[str, ...] = ()
    flow: type[FlowChoice] | type[PartnerMeasure] | None = None  # its --flow choices
    flow_help: str = ""
    live: bool = True  # False: reads cached, imported or sample data only (no --refresh, --cube)
    compares: bool = True  # False: lists every period (no --period, --compare)

    def __post_init__(self) -> None:
        unknown = set(self.options) - set(OPTIONS)
        if unknown:
            raise ValueError(f"{self.name}: unknown options {sorted(unknown)}; see OPTIONS")
        if ("flow" in self.options) != (self.flow is not None):
            raise ValueError(f"{self.name}: a flow option needs its choices, and vice versa")

    @property
    def default_flow(self) -> FlowChoice | PartnerMeasure | None:
        """The first choice: exports for products, trade for partners."""
        if self.flow is None:
            return None
        return self.flow(next(iter(self.flow)).value)

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

    def check(self, request: Request) -> None:
        """Options that cannot apply to this command are usage errors, never ignored."""
        if not self.live and (request.source.refresh or request.source.cube):
            flag = "--refresh" if request.source.refresh else "--cube"
            raise UsageError(
                f"{self.name} reads cached, imported or sample data only; {flag} does not apply",
                hint="fetch the pair first (`tradecli fetch`), or import a file",
            )
        if not self.compares and (
            request.window.period is not Convention.POINT
            or request.window.compare is not Compare.YEAR
        ):
            raise UsageError(
                f"{self.name} lists every period from --from to --to; --period and --compare "
                "do not apply",
                hint="use balance to compare two periods",
            )
        if self.needs_partner and request.partner is None:
            raise UsageError(f"{self.name} needs a partner country")
        if request.flow is not None and not (
            self.flow is not None and isinstance(request.flow, self.flow)
        ):
            raise UsageError(f"{self.name}: flow {request.flow.value!r} does not apply")


# The options a command may take beyond the shared ones: each a field of ``Request``
# (the CLI declares each once, in ``tradecli.cli.data``).
OPTIONS = ("flow", "sort", "level", "top", "mirror", "product", "strict")


class Context(Struct, frozen=True):
    """What a run step needs besides the request: settings, messages, and 'today'."""

    settings: Config
    warn: Warn
    today: dt.date
    progress: Progress | None = None
    transport: BaseTransport | None = None

    @property
    def strict(self) -> bool:
        return self.settings.strict


class LoadedPair(Struct, frozen=True):
    """The two countries, the windows asked for, and the dataset read for them."""

    reporter: Country
    partner: Country
    start: Window | None
    end: Window | None
    dataset: Dataset


def newest_first(dataset: Dataset) -> tuple[str, ...]:
    """Source ids, most recently imported or fetched first (the same-tier rule)."""
    return tuple(dataset.extra.get("newest_first", ()))


def answered_by(dataset: Dataset, source_ids: Iterable[str]) -> Dataset:
    """``dataset`` described by the sources the answer used: an answer from the embedded
    sample alone says so even when cached imports lay over it, and the time is that of
    the cached sources used (none when several were written at different times)."""
    from msgspec.structs import replace

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


def provenance(source_ids: Iterable[str], dataset: Dataset) -> Provenance:
    """Where the figures of ``source_ids`` come from: the answer's typed provenance."""
    from tradecli.sources import conversion_provenance

    source_ids = tuple(source_ids)
    dataset = answered_by(dataset, source_ids)
    return Provenance(
        origin=dataset.origin,
        description=dataset.description,
        fetched_at=dataset.fetched_at,
        source_ids=source_ids,
        cubes=tuple(dataset.extra.get("cubes", [])),
        fetch_error=dataset.fetch_error,
        sources=tuple(
            dataset.sources[s].as_dict() if s in dataset.sources else {"id": s} for s in source_ids
        ),
        # The conversion's summary holds JSON values only (codes, rates, dates).
        conversion=cast("dict[str, Json] | None", conversion_provenance(dataset)),
        from_sample=dataset.layers is not None
        and any(s in dataset.sources and s not in dataset.written for s in source_ids),
    )


def load_pair_for(
    context: Context,
    request: Request,
    *,
    totals_only: bool,
    offline: bool | None = None,
    detail: bool = False,
) -> LoadedPair:
    """Resolve countries and periods, then load the pair's data (cache, API, sample).

    ``detail``: the answer needs the flow product by product (drivers, products), so a
    cached fetch of total trade alone never answers and live sources are asked for
    product rows.
    """
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
        detail=detail,
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

    root = cache_dir(settings)
    try:
        fetched = (root / "fx").is_dir()  # fx.FETCHED_DIR, made by `tradecli fx update`
    except OSError:
        fetched = True  # an unreadable cache: fx says so, with its hint
    if not fetched:
        return None  # the bundled rates, without importing fx at start-up
    from tradecli.fx import rates_file_in_use

    return rates_file_in_use(root)


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
