"""Where a year's annual figure and the sum of its twelve months disagree in the cache.

A year is answered at one frequency (``read_order._ANSWERED_AT``: annual entries
first, twelve months when none holds it), so an annual import of $230 and twelve
monthly ones summing to $180 would give two answers with nothing said. This looks,
for the years an answer shows, at both frequencies' cached entries for the pair and
returns one note per flow, year and pair of sources that disagree by more than
``import_notes.DISAGREEMENT`` (0.1%, the tolerance the import step warns with). The
embedded sample is not compared: it is the floor, not a source the cache holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from tradecli.periods import Frequency

if TYPE_CHECKING:
    import polars as pl

    from tradecli.cache import Cache, Entry

# A note and the year it is about: a command keeps those of the years it shows.
YearNote = tuple[int, str]


def year_disagreements(
    cache: Cache,
    pair: tuple[str, str],
    years: range,
    shown: Frequency,
    matching: Callable[[Frequency], list[Entry]],
) -> tuple[YearNote, ...]:
    """Notes for the ``years`` whose annual figure and 12-month sum disagree in the cache.

    ``shown``: the frequency the answer is given at; ``matching(frequency)``: the cached
    entries holding the pair at that frequency (already listed: no extra listing).
    """
    if not years:
        return ()
    annual = _spanning(matching(Frequency.YEAR), years)
    if not annual:
        return ()  # the common case, and the sample's: nothing to compare
    monthly = _spanning(matching(Frequency.MONTH), years)
    if not monthly:
        return ()
    import polars as pl

    from tradecli.import_notes import YEAR_KEYS, disagreeing, year_sums
    from tradecli.sources.datasets import pair_rows

    def by_year(entries: list[Entry]) -> pl.DataFrame:
        flows = cache.scan(entries, totals_only=True).filter(
            pair_rows(*pair)
            & (pl.col("product") == "TOTAL")
            & pl.col("period").dt.year().is_between(years.start, years.stop - 1)
        )
        return year_sums(flows, "source").collect()

    months = by_year(monthly)
    if not (months["months"] == 12).any():
        return ()
    joined = disagreeing(by_year(annual), months).sort([*YEAR_KEYS, "source", "source_months"])
    from tradecli.sources import registry

    # An import is named by its file too: the file the other figure came from may not
    # be among the answer's sources.
    files = {registry.describe(e).id: e.dataset for e in [*annual, *monthly] if e.kind == "import"}
    return tuple((row["year"], _note(row, shown, files)) for row in joined.iter_rows(named=True))


def _spanning(entries: Iterable[Entry], years: range) -> list[Entry]:
    return [e for e in entries if e.start.year <= years.stop - 1 and e.end.year >= years.start]


def _named(source: object, files: dict[str, str]) -> str:
    file = files.get(str(source))
    return f"{source}, from {file}" if file else str(source)


def _note(row: dict[str, object], shown: Frequency, files: dict[str, str]) -> str:
    from tradecli.import_notes import DISAGREEMENT
    from tradecli.numfmt import currency_symbol, format_amount

    symbol = currency_symbol(str(row["currency"]))
    reporter = f" (reported by {row['reporter']})" if row["reporter"] else ""
    value, months = row["value"], row["value_months"]
    assert isinstance(value, float) and isinstance(months, float)
    if shown is Frequency.YEAR:
        which = (
            "the annual figure is shown: a year is answered from annual figures when "
            "the cache holds them"
        )
    else:
        which = (
            "the sum of the months is shown: the annual figures cached do not reach "
            "the latest period asked"
        )
    return (
        f"sources disagree: {row['exporter']} to {row['importer']}, {row['year']}{reporter}: "
        f"the annual figure {format_amount(value, symbol)} ({_named(row['source'], files)}) "
        f"and the sum of its 12 months {format_amount(months, symbol)} "
        f"({_named(row['source_months'], files)}) differ by "
        f"more than {DISAGREEMENT:.1%}; {which}"
    )
