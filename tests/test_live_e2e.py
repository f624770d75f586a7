"""The headline from live sources, end to end over loopback: the OEC's Japan cube in yen
(converted to dollars, explicitly) and UN Comtrade's monthly data; plus the read-order
defects of issue 10 (stale origin and exit code, errors told once, fetch offline)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.comtrade_server import ComtradeServer
from tests.oec_server import OECServer, headline_months
from tradecli import fx
from tradecli.cli import app
from tradecli.errors import ExitCode
from tradecli.periods import Period

CUBE = "trade_s_jpn_m_hs"
HEADLINE = ["balance", "PAK", "JPN", "--from", "2024-08"]


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    path = tmp_path / "live.toml"
    path.write_text(body)
    monkeypatch.setenv("TRADECLI_CONFIG", str(path))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    return path


def _jpy_per_usd(shared: Path) -> dict[int, float]:
    months = {row["period"] for row in headline_months(shared)}
    return {
        int(m.replace("-", "")): 1
        / fx.monthly_rate("JPY", "USD", Period(int(m[:4]), int(m[5:]))).rate
        for m in months
    }


@pytest.fixture
def yen_oec(shared_data, tmp_path, monkeypatch):
    """The OEC stand-in serving Japan's cube in yen: the headline's dollars x the month's rate."""
    per_usd = {**_jpy_per_usd(shared_data)}
    # The State Bank months the cube also holds get their own month's rate.
    for month in (201912, 202011, 202012):
        per_usd[month] = 1 / fx.monthly_rate("JPY", "USD", Period(month // 100, month % 100)).rate
    with OECServer(
        shared_data, currency={CUBE: "JPY"}, values_per_usd={CUBE: per_usd}, headline=True
    ) as server:
        _config(
            tmp_path,
            monkeypatch,
            f'[api]\nnetwork = "always"\nbase_url = "{server.url}"\ntimeout = 1\nretries = 1\n'
            'retry_budget = 1\n[sources]\norder = ["oec"]\n',
        )
        yield server


def test_yen_cube_prints_the_headline_in_dollars_with_the_conversion_named(runner, yen_oec) -> None:
    table = runner.invoke(app, HEADLINE)
    assert table.exit_code == 0, table.stderr
    out = table.stdout
    assert "+28" in out and "-11" in out and "-$127M" in out
    assert "Converted from JPY to USD with the monthly average of daily ECB reference" in out
    assert "2024-08: 1 JPY =" in out and "2025-08: 1 JPY =" in out
    # Fetched now: said once (the time is in the sources list and the JSON), not twice.
    [data] = [line for line in out.splitlines() if line.startswith("Data: ")]
    assert data.count("fetched") == 1 and "fetched now" in data, data
    doc = json.loads(runner.invoke(app, [*HEADLINE, "--format", "json"]).stdout)
    assert doc["currency"] == "USD"
    assert doc["figures"]["exports"]["growth_pct"] == pytest.approx(-11.0, abs=1e-6)
    assert doc["figures"]["imports"]["growth_pct"] == pytest.approx(28.0, abs=1e-6)
    assert doc["figures"]["balance"]["to"] == pytest.approx(-127e6, rel=1e-9)
    conversion = doc["provenance"]["conversion"]
    assert conversion["from"] == ["JPY"] and conversion["to"] == "USD"
    assert conversion["method"] == ["monthly average of daily ECB reference rates"]
    assert conversion["months"] == ["2024-08", "2025-08"]
    assert "European Central Bank" in conversion["source"]
    assert {r["period"] for r in conversion["rates"]} == {"2024-08", "2025-08"}
    assert doc["provenance"]["cubes"] == [CUBE]


def test_native_shows_yen_and_yen_growth_differs_by_the_exchange_rate_move(runner, yen_oec) -> None:
    usd = json.loads(runner.invoke(app, [*HEADLINE, "-f", "json"]).stdout)
    native = runner.invoke(app, [*HEADLINE, "--currency", "native", "-f", "json"])
    assert native.exit_code == 0, native.stderr
    jpy = json.loads(native.stdout)
    assert jpy["currency"] == "JPY" and "conversion" not in jpy["provenance"]
    rate = {
        m: fx.monthly_rate("JPY", "USD", Period(2024 + i, 8)).rate
        for i, m in enumerate(("2024-08", "2025-08"))
    }
    move = rate["2024-08"] / rate["2025-08"]  # yen per dollar now / then
    for flow in ("exports", "imports"):
        g_usd, g_jpy = usd["figures"][flow]["growth_pct"], jpy["figures"][flow]["growth_pct"]
        assert g_jpy != pytest.approx(g_usd, abs=0.5)
        assert 1 + g_jpy / 100 == pytest.approx((1 + g_usd / 100) * move, rel=1e-9)
    table = runner.invoke(app, [*HEADLINE, "--currency", "native"])
    assert "JPY" in table.stdout and "Converted" not in table.stdout


def test_eur_and_a_period_outside_the_rates_are_explicit(runner, yen_oec) -> None:
    eur = json.loads(runner.invoke(app, [*HEADLINE, "--currency", "eur", "-f", "json"]).stdout)
    assert eur["currency"] == "EUR"
    assert eur["provenance"]["conversion"]["to"] == "EUR"
    bad = runner.invoke(app, [*HEADLINE, "--currency", "dollars"])
    assert bad.exit_code == ExitCode.USAGE and "--currency" in bad.stderr


def test_period_outside_the_rates_names_the_coverage(runner, isolated) -> None:
    import polars as pl

    from tradecli.cache import Cache

    frame = pl.DataFrame(
        {
            "exporter": ["PAK", "JPN"],
            "importer": ["JPN", "PAK"],
            "reporter": ["JPN", "JPN"],
            "period": [Period(1998, 8).start] * 2,
            "frequency": ["month"] * 2,
            "product": ["TOTAL"] * 2,
            "value": [1e9, 2e9],
            "currency": ["JPY"] * 2,
            "source": ["oec:x"] * 2,
        }
    )
    from tradecli import schema

    frame = schema.conform(frame)
    Cache(isolated / "tradecli-cache").put(
        "k", frame, reporter="PAK", partner="JPN", source="oec", dataset=CUBE,
        start=Period(1998, 8), end=Period(1998, 8), url="http://x", currency="JPY",
        annotations={},
    )  # fmt: skip
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "1998-08", "--offline"])
    assert result.exit_code == ExitCode.USAGE
    assert "do not cover" in result.stderr and "1999-01-04.." in result.stderr
    # --to defaults to the sample's 2025-08 (in USD): native would mix yen and dollars.
    mixed = runner.invoke(
        app, ["balance", "PAK", "JPN", "--from", "1998-08", "--offline", "--currency", "native"]
    )
    assert mixed.exit_code == ExitCode.USAGE, mixed.stdout
    assert "JPY, USD" in mixed.stderr and "--currency USD" in mixed.stderr
    native = runner.invoke(
        app,
        ["balance", "PAK", "JPN", "--from", "1998-08", "--to", "1998-08", "--offline",
         "--currency", "native"],
    )  # fmt: skip
    assert native.exit_code == 0, native.stderr


