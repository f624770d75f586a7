"""A year held in the cache both as an annual figure and as twelve months that disagree
is noted by balance and series, in every format (issue #19, item 6): the README promises
a note whenever sources disagree, and the import-time warning is long gone by then."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_import
from tradecli.cli import app

TIDY_HEAD = "reporter,partner,flow,period,value_usd\n"
NOTE = (
    "sources disagree: PAK to JPN, 2023 (reported by PAK): the annual figure $230 "
    "(import:annual, from annual.csv) and the sum of its 12 months $180 (import:monthly, "
    "from monthly.csv) differ by more than 0.1%; the annual figure is shown"
)


def _files(folder: Path, annual: int, months: list[int]) -> None:
    (folder / "annual.csv").write_text(TIDY_HEAD + f"PAK,JPN,exports,2023,{annual}\n")
    (folder / "monthly.csv").write_text(
        TIDY_HEAD + "".join(f"PAK,JPN,exports,2023-{m:02d},{v}\n" for m, v in enumerate(months, 1))
    )


def _imported(runner, folder: Path, annual: int, months: list[int]) -> None:  # type: ignore[no-untyped-def]
    _files(folder, annual, months)
    run_import(runner, folder / "monthly.csv")
    run_import(runner, folder / "annual.csv")


# Twelve months summing to $180, computed by hand: 11 x 15 + 15.
MONTHS_180 = [15] * 12
assert sum(MONTHS_180) == 180


@pytest.mark.parametrize(
    "args",
    [
        ["balance", "PAK", "JPN", "--to", "2023"],
        ["balance", "PAK", "JPN", "--from", "2022", "--to", "2023"],
        ["series", "PAK", "JPN", "--from", "2021", "--to", "2023"],
    ],
    ids=["balance-to", "balance-from-to", "series"],
)
def test_an_annual_figure_and_its_months_that_disagree_are_noted(runner, tmp_path, args) -> None:
    _imported(runner, tmp_path, 230, MONTHS_180)
    flat = {}
    for fmt in ("table", "markdown", "html", "json"):
        result = runner.invoke(app, [*args, "--offline", "-f", fmt])
        assert result.exit_code == 0, (fmt, result.stderr)
        flat[fmt] = " ".join(result.stdout.split())
    assert NOTE in flat["table"] and NOTE in flat["markdown"]
    assert NOTE.replace("$", "") in flat["html"].replace("$", "")
    notes = json.loads(flat["json"])["notes"]
    assert any(n.startswith(NOTE) for n in notes), notes
    # The figure shown is the annual one ($230), as the note says.
    if args[0] == "balance":
        assert json.loads(flat["json"])["figures"]["exports"]["to"] == 230


def test_an_annual_figure_and_its_months_that_agree_are_not_noted(runner, tmp_path) -> None:
    _imported(runner, tmp_path, 230, [19] * 11 + [21])  # 209 + 21 = 230
    for args in (
        ["balance", "PAK", "JPN", "--to", "2023"],
        ["series", "PAK", "JPN", "--to", "2023"],
    ):
        result = runner.invoke(app, [*args, "--offline", "-f", "json"])
        assert result.exit_code == 0, result.stderr
        assert not [n for n in json.loads(result.stdout)["notes"] if "disagree" in n]


def test_a_difference_within_the_tolerance_is_not_noted(runner, tmp_path) -> None:
    # 0.1% of 100,000 is 100: months summing to 100,050 are within it.
    _imported(runner, tmp_path, 100_000, [8_337] * 11 + [8_343])  # 91,707 + 8,343 = 100,050
    result = runner.invoke(
        app, ["balance", "PAK", "JPN", "--to", "2023", "--offline", "-f", "json"]
    )
    assert result.exit_code == 0, result.stderr
    assert not [n for n in json.loads(result.stdout)["notes"] if "disagree" in n]


def test_a_month_question_is_not_noted(runner, tmp_path) -> None:
    # Months are answered by months alone: an annual figure is no other answer to them.
    _imported(runner, tmp_path, 230, MONTHS_180)
    args = ["balance", "PAK", "JPN", "--to", "2023-12", "--offline", "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert not [n for n in json.loads(result.stdout)["notes"] if "disagree" in n]


def test_months_shown_when_the_annual_figures_stop_earlier(runner, tmp_path) -> None:
    # Annual 2023 only; months for 2023 and 2024: asked 2023..2024, the months answer
    # (the annual entry does not reach 2024) and the note says the sum is shown.
    _files(tmp_path, 230, MONTHS_180)
    monthly = tmp_path / "monthly.csv"
    monthly.write_text(
        monthly.read_text() + "".join(f"PAK,JPN,exports,2024-{m:02d},20\n" for m in range(1, 13))
    )
    run_import(runner, monthly)
    run_import(runner, tmp_path / "annual.csv")
    args = ["balance", "PAK", "JPN", "--from", "2023", "--to", "2024", "--offline", "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["figures"]["exports"]["from"] == 180  # 12 x 15
    (note,) = [n for n in doc["notes"] if "disagree" in n]
    assert "the annual figure $230 (import:annual, from annual.csv)" in note
    assert "the sum of the months is shown" in note


def test_the_read_order_notes_a_year_and_asks_nothing_without_periods(runner, tmp_path) -> None:
    import os

    from tradecli.config import load_config
    from tradecli.periods import Frequency, Period
    from tradecli.sources import PairRequest, load_pair

    _imported(runner, tmp_path, 230, MONTHS_180)
    config = load_config(env=dict(os.environ))
    year = load_pair(config, PairRequest("PAK", "JPN", None, Period(2023)), offline=True)
    ((noted, note),) = year.year_notes
    assert noted == 2023 and note.startswith(NOTE)
    # A frequency wanted without a period names no year: no note, and no failure.
    bare = PairRequest("PAK", "JPN", None, None, wanted_frequency=Frequency.YEAR)
    assert load_pair(config, bare, offline=True).year_notes == ()
