"""The embedded sample shipped inside the package (see ``tradecli/data/README.md``).

Last in the read order: it answers offline, always, and every output says it is
the sample. Its catalogue (``sources.json``) describes each source id in it.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from tradecli.errors import NoData
from tradecli.periods import Frequency
from tradecli.sources.base import (
    Capabilities,
    Dataset,
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


# The flows, in the canonical schema; built by scripts/build_sample.py.
SAMPLE_FILE = "sample_flows.parquet"


def _data_path(name: str) -> Traversable:
    return resources.files("tradecli.data").joinpath(name)


def catalogue() -> dict[str, SourceInfo]:
    raw = json.loads(_data_path("sources.json").read_text("utf-8"))
    return {
        source_id: SourceInfo(
            id=source_id,
            title=meta["title"],
            publisher=meta["publisher"],
            licence=meta.get("licence", ""),
            url=meta.get("url", ""),
            citation=meta.get("citation", ""),
            note=meta.get("note", ""),
            reconstructed=bool(meta.get("reconstructed", False)),
            published=tuple(meta.get("figures", {}).get("published", ())),
            assumed=tuple(meta.get("figures", {}).get("assumed", ())),
        )
        for source_id, meta in raw.items()
    }


def load_sample() -> Dataset:
    """The whole embedded sample, with its catalogue."""
    import polars as pl

    from tradecli import __version__, schema

    data = _data_path(SAMPLE_FILE)
    if isinstance(data, Path):
        # Parquet, not CSV: ~26k rows, and every offline answer reads them (start-up).
        # Scanned, not read: an answer's filter (a pair, a country) is pushed into the
        # read, so only its rows are decoded and conformed, in the answer's one collect.
        flows = pl.scan_parquet(data, glob=False)
    else:
        # Not a file on disk (a zipped install): read eagerly, so the frame outlives
        # ``as_file``'s temporary copy.
        with resources.as_file(data) as path:
            flows = pl.read_parquet(path, glob=False).lazy()
    flows = schema.conform(flows)  # the sample holds no quantities: null, never 0
    schema.validate(flows)
    return Dataset(
        flows=flows,
        sources=catalogue(),
        origin="sample",
        description=f"embedded sample shipped with tradecli {__version__} (not live data)",
    )


class SampleSource:
    """The embedded sample: a few pairs and years, offline, never stale."""

    name = "sample"
    title = "embedded sample"
    live = False
    capabilities = Capabilities(
        pair_totals=True,
        country=True,
        frequencies=frozenset({Frequency.MONTH, Frequency.YEAR}),
        products=True,
    )

    def ready(self, config: Config) -> bool:
        return True

    def fetch_pair(
        self,
        config: Config,
        request: PairRequest,
        *,
        meta: MetaStore,
        progress: Progress | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> FetchResult:
        """The pair's rows of the sample (both directions), clipped to the request."""
        import polars as pl

        from tradecli.periods import Period

        a, b = request.pair
        frame = (
            load_sample()
            .flows.filter(
                ((pl.col("exporter") == a) & (pl.col("importer") == b))
                | ((pl.col("exporter") == b) & (pl.col("importer") == a))
            )
            .collect()
        )
        frequency = request.frequency or Frequency.MONTH
        frame = frame.filter(pl.col("frequency") == frequency.value)
        if request.start is not None:
            frame = frame.filter(pl.col("period") >= request.start.start)
        if request.end is not None:
            frame = frame.filter(pl.col("period") <= request.end.start)
        if frame.is_empty():
            raise NoData(f"the embedded sample has no {frequency.value}ly data for {a}-{b}")
        first = Period.from_date(frame["period"].min(), frequency)  # type: ignore[arg-type]
        last = Period.from_date(frame["period"].max(), frequency)  # type: ignore[arg-type]
        x, y = sorted(request.pair)
        currencies = frame["currency"].unique().to_list()
        return FetchResult(
            key=f"sample__{x}-{y}__{first}_{last}",
            frame=frame,
            dataset=SAMPLE_FILE,
            start=first,
            end=last,
            url="",
            currency=currencies[0] if len(currencies) == 1 else "mixed",
        )

    def describe(self, entry: Entry) -> SourceInfo:
        known = catalogue()
        source_id = str(entry.annotations.get("source_id") or "")
        if source_id in known:
            return known[source_id]
        return SourceInfo(id=source_id or "sample", title=self.title, publisher="tradecli")


SOURCE = SampleSource()
