"""What a new user, walking the README in a fresh clone, found misleading."""

from __future__ import annotations

import json

from tradecli.cli import app


def test_converted_figures_are_not_called_published_by_the_legend(runner) -> None:
    """The ‡ legend said "unmarked figures are published" beside EUR figures that were
    converted from published dollars (the growth in euros is not the published -11 %)."""
    args = ["balance", "PAK", "JPN", "--from", "2024-08", "--to", "2025-08"]
    converted = runner.invoke(app, [*args, "--currency", "EUR", "-f", "json"])
    assert converted.exit_code == 0, converted.stderr
    [legend] = [n for n in json.loads(converted.stdout)["notes"] if n.startswith("‡")]
    assert "unmarked figures are published figures converted into EUR" in legend
    dollars = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    [legend] = [n for n in dollars["notes"] if n.startswith("‡")]
    assert legend.endswith("unmarked figures are published")


def test_a_bad_product_code_hint_names_a_command_that_exists(runner) -> None:
    result = runner.invoke(app, ["balance", "CHL", "ARG", "--from", "2004", "--to", "2004",
                                 "--product", "9"])  # fmt: skip
    assert result.exit_code != 0
    assert "tradecli products-codes WORD" in result.stderr
    assert "codes hs" not in result.stderr


def test_an_import_of_one_flow_says_one_flow(runner, tmp_path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(
        "reporter,partner,flow,period,value,currency\nPAK,JPN,exports,2025-11,1000,USD\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Imported 1 flow from one.csv (tidy): 2 countries, ")
