"""The preference rule, comparability and the currency check (tradecli.analysis.core).

Written against the survivors of a mutation run (docs/MUTATION.md): each test states a
behaviour the rule promises that no other test pinned down.
"""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest

from tradecli import schema
from tradecli.analysis.core import Tier, comparable, currency_of, one_currency, pick_one, tier_notes
from tradecli.errors import UsageError


def _rows(rows: list[dict[str, object]]) -> pl.LazyFrame:
    defaults = {
        "exporter": "PAK",
        "importer": "JPN",
        "reporter": "PAK",
        "period": dt.date(2024, 8, 1),
        "frequency": "month",
        "product": "TOTAL",
        "value": 1.0,
        "currency": "USD",
        "source": "a",
    }
    full = [{**defaults, **row} for row in rows]
    return pl.DataFrame(full, schema=schema.FLOWS_SCHEMA).select(schema.FLOWS_SCHEMA.names()).lazy()


def test_mixed_currencies_error_names_the_figures_the_currencies_and_the_way_out() -> None:
    with pytest.raises(UsageError) as raised:
        one_currency(["USD", None, "JPY", "USD"], "Pakistan (PAK) with Japan (JPN)")
    error = raised.value
    assert error.message == (
        "figures for Pakistan (PAK) with Japan (JPN) are in several currencies (JPY, USD)"
    )
    # The hint says how to get an answer: never a silent choice of one currency.
    assert error.hint == (
        "tradecli never mixes currencies: use --currency USD (or another code) to convert "
        "every figure explicitly with ECB reference rates"
    )


def test_one_currency_is_that_currency_and_none_means_dollars() -> None:
    assert one_currency(["JPY", None, "JPY"], "x") == "JPY"
    assert one_currency([None], "x") == "USD"
    assert one_currency([], "x") == "USD"


def test_currency_of_checks_every_candidate_and_names_the_question() -> None:
    candidates = _rows([{"currency": "USD"}, {"currency": "JPY", "source": "b"}])
    with pytest.raises(UsageError, match=r"^figures for Chile \(CHL\) are in several"):
        currency_of(candidates, "Chile (CHL)")
    with pytest.raises(UsageError, match=r"\(JPY, USD\)"):
        currency_of(candidates.collect(), "Chile (CHL)")
    assert currency_of(_rows([{"currency": "EUR"}]), "x") == "EUR"


def test_a_change_between_unknown_sources_is_not_called_comparable() -> None:
    frame = pl.DataFrame(
        {
            "has_growth": [True, True, True, True, False],
            "source_from": ["a", "a", None, "a", "a"],
            "source_to": ["a", "b", "a", "a", "a"],
            "tier_from": [0, 0, 0, None, 0],
            "tier_to": [0, 0, 0, 0, 0],
        },
        schema={
            "has_growth": pl.Boolean,
            "source_from": pl.String,
            "source_to": pl.String,
            "tier_from": pl.Int8,
            "tier_to": pl.Int8,
        },
    )
    got = frame.select(
        c=comparable(
            pl.col("has_growth"),
            pl.col("source_from"),
            pl.col("source_to"),
            pl.col("tier_from"),
            pl.col("tier_to"),
        )
    )["c"].to_list()
    # Same source and tier: comparable; another source, or one nobody can name: not;
    # no change at all: nothing to judge.
    assert got == [True, False, False, False, None]


def test_every_lower_tier_figure_gets_its_note_whatever_comes_before_it() -> None:
    notes = tier_notes(
        {
            "exports for Aug 2024": int(Tier.OWN),
            "exports for Aug 2025": None,
            "imports for Aug 2024": int(Tier.UNKNOWN),
            "imports for Aug 2025": int(Tier.MIRROR),
            "balance for Aug 2025": int(Tier.OTHER),
        },
        "Pakistan",
    )
    assert notes == (
        "imports for Aug 2025: Pakistan's own figures were missing, so mirror figures were used",
        "balance for Aug 2025: Pakistan's own figures were missing, "
        "so third party figures were used",
    )


def test_the_winning_tier_is_kept_as_a_small_integer_column() -> None:
    # Callers concatenate and join on `tier` with Int8 columns of their own.
    rows = _rows(
        [
            {"reporter": "PAK"},
            {"reporter": None, "period": dt.date(2024, 9, 1)},
            {"reporter": "JPN", "period": dt.date(2024, 10, 1)},
            {"reporter": "USA", "period": dt.date(2024, 11, 1)},
        ]
    )
    got = pick_one(rows, ["period"], "PAK", "JPN").collect()
    assert got.schema["tier"] == pl.Int8
    assert sorted(got["tier"].to_list()) == [Tier.OWN, Tier.UNKNOWN, Tier.MIRROR, Tier.OTHER]


def test_pick_one_answers_in_a_stable_order() -> None:
    # The same data gives the same rows in the same order, run after run: the winners
    # in the order of the sorted candidates (best tier, then source id).
    rows = _rows(
        [
            {"period": dt.date(2000 + i % 25, 1 + i % 12, 1), "source": f"s{i:03d}"}
            for i in range(300)
        ]
    )
    first = pick_one(rows, ["period"], "PAK", "JPN").collect()
    expected = (
        rows.collect().sort("source").unique("period", keep="first", maintain_order=True)["period"]
    )
    assert first["period"].to_list() == expected.to_list()
    for _ in range(5):
        assert pick_one(rows, ["period"], "PAK", "JPN").collect().equals(first)


