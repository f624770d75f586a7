"""The cache read path (tradecli.cache): which entries are read, merged and trusted.

Real parquet files in a temp cache, written with ``Cache.put``. Pinned after a
mutation run (docs/MUTATION.md).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from tradecli import schema
from tradecli.cache import Cache, Entry
from tradecli.periods import Frequency, Period

T0 = dt.datetime(2025, 9, 1, 12, 0, tzinfo=dt.UTC)


def _flows(
    value: float, source: str = "oec", period: dt.date = dt.date(2024, 8, 1)
) -> pl.DataFrame:
    row = {
        "exporter": "PAK",
        "importer": "JPN",
        "reporter": "PAK",
        "period": period,
        "frequency": "month",
        "product": "TOTAL",
        "value": value,
        "currency": "USD",
        "source": source,
    }
    return pl.DataFrame([row], schema=schema.FLOWS_SCHEMA).select(schema.FLOWS_SCHEMA.names())


def _put(
    cache: Cache, key: str, frame: pl.DataFrame, fetched_at: dt.datetime, **extra: object
) -> Path:
    args: dict[str, object] = {
        "reporter": "PAK",
        "partner": "JPN",
        "source": "oec",
        "dataset": "trade_m",
        "start": Period(2024, 8),
        "end": Period(2024, 8),
        "url": "https://example.invalid/q",
        "currency": "USD",
        "annotations": {},
        "fetched_at": fetched_at,
        **extra,
    }
    return cache.put(key, frame, **args)  # type: ignore[arg-type]


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def cache(tmp_path: Path, warnings: list[str]) -> Cache:
    return Cache(tmp_path / "cache", warn=warnings.append)


def test_the_newest_fetch_wins_when_two_entries_hold_the_same_flow(cache: Cache) -> None:
    _put(cache, "old", _flows(1.0), T0)
    _put(cache, "new", _flows(2.0), T0 + dt.timedelta(hours=1))
    _put(cache, "older", _flows(3.0), T0 - dt.timedelta(hours=1))
    got = cache.scan(cache.entries()).collect()
    assert got["value"].to_list() == [2.0]  # one figure, the newest; never a sum


def test_entries_of_different_flows_are_all_read(cache: Cache) -> None:
    _put(cache, "a", _flows(1.0), T0)
    _put(cache, "b", _flows(2.0, period=dt.date(2024, 9, 1)), T0 + dt.timedelta(hours=1))
    _put(cache, "c", _flows(3.0, source="files"), T0 - dt.timedelta(hours=1))
    got = cache.scan(cache.entries()).collect().sort("value")
    assert got["value"].to_list() == [1.0, 2.0, 3.0]
    two = cache.entries()[:2]
    assert sorted(cache.scan(two).collect()["value"].to_list()) == [1.0, 2.0]


def test_no_entries_scan_as_an_empty_frame_of_the_flows_schema(cache: Cache) -> None:
    assert cache.entries() == []
    got = cache.scan([]).collect()
    assert got.is_empty()
    assert dict(got.schema) == dict(schema.FLOWS_SCHEMA)


def test_a_truncated_entry_is_skipped_with_a_warning_naming_it(
    cache: Cache, warnings: list[str]
) -> None:
    _put(cache, "good", _flows(1.0), T0)
    bad = _put(cache, "bad", _flows(2.0, period=dt.date(2024, 9, 1)), T0 + dt.timedelta(hours=1))
    entries = cache.entries()
    assert len(entries) == 2
    bad.write_bytes(bad.read_bytes()[:-10])  # truncated after its metadata was read
    got = cache.scan(entries).collect()
    assert got["value"].to_list() == [1.0]
    assert warnings == ["cache entry bad.parquet is unreadable (ValueError); ignoring it"]


def test_an_unreadable_entry_is_a_miss_with_a_warning_never_a_crash(
    cache: Cache, warnings: list[str]
) -> None:
    _put(cache, "good", _flows(1.0), T0)
    (cache.flows_dir / "junk.parquet").write_bytes(b"not parquet")
    (entry,) = cache.entries()
    assert entry.key == "good"
    assert len(warnings) == 1
    assert warnings[0].startswith("cache entry junk.parquet is unreadable (")
    assert warnings[0].endswith("); ignoring it")


def test_an_entry_reads_back_as_written(cache: Cache) -> None:
    path = _put(
        cache, "k", _flows(1.0), T0, kind="import", countries=("JPN", "PAK"),
        annotations={"coverage": "total"}, source="files", dataset="a.csv",
    )  # fmt: skip
    (entry,) = cache.entries()
    assert entry.path == path and entry.files == (path,)
    assert (entry.key, entry.reporter, entry.partner) == ("k", "PAK", "JPN")
    assert (entry.source, entry.dataset, entry.kind) == ("files", "a.csv", "import")
    assert (entry.start, entry.end, entry.fetched_at) == (Period(2024, 8), Period(2024, 8), T0)
    assert entry.countries == ("JPN", "PAK")
    assert entry.annotations == {"coverage": "total"}
    assert entry.rows == 1 and entry.size == path.stat().st_size > 0
    assert entry.currency == "USD" and entry.url == "https://example.invalid/q"


# -- which entries answer a question, and for how long -------------------------------


AUG24 = Period(2024, 8)


def _entry(kind: str = "fetch", end: Period = AUG24, **extra: object) -> Entry:
    fields: dict[str, object] = {
        "path": Path("x.parquet"),
        "key": "x",
        "reporter": "PAK",
        "partner": "JPN",
        "dataset": "trade_m",
        "start": Period(end.year, 1) if end.month else Period(end.year - 1),
        "end": end,
        "fetched_at": T0,
        "url": "",
        "currency": "USD",
        "annotations": {},
        "rows": 1,
        "size": 1,
        "kind": kind,
        **extra,
    }
    return Entry(**fields)  # type: ignore[arg-type]


DAY = 86_400.0


def test_recent_data_expire_after_the_recent_ttl_closed_years_after_the_closed_one() -> None:
    recent = _entry(end=Period(2024, 8))  # last year, seen from 2025: may still be revised
    closed = _entry(end=Period(2023, 12))
    for age, fresh_recent, fresh_closed in (
        (dt.timedelta(hours=23), True, True),
        (dt.timedelta(days=1), False, True),  # exactly the TTL: expired
        (dt.timedelta(days=89), False, True),
        (dt.timedelta(days=90), False, False),
    ):
        now = T0 + age
        assert recent.is_fresh(now, DAY, 90 * DAY) is fresh_recent, age
        assert closed.is_fresh(now, DAY, 90 * DAY) is fresh_closed, age


def test_an_imported_file_never_expires() -> None:
    entry = _entry(kind="import", countries=("JPN", "PAK"))
    assert entry.is_fresh(T0 + dt.timedelta(days=3650), DAY, DAY)


def test_cache_fresh_uses_its_ttls_and_the_clock(cache: Cache) -> None:
    entry = _entry(end=Period(2024, 8))
    assert cache.fresh(entry, T0 + dt.timedelta(hours=1))
    assert not cache.fresh(entry, T0 + dt.timedelta(days=2))
    assert not cache.fresh(entry)  # now: long after T0
    long_lived = Cache(cache.root, recent_ttl=3650 * DAY)
    assert long_lived.fresh(entry, T0 + dt.timedelta(days=2))
    closed = _entry(end=Period(2020, 12))
    assert cache.fresh(closed, T0 + dt.timedelta(days=89))
    assert not Cache(cache.root, closed_ttl=DAY).fresh(closed, T0 + dt.timedelta(days=2))


def test_an_entry_covers_a_pair_in_either_order_at_its_own_frequency() -> None:
    fetch = _entry()
    assert fetch.covers(("PAK", "JPN"), Frequency.MONTH)
    assert fetch.covers(("JPN", "PAK"), Frequency.MONTH)
    assert not fetch.covers(("PAK", "JPN"), Frequency.YEAR)
    assert not fetch.covers(("PAK", "USA"), Frequency.MONTH)
    imported = _entry(kind="import", countries=("CHL", "JPN", "PAK"))
    assert imported.covers(("CHL", "PAK"), Frequency.MONTH)
    assert not imported.covers(("CHL", "USA"), Frequency.MONTH)
    assert imported.involves("CHL") and not imported.involves("USA")
    assert fetch.involves("JPN") and not fetch.involves("CHL")


def test_an_entry_includes_the_periods_from_its_start_to_its_end() -> None:
    entry = _entry(end=Period(2024, 8))  # Jan..Aug 2024
    assert entry.includes(Period(2024, 1)) and entry.includes(Period(2024, 8))
    assert not entry.includes(Period(2023, 12)) and not entry.includes(Period(2024, 9))
    assert not entry.includes(Period(2024))  # a year is not a month


def test_matching_and_involving_read_the_entries(cache: Cache) -> None:
    _put(cache, "pair", _flows(1.0), T0)
    assert [e.key for e in cache.matching(("JPN", "PAK"), Frequency.MONTH)] == ["pair"]
    assert cache.matching(("JPN", "PAK"), Frequency.YEAR) == []
    assert [e.key for e in cache.involving("JPN")] == ["pair"]
    assert cache.involving("USA") == []


def test_a_dataset_directory_reads_back_with_the_size_of_all_its_parts(cache: Cache) -> None:
    other = _flows(2.0).with_columns(exporter=pl.lit("JPN"), importer=pl.lit("PAK"))
    path = cache.put_dataset(
        "ds", [_flows(1.0), other], start=Period(2024, 8), end=Period(2024, 8),
        url="file:a.csv", currency="USD", annotations={}, dataset="a.csv",
    )  # fmt: skip
    (entry,) = cache.entries()
    assert entry.path == path and entry.kind == "import" and entry.dataset == "a.csv"
    parts = sorted(path.glob("part-*.parquet"))
    # TOTAL rows only: one file of totals for both exporters, and nothing else.
    assert [p.name for p in parts] == ["part-totals-000.parquet"] and entry.files == tuple(parts)
    assert entry.size == sum(p.stat().st_size for p in parts)
    assert sorted(cache.scan([entry]).collect()["value"].to_list()) == [1.0, 2.0]


def _product(value: float, product: str, period: dt.date = dt.date(2024, 8, 1)) -> pl.DataFrame:
    return _flows(value, period=period).with_columns(product=pl.lit(product))


def test_totals_are_read_alone_only_when_every_flow_with_products_has_one(cache: Cache) -> None:
    later = dt.date(2024, 9, 1)
    complete = pl.concat([_flows(3.0), _product(1.0, "0101"), _product(2.0, "0202")])
    path = cache.put_dataset(
        "ds", [complete], start=Period(2024, 8), end=Period(2024, 8),
        url="file:a.csv", currency="USD", annotations={}, dataset="a.csv",
    )  # fmt: skip
    (entry,) = cache.entries()
    assert entry.totals == (path / "part-totals-000.parquet",)
    assert cache.scan([entry], totals_only=True).collect()["value"].to_list() == [3.0]
    assert sorted(cache.scan([entry]).collect()["value"].to_list()) == [1.0, 2.0, 3.0]
    # September has products and no TOTAL row: reading the totals alone would hide it.
    partial = pl.concat([complete, _product(5.0, "0101", later)])
    cache.put_dataset(
        "ds", [partial], start=Period(2024, 8), end=Period(2024, 9),
        url="file:a.csv", currency="USD", annotations={}, dataset="a.csv",
    )  # fmt: skip
    (entry,) = cache.entries()
    assert entry.totals is None
    assert sorted(cache.scan([entry], totals_only=True).collect()["value"].to_list()) == [
        1.0, 2.0, 3.0, 5.0,
    ]  # fmt: skip


def test_entries_written_before_kind_source_and_dataset_existed_are_oec_fetches(
    cache: Cache,
) -> None:
    meta = {
        "version": 1, "key": "legacy", "reporter": "PAK", "partner": "JPN", "cube": "trade_m",
        "start": "2024-08", "end": "2024-08", "fetched_at": T0.isoformat(), "url": "u",
        "currency": "USD", "annotations": None, "rows": 1,
    }  # fmt: skip
    cache.flows_dir.mkdir(parents=True)
    _flows(1.0).write_parquet(
        cache.flows_dir / "legacy.parquet", metadata={"tradecli": json.dumps(meta)}
    )
    (entry,) = cache.entries()
    assert (entry.kind, entry.source, entry.dataset) == ("fetch", "oec", "trade_m")
    assert entry.annotations == {} and entry.countries == ()
    assert entry.is_fresh(T0, DAY, DAY)  # a fetch, so it can expire ...
    assert not entry.is_fresh(T0 + dt.timedelta(days=2), DAY, DAY)  # ... and does


def test_an_entry_of_another_format_version_is_ignored(cache: Cache, warnings: list[str]) -> None:
    cache.flows_dir.mkdir(parents=True)
    _flows(1.0).write_parquet(
        cache.flows_dir / "future.parquet", metadata={"tradecli": json.dumps({"version": 2})}
    )
    assert cache.entries() == []
    assert warnings == ["cache entry future.parquet is unreadable (ValueError); ignoring it"]


def test_the_sample_floor_asks_the_totals_files_what_the_cache_holds(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A product answer over a release layers the sample under it: which directions and
    periods the cache holds is read from the TOTAL files (the same keys), never from
    every product file; the answer itself still reads the products."""
    from tradecli.sources.datasets import layered, pair_rows

    complete = pl.concat([_flows(3.0), _product(1.0, "0101"), _product(2.0, "0202")])
    cache.put_dataset(
        "ds", [complete], start=Period(2024, 8), end=Period(2024, 8),
        url="file:a.csv", currency="USD", annotations={}, dataset="a.csv",
    )  # fmt: skip
    (entry,) = cache.entries()
    asked: list[bool] = []
    scan = Cache.scan

    def spy(self: Cache, entries: list, *, totals_only: bool = False, **kw) -> pl.LazyFrame:
        asked.append(totals_only)
        return scan(self, entries, totals_only=totals_only, **kw)

    monkeypatch.setattr(Cache, "scan", spy)
    dataset = layered(cache, [entry], "cache", pair_rows("PAK", "JPN"))
    assert asked == [False, True]  # the answer's scan, then the floor's question
    frame = dataset.flows.filter(pl.col("period") == dt.date(2024, 8, 1)).collect()
    held = frame.filter(pl.col("exporter") == "PAK")
    assert sorted(held["value"].to_list()) == [1.0, 2.0, 3.0]  # the sample hides nothing
    assert set(held["source"]) == {"oec"}
    # The direction the cache does not hold is the sample's, as before.
    other = frame.filter(pl.col("exporter") == "JPN")
    assert other.height and "oec" not in set(other["source"])


