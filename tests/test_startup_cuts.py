"""Start-up cuts of the sample `balance` that must stay cut, and must not change answers.

Each check here fails if its cut is undone (see bench/startup.py for the figures).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tradecli import schema
from tradecli.sources import sample
from tradecli.sources.datasets import pair_rows

SAMPLE = Path(sample.__file__).resolve().parents[1] / "data" / sample.SAMPLE_FILE
BALANCE = ["balance", "PAK", "JPN", "--from", "2024-08"]


def _after_main(argv: list[str], then: str) -> str:
    """Run `tradecli ARGV` as the program in a new process; print ``then`` after it."""
    code = (
        f"import gc, sys; sys.argv = ['tradecli', *{argv!r}]\n"
        "from tradecli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print({then}, file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return proc.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("argv", [BALANCE, ["--help"], ["balance", "PAK", "Narnia"]])
def test_the_program_freezes_its_objects_before_it_exits(argv: list[str]) -> None:
    """The interpreter's last full collections would walk every object (tens of ms)."""
    assert int(_after_main(argv, "gc.get_freeze_count()")) > 10_000


def test_a_frozen_exit_still_writes_the_whole_answer(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tradecli", *BALANCE, "--format", "json", "-q"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert out.rstrip().endswith("}") and '"exports"' in out.lower()


def _pair_figures(frame: pl.DataFrame) -> tuple[int, float]:
    return frame.height, round(float(frame["value"].sum()), 2)


def test_the_sample_is_scanned_so_an_answer_decodes_only_its_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pair's filter goes into the parquet read: no eager read of all ~26k rows."""

    def no_eager_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("the installed sample is read eagerly")

    monkeypatch.setattr(pl, "read_parquet", no_eager_read)
    flows = sample.load_sample().flows.filter(pair_rows("PAK", "JPN"))
    assert "SELECTION" in flows.explain()  # the filter is pushed into the scan
    rows = flows.collect()
    # Independently: the pair's rows of the shipped file, counted and summed by DuckDB.
    [(count, total)] = duckdb.sql(
        f"select count(*), round(sum(value), 2) from '{SAMPLE}' "
        "where (exporter = 'PAK' and importer = 'JPN') or (exporter = 'JPN' and importer = 'PAK')"
    ).fetchall()
    assert _pair_figures(rows) == (count, total)
    assert dict(rows.schema) == dict(schema.FLOWS_SCHEMA)


def test_a_sample_not_on_disk_is_read_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A zipped install has no file to scan later: it is read eagerly, same rows."""
    archive = tmp_path / "tradecli.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in (sample.SAMPLE_FILE, "sources.json"):
            z.write(SAMPLE.with_name(name), f"data/{name}")
    monkeypatch.setattr(sample, "_data_path", lambda name: zipfile.Path(archive, f"data/{name}"))
    zipped = sample.load_sample().flows.filter(pair_rows("PAK", "JPN")).collect()
    monkeypatch.undo()
    scanned = sample.load_sample().flows.filter(pair_rows("PAK", "JPN")).collect()
    assert zipped.equals(scanned)


def test_a_total_trade_balance_loads_no_product_layer() -> None:
    """Coverage, product levels and HS editions: only for products or a product-only pair."""
    loaded = set(eval(_after_main(BALANCE, "sorted(sys.modules)")))
    product_layer = {"tradecli.analysis.coverage", "tradecli.product_levels", "tradecli.editions"}
    assert "tradecli.analysis.balance" in loaded and loaded & product_layer == set()


def test_a_sample_balance_creates_no_dataclass_of_its_own() -> None:
    """A dataclass costs ~0.6 ms of generated code at import on Python 3.11 (~37 of them
    were a third of tradecli's own start-up); tradecli's records are msgspec Structs."""
    made = _after_main(
        BALANCE,
        "sorted(f'{m.__name__}.{k}' for m in list(sys.modules.values()) "
        "if m.__name__.startswith('tradecli') for k, v in vars(m).items() "
        "if isinstance(v, type) and '__dataclass_fields__' in vars(v))",
    )
    assert made == "[]"
    records = _after_main(
        BALANCE,
        "sum(1 for m in list(sys.modules.values()) if m.__name__.startswith('tradecli') "
        "for v in vars(m).values() if isinstance(v, type) and v.__module__ == m.__name__ "
        "and '__struct_fields__' in dir(v))",
    )
    assert int(records) >= 30  # the records are there, as Structs
