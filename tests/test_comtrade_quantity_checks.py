"""UN Comtrade quantities are checked as strictly as values (issue #20): a qty or netWgt
that is NaN, Infinity or negative never reaches the cache; it is null, and a note says
so. The values of those rows still stand. Served over loopback from Thailand's recorded
shrimp (HS 030613) rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from tests.comtrade_server import ComtradeServer
from tradecli.answers import answer_quantity
from tradecli.cli import app

SHRIMP = "vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"
ARGS = ["balance", "THA", "USA", "--from", "2010", "--to", "2011", "--source", "comtrade"]
ARGS += ["--product", "030613"]
NOTE = "with a {} that is no finite, non-negative number (NaN, Infinity or negative)"


def _total_row(record: dict, year: int) -> bool:  # type: ignore[type-arg]
    return (
        record.get("reporterCode") == 764
        and record.get("partnerCode") == 842
        and record.get("cmdCode") == "030613"
        and record.get("flowCode") == "X"
        and str(record.get("period")) == str(year)
        and record.get("partner2Code") == 0
        and record.get("customsCode") == "C00"
        and record.get("motCode") == 0
    )


def _published(shared: Path, year: str) -> float:
    """Thailand's exports of HS 030613 to the USA in ``year``, read with the csv module."""
    with open(shared / "real" / "comtrade" / SHRIMP, newline="") as f:
        return sum(
            float(r["primary_value"])
            for r in csv.DictReader(f)
            if (r["partner_iso"], r["flow_code"], r["cmd_code"], r["period"])
            == ("USA", "X", "030613", year)
            and (r["partner2code"], r["customs_code"], r["mot_code"]) == ("0", "C00", "0")
        )


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


def test_broken_quantities_are_null_with_a_note_and_never_cached(
    runner, comtrade, shared_data, isolated
) -> None:
    # A bare NaN or Infinity token makes the whole answer invalid JSON (refused, exit 4);
    # as text, or as 1e999 (a float past the largest), they come through to be checked.
    poisoned = {2011: ("NaN", "1e999"), 2010: (-5.0, -7.0)}
    touched = 0
    for record in comtrade.records:
        for year, (qty, weight) in poisoned.items():
            if _total_row(record, year):
                record.update(qty=qty, netWgt=weight, qtyUnitAbbr="kg")
                touched += 1
    assert touched == 2
    result = runner.invoke(app, [*ARGS, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    exports = doc["figures"]["exports"]
    # The values stand: as published.
    assert (exports["from"], exports["to"]) == (
        _published(shared_data, "2010"),
        _published(shared_data, "2011"),
    )
    note = doc["provenance"]["sources"][0]["note"]
    assert "2 row(s) " + NOTE.format("qty") in note
    assert "2 row(s) " + NOTE.format("netWgt") in note
    table = runner.invoke(app, ARGS)
    assert table.exit_code == 0, table.stderr
    assert NOTE.format("qty") in " ".join(table.stdout.split())
    # Nothing that is no number reached the cache: the quantities are null.
    files = list((isolated / "tradecli-cache" / "flows").glob("comtrade*"))
    assert files
    stored = pl.concat([pl.read_parquet(f) for f in files])
    assert stored["quantity"].is_nan().sum() == 0
    assert stored["quantity"].is_infinite().sum() == 0
    assert (stored["quantity"] < 0).sum() == 0
    thailand = stored.filter(
        (pl.col("exporter") == "THA")
        & (pl.col("importer") == "USA")
        & (pl.col("product") == "030613")
    )
    assert thailand.height == 2
    assert thailand["quantity"].to_list() == [None, None]


@pytest.mark.parametrize(
    ("given", "kept", "refused"),
    [
        (None, None, False),
        ("", None, False),
        (12.5, 12.5, False),
        (0, 0, False),
        ("40", "40", False),
        (float("nan"), None, True),
        (float("inf"), None, True),
        ("-Infinity", None, True),
        (-1, None, True),
        ("lots", None, True),
        (True, None, True),
    ],
)
def test_a_quantity_is_kept_or_refused(given, kept, refused) -> None:
    assert answer_quantity(given) == (kept, refused)
