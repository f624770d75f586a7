"""`--to` left out stops at the latest period holding both flows.

Importing one newer month of one flow (Pakistan's September 2025 exports, say) used to
move the default `--to` to that month, where the balance has no figure: the article's
question (`balance PAK JPN --from 2024-08`) then printed n/a for imports and the balance.
The newer month is said in a note and stays one `--to` away; a balance without a figure
rests on no source, and "who reported" never ends in an empty name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradecli.cli import app

# Published: the balance of Pakistan with Japan in August 2025 was -127,000,000 USD
# (the article the embedded sample is built from); these are the sample's own months.
PUBLISHED_BALANCE_AUG_2025 = -127_000_000
EXPORTS_ONLY = "reporter,partner,flow,period,value_usd\nPAK,JPN,exports,2025-09,15000000\n"


@pytest.fixture
def exports_only(runner, tmp_path: Path) -> None:
    path = tmp_path / "september-exports.csv"
    path.write_text(EXPORTS_ONLY)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr


def _json(runner, *args: str) -> dict:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_default_to_is_the_last_month_of_both_flows(runner, exports_only) -> None:
    doc = _json(runner, "balance", "PAK", "JPN", "--from", "2024-08")
    assert doc["query"]["to"] == "2025-08"
    assert doc["figures"]["balance"]["to"] == pytest.approx(PUBLISHED_BALANCE_AUG_2025)
    assert doc["figures"]["imports"]["growth_pct"] is not None
    [note] = [n for n in doc["notes"] if "latest period holding both" in n]
    assert "September 2025 with exports only" in note and "`--from 2025-09` shows it" in note
    text = " ".join(
        runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08"]).stdout.split()
    )
    assert "-$127M" in text and "September 2025 with exports only" in text


def test_the_one_flow_month_is_still_one_to_away(runner, exports_only) -> None:
    doc = _json(runner, "balance", "PAK", "JPN", "--from", "2024-08", "--to", "2025-09")
    assert doc["query"]["to"] == "2025-09"
    assert doc["figures"]["exports"]["to"] == pytest.approx(15_000_000)
    assert doc["figures"]["imports"]["to"] is None and doc["figures"]["balance"]["to"] is None
    assert not [n for n in doc["notes"] if "latest period holding both" in n]


def test_from_the_one_flow_month_answers_it(runner, exports_only) -> None:
    """--from past the last month of both flows: the data as they are, not an error."""
    doc = _json(runner, "balance", "PAK", "JPN", "--from", "2025-09")
    assert doc["figures"]["exports"]["to"] == pytest.approx(15_000_000)
    assert doc["figures"]["balance"]["to"] is None


def test_a_balance_without_a_figure_rests_on_no_source(runner, exports_only) -> None:
    doc = _json(runner, "balance", "PAK", "JPN", "--from", "2024-08", "--to", "2025-09")
    balance, imports = doc["figures"]["balance"], doc["figures"]["imports"]
    assert balance["source_to"] is None and balance["reported_by_to"] is None
    assert balance["source_from"] == "oec-cna-2025-reconstructed"  # both flows there
    assert imports["reported_by"].endswith("Sep 2025: no figure")
    text = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2025-09"]).stdout
    [row] = [line for line in text.splitlines() if line.strip().startswith("Balance")]
    assert row.split()[-2:] == ["n/a", "n/a"]  # the value and its source


def test_without_a_newer_one_flow_period_nothing_changes(runner) -> None:
    doc = _json(runner, "balance", "PAK", "JPN", "--from", "2024-08")
    assert doc["query"]["to"] == "2025-08"
    assert not [n for n in doc["notes"] if "--to was not given" in n]


def test_the_span_note_agrees_with_the_both_flows_note(runner, exports_only) -> None:
    """From July 2025 the default --to is August 2025, the last month of both flows; the
    span note must not call it the latest period in the data (September is), and its way
    to a year-on-year change names a month the data hold, not July 2026."""
    doc = _json(runner, "balance", "PAK", "JPN", "--from", "2025-07")
    [span] = [n for n in doc["notes"] if "not year-on-year" in n]
    assert "latest period in the data" not in span
    assert span.startswith("--to was not given: it is August 2025, 1 month after July 2025")
    assert span.endswith("give --from 2024-08 for the year to August 2025")
    assert [n for n in doc["notes"] if "latest period holding both" in n]


@pytest.mark.parametrize(
    ("argv", "use"),
    [
        (["--from", "2006-05", "--to", "2006-05"], "use --from 2006 --to 2006"),
        (["--from", "2006-03", "--to", "2006-09"], "use --from 2006 --to 2006"),
    ],
)
def test_a_month_of_a_year_held_whole_names_the_year(runner, argv, use) -> None:
    """The sample holds Pakistan-Japan in 2006 as a year only (and months of other
    years): a month of 2006 is refused with the year as the way to it."""
    result = runner.invoke(app, ["balance", "PAK", "JPN", *argv])
    assert result.exit_code == 3, result.stderr
    assert result.stderr.splitlines()[-1].endswith(f"2006 only as a whole year: {use}")
