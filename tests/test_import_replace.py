"""One file name, one cache entry: re-imports, concurrent imports and kill -9, in real processes.

An import is keyed by its file name. Whatever happens (the same name imported again
with new content, two processes importing two versions at once, an import killed
while it waits to commit), the cache ends with one entry for the name whose flows
are exactly one version's, never both, never a mixture.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from tradecli import fsutil

HEAD = "reporter,partner,flow,period,value_usd\n"


def _version(folder: Path, partner: str, value: int, rows: int = 1) -> Path:
    """pak.csv, in ``folder``: PAK's exports to ``partner`` (and a few more months)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pak.csv"
    months = [f"20{20 + m // 12}-{m % 12 + 1:02d}" for m in range(rows)]
    path.write_text(HEAD + "".join(f"PAK,{partner},exports,{m},{value}\n" for m in months))
    return path


def _tradecli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tradecli", *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _cache(isolated: Path) -> Path:
    return isolated / "tradecli-cache"


def _entries(isolated: Path) -> list[Path]:
    flows = _cache(isolated) / "flows"
    return (
        sorted(p for p in flows.iterdir() if not p.name.startswith(".")) if flows.exists() else []
    )


def _flows(entry: Path) -> set[tuple[str, str, float]]:
    frame = pl.read_parquet(sorted(entry.glob("part-*.parquet")))
    return set(frame.select("exporter", "importer", "value").rows())


def _wait_for_builds(isolated: Path, count: int, timeout: float = 60) -> None:
    """Until ``count`` imports have built their entry in tmp/ (and wait for the lock)."""
    tmp = _cache(isolated) / "tmp"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tmp.is_dir() and len(list(tmp.rglob("_entry.json"))) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{count} import(s) never finished building")


def _held_lock(isolated: Path):
    _cache(isolated).mkdir(parents=True, exist_ok=True)
    return fsutil.locked(_cache(isolated) / "cache.lock", 60, "the test's cache")


def test_reimport_in_another_process_replaces_the_entry(isolated, tmp_path) -> None:
    first = _tradecli("import", str(_version(tmp_path, "IND", 300_000_000)))
    assert first.wait(60) == 0, first.stderr.read()  # type: ignore[union-attr]
    second = _tradecli("import", str(_version(tmp_path, "IDN", 300_000_000)))
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert "Replaces the previous import: pak.csv" in out
    assert "(1 added, 1 removed, 0 changed in value)" in out
    [entry] = _entries(isolated)
    assert _flows(entry) == {("PAK", "IDN", 300_000_000.0)}
    balance = _tradecli("balance", "PAK", "IND", "--from", "2020-01", "--offline")
    balance.communicate(timeout=60)
    assert balance.returncode == 3  # no data: the removed flow is gone


def test_two_concurrent_imports_of_one_name_leave_one_whole_version(isolated, tmp_path) -> None:
    a = _version(tmp_path / "a", "IND", 1, rows=24)
    b = _version(tmp_path / "b", "IDN", 2, rows=24)
    # Both imports build while the lock is held, so they race for the same commit.
    with _held_lock(isolated):
        procs = [_tradecli("import", str(a)), _tradecli("import", str(b))]
        _wait_for_builds(isolated, 2)
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    [entry] = _entries(isolated)
    assert _flows(entry) in (
        {("PAK", "IND", 1.0)},
        {("PAK", "IDN", 2.0)},
    )
    assert pl.read_parquet(sorted(entry.glob("part-*.parquet"))).height == 24


def test_kill_9_before_the_commit_leaves_the_previous_entry(isolated, tmp_path) -> None:
    old = _tradecli("import", str(_version(tmp_path, "IND", 5)))
    assert old.wait(60) == 0
    [entry] = _entries(isolated)
    before = {p.name: p.read_bytes() for p in entry.iterdir()}
    with _held_lock(isolated):
        proc = _tradecli("import", str(_version(tmp_path, "IDN", 7)))
        _wait_for_builds(isolated, 1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert _entries(isolated) == [entry]
    assert {p.name: p.read_bytes() for p in entry.iterdir()} == before
    # The next import sweeps what the killed one left and replaces the entry.
    again = _tradecli("import", str(_version(tmp_path, "IDN", 7)))
    _out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert _entries(isolated) == [entry] and _flows(entry) == {("PAK", "IDN", 7.0)}
    assert not [p for p in (_cache(isolated) / "tmp").iterdir() if p.name.startswith(".")]
