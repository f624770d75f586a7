"""A scheduled report never stays silent about what it could not check or show.

A threshold whose figure is n/a is not a threshold held, and a monthly rule over data
that hold years only would publish a year under a monthly name: cron must mail both.
"""

from __future__ import annotations

import json
import re

import pytest

from tradecli.cli import app
from tradecli.errors import ExitCode

LINE = re.compile(r"^\S+ (?P<name>\S+) (?P<kind>WARNING|ERROR|ALERT) (?P<text>.*)$")


def _config(tmp_path, monkeypatch, body: str):
    path = tmp_path / "reports.toml"
    path.write_text('[api]\nnetwork = "never"\n' + body)
    monkeypatch.setenv("TRADECLI_CONFIG", str(path))
    return path


def _lines(stderr: str) -> list[tuple[str, str, str]]:
    out = []
    for line in stderr.splitlines():
        match = LINE.match(line)
        assert match, line
        out.append((match["name"], match["kind"], match["text"]))
    return out


# The month the import holds one flow of: a report left to its default stops at the
# latest month of both flows (tests/test_one_flow_default.py), so these name it.
SEPTEMBER = 'period = "fixed"\nfrom = "2024-09"\nto = "2025-09"\n'


@pytest.fixture
def one_flow(runner, tmp_path):
    """An import holding Pakistan's exports to Japan for one month only, newer than the
    sample: the latest month then has no imports figure, so no balance, and no growth."""
    tidy = tmp_path / "one.csv"
    tidy.write_text("reporter,partner,flow,period,value_usd\nPAK,JPN,exports,2025-09,15000000\n")
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    return tidy


def test_alerts_that_cannot_be_checked_are_mailed_as_warnings(
    runner, tmp_path, monkeypatch, one_flow
) -> None:
    config = _config(
        tmp_path,
        monkeypatch,
        '[[report]]\nname = "pj"\nreporter = "PAK"\npartner = "JPN"\noutput_dir = "out"\n'
        f"{SEPTEMBER}"
        '[report.alerts]\ndeficit_beyond = "100M USD"\ngrowth_below = -5\nsign_change = true\n',
    )
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.OK, result.stderr  # written: the figures it has
    lines = _lines(result.stderr)
    assert {(name, kind) for name, kind, _ in lines} == {("pj", "WARNING")}
    texts = [text for _, _, text in lines]
    assert texts == [
        "PAK-JPN: the report has no balance for Sep 2025 (no imports figure; see the "
        "report's notes)",
        "PAK-JPN: alert deficit_beyond not checked: no balance for Sep 2025",
        "PAK-JPN: alert growth_below not checked for exports: no growth from Sep 2024 to Sep 2025",
        "PAK-JPN: alert growth_below not checked for imports: no growth from Sep 2024 to Sep 2025",
        "PAK-JPN: alert sign_change not checked: no balance for Sep 2025",
    ]
    entry = json.loads((config.parent / "out" / "manifest.json").read_text())["reports"][0]
    assert entry["status"] == "ok" and entry["alerts"] == [] and entry["warnings"] == texts


def test_a_balance_report_without_its_balance_says_so_without_alerts(
    runner, tmp_path, monkeypatch, one_flow
) -> None:
    _config(
        tmp_path,
        monkeypatch,
        '[[report]]\nname = "pj"\nreporter = "PAK"\npartner = "JPN"\noutput_dir = "out"\n'
        f"{SEPTEMBER}",
    )
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.OK
    assert [(k, t) for _, k, t in _lines(result.stderr)] == [
        (
            "WARNING",
            "PAK-JPN: the report has no balance for Sep 2025 (no imports figure; see the "
            "report's notes)",
        )
    ]


def test_alerts_checked_on_whole_figures_stay_silent(runner, tmp_path, monkeypatch) -> None:
    # The embedded sample's Aug 2025 holds both flows and both years: nothing to say.
    _config(
        tmp_path,
        monkeypatch,
        '[[report]]\nname = "pj"\nreporter = "PAK"\npartner = "JPN"\noutput_dir = "out"\n'
        '[report.alerts]\ndeficit_beyond = "200M USD"\ngrowth_below = -20\nsign_change = true\n',
    )
    result = runner.invoke(app, ["report"])
    assert (result.exit_code, result.stderr, result.stdout) == (ExitCode.OK, "", "")


def test_sign_change_without_the_earlier_balance_names_the_earlier_period(
    runner, tmp_path, monkeypatch
) -> None:
    tidy = tmp_path / "late.csv"
    tidy.write_text(
        "reporter,partner,flow,period,value_usd\nPAK,CHN,exports,2023,10\n"
        "PAK,CHN,exports,2024,10\nPAK,CHN,imports,2024,15\n"
    )
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    _config(
        tmp_path,
        monkeypatch,
        '[[report]]\nname = "pc"\nreporter = "PAK"\npartner = "CHN"\nperiod = "fixed"\n'
        'from = "2023"\noutput_dir = "o"\n[report.alerts]\nsign_change = true\n',
    )
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.OK
    assert [t for _, _, t in _lines(result.stderr)] == [
        "PAK-CHN: alert sign_change not checked: no balance for 2023"
    ]


@pytest.mark.parametrize("rule", ["latest-month-yoy", "latest-month-mom"])
def test_a_monthly_rule_over_annual_data_is_refused(runner, tmp_path, monkeypatch, rule) -> None:
    # The embedded sample holds CHL-ARG as years (2002-2006) only.
    config = _config(
        tmp_path,
        monkeypatch,
        f'[[report]]\nname = "ca"\nreporter = "CHL"\npartner = "ARG"\nperiod = "{rule}"\n'
        'output_dir = "out"\n',
    )
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.NO_DATA
    [(name, kind, text)] = _lines(result.stderr)
    assert (name, kind) == ("ca", "ERROR")
    assert f"period = '{rule}' needs monthly figures" in text
    assert "hold years only (the latest is 2006)" in text
    # Never a year the data may not hold (CHL-ARG: 2002 and 2006 only, no 2005).
    assert '(hint: use period = "fixed" with to = "2006" and from = an earlier year' in text
    out = config.parent / "out"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "manifest.json"
    ]  # nothing published under a monthly name
    entry = json.loads((out / "manifest.json").read_text())["reports"][0]
    assert entry["status"] == "failed"


def test_a_fixed_annual_report_is_still_written(runner, tmp_path, monkeypatch) -> None:
    config = _config(
        tmp_path,
        monkeypatch,
        '[[report]]\nname = "ca"\nreporter = "CHL"\npartner = "ARG"\nperiod = "fixed"\n'
        'from = "2005"\nto = "2006"\noutput_dir = "out"\n',
    )
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.OK, result.stderr
    assert (config.parent / "out" / "ca-2006.md").exists()


def test_a_report_left_to_its_default_checks_the_last_month_of_both_flows(
    runner, tmp_path, monkeypatch, one_flow
) -> None:
    """The exports-only month does not leave the alert unchecked: the report is of the
    latest month holding both flows, whose published deficit ($127M) is beyond $100M."""
    _config(
        tmp_path,
        monkeypatch,
        '[[report]]\nname = "pj"\nreporter = "PAK"\npartner = "JPN"\noutput_dir = "out"\n'
        '[report.alerts]\ndeficit_beyond = "100M USD"\n',
    )
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.ALERT, result.stderr
    assert [(k, t) for _, k, t in _lines(result.stderr)] == [
        ("ALERT", "PAK-JPN deficit of $127M in Aug 2025 is beyond $100M")
    ]
