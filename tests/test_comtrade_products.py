"""UN Comtrade answers --product with the HS codes asked for, end to end over loopback
(issue 10: totals and HS products), from Thailand's recorded shrimp (HS 030613) data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.comtrade_server import ComtradeServer
from tradecli.cli import app
from tradecli.errors import ExitCode

SHRIMP = "vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"
ARGS = ["balance", "THA", "USA", "--from", "2007", "--to", "2011", "--source", "comtrade"]


@pytest.fixture
def comtrade(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with ComtradeServer(shared_data) as server:
        path = tmp_path / "live.toml"
        path.write_text(
            f'[api]\nnetwork = "auto"\ntimeout = 1\nretries = 1\nretry_budget = 1\n'
            f'[comtrade]\nbase_url = "{server.url}"\n'
        )
        monkeypatch.setenv("TRADECLI_CONFIG", str(path))
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.delenv(var, raising=False)
        yield server


def _published(shared: Path, partner: str, flow: str) -> dict[str, float]:
    """Thailand's own total rows for HS 030613 with ``partner``, summed per year."""
    sums: dict[str, float] = {}
    with open(shared / "real" / "comtrade" / SHRIMP, newline="") as f:
        for r in csv.DictReader(f):
            if (
                r["partner_iso"] == partner
                and r["flow_code"] == flow
                and r["cmd_code"] == "030613"
                and r["partner2code"] == "0"
                and r["customs_code"] == "C00"
                and r["mot_code"] == "0"
            ):
                sums[r["period"]] = sums.get(r["period"], 0.0) + float(r["primary_value"])
    return sums


def test_product_figures_are_the_published_hs6_rows(runner, comtrade, shared_data) -> None:
    exports = _published(shared_data, "USA", "X")
    assert {"2007", "2011"} <= exports.keys()
    result = runner.invoke(app, [*ARGS, "--product", "030613", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    figures = doc["figures"]["exports"]
    assert (figures["from"], figures["to"]) == (exports["2007"], exports["2011"])
    assert figures["source_to"] == "comtrade:preview:A:030613"
    # Comtrade was asked for the product, never for total trade.
    asked = [r for r in comtrade.requests if "/C/A/HS" in r]
    assert asked and all("cmdCode=030613" in r for r in asked), asked
    source = doc["provenance"]["sources"][0]
    assert source["publisher"].startswith("United Nations")
    assert "030613" in source["title"] and "only" in source["title"]
    assert "not total trade" in source["note"]


def test_product_entry_says_which_products_it_holds(runner, comtrade) -> None:
    import os

    from tradecli.config import load_config
    from tradecli.sources import open_cache

    assert runner.invoke(app, [*ARGS, "--product", "030613"]).exit_code == 0
    cache = open_cache(load_config(env=dict(os.environ)), lambda message: None)
    entries = [e for e in cache.entries() if e.source == "comtrade"]
    assert len(entries) == 1
    coverage = entries[0].annotations["coverage"]
    assert coverage["total"] is False and coverage["products"] == ["030613"]


def test_a_totals_request_is_not_answered_by_a_products_entry(runner, comtrade) -> None:
    assert runner.invoke(app, [*ARGS, "--product", "030613"]).exit_code == 0
    before = len(comtrade.requests)
    # Total trade asks Comtrade for TOTAL: the shrimp entry is no answer for it.
    result = runner.invoke(app, [*ARGS, "-f", "json"])
    totals = [r for r in comtrade.requests[before:] if "/C/A/HS" in r]
    assert totals and all("cmdCode=TOTAL" in r for r in totals), totals
    assert result.exit_code != 0 or "030613" not in result.stdout


def test_a_section_is_refused_as_no_comtrade_code(runner, comtrade) -> None:
    result = runner.invoke(app, [*ARGS, "--product", "S01"])
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert "S01" in result.stderr and "Traceback" not in result.stderr
    assert not [r for r in comtrade.requests if "/C/A/HS" in r]


def test_a_cached_product_answers_again_and_another_product_is_fetched(runner, comtrade) -> None:
    first = runner.invoke(app, [*ARGS, "--product", "030613", "-f", "json"])
    assert first.exit_code == 0, first.stderr
    before = len(comtrade.requests)
    again = runner.invoke(app, [*ARGS, "--product", "030613", "-f", "json"])
    assert again.exit_code == 0 and len(comtrade.requests) == before  # from the cache
    assert json.loads(again.stdout)["figures"] == json.loads(first.stdout)["figures"]
    # Another code is not in the entry: Comtrade is asked for it, never answered with 030613.
    runner.invoke(app, [*ARGS, "--product", "030616"])
    assert any("cmdCode=030616" in r for r in comtrade.requests[before:])


def test_codes_sent_to_comtrade_and_sections_refused_without_stopping_the_order() -> None:
    from tradecli.errors import NoData, UsageError
    from tradecli.sources.base import PairRequest
    from tradecli.sources.comtrade import comtrade_products

    def request(*codes: str) -> PairRequest:
        return PairRequest("THA", "USA", None, None, products=codes)

    assert comtrade_products(request(), chosen=True) == ("TOTAL",)
    assert comtrade_products(request("03", "0306", "030613"), chosen=True) == (
        "03",
        "0306",
        "030613",
    )
    with pytest.raises(UsageError, match="S01"):
        comtrade_products(request("S01"), chosen=True)
    # In the default order a section is Comtrade's gap: another source may answer it.
    with pytest.raises(NoData, match="S01"):
        comtrade_products(request("S01"), chosen=False)