def test_a_source_the_newest_first_order_does_not_name_counts_as_oldest() -> None:
    # The embedded sample is never in the order (it is never imported or fetched): an
    # import wins over it at the same tier, even when the sample's id sorts first and
    # even when the import is the oldest of the sources that are named.
    rows = _rows(
        [
            {"source": "a-sample", "value": 1.0},
            {"source": "m-import", "value": 2.0},
            {"source": "z-import", "value": 3.0},
        ]
    )
    for order, winner in (
        (("m-import",), "m-import"),
        (("z-import", "m-import"), "z-import"),
        (("m-import", "z-import"), "m-import"),
        (("z-import",), "z-import"),
        ((), "a-sample"),  # nothing named: the first id
    ):
        got = pick_one(rows, ["period"], "PAK", "JPN", order).collect()
        assert got["source"].to_list() == [winner], order


def test_a_disagreement_is_named_with_its_period_both_sources_and_the_winner() -> None:
    from tradecli.analysis.core import conflict_notes, conflicts, unit_of

    rows = _rows(
        [
            {"source": "old", "value": 2.0},
            {"source": "new", "value": 3.5},
            {"source": "new", "value": 7.0, "period": dt.date(2023, 1, 1), "frequency": "year"},
            {"source": "old", "value": 7.0, "period": dt.date(2023, 1, 1), "frequency": "year"},
        ]
    )
    found = conflicts(rows, ["period", "frequency"], "PAK", "JPN", ("new", "old"))
    # The year agrees: only the month is a disagreement.
    assert found.select("source", "value", "other_source", "other_value").rows() == [
        ("new", 3.5, "old", 2.0)
    ]
    notes = conflict_notes(found, lambda row: f"exports for {unit_of(row)}", "JPY")
    assert notes == (
        "exports for 2024-08: new gives JPY 3.5 and old gives JPY 2 (a difference of "
        "JPY 1.5); the most recently imported or fetched, new, was used",
    )
    assert unit_of({"period": dt.date(2023, 1, 1), "frequency": "year"}) == "2023"
    with pytest.raises(AssertionError):
        unit_of({"period": "2023-01-01", "frequency": "year"})
    with pytest.raises(AssertionError):
        unit_of({"period": dt.date(2023, 1, 1), "frequency": None})


def test_the_conflict_winner_is_the_newest_source_not_the_first_id() -> None:
    from tradecli.analysis.core import conflict_notes, conflicts

    rows = _rows([{"source": "a-old", "value": 2.0}, {"source": "z-new", "value": 3.0}])
    for frame in (rows, rows.collect()):  # a LazyFrame or a DataFrame
        found = conflicts(frame, ["period"], "PAK", "JPN", ("z-new", "a-old"))
        assert found.select("source", "other_source").rows() == [("z-new", "a-old")]
    # Nothing named newest: the first id wins, as in pick_one, and the note says so
    # rather than calling it the most recent.
    found = conflicts(rows, ["period"], "PAK", "JPN")
    assert found.select("source", "other_source").rows() == [("a-old", "z-new")]
    [note] = conflict_notes(found, lambda row: "exports", "USD")
    assert note.endswith(
        "neither has an import or fetch time to rank them by, so the first by source id, "
        "a-old, was used"
    )
    ranked = conflicts(rows, ["period"], "PAK", "JPN", ("z-new", "a-old"))
    [note] = conflict_notes(ranked, lambda row: "exports", "USD")
    assert note.endswith("the most recently imported or fetched, z-new, was used")
    # One of them ranked: it wins over the unranked one by the order, and is said so.
    half = conflicts(rows, ["period"], "PAK", "JPN", ("z-new",))
    [note] = conflict_notes(half, lambda row: "exports", "USD")
    assert note.endswith("the most recently imported or fetched, z-new, was used")


def test_figures_of_different_tiers_never_conflict() -> None:
    from tradecli.analysis.core import conflicts

    # Japan's mirror figure and a third country's differ, but the mirror tier wins alone.
    rows = _rows(
        [
            {"source": "m", "reporter": "JPN", "value": 1.0},
            {"source": "t", "reporter": "USA", "value": 2.0},
        ]
    )
    assert conflicts(rows, ["period"], "PAK", "JPN", ("t", "m")).is_empty()


def test_same_tier_sources_outside_the_order_conflict_with_the_first_id_as_winner() -> None:
    from tradecli.analysis.core import conflicts

    # For every month, three sources of the reporter's own tier disagree, none of them
    # named in the read order: the winner is the first by source id, whatever order the
    # rows come in (listed here last id first, and in every other order, so a sort that
    # dropped the id would keep some other row first).
    ids = ("b-imp", "c-imp", "d-imp")
    rows = []
    for n, order in enumerate(list(itertools.permutations(ids)) * 40):
        period = dt.date(2000 + n // 12, n % 12 + 1, 1)
        for source in order:
            rows.append({"source": source, "period": period, "value": float(ids.index(source))})
    frame = _rows(rows)
    for newest_first in ((), ("a-fetch", "z-fetch")):
        found = conflicts(frame, ["period"], "PAK", "JPN", newest_first)
        assert found.height == 2 * 6 * 40
        assert set(found["source"]) == {"b-imp"}
        assert set(found["value"]) == {0.0}
        assert sorted(set(found["other_source"])) == ["c-imp", "d-imp"]
        # Every month names both losers against the same winner.
        per_month = found.group_by("period").agg(pl.col("other_source").sort())
        assert set(map(tuple, per_month["other_source"].to_list())) == {("c-imp", "d-imp")}
