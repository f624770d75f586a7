"""Sources as modules: the registry, the read order, and cache entries of every vintage."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from msgspec.structs import replace

from tradecli import schema
from tradecli.cache import META_KEY, Cache
from tradecli.cli import app
from tradecli.config import Config, NetworkMode
from tradecli.errors import ExitCode, SourceUnavailable, UsageError
from tradecli.periods import Frequency, Period
from tradecli.sources import (
    Capabilities,
    FetchResult,
    PairRequest,
    SourceInfo,
    load_pair,
    load_sample,
    registry,
)
from tradecli.sources.base import MetaStore, Source

CUBE = "trade_s_jpn_m_hs"


def _pak_jpn_months(source_id: str, scale: float = 1.0) -> pl.DataFrame:
    """The sample's Pakistan-Japan months, relabelled as if from another source."""
    frame = (
        load_sample()
        .flows.filter(
            pl.col("exporter").is_in(["PAK", "JPN"])
            & pl.col("importer").is_in(["PAK", "JPN"])
            & (pl.col("frequency") == "month")
            & (pl.col("product") == schema.TOTAL)
        )
        .collect()
    )
    assert frame.height >= 4
    return frame.with_columns(source=pl.lit(source_id), value=pl.col("value") * scale)


def _write_old_entry(root: Path, frame: pl.DataFrame, *, kind: str = "fetch") -> Path:
    """An entry exactly as tradecli wrote it before entries named their source."""
    meta = {
        "version": 1,
        "key": f"{CUBE}__JPN-PAK__2019-12_2025-08",
        "reporter": "PAK" if kind == "fetch" else "",
        "partner": "JPN" if kind == "fetch" else "",
        "cube": CUBE if kind == "fetch" else "flows.csv",
        "start": "2019-12",
        "end": "2025-08",
        "fetched_at": dt.datetime.now(dt.UTC).isoformat(),
        "url": "https://api-v2.oec.world/tesseract/data.jsonrecords?cube=" + CUBE,
        "currency": "USD",
        "annotations": {"source_name": "Japan Customs"} if kind == "fetch" else {},
        "rows": frame.height,
        "kind": kind,
        "countries": ["JPN", "PAK"] if kind == "import" else [],
    }
    path = root / "flows" / f"old-{kind}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path, metadata={META_KEY: json.dumps(meta)})
    return path


def test_old_cache_entry_written_with_cube_is_still_read(isolated: Path, runner) -> None:
    root = isolated / "tradecli-cache"
    _write_old_entry(root, _pak_jpn_months(f"oec:{CUBE}", scale=2.0))
    (entry,) = Cache(root).entries()
    assert (entry.source, entry.dataset, entry.cube) == ("oec", CUBE, CUBE)

    config = Config(cache_dir=root)
    dataset = load_pair(config, PairRequest("PAK", "JPN", Period(2024, 8), None), offline=True)
    assert dataset.origin == "cache" and dataset.extra["cubes"] == [CUBE]
    info = dataset.sources[f"oec:{CUBE}"]
    assert info.publisher == "Observatory of Economic Complexity (OEC), from Japan Customs"
    assert "customs data of JPN: PAK's figures here are mirror flows" in info.note
    assert "OEC API data from the local cache" in dataset.description
    # The figures are the entry's (twice the sample's), not the sample's.
    cached = dataset.flows.select(pl.col("value").sum()).collect().item()
    assert cached == pytest.approx(2 * _pak_jpn_months("x")["value"].sum())

    info_cmd = runner.invoke(app, ["cache", "info", "-f", "json"])
    assert info_cmd.exit_code == 0, info_cmd.output
    (row,) = json.loads(info_cmd.stdout)["entries"]
    assert row["cube"] == CUBE


def test_old_import_entry_is_described_as_a_file(isolated: Path) -> None:
    root = isolated / "tradecli-cache"
    frame = _pak_jpn_months("file:flows.csv")
    _write_old_entry(root, frame, kind="import")
    (entry,) = Cache(root).entries()
    assert (entry.source, entry.dataset) == ("files", "flows.csv")
    info = registry.describe(entry)
    assert info.publisher == "imported file" and info.note.startswith("imported ")


