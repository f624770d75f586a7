"""Imported files as a source: what ``tradecli import`` stored, described from its entry.

Files are never fetched by the read order: the user imports them (``tradecli.ingest``)
and they are read from the cache like any other entry, never expiring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradecli.errors import UsageError
from tradecli.periods import Frequency
from tradecli.sources.base import (
    Capabilities,
    FetchResult,
    MetaStore,
    PairRequest,
    Progress,
    SourceInfo,
)

if TYPE_CHECKING:
    import httpx

    from tradecli.cache import Entry
    from tradecli.config import Config


class FilesSource:
    """Files the user imported (OEC or Comtrade downloads, BACI, tidy CSV)."""

    name = "files"
    title = "imported files"
    live = False
    capabilities = Capabilities(
        pair_totals=True,
        country=True,
        frequencies=frozenset({Frequency.MONTH, Frequency.YEAR}),
        products=True,
    )

    def ready(self, config: Config) -> bool:
        return False  # nothing to fetch: imported entries are already in the cache

    def fetch_pair(
        self,
        config: Config,
        request: PairRequest,
        *,
        meta: MetaStore,
        progress: Progress | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> FetchResult:
        raise UsageError(
            "imported files cannot be fetched", hint="use `tradecli import FILE` to add one"
        )

    def describe(self, entry: Entry) -> SourceInfo:
        return SourceInfo(
            id=str(entry.annotations.get("source_id") or f"file:{entry.dataset}"),
            title=str(entry.annotations.get("title") or entry.dataset),
            publisher=str(entry.annotations.get("publisher") or "imported file"),
            licence=str(entry.annotations.get("licence") or ""),
            # The file's name only: published outputs never show a local path.
            note=f"imported {entry.fetched_at.isoformat(timespec='seconds')} from "
            f"{_file_name(entry.url)} ({entry.annotations.get('format', '?')} format)",
        )


def _file_name(location: str) -> str:
    """'/home/me/data/x.csv' or 'file:///C:/data/x.csv' -> 'x.csv'."""
    from pathlib import PurePosixPath, PureWindowsPath
    from urllib.parse import unquote, urlparse

    if location.startswith("file:"):
        location = unquote(urlparse(location).path)
    return PureWindowsPath(PurePosixPath(location).name).name or location


SOURCE = FilesSource()
