"""What an import says beyond its rows: the earlier import it replaces, and how the
flows changed; where its annual figures and the cache's months (or the reverse) disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from tradecli import schema
from tradecli.wording import plural

if TYPE_CHECKING:
    from tradecli.cache import Cache, Entry

FLOW_KEYS = ["exporter", "importer", "reporter", "period", "frequency", "product", "currency"]


def replaced_imports(
    cache: Cache, previous: list[Entry], frame: pl.DataFrame | None, rows: int
) -> list[str]:
    """One line per earlier import of the file: when, and how the flows changed.

    With ``frame`` (the new flows) the flows are compared: added, removed and changed
    values; without (a BACI file, millions of rows), the counts alone.
    """
    lines = []
    for entry in previous:
        when = entry.fetched_at.isoformat(timespec="seconds")
        counts = f"{plural(entry.rows, 'flow')} before, {rows} now"
        if frame is not None:
            try:
                old = (
                    pl.scan_parquet(list(entry.files), glob=False)
                    .select([*FLOW_KEYS, "value"])
                    .collect()
                    if entry.files
                    else frame.clear().select([*FLOW_KEYS, "value"])
                )
            except Exception:  # an unreadable old entry is replaced all the same
                old = None
            if old is not None:
                both = old.join(
                    frame.select([*FLOW_KEYS, "value"]),
                    on=FLOW_KEYS,
                    how="full",
                    nulls_equal=True,
                    suffix="_new",
                )
                removed = int(both["value_new"].is_null().sum())
                added = int(both["value"].is_null().sum())
                changed = int(
                    (
                        both["value"].is_not_null()
                        & both["value_new"].is_not_null()
                        & (both["value"] != both["value_new"])
                    ).sum()
                )
                counts += f" ({added} added, {removed} removed, {changed} changed in value)"
        lines.append(f"{entry.dataset}, imported {when}: {counts}")
    return lines


DISAGREEMENT = 0.001  # relative difference between an annual figure and its 12 months
# A flow in a calendar year: what an annual figure and the sum of its months share.
YEAR_KEYS = ["exporter", "importer", "reporter", "currency", "year"]


def year_sums(flows: pl.LazyFrame, *extra: str) -> pl.LazyFrame:
    """Each flow's figures summed by calendar year (``YEAR_KEYS`` and ``extra``), with
    ``months``, how many rows were summed (twelve for a whole year of months)."""
    year = pl.col("period").dt.year().alias("year")
    return flows.group_by([*YEAR_KEYS[:-1], year, *extra]).agg(
        pl.col("value").sum(), months=pl.len()
    )


def disagreeing(annual: pl.DataFrame, monthly: pl.DataFrame) -> pl.DataFrame:
    """Annual figures beside the sums of their twelve months (columns of ``monthly``
    suffixed ``_months``) where the two differ by more than ``DISAGREEMENT``."""
    return annual.join(
        monthly.filter(pl.col("months") == 12), on=YEAR_KEYS, nulls_equal=True, suffix="_months"
    ).filter(
        (pl.col("value") - pl.col("value_months")).abs()
        > DISAGREEMENT * pl.max_horizontal(pl.col("value").abs(), pl.col("value_months").abs())
    )


def disagreements(cache: Cache, frame: pl.DataFrame, name: str, limit: int = 5) -> list[str]:
    """Where the file's annual totals and the cache's monthly ones (or the reverse)
    give two answers: the year's figure against the sum of its 12 months.

    Compared flow by flow (exporter, importer, reporter, currency), for years whose
    12 months are all there; a difference above ``DISAGREEMENT`` is one note naming
    both values and both files. Earlier imports of the same file are not compared.
    """
    from tradecli.numfmt import currency_symbol, format_amount

    totals = frame.filter(pl.col("product") == schema.TOTAL)
    if totals.is_empty():
        return []
    frequency = str(totals["frequency"][0])
    other = "year" if frequency == "month" else "month"
    exporters = pl.Series(totals["exporter"].unique().to_list(), dtype=pl.String).implode()
    importers = pl.Series(totals["importer"].unique().to_list(), dtype=pl.String).implode()

    def by_year(flows: pl.LazyFrame) -> pl.LazyFrame:
        return year_sums(
            flows.filter(
                (pl.col("product") == schema.TOTAL)
                & pl.col("exporter").is_in(exporters)
                & pl.col("importer").is_in(importers)
            )
        )

    mine = by_year(totals.lazy()).collect()
    notes: list[str] = []
    for entry in cache.entries():
        if entry.frequency.value != other or (entry.kind == "import" and entry.dataset == name):
            continue
        files = entry.totals if entry.totals is not None else entry.files
        try:
            theirs = by_year(pl.scan_parquet(list(files), glob=False)).collect() if files else None
        except Exception:  # an unreadable entry is warned about where it is read
            continue
        if theirs is None or theirs.is_empty():
            continue
        annual, monthly = (theirs, mine) if frequency == "month" else (mine, theirs)
        annual_from, monthly_from = (
            (entry.dataset, name) if frequency == "month" else (name, entry.dataset)
        )
        joined = disagreeing(annual, monthly)
        for row in joined.sort(["exporter", "importer", "year"]).iter_rows(named=True):
            symbol = currency_symbol(row["currency"])
            reporter = f" (reported by {row['reporter']})" if row["reporter"] else ""
            notes.append(
                f"{row['exporter']} to {row['importer']}, {row['year']}{reporter}: the annual "
                f"figure {format_amount(row['value'], symbol)} ({annual_from}) and the sum of "
                f"its 12 months {format_amount(row['value_months'], symbol)} ({monthly_from}) "
                "disagree"
            )
    if len(notes) > limit:
        notes = [*notes[:limit], f"... and {len(notes) - limit} more such flow-years"]
    return notes
