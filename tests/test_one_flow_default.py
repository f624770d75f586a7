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

from .test_rules_products import _frame

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


# The same rule through the API, on made-up months: exports and imports from July 2024 to
# August 2025, exports only in September 2025. Exports in the i-th month from July 2024
# are i + 1 (July 2024: 1, August 2024: 2, ..., July 2025: 13, August 2025: 14), imports
# 1 each month; September 2025 exports 100.
def _one_flow_months():
    import datetime as dt

    months = [dt.date(2024 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(14)]
    rows = [("PAK", "JPN", day, float(i + 1)) for i, day in enumerate(months)]
    rows += [("JPN", "PAK", day, 1.0) for day in months]
    rows.append(("PAK", "JPN", dt.date(2025, 9, 1), 100.0))
    return _frame(
        [{"exporter": e, "importer": i, "period": day, "value": v} for e, i, day, v in rows]
    )


def _balance(**kwargs):
    from tradecli import analysis
    from tradecli.codes import resolve_country

    return analysis.balance(
        _one_flow_months(), resolve_country("PAK"), resolve_country("JPN"), **kwargs
    )


def _figures(result) -> dict[str, tuple[float | None, float | None]]:
    return {f: (result.row(f)["value_from"], result.row(f)["value_to"]) for f in
            ("exports", "imports", "balance")}  # fmt: skip


def test_a_given_to_gets_no_both_flows_note_even_with_a_later_one_flow_month() -> None:
    from tradecli.periods import parse_window

    result = _balance(start=parse_window("2024-08"), end=parse_window("2025-08"))
    assert (result.start.label, result.end.label) == ("August 2024", "August 2025")
    assert _figures(result)["balance"] == (2.0 - 1.0, 14.0 - 1.0)
    assert not [n for n in result.notes if "--to was not given" in n]


def test_neither_from_nor_to_compares_the_last_month_of_both_flows_a_year_earlier() -> None:
    result = _balance()
    assert (result.start.label, result.end.label) == ("August 2024", "August 2025")
    assert _figures(result) == {"exports": (2.0, 14.0), "imports": (1.0, 1.0),
                                "balance": (1.0, 13.0)}  # fmt: skip
    [note] = [n for n in result.notes if "latest period holding both" in n]
    assert "September 2025 with exports only" in note


def test_fiscal_year_to_date_stops_at_the_last_month_of_both_flows() -> None:
    from tradecli.periods import Convention

    # A fiscal year from July: July-August 2025 against July-August 2024.
    result = _balance(convention=Convention.FISCAL_YTD, fiscal_start=7)
    assert (str(result.start.first), str(result.start.last)) == ("2024-07", "2024-08")
    assert (str(result.end.first), str(result.end.last)) == ("2025-07", "2025-08")
    assert _figures(result) == {"exports": (1.0 + 2.0, 13.0 + 14.0), "imports": (2.0, 2.0),
                                "balance": (1.0, 25.0)}  # fmt: skip


def test_year_to_date_over_years_of_both_flows_and_a_month_of_one_answers_the_month() -> None:
    # Both flows as whole years (2023, 2024), then January 2025 exports only ($3): no
    # month holds both flows, so year to date is over the data as they are: January 2025
    # against January 2024 (no monthly figure), never a crash.
    import datetime as dt

    from tradecli import analysis
    from tradecli.codes import resolve_country
    from tradecli.periods import Convention

    rows = [("PAK", "JPN", 2023, "year", 10.0), ("JPN", "PAK", 2023, "year", 4.0),
            ("PAK", "JPN", 2024, "year", 12.0), ("JPN", "PAK", 2024, "year", 5.0),
            ("PAK", "JPN", 2025, "month", 3.0)]  # fmt: skip
    flows = _frame(
        [{"exporter": e, "importer": i, "period": dt.date(y, 1, 1), "value": v, "frequency": f}
         for e, i, y, f, v in rows]
    )  # fmt: skip
    result = analysis.balance(
        flows, resolve_country("PAK"), resolve_country("JPN"), convention=Convention.YTD
    )
    assert (result.start.label, result.end.label) == ("Jan 2024", "Jan 2025")
    assert _figures(result) == {"exports": (None, 3.0), "imports": (None, None),
                                "balance": (None, None)}  # fmt: skip


def _years_then_months(years: tuple[int, ...]):
    """Both flows as whole years (exports 10, imports 4), then July-August 2024 as months."""
    import datetime as dt

    days = [(dt.date(y, 1, 1), "year") for y in years]
    days += [(dt.date(2024, m, 1), "month") for m in (7, 8)]
    return _frame(
        [{"exporter": e, "importer": i, "period": day, "value": v, "frequency": f}
         for day, f in days for e, i, v in (("PAK", "JPN", 10.0), ("JPN", "PAK", 4.0))]
    )  # fmt: skip


def _refused(flows, start: str, end: str | None = None):
    from tradecli import analysis
    from tradecli.codes import resolve_country
    from tradecli.errors import NoData
    from tradecli.periods import parse_window

    with pytest.raises(NoData) as raised:
        analysis.balance(
            flows,
            resolve_country("PAK"),
            resolve_country("JPN"),
            parse_window(start),
            None if end is None else parse_window(end),
        )
    return raised.value


def test_a_quarter_of_a_year_held_whole_without_to_names_the_year_alone() -> None:
    # --to left out: Q2 2006 against Q2 2024 (no month of it held): the way to 2006 is
    # --from 2006 alone, no --to the user did not give.
    refused = _refused(_years_then_months((2006,)), "2006-Q2")
    assert refused.message == (
        "no complete figure for Pakistan (PAK) with Japan (JPN) in Q2 2006 or Q2 2024"
    )
    assert refused.hint.startswith("the data cover months 2024-07..2024-08")
    assert refused.hint.endswith("; 2006 only as a whole year: use --from 2006")


def test_two_years_held_whole_are_both_named() -> None:
    refused = _refused(_years_then_months((2005, 2006)), "2005-05", "2006-05")
    assert refused.hint.startswith("the data cover ")
    assert refused.hint.endswith("; 2005, 2006 only as a whole year: use --from 2005 --to 2006")
