"""Loading a file into the cache: the fast BACI path, derived totals, one entry per file.

``importers`` knows the formats and finds bad rows; this module decides how a
file becomes a cache entry (one parquet file per exporter, all or nothing) and
reports what was stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from tradecli import schema
from tradecli.importer_options import ImportFormat
from tradecli.importers import (
    PUBLISHERS,
    BadFile,
    FileContext,
    baci_code_table,
    detect,
    normalise_column,
    read,
)


def add_derived_totals(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Add TOTAL rows (the sum of the products) where a flow has products but no total.

    Product-level files such as BACI carry no totals; balances need them. The
    derived rows keep the file's source id, and the import summary says they
    were derived.
    """
    keys = ["exporter", "importer", "reporter", "period", "frequency", "currency", "source"]
    has_total = frame.filter(pl.col("product") == schema.TOTAL).select(keys).unique()
    derived = (
        frame.filter(pl.col("product") != schema.TOTAL)
        .group_by(keys)
        .agg(pl.col("value").sum())
        .join(has_total, on=keys, how="anti", nulls_equal=True)
        .with_columns(product=pl.lit(schema.TOTAL))
        .select(schema.FLOWS_SCHEMA.names())
    )
    if derived.is_empty():
        return frame, 0
    return pl.concat([frame, derived]), derived.height


BACI_SCHEMA = {
    "t": pl.Int32,
    "i": pl.Int32,
    "j": pl.Int32,
    "k": pl.Int64,
    "v": pl.Float64,
    "q": pl.String,
}


@dataclass(frozen=True)
class FastBaci:
    partitions: Iterator[pl.DataFrame]
    rows: int
    first_year: int
    last_year: int


def baci_fast(
    path: Path, *, baci_codes: Path | None, currency: str, source_id: str
) -> FastBaci | None:
    """Read a clean BACI file with typed columns, validating with integer arithmetic.

    The file is held as five numeric columns (about 28 bytes a row, 280 MB for
    10 million rows); country codes become ISO3 strings one exporter at a time,
    as each partition is written. Returns None when any row is not clean (a
    parse error, an unknown code, a bad value): the caller then uses ``read``,
    which names the line.
    """
    ctx = FileContext(path=path, label="line", offset=2, year=None, baci_codes=baci_codes)
    mapping = {int(c): iso3 for c, iso3 in baci_code_table(ctx).items() if c.isdigit()}
    with open(path, encoding="utf-8") as f:
        if [normalise_column(c) for c in f.readline().strip().split(",")][:6] != list(BACI_SCHEMA):
            return None
    try:
        raw = (
            pl.scan_csv(path, schema=BACI_SCHEMA, null_values=["NA"])
            .select("t", "i", "j", "k", "v")
            .filter(pl.col("i") != pl.col("j"))
            .collect()
        )
    except Exception:  # a value that does not parse: let the careful path find the line
        return None
    known = pl.Series(list(mapping), dtype=pl.Int32)
    bad = raw.select(
        (
            ~pl.col("i").is_in(known.implode())
            | ~pl.col("j").is_in(known.implode())
            | pl.col("v").is_null()
            | (pl.col("v") < 0)
            | ~pl.col("k").is_between(0, 999_999)
            | ~pl.col("t").is_between(1900, 2999)
            | pl.any_horizontal(pl.all().is_null())
        ).any()
    ).item()
    if bad or raw.is_empty():
        return None
    years = raw.select(lo=pl.col("t").min(), hi=pl.col("t").max()).row(0)

    # Integer ranks in ISO3 order: sorting on them is several times faster than on
    # strings and gives the order the cache wants (importer, period, product).
    rank = {code: n for n, (code, _iso3) in enumerate(sorted(mapping.items(), key=lambda x: x[1]))}

    def partitions() -> Iterator[pl.DataFrame]:
        for part in raw.partition_by("i", maintain_order=False):
            if part.select(pl.struct("j", "t", "k").is_duplicated().any()).item():
                raise BadFile(
                    f"{path}: the same flow (t, i, j, k) appears twice",
                    hint="the file may hold overlapping rows; keep one row per flow",
                )
            totals = (
                part.group_by("i", "j", "t")
                .agg(pl.col("v").sum())
                .with_columns(
                    k=pl.lit(-1, pl.Int64)  # sorts after no product below; shown as TOTAL
                )
            )
            both = pl.concat([part, totals.select(part.columns)])
            both = both.with_columns(
                _rank=pl.col("j").replace_strict(rank, return_dtype=pl.Int32),
                _total=pl.col("k") < 0,
            ).sort("_rank", "t", "_total", "k")
            yield both.select(
                exporter=pl.col("i").replace_strict(mapping, return_dtype=pl.String),
                importer=pl.col("j").replace_strict(mapping, return_dtype=pl.String),
                reporter=pl.lit(None, pl.String),
                period=pl.date(pl.col("t"), 1, 1),
                frequency=pl.lit("year"),
                product=pl.when(pl.col("_total"))
                .then(pl.lit(schema.TOTAL))
                .otherwise(pl.col("k").cast(pl.String).str.zfill(6)),
                value=pl.col("v") * 1000.0,  # BACI values are thousands of USD
                currency=pl.lit(currency),
                source=pl.lit(source_id),
            )

    return FastBaci(partitions(), raw.height, int(years[0]), int(years[1]))


