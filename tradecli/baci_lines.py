"""The BACI CSV layout, and finding the line to blame when a typed read says "bad".

The fast import reads BACI files typed and whole; only on its error paths are they
read again as text, here, to name the first bad line or the lines of a duplicated flow.
Paths are taken literally: a '[' in a file name is no glob pattern.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
from msgspec import Struct

from tradecli.filetext import normalise_column
from tradecli.importers import BadFile, FileContext, ragged_line

BACI_SCHEMA = {  # compact: 18 bytes a row once parsed (codes < 1000, HS6 < 10^6)
    "t": pl.Int16,
    "i": pl.Int16,
    "j": pl.Int16,
    "k": pl.Int32,
    "v": pl.Float64,
    "q": pl.String,
}


class BaciYear(Struct, frozen=True):
    """One BACI year file: where it is, and the year its name says (None if unnamed)."""

    path: Path
    year: int | None
    shown: str | None = None  # how messages name it: "release.zip:member.csv" for a zip member

    @property
    def name(self) -> str:
        return self.shown or str(self.path)


def first_bad_line(
    path: Path, mapping: dict[int, str], year: int | None, shown: str
) -> BadFile | None:
    """The first bad line of a BACI CSV; the typed read only said 'bad'.

    A line with more or fewer fields than the header comes first: its values are
    shifted, so what a value check would say of it misleads. None if nothing is found.
    """
    ragged = ragged_line(path, shown, fewer=True)
    if ragged is not None:
        return ragged
    try:
        return _bad_value(path, mapping, year, shown)
    except pl.exceptions.PolarsError:  # a line the text read cannot split either
        return None


def unreadable(shown: str) -> BadFile:
    """When no line can be blamed, the file as a whole is not in BACI's shape."""
    return BadFile(f"{shown}: not a BACI file (t,i,j,k,v,q with numbers)")


def _bad_value(path: Path, mapping: dict[int, str], year: int | None, shown: str) -> BadFile | None:
    """The first line with a bad value, found by streaming text reads, one per check."""
    ctx = FileContext(path=path, label="line", offset=2, year=None, baci_codes=None)
    known = pl.Series(list(mapping), dtype=pl.Int64).implode()
    text = pl.scan_csv(
        path, glob=False, infer_schema=False, row_index_name="_row", null_values=["NA"]
    )
    text = text.rename(
        {c: normalise_column(c) for c in text.collect_schema().names() if c != "_row"}
    )
    text = text.filter(
        pl.any_horizontal(pl.col(c).str.strip_chars().fill_null("") != "" for c in "tijkv")
    )
    num = {c: pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in "tijkv"}
    this_year = dt.date.today().year
    checks: list[tuple[str, pl.Expr, str]] = [
        ("t", num["t"].is_null() | ~num["t"].is_between(1900, 2999), "year must be YYYY"),
        ("t", num["t"] > this_year, f"the year has not begun yet (today is {dt.date.today()})"),
        ("i", ~num["i"].cast(pl.Int64, strict=False).is_in(known), "unknown BACI country code"),
        ("j", ~num["j"].cast(pl.Int64, strict=False).is_in(known), "unknown BACI country code"),
        ("k", num["k"].is_null() | ~num["k"].is_between(0, 999_999), "k must be an HS6 code"),
        ("v", num["v"].is_null(), "value is not a number"),
        ("v", ~num["v"].is_finite(), "value is not a finite number"),
        ("v", num["v"] < 0, "negative trade value"),
        ("v", ~(num["v"] * 1000.0).is_finite(), "value is too large"),
    ]
    if year is not None:
        checks.append(("t", num["t"] != year, f"year differs from the file name's {year}"))
    for column, bad, what in checks:
        hit = text.filter(bad.fill_null(True)).head(1).collect()
        if hit.height:
            row = hit.row(0, named=True)
            return BadFile(
                f"{shown}, {ctx.where([row['_row']])}: {what} ({column}={row[column]!r})",
                hint="fix or remove the row; nothing was imported",
            )
    return None


def duplicate(
    year: BaciYear,
    mapping: dict[int, str],
    flow: dict[str, Any],  # a polars row (named): t, i, j, k are ints
) -> BadFile:
    """The same flow twice in a BACI file: name it and its lines, as for other files.

    The numeric rows carry no line numbers (a column of them would cost every import):
    the file is read again, only on this error path, for the lines holding the flow.
    """
    ctx = FileContext(path=year.path, label="line", offset=2, year=None, baci_codes=None)
    same = pl.all_horizontal([pl.col(c) == flow[c] for c in "tijk"])
    rows = (
        pl.scan_csv(
            year.path, glob=False, schema=BACI_SCHEMA, null_values=["NA"], row_index_name="_row"
        )
        .filter(same)
        .select("_row")
        .collect()["_row"]
        .to_list()
    )
    return BadFile(
        f"{year.name}, {ctx.where(rows)}: the same flow appears twice "
        f"({mapping[flow['i']]} to {mapping[flow['j']]}, {flow['t']}, product {flow['k']:06d})",
        hint="the file may hold overlapping rows; keep one row per flow; nothing was imported",
    )
