"""Data sources: where the flows come from, and what each source id means.

Every source returns a ``Dataset``: a lazy frame in the canonical schema
(``tradecli.schema``) plus a catalogue describing each ``source`` id in it, so
that every figure printed can be traced back to who published it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import polars as pl

from tradecli import schema
from tradecli.config import Config, NetworkMode
from tradecli.errors import AuthRequired, NoData, SourceUnavailable, TradecliError
from tradecli.periods import Frequency, Period

if TYPE_CHECKING:
    from tradecli.cache import Cache, Entry


@dataclass(frozen=True)
class SourceInfo:
    """What one ``source`` id in a flows frame stands for."""

    id: str
    title: str
    publisher: str
    licence: str = ""
    url: str = ""
    citation: str = ""
    note: str = ""
    reconstructed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "licence": self.licence,
            "url": self.url or None,
            "citation": self.citation or None,
            "note": self.note or None,
            "reconstructed": self.reconstructed,
        }


@dataclass(frozen=True)
class Dataset:
    """Flows plus their provenance."""

    flows: pl.LazyFrame
    sources: dict[str, SourceInfo]
    origin: str  # "sample", "cache" or "live": how this run obtained the data
    description: str  # one line for people, e.g. "embedded sample (tradecli 0.1.0)"
    fetched_at: str | None = None  # ISO timestamp for cached or live data
    extra: dict[str, Any] = field(default_factory=dict)


def _data_path(name: str) -> Any:
    return resources.files("tradecli.data").joinpath(name)


def load_sample() -> Dataset:
    """The embedded sample shipped inside the package (see ``data/README.md``)."""
    from tradecli import __version__

    with resources.as_file(_data_path("sample_flows.csv")) as path:
        # The CSV is small (~26k rows, 2 MB): reading it eagerly once costs a few
        # milliseconds and frees the frame from the lifetime of ``as_file``.
        frame = pl.read_csv(
            path,
            schema_overrides=dict(schema.FLOWS_SCHEMA.items()),
        )
    frame = frame.select(schema.FLOWS_SCHEMA.names())
    schema.validate(frame)
    raw = json.loads(_data_path("sources.json").read_text("utf-8"))
    catalogue = {
        source_id: SourceInfo(
            id=source_id,
            title=meta["title"],
            publisher=meta["publisher"],
            licence=meta.get("licence", ""),
            url=meta.get("url", ""),
            citation=meta.get("citation", ""),
            note=meta.get("note", ""),
            reconstructed=bool(meta.get("reconstructed", False)),
        )
        for source_id, meta in raw.items()
    }
    return Dataset(
        flows=frame.lazy(),
        sources=catalogue,
        origin="sample",
        description=f"embedded sample shipped with tradecli {__version__} (not live data)",
    )


# -- the resolution order for data commands ------------------------------------------

META_MAX_AGE = 7 * 86_400.0  # cube lists and metadata change rarely


@dataclass(frozen=True)
class PairRequest:
    """What a data command needs: a pair, a frequency and (optionally) the two periods."""

    reporter: str
    partner: str
    start: Period | None
    end: Period | None
    cube: str | None = None
    wanted_frequency: Frequency | None = None

    @property
    def frequency(self) -> Frequency | None:
        known = self.start or self.end
        return known.frequency if known else self.wanted_frequency

    @property
    def pair(self) -> tuple[str, str]:
        return (self.reporter, self.partner)


def network_allowed(config: Config, offline: bool) -> bool:
    if offline or config.network is NetworkMode.NEVER:
        return False
    return config.network is NetworkMode.ALWAYS or bool(config.token)


def open_cache(config: Config, warn: Callable[[str], None]) -> Cache:
    from tradecli.cache import Cache
    from tradecli.config import cache_dir

    return Cache(cache_dir(config), config.recent_ttl, config.closed_ttl, warn=warn)


def cache_dataset(cache: Cache, entries: list[Entry], origin: str) -> Dataset:
    """A Dataset over cached entries, with one SourceInfo per cube."""
    from tradecli import oec

    catalogue: dict[str, SourceInfo] = {}
    for entry in entries:
        source_id = str(entry.annotations.get("source_id") or f"oec:{entry.cube}")
        if entry.kind == "import":
            catalogue[source_id] = SourceInfo(
                id=source_id,
                title=str(entry.annotations.get("title") or entry.cube),
                publisher=str(entry.annotations.get("publisher") or "imported file"),
                licence=str(entry.annotations.get("licence") or ""),
                note=f"imported {entry.fetched_at.isoformat(timespec='seconds')} from "
                f"{entry.url} ({entry.annotations.get('format', '?')} format)",
            )
            continue
        dataset_name = str(entry.annotations.get("dataset_name") or entry.cube)
        source_name = entry.annotations.get("source_name")
        publisher = "Observatory of Economic Complexity (OEC)" + (
            f", from {source_name}" if source_name else ""
        )
        note = f"fetched {entry.fetched_at.isoformat(timespec='seconds')}"
        own = oec.national_cube_country(entry.cube)
        if own is not None:
            other = entry.partner if own == entry.reporter else entry.reporter
            note += f"; customs data of {own}: " + (
                f"{other}'s figures here are mirror flows as {own} reported them "
                "(imports usually CIF, exports FOB)"
                if own != entry.reporter
                else "own report"
            )
        catalogue[source_id] = SourceInfo(
            id=source_id,
            title=f"{dataset_name} (cube {entry.cube}, values in {entry.currency})",
            publisher=publisher,
            url=entry.url,
            note=note,
        )
    fetched = min(e.fetched_at for e in entries).isoformat(timespec="seconds")
    kinds = {e.kind for e in entries}
    what = {
        frozenset({"fetch"}): "OEC API data",
        frozenset({"import"}): "imported files",
    }.get(frozenset(kinds), "OEC API data and imported files")
    description = {
        "live": "OEC API, fetched now and stored in the cache",
        "cache": f"{what} from the local cache ({cache.root})",
        "stale": f"{what} from the local cache ({cache.root}), past its expiry",
    }[origin]
    return Dataset(
        flows=cache.scan(entries),
        sources=catalogue,
        origin="live" if origin == "live" else "cache",
        description=description,
        fetched_at=fetched,
        extra={"cubes": sorted({e.cube for e in entries if e.kind == "fetch"})},
    )


def _usable(entries: list[Entry], request: PairRequest) -> list[Entry]:
    """Entries for the pair; empty unless every period the request names is inside one."""
    if request.cube:
        entries = [e for e in entries if e.cube == request.cube]
    # The newest period asked for must be inside the cached data; older ones may be
    # missing (the comparison then says which months are), but a cache that stops
    # before the period asked for is not an answer.
    anchor = request.end or request.start
    if not entries or (anchor is not None and not any(_reaches(e, anchor) for e in entries)):
        return []
    return entries


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
    warn: Callable[[str], None] = lambda message: None,
    progress: Callable[[int, int | None], None] | None = None,
    transport: Any = None,
) -> Dataset:
    """Fresh cache -> network (unless offline) -> stale cache (warned) -> embedded sample."""
    cache = open_cache(config, warn)
    # A calendar year can also be summed from twelve cached months.
    frequencies = {
        None: [Frequency.MONTH, Frequency.YEAR],
        Frequency.YEAR: [Frequency.YEAR, Frequency.MONTH],
        Frequency.MONTH: [Frequency.MONTH],
    }[request.frequency]
    candidates: list[Entry] = []
    for frequency in frequencies:
        candidates = _usable(cache.matching(request.pair, frequency), request)
        if candidates:
            break
    if candidates and not refresh and all(cache.fresh(e) for e in candidates):
        return cache_dataset(cache, candidates, "cache")

    failure: TradecliError | None = None
    if network_allowed(config, offline):
        try:
            fetch_into_cache(config, cache, request, progress=progress, transport=transport)
        except (SourceUnavailable, AuthRequired, NoData) as exc:
            failure = exc
            warn(f"{exc.message}")
        else:
            entries = _usable(cache.matching(request.pair, _fetched_frequency(request)), request)
            if entries:
                return cache_dataset(cache, entries, "live")
    elif refresh:
        warn("--refresh needs the network; it was ignored (offline, or no OEC token)")

    if candidates:
        oldest = min(e.fetched_at for e in candidates).isoformat(timespec="seconds")
        warn(f"using cached data fetched {oldest}, past its expiry")
        return cache_dataset(cache, candidates, "stale")

    sample = load_sample()
    if failure is not None:
        if not _sample_covers(sample, request):
            raise failure
        warn("falling back to the embedded sample")
    return sample


def _fetched_frequency(request: PairRequest) -> Frequency:
    return request.frequency or Frequency.MONTH


def fetch_into_cache(
    config: Config,
    cache: Cache,
    request: PairRequest,
    *,
    progress: Callable[[int, int | None], None] | None = None,
    transport: Any = None,
) -> tuple[Entry | None, int]:
    """Fetch the pair from the OEC and store it; returns the new entry and its row count."""
    from tradecli.client import OECClient
    from tradecli.oec import CubeCatalog, fetch_pair

    with OECClient(config, transport=transport) as client:
        catalog = CubeCatalog(
            client,
            load=lambda name: cache.get_meta(name, META_MAX_AGE),
            store=cache.put_meta,
        )
        result = fetch_pair(
            client,
            catalog,
            request.reporter,
            request.partner,
            request.start,
            request.end,
            request.cube,
            on_page=progress,
        )
    path = cache.put(
        result.query.key(),
        result.frame,
        reporter=request.reporter,
        partner=request.partner,
        cube=result.cube.name,
        start=result.query.start,
        end=result.query.end,
        url=result.url,
        currency=result.cube.currency,
        annotations=dict(result.annotations),
    )
    entry = next((e for e in cache.entries() if e.path == path), None)
    return entry, result.frame.height


def load_country(config: Config, country: str, warn: Callable[[str], None]) -> Dataset:
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
