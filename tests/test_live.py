"""`fetch`, `cache` and data commands with the local server playing the OEC."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_json
from tests.oec_server import Fault, OECServer
from tradecli.cli import app
from tradecli.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]


def _cache_snapshot(root: Path) -> dict[str, bytes]:
    flows = root / "flows"
    if not flows.is_dir():
        return {}
    return {
        str(p.relative_to(flows)): p.read_bytes() for p in sorted(flows.rglob("*")) if p.is_file()
    }


def _point_at_port(config: Path, port: int) -> None:
    """Pull the server away: point the config's base_url at a port where nothing listens."""
    text = config.read_text()
    old = text.split("127.0.0.1:")[1].split("/")[0]
    config.write_text(text.replace(f"127.0.0.1:{old}", f"127.0.0.1:{port}"))


def test_fetch_then_offline_balance_matches_the_served_data(
    runner, live_config, isolated, shared_data
) -> None:
    result = runner.invoke(app, ["fetch", "CHL", "ARG", "--from", "2002", "--to", "2006"])
    assert result.exit_code == 0, result.stderr
    assert "Stored 4 rows for Chile (CHL) with Argentina (ARG), 2002..2006" in result.stdout
    assert "trade_i_baci_a_92" in result.stdout

    # Figures computed directly from what the server served (its source files).
    with open(shared_data / "real" / "ots_yrp_y-2002_r-chl_p-all.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["partner_iso"] == "arg")
    gravity = pl.read_csv(shared_data / "real" / "gravity_2006_flows_musd.csv")

    def flow(o: str, d: str) -> float:
        return (
            gravity.filter((pl.col("iso_o") == o) & (pl.col("iso_d") == d))["flow_musd"].item()
            * 1e6
        )

    doc = run_json(runner, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2006", "--offline"])
    figures = doc["figures"]
    assert figures["exports"]["from"] == float(row["trade_value_usd_exp"])
    assert figures["imports"]["from"] == float(row["trade_value_usd_imp"])
    assert figures["exports"]["to"] == pytest.approx(flow("CHL", "ARG"), abs=0.01)
    assert figures["balance"]["to"] == pytest.approx(
        flow("CHL", "ARG") - flow("ARG", "CHL"), abs=0.01
    )
    assert doc["provenance"]["origin"] == "cache"
    assert doc["provenance"]["fetched_at"]
    assert doc["provenance"]["sources"][0]["id"] == "oec:trade_i_baci_a_92"
    assert doc["provenance"]["cubes"] == ["trade_i_baci_a_92"]
    # The sample's 2002 figure for the same flow came from a different source id.
    assert figures["exports"]["source_from"] == "oec:trade_i_baci_a_92"


def test_balance_fetches_when_online_and_says_so(runner, live_config, oec_server) -> None:
    doc = run_json(runner, ["balance", "PAK", "JPN", "--from", "2019-12", "--to", "2020-12"])
    assert doc["provenance"]["origin"] == "live"
    assert doc["figures"]["exports"]["to"] == 14_798_000
    note = doc["provenance"]["sources"][0]["note"]
    assert "mirror flows as JPN reported them" in note
    served = len(oec_server.requests)
    again = run_json(runner, ["balance", "PAK", "JPN", "--from", "2019-12", "--to", "2020-12"])
    assert again["provenance"]["origin"] == "cache"  # fresh cache: no new request
    assert len(oec_server.requests) == served
    run_json(runner, ["balance", "PAK", "JPN", "--from", "2019-12", "--to", "2020-12", "--refresh"])
    assert len(oec_server.requests) > served


def test_server_gone_stale_cache_is_used_with_a_warning(
    runner, live_config, shared_data, tmp_path
) -> None:
    with open(live_config, "a") as f:
        f.write('[cache]\nclosed_ttl = "1s"\n')
    first = runner.invoke(app, ["balance", "CHL", "ARG", "--from", "2006", "-f", "json"])
    assert json.loads(first.stdout)["provenance"]["origin"] == "live"
    # Pull the server away: point the config at a port where nothing listens.
    _point_at_port(live_config, 9)
    time.sleep(1.1)
    result = runner.invoke(app, ["balance", "CHL", "ARG", "--from", "2006", "-f", "json"])
    # The answer is printed, and the exit code tells cron it is stale (fetch failed).
    assert result.exit_code == ExitCode.STALE, result.stderr
    assert "Warning: the OEC API is unavailable (cannot connect)" in result.stderr
    assert "past its expiry" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["provenance"]["origin"] == "stale"
    assert doc["figures"] == json.loads(first.stdout)["figures"]


def test_no_cache_and_no_server_falls_back_to_the_sample_or_fails(runner, live_config) -> None:
    _point_at_port(live_config, 9)
    ok = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08"])
    # Printed from the sample because the fetch failed: never exit 0 (FALLBACK).
    assert ok.exit_code == ExitCode.FALLBACK
    assert "falling back to the embedded sample" in ok.stderr and "-$127M" in ok.stdout
    missing = runner.invoke(app, ["balance", "FRA", "DEU", "--from", "2020"])
    assert missing.exit_code == ExitCode.SOURCE_UNAVAILABLE
    assert missing.stderr.splitlines()[-2].startswith("Error: the OEC API is unavailable")
    assert missing.stdout == ""


def test_offline_never_touches_the_network(runner, live_config, oec_server) -> None:
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "--offline"])
    assert result.exit_code == 0 and "-$127M" in result.stdout
    assert oec_server.requests == []
    assert result.stderr == ""