@pytest.fixture
def comtrade(shared_data, tmp_path, monkeypatch):
    with ComtradeServer(shared_data, headline=True, key="s3cret-comtrade-key") as server:
        _config(
            tmp_path,
            monkeypatch,
            f'[api]\nnetwork = "auto"\ntimeout = 1\nretries = 1\nretry_budget = 1\n'
            f'[comtrade]\nbase_url = "{server.url}"\n',
        )
        yield server


def test_comtrade_answers_the_headline_from_its_monthly_data(runner, comtrade) -> None:
    result = runner.invoke(app, [*HEADLINE, "--source", "comtrade"])
    assert result.exit_code == 0, result.stderr
    assert "+28" in result.stdout and "-11" in result.stdout and "-$127M" in result.stdout
    assert "UN Comtrade monthly" in result.stdout
    assert any("/public/v1/preview/C/M/HS" in r for r in comtrade.requests)
    doc = json.loads(runner.invoke(app, [*HEADLINE, "--source", "comtrade", "-f", "json"]).stdout)
    assert doc["provenance"]["origin"] == "cache"  # the first run stored it
    (source,) = doc["provenance"]["sources"]
    assert source["id"] == "comtrade:preview:M"
    assert source["publisher"].startswith("United Nations Statistics Division")
    assert "reported by PAK" in source["note"]
    assert "FOB" in source["note"] and "CIF" in source["note"]
    assert "fetched 20" in source["note"]
    assert source["url"].startswith(comtrade.url + "/public/v1/preview/C/M/HS?")
    assert "reporterCode=586" in source["url"] and "partnerCode=392" in source["url"]
    assert "conversion" not in doc["provenance"]  # Comtrade is in dollars already


