"""`--from 2024-08` with no `--to` compares with the latest period in the data. Once a
newer month is imported that is no longer a year later: the change is over 13 months,
and the answer says so (a reader takes "Aug 2024 -> Sep 2025, +26 %" for year-on-year)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradecli.analysis.windows import defaulted_span_note
from tradecli.cli import app
from tradecli.periods import Convention, parse_window

SEPTEMBERS = (
    "reporter,partner,flow,period,value,currency\n"
    "PAK,JPN,exports,2024-09,16000000,USD\n"
    "PAK,JPN,imports,2024-09,100000000,USD\n"
    "PAK,JPN,exports,2025-09,15000000,USD\n"
    "PAK,JPN,imports,2025-09,140000000,USD\n"
)


@pytest.fixture
def september(runner, tmp_path: Path) -> None:
    path = tmp_path / "sep.csv"
    path.write_text(SEPTEMBERS)
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0


def _notes(runner, *args: str) -> list[str]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["notes"]


def test_a_defaulted_to_thirteen_months_later_is_said(runner, september) -> None:
    notes = _notes(runner, "balance", "PAK", "JPN", "--from", "2024-08")
    [span] = [n for n in notes if "--to was not given" in n]
    assert "September 2025, 13 months after August 2024" in span
    assert "not year-on-year" in span and "--to 2025-08" in span
    text = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08"]).stdout
    assert "13 months after August 2024" in " ".join(text.split())


def test_no_span_note_when_to_is_given_or_a_year_later(runner, september) -> None:
    given = _notes(runner, "balance", "PAK", "JPN", "--from", "2024-08", "--to", "2025-09")
    assert not [n for n in given if "--to was not given" in n]
    year = _notes(runner, "balance", "PAK", "JPN", "--from", "2024-09")
    assert not [n for n in year if "--to was not given" in n]


def test_the_sample_headline_has_no_span_note(runner) -> None:
    notes = _notes(runner, "balance", "PAK", "JPN", "--from", "2024-08")
    assert not [n for n in notes if "--to was not given" in n]


@pytest.mark.parametrize(
    ("base", "target", "given", "convention", "months"),
    [
        ("2024-08", "2025-09", False, Convention.POINT, 13),
        ("2024-08", "2025-02", False, Convention.POINT, 6),
        ("2024-08", "2025-08", False, Convention.POINT, None),
        ("2024-08", "2026-08", False, Convention.POINT, None),
        ("2024-08", "2025-09", True, Convention.POINT, None),
        ("2024-08", "2025-09", False, Convention.WINDOW, None),
        ("2024", "2025", False, Convention.POINT, None),
        # Either window a year: years are compared, not months (the command line never
        # pairs a year with a month; a caller of the function may).
        ("2024", "2025-09", False, Convention.POINT, None),
        ("2024-08", "2025", False, Convention.POINT, None),
    ],
)
def test_defaulted_span_note(base, target, given, convention, months) -> None:
    note = defaulted_span_note(parse_window(base), parse_window(target), given, convention)
    if months is None:
        assert note is None
    else:
        assert note is not None and f", {months} months after " in note


def test_compare_previous_without_from_is_not_told_it_is_not_year_on_year(runner) -> None:
    """A month-on-month change is what --compare previous asks for."""
    notes = _notes(runner, "balance", "PAK", "JPN", "--compare", "previous")
    assert not [n for n in notes if "--to was not given" in n]


def test_a_short_span_points_to_a_year_the_data_hold(runner) -> None:
    """--from one month before the latest: a year after --from is not in the data, so the
    note offers --from a year before the latest, never --to 2026-07."""
    notes = _notes(runner, "balance", "PAK", "JPN", "--from", "2025-07")
    [span] = [n for n in notes if "--to was not given" in n]
    assert "the latest period in the data, August 2025, 1 month after July 2025" in span
    assert span.endswith("give --from 2024-08 for the year to August 2025")
    assert "2026" not in span
    year = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "--format", "json"])
    assert year.exit_code == 0  # the suggestion works