FAULTS = [
    ("500", [Fault(status=500)] * 3, ExitCode.SOURCE_UNAVAILABLE, "500 Internal Server Error"),
    (
        "502-html",
        [Fault(status=502, body=b"<html>bad gateway</html>", headers={"Content-Type": "text/html"})]
        * 3,
        ExitCode.SOURCE_UNAVAILABLE,
        "502 Bad Gateway",
    ),
    (
        "429",
        [Fault(status=429, headers={"Retry-After": "3600"})],
        ExitCode.SOURCE_UNAVAILABLE,
        "429 Too Many Requests",
    ),
    (
        "slow",
        [Fault(status=200, delay=1.3)] * 3,
        ExitCode.SOURCE_UNAVAILABLE,
        "no answer within 1s",
    ),
    (
        "truncated",
        [Fault(status=200, body=b'{"data": [{"Year": 20')],
        ExitCode.SOURCE_UNAVAILABLE,
        "truncated or invalid JSON",
    ),
    (
        "html-200",
        [Fault(status=200, body=b"<html>login</html>", headers={"Content-Type": "text/html"})],
        ExitCode.SOURCE_UNAVAILABLE,
        "HTML page",
    ),
    (
        "wrong-schema",
        [Fault(status=200, body=b'{"data": [{"x": 1}], "page": {"total": 1}}')],
        ExitCode.SOURCE_UNAVAILABLE,
        "cannot read country",
    ),
    ("401", [Fault(status=401)], ExitCode.AUTH_REQUIRED, "refused the request (401)"),
    ("403", [Fault(status=403)], ExitCode.AUTH_REQUIRED, "refused the request (403)"),
]


@pytest.mark.parametrize(
    ("faults", "code", "fragment"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS]
)
def test_fetch_failures_leave_the_cache_intact(
    runner, live_config, oec_server, isolated, faults, code, fragment
) -> None:
    good = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2006", "--to", "2006"])
    assert good.exit_code == 0, good.stderr
    root = isolated / "tradecli-cache"
    before = _cache_snapshot(root)
    baseline = run_json(runner, ["balance", "PAK", "JPN", "--from", "2006", "--offline"])

    for fault in faults:
        oec_server.fail(Fault(**{**fault.__dict__, "path": "data.jsonrecords"}))
    result = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2006", "--to", "2006"])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert fragment in result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert _cache_snapshot(root) == before
    assert not any((root / "tmp").glob("*"))
    assert run_json(runner, ["balance", "PAK", "JPN", "--from", "2006", "--offline"]) == baseline


def test_connection_refused_exit_code(runner, tmp_path, unused_port, monkeypatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[api]\nbase_url = "http://127.0.0.1:{unused_port}/tesseract"\n'
        "retries = 1\nretry_budget = 1\n"
    )
    monkeypatch.setenv("TRADECLI_CONFIG", str(cfg))
    result = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2006"])
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE
    assert "cannot connect" in result.stderr and "after 2 attempt(s)" in result.stderr


