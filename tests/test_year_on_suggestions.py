"""A suggestion tradecli prints is a command that answers.

Two hints name a way to a better question: the whole-year hint (a month of a year the
data hold only whole: "use --from 2006 --to 2006") and the `--to`-defaulted note's
year-on-year example ("e.g. --to 2007-05"). Each must name periods the data hold and
options the command takes: the suggestions below are run as printed.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tradecli import analysis
from tradecli.analysis.windows import defaulted_span_note
from tradecli.cli import app
from tradecli.periods import Convention, Period, parse_window

from .test_rules_products import JPN, PAK, _frame

# The embedded sample holds Pakistan-Japan in 2006 as a year only; its months are
# 2019-12, 2020-11..2020-12, 2024-08 and 2025-08.


def _without_period(argv: list[str]) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--period":
            skip = True
        else:
            out.append(arg)
    return out


@pytest.mark.parametrize(
    ("argv", "use"),
    [
        # ttm and ytd take no --from; window takes months only: the year is asked without them.
        (["--period", "ttm", "--to", "2006-05"], "--from 2006 --to 2006 without --period ttm"),
        (["--period", "ttm", "--to", "2007-05"], "--from 2006 --to 2006 without --period ttm"),
        (["--period", "ytd", "--to", "2006-05"], "--from 2006 --to 2006 without --period ytd"),
        (["--period", "window", "--from", "2006-03", "--to", "2006-09"],
         "--from 2006 --to 2006 without --period window"),
        # 2007 and 2005 are not in the data: the year held, not a year that is not.
        (["--from", "2006-05", "--to", "2007-05"], "--from 2006 --to 2006"),
        (["--from", "2005-05", "--to", "2006-05"], "--from 2006 --to 2006"),
        (["--from", "2006-05", "--to", "2006-05"], "--from 2006 --to 2006"),
    ],
)  # fmt: skip
def test_the_whole_year_hint_is_a_command_that_answers(runner, argv, use) -> None:
    refused = runner.invoke(app, ["balance", "PAK", "JPN", *argv])
    assert refused.exit_code == 3, refused.stderr
    hint = refused.stderr.splitlines()[-1]
    assert hint.endswith(f"; 2006 only as a whole year: use {use}")
    # Run what it says: its options, with --period dropped where it says "without".
    suggested = use.split(" without ")[0].split()
    rest = _without_period(argv) if " without --period " in use else argv
    kept = [a for a in rest if a not in ("--from", "--to") and not re.match(r"\d{4}", a)]
    answered = runner.invoke(app, ["balance", "PAK", "JPN", *kept, *suggested, "-f", "json"])
    assert answered.exit_code == 0, answered.stderr
    doc = json.loads(answered.stdout)
    # 2006 as published in the gravity file the sample was built from: PAK -> JPN
    # 206.2346 million USD (gravity_2006_flows_musd.csv).
    assert doc["figures"]["exports"]["to"] == pytest.approx(206_234_600.0)


def test_a_defaulted_to_points_to_a_year_the_data_hold(runner) -> None:
    # --from May 2006 runs to August 2025; May 2007 is not in the data, August 2024 is.
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2006-05", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    [span] = [n for n in json.loads(result.stdout)["notes"] if "--to was not given" in n]
    assert span.endswith("; give --from 2024-08 for the year to August 2025")
    followed = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", "json"])
    assert followed.exit_code == 0
    assert not [n for n in json.loads(followed.stdout)["notes"] if "--to was not given" in n]


def test_the_partners_note_points_to_a_year_the_data_hold(runner) -> None:
    # Pakistan's months: November 2020 runs to August 2025; November 2021 is not held.
    result = runner.invoke(app, ["partners", "PAK", "--from", "2020-11", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    [span] = [n for n in json.loads(result.stdout)["notes"] if "--to was not given" in n]
    assert span.endswith("; give --from 2024-08 for the year to August 2025")


def _product_months(*months: tuple[int, int]):
    """270900 exported by Pakistan to Japan, $10 a month, with its total, in ``months``."""
    return _frame(
        [
            {"period": dt.date(y, m, 1), "product": code, "value": 10.0}
            for y, m in months
            for code in ("270900", "TOTAL")
        ]
    )


@pytest.mark.parametrize("command", ["products", "drivers"])
def test_the_product_commands_note_points_to_a_year_the_data_hold(command) -> None:
    # March 2023 runs to May 2024; March 2024 is not held, May 2023 is.
    flows = _product_months((2023, 3), (2023, 5), (2024, 5))
    from tradecli.analysis.flow_drivers import drivers

    run = analysis.products if command == "products" else drivers
    result = run(flows, PAK, JPN, level="hs6", start=parse_window("2023-03"))
    [span] = [n for n in result.notes if "--to was not given" in n]
    assert span.endswith("; give --from 2023-05 for the year to May 2024")


def test_neither_year_held_gives_no_example() -> None:
    base, target = parse_window("2023-03"), parse_window("2024-05")
    held = (Period(2023, 3), Period(2024, 5))
    note = defaulted_span_note(base, target, False, Convention.POINT, held=held)
    assert note is not None and note.endswith("not year-on-year; give --to to choose")
    # Without ``held`` (not checked), the example is the year after --from, as before.
    unchecked = defaulted_span_note(base, target, False, Convention.POINT)
    assert unchecked is not None and unchecked.endswith("(e.g. --to 2024-03)")
    # The year after --from held: it is the example, before the year before --to.
    both = (*held, Period(2024, 3), Period(2023, 5))
    note = defaulted_span_note(base, target, False, Convention.POINT, held=both)
    assert note is not None and note.endswith("(e.g. --to 2024-03)")


def test_the_hint_names_only_the_years_the_windows_span() -> None:
    # 2005, 2006 and 2007 held whole: May 2006 against itself spans 2006 alone, never
    # the years around it.
    from .test_one_flow_default import _refused, _years_then_months

    one = _refused(_years_then_months((2005, 2006, 2007)), "2006-05", "2006-05")
    assert one.hint.endswith("; 2006 only as a whole year: use --from 2006 --to 2006")
