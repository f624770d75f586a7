"""Edges of `partners` the mutation run found unguarded: which balances --sort deficit and
--sort surplus keep (0 is a surplus, never a deficit), and the note when --to is left to
default to a period that is not a whole number of years after --from."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tradecli import analysis, schema
from tradecli.analysis_options import PartnerSort
from tradecli.codes import resolve_country
from tradecli.periods import parse_window

PAK = resolve_country("PAK")


def _flows(rows: list[tuple[str, str, dt.date, float]]) -> pl.LazyFrame:
    full = [
        {"exporter": e, "importer": i, "reporter": "PAK", "period": day, "value": v,
         "frequency": "month", "product": "TOTAL", "currency": "USD", "source": "a"}
        for e, i, day, v in rows
    ]  # fmt: skip
    return pl.DataFrame(full, schema=schema.FLOWS_SCHEMA).select(schema.FLOWS_SCHEMA.names()).lazy()


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