def test_token_never_reaches_disk_or_output(
    runner, shared_data, tmp_path, isolated, monkeypatch
) -> None:
    secret = "tok-9f8e7d6c5b4a"
    with OECServer(shared_data, token=secret) as server:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'[api]\nbase_url = "{server.url}"\n')
        monkeypatch.setenv("TRADECLI_CONFIG", str(cfg))
        monkeypatch.setenv("OEC_TOKEN", secret)
        outputs = []
        for args in (
            ["fetch", "PAK", "JPN", "--from", "2019-12"],
            ["fetch", "CHL", "ARG", "--from", "2002"],
            ["balance", "PAK", "JPN", "--from", "2019-12", "-f", "json"],
            ["balance", "PAK", "JPN", "--from", "2019-12"],
            ["cache", "info"],
            ["cache", "info", "-f", "json"],
        ):
            result = runner.invoke(app, args)
            assert result.exit_code == 0, result.stderr
            outputs.append(result.stdout + result.stderr)
        assert any(f"token={secret}" in r for r in server.requests)
        # A wrong token: the refusal message must not echo it either.
        monkeypatch.setenv("OEC_TOKEN", secret + "-wrong")
        refused = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2006"])
        assert refused.exit_code == ExitCode.AUTH_REQUIRED
        outputs.append(refused.stdout + refused.stderr)
    assert not any(secret in text for text in outputs)
    cache_root = isolated / "tradecli-cache"
    files = [p for p in cache_root.rglob("*") if p.is_file()]
    assert len(files) >= 3
    for path in files:
        assert secret.encode() not in path.read_bytes(), path


def test_corrupt_entry_is_a_miss_with_a_warning(runner, live_config, isolated) -> None:
    assert runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2006"]).exit_code == 0
    (entry,) = (isolated / "tradecli-cache" / "flows").glob("*.parquet")
    entry.write_bytes(entry.read_bytes()[:100])
    info = runner.invoke(app, ["cache", "info", "-f", "json"])
    assert info.exit_code == 0
    assert json.loads(info.stdout)["entries"] == []
    assert f"cache entry {entry.name} is unreadable" in info.stderr
    offline = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2006", "--offline"])
    assert offline.exit_code == 0 and "gravity-2006" in offline.stdout  # the sample answered
    assert "unreadable" in offline.stderr
    refetch = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2006"])
    assert refetch.exit_code == 0
    assert runner.invoke(app, ["cache", "info"]).stderr == ""


def test_cache_commands(runner, live_config, isolated) -> None:
    root = isolated / "tradecli-cache"
    assert runner.invoke(app, ["cache", "path"]).stdout.strip() == str(root)
    empty = runner.invoke(app, ["cache", "info"])
    assert "No cached entries" in empty.stdout
    for args in (
        ["fetch", "PAK", "JPN", "--from", "2006"],
        ["fetch", "CHL", "ARG", "--from", "2002", "--to", "2002"],
    ):
        assert runner.invoke(app, args).exit_code == 0
    info = json.loads(runner.invoke(app, ["cache", "info", "-f", "json"]).stdout)
    assert {e["pair"] for e in info["entries"]} == {"PAK-JPN", "CHL-ARG"}
    assert all(e["fresh"] and e["rows"] == 2 for e in info["entries"])
    kept = runner.invoke(app, ["cache", "clear", "--older-than", "1d"])
    assert kept.stdout.strip() == "Removed 0 cache entries."
    bad = runner.invoke(app, ["cache", "clear", "--older-than", "soon"])
    assert bad.exit_code == ExitCode.USAGE and "duration" in bad.stderr
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.stdout.strip() == "Removed 2 cache entries."
    assert list((root / "flows").glob("*")) == []


def _cli(env: dict[str, str], *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tradecli", *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _env(live_config: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OEC_")}
    env.update(TRADECLI_CONFIG=str(live_config), TRADECLI_CACHE_DIR=str(cache))
    return env


