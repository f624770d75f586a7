"""Figures a cache entry must never hand on: NaN, Infinity or a negative amount.

tradecli refuses them when a file is imported or a source answers, but an older
version could store them; read back, they end in a traceback or print as figures.
Each entry's scan carries a check of its own, run on the rows a query actually reads
(filters still reach the parquet reader), and naming the entry when it fails.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from tradecli.errors import StorageError

if TYPE_CHECKING:
    from pathlib import Path

    import polars as pl

# The files each cache entry's scan opened in this process (entry name -> files): where
# to look when a query over them fails inside polars (``damaged``).
SCANNED: dict[str, tuple[Path, ...]] = {}

# The amounts checked: trade values and quantities are never negative nor infinite.
CHECKED = ("value", "quantity")
CLEAR_HINT = (
    "clear the cache (`tradecli cache clear`), then fetch or import the data again; "
    "`tradecli cache info` lists the entries"
)


class CorruptEntry(StorageError):
    """A cache entry holds figures no source gives (NaN, Infinity, negative amounts)."""

    def __init__(self, message: str, hint: str | None = CLEAR_HINT) -> None:
        # Raised inside a polars query, it comes back re-made from its text alone, with
        # the query's expression appended: the first paragraph is the message.
        super().__init__(message.split("\n\n", 1)[0], hint=hint or CLEAR_HINT)


def what_is_wrong(column: pl.Series) -> str | None:
    """Why ``column`` cannot be used as amounts, or None when it can (nulls can).

    Called once per row group a query reads, so the common case takes two reductions:
    ``nan_max`` is NaN or Infinity when any value is, ``min`` negative when any is.
    """
    high, low = column.nan_max(), column.min()
    if high is None or (
        isinstance(high, float) and math.isfinite(high) and isinstance(low, float) and low >= 0
    ):
        return None
    if column.is_nan().any():
        return "NaN"
    if column.is_infinite().any():
        return "Infinity"
    if (column < 0).any():
        return "a negative amount"
    return None


def refuse_bad_amounts(frame: pl.DataFrame, key: str) -> None:
    """Refuse to store ``frame`` (entry ``key``) when an amount is NaN, infinite or negative.

    Importers and sources refuse such rows with a message naming them; this is the
    cache's own last word, so that an entry this version wrote can be read unchecked.
    """
    for column in CHECKED:
        wrong = what_is_wrong(frame[column])
        if wrong is not None:
            raise ValueError(f"refusing to store {wrong} in {column!r} of cache entry {key}")


def guarded(scan: pl.LazyFrame, name: str) -> pl.LazyFrame:
    """``scan`` whose amounts raise ``CorruptEntry`` naming entry ``name`` when bad."""
    import polars as pl

    def check(column: str) -> pl.Expr:
        def read(series: pl.Series) -> pl.Series:
            wrong = what_is_wrong(series)
            if wrong is not None:
                raise CorruptEntry(
                    f"cache entry {name} holds {wrong} in its {column!r} column "
                    "(written by an older tradecli); its figures cannot be used"
                )
            return series

        # Elementwise: a filter on other columns still reaches the parquet reader.
        return pl.col(column).map_batches(read, return_dtype=pl.Float64, is_elementwise=True)

    return scan.with_columns(check(c) for c in CHECKED)


def damaged() -> CorruptEntry | None:
    """After a query failed inside polars: the cache entry whose file a full read shows
    damaged (garbage in its pages, columns of another type or name), or None when every
    file the queries scanned reads whole -- the failure is then not the cache's, and is
    left to surface as the bug it is.

    ``Cache.scan`` checks each entry's first file only (a footer read per file would
    cost a whole-release query hundreds); this full read runs only after a failure.
    """
    import polars as pl

    from tradecli import schema

    expected = dict(schema.FLOWS_SCHEMA)
    for name, files in list(SCANNED.items()):
        for path in files:
            try:
                found = pl.read_parquet(path, glob=False).schema
            except Exception as exc:  # whatever polars or the OS says of a damaged file
                reason = f"cannot be read ({type(exc).__name__})"
            else:
                odd = [k for k, v in found.items() if expected.get(k) != v]
                if not odd:
                    continue
                reason = f"has columns of another name or type ({', '.join(odd)})"
            return CorruptEntry(
                f"cache entry {name} is damaged: its file {path.name} {reason}; its "
                "figures cannot be used"
            )
    return None