@dataclass(frozen=True)
class ImportSummary:
    source_id: str
    format: ImportFormat
    flows: int  # rows stored, derived totals included
    derived_totals: int
    countries: int
    start: str
    end: str
    content: str  # "totals", "products" or "products and totals"
    skipped: dict[str, int]
    entry: Path


def import_into_cache(
    cache: Any,
    path: Path,
    fmt: ImportFormat | None = None,
    *,
    baci_codes: Path | None = None,
    year: int | None = None,
    currency: str = "USD",
) -> ImportSummary:
    """Read ``path`` and store it in ``cache`` as one dataset entry; all or nothing."""
    import hashlib

    from tradecli.periods import Frequency, Period

    fmt = fmt or detect(path)
    source_id = f"import:{path.stem}"
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    key = f"import-{path.stem}-{digest.hexdigest()[:16]}"
    annotations: dict[str, Any] = {
        "source_id": source_id,
        "title": f"{path.name} (imported file)",
        "publisher": PUBLISHERS[fmt],
        "format": fmt.value,
    }
    fast = None
    if fmt is ImportFormat.BACI:
        fast = baci_fast(path, baci_codes=baci_codes, currency=currency, source_id=source_id)
    if fast is not None:
        start, end = Period(fast.first_year), Period(fast.last_year)
        rows_read, skipped, derived = fast.rows, {}, -1  # every BACI total is derived
        partitions: Any = fast.partitions
        presorted = True
    else:
        imported = read(
            path, fmt, baci_codes=baci_codes, year=year, currency=currency, source_id=source_id
        )
        frame, derived = add_derived_totals(imported.frame)
        if frame.is_empty():
            raise BadFile(f"{path}: nothing to import after skipping non-country rows")
        frequency = Frequency(frame["frequency"][0])
        start = Period.from_date(frame["period"].min(), frequency)  # type: ignore[arg-type]
        end = Period.from_date(frame["period"].max(), frequency)  # type: ignore[arg-type]
        rows_read, skipped = imported.rows_read, imported.skipped
        partitions = frame.partition_by("exporter")
        presorted = False
    annotations.update(rows_read=rows_read, skipped=skipped)
    entry = cache.put_dataset(
        key,
        partitions,
        start=start,
        end=end,
        url=str(path.resolve()),
        currency=currency,
        annotations=annotations,
        cube=path.name,
        presorted=presorted,
    )
    meta = json.loads((entry / "_entry.json").read_text("utf-8"))
    stored = pl.scan_parquet(sorted(entry.glob("*.parquet")))
    # Only the product column is read: counting totals and products is cheap.
    totals = int(stored.select((pl.col("product") == schema.TOTAL).sum()).collect().item())
    rows = int(meta["rows"])
    products = rows - totals
    if derived < 0:
        derived = totals
    content = "totals" if not products else "products" if not totals else "products and totals"
    return ImportSummary(
        source_id=source_id,
        format=fmt,
        flows=rows,
        derived_totals=derived,
        countries=len(meta["countries"]),
        start=str(start),
        end=str(end),
        content=content,
        skipped=skipped,
        entry=entry,
    )
