"""What every data source shares: the request, the result, provenance and the protocol.

A *source* is one provider of trade figures (the embedded sample, the OEC API,
imported files, later UN Comtrade). Each is one module in this package exposing
an object that satisfies ``Source``, and one line in ``registry.SOURCES``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from msgspec import Struct, field

from tradecli.periods import Frequency, Period

if TYPE_CHECKING:
    import httpx
    import polars as pl

    from tradecli.cache import Entry
    from tradecli.config import Config
    from tradecli.fx import Rate

Progress = Callable[[int, int | None], None]  # rows fetched so far, total if known


class SourceInfo(Struct, frozen=True):
    """What one ``source`` id in a flows frame stands for."""

    id: str
    title: str
    publisher: str
    licence: str = ""
    url: str = ""
    citation: str = ""
    note: str = ""
    reconstructed: bool = False
    # For a reconstructed source: the figures it does publish (the rest rest on an
    # assumption), e.g. {"measure": "growth", "exporter": "PAK", "importer": "JPN",
    # "from": "2024-08", "to": "2025-08"}; measures are value, growth and balance.
    published: tuple[Mapping[str, str], ...] = ()
    assumed: tuple[Mapping[str, str], ...] = ()

    def as_dict(self) -> dict[str, str | bool | None]:
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


class Layers(Struct, frozen=True):
    """A cache answer laid over the embedded sample: how each layer describes itself."""

    origin: str  # the cache layer's origin ("cache", "stale", "live")
    description: str  # the cache layer's description
    sample_description: str  # the sample's description


class Dataset(Struct, frozen=True):
    """Flows plus their provenance."""

    flows: pl.LazyFrame
    sources: dict[str, SourceInfo]
    origin: str  # "sample", "cache", "stale" (cache past its expiry) or "live"
    description: str  # one line for people, e.g. "embedded sample (tradecli 0.1.0)"
    fetched_at: str | None = None  # ISO timestamp for cached or live data
    fetch_error: str | None = None  # why a live fetch failed when this is a fallback
    # Currency conversion done on ``flows`` (tradecli.fx.Rate records), and from what.
    rates: tuple[Rate, ...] = ()
    converted_from: tuple[str, ...] = ()  # the currencies the figures were in
    # When each cached source id was last imported or fetched; the sample is not in it.
    # The Data line names the times of the sources an answer used, never one for all,
    # and the same-tier rule prefers the most recent (``newest_first``).
    written: Mapping[str, dt.datetime] = field(default_factory=dict)
    cubes: tuple[str, ...] = ()  # the source datasets fetched (OEC cube names)
    layers: Layers | None = None  # set when cache entries lie over the sample
    # (year, note): where the cache's annual figure and the sum of its 12 months disagree
    # for a year the answer may show (``tradecli.sources.frequencies``).
    year_notes: tuple[tuple[int, str], ...] = ()

    @property
    def newest_first(self) -> tuple[str, ...]:
        """Cached source ids, most recently imported or fetched first (the same-tier rule)."""
        return tuple(sorted(self.written, key=self.written.__getitem__, reverse=True))

    def written_text(self, source_id: str) -> str | None:
        """When ``source_id`` was written, as the outputs print it (ISO, to the second)."""
        when = self.written.get(source_id)
        return None if when is None else when.isoformat(timespec="seconds")

    @property
    def extra(self) -> dict[str, list[str]]:
        """The same facts as text, in the shape callers read before they were typed.

        Kept for callers not yet moved to ``newest_first``, ``written``, ``cubes`` and
        ``layers``; new code should read those.
        """
        out: dict[str, list[str]] = {
            "cubes": list(self.cubes),
            "times": sorted(f"{s}\t{self.written_text(s)}" for s in self.written),
            "newest_first": list(self.newest_first),
        }
        if self.layers is not None:
            out["layers"] = [
                self.layers.origin,
                self.layers.description,
                self.layers.sample_description,
            ]
        return out


class PairRequest(Struct, frozen=True):
    """What a data command needs: a pair, a frequency and (optionally) the two periods.

    ``dataset`` pins the source's own dataset (an OEC cube name); ``source`` pins the
    source (a name in ``registry.SOURCES``); ``None`` lets the registry choose.
    """

    reporter: str
    partner: str
    start: Period | None
    end: Period | None
    dataset: str | None = None
    wanted_frequency: Frequency | None = None
    source: str | None = None
    products: tuple[str, ...] = ()  # HS codes asked for (--product); () is total trade
    # The answer needs the flow product by product (drivers, products): a live source
    # is asked for its product rows, and only cached fetches holding them answer.
    detail: bool = False
    # The answer reads TOTAL rows only (balance and series of total trade): cached
    # entries with TOTAL files of their own are read from those alone.
    totals_only: bool = False

    @property
    def cube(self) -> str | None:
        """The OEC word for ``dataset``."""
        return self.dataset

    @property
    def frequency(self) -> Frequency | None:
        known = self.start or self.end
        return known.frequency if known else self.wanted_frequency

    @property
    def pair(self) -> tuple[str, str]:
        return (self.reporter, self.partner)


class FetchResult(Struct, frozen=True):
    """One pair fetched by a source, in the canonical schema, ready for the cache."""

    key: str  # cache key: the same request gives the same key
    frame: pl.DataFrame
    dataset: str  # the source's own id of what was read (cube name, dataset code)
    start: Period  # the periods actually covered (the request's, clipped to the data)
    end: Period
    url: str  # where it came from, without any key or token
    currency: str
    annotations: Mapping[str, object] = field(default_factory=dict)


class Capabilities(Struct, frozen=True):
    """What a source can answer."""

    pair_totals: bool  # total trade between two countries
    country: bool  # a country with all its partners at once
    frequencies: frozenset[Frequency]
    products: bool = False  # HS product detail


class MetaStore(Protocol):
    """Where a source keeps metadata between runs (the cache's ``meta/``)."""

    def get_meta(self, name: str, max_age: float) -> object | None: ...

    def put_meta(self, name: str, body: object) -> None: ...


class Source(Protocol):
    """One provider of trade figures.

    ``name`` is the registry key, the ``source`` stored with cache entries and the
    value of ``--source``. ``live`` sources are fetched over the network when the
    read order reaches them; others (sample, files) are never fetched by
    ``load_pair``.
    """

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def live(self) -> bool: ...

    @property
    def capabilities(self) -> Capabilities: ...

    def ready(self, config: Config) -> bool:
        """Whether this source may be asked now (network mode, token or key)."""
        ...

    def fetch_pair(
        self,
        config: Config,
        request: PairRequest,
        *,
        meta: MetaStore,
        progress: Progress | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> FetchResult:
        """Both flows between the pair, as far as the source has them."""
        ...

    def describe(self, entry: Entry) -> SourceInfo:
        """Provenance of a cache entry this source wrote: publisher, notes, URL, time."""
        ...
