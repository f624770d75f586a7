"""Product rows at several HS levels: which rows a code is summed from, and when the
products of a flow are its total trade.

A file may hold a chapter (HS2 52) beside some of its headings (HS4 5201). The one rule,
within each flow, pair and period: a row counts towards a code at the asked level unless
a coarser row that holds it (its chapter, its heading; at the asked level or finer) is in
the data too. So 52 is its own HS2 row, never its one HS4 line; HS4 rows are rolled up
to HS2 only where the chapter has no row of its own; each good is counted once.

The products of one flow, pair and period are total trade when they span every HS
chapter (a section row spans its chapters): judged for each of them on its own, never
for a whole file at once.
"""

from __future__ import annotations

from functools import cache
from typing import Required, TypedDict, TypeVar

import polars as pl

from tradecli import schema

# HS chapters that exist (77 is reserved); a level is complete when every one appears.
HS_CHAPTERS = frozenset(f"{c:02d}" for c in range(1, 98) if c != 77)
SECTIONS = frozenset(f"S{s:02d}" for s in range(1, 22))
LEVELS = ("section", "hs2", "hs4", "hs6")  # coarsest first
DIGITS = {"hs2": 2, "hs4": 4, "hs6": 6}
# Every flow of one file, pair and period (and currency and source: never mixed).
FLOW_KEYS = ["exporter", "importer", "reporter", "period", "frequency", "currency", "source"]

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


class Coverage(TypedDict, total=False):
    """What an imported file covers (``coverage_of``; a BACI file: ``ingest.baci_coverage``).

    Kept in the cache entry's annotations and the import summary. ``products``: the
    codes of a file of some products only (none when some flows are total trade).
    """

    total: Required[bool]  # every flow is total trade
    declared_total: Required[bool]  # the file has TOTAL rows of its own
    derived_from: Required[str | None]  # the level the derived totals are summed from
    levels: Required[list[str]]
    complete_levels: Required[list[str]]
    products: Required[list[str]]
    chapters: Required[list[str]]
    periods_without_total: dict[str, list[str]]  # period -> chapters (some flows only)
    years_without_total: dict[str, list[str]]  # BACI: year -> chapters


def level_of(code: pl.Expr) -> pl.Expr:
    return (
        pl.when(code == schema.TOTAL)
        .then(pl.lit("total"))
        .when(code.str.starts_with("S"))
        .then(pl.lit("section"))
        .otherwise(pl.lit("hs") + code.str.len_chars().cast(pl.String))
    )


def rank_of(code: pl.Expr) -> pl.Expr:
    """0 for a section, 1 for HS2, 2 for HS4, 3 for HS6 (LEVELS' index); null for TOTAL."""
    length = code.str.len_bytes()
    return (
        pl.when(code.str.starts_with("S"))
        .then(pl.lit(0, pl.Int8))
        .when(length == 2)
        .then(pl.lit(1, pl.Int8))
        .when(length == 4)
        .then(pl.lit(2, pl.Int8))
        .when(length == 6)
        .then(pl.lit(3, pl.Int8))
    )  # TOTAL and anything else: null


@cache
def chapter_sections() -> dict[str, str]:
    """HS chapter -> its section (S01..S21), from the shipped HS table."""
    from tradecli.codes import load_hs

    return {c: e.section for c, e in load_hs().items() if e.level == "hs2"}


def at_level(code: pl.Expr, level: str) -> pl.Expr:
    """The code at ``level`` (coarser or the same) that holds ``code``."""
    if level == "section":
        return (
            pl.when(code.str.starts_with("S"))
            .then(code)
            .otherwise(code.str.slice(0, 2).replace_strict(chapter_sections(), default="S??"))
        )
    return code.str.slice(0, DIGITS[level])


