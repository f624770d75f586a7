"""The registry of sources: adding a provider is one module plus one line here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradecli.errors import ConfigError, UsageError
from tradecli.sources import comtrade, files, oec, sample
from tradecli.sources.base import Source, SourceInfo

if TYPE_CHECKING:
    from tradecli.cache import Entry
    from tradecli.config import Config

SOURCES: dict[str, Source] = {
    "sample": sample.SOURCE,
    "oec": oec.SOURCE,
    "files": files.SOURCE,
    "comtrade": comtrade.SOURCE,
}

# Which live sources the read order tries, first to last, when ``--source`` does not
# name one: the config's ``sources.order`` (default: the OEC, then UN Comtrade).
# Each is asked only when ``ready``.


def get(name: str) -> Source:
    """The source called ``name``; an unknown name is a usage error listing the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(n for n, s in SOURCES.items() if s.live))
        raise UsageError(f"unknown source {name!r}", hint=f"live sources: {known}") from None


def live_order(config: Config, chosen: str | None = None) -> list[Source]:
    """The live sources to try, in order: ``chosen`` alone, else ``sources.order``, else the
    default order."""
    if chosen is not None:
        source = get(chosen)
        if not source.live:
            raise UsageError(
                f"source {chosen!r} is not fetched over the network",
                hint="imported files and the sample are read from the cache and the package",
            )
        return [source]
    order = []
    for name in config.source_order:
        found = SOURCES.get(name)
        if found is None or not found.live:
            known = ", ".join(sorted(n for n, s in SOURCES.items() if s.live))
            raise ConfigError(
                f"sources.order names {name!r}, which is not a live source",
                hint=f"live sources: {known}",
            )
        order.append(found)
    return order


def describe(entry: Entry) -> SourceInfo:
    """Provenance of a cache entry, from the source that wrote it.

    An entry of a source this version does not know (written by a newer tradecli)
    is still described from what the entry itself records.
    """
    source = SOURCES.get(entry.source)
    if source is not None:
        return source.describe(entry)
    return SourceInfo(
        id=str(entry.annotations.get("source_id") or f"{entry.source}:{entry.dataset}"),
        title=f"{entry.dataset} (values in {entry.currency})",
        publisher=str(entry.annotations.get("publisher") or entry.source),
        url=entry.url,
        note=f"fetched {entry.fetched_at.isoformat(timespec='seconds')}",
    )
