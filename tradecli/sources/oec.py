"""The OEC API as a source: wraps ``tradecli.client`` and ``tradecli.oec``.

Everything OEC-specific about provenance lives here: the publisher line names the
agency the OEC took the cube from, and a national customs cube (Japan's
``trade_s_jpn_m_hs``) is described as that country's report, so the partner's
figures in it are mirror flows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradecli.config import NetworkMode
from tradecli.errors import NoData
from tradecli.periods import Frequency, Period
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

META_MAX_AGE = 7 * 86_400.0  # cube lists and metadata change rarely


class OECSource:
    """The Observatory of Economic Complexity's Tesseract API."""

    name = "oec"
    title = "OEC API"  # as in "OEC API data from the local cache"
    live = True
    capabilities = Capabilities(
        pair_totals=True,
        country=False,  # partner rankings would need one request per partner
        frequencies=frozenset({Frequency.MONTH, Frequency.YEAR}),
        products=True,
    )

    def ready(self, config: Config) -> bool:
        """Asked when the network is always allowed, or (``auto``) when a token is set."""
        return config.network is NetworkMode.ALWAYS or bool(config.token)

    def fetch_pair(
        self,
        config: Config,
        request: PairRequest,
        *,
        meta: MetaStore,
        progress: Progress | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> FetchResult:
        from tradecli.client import OECClient
        from tradecli.oec import CubeCatalog, fetch_pair

        with OECClient(config, transport=transport) as client:
            # Metadata is kept per endpoint: another base_url has other cubes.
            scope = endpoint_scope(client.base_url)
            catalog = CubeCatalog(
                client,
                load=lambda name: meta.get_meta(f"{name}@{scope}", META_MAX_AGE),
                store=lambda name, body: meta.put_meta(f"{name}@{scope}", body),
            )
            result = fetch_pair(
                client,
                catalog,
                request.reporter,
                request.partner,
                request.start,
                request.end,
                request.dataset,
                on_page=progress,
                products=request.detail and not request.products,
            )
        frame = result.frame
        query = result.query
        if frame.is_empty():
            # An empty answer is no answer: stored, it would stand as fresh, complete data
            # and the next source (or the stale cache) would never be asked.
            legacy = (
                ""
                if config.api_style.value == "legacy"
                else ('; a site-proxy base_url (.../api/olap-proxy) needs api.style = "legacy"')
            )
            raise NoData(
                f"the OEC API answered with no {request.reporter}-{request.partner} rows for "
                f"{query.start}..{query.end} (cube {query.cube}); nothing was stored",
                hint=f"try another period or source{legacy}",
            )
        # The entry claims the periods it holds, not the range asked: "no data for that
        # period, ask the next source" must see what is missing at the end.
        days = frame["period"]
        first = Period.from_date(days.min(), query.frequency)  # type: ignore[arg-type]
        last = Period.from_date(days.max(), query.frequency)  # type: ignore[arg-type]
        annotations = dict(result.annotations)
        if query.products:
            from tradecli.product_levels import coverage_of

            # What the entry holds (products at this level, no TOTAL row), as Comtrade's
            # entries say it: a request for products is answered only by such entries.
            annotations |= {"coverage": coverage_of(frame), "detail": query.products}
        return FetchResult(
            key=query.key(),
            frame=frame,
            dataset=result.cube.name,
            start=first,
            end=last,
            url=result.url,
            currency=result.cube.currency,
            annotations=annotations,
        )

    def describe(self, entry: Entry) -> SourceInfo:
        from tradecli.oec import national_cube_country, source_id_for

        dataset_name = str(entry.annotations.get("dataset_name") or entry.dataset)
        source_name = entry.annotations.get("source_name")
        publisher = "Observatory of Economic Complexity (OEC)" + (
            f", from {source_name}" if source_name else ""
        )
        note = f"fetched {entry.fetched_at.isoformat(timespec='seconds')}"
        own = national_cube_country(entry.dataset)
        if own is not None:
            other = entry.partner if own == entry.reporter else entry.reporter
            note += f"; customs data of {own}: " + (
                f"{other}'s figures here are mirror flows as {own} reported them "
                "(imports usually CIF, exports FOB)"
                if own != entry.reporter
                else "own report"
            )
        return SourceInfo(
            id=str(entry.annotations.get("source_id") or source_id_for(entry.dataset)),
            title=f"{dataset_name} (cube {entry.dataset}, values in {entry.currency})",
            publisher=publisher,
            url=entry.url,
            note=note,
        )


def endpoint_scope(base_url: str) -> str:
    """A short, stable name for an endpoint, for metadata keys (never holds a token)."""
    import hashlib

    return hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:12]


SOURCE = OECSource()