def test_new_entries_name_their_source_and_dataset(isolated: Path) -> None:
    cache = Cache(isolated / "c")
    path = cache.put(
        "k",
        _pak_jpn_months("future:C"),
        reporter="PAK",
        partner="JPN",
        source="future",
        dataset="C",
        start=Period(2019, 12),
        end=Period(2025, 8),
        url="http://x",
        currency="USD",
        annotations={},
    )
    meta = json.loads(pl.read_parquet_metadata(path)[META_KEY])
    assert (meta["source"], meta["dataset"]) == ("future", "C") and "cube" not in meta
    (entry,) = cache.entries()
    # A source this version does not know is still described from the entry itself.
    info = registry.describe(entry)
    assert (info.id, info.publisher, info.url) == ("future:C", "future", "http://x")


@dataclass
class ToySource:
    """A whole source in a dozen lines: what adding a provider asks of a module."""

    name: str = "toy"
    title: str = "Toy API"
    live: bool = True
    capabilities: Capabilities = Capabilities(
        pair_totals=True, country=False, frequencies=frozenset({Frequency.MONTH})
    )
    fail: bool = False
    calls: list[PairRequest] = field(default_factory=list)

    def ready(self, config: Config) -> bool:
        return True

    def fetch_pair(self, config, request, *, meta: MetaStore, progress=None, transport=None):
        self.calls.append(request)
        if self.fail:
            raise SourceUnavailable("toy API is down")
        return FetchResult(
            key="toy__JPN-PAK",
            frame=_pak_jpn_months("toy:monthly", scale=3.0),
            dataset="monthly",
            start=Period(2019, 12),
            end=Period(2025, 8),
            url="https://toy.example/api?pair=PAK-JPN",
            currency="USD",
        )

    def describe(self, entry) -> SourceInfo:
        return SourceInfo(id="toy:monthly", title="Toy monthly", publisher="Toy Org", url=entry.url)


def _toy_is_a_source(toy: ToySource) -> Source:
    return toy  # mypy checks the toy against the protocol here