def drop_covered(rows: Frame, keys: list[str], floor: str = "section") -> Frame:
    """``rows`` without those a coarser row of the same ``keys`` already holds.

    Only rows at ``floor`` or finer are judged and can hold others: an HS2 row does
    not hide HS4 rows when HS4 is the floor (the level asked for).
    """
    rank = rank_of(pl.col("product"))
    judged = range(LEVELS.index(floor), len(LEVELS) - 1)
    if isinstance(rows, pl.DataFrame):  # most data hold one level: nothing can be covered
        ranks = set(rows.select(rank.unique()).to_series().drop_nulls().to_list())
        judged = range(0) if len(ranks) < 2 else range(judged.start, max(ranks))
        judged = range(0) if not judged else judged
        if not judged:
            return rows
    present = rows.select(*keys, "product").unique()
    out = rows
    for index in judged:
        level = LEVELS[index]
        ancestor = pl.when(rank > index).then(at_level(pl.col("product"), level))
        out = out.with_columns(_holder=ancestor).join(
            present.rename({"product": "_holder"}),
            on=[*keys, "_holder"],
            how="anti",
            nulls_equal=True,  # a row without a reporter is still in its flow
        )
    return out.drop("_holder") if out is not rows else out


def complete_flows(frame: pl.DataFrame, keys: list[str] = FLOW_KEYS) -> pl.DataFrame:
    """Per flow (``keys``) with product rows: ``complete`` (its products span every HS
    chapter: its sum is total trade), the ``chapters`` they span, sorted, and ``rank``,
    the coarsest level of its rows (0 for sections, as ``rank_of``)."""
    product = pl.col("product")
    # First each flow's chapters (and sections) with their coarsest level: far fewer rows.
    spans = (
        frame.lazy()
        .with_columns(rank=rank_of(product))
        .filter(pl.col("rank").is_not_null())
        .group_by(
            *keys,
            span=pl.when(product.str.starts_with("S"))
            .then(product)
            .otherwise(product.str.slice(0, 2)),
        )
        .agg(pl.col("rank").min())
        .collect()
    )
    sections = pl.DataFrame(
        [(s, c) for c, s in chapter_sections().items()],
        schema={"span": pl.String, "chapter": pl.String},
        orient="row",
    )
    spanned = spans.join(sections, on="span", how="left").with_columns(
        chapter=pl.coalesce("chapter", "span")
    )
    return spanned.group_by(keys).agg(
        chapters=pl.col("chapter").unique().sort(),
        complete=pl.col("chapter").filter(pl.col("chapter").is_in(list(HS_CHAPTERS))).n_unique()
        == len(HS_CHAPTERS),
        rank=pl.col("rank").min(),
    )


def is_complete(level: str, codes: set[str]) -> bool:
    """Whether codes of ``level`` are a whole level, whose sum is total trade.

    HS codes must span every HS chapter (so a file of a few products, or of a few
    chapters, is never read as total trade); sections must be all 21. BACI judges
    its years so; other files judge each flow, pair and period (``complete_flows``).
    """
    if level == "section":
        return codes >= SECTIONS
    return {c[:2] for c in codes} >= HS_CHAPTERS


