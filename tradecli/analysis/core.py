"""The rules every figure obeys, each written once.

- Which figure wins (:func:`pick_one`): when several rows give the same flow for
  the same period, one wins by tier (:class:`Tier`), then the most recently
  imported or fetched source (the embedded sample is oldest), then by source id.
  Never a sum of two sources. The winning tier stays on the row as ``tier``;
  :func:`conflicts` lists the same-tier disagreements so a note can name them.
- Growth (:func:`growth`): (now - base) / base x 100, null when either value is
  missing or the base is zero (or negative, which a trade flow never is).
- The currency check (:func:`one_currency`): one currency per answer, or an error.

Window sums live in :mod:`tradecli.analysis.windows`; period stepping in
:mod:`tradecli.periods`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from enum import IntEnum

import polars as pl

from tradecli.errors import UsageError
from tradecli.wording import possessive


class Tier(IntEnum):
    """Whose figure wins, best first. The same order holds in every command."""

    OWN = 0  # the reporter's own statistics
    UNKNOWN = 1  # a source that does not say who reported the figure
    MIRROR = 2  # the partner's statistics of the same flow (e.g. its imports as our exports)
    OTHER = 3  # a third country's statistics

    @property
    def label(self) -> str:
        return TIER_LABELS[self]


TIER_LABELS = {
    Tier.OWN: "reported",
    Tier.UNKNOWN: "reporter unknown",
    Tier.MIRROR: "mirror",
    Tier.OTHER: "third party",
}


def _col(name: str | pl.Expr) -> pl.Expr:
    return name if isinstance(name, pl.Expr) else pl.lit(name)


def tier(reporter: str | pl.Expr, partner: str | pl.Expr) -> pl.Expr:
    """The :class:`Tier` of each row, as an Int8, seen from ``reporter``'s side.

    ``reporter`` and ``partner`` are country codes, or expressions giving them
    per row (``partners`` has one partner per row).
    """
    who = pl.col("reporter")
    return (
        pl.when(who == _col(reporter))
        .then(pl.lit(int(Tier.OWN), pl.Int8))
        .when(who.is_null())
        .then(pl.lit(int(Tier.UNKNOWN), pl.Int8))
        .when(who == _col(partner))
        .then(pl.lit(int(Tier.MIRROR), pl.Int8))
        .otherwise(pl.lit(int(Tier.OTHER), pl.Int8))
    )


def _recency(newest_first: Sequence[str]) -> pl.Expr:
    """Rank of each row's source in ``newest_first`` (0 = newest); unknown sources last."""
    ranks = {source: i for i, source in enumerate(newest_first)}
    return pl.col("source").replace_strict(ranks, default=len(ranks), return_dtype=pl.Int32)


def pick_one(
    frame: pl.LazyFrame,
    keys: Sequence[str],
    reporter: str | pl.Expr,
    partner: str | pl.Expr,
    newest_first: Sequence[str] = (),
) -> pl.LazyFrame:
    """One row per ``keys``: the best tier wins, then the newest source, then the first id.

    ``newest_first`` lists source ids from the most recently imported or fetched
    to the oldest; a source not in it (the embedded sample) counts as oldest.
    The result keeps a ``tier`` column (Int8, a :class:`Tier` value) saying
    which tier won, so callers can label mirror figures and say when a lower
    tier stood in for a missing higher one.
    """
    return (
        frame.with_columns(tier=tier(reporter, partner), _recency=_recency(newest_first))
        .sort("tier", "_recency", "source")
        .group_by(list(keys), maintain_order=True)
        .first()
        .drop("_recency")
    )


def conflicts(
    frame: pl.LazyFrame | pl.DataFrame,
    keys: Sequence[str],
    reporter: str | pl.Expr,
    partner: str | pl.Expr,
    newest_first: Sequence[str] = (),
) -> pl.DataFrame:
    """Where two sources of the winning tier give different values for the same ``keys``.

    One row per key and losing source: ``keys``, source (the winner), value,
    other_source, other_value, by_order (the winner came later in the read order; false
    when neither is in it and the first id won). Empty when every source of the best
    tier agrees.
    """
    return conflicts_query(frame, keys, reporter, partner, newest_first).collect()


def conflicts_query(
    frame: pl.LazyFrame | pl.DataFrame,
    keys: Sequence[str],
    reporter: str | pl.Expr,
    partner: str | pl.Expr,
    newest_first: Sequence[str] = (),
) -> pl.LazyFrame:
    """:func:`conflicts`, not yet collected (to collect with other queries at once)."""
    lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    ranked = (
        lazy.with_columns(tier=tier(reporter, partner), _recency=_recency(newest_first))
        .sort("tier", "_recency", "source")
        .with_columns(
            _best=pl.col("tier").first().over(list(keys)),
            _winner=pl.col("source").first().over(list(keys)),
            _winner_value=pl.col("value").first().over(list(keys)),
            _winner_recency=pl.col("_recency").first().over(list(keys)),
        )
        .filter((pl.col("tier") == pl.col("_best")) & (pl.col("source") != pl.col("_winner")))
        .filter(pl.col("value") != pl.col("_winner_value"))
    )
    return ranked.select(
        *keys,
        source="_winner",
        value="_winner_value",
        other_source="source",
        other_value="value",
        # Whether the read order decided it (else both were outside it: the first id won).
        by_order=pl.col("_winner_recency") < pl.col("_recency"),
    )


