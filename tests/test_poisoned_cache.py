"""A cache written by an older tradecli, holding NaN, Infinity or a negative amount, is
refused by name when read, never a traceback nor a wrong figure (issue #20)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.comtrade_server import ComtradeServer
from tests.test_live_rules import _config
from tradecli.cache_guard import what_is_wrong
from tradecli.cli import app
from tradecli.errors import ExitCode
from tradecli.numfmt import format_amount, format_percent, format_points

FETCH = ["fetch", "PAK", "JPN", "--from", "2024-08", "--to", "2024-08"]
ASK = ["balance", "PAK", "JPN", "--from", "2024-08", "--to", "2024-08", "--offline"]


def _poison(entry: Path, column: str, value: float) -> None:
    """Rewrite the entry's file as an older tradecli could have stored it: the same
    metadata, every figure of ``column`` replaced by ``value``."""
    meta = pl.read_parquet_metadata(entry)
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