def test_comtrade_key_goes_to_the_data_endpoint_and_nowhere_else(
    runner, comtrade, monkeypatch, isolated
) -> None:
    key = "s3cret-comtrade-key"
    monkeypatch.setenv("COMTRADE_KEY", key)
    outputs = []
    for args in (
        ["fetch", "PAK", "JPN", "--from", "2024-08", "--to", "2025-08", "--source", "comtrade"],
        [*HEADLINE, "--source", "comtrade", "-f", "json"],
        [*HEADLINE, "--source", "comtrade", "-v"],
        ["cache", "info", "-f", "json"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    assert any("/data/v1/get/C/M/HS" in r for r in comtrade.requests)
    assert all(key not in r for r in comtrade.requests)  # a header, never in the URL
    assert all(key not in text for text in outputs)
    files = [p for p in (isolated / "tradecli-cache").rglob("*") if p.is_file()]
    assert files and all(key.encode() not in p.read_bytes() for p in files)
    wrong = runner.invoke(app, [*HEADLINE, "--source", "comtrade", "--refresh"], env={
        "COMTRADE_KEY": "wrong-key-123"})  # fmt: skip
    assert "wrong-key-123" not in wrong.stdout + wrong.stderr


def test_sources_order_picks_comtrade_first_without_flags(runner, comtrade, tmp_path) -> None:
    cfg = Path(str(tmp_path / "live.toml"))
    cfg.write_text(
        cfg.read_text().replace('network = "auto"', 'network = "always"')
        + '[sources]\norder = ["comtrade", "oec"]\n'
    )
    doc = json.loads(runner.invoke(app, [*HEADLINE, "-f", "json"]).stdout)
    assert doc["provenance"]["sources"][0]["id"] == "comtrade:preview:M"
    cfg.write_text(cfg.read_text().replace('"comtrade", "oec"', '"nope"'))
    bad = runner.invoke(app, HEADLINE)
    assert bad.exit_code == ExitCode.USAGE and "sources.order" in bad.stderr


# -- issue 10, item 5 -----------------------------------------------------------------


def test_fetch_refuses_the_network_when_the_config_says_never(
    runner, live_config, oec_server
) -> None:
    with open(live_config) as f:
        text = f.read()
    live_config.write_text(text.replace('network = "always"', 'network = "never"'))
    result = runner.invoke(app, ["fetch", "CHL", "ARG", "--from", "2006"])
    assert result.exit_code == ExitCode.USAGE
    assert 'api.network = "never"' in result.stderr
    assert oec_server.requests == []


def test_cache_clear_with_an_empty_age_deletes_nothing(runner, live_config, isolated) -> None:
    assert runner.invoke(app, ["fetch", "CHL", "ARG", "--from", "2006"]).exit_code == 0
    result = runner.invoke(app, ["cache", "clear", "--older-than", ""])
    assert result.exit_code == ExitCode.USAGE
    assert "--older-than" in result.stderr
    info = json.loads(runner.invoke(app, ["cache", "info", "-f", "json"]).stdout)
    assert len(info["entries"]) == 1


def _point_at(config: Path, port: int) -> None:
    text = config.read_text()
    old = text.split("127.0.0.1:")[1].split("/")[0]
    config.write_text(text.replace(f"127.0.0.1:{old}", f"127.0.0.1:{port}"))


def test_failed_refresh_of_a_fresh_entry_is_not_called_expired(
    runner, live_config, unused_port
) -> None:
    args = ["balance", "CHL", "ARG", "--from", "2006", "-f", "json"]
    assert json.loads(runner.invoke(app, args).stdout)["provenance"]["origin"] == "live"
    _point_at(live_config, unused_port)
    result = runner.invoke(app, [*args, "--refresh"])
    assert result.exit_code == 0, result.stderr
    assert "past its expiry" not in result.stderr
    assert "still fresh; the refresh failed" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["provenance"]["origin"] == "cache"
    assert "cannot connect" in doc["provenance"]["fetch_error"]


def test_stale_data_after_a_failed_fetch_say_stale_and_exit_stale(
    runner, live_config, unused_port
) -> None:
    with open(live_config, "a") as f:
        f.write('[cache]\nclosed_ttl = "1s"\n')
    args = ["balance", "CHL", "ARG", "--from", "2006", "-f", "json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0
    _point_at(live_config, unused_port)
    time.sleep(1.1)
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.STALE
    doc = json.loads(result.stdout)
    assert doc["provenance"]["origin"] == "stale"
    assert doc["figures"] == json.loads(first.stdout)["figures"]
    assert result.stderr.count("cannot connect") == 1
    # Offline, expired data are still "stale", but no fetch failed: exit 0.
    offline = runner.invoke(app, [*args, "--offline"])
    assert offline.exit_code == 0
    assert json.loads(offline.stdout)["provenance"]["origin"] == "stale"


def test_an_error_nothing_can_replace_is_printed_once(runner, live_config, unused_port) -> None:
    _point_at(live_config, unused_port)
    result = runner.invoke(app, ["balance", "FRA", "DEU", "--from", "2020"])
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE
    assert result.stderr.count("cannot connect") == 1, result.stderr


def test_comtrade_annual_figures_are_the_usa_s_own_report(runner, comtrade, shared_data) -> None:
    import csv

    path = "vignette1_USA_imports_from_DEU_FRA_JPN_MEX_TOTAL_2018_2022_annual.csv"
    with open(shared_data / "real" / "comtrade" / path, newline="") as f:
        published = {
            r["period"]: float(r["primary_value"])
            for r in csv.DictReader(f)
            if r["partner_iso"] == "DEU" and r["flow_code"] == "M"
        }
    args = ["balance", "USA", "DEU", "--from", "2018", "--to", "2022", "--source", "comtrade"]
    doc = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    imports = doc["figures"]["imports"]
    assert (imports["from"], imports["to"]) == (published["2018"], published["2022"])
    assert imports["source_to"] == "comtrade:preview:A"
    # The USA reports no exports in this data: missing, never zero.
    assert doc["figures"]["exports"]["to"] is None
    assert any("reporterCode=842" in r and "/C/A/HS" in r for r in comtrade.requests)


def test_comtrade_down_falls_back_once_and_stale_exits_stale(runner, comtrade, tmp_path) -> None:
    from tests.comtrade_server import Fault

    cfg = Path(str(tmp_path / "live.toml"))
    cfg.write_text(cfg.read_text() + '[cache]\nrecent_ttl = "1s"\nclosed_ttl = "1s"\n')
    args = [*HEADLINE, "--source", "comtrade", "-f", "json"]
    # Down from the start: --source asks it alone, so its failure is the error, told
    # once; the embedded sample never answers in its place.
    comtrade.fail(*[Fault(status=503, path="/public/") for _ in range(10)])
    down = runner.invoke(app, args)
    assert down.exit_code == ExitCode.SOURCE_UNAVAILABLE, down.stdout
    assert down.stdout == ""
    assert down.stderr.count("UN Comtrade") == 1, down.stderr
    assert "sample" not in down.stderr
    comtrade.faults.clear()
    assert json.loads(runner.invoke(app, args).stdout)["provenance"]["origin"] == "live"
    time.sleep(1.1)
    comtrade.fail(*[Fault(status=503, path="/public/") for _ in range(10)])
    stale = runner.invoke(app, args)
    assert stale.exit_code == ExitCode.STALE, stale.stderr
    doc = json.loads(stale.stdout)
    assert doc["provenance"]["origin"] == "stale"
    assert "UN Comtrade" in doc["provenance"]["fetch_error"]
    assert doc["figures"]["balance"]["to"] == pytest.approx(-127e6)


def test_a_source_answering_short_of_the_period_is_said_not_silently_replaced(
    runner, comtrade
) -> None:
    result = runner.invoke(app, [*HEADLINE, "--to", "2025-09", "--source", "comtrade"])
    assert result.exit_code == ExitCode.NO_DATA
    assert "UN Comtrade holds no PAK-JPN data for 2025-09" in result.stderr


def test_comtrade_reads_the_partner_s_report_when_the_reporter_sent_none(runner, comtrade) -> None:
    # Only Pakistan reports in the stand-in: Japan's side comes from Pakistan's report.
    args = ["balance", "JPN", "PAK", "--from", "2024-08", "--source", "comtrade", "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["figures"]["exports"]["to"] == pytest.approx(142.13e6)  # PAK's imports
    assert doc["figures"]["balance"]["to"] == pytest.approx(127e6)
    note = doc["provenance"]["sources"][0]["note"]
    assert "reported by PAK (mirror flows: PAK's statistics)" in note
    asked = [r for r in comtrade.requests if "/preview/" in r]
    # Japan's report first (in parts of at most 12 months), then Pakistan's.
    reporters = [r.split("reporterCode=")[1].split("&")[0] for r in asked]
    assert reporters == sorted(reporters, key=lambda code: code != "392")
    assert reporters[0] == "392" and reporters[-1] == "586"


def test_every_data_command_converts_explicitly_or_not_at_all(runner) -> None:
    """The sample is in dollars: in euros every figure is converted, and it is said."""
    partners = runner.invoke(app, ["partners", "PAK", "--from", "2006", "--currency", "EUR"])
    assert partners.exit_code == 0, partners.stderr
    assert "(EUR;" in partners.stdout and "Converted from USD to EUR" in partners.stdout
    assert "annual average of daily ECB reference rates" in partners.stdout
    doc = json.loads(
        runner.invoke(
            app, ["series", "PAK", "JPN", "--from", "2024-08", "--to", "2025-08", "-f", "json",
                  "--currency", "eur"],
        ).stdout
    )  # fmt: skip
    assert doc["currency"] == "EUR"
    assert doc["provenance"]["conversion"]["months"] == ["2024-08", "2025-08"]
    usd = json.loads(runner.invoke(app, [*HEADLINE, "-f", "json"]).stdout)
    assert "conversion" not in usd["provenance"]  # nothing to convert: nothing said


def test_source_options_that_cannot_apply_are_usage_errors(runner) -> None:
    cube = runner.invoke(app, [*HEADLINE, "--source", "comtrade", "--cube", "trade_s_jpn_m_hs"])
    assert cube.exit_code == ExitCode.USAGE and "--cube names an OEC cube" in cube.stderr
    partners = runner.invoke(app, ["partners", "PAK", "--source", "comtrade"])
    assert partners.exit_code == ExitCode.USAGE and "--source does not apply" in partners.stderr
    files = runner.invoke(app, [*HEADLINE, "--source", "files"])
    assert files.exit_code == ExitCode.USAGE and "not a live source" in files.stderr
    fetch = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2024-08", "--source", "x"])
    assert fetch.exit_code == ExitCode.USAGE and "unknown source 'x'" in fetch.stderr
