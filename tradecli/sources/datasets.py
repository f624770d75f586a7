"""The datasets an answer reads: cache entries described by their sources, layered over
the embedded sample's rows, and the few steps every read shares (may this run use the
network, open the cache, fetch one pair into it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from msgspec.structs import replace

from tradecli.config import Config, NetworkMode
from tradecli.errors import NoData
from tradecli.sources import registry
from tradecli.sources.base import Dataset, Layers, PairRequest, Progress, Source
from tradecli.sources.registry import SOURCES
from tradecli.sources.sample import load_sample

if TYPE_CHECKING:
    import httpx
    import polars as pl

    from tradecli.cache import Cache, Entry

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
    exporters: Collection[str] | None = None,
) -> Dataset:
    """A Dataset over cached entries, each described by the source that wrote it.

    ``origin`` is "live" (fetched now), "cache" (fresh) or "stale" (past its expiry);
    ``fetch_error`` says why a live fetch failed when the cache is the fallback;
    ``totals_only``: the answer reads TOTAL rows only; ``exporters``: rows of these
    exporters only (see ``Cache.scan``).
    """
    described = [(entry, registry.describe(entry)) for entry in entries]
    catalogue = {info.id: info for _, info in described}
    # Each id's latest write. Inserted newest first, so ``Dataset.newest_first`` (a
    # stable sort) keeps the listing's order for ids written at the same moment.
    written: dict[str, dt.datetime] = {}
    for entry, info in sorted(described, key=lambda pair: pair[0].fetched_at, reverse=True):
        written.setdefault(info.id, entry.fetched_at)
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
        flows=cache.scan(entries, totals_only=totals_only, exporters=exporters),
        sources=catalogue,
        origin=origin,
        description=description,
        fetched_at=fetched,
        cubes=tuple(sorted({e.dataset for e in entries if e.kind == "fetch"})),
        written=written,
        fetch_error=fetch_error,
    )


def pair_rows(a: str, b: str) -> pl.Expr:
    import polars as pl

    return ((pl.col("exporter") == a) & (pl.col("importer") == b)) | (
        (pl.col("exporter") == b) & (pl.col("importer") == a)
    )


def layered(
    cache: Cache,
    entries: list[Entry],
    origin: str,
    rows: pl.Expr | None,
    fetch_error: str | None = None,
    *,
    totals_only: bool = False,
    exporters: Collection[str] | None = None,
) -> Dataset:
    """The cache entries over the embedded sample's ``rows`` (None: no sample).

    ``exporters``: the answer reads rows of these exporters only (a pair's two
    countries), so the files of others are not opened.

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
    layer = cache_dataset(
        cache, entries, origin, fetch_error, totals_only=totals_only, exporters=exporters
    )
    if sample is None or rows is None:
        return layer
    # The floor fills gaps only: where the cache holds a direction of the pair for a
    # period (any reporter, any product), the sample's rows for it are not read.
    keys = ["exporter", "importer", "period", "frequency"]
    # Only the rows the sample could fill (``rows``: the pair or the country), so the
    # scan of a large cache entry prunes to them instead of reading every flow. Which
    # directions and periods the cache holds is read from TOTAL files where an entry has
    # them (every flow with products has its TOTAL row there): a few files, not the
    # hundreds of product files of a release, which a product answer reads once later.
    held = cache.scan(entries, totals_only=True, exporters=exporters)
    held = held.filter(rows).select(keys).unique()
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
        layers=Layers(layer.origin, layer.description, sample.description),
    )


def fetch_entry(
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
