"""Generated English: possessives of names ending in s, and counts of one."""

from __future__ import annotations

import pytest

from tradecli.cli import app
from tradecli.wording import plural, possessive


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Japan", "Japan's"), ("United States", "United States'"),
     ("Philippines", "Philippines'"), ("Bahamas", "Bahamas'"), ("Chile", "Chile's")],
)  # fmt: skip
def test_possessive(name, expected) -> None:
    assert possessive(name) == expected


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 partners"), (1, "1 partner"), (2, "2 partners"),
                            (1200, "1,200 partners")],
)  # fmt: skip
def test_plural(count, expected) -> None:
    assert plural(count, "partner") == expected


def test_reports_never_say_united_statess_or_1_partners(runner, tmp_path) -> None:
    """Issue 21 (smaller): "United States's" and "1 partners" were in reports."""
    tidy = tmp_path / "one.csv"
    tidy.write_text(
        "reporter,partner,flow,period,value_usd\nUSA,PHL,exports,2019,10\nUSA,PHL,imports,2019,20\n"
    )
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    partners = runner.invoke(app, ["partners", "USA", "--from", "2019", "-f", "markdown"])
    assert partners.exit_code == 0, partners.stderr
    assert "## United States' partners, 2019" in partners.stdout
    assert "(USD; 1 partner in the data)" in partners.stdout
    mirror = runner.invoke(
        app,
        ["balance", "USA", "PHL", "--from", "2019", "--to", "2019", "--mirror", "-f", "markdown"],
    )
    text = mirror.stdout
    assert "United States' exports to Philippines (vs Philippines' imports)" in text, text
    assert "s's " not in text


def test_a_growth_ranking_names_its_base_period_in_the_title_and_chart(runner) -> None:
    """A +4,310,000 % from a tiny 2002 base heads the list: the title says "since 2002"."""
    args = ["partners", "CHL", "--from", "2002", "--to", "2006", "--sort", "growth", "--top", "3"]
    markdown = runner.invoke(app, [*args, "--format", "markdown"])
    assert markdown.exit_code == 0, markdown.stderr
    assert "Chile's partners, 2006, by growth since 2002 (USD" in markdown.stdout
    html = runner.invoke(app, [*args, "--format", "html"]).stdout
    assert "fastest trade growth since 2002" in html


def test_mirror_stand_in_note_of_a_name_ending_in_s() -> None:
    """The note for figures taken from a lower tier put the owner in the possessive by hand."""
    from tradecli.analysis.core import Tier, tier_notes

    notes = tier_notes({"exports for 2002": int(Tier.MIRROR)}, "United States")
    assert notes == (
        "exports for 2002: United States' own figures were missing, so mirror figures were used",
    )
