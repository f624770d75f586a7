"""--mirror checks both ends of a comparison, not only --to (issue 21)."""

from __future__ import annotations

import csv

import pytest

from tests.conftest import run_json
from tradecli.cli import app

ARGS = ["balance", "CHL", "ARG", "--from", "2002", "--to", "2006", "--mirror"]


def _ots_2002(fixtures) -> dict[tuple[str, str], dict[str, str]]:
    rows = {}
    for name in ("ots_yrp_y-2002_r-chl_p-all.csv", "ots_yrp_y-2002_r-all_p-chl.csv"):
        with open(fixtures / "real" / name, newline="") as f:
            for r in csv.DictReader(f):
                rows[(r["reporter_iso"], r["partner_iso"])] = r
    return rows


def test_mirror_over_two_years_checks_the_base_year_too(runner, fixtures) -> None:
    """2002 has both sides in the sample (Open Trade Statistics); 2006 (gravity) names no
    reporter. The check used to show 2006 only: all n/a, the 2002 gap never shown."""
    ots = _ots_2002(fixtures)
    chl, arg = ots[("chl", "arg")], ots[("arg", "chl")]
    doc = run_json(runner, ARGS)
    by_period = {p["period"]: p["flows"] for p in doc["mirror"]["periods"]}
    assert list(by_period) == ["2002", "2006"]
    base = by_period["2002"]
    assert base["exports"]["reported"] == float(chl["trade_value_usd_exp"])
    assert base["exports"]["mirror"] == float(arg["trade_value_usd_imp"])
    assert base["imports"]["reported"] == float(chl["trade_value_usd_imp"])
    assert base["imports"]["mirror"] == float(arg["trade_value_usd_exp"])
    gap = (float(arg["trade_value_usd_imp"]) / float(chl["trade_value_usd_exp"]) - 1) * 100
    assert base["exports"]["gap_pct"] == pytest.approx(gap, abs=1e-4)
    # The --to window stays where it was (period and flows), for existing readers.
    assert doc["mirror"]["period"] == "2006"
    assert doc["mirror"]["flows"] == by_period["2006"]
    assert by_period["2006"]["exports"]["reported"] is None

    out = runner.invoke(app, ARGS).stdout
    assert "Mirror check, 2002 and 2006" in out
    check = out.split("Mirror check", 1)[1]
    assert "$143M" in check and "-25.2%" in check  # 2002, Argentina's imports: the gap


def test_one_period_has_one_mirror_check(runner) -> None:
    doc = run_json(runner, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2002", "--mirror"])
    assert [p["period"] for p in doc["mirror"]["periods"]] == ["2002"]
    out = runner.invoke(
        app, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2002", "--mirror"]
    ).stdout
    assert "Mirror check, 2002:" in out
