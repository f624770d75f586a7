"""Data sources: where the flows come from, in which order, and what each source id means.

Every source returns flows in the canonical schema (``tradecli.schema``); a
``Dataset`` carries them with a catalogue describing each ``source`` id in them,
so that every figure printed can be traced back to who published it.

The sources themselves are modules of this package (``sample``, ``oec``,
``files``), each satisfying ``base.Source`` and listed in ``registry.SOURCES``.
This module only decides the read order:

    fresh cache -> live source(s), unless offline -> stale cache (warned) -> sample
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from tradecli.config import Config, NetworkMode
from tradecli.errors import AuthRequired, NoData, SourceUnavailable, TradecliError
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
from tradecli.sources.registry import SOURCES
from tradecli.sources.sample import load_sample

if TYPE_CHECKING:
    import httpx

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
    cache: Cache, entries: list[Entry], origin: str, fetch_error: str | None = None
) -> Dataset:
    """A Dataset over cached entries, each described by the source that wrote it.

    ``origin`` is "live" (fetched now), "cache" (fresh) or "stale" (past its expiry);
    ``fetch_error`` says why a live fetch failed when the cache is the fallback.
    """
    catalogue: dict[str, SourceInfo] = {}
    for entry in entries:
        info = registry.describe(entry)
        catalogue[info.id] = info
    fetched = min(e.fetched_at for e in entries).isoformat(timespec="seconds")
    kinds = {e.kind for e in entries}
    live = " and ".join(sorted({_title(e.source) for e in entries if e.kind == "fetch"}))
    what = {
        frozenset({"fetch"}): f"{live} data",
        frozenset({"import"}): "imported files",
    }.get(frozenset(kinds), f"{live} data and imported files")
    description = {
        "live": f"{live}, fetched now and stored in the cache",
        "cache": f"{what} from the local cache ({cache.root})",
        "stale": f"{what} from the local cache ({cache.root}), past its expiry",
    }[origin]
    return Dataset(
        flows=cache.scan(entries),
        sources=catalogue,
        origin=origin,
        description=description,
        fetched_at=fetched,
        extra={
            "cubes": sorted({e.dataset for e in entries if e.kind == "fetch"}),
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
    # The newest period asked for must be inside the cached data; older ones may be
    # missing (the comparison then says which months are), but a cache that stops
    # before the period asked for is not an answer.
    anchor = request.end or request.start
    if not entries or (anchor is not None and not any(_reaches(e, anchor) for e in entries)):
        return []
    return entries


def _holding(cache: Cache, entries: list[Entry], request: PairRequest) -> list[Entry]:
    """Entries that hold rows for the pair: an imported file naming both countries in
    other rows (FRA-PAK, JPN-DEU) must not hide the pair's data elsewhere (the sample)."""
    import polars as pl

    a, b = request.pair
    pair = ((pl.col("exporter") == a) & (pl.col("importer") == b)) | (
        (pl.col("exporter") == b) & (pl.col("importer") == a)
    )
    return [
        e
        for e in entries
        if e.kind != "import" or cache.scan([e]).filter(pair).head(1).collect().height
    ]


def _reaches(entry: Entry, period: Period) -> bool:
    """Whether the entry holds ``period``; a year is held by monthly entries spanning it."""
    if period.month is None and entry.frequency is Frequency.MONTH:
        return entry.start.year <= period.year <= entry.end.year
    return entry.includes(period)