def conflict_notes(
    found: pl.DataFrame, what: Callable[[dict[str, object]], str], currency: str
) -> tuple[str, ...]:
    """Notes for :func:`conflicts`: both sources named, the difference given, the winner said.

    ``what`` describes a key in words ("exports for 2024-08").
    """
    from tradecli.numfmt import currency_symbol, format_amount

    symbol = currency_symbol(currency)
    notes = []
    for row in found.iter_rows(named=True):
        value, other = float(row["value"]), float(row["other_value"])
        notes.append(
            f"{what(row)}: {row['source']} gives {format_amount(value, symbol)} and "
            f"{row['other_source']} gives {format_amount(other, symbol)} (a difference of "
            f"{format_amount(abs(value - other), symbol)}); "
            + (
                f"the most recently imported or fetched, {row['source']}, was used"
                if row.get("by_order", True)
                else "neither has an import or fetch time to rank them by, so the first by "
                f"source id, {row['source']}, was used"
            )
        )
    return tuple(dict.fromkeys(notes))


def growth(base: pl.Expr, now: pl.Expr) -> pl.Expr:
    """Percent change from ``base`` to ``now``; null when either is missing or base <= 0."""
    return pl.when(base.is_not_null() & now.is_not_null() & (base > 0)).then(
        (now - base) / base * 100
    )


def one_currency(currencies: Sequence[str | None], what: str) -> str:
    """The one currency of a set of figures; several is an error, none means USD."""
    found = sorted({c for c in currencies if c is not None})
    if len(found) > 1:
        raise UsageError(
            f"figures for {what} are in several currencies ({', '.join(found)})",
            hint="tradecli never mixes currencies: use --currency USD (or another code) to "
            "convert every figure explicitly with ECB reference rates",
        )
    return found[0] if found else "USD"


def currency_of(candidates: pl.DataFrame | pl.LazyFrame, what: str) -> str:
    """:func:`one_currency` over every candidate row, chosen or not.

    Checked before choosing: a figure in another currency must not be dropped
    or blended without a word.
    """
    found = candidates.select(pl.col("currency").unique())
    if isinstance(found, pl.LazyFrame):
        found = found.collect()
    return one_currency(found["currency"].to_list(), what)


def tier_notes(tiers: dict[str, int | None], owner: str) -> tuple[str, ...]:
    """Notes for figures that came from a lower tier because a higher one was missing.

    ``tiers`` maps a description of a figure ("exports for 2024") to the worst
    tier used in it; ``owner`` names the reporter ("Pakistan"). Figures of unknown
    reporter (OEC headline figures, the gravity table) are the norm for whole
    sources and get no note: only another country's statistics do.
    """
    notes = []
    for what, worst in tiers.items():
        if worst is None or worst <= Tier.UNKNOWN:
            continue
        notes.append(
            f"{what}: {possessive(owner)} own figures were missing, "
            f"so {Tier(worst).label} figures were used"
        )
    return tuple(notes)


def unit_of(row: Mapping[str, object]) -> str:
    """The period of a row (its ``period`` date and ``frequency``) as text: '2024-08', '2006'."""
    from tradecli.periods import Frequency, Period

    day, frequency = row["period"], row["frequency"]
    assert isinstance(day, dt.date) and isinstance(frequency, str)
    return str(Period.from_date(day, Frequency(frequency)))


STRICT_NOTE = (
    "--strict: growth left empty where its two figures come from different sources, "
    "sides (reported vs mirror) or HS editions"
)


def strict_growth(growth_expr: pl.Expr, comparable_expr: pl.Expr, strict: bool) -> pl.Expr:
    """``growth_expr``, or null where ``strict`` and the change is not like with like."""
    if not strict:
        return growth_expr
    return pl.when(comparable_expr.fill_null(True)).then(growth_expr)


def comparable(
    has_growth: pl.Expr,
    source_from: pl.Expr,
    source_to: pl.Expr,
    tier_from: pl.Expr,
    tier_to: pl.Expr,
) -> pl.Expr:
    """Whether a change compares like with like: the same sources and the same tier.

    Null where there is no change to judge (``has_growth`` false).
    """
    same = (source_from == source_to) & (tier_from == tier_to)
    return pl.when(has_growth).then(same.fill_null(False))
