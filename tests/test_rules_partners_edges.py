"""Edges of `partners` the mutation run found unguarded: which balances --sort deficit and
--sort surplus keep (0 is a surplus, never a deficit), and the note when --to is left to
default to a period that is not a whole number of years after --from."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tradecli import analysis
from tradecli.analysis_options import PartnerSort
from tradecli.codes import resolve_country
from tradecli.periods import parse_window

from .test_rules_products import _frame

PAK = resolve_country("PAK")


def _flows(rows: list[tuple[str, str, dt.date, float]]) -> pl.LazyFrame:
    return _frame(
        [{"exporter": e, "importer": i, "period": day, "value": v} for e, i, day, v in rows]
    )


JAN = dt.date(2024, 1, 1)
# Pakistan's balance with each: JPN -5, CHN exactly 0, USA +0.5, DEU +5 (exports - imports).
BALANCES = {"JPN": (1.0, 6.0), "CHN": (3.0, 3.0), "USA": (1.5, 1.0), "DEU": (6.0, 1.0)}
ROWS = [r for p, (x, m) in BALANCES.items() for r in (("PAK", p, JAN, x), (p, "PAK", JAN, m))]


def _ranked(sort: PartnerSort) -> list[str]:
    result = analysis.partners(
        _flows(ROWS), PAK, start=parse_window("2024-01"), end=parse_window("2024-01"), sort=sort
    )
    return result.rows["partner"].to_list()


def test_a_zero_balance_is_a_surplus_not_a_deficit() -> None:
    assert _ranked(PartnerSort.DEFICIT) == ["JPN"]
    assert _ranked(PartnerSort.SURPLUS) == ["DEU", "USA", "CHN"]  # +5, +0.5, 0


def test_a_defaulted_to_thirteen_months_on_is_said_in_partners_too() -> None:
    jan, feb = dt.date(2023, 1, 1), dt.date(2024, 2, 1)
    rows = [("PAK", "JPN", jan, 2.0), ("JPN", "PAK", jan, 1.0),
            ("PAK", "JPN", feb, 3.0), ("JPN", "PAK", feb, 1.0)]  # fmt: skip
    defaulted = analysis.partners(_flows(rows), PAK, start=parse_window("2023-01"))
    [span] = [n for n in defaulted.notes if "--to was not given" in n]
    assert "February 2024, 13 months after January 2023" in span
    given = analysis.partners(
        _flows(rows), PAK, start=parse_window("2023-01"), end=parse_window("2024-02")
    )
    assert not [n for n in given.notes if n is None or "--to was not given" in n]


JAN_ONLY = {"start": parse_window("2024-01"), "end": parse_window("2024-01")}


def _rows(rows: list[dict[str, object]]) -> pl.LazyFrame:
    """Flows given by their differing columns; the rest a TOTAL month of source "a"
    reported by Pakistan."""
    return _frame([{"period": JAN, **row} for row in rows])


def test_a_partner_code_the_country_table_lacks_is_ranked_under_its_code() -> None:
    # "ZZZ" is no code of the shipped country table (checked below): the ranking names it
    # by its code, as the data give it, beside Japan's name; never a lookup error.
    from tradecli.codes import load_countries

    assert "ZZZ" not in load_countries().by_iso3
    flows = _flows([("PAK", "ZZZ", JAN, 4.0), ("ZZZ", "PAK", JAN, 1.0),
                    ("PAK", "JPN", JAN, 2.0), ("JPN", "PAK", JAN, 1.0)])  # fmt: skip
    result = analysis.partners(flows, PAK, **JAN_ONLY)
    # Trade: ZZZ 4 + 1 = 5, JPN 2 + 1 = 3.
    assert result.rows.select("partner", "name", "value").rows() == [
        ("ZZZ", "ZZZ", 5.0),
        ("JPN", "Japan", 3.0),
    ]


def test_exactly_eight_product_only_partners_are_all_named_with_no_more() -> None:
    eight = ["ARG", "AUS", "AUT", "BEL", "BRA", "CAN", "CHE", "CHL"]  # sorted, as listed
    products_only = [{"exporter": "PAK", "importer": c, "product": "270900", "value": 7.0}
                     for c in eight]  # fmt: skip
    japan = [{"exporter": "PAK", "importer": "JPN", "value": 2.0},
             {"exporter": "JPN", "importer": "PAK", "value": 1.0}]  # fmt: skip
    flows = _rows([*japan, *products_only])
    result = analysis.partners(flows, PAK, **JAN_ONLY)
    [left_out] = [n for n in result.notes if n.startswith("left out: ")]
    assert left_out.startswith("left out: 8 partner(s) whose data for January 2024 hold ")
    assert left_out.endswith("only, not total trade (ARG, AUS, AUT, BEL, BRA, CAN, CHE, CHL)")


def test_a_same_tier_disagreement_among_partners_is_noted_and_a_lower_tier_s_is_not() -> None:
    # January 2024. Exports to Japan: sources "a" and "b", both Pakistan's own figures
    # ($10 and $12): a conflict of the winning tier, noted. Imports from Japan: Japan's
    # figure ("a", mirror, $5) over a third country's ("c", USA, $7); exports to China:
    # Pakistan's own ("a", $3) over a third country's ("c", $4): each a lower tier, not a
    # conflict, never noted.
    flows = _rows([
        {"exporter": "PAK", "importer": "JPN", "value": 10.0, "source": "a"},
        {"exporter": "PAK", "importer": "JPN", "value": 12.0, "source": "b"},
        {"exporter": "JPN", "importer": "PAK", "value": 5.0, "source": "a", "reporter": "JPN"},
        {"exporter": "JPN", "importer": "PAK", "value": 7.0, "source": "c", "reporter": "USA"},
        {"exporter": "PAK", "importer": "CHN", "value": 3.0, "source": "a"},
        {"exporter": "PAK", "importer": "CHN", "value": 4.0, "source": "c", "reporter": "USA"},
        {"exporter": "CHN", "importer": "PAK", "value": 1.0, "source": "a"},
    ])  # fmt: skip
    result = analysis.partners(flows, PAK, **JAN_ONLY)
    # "a" wins every flow (the first id among equals, else the better tier):
    # JPN 10 + 5 = 15, CHN 3 + 1 = 4.
    assert result.rows.select("partner", "exports", "imports", "value").rows() == [
        ("JPN", 10.0, 5.0, 15.0),
        ("CHN", 3.0, 1.0, 4.0),
    ]
    conflicts = [n for n in result.notes if " gives " in n]
    assert len(conflicts) == 1
    [note] = conflicts
    assert note.startswith("exports with JPN for 2024-01: a gives $10 and b gives $12")
    assert "a difference of $2" in note


def test_a_month_on_month_ranking_asked_without_from_has_no_span_note() -> None:
    # Neither --from nor --to, --compare previous: January -> February 2024 is the change
    # asked for, not a defaulted --to that a reader could take for year-on-year.
    from tradecli.periods import Compare

    feb = dt.date(2024, 2, 1)
    rows = [("PAK", "JPN", JAN, 2.0), ("JPN", "PAK", JAN, 2.0),
            ("PAK", "JPN", feb, 3.0), ("JPN", "PAK", feb, 3.0)]  # fmt: skip
    result = analysis.partners(_flows(rows), PAK, compare=Compare.PREVIOUS)
    assert (result.start.label, result.end.label) == ("January 2024", "February 2024")
    # Trade 2 + 2 = 4 -> 3 + 3 = 6: +50 %.
    assert result.rows.select("value_from", "value", "growth_pct").row(0) == (4.0, 6.0, 50.0)
    assert not [n for n in result.notes if "--to was not given" in n]
