"""The OEC's data model: cubes, levels, ids, and turning responses into flows.

Everything here except ``fetch_pair`` and ``CubeCatalog`` is pure. Level names,
currencies and time ranges are read from cube metadata, not assumed, because
they differ between deployments (see shared/docs/OEC_API.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import polars as pl
from msgspec import Struct, field

from tradecli import periods, schema
from tradecli.answers import trade_value
from tradecli.codes import load_countries
from tradecli.errors import BadResponse, NoData, UsageError
from tradecli.metadata import CachedMetadata
from tradecli.periods import Frequency, Period

VALUE_MEASURE = "Trade Value"
QUANTITY_MEASURE = "Quantity"
IMPORTS_FLOW, EXPORTS_FLOW = 1, 2
_NATIONAL_CUBE = re.compile(r"^trade_[sn]_([a-z]{3})_")

if TYPE_CHECKING:  # the client (and httpx) load only when something is fetched
    from tradecli.client import OECClient


def national_cube_country(cube: str) -> str | None:
    """ISO3 of a national cube's country (trade_s_jpn_m_hs -> JPN), else None."""
    match = _NATIONAL_CUBE.match(cube)
    return match.group(1).upper() if match else None


_ISO_CURRENCY = re.compile(r"^[A-Z]{3}$")


class CubeInfo(Struct, frozen=True):
    """What tradecli needs to know of one cube, read from ``/cubes/<name>``."""

    name: str
    levels: tuple[str, ...]
    currency: str
    currency_stated: bool
    annotations: Mapping[str, Any] = field(default_factory=dict)
    # The cube's Quantity measure and its unit, when it has one (None: no quantities).
    quantity_unit: str | None = None

    def _level(self, *patterns: str) -> str | None:
        for pattern in patterns:
            for level in self.levels:
                if re.fullmatch(pattern, level):
                    return level
        return None

    @property
    def exporter_level(self) -> str | None:
        return self._level(r"Exporter Country", r"Exporter Country.*")

    @property
    def importer_level(self) -> str | None:
        return self._level(r"Importer Country", r"Importer Country.*")

    @property
    def partner_level(self) -> str | None:
        """Partner country of a national cube (whose reporter is the cube's country)."""
        return self._level(r"Country", r"Partner Country", r"Country.*")

    @property
    def flow_level(self) -> str | None:
        return self._level(r"Trade Flow", r"Flow")

    @property
    def time_level(self) -> str:
        level = self._level(r"Time", r"Month") if self.frequency is Frequency.MONTH else None
        return level or self._level(r"Year") or "Year"

    @property
    def frequency(self) -> Frequency:
        if re.search(r"_m(_|$)", self.name) or self._level(r"Month", r"Time"):
            return Frequency.MONTH
        return Frequency.YEAR

    @property
    def product_level(self) -> str | None:
        """The cube's finest HS level (HS6, HS4 or HS2), None when it has no products."""
        return self._level(r"HS6", r"HS4", r"HS2")

    @property
    def bilateral(self) -> bool:
        return self.exporter_level is not None and self.importer_level is not None

    @property
    def reporter(self) -> str | None:
        """ISO3 of the country whose customs data a national cube holds."""
        return national_cube_country(self.name)

    @property
    def official_keys(self) -> bool:
        """'Official' levels key countries by bare ISO3 instead of OEC ids."""
        level = self.exporter_level or self.partner_level or ""
        return level.endswith("Official")


