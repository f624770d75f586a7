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


# -- damaged and older entries (issue #20) ----------------------------------------------


def _release(cache: Cache, codes: tuple[str, ...] = ("AUS", "CHN", "PAK")) -> Path:
    """A dataset directory with one file per exporter (TOTAL and product 0101 each, to
    JPN) and the TOTAL rows in a file of their own; exporter n's figures are n and 10n."""
    parts = [
        pl.concat([_flows(float(n)), _product(10.0 * n, "0101")]).with_columns(
            exporter=pl.lit(code), importer=pl.lit("JPN")
        )
        for n, code in enumerate(codes, start=1)
    ]
    return cache.put_dataset(
        "ds", parts, start=Period(2024, 8), end=Period(2024, 8),
        url="file:a.csv", currency="USD", annotations={}, dataset="a.csv",
    )  # fmt: skip


def _cut(data: bytes) -> dict[str, bytes]:
    """A parquet file's bytes as a disk or a killed copy could leave them."""
    return {
        "cut mid-footer": data[:-10],
        "cut to 3 bytes": data[:3],
        "zero bytes": b"",
        "magic only at the start": data[:-4],
        "last byte of the magic gone": data[:-1],
        "magic only at the start, same length": data[:-4] + b"PAR0",
    }


@pytest.mark.parametrize(
    "damage",
    [
        "cut mid-footer",
        "cut to 3 bytes",
        "zero bytes",
        "magic only at the start",
        "last byte of the magic gone",
        "magic only at the start, same length",
    ],
)
def test_a_damaged_file_of_a_dataset_skips_the_entry_with_a_warning_never_a_crash(
    cache: Cache, warnings: list[str], damage: str
) -> None:
    """The files of a dataset directory are opened only when a question reads them: a
    damaged one is found then, and the entry is a miss with a warning naming it, never
    a traceback nor the other files' rows passed off as the whole entry."""
    path = _release(cache)
    _put(cache, "pair", _flows(7.0), T0)  # another entry, which still answers
    entries = cache.entries()
    assert warnings == [] and len(entries) == 2
    damaged = path / "part-CHN.parquet"
    damaged.write_bytes(_cut(damaged.read_bytes())[damage])
    got = cache.scan(entries).collect()
    assert got.select("exporter", "product", "value").rows() == [("PAK", "TOTAL", 7.0)]
    (warning,) = warnings
    kind = "OSError" if len(damaged.read_bytes()) < 4 else "ValueError"
    assert warning == f"cache entry ds.dataset is unreadable ({kind}); ignoring it"


def test_a_pair_never_opens_the_files_of_other_exporters(cache: Cache, warnings: list[str]) -> None:
    """With the exporters asked, a file listed as holding none of them is not opened:
    another exporter's damaged file neither hides the pair's figures nor warns."""
    path = _release(cache)
    (entry,) = cache.entries()
    (path / "part-AUS.parquet").write_bytes(b"")
    got = cache.scan([entry], exporters=("PAK", "JPN")).filter(pl.col("exporter") == "PAK")
    assert sorted(got.collect().select("product", "value").rows()) == [
        ("0101", 30.0), ("TOTAL", 3.0),
    ]  # fmt: skip
    assert warnings == []
    cache.scan([entry]).collect()  # every file: the damaged one is found
    assert warnings == ["cache entry ds.dataset is unreadable (OSError); ignoring it"]


def test_a_dataset_without_exporter_ranges_is_read_whole(cache: Cache, warnings: list[str]) -> None:
    """A dataset directory written before each file's exporters were listed, or whose
    list is not a mapping, is read with every file opened, never skipped."""
    path = _release(cache)
    meta_path = path / "_entry.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    for listed in (None, ["part-PAK.parquet", "PAK", "PAK"]):
        if listed is None:
            meta.pop("exporters")
        else:
            meta["exporters"] = listed
        meta_path.write_text(json.dumps(meta), "utf-8")
        (entry,) = cache.entries()
        assert warnings == [] and entry.exporters is None
        assert len(entry.files_of(entry.files, ("PAK",))) == 4  # three exporters, the totals
        got = cache.scan([entry], exporters=("PAK", "JPN")).collect()
        assert got.height == 6  # every file read: three exporters, two rows each