def _sample_covers(sample: Dataset, request: PairRequest) -> bool:
    import polars as pl

    a, b = request.pair
    frame = sample.flows.filter(
        ((pl.col("exporter") == a) & (pl.col("importer") == b))
        | ((pl.col("exporter") == b) & (pl.col("importer") == a))
    ).collect()
    if request.frequency is not None:
        frame = frame.filter(pl.col("frequency") == request.frequency.value)
    wanted = [p.start for p in (request.start, request.end) if p is not None]
    return frame.height > 0 and all(day in frame["period"].to_list() for day in wanted)


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
    """Fresh cache -> live sources (unless offline) -> stale cache (warned) -> sample.

    The live sources and their order come from the registry (``request.source``
    picks one); the first that answers is stored in the cache and read back.
    """
    order = registry.live_order(config, request.source)  # a bad sources.order is an error now
    cache = open_cache(config, warn)
    # A calendar year can also be summed from twelve cached months.
    frequencies = {
        None: [Frequency.MONTH, Frequency.YEAR],
        Frequency.YEAR: [Frequency.YEAR, Frequency.MONTH],
        Frequency.MONTH: [Frequency.MONTH],
    }[request.frequency]
    candidates: list[Entry] = []
    for frequency in frequencies:
        held = _holding(cache, cache.matching(request.pair, frequency), request)
        candidates = _usable(held, request)
        if candidates:
            break
    if candidates and not refresh and all(cache.fresh(e) for e in candidates):
        return cache_dataset(cache, candidates, "cache")

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
    for source in allowed:
        try:
            _fetch(source, config, cache, request, progress=progress, transport=transport)
        except (SourceUnavailable, AuthRequired, NoData) as exc:
            failures.append(exc)
            continue
        entries = _usable(cache.matching(request.pair, _fetched_frequency(request)), request)
        if entries:
            said()
            return cache_dataset(cache, entries, "live")
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
            return cache_dataset(cache, candidates, "cache", fetch_error=error)
        warn(f"using cached data fetched {oldest}, past its expiry")
        return cache_dataset(cache, candidates, "stale", fetch_error=error)

    sample = load_sample()
    if failures:
        if not _sample_covers(sample, request):
            first, *others = failures
            for other in others:
                warn(other.message)
            raise first
        said()
        warn("falling back to the embedded sample")
    return sample


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


def load_country(config: Config, country: str, warn: Warn) -> Dataset:
    """Everything cached that involves ``country`` (fetched pairs, imported files), else the sample.

    Partner rankings need many pairs at once, which the API client does not fetch
    (yet): they come from imported files, earlier fetches or the embedded sample.
    """
    cache = open_cache(config, warn)
    entries = cache.involving(country)
    if entries:
        stale = [e for e in entries if not cache.fresh(e)]
        if stale:
            oldest = min(e.fetched_at for e in stale).isoformat(timespec="seconds")
            warn(f"some cached data were fetched {oldest}, past their expiry")
        return cache_dataset(cache, entries, "stale" if stale else "cache")
    return load_sample()


def convert_dataset(
    dataset: Dataset,
    currency: str,
    countries: tuple[str, ...],
    first: Period | None = None,
    last: Period | None = None,
) -> Dataset:
    """The answer's flows in ``currency``, converted explicitly with ECB reference rates.

    Only the rows an answer can use (involving ``countries``: both of a pair, or one
    country's partners, between ``first`` and ``last`` when known) are kept, and every
    one of them ends in ``currency``: converted with its own period's rate, or already
    in it. Nothing is converted when nothing needs to be; ``"native"`` converts nothing.
    A period the rates do not cover is an error naming their coverage.
    """
    import datetime as dt

    import polars as pl

    from tradecli.fx import convert_flows

    if currency == "native":
        return dataset
    involved = (
        (pl.col("exporter").is_in(countries) & pl.col("importer").is_in(countries))
        if len(countries) == 2
        else (pl.col("exporter").is_in(countries) | pl.col("importer").is_in(countries))
    )
    frame = dataset.flows.filter(involved)
    if first is not None:
        frame = frame.filter(pl.col("period") >= first.start)
    if last is not None:
        end = dt.date(last.year, 12, 31) if last.month is None else last.start
        frame = frame.filter(pl.col("period") <= end)
    collected = frame.collect()
    others = sorted(set(collected.filter(pl.col("currency") != currency)["currency"].to_list()))
    if not others:
        return dataset
    conversion = convert_flows(collected, currency)
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
