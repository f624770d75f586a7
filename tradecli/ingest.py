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

# HS chapters that exist (77 is reserved); a level is complete when every one appears.
HS_CHAPTERS = frozenset(f"{c:02d}" for c in range(1, 98) if c != 77)
SECTIONS = frozenset(f"S{s:02d}" for s in range(1, 22))
LEVELS = ("section", "hs2", "hs4", "hs6")  # coarsest first


def level_of(code: pl.Expr) -> pl.Expr:
    return (
        pl.when(code == schema.TOTAL)
        .then(pl.lit("total"))
        .when(code.str.starts_with("S"))
        .then(pl.lit("section"))
        .otherwise(pl.lit("hs") + code.str.len_chars().cast(pl.String))
    )


def coverage_of(frame: pl.DataFrame, *, complete: str | None = None) -> dict[str, Any]:
    """What the file covers: total trade, or which products.

    Total trade is covered by a declared TOTAL row, or by a complete product level:
    ``complete`` names it when the publisher says so (a BACI file is every HS6
    product), otherwise a level is complete when its codes span every HS chapter
    (or all 21 sections). Totals are derived from that one level only.
    """
    codes = (
        frame.lazy()
        .select(pl.col("product").unique())
        .with_columns(level=level_of(pl.col("product")))
        .collect()
    )
    declared = bool((codes["level"] == "total").any())
    by_level = {
        lv: set(codes.filter(pl.col("level") == lv)["product"].to_list())
        for lv in LEVELS
        if (codes["level"] == lv).any()
    }
    chapters = sorted({c[:2] for lv, cs in by_level.items() if lv != "section" for c in cs})
    complete_levels = [
        lv
        for lv, cs in by_level.items()
        if lv == complete
        or (lv == "section" and cs >= SECTIONS)
        or (lv != "section" and {c[:2] for c in cs} >= HS_CHAPTERS)
    ]
    level = complete_levels[0] if complete_levels else None
    partial_products = [] if level else sorted(c for cs in by_level.values() for c in cs)
    return {
        "total": declared or level is not None,
        "declared_total": declared,
        "derived_from": level,
        "levels": [lv for lv in LEVELS if lv in by_level],
        "complete_levels": complete_levels,
        "products": partial_products,
        "chapters": chapters,
    }


def describe_coverage(coverage: dict[str, Any]) -> str:
    """One line for the import summary: total trade, or which products."""
    if coverage["total"]:
        how = (
            "declared TOTAL rows"
            if coverage["declared_total"] and not coverage["derived_from"]
            else f"summed from the complete {coverage['derived_from'].upper()} level"
            if not coverage["declared_total"]
            else f"declared TOTAL rows, else summed from {coverage['derived_from'].upper()}"
        )
        return f"total trade ({how})"
    products = coverage["products"]
    more = f" and {len(products) - 8} more" if len(products) > 8 else ""
    shown = ", ".join(products[:8]) + more
    return (
        f"some products only ({shown}); no total is derived from them, "
        "so this file gives no total-trade figures"
    )


def add_derived_totals(frame: pl.DataFrame, level: str | None) -> tuple[pl.DataFrame, int]:
    """Add TOTAL rows, summed from the products of ONE complete ``level``, where a flow has none.

    With no complete level (``level`` None) nothing is derived: a file of a few
    products is not total trade. The derived rows keep the file's source id, and
    the import summary says they were derived.
    """
    if level is None:
        return frame, 0
    keys = ["exporter", "importer", "reporter", "period", "frequency", "currency", "source"]
    has_total = frame.filter(pl.col("product") == schema.TOTAL).select(keys).unique()
    derived = (
        frame.filter(level_of(pl.col("product")) == level)
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
    self_trade: int  # rows where exporter = importer, skipped
    chapters: list[str]


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
            .collect()
        )
    except Exception:  # a value that does not parse: let the careful path find the line
        return None
    self_trade = int(raw.select((pl.col("i") == pl.col("j")).sum()).item())
    if self_trade:
        raw = raw.filter(pl.col("i") != pl.col("j"))
    known = pl.Series(list(mapping), dtype=pl.Int32)
    bad = raw.select(
        (
            ~pl.col("i").is_in(known.implode())
            | ~pl.col("j").is_in(known.implode())
            | pl.col("v").is_null()
            | (pl.col("v") < 0)
            | ~pl.col("v").is_finite()
            | ~(pl.col("v") * 1000.0).is_finite()
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

    chapters = sorted(
        f"{c:02d}" for c in raw.select((pl.col("k") // 10_000).unique())["k"].to_list()
    )
    return FastBaci(
        partitions(), raw.height + self_trade, int(years[0]), int(years[1]), self_trade, chapters
    )


SELF_TRADE = "rows where a country trades with itself (reporter = partner)"


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
    skipped: dict[str, int]  # reason -> rows left out
    entry: Path
    coverage: dict[str, Any]
    currency: str  # one code, or several joined by "," when each row names its own


def refuse_skips(path: Path, skipped: dict[str, int]) -> None:
    """--strict: any row left out is an error naming every reason."""
    if skipped:
        reasons = "; ".join(f"{count} {reason}" for reason, count in skipped.items())
        raise BadFile(
            f"{path}: --strict, and rows would be skipped: {reasons}",
            hint="fix the file, or import without --strict to skip them",
        )


def import_into_cache(
    cache: Any,
    path: Path,
    fmt: ImportFormat | None = None,
    *,
    baci_codes: Path | None = None,
    year: int | None = None,
    currency: str | None = None,
    strict: bool = False,
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
    if fmt is ImportFormat.BACI and currency in (None, "USD"):
        fast = baci_fast(path, baci_codes=baci_codes, currency="USD", source_id=source_id)
    if fast is not None:
        start, end = Period(fast.first_year), Period(fast.last_year)
        rows_read, derived = fast.rows, -1  # every BACI total is derived
        skipped = {SELF_TRADE: fast.self_trade} if fast.self_trade else {}
        partitions: Any = fast.partitions
        presorted = True
        currencies = ["USD"]
        coverage: dict[str, Any] = {
            "total": True,
            "declared_total": False,
            "derived_from": "hs6",
            "levels": ["hs6"],
            "complete_levels": ["hs6"],
            "products": [],
            "chapters": fast.chapters,
        }
    else:
        imported = read(
            path, fmt, baci_codes=baci_codes, year=year, currency=currency, source_id=source_id
        )
        rows_read, skipped = imported.rows_read, imported.skipped
        if strict:
            refuse_skips(path, skipped)
        coverage = coverage_of(imported.frame, complete="hs6" if fmt is ImportFormat.BACI else None)
        frame, derived = add_derived_totals(imported.frame, coverage["derived_from"])
        if frame.is_empty():
            raise BadFile(f"{path}: nothing to import after skipping non-country rows")
        frequency = Frequency(frame["frequency"][0])
        start = Period.from_date(frame["period"].min(), frequency)  # type: ignore[arg-type]
        end = Period.from_date(frame["period"].max(), frequency)  # type: ignore[arg-type]
        currencies = sorted(frame["currency"].unique().to_list())
        partitions = frame.partition_by("exporter")
        presorted = False
    if strict:
        refuse_skips(path, skipped)
    annotations.update(rows_read=rows_read, skipped=skipped, coverage=coverage)
    entry = cache.put_dataset(
        key,
        partitions,
        start=start,
        end=end,
        url=str(path.resolve()),
        currency=",".join(currencies),
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
        coverage=coverage,
        currency=",".join(currencies),
    )
