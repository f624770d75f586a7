"""Data sources: where the flows come from, in which order, and what each source id means.

Every source returns flows in the canonical schema (``tradecli.schema``); a
``Dataset`` carries them with a catalogue describing each ``source`` id in them,
so that every figure printed can be traced back to who published it.

The sources themselves are modules of this package (``sample``, ``oec``,
``files``), each satisfying ``base.Source`` and listed in ``registry.SOURCES``.
This module only decides the read order:

    fresh cache -> live source(s), unless offline -> stale cache (warned),
    layered over the embedded sample (the floor, the oldest source for the pairs it covers)

``--source NAME`` asks that source alone: no other entries, no sample, no fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from tradecli.config import Config, NetworkMode
from tradecli.errors import AuthRequired, NoData, SourceUnavailable, TradecliError, UsageError
from tradecli.periods import Frequency, Period
from tradecli.sources import registry
from tradecli.sources.base import (
    Capabilities,
    Dataset,
    FetchResult,
    PairRequest,
    Progress,
    Source,
    SourceInfo,
)
from tradecli.sources.fallback import CommandDeadline, serves
from tradecli.sources.registry import SOURCES
from tradecli.sources.sample import load_sample

if TYPE_CHECKING:
    from pathlib import Path

    import httpx
    import polars as pl

    from tradecli.cache import Cache, Entry

__all__ = [
    "SOURCES",
    "Capabilities",
    "Dataset",
    "FetchResult",
    "PairRequest",
    "Source",
    "SourceInfo",
    "cache_dataset",
    "conversion_notes",
    "conversion_provenance",
    "convert_dataset",
    "fetch_into_cache",
    "load_country",
    "load_pair",
    "load_sample",
    "network_allowed",
    "open_cache",
]

Warn = Callable[[str], None]


def network_allowed(
    config: Config, offline: bool, source: Source | None = None, chosen: bool = False
) -> bool:
    """Whether this run may go to the network, for ``source`` (default: the first live one).

    Never offline or with ``api.network = "never"``; otherwise a source named with
    ``--source`` (``chosen``) is asked, and one in the default order when it is ready
    (a token or key set, or ``api.network = "always"``).
    """
    if offline or config.network is NetworkMode.NEVER:
        return False
    return chosen or (source or registry.live_order(config)[0]).ready(config)


def open_cache(config: Config, warn: Warn) -> Cache:
    from tradecli.cache import Cache
    from tradecli.config import cache_dir

    return Cache(cache_dir(config), config.recent_ttl, config.closed_ttl, warn=warn)


def _title(name: str) -> str:
    source = SOURCES.get(name)
    return source.title if source is not None else name


def cache_dataset(
    cache: Cache,
    entries: list[Entry],
    origin: str,
    fetch_error: str | None = None,
    *,
    totals_only: bool = False,
) -> Dataset:
    """A Dataset over cached entries, each described by the source that wrote it.

    ``origin`` is "live" (fetched now), "cache" (fresh) or "stale" (past its expiry);
    ``fetch_error`` says why a live fetch failed when the cache is the fallback;
    ``totals_only``: the answer reads TOTAL rows only (see ``Cache.scan``).
    """
    catalogue: dict[str, SourceInfo] = {}
    for entry in entries:
        info = registry.describe(entry)
        catalogue[info.id] = info
    # One time only when every entry was written at once; otherwise each source's own
    # time is in its note ("imported <time> from <file>"), never one misleading time.
    times = sorted({e.fetched_at.isoformat(timespec="seconds") for e in entries})
    fetched = times[0] if len(times) == 1 else None
    kinds = {e.kind for e in entries}
    live = " and ".join(sorted({_title(e.source) for e in entries if e.kind == "fetch"}))
    what = {
        frozenset({"fetch"}): f"{live} data",
        frozenset({"import"}): "imported files",
    }.get(frozenset(kinds), f"{live} data and imported files")
    description = {
        "live": f"{live}, fetched now and stored in the cache",
        # Never the cache's path: published output must not show the user's directories
        # (`tradecli cache path` tells where it is).
        "cache": f"{what} from the local cache",
        "stale": f"{what} from the local cache, past its expiry",
    }[origin]
    return Dataset(
        flows=cache.scan(entries, totals_only=totals_only),
        sources=catalogue,
        origin=origin,
        description=description,
        fetched_at=fetched,
        extra={
            "cubes": sorted({e.dataset for e in entries if e.kind == "fetch"}),
            # When each source id was written (id, tab, time): the Data line names the
            # times of the sources an answer used, never one time for all.
            "times": sorted(
                {
                    f"{registry.describe(e).id}\t{e.fetched_at.isoformat(timespec='seconds')}"
                    for e in entries
                }
            ),  # fmt: skip
            # Source ids, most recently imported or fetched first: the same-tier rule.
            "newest_first": list(
                dict.fromkeys(
                    registry.describe(e).id
                    for e in sorted(entries, key=lambda e: e.fetched_at, reverse=True)
                )
            ),
        },
        fetch_error=fetch_error,
    )


def _usable(entries: list[Entry], request: PairRequest) -> list[Entry]:
    """Entries for the pair; empty unless every period the request names is inside one."""
    if request.source:
        entries = [e for e in entries if e.source == request.source]
    if request.dataset:
        entries = [e for e in entries if e.dataset == request.dataset]
    entries = [e for e in entries if _holds(e, request)]
    # The newest period asked for must be inside the cached data; older ones may be
    # missing (the comparison then says which months are), but a cache that stops
    # before the period asked for is not an answer.
    anchor = request.end or request.start
    if not entries or (anchor is not None and not any(_reaches(e, anchor) for e in entries)):
        return []
    return entries


def _holds(entry: Entry, request: PairRequest) -> bool:
    """Whether a fetched entry holds what is asked: the products named, or total trade.

    Only fetches that say (a ``coverage`` annotation, as UN Comtrade's do) are judged;
    others, and imports, are judged by the answer (their rows), as before.
    """
    coverage = entry.annotations.get("coverage")
    if entry.kind != "fetch" or not isinstance(coverage, dict):
        return True
    if request.products:
        held = {str(p) for p in coverage.get("products") or []}
        return {p.upper() for p in request.products} <= held
    return bool(coverage.get("total"))


def _holding(
    cache: Cache,
    entries: list[Entry],
    request: PairRequest,
    known: dict[tuple[object, object], bool],
) -> list[Entry]:
    """Entries that hold rows for the pair: an imported file naming both countries in
    other rows (FRA-PAK, JPN-DEU) must not hide the pair's data elsewhere (the sample).

    ``known`` keeps the answers of one command: each entry is looked into once."""
    pair = _pair_rows(*request.pair)

    def holds(entry: Entry) -> bool:
        key = (entry.path, entry.fetched_at)
        if key not in known:
            # An entry with TOTAL files of its own has a TOTAL row for every flow it
            # holds: those few files say whether the pair is there.
            scan = cache.scan([entry], totals_only=True)
            known[key] = bool(scan.filter(pair).head(1).collect().height)
        return known[key]

    return [e for e in entries if e.kind != "import" or holds(e)]


def _reaches(entry: Entry, period: Period) -> bool:
    """Whether the entry holds ``period``; a year is held by monthly entries spanning it."""
    if period.month is None and entry.frequency is Frequency.MONTH:
        return entry.start.year <= period.year <= entry.end.year
    return entry.includes(period)


def _pair_rows(a: str, b: str) -> pl.Expr:
    import polars as pl

    return ((pl.col("exporter") == a) & (pl.col("importer") == b)) | (
        (pl.col("exporter") == b) & (pl.col("importer") == a)
    )


def _covers(dataset: Dataset, request: PairRequest) -> bool:
    """Whether ``dataset`` holds the pair at both periods the request names."""
    import polars as pl

    frame = dataset.flows.filter(_pair_rows(*request.pair)).collect()
    if request.frequency is not None:
        frame = frame.filter(pl.col("frequency") == request.frequency.value)
    wanted = [p.start for p in (request.start, request.end) if p is not None]
    return frame.height > 0 and all(day in frame["period"].to_list() for day in wanted)


def _layered(
    cache: Cache,
    entries: list[Entry],
    origin: str,
    rows: pl.Expr | None,
    fetch_error: str | None = None,
    *,
    totals_only: bool = False,
) -> Dataset:
    """The cache entries over the embedded sample's ``rows`` (None: no sample).

    The sample is the floor: it answers only the periods the cache does not hold for a
    direction (the oldest source: an import or a fetch wins where they overlap), and
    the answer sees every period of both, so the default ``--to`` is the latest of all.
    """
    import polars as pl

    sample = load_sample() if rows is not None else None
    if not entries:
        if sample is None:
            raise NoData("no data")  # callers never ask for nothing from nothing
        return sample
    layer = cache_dataset(cache, entries, origin, fetch_error, totals_only=totals_only)
    if sample is None or rows is None:
        return layer
    # The floor fills gaps only: where the cache holds a direction of the pair for a
    # period (any reporter, any product), the sample's rows for it are not read.
    keys = ["exporter", "importer", "period", "frequency"]
    # Only the rows the sample could fill (``rows``: the pair or the country), so the
    # scan of a large cache entry prunes to them instead of reading every flow.
    held = layer.flows.filter(rows).select(keys).unique()
    floor = sample.flows.filter(rows).join(held, on=keys, how="anti")
    if floor.head(1).collect().height == 0:
        return layer
    columns = layer.flows.collect_schema().names()
    flows = pl.concat([layer.flows, floor.select(columns)], how="vertical_relaxed")
    return replace(
        layer,
        flows=flows,
        sources={**sample.sources, **layer.sources},
        description=f"{layer.description}, over the {sample.description}",
        extra={
            **layer.extra,
            "layers": [layer.origin, layer.description, sample.description],
        },
    )


def _pair_entries(
    request: PairRequest,
    frequencies: list[Frequency],
    matching: Callable[[Frequency], list[Entry]],
) -> list[Entry]:
    """Every cached entry holding the pair (in any of ``frequencies``), whatever periods
    are asked: which entries answer must not depend on the window (the same-tier rule).
    ``matching(frequency)``: the entries holding the pair at that frequency."""
    found: dict[object, Entry] = {}
    for frequency in frequencies:
        for entry in matching(frequency):
            found.setdefault(entry.path, entry)
    entries = list(found.values())
    if request.source:
        entries = [e for e in entries if e.source == request.source]
    if request.dataset:
        entries = [e for e in entries if e.dataset == request.dataset]
    return entries


def load_pair(
    config: Config,
    request: PairRequest,
    *,
    offline: bool = False,
    refresh: bool = False,
    warn: Warn = lambda message: None,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Dataset:
    """Fresh cache -> live sources (unless offline) -> stale cache (warned), over the sample.

    The live sources and their order come from the registry (``request.source``
    picks one); the first that answers is stored in the cache and read back. The
    answer holds every cached entry for the pair (imports, fetches) layered over the
    embedded sample's rows for it, so an older import never hides the sample's later
    months. ``request.source`` restricts the answer to that source: no other cache
    entries, no sample, and an error when it cannot answer.
    """
    order = registry.live_order(config, request.source)  # a bad sources.order is an error now
    cache = open_cache(config, warn)
    named = request.source is not None
    floor = None if named else _pair_rows(*request.pair)
    # A calendar year can also be summed from twelve cached months.
    frequencies = {
        None: [Frequency.MONTH, Frequency.YEAR],
        Frequency.YEAR: [Frequency.YEAR, Frequency.MONTH],
        Frequency.MONTH: [Frequency.MONTH],
    }[request.frequency]
    # Listed once (a release entry is hundreds of files) and again after a fetch writes.
    listing = cache.entries()
    known: dict[tuple[object, object], bool] = {}

    def covering(frequency: Frequency) -> list[Entry]:
        return [e for e in listing if e.covers(request.pair, frequency) and serves(e, request)]

    def matching(frequency: Frequency) -> list[Entry]:
        return _holding(cache, covering(frequency), request, known)

    def layered(
        held: list[Entry], origin: str, rows: pl.Expr | None, error: str | None = None
    ) -> Dataset:
        return _layered(cache, held, origin, rows, error, totals_only=request.totals_only)

    candidates: list[Entry] = []
    for frequency in frequencies:
        candidates = _usable(matching(frequency), request)
        if candidates:
            break
    # A request at one frequency is answered at one: the frequency the cache answers at
    # (twelve months make a year), else the request's own; the sample's rows likewise,
    # so its yearly rows never stand in front of the months an import holds.
    if request.frequency is not None:
        layer = frequency if candidates else frequencies[0]
        frequencies = [layer]
        if floor is not None:
            import polars as pl

            floor = floor & (pl.col("frequency") == layer.value)

    def entries() -> list[Entry]:
        return _pair_entries(request, frequencies, matching)

    if candidates and not refresh and all(cache.fresh(e) for e in candidates):
        return layered(entries(), "cache", floor)

    failures: list[TradecliError] = []

    def said() -> str | None:
        # A failure is told once: as a warning when something else answers instead.
        for exc in failures:
            warn(exc.message)
        return "; ".join(exc.message for exc in failures) or None

    live = [s for s in order if _can_answer(s, request)]
    allowed = [
        s for s in live if network_allowed(config, offline, s, chosen=request.source == s.name)
    ]
    deadline = CommandDeadline(config)  # one api.deadline for every source asked
    for source in allowed:
        try:
            asked = deadline.config(source.title)
            _fetch(source, asked, cache, request, progress=progress, transport=transport)
        except (SourceUnavailable, AuthRequired, NoData) as exc:
            failures.append(exc)
            continue
        listing = cache.entries()
        fetched = _fetched_frequency(request)
        if _usable(covering(fetched), request):
            said()
            if request.frequency is None:
                return layered(entries(), "live", floor)
            import polars as pl

            # Answered at the frequency fetched, with the sample's rows at it.
            rows = (
                None
                if named
                else _pair_rows(*request.pair) & (pl.col("frequency") == fetched.value)
            )
            return layered(_pair_entries(request, [fetched], matching), "live", rows)
        # It answered, but not up to the period asked for: say so, never fall back silently.
        anchor = request.end or request.start
        pair = f"{request.reporter}-{request.partner}"
        failures.append(NoData(f"{source.title} holds no {pair} data for {anchor}"))
    if not allowed and refresh:
        names = ", ".join(s.title for s in live) or "a live source"
        warn(f"--refresh needs the network; it was ignored (offline, or no token for {names})")

    if candidates:
        error = said()
        oldest = min(e.fetched_at for e in candidates).isoformat(timespec="seconds")
        if all(cache.fresh(e) for e in candidates):
            # Only --refresh brings a fresh entry here: it is still fresh, not expired.
            warn(f"using cached data fetched {oldest} (still fresh; the refresh failed)")
            return layered(entries(), "cache", floor, error)
        warn(f"using cached data fetched {oldest}, past its expiry")
        return layered(entries(), "stale", floor, error)

    if named:
        # A named source is asked alone: nothing else answers in its place.
        source = order[0]
        if failures:
            first, *others = failures
            for other in others:
                warn(other.message)
            if source.title not in first.message:
                raise type(first)(f"{source.title}: {first.message}", hint=first.hint)
            raise first
        if source not in live:
            raise UsageError(
                f"--source {source.name}: {source.title} cannot answer this request",
                hint="drop --source to use the cache and the embedded sample",
            )
        raise UsageError(
            f"--source {source.name}: {source.title} is not allowed offline",
            hint="drop --offline (and check api.network), or drop --source to use the "
            "cache and the embedded sample",
        )
    held = entries()
    stale = [e for e in held if not cache.fresh(e)]
    error = "; ".join(exc.message for exc in failures) or None
    dataset = layered(held, "stale" if stale else "cache", floor, error)
    if error and dataset.fetch_error is None:
        dataset = replace(dataset, fetch_error=error)  # the sample alone answers: say why
    if failures:
        if not _covers(dataset, request):
            first, *others = failures
            for other in others:
                warn(other.message)
            raise first
        said()
        warn(
            "falling back to the embedded sample"
            if not held
            else "falling back to the local cache and the embedded sample"
        )
    return dataset


def _can_answer(source: Source, request: PairRequest) -> bool:
    caps = source.capabilities
    return caps.pair_totals and _fetched_frequency(request) in caps.frequencies


def _fetched_frequency(request: PairRequest) -> Frequency:
    return request.frequency or Frequency.MONTH


def _fetch(
    source: Source,
    config: Config,
    cache: Cache,
    request: PairRequest,
    *,
    progress: Progress | None,
    transport: httpx.BaseTransport | None,
) -> tuple[Entry | None, int]:
    result = source.fetch_pair(config, request, meta=cache, progress=progress, transport=transport)
    path = cache.put(
        result.key,
        result.frame,
        reporter=request.reporter,
        partner=request.partner,
        source=source.name,
        dataset=result.dataset,
        start=result.start,
        end=result.end,
        url=result.url,
        currency=result.currency,
        annotations=result.annotations,
    )
    entry = next((e for e in cache.entries() if e.path == path), None)
    return entry, result.frame.height


def fetch_into_cache(
    config: Config,
    cache: Cache,
    request: PairRequest,
    *,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
) -> tuple[Entry | None, int]:
    """Fetch the pair from the first live source and store it; returns the entry and its rows.

    The source is ``request.source`` if set, else the first of the registry's order.
    """
    source = registry.live_order(config, request.source)[0]
    return _fetch(source, config, cache, request, progress=progress, transport=transport)


def load_country(config: Config, country: str, warn: Warn, *, totals_only: bool = False) -> Dataset:
    """Everything cached that involves ``country`` (fetched pairs, imported files), over the
    embedded sample's rows for it (``totals_only``: see ``Cache.scan``).

    Partner rankings need many pairs at once, which the API client does not fetch
    (yet): they come from imported files, earlier fetches or the embedded sample.
    """
    import polars as pl

    cache = open_cache(config, warn)
    entries = cache.involving(country)
    stale = [e for e in entries if not cache.fresh(e)]
    if stale:
        oldest = min(e.fetched_at for e in stale).isoformat(timespec="seconds")
        warn(f"some cached data were fetched {oldest}, past their expiry")
    # The sample is the floor here too: an import never hides its later years.
    floor = (pl.col("exporter") == country) | (pl.col("importer") == country)
    origin = "stale" if stale else "cache"
    return _layered(cache, entries, origin, floor, totals_only=totals_only)


def convert_dataset(
    dataset: Dataset,
    currency: str,
    countries: tuple[str, ...],
    first: Period | None = None,
    last: Period | None = None,
    rates_file: Path | None = None,
) -> Dataset:
    """The answer's flows in ``currency``, converted explicitly with ECB reference rates.

    Only the rows an answer can use (involving ``countries``: both of a pair, or one
    country's partners, between ``first`` and ``last`` when known) are kept, and every
    one of them ends in ``currency``: converted with its own period's rate, or already
    in it. Nothing is converted when nothing needs to be; ``"native"`` converts nothing.
    A period the rates do not cover is an error naming their coverage.

    The rows involving ``countries`` are read once and held: the analysis asks many
    questions of them, and each would otherwise read the cache (and layer the sample
    under it) again.
    """
    import datetime as dt

    import polars as pl

    from tradecli.fx import convert_flows

    involved = (
        (pl.col("exporter").is_in(countries) & pl.col("importer").is_in(countries))
        if len(countries) == 2
        else (pl.col("exporter").is_in(countries) | pl.col("importer").is_in(countries))
    )
    held = dataset.flows.filter(involved).collect()
    dataset = replace(dataset, flows=held.lazy())
    if currency == "native":
        return dataset
    frame = held.lazy()
    if first is not None:
        frame = frame.filter(pl.col("period") >= first.start)
    if last is not None:
        end = dt.date(last.year, 12, 31) if last.month is None else last.start
        frame = frame.filter(pl.col("period") <= end)
    collected = frame.collect()
    others = sorted(set(collected.filter(pl.col("currency") != currency)["currency"].to_list()))
    if not others:
        return dataset
    conversion = convert_flows(collected, currency, rates_file)
    return replace(
        dataset,
        flows=conversion.frame.lazy(),
        rates=conversion.rates,
        converted_from=tuple(others),
    )


def conversion_notes(dataset: Dataset) -> list[str]:
    """What the conversion did, for the table's notes: the source, method and every rate."""
    if not dataset.rates:
        return []
    first = dataset.rates[0]
    rates = "; ".join(
        f"{r.period}: 1 {r.currency_from} = {r.rate:.6g} {r.currency_to} ({len(r.days)} days)"
        for r in dataset.rates
    )
    return [
        f"Converted from {', '.join(dataset.converted_from)} to {first.currency_to} with the "
        f"{first.method} ({first.source}, rates to {first.file_date}): {rates}"
    ]


def conversion_provenance(dataset: Dataset) -> dict[str, object] | None:
    """The conversion for JSON ``provenance``: None when the figures were not converted."""
    from tradecli.fx import rates_summary

    if not dataset.rates:
        return None
    first = dataset.rates[0]
    return {
        "from": list(dataset.converted_from),
        "to": first.currency_to,
        "source": first.source,
        "method": sorted({r.method for r in dataset.rates}),
        "months": sorted({str(m) for r in dataset.rates for m in r.months}),
        "rates": rates_summary(dataset.rates),
    }
