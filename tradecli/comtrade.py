"""UN Comtrade API v1: a second, keyless live source.

Without a key the preview endpoint answers (at most 500 records a call); with
``COMTRADE_KEY`` the data endpoint does, the key travelling only as the
``Ocp-Apim-Subscription-Key`` header (never in a URL, message, log or cache).

Country codes are Comtrade's own (842 is the USA, not M49's 840): they are read
from Comtrade's reporters and partners reference lists, fetched once and kept
by the caller like OEC metadata, with a shipped fallback for the known
exceptions. A code neither knows is an error, never a silent drop or an M49 guess.

Totals come only from rows that are totals on every breakdown dimension
(``partner2Code`` 0, ``customsCode`` C00, ``motCode`` 0, ``mosCode`` 0): summing
breakdown rows would count a flow twice. An answer at the record cap may be
truncated: the query is split by period, then by flow, until no answer is capped;
a single period and flow still capped is an error, never a partial total.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from tradecli import periods, schema
from tradecli.answers import answer_quantity, trade_value
from tradecli.client import HTTPClient
from tradecli.config import Config
from tradecli.errors import AuthRequired, BadResponse, SourceUnavailable, UnknownCountry
from tradecli.metadata import CachedMetadata
from tradecli.periods import Frequency, Period

if TYPE_CHECKING:
    import httpx
    import polars as pl

KEY_HEADER = "Ocp-Apim-Subscription-Key"
PREVIEW_CAP = 500  # records a preview call returns at most
DATA_CAP = 100_000  # the lower of the documented caps of the data endpoint
# Periods asked in one call at most: Comtrade documents and enforces a limit (other
# clients refuse more than 12), so a longer span is asked in parts.
MAX_PERIODS = 12
RECORD_BYTES = 4096  # a generous bound on one record's JSON (47 fields)
# The quantity fields of a record, checked like values (``qtyUnitAbbr`` names a unit).
AMOUNTS = ("qty", "netWgt")
REPORTERS_PATH = "files/v1/app/reference/Reporters.json"
PARTNERS_PATH = "files/v1/app/reference/partnerAreas.json"
EXPORT, IMPORT = "X", "M"
WORLD_CODE = 0
# Rows that are totals on every breakdown dimension (COMTRADE_API.md).
TOTAL_DIMENSIONS: Mapping[str, str] = {
    "partner2Code": "0",
    "customsCode": "C00",
    "motCode": "0",
    "mosCode": "0",
}
# Comtrade codes that differ from M49, and Taiwan's "Other Asia, nes": used when the
# reference lists are unavailable or lack an ISO3 code (they are checked, not assumed).
FALLBACK_CODES: Mapping[str, int] = {
    "USA": 842,
    "FRA": 251,
    "IND": 699,
    "CHE": 757,
    "NOR": 579,
    "TWN": 490,
}
VALUATION = {
    EXPORT: "exports valued FOB by the reporter",
    IMPORT: "imports valued CIF by the reporter",
}


class ComtradeClient(HTTPClient):
    """The Comtrade API with the shared retries, backoff and deadline."""

    source_name = "UN Comtrade"

    def __init__(
        self,
        config: Config,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        preview_cap: int = PREVIEW_CAP,
    ) -> None:
        headers = {KEY_HEADER: config.comtrade_key} if config.comtrade_key else None
        super().__init__(
            config, config.comtrade_base_url, transport, sleep, jitter, clock, headers=headers
        )
        self.preview_cap = preview_cap

    @property
    def keyed(self) -> bool:
        return bool(self.config.comtrade_key)

    def credentials(self) -> list[tuple[str, str]]:
        key = self.config.comtrade_key
        return [("COMTRADE_KEY", key)] if key else []

    @property
    def endpoint(self) -> str:
        """``preview`` (keyless) or ``data`` (with COMTRADE_KEY)."""
        return "data" if self.keyed else "preview"

    @property
    def cap(self) -> int:
        return DATA_CAP if self.keyed else self.preview_cap

    def data_path(self, frequency: Frequency) -> str:
        freq = "A" if frequency is Frequency.YEAR else "M"
        if self.keyed:
            return f"data/v1/get/C/{freq}/HS"
        return f"public/v1/preview/C/{freq}/HS"

    def refused(self, response: httpx.Response, shown: str) -> AuthRequired:
        status = response.status_code
        if self.keyed:
            hint = (
                f"a Comtrade subscription key was sent and refused ({status}): check that "
                "COMTRADE_KEY is current and its subscription active, or unset it to use "
                "the keyless preview"
            )
        else:
            hint = (
                "the keyless preview endpoint refused the request; set COMTRADE_KEY to a "
                "subscription key (comtradedeveloper.un.org) to use the data endpoint"
            )
        return AuthRequired(f"UN Comtrade refused the request ({status}): {shown}", hint=hint)


# -- country codes -----------------------------------------------------------------


class CountryCodes(Struct, frozen=True):
    """Comtrade reporter and partner codes, both ways, from the reference lists."""

    reporters: Mapping[int, str]  # code -> ISO3
    partners: Mapping[int, str]
    from_lists: bool  # False: only the shipped fallback was available
    areas: Mapping[int, str] = field(default_factory=dict)  # listed codes that are no country
    unreadable: str = ""  # why the reference lists could not be read (from_lists False)

    def _code(self, iso3: str, table: Mapping[int, str], role: str) -> int:
        matches = sorted(code for code, iso in table.items() if iso == iso3)
        if len(matches) == 1:
            return matches[0]
        if iso3 in FALLBACK_CODES and (not matches or FALLBACK_CODES[iso3] in matches):
            return FALLBACK_CODES[iso3]
        if len(matches) > 1:
            raise BadResponse(
                f"Comtrade's {role} list gives {iso3} several codes ({matches}); "
                "cannot tell which to ask for"
            )
        if not self.from_lists:
            # The cause is the network, not the country: say so.
            raise SourceUnavailable(
                f"UN Comtrade cannot be reached: its country lists could not be read "
                f"({self.unreadable or 'no answer'}), and {iso3} is not among the few "
                "codes shipped for that case",
                hint="try again when online, or use --source oec",
            )
        raise UnknownCountry(
            f"UN Comtrade has no {role} code for {iso3} in its reference lists",
            hint="the country may not report to Comtrade; try --source oec",
        )

    def reporter_code(self, iso3: str) -> int:
        return self._code(iso3, self.reporters, "reporter")

    def partner_code(self, iso3: str) -> int:
        if iso3 == "WLD":
            return WORLD_CODE
        return self._code(iso3, self.partners, "partner")

    def iso3(self, code: Any, role: str) -> str:
        """ISO3 of a code in an answer; an unknown code is an error, never dropped."""
        table = self.reporters if role == "reporter" else self.partners
        try:
            number = int(code)
        except (TypeError, ValueError):
            raise BadResponse(
                f"UN Comtrade sent a {role} code that is not a number: {code!r}"
            ) from None
        if role == "partner" and number == WORLD_CODE:
            return "WLD"
        if number in table:
            return table[number]
        fallback = {v: k for k, v in FALLBACK_CODES.items()}
        if number in fallback:
            return fallback[number]
        raise BadResponse(
            f"UN Comtrade sent {role} code {number}, which its {role} list does not hold",
            hint="the reference lists may be out of date: clear the cached metadata and retry",
        )


def _iso3_field(item: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = item.get(name)
        if isinstance(value, str) and len(value.strip()) == 3 and value.strip().isalpha():
            return value.strip().upper()
    return None


def parse_reference(body: Any, role: str) -> tuple[dict[int, str], dict[int, str]]:
    """``Reporters.json`` / ``partnerAreas.json``: ``{"results": [...]}`` or a bare list.

    Returns countries (code -> ISO3) and areas (code -> name): entries without an
    alphabetic ISO3 code ("Areas, nes", "Other Asia, nes", groups) can be neither
    asked for by ISO3 nor shown as a country.
    """
    items = body.get("results") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise BadResponse(f"unexpected Comtrade {role} list: no list of results")
    prefix = "reporter" if role == "reporter" else "partner"
    out: dict[int, str] = {}
    areas: dict[int, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        raw = next(
            (
                item[k]
                for k in (f"{prefix}Code", prefix.capitalize() + "Code", "id")
                if item.get(k) is not None
            ),
            None,
        )
        iso3 = _iso3_field(
            item,
            f"{prefix}CodeIsoAlpha3",
            prefix.capitalize() + "CodeIsoAlpha3",
            f"{prefix}ISO",
        )
        if raw is None or not str(raw).lstrip("-").isdigit():
            continue
        if iso3 is None or item.get("isGroup") is True:
            name = item.get(f"{prefix}Desc") or item.get(prefix.capitalize() + "Desc")
            areas[int(raw)] = str(name or item.get("text") or raw)
        else:
            out[int(raw)] = iso3
    if not out:
        raise BadResponse(f"unexpected Comtrade {role} list: no country codes in it")
    return out, areas


class ReferenceLists(CachedMetadata):
    """The reporters and partners lists, fetched once and kept by the caller."""

    def codes(self) -> CountryCodes:
        """Codes from the lists; the shipped fallback alone when the lists cannot be read."""
        try:
            reporters, _ = parse_reference(
                self._get("comtrade-reporters", REPORTERS_PATH), "reporter"
            )
            partners, areas = parse_reference(
                self._get("comtrade-partners", PARTNERS_PATH), "partner"
            )
        except AuthRequired:
            raise
        except SourceUnavailable as exc:
            fallback = {code: iso3 for iso3, code in FALLBACK_CODES.items()}
            return CountryCodes(
                reporters=fallback, partners=fallback, from_lists=False, unreadable=exc.message
            )
        return CountryCodes(reporters=reporters, partners=partners, from_lists=True, areas=areas)


# -- queries -----------------------------------------------------------------------


def _period_key(period: Period) -> str:
    return str(period.year) if period.month is None else f"{period.year}{period.month:02d}"


def _periods(start: Period, end: Period) -> list[Period]:
    """Every period from ``start`` to ``end`` (at least ``start``), stepped by periods.py."""
    return list(periods.periods_between(start, end)) or [start]


class Query(Struct, frozen=True):
    """One request to the data or preview endpoint (codes already Comtrade's own)."""

    reporter: int
    partner: int | None  # None: every partner
    periods: tuple[Period, ...]
    flows: tuple[str, ...]
    products: tuple[str, ...]

    @property
    def frequency(self) -> Frequency:
        return self.periods[0].frequency

    def params(self) -> dict[str, str]:
        params = {
            "reporterCode": str(self.reporter),
            "period": ",".join(_period_key(p) for p in self.periods),
            "cmdCode": ",".join(self.products),
            "flowCode": ",".join(self.flows),
            "partner2Code": "0",
            "customsCode": "C00",
            "motCode": "0",
            "includeDesc": "false",
        }
        if self.partner is not None:
            params["partnerCode"] = str(self.partner)
        return params

    def split(self) -> list[Query] | None:
        """Two smaller queries: by period first, then by flow; None when it cannot split."""
        if len(self.periods) > 1:
            half = len(self.periods) // 2
            return [
                Query(self.reporter, self.partner, part, self.flows, self.products)
                for part in (self.periods[:half], self.periods[half:])
            ]
        if len(self.flows) > 1:
            return [
                Query(self.reporter, self.partner, self.periods, (flow,), self.products)
                for flow in self.flows
            ]
        return None


class ComtradeResult(Struct, frozen=True):
    """Flows in the canonical schema and everything the output needs to say about them."""

    frame: pl.DataFrame
    endpoint: str  # "preview" or "data"
    urls: tuple[str, ...]  # every request made, without the key
    fetched_at: str
    capped_splits: int  # how many answers hit the cap and were split
    reported_by: tuple[str, ...]  # ISO3 of the reporters whose statistics these are
    notes: tuple[str, ...] = field(default_factory=tuple)


def source_id(endpoint: str, frequency: Frequency) -> str:
    return f"comtrade:{endpoint}:{'A' if frequency is Frequency.YEAR else 'M'}"


def _is_total_row(record: Mapping[str, Any]) -> bool:
    for name, total in TOTAL_DIMENSIONS.items():
        if name in record and record[name] is not None and str(record[name]) != total:
            return False
    return True


def _record_period(record: Mapping[str, Any], frequency: Frequency) -> dt.date:
    raw = str(record.get("period") or "").strip()
    if frequency is Frequency.YEAR and len(raw) == 4 and raw.isdigit():
        return dt.date(int(raw), 1, 1)
    if frequency is Frequency.MONTH and len(raw) == 6 and raw.isdigit():
        return dt.date(int(raw[:4]), int(raw[4:]), 1)
    year, month = record.get("refYear"), record.get("refMonth")
    if isinstance(year, int) and frequency is Frequency.YEAR:
        return dt.date(year, 1, 1)
    if isinstance(year, int) and isinstance(month, int) and 1 <= month <= 12:
        return dt.date(year, month, 1)
    raise BadResponse(f"UN Comtrade sent a record without a readable period: {raw!r}")


def _edition(record: Mapping[str, Any], index: int) -> str | None:
    """A product record's HS edition from its classificationCode (H0 = HS92 ... H6 = HS22)."""
    from tradecli import editions

    code = record.get("classificationCode")
    try:
        return editions.parse(None if code is None else str(code))
    except ValueError as exc:
        raise BadResponse(f"UN Comtrade record #{index}: {exc}") from None


def parse_records(
    records: Iterable[Any],
    codes: CountryCodes,
    frequency: Frequency,
    products: Sequence[str],
    source: str,
    left_out: dict[str, int] | None = None,
    refused: dict[str, int] | None = None,
) -> pl.DataFrame:
    """Rows that are totals on every breakdown dimension -> the canonical flows schema.

    Rows whose partner is a listed area that is no country ("Areas, nes") are left
    out and counted in ``left_out`` (area name -> rows), for the output to say; product
    rows whose ``qty`` or ``netWgt`` is no finite, non-negative number keep it as null,
    counted in ``refused`` (field -> rows), likewise.
    """
    import polars as pl

    from tradecli.quantities import comtrade_quantity

    names = [n for n in schema.FLOWS_SCHEMA.names() if n not in schema.LATER_COLUMNS]
    rows: dict[str, list[str | float | dt.date | None]] = {name: [] for name in names}
    reported: dict[str, list[str | None]] = {"qty": [], "qtyUnitAbbr": [], "netWgt": []}
    hs_editions: list[str | None] = []  # classificationCode (H0..H6) of product rows
    arguments = {"qty": "qty", "qtyUnitAbbr": "unit", "netWgt": "net_weight"}
    wanted = {p.upper() for p in products}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise BadResponse(f"UN Comtrade record #{index} is not an object")
        flow = record.get("flowCode")
        if flow not in (EXPORT, IMPORT) or not _is_total_row(record):
            continue  # re-exports, re-imports and breakdown rows are not part of X/M totals
        product = str(record.get("cmdCode") or "").upper()
        if not _asked(product, wanted):
            continue
        freq = record.get("freqCode")
        if freq is not None and freq != ("A" if frequency is Frequency.YEAR else "M"):
            raise BadResponse(f"UN Comtrade sent frequency {freq!r} for a {frequency} query")
        reporter = codes.iso3(record.get("reporterCode"), "reporter")
        area = _area(codes, record.get("partnerCode"))
        if area is not None:
            if left_out is not None:
                left_out[area] = left_out.get(area, 0) + 1
            continue
        partner = codes.iso3(record.get("partnerCode"), "partner")
        value = record.get("primaryValue")
        if value is None:
            continue  # a missing value stays missing, never an invented zero
        number = trade_value(value, f"UN Comtrade record #{index}")
        exporter, importer = (reporter, partner) if flow == EXPORT else (partner, reporter)
        rows["exporter"].append(exporter)
        rows["importer"].append(importer)
        rows["reporter"].append(reporter)
        rows["period"].append(_record_period(record, frequency))
        rows["frequency"].append(frequency.value)
        rows["product"].append(schema.TOTAL if product == "TOTAL" else product)
        rows["value"].append(number)
        rows["currency"].append("USD")
        rows["source"].append(source)
        hs_editions.append(None if product == "TOTAL" else _edition(record, index))
        for key, column in reported.items():
            given = record.get(key)
            if key in AMOUNTS:
                given, bad = answer_quantity(given)
                if bad and product != "TOTAL" and refused is not None:
                    refused[key] = refused.get(key, 0) + 1
            column.append(None if given is None else str(given))
    # qty in its unit, else netWgt in kg, else null: the rule the file importer uses too.
    quantity, unit = comtrade_quantity(
        **{arguments[k]: pl.lit(pl.Series(c, dtype=pl.String)) for k, c in reported.items()},
        value=pl.col("value"),
        product=pl.col("product"),
    )
    frame = schema.conform(
        pl.DataFrame(rows, schema={n: schema.FLOWS_SCHEMA[n] for n in names}).with_columns(
            quantity, unit, hs_edition=pl.Series(hs_editions, dtype=pl.String)
        )
    )
    keys = ["exporter", "importer", "reporter", "period", "product"]
    if frame.select(pl.struct(keys).is_duplicated().any()).item():
        raise BadResponse("UN Comtrade sent the same total flow twice for one period")
    return frame


def _asked(product: str, wanted: set[str]) -> bool:
    """Whether ``product`` was asked for: by its code, or as one of every code of its
    length (``AG2``: every HS chapter, ``AG4``, ``AG6``)."""
    return product in wanted or (product.isdigit() and f"AG{len(product)}" in wanted)


def _area(codes: CountryCodes, code: Any) -> str | None:
    try:
        number = int(code)
    except (TypeError, ValueError):
        return None
    if number in codes.partners or number in FALLBACK_CODES.values():
        return None
    return codes.areas.get(number)


def _body_records(body: Any, shown: str) -> list[Any]:
    if not isinstance(body, dict):
        raise BadResponse(f"unexpected response from UN Comtrade (not an object): {shown}")
    error = body.get("error")
    records = body.get("data")
    if error and not records:
        raise BadResponse(f"UN Comtrade reported an error: {str(error)[:200]}: {shown}")
    if not isinstance(records, list):
        raise BadResponse(f"unexpected response from UN Comtrade (no data list): {shown}")
    return records


def fetch_flows(
    client: ComtradeClient,
    codes: CountryCodes,
    reporter: str,
    partner: str | None,
    start: Period,
    end: Period,
    products: Sequence[str] = ("TOTAL",),
    flows: Sequence[str] = (EXPORT, IMPORT),
    on_request: Callable[[str], None] | None = None,
) -> ComtradeResult:
    """The flows ``reporter`` reports with ``partner`` (None: every partner)."""
    import polars as pl

    if start.frequency is not end.frequency or start > end:
        raise BadResponse(f"cannot ask UN Comtrade for {start}..{end}")  # callers check this
    frequency = start.frequency
    source = source_id(client.endpoint, frequency)
    asked = _periods(start, end)
    pending = [
        Query(
            reporter=codes.reporter_code(reporter),
            partner=None if partner is None else codes.partner_code(partner),
            periods=tuple(asked[i : i + MAX_PERIODS]),
            flows=tuple(flows),
            products=tuple(p.upper() for p in products),
        )
        for i in range(0, len(asked), MAX_PERIODS)
    ]
    path = client.data_path(frequency)
    frames: list[pl.DataFrame] = []
    urls: list[str] = []
    splits = 0
    left_out: dict[str, int] = {}
    refused: dict[str, int] = {}
    fetched_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    while pending:
        query = pending.pop(0)
        params = query.params()
        shown = client.display_url(path, params)
        urls.append(shown)
        if on_request:
            on_request(shown)
        body = client.get_json(path, params, max_bytes=max(1 << 20, client.cap * RECORD_BYTES))
        records = _body_records(body, shown)
        if len(records) >= client.cap:
            smaller = query.split()
            if smaller is None:
                raise SourceUnavailable(
                    f"UN Comtrade's {client.endpoint} answer holds {len(records)} records, its "
                    f"cap, for a single period and flow: it is possibly truncated: {shown}",
                    hint="ask for fewer products or partners, or set COMTRADE_KEY to use the "
                    "data endpoint",
                )
            splits += 1
            pending[:0] = smaller
            continue
        frames.append(
            parse_records(records, codes, frequency, query.products, source, left_out, refused)
        )
    frame = pl.concat(frames) if frames else schema.empty()
    notes = [VALUATION[f] for f in flows if f in VALUATION]
    for area, count in sorted(left_out.items()):
        notes.append(f"{count} row(s) with {area}, an area that is no country, left out")
    for key, count in sorted(refused.items()):
        notes.append(
            f"{count} row(s) with a {key} that is no finite, non-negative number (NaN, "
            "Infinity or negative), not used as a quantity; their values are kept"
        )
    if splits:
        notes.append(
            f"{splits} answer(s) reached the {client.cap}-record cap and were asked again "
            "in smaller parts"
        )
    return ComtradeResult(
        frame=frame.sort("period", "exporter", "importer", "product"),
        endpoint=client.endpoint,
        urls=tuple(urls),
        fetched_at=fetched_at,
        capped_splits=splits,
        reported_by=(reporter,),
        notes=tuple(notes),
    )


def fetch_pair(
    client: ComtradeClient,
    codes: CountryCodes,
    reporter: str,
    partner: str,
    start: Period,
    end: Period,
    products: Sequence[str] = ("TOTAL",),
    mirror: bool = False,
    on_request: Callable[[str], None] | None = None,
) -> ComtradeResult:
    """Both flows between two countries: as ``reporter`` reports them, or, with ``mirror``,
    as ``partner`` reports them (the same goods seen from the other side)."""
    own, other = (partner, reporter) if mirror else (reporter, partner)
    return fetch_flows(
        client, codes, own, other, start, end, products=products, on_request=on_request
    )
