"""UN Comtrade as a source: wraps ``tradecli.comtrade`` (keyless preview, or data with a key).

Figures are in US dollars, as the reporter declared them to the UN: exports valued
FOB, imports CIF. The pair is asked from the reporter's own statistics; when the
reporter has sent none for those periods, from the partner's (mirror flows), and
the provenance says whose statistics they are. ``COMTRADE_KEY`` travels only as a
request header: no URL, annotation or message here ever holds it.

A request naming products (``--product``) asks Comtrade for those HS codes (its
``cmdCode``: 2, 4 or 6 digits) instead of total trade; the cache entry's
``coverage`` annotation names them, and the provenance says the figures are for
them only. HS sections (S01..S21) are no Comtrade codes: they are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from tradecli.config import NetworkMode
from tradecli.errors import NoData, SourceUnavailable, UnknownCountry, UsageError
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
    import polars as pl

    from tradecli.cache import Entry
    from tradecli.config import Config

META_MAX_AGE = 30 * 86_400.0  # the reference lists change a few times a year
CHAPTERS = "AG2"  # Comtrade's cmdCode for every HS chapter (2-digit code) at once
PUBLISHER = "United Nations Statistics Division (UN Comtrade)"


def comtrade_products(request: PairRequest, chosen: bool) -> tuple[str, ...]:
    """The Comtrade ``cmdCode`` values for the request: ``("TOTAL",)`` or its HS codes.

    A section (S01..S21) is no Comtrade code: refused, as a usage error when Comtrade
    was named with ``--source``, else as this source's gap (another source may answer).
    """
    codes = tuple(dict.fromkeys(code.strip().upper() for code in request.products))
    if not codes:
        return ("TOTAL",)
    odd = [c for c in codes if not (c.isdigit() and len(c) in (2, 4, 6))]
    if odd:
        message = (
            f"UN Comtrade asks for HS codes of 2, 4 or 6 digits; {', '.join(odd)} "
            f"{'is' if len(odd) == 1 else 'are'} not one (HS sections are not Comtrade codes)"
        )
        hint = "name the section's HS chapters instead, e.g. --product 01 --product 02"
        raise (UsageError if chosen else NoData)(message, hint=hint)
    return codes


def _previous_month(today: dt.date) -> Period:
    return Period(today.year - (today.month == 1), (today.month - 2) % 12 + 1)


def span(request: PairRequest, today: dt.date) -> tuple[Period, Period]:
    """The periods to ask for: the request's, with open ends filled in.

    Comtrade has no "latest period" call: an open end asks up to the last complete
    month (or year); an open start asks a year before the end.
    """
    frequency = request.frequency or Frequency.MONTH
    if frequency is Frequency.YEAR:
        latest = Period(today.year - 1)
        end = request.end or max(latest, request.start or latest)
        start = request.start or Period(end.year - 1)
        return start, end
    latest = _previous_month(today)
    end = request.end or max(latest, request.start or latest)
    if request.start is not None:
        return request.start, end
    assert end.month is not None
    return Period(end.year - 1, end.month), end


class ComtradeSource:
    """UN Comtrade API v1."""

    name = "comtrade"
    title = "UN Comtrade"
    live = True
    capabilities = Capabilities(
        pair_totals=True,
        country=False,
        frequencies=frozenset({Frequency.MONTH, Frequency.YEAR}),
        products=True,
    )

    def ready(self, config: Config) -> bool:
        """In the default order when a key is set or the network is always allowed.

        (``--source comtrade`` asks the keyless preview whenever the network is allowed.)
        """
        return config.network is NetworkMode.ALWAYS or bool(config.comtrade_key)

    def fetch_pair(
        self,
        config: Config,
        request: PairRequest,
        *,
        meta: MetaStore,
        progress: Progress | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> FetchResult:
        import polars as pl

        from tradecli.comtrade import ComtradeClient, ReferenceLists, fetch_pair
        from tradecli.product_levels import coverage_of
        from tradecli.sources.oec import endpoint_scope

        wanted = comtrade_products(request, chosen=request.source == self.name)
        products = () if wanted == ("TOTAL",) else wanted
        # The flow's products (drivers, products): every HS chapter, with total trade.
        chapters = request.detail and not products
        if chapters:
            wanted = ("TOTAL", CHAPTERS)
        start, end = span(request, dt.date.today())
        with ComtradeClient(config, transport=transport) as client:
            # Reference lists are kept per endpoint: another base_url may list other codes.
            scope = endpoint_scope(client.base_url)
            lists = ReferenceLists(
                client,
                load=lambda name: meta.get_meta(f"{name}@{scope}", META_MAX_AGE),
                store=lambda name, body: meta.put_meta(f"{name}@{scope}", body),
            )
            codes = lists.codes()
            try:
                result = fetch_pair(
                    client, codes, request.reporter, request.partner, start, end, products=wanted
                )
                if _empty(result.frame, chapters):
                    # The reporter sent nothing for these periods: ask the partner's report.
                    result = fetch_pair(
                        client,
                        codes,
                        request.reporter,
                        request.partner,
                        start,
                        end,
                        products=wanted,
                        mirror=True,
                    )
            except UnknownCountry as exc:
                # A country Comtrade does not list is this source's gap, not a typo: the
                # read order may still ask another source or fall back.
                kind = NoData if codes.from_lists else SourceUnavailable
                raise kind(exc.message, hint=exc.hint) from None
        frame = result.frame
        scope = f"HS {', '.join(products)}" if products else "total"
        if chapters:
            scope = "HS chapter"
        if _empty(frame, chapters):
            # Total trade alone is no answer to a question about products: nothing is stored.
            raise NoData(
                f"UN Comtrade holds no {request.reporter}-{request.partner} {scope} flows for "
                f"{start}..{end} (neither country's report)",
                hint="try another period, or --source oec",
            )
        if progress is not None:
            progress(frame.height, frame.height)
        frequency = start.frequency
        periods = sorted(frame["period"].unique().to_list())
        first = Period.from_date(periods[0], frequency)
        last = Period.from_date(periods[-1], frequency)
        freq = "A" if frequency is Frequency.YEAR else "M"
        # Keyed by the reporter asked for, in order: JPN-PAK (Japan's report, or Pakistan's
        # when Japan sent none) never answers PAK-JPN, whose own report comes first.
        pair = f"{request.reporter}-{request.partner}"
        key = f"comtrade_{result.endpoint}_{freq}__{pair}__{start}_{end}"
        source_id = str(frame["source"][0])
        if products:
            # Its own key and source id: a products entry never replaces the totals one,
            # and its description (these products only) never stands for total trade.
            key += "__" + "-".join(products)
            source_id += ":" + "+".join(products)
            frame = frame.with_columns(source=pl.lit(source_id))
        elif chapters:
            # Its own key (a totals fetch never stands for it, nor it for one) and source
            # id: the figures are the reporter's by HS chapter, with its total.
            key += "__HS2"
            source_id += ":HS2"
            frame = frame.with_columns(source=pl.lit(source_id))
        coverage = coverage_of(frame)
        reported_by = ", ".join(result.reported_by)
        return FetchResult(
            key=key,
            frame=frame,
            dataset=f"{result.endpoint}/{freq}",
            start=max(first, start),
            end=min(last, end),
            url=result.urls[0],
            currency="USD",
            annotations={
                "source_id": source_id,
                "endpoint": result.endpoint,
                "queries": list(result.urls),
                "reported_by": reported_by,
                "notes": list(result.notes),
                "capped_splits": result.capped_splits,
                # What the entry holds: total trade, or these HS products only.
                "coverage": coverage,
                "products": list(products),
                "detail": "HS2" if chapters else None,
            },
        )

    def describe(self, entry: Entry) -> SourceInfo:
        ann = entry.annotations
        endpoint = str(ann.get("endpoint") or entry.dataset.split("/")[0])
        monthly = entry.frequency is Frequency.MONTH
        reported_by = str(ann.get("reported_by") or entry.reporter)
        notes = ann.get("notes")
        valuation = "; ".join(str(n) for n in notes) if isinstance(notes, list) else ""
        asked = ann.get("products")
        products = [str(p) for p in asked] if isinstance(asked, list) else []
        scope = f" {', '.join(products)} only" if products else ""
        if ann.get("detail") == "HS2":
            scope = " by HS chapter"
        whose = f"reported by {reported_by}"
        if reported_by != entry.reporter:
            whose += f" (mirror flows: {reported_by}'s statistics)"
        note = (
            f"fetched {entry.fetched_at.isoformat(timespec='seconds')}; {whose}; "
            f"{valuation or 'exports valued FOB, imports CIF by the reporter'}; "
            f"{endpoint} endpoint"
            + (f"; products {', '.join(products)} only, not total trade" if products else "")
        )
        return SourceInfo(
            id=str(ann.get("source_id") or f"comtrade:{endpoint}:{'M' if monthly else 'A'}"),
            title=f"UN Comtrade {'monthly' if monthly else 'annual'} goods trade, HS"
            f"{scope} ({endpoint} endpoint, values in {entry.currency})",
            publisher=PUBLISHER,
            url=entry.url,
            citation="United Nations Comtrade Database, https://comtradeplus.un.org",
            note=note,
        )


def _empty(frame: pl.DataFrame, chapters: bool) -> bool:
    """No rows; or, when the chapters were asked for, none of them (total trade alone)."""
    import polars as pl

    if chapters:
        return frame.filter(pl.col("product") != "TOTAL").is_empty()
    return frame.is_empty()


def serves(entry: Entry, request: PairRequest) -> bool:
    """Whether a cached entry may answer ``request``: a Comtrade entry only the reporter
    it was asked for (its own statistics first, whatever was asked before)."""
    return (
        entry.source != "comtrade" or entry.kind != "fetch" or (entry.reporter == request.reporter)
    )


SOURCE = ComtradeSource()
