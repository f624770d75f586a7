"""The read order's typed answer: when each source was written, which layers lie where.

``Dataset.written`` holds datetimes, ``Dataset.newest_first`` (the same-tier rule's
order) is derived from them, and ``Dataset.layers`` names the cache layer and the
sample under it; ``Dataset.extra`` gives the same facts in the older text shape.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_import
from tradecli.config import load_config
from tradecli.periods import Period
from tradecli.sources import Dataset, Layers, PairRequest, load_pair
from tradecli.sources.read_order import ReadOrder

UTC = dt.UTC
TIDY = "reporter,partner,flow,period,value_usd\n"


def _dataset(written: dict[str, dt.datetime], layers: Layers | None = None) -> Dataset:
    return Dataset(
        flows=pl.LazyFrame(),
        sources={},
        origin="cache",
        description="d",
        written=written,
        layers=layers,
    )


@pytest.mark.parametrize(
    ("written", "order"),
    [
        ({"a": dt.datetime(2024, 1, 2, tzinfo=UTC), "b": dt.datetime(2024, 1, 3, tzinfo=UTC)},
         ("b", "a")),
        ({"b": dt.datetime(2024, 1, 3, tzinfo=UTC), "a": dt.datetime(2024, 1, 2, tzinfo=UTC)},
         ("b", "a")),
        # A later time wins even when it sorts first as text would not tell it (hours).
        ({"x": dt.datetime(2024, 1, 2, 9, tzinfo=UTC), "y": dt.datetime(2024, 1, 2, 10,
                                                                           tzinfo=UTC)},
         ("y", "x")),
        ({}, ()),
    ],
)  # fmt: skip
def test_newest_first_is_ordered_by_the_written_times(written, order) -> None:
    assert _dataset(written).newest_first == order


def test_extra_keeps_the_text_shape_for_older_callers() -> None:
    dataset = _dataset(
        {"import:b": dt.datetime(2024, 5, 1, 12, 0, 7, 999, tzinfo=UTC),
         "import:a": dt.datetime(2024, 5, 2, tzinfo=UTC)},
        Layers("cache", "imported files from the local cache", "embedded sample"),
    )  # fmt: skip
    assert dataset.extra == {
        "cubes": [],
        "times": ["import:a\t2024-05-02T00:00:00+00:00", "import:b\t2024-05-01T12:00:07+00:00"],
        "newest_first": ["import:a", "import:b"],
        "layers": ["cache", "imported files from the local cache", "embedded sample"],
    }
    assert dataset.written_text("import:b") == "2024-05-01T12:00:07+00:00"
    assert dataset.written_text("sample") is None
    assert "layers" not in _dataset({}).extra


def _write(path: Path, month: str) -> Path:
    path.write_text(TIDY + f"PAK,JPN,exports,{month},1\nPAK,JPN,imports,{month},2\n")
    return path


def test_imports_over_the_sample_are_typed_in_the_answer(runner, tmp_path) -> None:
    run_import(runner, _write(tmp_path / "first.csv", "2023-01"))
    time.sleep(1.1)  # the cache keeps times to the second
    run_import(runner, _write(tmp_path / "second.csv", "2023-02"))
    config = load_config(env=dict(os.environ))
    request = PairRequest("PAK", "JPN", Period(2023, 1), Period(2023, 2))
    dataset = load_pair(config, request, offline=True)
    assert dataset.newest_first == ("import:second", "import:first")
    assert all(isinstance(t, dt.datetime) for t in dataset.written.values())
    assert dataset.written["import:second"] > dataset.written["import:first"]
    assert dataset.layers is not None and dataset.layers.origin == "cache"
    assert dataset.layers.sample_description.startswith("embedded sample")
    # load_pair is the read order's answer, nothing more.
    again = ReadOrder(config, request, offline=True).answer()
    assert (again.origin, again.description, again.newest_first) == (
        dataset.origin,
        dataset.description,
        dataset.newest_first,
    )


def test_each_outcome_is_a_method_of_its_own(runner, tmp_path) -> None:
    run_import(runner, _write(tmp_path / "only.csv", "2023-01"))
    config = load_config(env=dict(os.environ))
    order = ReadOrder(config, PairRequest("PAK", "JPN", Period(2023, 1), None), offline=True)
    fresh = order.fresh_cache()
    assert fresh.origin == "cache" and fresh.newest_first == ("import:only",)
    # Nothing failed: the fallback is the same cache over the sample, without a warning.
    warned: list[str] = []
    quiet = ReadOrder(
        config, PairRequest("PAK", "JPN", Period(2023, 1), None), offline=True, warn=warned.append
    )
    assert quiet.fallback().newest_first == ("import:only",) and warned == []


# -- each outcome's words and errors, with a source of the test's own ---------------------


def _toy_order(isolated: Path, monkeypatch: pytest.MonkeyPatch, **config: object):
    from msgspec.structs import replace

    from tests.test_sources import ToySource
    from tradecli.config import Config
    from tradecli.sources import registry

    toy = ToySource()
    monkeypatch.setitem(registry.SOURCES, "toy", toy)
    base = Config(cache_dir=isolated / "c", source_order=("toy",))
    return toy, replace(base, **config)


def _fetched_at(isolated: Path) -> str:
    from tradecli.cache import Cache

    (entry,) = Cache(isolated / "c").entries()
    return entry.fetched_at.isoformat(timespec="seconds")


def _sources(dataset: Dataset) -> set[str]:
    return set(dataset.flows.select("source").unique().collect()["source"])


def test_an_expired_entry_answers_when_the_source_fails_and_says_both(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy, config = _toy_order(isolated, monkeypatch, recent_ttl=0.0, closed_ttl=0.0)
    request = PairRequest("PAK", "JPN", Period(2024, 8), None)
    assert ReadOrder(config, request).answer().origin == "live"
    toy.fail = True
    warned: list[str] = []
    stale = ReadOrder(config, request, warn=warned.append).answer()
    assert warned == [
        "toy API is down",
        f"using cached data fetched {_fetched_at(isolated)}, past its expiry",
    ]
    assert (stale.origin, stale.fetch_error) == ("stale", "toy API is down")
    assert _sources(stale) == {"toy:monthly"}


def test_a_failed_refresh_answers_from_the_fresh_entry_and_says_so(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource
    from tradecli.sources import registry

    toy, config = _toy_order(isolated, monkeypatch, source_order=("toy", "toy2"))
    monkeypatch.setitem(registry.SOURCES, "toy2", ToySource(name="toy2", fail=True))
    request = PairRequest("PAK", "JPN", Period(2024, 8), None)
    assert ReadOrder(config, request).answer().origin == "live"
    toy.fail = True
    warned: list[str] = []
    kept = ReadOrder(config, request, refresh=True, warn=warned.append).answer()
    assert warned == [
        "toy API is down",
        "toy API is down",
        f"using cached data fetched {_fetched_at(isolated)} (still fresh; the refresh failed)",
    ]
    # Both failures, in the order asked, joined into the answer's fetch error.
    assert (kept.origin, kept.fetch_error) == ("cache", "toy API is down; toy API is down")
    assert _sources(kept) == {"toy:monthly"}


def test_a_named_source_s_errors_keep_their_hint_or_give_one(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecli.errors import SourceUnavailable, UsageError

    toy, config = _toy_order(isolated, monkeypatch)

    def down(*args: object, **kwargs: object) -> None:
        raise SourceUnavailable("the service is down", hint="try again later")

    monkeypatch.setattr(toy, "fetch_pair", down)
    named = PairRequest("PAK", "JPN", Period(2024, 8), None, source="toy")
    with pytest.raises(SourceUnavailable) as failed:
        ReadOrder(config, named).answer()
    assert (failed.value.message, failed.value.hint) == (
        "Toy API: the service is down",
        "try again later",
    )
    with pytest.raises(UsageError) as offline:
        ReadOrder(config, named, offline=True).answer()
    assert (offline.value.message, offline.value.hint) == (
        "--source toy: Toy API is not allowed offline",
        "drop --offline (and check api.network), or drop --source to use the cache and "
        "the embedded sample",
    )
    year = PairRequest("PAK", "JPN", Period(2006), None, source="toy")  # toy is monthly
    with pytest.raises(UsageError) as cannot:
        ReadOrder(config, year).answer()
    assert (cannot.value.message, cannot.value.hint) == (
        "--source toy: Toy API cannot answer this request",
        "drop --source to use the cache and the embedded sample",
    )


def test_after_a_failure_the_sample_answers_only_what_it_holds(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecli.errors import SourceUnavailable

    toy, config = _toy_order(isolated, monkeypatch)
    toy.fail = True
    # No period asked: the sample's rows for the pair answer, with the failure said.
    warned: list[str] = []
    dataset = ReadOrder(config, PairRequest("PAK", "JPN", None, None), warn=warned.append).answer()
    assert dataset.origin == "sample" and dataset.fetch_error == "toy API is down"
    assert warned == ["toy API is down", "falling back to the embedded sample"]
    # A pair the sample does not hold: the failure is the answer, never an empty one.
    with pytest.raises(SourceUnavailable, match="toy API is down"):
        ReadOrder(config, PairRequest("AND", "MCO", None, None)).answer()


def test_a_live_answer_with_no_period_lies_over_the_sample(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy, config = _toy_order(isolated, monkeypatch)
    dataset = ReadOrder(config, PairRequest("PAK", "JPN", None, None)).answer()
    assert dataset.origin == "live" and len(toy.calls) == 1
    assert dataset.description.startswith(
        "Toy API, fetched now and stored in the cache, over the embedded sample"
    )
    # The toy holds months only: the sample's years stay under them.
    assert "toy:monthly" in _sources(dataset) and len(_sources(dataset)) == 2


def test_a_live_source_that_stops_short_of_the_period_is_said_and_not_used(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecli.errors import NoData

    toy, config = _toy_order(isolated, monkeypatch)  # the toy's months end in August 2025
    with pytest.raises(NoData) as raised:
        ReadOrder(config, PairRequest("PAK", "JPN", Period(2025, 12), None)).answer()
    assert raised.value.message == "Toy API holds no PAK-JPN data for 2025-12"
    assert len(toy.calls) == 1


def test_the_source_is_given_the_progress_the_transport_and_the_deadline(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    toy, config = _toy_order(isolated, monkeypatch)
    seen: list[tuple[object, object]] = []
    fetch = toy.fetch_pair

    def recording(config, request, *, meta, progress=None, transport=None):  # type: ignore[no-untyped-def]
        seen.append((progress, transport))
        return fetch(config, request, meta=meta, progress=progress, transport=transport)

    monkeypatch.setattr(toy, "fetch_pair", recording)
    progress, transport = object(), httpx.MockTransport(lambda request: httpx.Response(500))
    request = PairRequest("PAK", "JPN", Period(2024, 8), None)
    order = ReadOrder(config, request, progress=progress, transport=transport)  # type: ignore[arg-type]
    assert order.answer().origin == "live" and seen == [(progress, transport)]
    # A deadline already spent: the source is not asked, and the warning names it.
    from msgspec.structs import replace

    warned: list[str] = []
    spent = replace(config, deadline=0.0)
    ReadOrder(spent, request, refresh=True, warn=warned.append).answer()
    assert len(seen) == 1
    assert warned[0] == (
        "Toy API was not asked: the 0s deadline (api.deadline) was spent on the sources before it"
    )


def test_a_source_without_products_is_not_asked_for_them(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy, config = _toy_order(isolated, monkeypatch)  # the toy has total trade only
    request = PairRequest("PAK", "JPN", Period(2024, 8), None, detail=True)
    assert ReadOrder(config, request).answer().origin == "sample"
    assert toy.calls == []


def test_every_failure_is_in_the_fallback_s_fetch_error(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource
    from tradecli.sources import registry

    _, config = _toy_order(isolated, monkeypatch, source_order=("toy", "toy2"))
    registry.SOURCES["toy"].fail = True  # type: ignore[attr-defined]
    monkeypatch.setitem(registry.SOURCES, "toy2", ToySource(name="toy2", fail=True))
    dataset = ReadOrder(config, PairRequest("PAK", "JPN", Period(2024, 8), None)).answer()
    assert dataset.origin == "sample"
    assert dataset.fetch_error == "toy API is down; toy API is down"


# -- the sample's floor, the fallback's origin, a one-row answer, the year notes -----------


def _toy_config(isolated: Path, monkeypatch: pytest.MonkeyPatch, toy: object, **config: object):
    """``toy`` registered as the only source, and a config naming it (built directly)."""
    from tradecli.config import Config
    from tradecli.sources import registry

    monkeypatch.setitem(registry.SOURCES, "toy", toy)
    return Config(cache_dir=isolated / "c", source_order=("toy",), **config)  # type: ignore[arg-type]


def _answers_with(toy: object, monkeypatch: pytest.MonkeyPatch, frames: dict) -> None:
    """The toy answers a request at a frequency with ``frames[frequency]`` (frame, start,
    end), each stored under a key of its own."""
    from tradecli.errors import SourceUnavailable
    from tradecli.periods import Frequency
    from tradecli.sources.base import FetchResult

    def fetch(config, request, *, meta, progress=None, transport=None):  # type: ignore[no-untyped-def]
        toy.calls.append(request)  # type: ignore[attr-defined]
        if toy.fail:  # type: ignore[attr-defined]
            raise SourceUnavailable("toy API is down")
        frequency = request.frequency or Frequency.MONTH
        frame, start, end = frames[frequency]
        return FetchResult(
            key=f"toy__JPN-PAK__{frequency.value}",
            frame=frame,
            dataset=frequency.value,
            start=start,
            end=end,
            url="https://toy.example/api",
            currency="USD",
        )

    monkeypatch.setattr(toy, "fetch_pair", fetch)


def _recent_months_only(isolated: Path, monkeypatch: pytest.MonkeyPatch, **config: object):
    """A toy holding PAK-JPN from 2024 only: the sample's 2019-2020 months lie under it."""
    from tests.test_sources import ToySource, _pak_jpn_months
    from tradecli.periods import Frequency

    toy = ToySource()
    months = _pak_jpn_months("toy:monthly", scale=3.0).filter(pl.col("period").dt.year() >= 2024)
    assert months.height == 4  # 2024-08 and 2025-08, both ways
    _answers_with(toy, monkeypatch, {Frequency.MONTH: (months, Period(2024, 8), Period(2025, 8))})
    return toy, _toy_config(isolated, monkeypatch, toy, **config)