def parse_cube(body: Any, name: str) -> CubeInfo:
    """Read a ``/cubes/<name>`` response (tesseract or mondrian-rest shape)."""
    if not isinstance(body, dict):
        raise BadResponse(f"unexpected metadata for cube {name}: not a JSON object")
    levels: list[str] = []
    for dimension in body.get("dimensions") or []:
        for hierarchy in dimension.get("hierarchies") or []:
            for level in hierarchy.get("levels") or []:
                level_name = level.get("name") if isinstance(level, dict) else None
                if isinstance(level_name, str) and level_name not in levels:
                    levels.append(level_name)
    if not levels:
        raise BadResponse(f"unexpected metadata for cube {name}: no levels")
    raw_annotations = body.get("annotations")
    annotations: dict[str, Any] = raw_annotations if isinstance(raw_annotations, dict) else {}
    currency = quantity_unit = None
    for measure in body.get("measures") or []:
        if isinstance(measure, dict) and measure.get("name") == VALUE_MEASURE:
            currency = _currency(measure.get("annotations") or {})
        if isinstance(measure, dict) and measure.get("name") == QUANTITY_MEASURE:
            # BACI's quantities are documented in metric tons; another cube's unit must
            # be stated, or its quantities are not read (never a guessed unit).
            unit = _currency(measure.get("annotations") or {})
            quantity_unit = unit or ("t" if "baci" in name else None)
    currency = currency or _currency(annotations)
    stated = currency is not None
    if currency is None:
        # BACI is documented as USD; any other cube without a stated currency gets
        # ISO 4217's "no currency" code so it can never be mixed with USD figures.
        currency = "USD" if "baci" in name else "XXX"
    return CubeInfo(
        name=name,
        levels=tuple(levels),
        currency=currency,
        currency_stated=stated,
        annotations=dict(annotations),
        quantity_unit=quantity_unit,
    )


def _currency(annotations: Mapping[str, Any]) -> str | None:
    for key in ("currency", "units_of_measurement", "unit", "units"):
        value = annotations.get(key)
        if isinstance(value, str) and value.strip():
            text = value.strip()
            return text.upper() if _ISO_CURRENCY.match(text.upper()) else text
    return None


def parse_cube_names(body: Any) -> list[str]:
    """``/cubes``: ``{"cubes": [{"name": ...}]}`` or a bare list."""
    items = body.get("cubes") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise BadResponse("unexpected response from /cubes: no list of cubes")
    names = [item.get("name") if isinstance(item, dict) else item for item in items]
    return [n for n in names if isinstance(n, str)]


def parse_members(body: Any) -> list[int]:
    """``/members``: ``{"data": [{"ID": ...}]}`` or ``{"members": [{"key": ...}]}``."""
    items = None
    if isinstance(body, dict):
        items = body.get("members", body.get("data"))
    if not isinstance(items, list):
        raise BadResponse("unexpected response from /members: no list of members")
    keys = []
    for item in items:
        raw = next((item[k] for k in ("ID", "id", "key", "Key") if k in item), None)
        if raw is not None and str(raw).isdigit():
            keys.append(int(raw))
    return sorted(keys)


def periods_between(start: Period, end: Period) -> list[Period]:
    """Every period from ``start`` to ``end`` (at least ``start``), stepped by periods.py."""
    return list(periods.periods_between(start, end)) or [start]


class PairQuery(Struct, frozen=True):
    """One normalised request: a pair, a cube, a frequency and a closed period range."""

    reporter: str
    partner: str
    cube: str
    start: Period
    end: Period
    products: str | None = None  # the HS level drilled down to (HS6...); None: total trade

    @property
    def frequency(self) -> Frequency:
        return self.start.frequency

    def key(self) -> str:
        """Stable cache key; never contains a token or anything user-specific. A product
        fetch has its own: it never replaces, nor stands for, the pair's total trade."""
        a, b = sorted((self.reporter, self.partner))
        key = f"{self.cube}__{a}-{b}__{self.start}_{self.end}"
        return key + (f"__{self.products}" if self.products else "")


def _country_key(iso3: str, cube: CubeInfo) -> str:
    if cube.official_keys:
        return iso3
    return load_countries().by_iso3[iso3].oec_id