def test_a_pair_opens_only_the_files_of_its_exporters(cache: Cache) -> None:
    """A dataset directory lists each file's first and last exporter; a question about
    two countries reads their files alone, with the same rows as reading them all."""
    parts = [
        _flows(float(n)).with_columns(exporter=pl.lit(code), importer=pl.lit("JPN"))
        for n, code in enumerate(["AUS", "CHN", "PAK", "USA"], start=1)
    ]
    cache.put_dataset(
        "ds", [pl.concat([p, p.with_columns(product=pl.lit("0101"))]) for p in parts],
        start=Period(2024, 8), end=Period(2024, 8),
        url="file:a.csv", currency="USD", annotations={}, dataset="a.csv",
    )  # fmt: skip
    (entry,) = cache.entries()
    assert entry.exporters is not None
    assert entry.exporters["part-PAK.parquet"] == ("PAK", "PAK")
    files = [f.name for f in entry.files_of(entry.files, ("PAK", "JPN"))]
    assert files == ["part-PAK.parquet", "part-totals-000.parquet"]
    pair = pl.col("exporter").is_in(["PAK", "JPN"])
    every = cache.scan([entry]).filter(pair).collect().sort("product")
    pruned = cache.scan([entry], exporters=("PAK", "JPN")).filter(pair).collect()
    assert pruned.sort("product").equals(every) and every.height == 2
    # FRA is inside the totals file's range (AUS..USA), in no country's file.
    assert [f.name for f in entry.files_of(entry.files, ("FRA",))] == ["part-totals-000.parquet"]
