"""drivers' words (issue 21): possessives of names ending in s, and one unit-value note."""

from __future__ import annotations

import html as htmllib
from pathlib import Path

import pytest

from tests.conftest import run_import, run_json
from tradecli.cli import app

# Comtrade's own column names, with quantities: so the LMDI split applies and the
# unit-value caveat is due. Reporter and partner both end in s.
COMTRADE = """freq_code,ref_year,period,reporter_iso,flow_code,partner_iso,cmd_code,qty_unit_abbr,qty,net_wgt,primary_value
A,2010,2010,USA,X,PHL,030613,kg,100.0,100.0,1000.0
A,2011,2011,USA,X,PHL,030613,kg,110.0,110.0,1320.0
A,2010,2010,USA,X,PHL,160520,kg,50.0,50.0,500.0
A,2011,2011,USA,X,PHL,160520,kg,40.0,40.0,400.0
"""  # noqa: E501
ARGS = ["drivers", "USA", "PHL", "--from", "2010", "--to", "2011", "--level", "hs6"]
CAVEAT = "not prices"


@pytest.fixture
def imported(runner, tmp_path: Path) -> None:
    path = tmp_path / "usa_phl.csv"
    path.write_text(COMTRADE)
    run_import(runner, path)


def _out(runner, fmt: str) -> str:
    result = runner.invoke(app, [*ARGS, "--format", fmt])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_a_name_ending_in_s_takes_an_apostrophe_only(runner, imported, fmt) -> None:
    out = htmllib.unescape(_out(runner, fmt))
    assert "States's" not in out
    assert "United States' exports to Philippines" in out
    if fmt == "table":
        # The title and the sentence (+14.67 %: (1320 + 400) / (1000 + 500) - 1).
        assert out.startswith("United States' exports to Philippines by HS6")
        assert "United States' exports to Philippines changed by +14.7%" in out


def test_growth_is_that_of_the_listed_products(runner, imported) -> None:
    doc = run_json(runner, ARGS)
    assert doc["growth_pct"] == pytest.approx((1720 / 1500 - 1) * 100)


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_unit_values_are_not_prices_is_said_once(runner, imported, fmt) -> None:
    out = _out(runner, fmt)
    assert out.count(CAVEAT) == 1, out
    assert "Volume + price + not split = change." in out
    # The split it qualifies is there: 030613's volume effect, by hand (LMDI):
    # L(1320, 1000) x ln(110 / 100) = 320 / ln(1.32) x ln(1.1) = 109.86.
    doc = run_json(runner, ARGS)
    row = next(r for r in doc["rows"] if r["code"] == "030613")
    assert row["volume"] == pytest.approx(109.86, abs=0.01)
