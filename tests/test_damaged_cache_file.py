"""A cache file damaged after it was written (garbage in its pages, a column of another
type), in a file a query opens after the first: the entry is named with the hint to
clear the cache, exit 8 -- never a polars traceback (the first file's footer is checked
before every scan; the others only when a query over them fails)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from tradecli.cache_guard import damaged
from tradecli.cli import app
from tradecli.errors import ExitCode

ROWS = (
    "reporter,partner,flow,period,product,value_usd\n"
    "NZL,CHL,exports,2024-08,0101,5\nCHL,NZL,exports,2024-08,0101,7\n"
    "NZL,CHL,imports,2024-08,0102,3\n"
)
ASK = ["products", "NZL", "CHL", "--from", "2024-08", "--offline"]


@pytest.fixture
def part(runner, tmp_path) -> Path:
    """The NZL file of an imported two-exporter product file (read after CHL's)."""
    path = tmp_path / "nz_products.csv"
    path.write_text(ROWS)
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    [found] = Path(os.environ["TRADECLI_CACHE_DIR"]).rglob("part-NZL.parquet")
    assert sorted(p.name for p in found.parent.glob("part-*.parquet"))[0] != found.name
    assert runner.invoke(app, ASK).exit_code == 0  # whole, it answers
    return found


def _retype(path: Path) -> None:
    frame = pl.read_parquet(path, glob=False)
    frame.with_columns(pl.col("value").cast(pl.String)).write_parquet(path)


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[8 : len(data) // 2] = b"\xab" * (len(data) // 2 - 8)  # pages gone, PAR1 kept
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("harm", "said"),
    [
        (_retype, "has columns of another name or type (value)"),
        (_garble, "cannot be read ("),
    ],
    ids=["another-type", "garbled-pages"],
)
def test_a_damaged_later_file_is_named_exit_8(runner, part, harm, said) -> None:
    harm(part)
    result = runner.invoke(app, ASK)
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    error, hint = result.stderr.splitlines()[-2:]
    assert error.startswith("Error: cache entry import-nz_products.csv.dataset is damaged: ")
    assert f"its file part-NZL.parquet {said}" in error
    assert hint.startswith("Hint: clear the cache (`tradecli cache clear`)")
    assert result.stdout == ""


def test_after_clearing_it_answers_again(runner, part) -> None:
    _garble(part)
    assert runner.invoke(app, ASK).exit_code == ExitCode.STORAGE
    assert runner.invoke(app, ["cache", "clear"]).exit_code == 0
    assert runner.invoke(app, ASK).exit_code == ExitCode.NO_DATA  # nothing left, said


def test_a_query_failing_over_sound_files_is_not_blamed_on_the_cache(part) -> None:
    # Every file the queries opened reads whole: the failure is a bug, not the user's.
    assert damaged() is None


def test_only_this_answers_files_are_suspects(runner, part, tmp_path, monkeypatch) -> None:
    # A cache cleared or swapped in a long-lived process (a notebook) leaves no stale
    # suspects: the next answer names only the files it opened.
    _garble(part)
    assert runner.invoke(app, ASK).exit_code == ExitCode.STORAGE
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(tmp_path / "another-cache"))
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08"])
    assert result.exit_code == 0 and damaged() is None