def _declared(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return frame.filter(pl.col("product") == schema.TOTAL).select(keys).unique()


def coverage_of(frame: pl.DataFrame, flows: pl.DataFrame | None = None) -> Coverage:
    """What the file covers: total trade, or which products, and where not.

    A flow (pair and period) is total trade when it has a declared TOTAL row or its
    products span every HS chapter (``complete_flows``). ``total``: every flow is;
    ``periods_without_total``: the periods where some flow holds some products only,
    with their chapters, when other flows are total trade. ``flows``: the frame's
    ``complete_flows``, when the caller has them.
    """
    keys = [k for k in FLOW_KEYS if k in frame.columns]
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
    complete_levels = [lv for lv, cs in by_level.items() if is_complete(lv, cs)]
    flows = (complete_flows(frame, keys) if flows is None else flows).join(
        _declared(frame, keys), on=keys, how="anti", nulls_equal=True
    )
    derived = flows.filter("complete")
    partial = flows.filter(~pl.col("complete"))
    level = None
    if derived.height:  # the coarsest level its sums rest on
        coarsest = int(derived.select(pl.col("rank").min()).item())
        level = complete_levels[0] if complete_levels else LEVELS[coarsest]
    some_total = declared or level is not None
    without: dict[str, list[str]] = {}
    if some_total and partial.height:
        from tradecli.periods import Frequency, Period

        for day, frequency, spans in partial.select("period", "frequency", "chapters").iter_rows():
            label = str(Period.from_date(day, Frequency(frequency)))
            without[label] = sorted(set(without.get(label, [])) | set(spans))
    total = some_total and not partial.height
    partial_products = [] if some_total else sorted(c for cs in by_level.values() for c in cs)
    out: Coverage = {
        "total": total,
        "declared_total": declared,
        "derived_from": level,
        "levels": [lv for lv in LEVELS if lv in by_level],
        "complete_levels": complete_levels,
        "products": partial_products,
        "chapters": chapters,
    }
    if without:
        out["periods_without_total"] = dict(sorted(without.items()))
    return out


def _listed(codes: list[str], limit: int = 8) -> str:
    """'01, 03 ... and 79 more': a summary line stays short however many codes."""
    more = f" and {len(codes) - limit} more" if len(codes) > limit else ""
    return ", ".join(codes[:limit]) + more


def describe_coverage(coverage: Coverage) -> str:
    """One line for the import summary: total trade, or which products (or periods) not."""
    years = coverage.get("years_without_total") or {}  # BACI: whole years
    periods = coverage.get("periods_without_total") or {}  # other files: some flows
    level = coverage["derived_from"]
    how = (
        "declared TOTAL rows"
        if coverage["declared_total"] and not level
        else f"summed from the complete {str(level).upper()} level"
        if not coverage["declared_total"]
        else f"declared TOTAL rows, else summed from {str(level).upper()}"
    )
    if coverage["total"]:
        return f"total trade ({how})"
    if (level or coverage["declared_total"]) and (years or periods):
        partial = years or periods
        listed = ", ".join(partial)
        chapters = sorted({c for cs in partial.values() for c in cs})
        which = listed if years else f"some flows in {listed}"
        return (
            f"total trade ({how}), except {which}: some products only (HS chapters "
            f"{_listed(chapters)}), so no total-trade figures for {'them' if periods else listed}"
        )
    # A BACI import records chapters, not its (thousands of) products.
    shown = _listed(coverage["products"]) or f"HS chapters {_listed(coverage['chapters'])}"
    return (
        f"some products only ({shown}); no total is derived from them, "
        "so this file gives no total-trade figures"
    )


def add_derived_totals(
    frame: pl.DataFrame, flows: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, int]:
    """Add a TOTAL row to each flow (pair and period) without one whose products span
    every HS chapter: their sum, each good once (``drop_covered``).

    A flow of some products only gets none: a few products are not total trade, even
    beside a complete period of the same file. The derived rows keep the file's
    source id, and the import summary says they were derived. ``flows``: as in
    ``coverage_of``.
    """
    keys = FLOW_KEYS
    complete = (
        (complete_flows(frame, keys) if flows is None else flows)
        .filter("complete")
        .select(keys)
        .join(_declared(frame, keys), on=keys, how="anti", nulls_equal=True)
    )
    if complete.is_empty():
        return frame, 0
    rows = frame.filter(rank_of(pl.col("product")).is_not_null())
    derived = (
        drop_covered(rows, keys)
        .group_by(keys)
        .agg(pl.col("value").sum())  # then kept for the complete flows only (fewer rows)
        .join(complete, on=keys, how="semi", nulls_equal=True)
        .with_columns(product=pl.lit(schema.TOTAL))
    )
    derived = schema.conform(derived)  # a TOTAL holds no quantity (all goods, no one unit)
    if derived.is_empty():
        return frame, 0
    return pl.concat([frame, derived]), derived.height