def build_params(query: PairQuery, cube: CubeInfo, legacy: bool) -> dict[str, str]:
    """Query parameters for the data endpoint (paging added by the client)."""
    time_level = cube.time_level
    span = periods_between(query.start, query.end)
    if time_level == "Month" and "Year" in cube.levels:
        # Month ids 1-12 only mean something with their Year: cut on years, drill both,
        # and let the caller trim months outside the range.
        drilldowns = ["Year", "Month"]
        cuts = {"Year": ",".join(sorted({str(p.year) for p in span}))}
    else:
        drilldowns = [time_level]
        cuts = {time_level: ",".join(str(time_key(p, cube)) for p in span)}
    both = ",".join(_country_key(c, cube) for c in (query.reporter, query.partner))
    if cube.bilateral:
        assert cube.exporter_level and cube.importer_level
        drilldowns += [cube.exporter_level, cube.importer_level]
        cuts[cube.exporter_level] = both
        cuts[cube.importer_level] = both
    else:
        own = cube.reporter
        if own not in (query.reporter, query.partner) or not cube.partner_level:
            raise UsageError(
                f"cube {cube.name} holds neither {query.reporter}'s nor {query.partner}'s own data",
                hint="choose a bilateral cube or the national cube of one of the two countries",
            )
        other = query.partner if own == query.reporter else query.reporter
        drilldowns.append(cube.partner_level)
        if cube.flow_level:
            drilldowns.append(cube.flow_level)
        cuts[cube.partner_level] = _country_key(other, cube)
    measures = [VALUE_MEASURE]
    if query.products:
        drilldowns.append(query.products)
        if cube.quantity_unit:
            measures.append(QUANTITY_MEASURE)
    params = {
        "cube": cube.name,
        "drilldowns": ",".join(drilldowns),
        "measures": ",".join(measures),
    }
    if legacy:
        params.update(cuts)
    else:
        params["include"] = ";".join(f"{level}:{keys}" for level, keys in cuts.items())
    return params


def time_key(period: Period, cube: CubeInfo) -> int:
    if period.month is None:
        return period.year
    return period.year * 100 + period.month