@pytest.mark.parametrize("how", ["--source", "order"])
def test_a_source_registered_in_one_line_is_used_by_load_pair(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    toy = ToySource()
    monkeypatch.setitem(registry.SOURCES, "toy", _toy_is_a_source(toy))  # the one line
    config = Config(cache_dir=isolated / "c", network=NetworkMode.AUTO)  # no OEC token
    if how == "order":
        config = replace(config, source_order=("toy",))  # sources.order in the config
    request = PairRequest(
        "PAK", "JPN", Period(2024, 8), None, source="toy" if how == "--source" else None
    )
    dataset = load_pair(config, request)
    assert len(toy.calls) == 1 and dataset.origin == "live"
    assert dataset.description == "Toy API, fetched now and stored in the cache"
    assert dataset.sources["toy:monthly"].publisher == "Toy Org"
    total = dataset.flows.select(pl.col("value").sum()).collect().item()
    assert total == pytest.approx(3 * _pak_jpn_months("x")["value"].sum())
    (entry,) = Cache(isolated / "c").entries()
    assert (entry.source, entry.dataset) == ("toy", "monthly")
    # Fresh in the cache now: the next read does not ask the source again.
    assert load_pair(config, request).origin == "cache" and len(toy.calls) == 1
    # Offline, a live source is never asked.
    load_pair(
        config,
        PairRequest("PAK", "JPN", Period(2024, 8), None, source="toy"),
        offline=True,
        refresh=True,
    )
    assert len(toy.calls) == 1


def test_a_failing_source_in_the_order_falls_back_with_a_warning(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy = ToySource(fail=True)
    monkeypatch.setitem(registry.SOURCES, "toy", toy)
    warnings: list[str] = []
    dataset = load_pair(
        Config(cache_dir=isolated / "c", source_order=("toy",)),
        PairRequest("PAK", "JPN", Period(2024, 8), None),
        warn=warnings.append,
    )
    assert dataset.origin == "sample" and len(toy.calls) == 1
    assert warnings == ["toy API is down", "falling back to the embedded sample"]


def test_a_named_source_that_fails_is_the_error(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --source asks that source alone: never the sample in its place.
    toy = ToySource(fail=True)
    monkeypatch.setitem(registry.SOURCES, "toy", toy)
    with pytest.raises(SourceUnavailable, match="Toy API"):
        load_pair(
            Config(cache_dir=isolated / "c"),
            PairRequest("PAK", "JPN", Period(2024, 8), None, source="toy"),
        )
    assert len(toy.calls) == 1
    with pytest.raises(UsageError, match="not allowed offline"):
        load_pair(
            Config(cache_dir=isolated / "c"),
            PairRequest("PAK", "JPN", Period(2024, 8), None, source="toy"),
            offline=True,
        )


def test_a_source_that_cannot_answer_the_frequency_is_not_asked(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy = ToySource()
    monkeypatch.setitem(registry.SOURCES, "toy", toy)
    config = Config(cache_dir=isolated / "c")
    dataset = load_pair(
        replace(config, source_order=("toy",)),
        PairRequest("PAK", "JPN", Period(2006), None),  # a year; toy is monthly
    )
    assert toy.calls == [] and dataset.origin == "sample"
    with pytest.raises(UsageError, match="Toy API cannot answer"):
        load_pair(config, PairRequest("PAK", "JPN", Period(2006), None, source="toy"))
    assert toy.calls == []


def test_unknown_or_offline_only_sources_are_usage_errors(isolated: Path) -> None:
    config = Config(cache_dir=isolated / "c")
    for name, fragment in (("nope", "unknown source 'nope'"), ("files", "not fetched")):
        with pytest.raises(UsageError) as caught:
            load_pair(config, PairRequest("PAK", "JPN", Period(2024, 8), None, source=name))
        assert fragment in caught.value.message
        assert caught.value.exit_code is ExitCode.USAGE


def test_every_registered_source_satisfies_the_protocol(isolated: Path) -> None:
    assert {"sample", "oec", "files"} <= set(registry.SOURCES)
    for name, source in registry.SOURCES.items():
        assert source.name == name and source.title
        assert source.capabilities.frequencies <= set(Frequency)
    assert [s.name for s in registry.live_order(Config())] == ["oec", "comtrade"]
    order = Config(source_order=("comtrade", "oec"))
    assert [s.name for s in registry.live_order(order)] == ["comtrade", "oec"]
    # The OEC is asked only with a token, or with network = "always".
    oec = registry.SOURCES["oec"]
    assert not oec.ready(Config()) and oec.ready(Config(token="t"))
    assert oec.ready(Config(network=NetworkMode.ALWAYS))
    # Comtrade (keyless) joins the default order only with a key or network = "always";
    # --source comtrade asks it whenever the network is allowed.
    comtrade = registry.SOURCES["comtrade"]
    assert not comtrade.ready(Config()) and comtrade.ready(Config(comtrade_key="k"))
    assert comtrade.ready(Config(network=NetworkMode.ALWAYS))


def test_the_sample_source_fetches_a_pair_in_the_canonical_schema(isolated: Path) -> None:
    sample = registry.SOURCES["sample"]
    result = sample.fetch_pair(
        Config(),
        PairRequest("JPN", "PAK", Period(2024, 8), Period(2025, 8)),
        meta=Cache(isolated / "c"),
    )
    schema.validate(result.frame)
    assert (str(result.start), str(result.end), result.currency) == ("2024-08", "2025-08", "USD")
    assert set(result.frame["exporter"]) == {"PAK", "JPN"}


@pytest.mark.parametrize("args", [["--period", "ttm"], ["--from", "2004-05"]])
def test_periods_the_data_cannot_hold_are_no_data_naming_the_pair(runner, args) -> None:
    # Raised as PeriodNotInData where windows are worked out and turned into NoData by
    # its type (no message matching): the pair named, exit 3 rather than 2.
    result = runner.invoke(app, ["balance", "CHL", "ARG", *args])
    assert result.exit_code == ExitCode.NO_DATA, result.output
    assert "the data hold none for Chile (CHL) with Argentina (ARG)" in result.stderr