def _by_source(dataset: Dataset) -> dict[str, list[str]]:
    """The answer's periods (``YYYY-MM``, frequency) by source."""
    frame = (
        dataset.flows.select("source", "period", "frequency")
        .unique()
        .sort("source", "period", "frequency")
        .collect()
    )
    found: dict[str, list[str]] = {}
    for source, period, frequency in frame.iter_rows():
        found.setdefault(source, []).append(f"{period:%Y-%m} {frequency}")
    return found


# The toy's months, and the sample's months the toy does not hold (sbp-2021: PAK's own
# 2019-12, 2020-11, 2020-12); the sample's 2006 year rows are not at the frequency asked.
TOY_MONTHS = ["2024-08 month", "2025-08 month"]
SAMPLE_MONTHS = ["2019-12 month", "2020-11 month", "2020-12 month"]


def test_the_sample_s_older_months_lie_under_a_live_answer_that_lacks_them(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy, config = _recent_months_only(isolated, monkeypatch)
    request = PairRequest("PAK", "JPN", Period(2024, 8), None)
    live = ReadOrder(config, request).answer()
    assert live.origin == "live" and len(toy.calls) == 1
    assert _by_source(live) == {"toy:monthly": TOY_MONTHS, "sbp-2021": SAMPLE_MONTHS}
    assert live.description.startswith(
        "Toy API, fetched now and stored in the cache, over the embedded sample"
    )
    # --source toy: that source alone, no sample under it.
    named = PairRequest("PAK", "JPN", Period(2024, 8), None, source="toy")
    alone = ReadOrder(config, named, refresh=True).answer()
    assert alone.origin == "live" and len(toy.calls) == 2
    assert _by_source(alone) == {"toy:monthly": TOY_MONTHS}


def test_the_sample_s_older_months_lie_under_a_cached_answer_when_the_source_fails(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecli.config import Config

    toy, config = _recent_months_only(isolated, monkeypatch)
    request = PairRequest("PAK", "JPN", Period(2024, 8), None)
    ReadOrder(config, request).answer()
    toy.fail = True
    # A failed --refresh: the fresh entry answers, over the sample.
    kept = ReadOrder(config, request, refresh=True).answer()
    assert (kept.origin, kept.fetch_error) == ("cache", "toy API is down")
    assert _by_source(kept) == {"toy:monthly": TOY_MONTHS, "sbp-2021": SAMPLE_MONTHS}
    # The same entry expired (no time to live): it answers as stale, over the sample.
    expired = Config(
        cache_dir=isolated / "c", source_order=("toy",), recent_ttl=0.0, closed_ttl=0.0
    )
    stale = ReadOrder(expired, request).answer()
    assert (stale.origin, stale.fetch_error) == ("stale", "toy API is down")
    assert _by_source(stale) == {"toy:monthly": TOY_MONTHS, "sbp-2021": SAMPLE_MONTHS}


def test_the_fallback_says_whether_the_cached_entries_under_it_have_expired(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecli.config import Config

    toy, config = _recent_months_only(isolated, monkeypatch)
    ReadOrder(config, PairRequest("PAK", "JPN", Period(2024, 8), None)).answer()
    # Offline, asking past the entry's last month: no entry answers the period, so the
    # fallback gives what the cache holds over the sample, nothing failing.
    later = PairRequest("PAK", "JPN", Period(2025, 12), None)
    fresh = ReadOrder(config, later, offline=True).answer()
    assert (fresh.origin, fresh.fetch_error) == ("cache", None)
    assert _by_source(fresh) == {"toy:monthly": TOY_MONTHS, "sbp-2021": SAMPLE_MONTHS}
    expired = Config(
        cache_dir=isolated / "c", source_order=("toy",), recent_ttl=0.0, closed_ttl=0.0
    )
    stale = ReadOrder(expired, later, offline=True).answer()
    assert (stale.origin, stale.fetch_error) == ("stale", None)
    assert _by_source(stale) == {"toy:monthly": TOY_MONTHS, "sbp-2021": SAMPLE_MONTHS}
    assert len(toy.calls) == 1


def test_a_one_row_answer_from_the_sample_covers_the_year_asked_after_a_failure(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource
    from tradecli.periods import Frequency
    from tradecli.sources.base import Capabilities

    annual = Capabilities(
        pair_totals=True, country=False, frequencies=frozenset({Frequency.YEAR, Frequency.MONTH})
    )
    toy = ToySource(capabilities=annual, fail=True)
    config = _toy_config(isolated, monkeypatch, toy)
    # The sample holds one GMB-MDV row: Gambia's exports to the Maldives in 2006.
    warned: list[str] = []
    request = PairRequest("GMB", "MDV", Period(2006), None)
    dataset = ReadOrder(config, request, warn=warned.append).answer()
    assert len(toy.calls) == 1
    assert (dataset.origin, dataset.fetch_error) == ("sample", "toy API is down")
    assert warned == ["toy API is down", "falling back to the embedded sample"]
    rows = dataset.flows.filter(
        pl.col("exporter").is_in(["GMB", "MDV"]) & pl.col("importer").is_in(["GMB", "MDV"])
    ).collect()
    assert rows.select("exporter", "importer", "period").rows() == [
        ("GMB", "MDV", dt.date(2006, 1, 1))
    ]


def _pak_jpn(frequency: str, periods: list[dt.date], value: float) -> pl.DataFrame:
    """PAK's exports to JPN, one row per period, in the canonical schema."""
    from tradecli.schema import FLOWS_SCHEMA

    frame = pl.DataFrame(
        {
            "exporter": ["PAK"] * len(periods),
            "importer": ["JPN"] * len(periods),
            "period": periods,
            "frequency": [frequency] * len(periods),
            "product": ["TOTAL"] * len(periods),
            "value": [value] * len(periods),
            "currency": ["USD"] * len(periods),
            "source": [f"toy:{frequency}"] * len(periods),
        }
    )
    return frame.with_columns(
        pl.lit(None).cast(FLOWS_SCHEMA[c]).alias(c) for c in FLOWS_SCHEMA if c not in frame.columns
    ).select(pl.col(c).cast(t) for c, t in FLOWS_SCHEMA.items())


def test_a_year_fetched_live_over_cached_months_is_noted_as_the_figure_shown(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource
    from tradecli.periods import Frequency
    from tradecli.sources.base import Capabilities

    annual = Capabilities(
        pair_totals=True, country=False, frequencies=frozenset({Frequency.YEAR, Frequency.MONTH})
    )
    toy = ToySource(capabilities=annual)
    years = (2022, 2023, 2024)
    months = [dt.date(y, m, 1) for y in years for m in range(1, 13)]
    _answers_with(
        toy,
        monkeypatch,
        {
            # Months of $10 (a year of $120), and an annual figure of $200, in each of
            # three years: only the year asked is noted.
            Frequency.MONTH: (_pak_jpn("month", months, 10.0), Period(2022, 1), Period(2024, 12)),
            Frequency.YEAR: (
                _pak_jpn("year", [dt.date(y, 1, 1) for y in years], 200.0),
                Period(2022),
                Period(2024),
            ),
        },
    )
    config = _toy_config(isolated, monkeypatch, toy)
    ReadOrder(config, PairRequest("PAK", "JPN", Period(2023, 12), None)).answer()
    # Each year asked, the first and last of the months too: the twelve cached months
    # answer it (no fetch), with nothing to note.
    for year in years:
        summed = ReadOrder(config, PairRequest("PAK", "JPN", Period(year), None)).answer()
        assert (summed.origin, len(toy.calls), summed.year_notes) == ("cache", 1, ())
    # The year asked: the cached months could answer it, but --refresh asks the source,
    # which answers at the year: the annual figure is shown, and the note says so.
    year = ReadOrder(config, PairRequest("PAK", "JPN", Period(2023), None), refresh=True).answer()
    assert year.origin == "live" and [r.frequency for r in toy.calls] == [
        Frequency.MONTH,
        Frequency.YEAR,
    ]
    ((noted, note),) = year.year_notes
    assert noted == 2023
    assert note == (
        "sources disagree: PAK to JPN, 2023: the annual figure $200 (toy:year) and the sum of "
        "its 12 months $120 (toy:month) differ by more than 0.1%; the annual figure is shown: "
        "a year is answered from annual figures when the cache holds them"
    )
    # A question in months is answered by months alone: no note on years.
    month = PairRequest("PAK", "JPN", Period(2023, 12), None)
    assert ReadOrder(config, month, offline=True).answer().year_notes == ()


def test_a_fetch_answers_only_what_its_coverage_says_it_holds(isolated: Path) -> None:
    """Fetches that say what they hold (a ``coverage`` annotation) are judged by it;
    fetches that say nothing, and imports, by their rows."""
    from tradecli.cache import Cache
    from tradecli.sources.read_order import _holds

    cache = Cache(isolated / "c")
    frame = _pak_jpn("month", [dt.date(2024, 8, 1)], 10.0)
    said = {
        "totals": {"total": True},
        "not-total": {"total": False},
        "products": {"total": False, "products": ["0101", "S01"]},
        "levels": {"total": True, "levels": ["hs4"]},
        "silent": None,
    }
    for name, coverage in [*said.items(), ("import", None)]:
        cache.put(
            f"k-{name}",
            frame,
            reporter="PAK",
            partner="JPN",
            source="toy",
            dataset=name,
            start=Period(2024, 8),
            end=Period(2024, 8),
            url="https://toy.example/api",
            currency="USD",
            annotations={} if coverage is None else {"coverage": coverage},
            kind="import" if name == "import" else "fetch",
            countries=("JPN", "PAK") if name == "import" else (),
        )
    entries = {e.dataset: e for e in cache.entries()}

    def held(**asked: object) -> list[str]:
        request = PairRequest("PAK", "JPN", Period(2024, 8), None, **asked)  # type: ignore[arg-type]
        return sorted(name for name, entry in entries.items() if _holds(entry, request))

    # Total trade: a fetch saying it holds no total does not answer.
    assert held() == ["import", "levels", "silent", "totals"]
    # The products asked, all of them, in any case (a section code too); the products
    # held exactly, or more.
    assert held(products=("0101",)) == ["import", "products", "silent"]
    assert held(products=("0101", "s01")) == ["import", "products", "silent"]
    assert held(products=("0101", "0102")) == ["import", "silent"]
    # Product rows for drivers: only a fetch naming product levels; a fetch that says
    # nothing (a totals fetch) never answers; imports are judged by their rows.
    assert held(detail=True) == ["import", "levels"]


def test_after_a_failure_the_cache_and_the_sample_answer_a_period_the_entry_lacks(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy, config = _recent_months_only(isolated, monkeypatch)
    ReadOrder(config, PairRequest("PAK", "JPN", Period(2024, 8), None)).answer()
    toy.fail = True
    # November 2020 is the sample's alone; the entry (2024-2025) lies over it.
    warned: list[str] = []
    request = PairRequest("PAK", "JPN", Period(2020, 11), None)
    dataset = ReadOrder(config, request, warn=warned.append).answer()
    assert (dataset.origin, dataset.fetch_error) == ("cache", "toy API is down")
    assert warned == ["toy API is down", "falling back to the local cache and the embedded sample"]
    assert _by_source(dataset) == {"toy:monthly": TOY_MONTHS, "sbp-2021": SAMPLE_MONTHS}


def test_when_nothing_answers_the_first_failure_is_raised_and_the_others_warned(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource
    from tradecli.errors import AuthRequired, SourceUnavailable
    from tradecli.sources import registry

    toy, config = _toy_order(isolated, monkeypatch, source_order=("toy", "toy2"))
    toy.fail = True
    toy2 = ToySource(name="toy2")

    def refused(*args: object, **kwargs: object) -> None:
        raise AuthRequired("toy2 refused the token", hint="renew it at toy2.example")

    monkeypatch.setattr(toy2, "fetch_pair", refused)
    monkeypatch.setitem(registry.SOURCES, "toy2", toy2)
    warned: list[str] = []
    # A pair the sample does not hold: no answer, never an empty one.
    with pytest.raises(SourceUnavailable, match="toy API is down"):
        ReadOrder(config, PairRequest("AND", "MCO", None, None), warn=warned.append).answer()
    # The refused token is warned with what to do about it.
    assert warned == ["toy2 refused the token; renew it at toy2.example"]


def test_each_source_in_the_order_is_asked_only_when_it_is_ready(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource
    from tradecli.sources import registry

    toy, config = _toy_order(isolated, monkeypatch, source_order=("toy", "toy2"))
    monkeypatch.setattr(toy, "ready", lambda config: False)  # no token for it
    toy2 = ToySource(name="toy2")
    monkeypatch.setitem(registry.SOURCES, "toy2", toy2)
    dataset = ReadOrder(config, PairRequest("PAK", "JPN", Period(2024, 8), None)).answer()
    assert dataset.origin == "live"
    assert (len(toy.calls), len(toy2.calls)) == (0, 1)


def test_a_pinned_dataset_answers_from_its_own_entries_alone(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource
    from tradecli.cache import Cache

    cache = Cache(isolated / "c")

    def put(name: str, partner: str = "JPN", value: float = 10.0) -> None:
        frame = _pak_jpn("month", [dt.date(2024, 8, 1)], value)
        cache.put(
            f"k-{name}-{partner}",
            frame.with_columns(importer=pl.lit(partner), source=pl.lit(f"toy:{name}-{partner}")),
            reporter="PAK",
            partner=partner,
            source="toy",
            dataset=name,
            start=Period(2024, 8),
            end=Period(2024, 8),
            url="https://toy.example/api",
            currency="USD",
            annotations={},
        )

    toy = ToySource()
    config = _toy_config(isolated, monkeypatch, toy)
    put("first")
    put("first", partner="CHN")  # another pair: never part of PAK-JPN's answer
    # The pinned dataset's fresh entry answers: the source is not asked.
    first = PairRequest("PAK", "JPN", Period(2024, 8), None, dataset="first")
    assert ReadOrder(config, first).answer().origin == "cache" and toy.calls == []
    put("second", value=20.0)
    for name in ("first", "second"):
        request = PairRequest("PAK", "JPN", Period(2024, 8), None, dataset=name)
        dataset = ReadOrder(config, request, offline=True).answer()
        assert dataset.origin == "cache"
        toys = [s for s in _by_source(dataset) if s.startswith("toy:")]
        assert toys == [f"toy:{name}-JPN"]


def test_a_refresh_offline_is_said_to_be_ignored_naming_the_sources(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource
    from tradecli.sources import registry

    toy, config = _toy_order(isolated, monkeypatch, source_order=("toy", "toy2"))
    monkeypatch.setitem(registry.SOURCES, "toy2", ToySource(name="toy2", title="Toy Two"))
    warned: list[str] = []
    request = PairRequest("PAK", "JPN", Period(2024, 8), None)
    ReadOrder(config, request, offline=True, refresh=True, warn=warned.append).answer()
    assert warned == [
        "--refresh needs the network; it was ignored (offline, or no token for Toy API, Toy Two)"
    ]
    # No source can answer (products asked of sources of total trade): a live source.
    warned.clear()
    products = PairRequest("PAK", "JPN", Period(2024, 8), None, detail=True)
    ReadOrder(config, products, offline=True, refresh=True, warn=warned.append).answer()
    assert warned == [
        "--refresh needs the network; it was ignored (offline, or no token for a live source)"
    ]
    assert toy.calls == []


def test_a_source_named_with_source_is_asked_though_it_is_not_ready(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy, config = _toy_order(isolated, monkeypatch)
    monkeypatch.setattr(toy, "ready", lambda config: False)  # no token for it
    request = PairRequest("PAK", "JPN", Period(2024, 8), None)
    assert ReadOrder(config, request).answer().origin == "sample" and toy.calls == []
    named = PairRequest("PAK", "JPN", Period(2024, 8), None, source="toy")
    assert ReadOrder(config, named).answer().origin == "live" and len(toy.calls) == 1


def test_an_import_of_total_trade_does_not_stand_in_front_of_a_source_of_products(
    runner, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource
    from tradecli.config import Config
    from tradecli.periods import Frequency
    from tradecli.sources import registry
    from tradecli.sources.base import Capabilities

    run_import(runner, _write(isolated / "totals.csv", "2024-08"))  # total trade only
    products = Capabilities(
        pair_totals=True, country=False, frequencies=frozenset({Frequency.MONTH}), products=True
    )
    toy = ToySource(capabilities=products)
    monkeypatch.setitem(registry.SOURCES, "toy", toy)
    imported_to = load_config(env=dict(os.environ)).cache_dir  # TRADECLI_CACHE_DIR
    config = Config(cache_dir=imported_to, source_order=("toy",))
    # Total trade: the import answers, the source is not asked.
    totals = PairRequest("PAK", "JPN", Period(2024, 8), None)
    assert ReadOrder(config, totals).answer().origin == "cache" and toy.calls == []
    request = PairRequest("PAK", "JPN", Period(2024, 8), None, detail=True)
    dataset = ReadOrder(config, request).answer()
    # Asked for its products: the import holds the pair's total trade, not its products.
    assert len(toy.calls) == 1 and toy.calls[0].detail
    # Yet it holds the pair: it is part of the answer (judged again, for total trade).
    assert "import:totals" in dataset.written


def test_an_import_naming_both_countries_in_other_rows_does_not_hold_the_pair(
    runner, isolated: Path
) -> None:
    from tradecli.config import Config

    other = isolated / "other.csv"
    other.write_text(TIDY + "FRA,PAK,exports,2024-08,1\nJPN,DEU,exports,2024-08,2\n")
    run_import(runner, other)
    imported_to = load_config(env=dict(os.environ)).cache_dir  # TRADECLI_CACHE_DIR
    config = Config(cache_dir=imported_to, source_order=("oec",))
    request = PairRequest("PAK", "JPN", Period(2024, 8), None)
    dataset = ReadOrder(config, request, offline=True).answer()
    assert dataset.origin == "sample" and "import:other" not in dataset.written


def test_an_unreadable_cache_entry_is_warned_through_the_read_order(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecli.cache import Cache

    toy, config = _toy_order(isolated, monkeypatch)
    flows = Cache(isolated / "c").flows_dir
    flows.mkdir(parents=True, exist_ok=True)
    (flows / "junk.parquet").write_bytes(b"not a parquet file")
    warned: list[str] = []
    request = PairRequest("PAK", "JPN", Period(2024, 8), None)
    assert ReadOrder(config, request, offline=True, warn=warned.append).answer().origin == "sample"
    assert warned and warned[0].startswith("cache entry junk.parquet is unreadable (")


def test_a_named_source_s_fresh_entry_answers_alone(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy, config = _recent_months_only(isolated, monkeypatch)
    named = PairRequest("PAK", "JPN", Period(2024, 8), None, source="toy")
    assert ReadOrder(config, named).answer().origin == "live"
    cached = ReadOrder(config, named).answer()
    assert cached.origin == "cache" and len(toy.calls) == 1
    assert _by_source(cached) == {"toy:monthly": TOY_MONTHS}


def test_a_live_source_ending_before_the_sample_s_latest_is_said_and_exits_as_a_fallback(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question naming no period is answered at the latest the layers hold: when the
    live source ends in 2020 and the sample's months go on to August 2025, the figures
    shown are the sample's. That is said and is a fallback (exit 10), never silent."""
    from tests.test_sources import ToySource, _pak_jpn_months
    from tradecli import api
    from tradecli.errors import ExitCode
    from tradecli.periods import Frequency

    toy = ToySource()
    months = _pak_jpn_months("toy:monthly", scale=3.0).filter(pl.col("period").dt.year() <= 2020)
    assert months["period"].max() == dt.date(2020, 12, 1)
    _answers_with(toy, monkeypatch, {Frequency.MONTH: (months, Period(2019, 12), Period(2020, 12))})
    config = _toy_config(isolated, monkeypatch, toy)
    warned: list[str] = []
    dataset = ReadOrder(config, PairRequest("PAK", "JPN", None, None), warn=warned.append).answer()
    assert dataset.origin == "live"
    assert dataset.fetch_error == "Toy API holds no PAK-JPN data after 2020-12"
    assert warned == [
        "Toy API holds no PAK-JPN data after 2020-12; "
        "the later periods shown are from the cache or the embedded sample"
    ]
    # The balance answers August 2025 against August 2024, both the sample's: a fallback.
    # From the fresh cached fetch now, not the network: said again, every run.
    with pytest.warns(api.DataWarning, match="Toy API holds no PAK-JPN data after 2020-12"):
        answer = api.balance("PAK", "JPN", config=config)
    assert len(toy.calls) == 1
    assert answer.provenance.origin == "sample"
    assert answer.provenance.exit_code is ExitCode.FALLBACK
    # A period the live source holds is answered by it, with nothing to say.
    warned.clear()
    held = ReadOrder(config, PairRequest("PAK", "JPN", Period(2020, 12), None), warn=warned.append)
    assert held.answer().fetch_error is None and warned == []


def test_the_newest_figures_are_judged_against_the_end_of_the_live_source_s_last_period(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the pair's rows after the whole of the last period fetched count: a month of
    a year fetched whole is inside it, another pair's later rows are not the pair's."""
    _toy, config = _toy_order(isolated, monkeypatch)
    order = ReadOrder(config, PairRequest("PAK", "JPN", None, None), warn=lambda m: None)
    other = _pak_jpn("month", [dt.date(2025, 8, 1)], 1.0).with_columns(
        exporter=pl.lit("CHL"), importer=pl.lit("ARG")
    )

    def said(last: Period, *months: dt.date) -> str | None:
        rows = pl.concat([_pak_jpn("month", list(months), 1.0), other])
        data = Dataset(flows=rows.lazy(), sources={}, origin="live", description="d")
        # The method reads the entry's last period only.
        return order._newer_elsewhere("Toy API", _Ends(last), data).fetch_error  # type: ignore[arg-type]

    assert said(Period(2020), dt.date(2020, 12, 1)) is None  # inside the year fetched
    assert said(Period(2020), dt.date(2021, 1, 1)) == "Toy API holds no PAK-JPN data after 2020"
    assert said(Period(2020, 12), dt.date(2020, 12, 1)) is None  # the last month itself
    assert said(Period(2020, 11), dt.date(2020, 12, 1)) == (
        "Toy API holds no PAK-JPN data after 2020-11"  # one later row is enough
    )


class _Ends:
    def __init__(self, end: Period) -> None:
        self.end = end


def test_a_question_at_one_frequency_is_judged_too(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_sources import ToySource, _pak_jpn_months
    from tradecli.periods import Frequency

    toy = ToySource()
    months = _pak_jpn_months("toy:monthly", scale=3.0).filter(pl.col("period").dt.year() <= 2020)
    _answers_with(toy, monkeypatch, {Frequency.MONTH: (months, Period(2019, 12), Period(2020, 12))})
    config = _toy_config(isolated, monkeypatch, toy)
    request = PairRequest("PAK", "JPN", None, None, wanted_frequency=Frequency.MONTH)
    dataset = ReadOrder(config, request).answer()
    assert dataset.fetch_error == "Toy API holds no PAK-JPN data after 2020-12"