def test_eight_processes_fetching_at_once(live_config, tmp_path) -> None:
    cache = tmp_path / "cache"
    env = _env(live_config, cache)
    pairs = [("PAK", "JPN"), ("CHL", "ARG"), ("MEX", "USA"), ("FRA", "DEU")]
    procs = [_cli(env, "fetch", a, b, "--from", "2006") for a, b in pairs * 2]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [r[1] for r in results]
    entries = sorted((cache / "flows").glob("*.parquet"))
    assert len(entries) == 4
    for entry in entries:
        frame = pl.read_parquet(entry)
        assert frame.height == 2
    assert list((cache / "tmp").glob("*")) == []
    doc = subprocess.run(
        [sys.executable, "-m", "tradecli", "cache", "info", "-f", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(json.loads(doc.stdout)["entries"]) == 4 and doc.stderr == ""


KILL_MID_WRITE = """
import sys, time
import polars as pl
real = pl.DataFrame.write_parquet
def slow_write(self, file, **kw):
    # Write a partial file, tell the parent, then hang: the parent SIGKILLs us here.
    with open(file, "wb") as f:
        f.write(b"PAR1 partial parquet data")
        f.flush()
    print("WRITING", flush=True)
    time.sleep(60)
pl.DataFrame.write_parquet = slow_write
from tradecli.cli import main
sys.argv = ["tradecli", "fetch", "PAK", "JPN", "--from", "2006"]
main()
"""


def test_sigkill_mid_write_keeps_the_previous_entry(live_config, tmp_path) -> None:
    cache = tmp_path / "cache"
    env = _env(live_config, cache)
    first = subprocess.run(
        [sys.executable, "-m", "tradecli", "fetch", "PAK", "JPN", "--from", "2006"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert first.returncode == 0, first.stderr
    before = _cache_snapshot(cache)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_MID_WRITE],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "WRITING"
    assert any((cache / "tmp").glob("*.tmp"))  # caught in the middle of the write
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert _cache_snapshot(cache) == before  # the entry itself was never touched
    assert not list((cache / "flows").glob("*.tmp"))
    # The next writer sweeps the debris while holding the lock; readers see the old entry.
    info = subprocess.run(
        [sys.executable, "-m", "tradecli", "cache", "clear", "--older-than", "7d"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Removed 0" in info.stdout
    assert list((cache / "tmp").glob("*")) == []
    offline = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradecli",
            "balance",
            "PAK",
            "JPN",
            "--from",
            "2006",
            "--offline",
            "-f",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(offline.stdout)["provenance"]["origin"] == "cache"


def test_non_usd_cube_is_labelled_and_never_mixed(
    runner, shared_data, tmp_path, monkeypatch, isolated
) -> None:
    with OECServer(shared_data, currency={"trade_s_jpn_m_hs": "JPY"}) as server:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'[api]\nnetwork = "always"\nbase_url = "{server.url}"\n')
        monkeypatch.setenv("TRADECLI_CONFIG", str(cfg))
        fetched = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2019-12"])
        assert "(values in JPY)" in fetched.stdout
        native = ["--currency", "native"]  # the cube's own currency, unconverted
        table = runner.invoke(
            app, ["balance", "PAK", "JPN", "--from", "2019-12", "--to", "2020-12", *native]
        )
        assert table.exit_code == 0, table.stderr
        assert "with Japan (JPN), JPY" in table.stdout
        assert "JPY 14.8M" in table.stdout and "$" not in table.stdout.split("Sources")[0]
        doc = run_json(
            runner, ["balance", "PAK", "JPN", "--from", "2019-12", "--to", "2020-12", *native]
        )
        assert doc["currency"] == "JPY"
    # A USD entry for the same pair and frequency next to the JPY one must not be blended.
    from tradecli.cache import Cache
    from tradecli.periods import Period

    cache = Cache(isolated / "tradecli-cache")
    (entry,) = cache.entries()
    usd = pl.read_parquet(entry.path).with_columns(currency=pl.lit("USD"), source=pl.lit("oec:x"))
    usd = usd.filter(pl.col("period").dt.year() == 2020)
    cache.put(
        "other",
        usd,
        reporter="PAK",
        partner="JPN",
        source="oec",
        dataset="trade_x_m",
        start=Period(2020, 12),
        end=Period(2020, 12),
        url="http://x",
        currency="USD",
        annotations={},
    )
    args = ["balance", "PAK", "JPN", "--from", "2019-12", "--to", "2020-12", "--offline"]
    mixed = runner.invoke(app, [*args, "--currency", "native"])
    assert mixed.exit_code == ExitCode.USAGE
    assert "several currencies (JPY, USD)" in mixed.stderr
    # Converted, every figure of the answer is in dollars, and the note names the rates.
    converted = runner.invoke(app, args)
    assert converted.exit_code == 0, converted.stderr
    assert "Converted from JPY to USD" in converted.stdout


def test_refused_connection_leaves_the_cache_intact(
    runner, live_config, isolated, unused_port
) -> None:
    assert runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2006"]).exit_code == 0
    root = isolated / "tradecli-cache"
    before = _cache_snapshot(root)
    _point_at_port(live_config, unused_port)
    result = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2006"])
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE
    assert "cannot connect" in result.stderr and result.stdout == ""
    assert _cache_snapshot(root) == before
    offline = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2006", "--offline"])
    assert offline.exit_code == 0 and "oec:trade_i_baci_a_92" in offline.stdout