def _iso3_from_id(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    table = load_countries()
    if text.lower() == text and len(text) == 5 and f"oec:{text}" in table.by_key:
        return table.by_key[f"oec:{text}"]
    if text.upper() in table.by_iso3:
        return text.upper()
    if text.isdigit():
        return table.by_key.get(f"m49:{int(text)}")
    return table.by_key.get(f"oec:{text.lower()}")


def hs_code_from_id(raw: Any, digits: int) -> str:
    """Section-prefixed OEC product id -> HS code: 178703 (HS4) -> '8703'."""
    number = int(raw)
    return str(number % 10**digits).zfill(digits)


def _column(record: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in record:
            return record[name]
    return None


def _period_start(record: Mapping[str, Any], cube: CubeInfo) -> dt.date | None:
    if cube.frequency is Frequency.YEAR:
        year = _column(record, "Year ID", "Year")
        return dt.date(int(year), 1, 1) if year is not None and str(year).isdigit() else None
    raw = _column(record, "Time ID", "Month ID", "Time", "Month")
    if raw is None:
        return None
    text = str(raw).replace("-", "").strip()
    if not text.isdigit():
        return None
    number = int(text)
    if number > 9999:
        return dt.date(number // 100, number % 100, 1)
    if 1 <= number <= 12:  # a bare month number; the year is in its own column
        year = _column(record, "Year ID", "Year")
        return dt.date(int(year), number, 1) if year is not None else None
    return None


def parse_records(
    records: Iterable[Mapping[str, Any]],
    cube: CubeInfo,
    source_id: str,
    products: str | None = None,
) -> pl.DataFrame:
    """Turn ``data.jsonrecords`` rows into the canonical flows schema.

    ``products`` (an HS level, e.g. ``HS6``): the rows are drilled down to it, and carry
    the cube's quantities where it has them, and the HS edition its name states; else
    they are TOTAL rows, without quantity or edition (all goods are the same in every
    HS edition).
    """
    names = [n for n in schema.FLOWS_SCHEMA.names() if n != schema.EDITION]
    rows: dict[str, list[str | float | dt.date | None]] = {name: [] for name in names}
    digits = int(products[2:]) if products else 0
    frequency = cube.frequency.value
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise BadResponse(f"unexpected record #{index} from cube {cube.name}: not an object")
        value = _column(record, VALUE_MEASURE)
        start = _period_start(record, cube)
        if cube.bilateral:
            exporter = _iso3_from_id(
                _column(record, f"{cube.exporter_level} ID", "Exporter Country ID", "Country ID")
            )
            importer = _iso3_from_id(
                _column(
                    record, f"{cube.importer_level} ID", "Importer Country ID", "Partner Country ID"
                )
            )
            reporter = None
        else:
            own = cube.reporter
            other = _iso3_from_id(_column(record, f"{cube.partner_level} ID", "Country ID"))
            flow = _column(record, "Trade Flow ID", "Flow ID", "Trade Flow")
            if flow is None or str(flow) not in ("1", "2") or other is None:
                exporter = importer = None
            elif int(flow) == EXPORTS_FLOW:
                exporter, importer = own, other
            else:
                exporter, importer = other, own
            reporter = own
        if exporter is None or importer is None or start is None:
            raise BadResponse(
                f"unexpected record #{index} from cube {cube.name}: cannot read country, flow or "
                f"period from columns {sorted(record)[:8]}",
                hint="the API's response format may have changed",
            )
        if value is None:
            continue  # a missing value stays missing: no row, never an invented zero
        number = trade_value(value, f"record #{index} from cube {cube.name}")
        if exporter == importer:
            continue
        product, quantity = schema.TOTAL, None
        if products:
            raw = _column(record, f"{products} ID")
            if raw is None or not str(raw).isdigit():
                raise BadResponse(
                    f"unexpected record #{index} from cube {cube.name}: no {products} ID",
                    hint="the API's response format may have changed",
                )
            product = hs_code_from_id(raw, digits)
            amount = _column(record, QUANTITY_MEASURE) if cube.quantity_unit else None
            if amount is not None:
                quantity = trade_value(amount, f"record #{index}'s quantity from {cube.name}")
        rows["exporter"].append(exporter)
        rows["importer"].append(importer)
        rows["reporter"].append(reporter)
        rows["period"].append(start)
        rows["frequency"].append(frequency)
        rows["product"].append(product)
        rows["value"].append(number)
        rows["currency"].append(cube.currency)
        rows["source"].append(source_id)
        rows["quantity"].append(quantity)
        rows["quantity_unit"].append(None if quantity is None else cube.quantity_unit)
    frame = schema.conform(pl.DataFrame(rows, schema={n: schema.FLOWS_SCHEMA[n] for n in names}))
    if products:
        from tradecli.editions import of_cube

        edition = pl.lit(of_cube(cube.name), pl.String)
        frame = frame.with_columns(
            pl.when(pl.col("product") != schema.TOTAL).then(edition).alias(schema.EDITION)
        )
    keys = ["exporter", "importer", "reporter", "period", "product"]
    if frame.select(pl.struct(keys).is_duplicated().any()).item():
        raise BadResponse(f"cube {cube.name} returned the same flow twice for one period")
    return frame


def source_id_for(cube: str) -> str:
    return f"oec:{cube}"


class CubeCatalog(CachedMetadata):
    """Cube names and metadata, asked of the API once per run (and cached by the caller)."""

    def names(self) -> list[str]:
        return parse_cube_names(self._get("cubes", "cubes"))

    def cube(self, name: str) -> CubeInfo:
        known = self.names()
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, known, n=3)
            raise UsageError(
                f"the OEC has no cube named {name!r}",
                hint=f"did you mean {', '.join(close)}?" if close else "see the OEC's cube list",
            )
        return parse_cube(self._get(f"cube-{name}", f"cubes/{name}"), name)

    def time_members(self, cube: CubeInfo) -> list[int]:
        """Time keys of the cube: years, or months as YYYYMM.

        On cubes whose Month ids are 1-12 the months only exist within a Year, so
        every month of every listed year is returned; the data trim the rest.
        """
        level = cube.time_level
        if level == "Month" and "Year" in cube.levels:
            years = self._members(cube, "Year")
            return [year * 100 + month for year in years for month in range(1, 13)]
        return self._members(cube, level)

    def _members(self, cube: CubeInfo, level: str) -> list[int]:
        body = self._get(
            f"members-{cube.name}-{level}", "members", {"cube": cube.name, "level": level}
        )
        return parse_members(body)

    def monthly_cube_for(self, reporter: str, partner: str) -> str:
        """The reporter's own national cube if the OEC has one, else the partner's (mirror)."""
        names = set(self.names())
        for iso3 in (reporter, partner):
            candidate = f"trade_s_{iso3.lower()}_m_hs"
            if candidate in names:
                return candidate
        raise NoData(
            f"the OEC has no monthly cube for {reporter} or {partner}",
            hint="monthly data come from national customs cubes; use annual periods (YYYY) "
            "for BACI data, or set api.monthly_cube",
        )


def covered_periods(members: list[int], frequency: Frequency) -> list[Period]:
    out = []
    for key in members:
        if frequency is Frequency.YEAR and 1000 <= key <= 9999:
            out.append(Period(key))
        elif frequency is Frequency.MONTH and key > 9999:
            out.append(Period(key // 100, key % 100))
    return out


class FetchResult(Struct, frozen=True):
    query: PairQuery
    cube: CubeInfo
    frame: pl.DataFrame
    url: str  # without token
    annotations: Mapping[str, Any]


def fetch_pair(
    client: OECClient,
    catalog: CubeCatalog,
    reporter: str,
    partner: str,
    start: Period | None,
    end: Period | None,
    cube_name: str | None,
    on_page: Callable[[int, int | None], None] | None = None,
    products: bool = False,
) -> FetchResult:
    """Fetch both flows between two countries for a period range from the OEC.

    ``products``: drilled down to the cube's finest HS level (the flow product by
    product), with its quantities where it has them; a cube without products is NoData.
    """
    known = start or end
    frequency = known.frequency if known else Frequency.MONTH
    if cube_name is None:
        if frequency is Frequency.MONTH:
            cube_name = client.config.monthly_cube or catalog.monthly_cube_for(reporter, partner)
        else:
            cube_name = client.config.annual_cube
    cube = catalog.cube(cube_name)
    if cube.frequency is not frequency and (start or end):
        raise UsageError(
            f"cube {cube.name} is {cube.frequency.value}ly but the periods asked for are "
            f"{frequency.value}s",
            hint="use YYYY periods with annual cubes and YYYY-MM with monthly ones",
        )
    if start is None or end is None:
        # Only an open end needs the cube's time members; given periods are asked as given
        # (a failing metadata call must not stand between the user and data asked for).
        available = covered_periods(catalog.time_members(cube), cube.frequency)
        if not available:
            raise NoData(f"cube {cube.name} lists no {cube.frequency.value}s")
        end = end or available[-1]
        start = start or end.shift_years(-1)
        if start > available[-1] or end < available[0]:
            # An open end is the cube's last period, which can lie before --from.
            raise NoData(
                f"cube {cube.name} does not cover {start}, which is after its last period"
                if start > available[-1]
                else f"cube {cube.name} does not cover {start}..{end}",
                hint=f"it covers {available[0]}..{available[-1]}",
            )
        start, end = max(start, available[0]), min(end, available[-1])
    level = cube.product_level if products else None
    if products and level is None:
        raise NoData(
            f"cube {cube.name} holds no products (no HS2, HS4 or HS6 level)",
            hint="choose a cube with products (--cube), or another source",
        )
    query = PairQuery(
        reporter=reporter, partner=partner, cube=cube.name, start=start, end=end, products=level
    )
    params = build_params(query, cube, legacy=client.config.api_style.value == "legacy")
    frames = []
    fetched = 0
    annotations: Mapping[str, Any] = cube.annotations
    for page in client.pages("data.jsonrecords", params):
        frames.append(parse_records(page.records, cube, source_id_for(cube.name), level))
        fetched += len(page.records)
        if isinstance(page.body.get("annotations"), dict):
            annotations = page.body["annotations"]
        if on_page:
            on_page(fetched, page.total)
    frame = pl.concat(frames) if frames else schema.empty()
    frame = frame.filter(pl.col("period").is_between(start.start, end.start))
    return FetchResult(
        query=query,
        cube=cube,
        frame=frame,
        url=client.display_url("data.jsonrecords", params),
        annotations=dict(annotations),
    )
