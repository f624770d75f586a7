"""Answering from weaker data than asked is never exit 0, figure by figure (issue #20).

A failed live fetch, a fresh cache entry holding August 2024 and the embedded sample
holding August 2025: the answer used to say origin "cache" and exit 0, although its
2025 figures came from the sample. Every server is local (127.0.0.1).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.comtrade_server import ComtradeServer
from tests.oec_server import Fault
from tests.test_live_rules import _config
from tradecli.cli import app
from tradecli.errors import ExitCode, degraded_exit

ASK = ["balance", "PAK", "JPN", "--from", "2024-08", "--to", "2025-08"]
FETCH_2024 = ["fetch", "PAK", "JPN", "--from", "2024-08", "--to", "2024-08"]
SAMPLE_ID = "oec-cna-2025-reconstructed"


def _cached_2024(runner, shared_data, tmp_path, monkeypatch, extra: str = ""):  # type: ignore[no-untyped-def]
    """A running Comtrade stand-in whose August 2024 is in the cache (not 2025)."""
    comtrade = ComtradeServer(shared_data, headline=True).__enter__()
    _config(tmp_path, monkeypatch, comtrade=comtrade.url, order=("comtrade",), extra=extra)
    got = runner.invoke(app, FETCH_2024)
    assert got.exit_code == 0, got.stderr
    return comtrade


def _fail(comtrade: ComtradeServer, how: str) -> None:
    if how == "refused":  # nothing listens on the port any more
        comtrade.__exit__(None, None, None)
    else:
        status = {"500": 500, "401": 401}[how]
        comtrade.fail(*[Fault(status=status, body=b'{"message": "no"}') for _ in range(20)])


@pytest.mark.parametrize("how", ["500", "401", "refused"])
def test_fresh_cache_over_the_sample_after_a_failed_fetch_exits_fallback(
    runner, shared_data, tmp_path, monkeypatch, how
) -> None:
    comtrade = _cached_2024(runner, shared_data, tmp_path, monkeypatch)
    try:
        _fail(comtrade, how)
        results = {fmt: runner.invoke(app, [*ASK, "-f", fmt]) for fmt in ("json", "table", "csv")}
    finally:
        comtrade.__exit__(None, None, None)
    for fmt, result in results.items():
        assert result.exit_code == ExitCode.FALLBACK, (fmt, result.stderr)
        assert "Traceback" not in result.stderr
        assert "falling back to the local cache and the embedded sample" in result.stderr
        # A refused key recurs every run until renewed: the warning says what to do.
        said = "set COMTRADE_KEY to a subscription key" in result.stderr
        assert said == (how == "401"), result.stderr
    doc = json.loads(results["json"].stdout)
    exports = doc["figures"]["exports"]
    # August 2024 from the fresh fetch, August 2025 from the sample: both shown.
    assert exports["source_from"] == "comtrade:preview:M"
    assert exports["source_to"] == SAMPLE_ID
    assert doc["provenance"]["origin"] == "cache"
    assert doc["provenance"]["fetch_error"]
    assert "The live fetch failed:" in results["table"].stdout


def test_fresh_cache_alone_after_a_failed_fetch_exits_ok(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    # A question the cache answers whole, asked after the fetch failed: no figure is
    # weaker than asked, so no degraded exit (a --refresh that failed, a fresh entry).
    comtrade = _cached_2024(runner, shared_data, tmp_path, monkeypatch)
    try:
        _fail(comtrade, "500")
        args = ["balance", "PAK", "JPN", "--from", "2024-08", "--to", "2024-08", "--refresh"]
        result = runner.invoke(app, [*args, "-f", "json"])
    finally:
        comtrade.__exit__(None, None, None)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout)["figures"]["exports"]["source_to"] == "comtrade:preview:M"


def test_stale_cache_over_the_sample_exits_fallback_the_weaker_of_both(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    extra = '[cache]\nrecent_ttl = "1s"\nclosed_ttl = "1s"\n'
    comtrade = _cached_2024(runner, shared_data, tmp_path, monkeypatch, extra=extra)
    time.sleep(1.1)
    try:
        _fail(comtrade, "500")
        result = runner.invoke(app, [*ASK, "-f", "json"])
    finally:
        comtrade.__exit__(None, None, None)
    assert result.exit_code == ExitCode.FALLBACK, result.stderr
    doc = json.loads(result.stdout)
    assert doc["provenance"]["origin"] == "stale"
    assert doc["figures"]["exports"]["source_to"] == SAMPLE_ID


def test_report_over_the_sample_after_a_failed_fetch_exits_fallback(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    out: Path = tmp_path / "out"
    report = (
        "[[report]]\n"
        'name = "pj"\ncommand = "balance"\nreporter = "PAK"\npartner = "JPN"\n'
        'period = "fixed"\nfrom = "2024-08"\nto = "2025-08"\nformats = ["json"]\n'
        f'output_dir = "{out}"\n'
    )
    comtrade = _cached_2024(runner, shared_data, tmp_path, monkeypatch, extra=report)
    try:
        _fail(comtrade, "500")
        result = runner.invoke(app, ["report"])
    finally:
        comtrade.__exit__(None, None, None)
    assert result.exit_code == ExitCode.FALLBACK, result.stderr
    (written,) = out.glob("pj-*.json")
    assert json.loads(written.read_text())["provenance"]["fetch_error"]


def test_degraded_exit_takes_the_weaker_source() -> None:
    assert degraded_exit("cache", "timed out") is ExitCode.OK
    assert degraded_exit("cache", "timed out", sample=True) is ExitCode.FALLBACK
    assert degraded_exit("stale", "timed out", sample=True) is ExitCode.FALLBACK
    assert degraded_exit("stale", "timed out") is ExitCode.STALE
    assert degraded_exit("cache", None, sample=True) is ExitCode.OK  # no fetch failed