def _legacy_file(cache: Cache, name: str, frame: pl.DataFrame, **meta: object) -> Path:
    """An entry as an older tradecli wrote it: the same layout and metadata, without the
    mark of checked amounts, holding whatever columns ``frame`` has."""
    described = {
        "version": 1, "key": name, "reporter": "PAK", "partner": "JPN", "source": "oec",
        "dataset": "trade_m", "start": "2024-08", "end": "2024-08",
        "fetched_at": T0.isoformat(), "url": "u", "currency": "USD", "annotations": {},
        "rows": frame.height, "kind": "fetch", "countries": [], **meta,
    }  # fmt: skip
    cache.flows_dir.mkdir(parents=True, exist_ok=True)
    path = cache.flows_dir / f"{name}.parquet"
    frame.write_parquet(path, metadata={"tradecli": json.dumps(described)})
    return path


@pytest.mark.parametrize("missing", ["value", "currency", "exporter", "period", "source"])
def test_an_entry_missing_a_required_column_is_skipped_never_read_as_nulls(
    cache: Cache, warnings: list[str], missing: str
) -> None:
    """Quantities and editions may be absent (older entries); any other column missing
    makes the entry unreadable: a missing value must never read as "no figure"."""
    _legacy_file(cache, "broken", _flows(5.0).drop(missing))
    _put(cache, "good", _flows(1.0, period=dt.date(2024, 9, 1)), T0)
    got = cache.scan(cache.entries()).collect()
    assert got.select("period", "value").rows() == [(dt.date(2024, 9, 1), 1.0)]
    assert warnings == ["cache entry broken.parquet is unreadable (ValueError); ignoring it"]


def test_an_older_entry_without_quantities_or_editions_reads_them_as_nulls(
    cache: Cache, warnings: list[str]
) -> None:
    """An entry written before quantities and editions were kept holds exactly the
    required columns: it reads in the full schema, the later columns null, merged with a
    newer entry that has them."""
    old = pl.concat([_flows(5.0), _product(2.0, "0101")]).drop(schema.LATER_COLUMNS)
    assert set(old.columns) == set(schema.FLOWS_SCHEMA) - set(schema.LATER_COLUMNS)
    _legacy_file(cache, "old", old)
    newer = _product(4.0, "0202", dt.date(2024, 9, 1)).with_columns(
        quantity=pl.lit(9.0), quantity_unit=pl.lit("kg"), hs_edition=pl.lit("HS17")
    )
    _put(cache, "new", newer, T0 + dt.timedelta(hours=1))
    (old_entry,) = [e for e in cache.entries() if e.key == "old"]
    alone = cache.scan([old_entry]).collect()
    assert dict(alone.schema) == dict(schema.FLOWS_SCHEMA)
    assert sorted(alone.select("product", "value", *schema.LATER_COLUMNS).rows()) == [
        ("0101", 2.0, None, None, None), ("TOTAL", 5.0, None, None, None),
    ]  # fmt: skip
    both = cache.scan(cache.entries()).collect()
    assert dict(both.schema) == dict(schema.FLOWS_SCHEMA)
    assert sorted(both.select("product", "value", *schema.LATER_COLUMNS).rows()) == [
        ("0101", 2.0, None, None, None), ("0202", 4.0, 9.0, "kg", "HS17"),
        ("TOTAL", 5.0, None, None, None),
    ]  # fmt: skip
    assert warnings == []


def test_an_older_baci_entry_gets_the_edition_its_source_id_names(
    cache: Cache, warnings: list[str]
) -> None:
    """Before editions were kept, a BACI release's rows said their edition only in the
    source id (import:BACI_HS92_V202501): its product rows get that edition, its TOTAL
    rows none; rows of other sources stay "not stated" (null)."""
    baci = "import:BACI_HS92_V202501"
    rows = pl.concat(
        [_flows(5.0, source=baci), _product(2.0, "0101").with_columns(source=pl.lit(baci))]
    )
    _legacy_file(cache, "baci", rows.drop(schema.LATER_COLUMNS), kind="import")
    other = _product(3.0, "0202").with_columns(source=pl.lit("import:tidy.csv"))
    _legacy_file(cache, "tidy", other.drop(schema.EDITION), kind="import")
    for entry in cache.entries():
        got = cache.scan([entry]).collect()
        editions = sorted(got.select("product", "hs_edition").rows())
        if entry.key == "baci":
            assert editions == [("0101", "HS92"), ("TOTAL", None)]
        else:
            assert editions == [("0202", None)]
    # Merged with a newer entry of its own edition, the rows keep theirs.
    newer = _product(4.0, "0303").with_columns(source=pl.lit(baci), hs_edition=pl.lit("HS92"))
    _put(cache, "new", newer, T0 + dt.timedelta(hours=1), kind="import")
    both = cache.scan(cache.entries()).collect()
    assert sorted(both.select("product", "hs_edition").rows()) == [
        ("0101", "HS92"), ("0202", None), ("0303", "HS92"), ("TOTAL", None),
    ]  # fmt: skip
    assert warnings == []
