"""A cache written by an older tradecli, holding NaN, Infinity or a negative amount, is
refused by name when read, never a traceback nor a wrong figure (issue #20)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from tests.comtrade_server import ComtradeServer
from tests.test_live_rules import _config
from tradecli.cache import META_KEY
from tradecli.cache_guard import what_is_wrong
from tradecli.cli import app
from tradecli.errors import ExitCode
from tradecli.numfmt import format_amount, format_percent, format_points

FETCH = ["fetch", "PAK", "JPN", "--from", "2024-08", "--to", "2024-08"]
ASK = ["balance", "PAK", "JPN", "--from", "2024-08", "--to", "2024-08", "--offline"]


def _poison(entry: Path, column: str, value: float) -> None:
    """Rewrite the entry's file as an older tradecli could have stored it: the same
    metadata but for the mark of a checked entry (older versions wrote none), every
    figure of ``column`` replaced by ``value``."""
    meta = pl.read_parquet_metadata(entry)
    described = json.loads(meta[META_KEY])
    assert described.pop("amounts_checked") is True  # this version marks what it checked
    meta[META_KEY] = json.dumps(described)
    frame = pl.read_parquet(entry).with_columns(pl.lit(value, pl.Float64).alias(column))
    frame.write_parquet(entry, metadata=meta)


@pytest.fixture
def cached(runner, shared_data, tmp_path, monkeypatch, isolated) -> Path:  # type: ignore[no-untyped-def]
    """The one cache entry of a PAK-JPN August 2024 fetch (a local Comtrade stand-in)."""
    with ComtradeServer(shared_data, headline=True) as comtrade:
        _config(tmp_path, monkeypatch, comtrade=comtrade.url, order=("comtrade",))
        assert runner.invoke(app, FETCH).exit_code == 0
    (entry,) = (isolated / "tradecli-cache" / "flows").glob("*.parquet")
    return entry


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("value", float("nan"), "NaN"),
        ("value", float("inf"), "Infinity"),
        ("value", -5000.0, "a negative amount"),
        ("quantity", float("nan"), "NaN"),
        ("quantity", -1.0, "a negative amount"),
    ],
)
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_poisoned_entry_is_named_never_a_traceback(
    runner, cached, column, value, said, fmt
) -> None:
    good = runner.invoke(app, [*ASK, "-f", "json"])
    assert good.exit_code == 0, good.stderr
    _poison(cached, column, value)
    result = runner.invoke(app, [*ASK, "-f", fmt])
    assert result.exit_code == ExitCode.STORAGE, (result.stderr, result.exception)
    assert "Traceback" not in result.stderr
    assert f"cache entry {cached.name} holds {said} in its {column!r} column" in result.stderr
    assert "tradecli cache clear" in result.stderr
    assert result.stdout == ""  # no figure printed, neither wrong nor partial


def test_series_refuses_it_too_and_a_cleared_cache_answers_again(runner, cached) -> None:
    _poison(cached, "value", float("nan"))
    args = ["series", "PAK", "JPN", "--from", "2024-08", "--to", "2024-08", "--offline"]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.STORAGE, result.stderr
    assert cached.name in result.stderr
    assert runner.invoke(app, ["cache", "clear"]).exit_code == 0
    again = runner.invoke(app, [*ASK, "-f", "json"])
    assert again.exit_code == 0, again.stderr
    # The sample answers August 2024 again, and says so: 17,000,000 USD of exports.
    doc = json.loads(again.stdout)
    assert doc["figures"]["exports"]["to"] == 17_000_000
    assert doc["provenance"]["origin"] == "sample"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_numbers_that_are_no_figures_are_refused_by_name(value: float) -> None:
    for format_ in (format_amount, format_percent, format_points):
        with pytest.raises(ValueError, match="not a finite number"):
            format_(value)


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ([1.0, None, 2.0], None),
        ([None, None], None),
        ([], None),
        ([0.0], None),
        ([1.0, float("nan"), None], "NaN"),
        ([float("inf"), 1.0], "Infinity"),
        ([float("-inf"), 1.0], "Infinity"),
        ([-0.5, None], "a negative amount"),
    ],
)
def test_what_is_wrong_with_a_column(values, said) -> None:
    assert what_is_wrong(pl.Series(values, dtype=pl.Float64)) == said


@pytest.mark.parametrize("bad", [float("nan"), float("-inf"), -1.0])
def test_this_version_never_stores_a_bad_amount(isolated, bad) -> None:
    """An entry this version writes is read without the reader's check, so the writer
    refuses what the check would: a NaN, infinite or negative amount is never stored."""
    from tradecli import schema
    from tradecli.cache import Cache
    from tradecli.periods import parse_period

    frame = schema.conform(
        pl.DataFrame(
            {
                "exporter": ["PAK"], "importer": ["JPN"], "reporter": ["PAK"],
                "period": [dt.date(2024, 8, 1)], "frequency": ["month"], "product": ["TOTAL"],
                "value": [bad], "currency": ["USD"], "source": ["test"],
            }
        )
    )  # fmt: skip
    cache = Cache(isolated / "c")
    with pytest.raises(ValueError, match="refusing to store"):
        cache.put(
            "k", frame, reporter="PAK", partner="JPN", source="test", dataset="d",
            start=parse_period("2024-08"), end=parse_period("2024-08"), url="", currency="USD",
            annotations={},
        )  # fmt: skip
    with pytest.raises(ValueError, match="refusing to store"):
        cache.put_dataset(
            "k2", [frame], start=parse_period("2024-08"), end=parse_period("2024-08"), url="",
            currency="USD", annotations={},
        )  # fmt: skip
    assert cache.entries() == []
