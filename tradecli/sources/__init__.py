"""Data sources: where the flows come from, in which order, and what each source id means.

Every source returns flows in the canonical schema (``tradecli.schema``); a
``Dataset`` carries them with a catalogue describing each ``source`` id in them,
so that every figure printed can be traced back to who published it.

The sources themselves are modules of this package (``sample``, ``oec``,
``files``), each satisfying ``base.Source`` and listed in ``registry.SOURCES``.
This module builds the datasets an answer reads (cache entries layered over the
sample, a country's rows, a currency conversion); the read order of one pair,

    fresh cache -> live source(s), unless offline -> stale cache (warned),
    layered over the embedded sample (the floor, the oldest source for the pairs it covers)

is ``read_order.ReadOrder``, which ``load_pair`` asks. ``--source NAME`` asks that
source alone: no other entries, no sample, no fallback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec.structs import replace

from tradecli.config import Config
from tradecli.periods import Period
from tradecli.sources import registry
from tradecli.sources.base import (
    Capabilities,
    Dataset,
    FetchResult,
    Layers,
    PairRequest,
    Progress,
    Source,
    SourceInfo,
)
from tradecli.sources.datasets import (
    Warn,
    cache_dataset,
    fetch_entry,
    layered,
    network_allowed,
    open_cache,
)
from tradecli.sources.read_order import ReadOrder
from tradecli.sources.registry import SOURCES
from tradecli.sources.sample import load_sample

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

    from tradecli.cache import Cache, Entry

__all__ = [
    "SOURCES",
    "Capabilities",
    "Dataset",
    "FetchResult",
    "Layers",
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

    See :class:`tradecli.sources.read_order.ReadOrder`, which this asks for the answer.
    """
    return ReadOrder(
        config,
        request,
        offline=offline,
        refresh=refresh,
        warn=warn,
        progress=progress,
        transport=transport,
    ).answer()


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
    return fetch_entry(source, config, cache, request, progress=progress, transport=transport)


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
    return layered(cache, entries, origin, floor, totals_only=totals_only)


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
    import polars as pl

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
        frame = frame.filter(pl.col("period") <= last.last_row_day)
    # The other currencies alone are collected: the window's rows only when converted.
    others = sorted(
        frame.filter(pl.col("currency") != currency)
        .select(pl.col("currency").unique())
        .collect()["currency"]
        .to_list()
    )
    if not others:
        return dataset
    from tradecli.fx import convert_flows  # only when something is converted: start-up

    conversion = convert_flows(frame.collect(), currency, rates_file)
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
    if not dataset.rates:
        return None
    from tradecli.fx import rates_summary  # only when something was converted: start-up

    first = dataset.rates[0]
    return {
        "from": list(dataset.converted_from),
        "to": first.currency_to,
        "source": first.source,
        "method": sorted({r.method for r in dataset.rates}),
        "months": sorted({str(m) for r in dataset.rates for m in r.months}),
        "rates": rates_summary(dataset.rates),
    }
