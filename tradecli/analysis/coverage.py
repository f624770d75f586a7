"""What the data cover in goods: total trade, or some products only.

A row with product ``TOTAL`` is total trade. A pair whose rows are all product
rows has no total: it is never reported as one (:func:`no_total`), and its
products can be asked for by code (:func:`select_products`), summed at one
level per code so the same goods are never counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from msgspec import Struct

from tradecli.codes import load_hs, product_level
from tradecli.errors import NoData, UsageError
from tradecli.product_levels import LEVELS, Frame, drop_covered
from tradecli.schema import TOTAL

# Where product data come from: the live sources that give them, then files.
PRODUCT_SOURCES = (
    "a live source fetches them when the network is allowed (not --offline): UN Comtrade "
    "by HS chapter (COMTRADE_KEY set, or --source comtrade; then --level hs2), the OEC API "
    "by HS product (OEC_TOKEN set, or --source oec); or import a product-level file (a UN "
    "Comtrade extract by HS code, BACI or an OEC product CSV) with `tradecli import FILE`"
)


class Selection(Struct, frozen=True):
    """Products asked for with --product, each with the levels its rows are summed at."""

    codes: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]  # code -> levels of the rows summed for it
    summed: dict[str, tuple[str, ...]]  # code -> the product codes in the data summed for it

    @property
    def label(self) -> str:
        """'products 0306, 1605': printed wherever the figure could be read as total trade."""
        return ("product " if len(self.codes) == 1 else "products ") + ", ".join(self.codes)

    def expr(self) -> pl.Expr:
        """True for the rows under the selection, at any level (``covering`` then keeps
        those that count)."""
        return pl.any_horizontal([_under(code) for code in self.codes])

    def covering(self, rows: Frame, keys: list[str]) -> Frame:
        """The selected ``rows`` that count, within each flow and period (``keys``): a row
        under another row of the data (5201 beside its chapter 52) is already in it."""
        return drop_covered(rows, keys)

    @property
    def note(self) -> str:
        """What was summed, code by code: a code's figure is only as whole as its rows."""
        parts = []
        for code, levels in self.levels.items():
            if levels == (product_level(code),):
                parts.append(f"{code} as reported")
                continue
            codes = self.summed[code]
            listed = ", ".join(codes[:8]) + (f" ... ({len(codes)} codes)" if len(codes) > 8 else "")
            names = " and ".join(lv.upper() for lv in levels)
            parts.append(f"{code} is the sum of the {names} rows in the data ({listed})")
        return (
            f"figures are for {self.label} only, not total trade; "
            + "; ".join(parts)
            + ("; codes absent from the data count as nothing" if any(
                lv != (product_level(c),) for c, lv in self.levels.items()) else "")
            + ("; a row is never added to the coarser row it is part of" if any(
                len(lv) > 1 for lv in self.levels.values()) else "")
        )  # fmt: skip


def _section_chapters(section: str) -> list[str]:
    return sorted(c for c, e in load_hs().items() if e.level == "hs2" and e.section == section)


def _within(code: str, level: str) -> pl.Expr:
    """Rows at ``level`` that belong to ``code`` (an HS code or a section)."""
    product = pl.col("product")
    digits = {"hs2": 2, "hs4": 4, "hs6": 6}
    if level == "section":
        return product == code
    right_length = product.str.len_chars() == digits[level]
    if product_level(code) == "section":
        return right_length & product.str.slice(0, 2).is_in(_section_chapters(code))
    return right_length & product.str.starts_with(code)


def _under(code: str) -> pl.Expr:
    """Rows of ``code`` itself or finer, under it."""
    own = LEVELS.index(product_level(code) or "section")
    return pl.any_horizontal([_within(code, lv) for lv in LEVELS[own:]])


def _check_code(code: str) -> str:
    code = code.strip().upper()
    level = product_level(code)
    if level is None or (level == "section" and not code[1:].isdigit()):
        raise UsageError(
            f"--product {code!r} is not an HS code",
            hint="give an HS section (S01..S21), or an HS code of 2, 4 or 6 digits, e.g. "
            "--product 0306; `tradecli products-codes WORD` looks codes up",
        )
    return code


def _overlaps(a: str, b: str) -> bool:
    def chapters(code: str) -> set[str]:
        return set(_section_chapters(code)) if product_level(code) == "section" else set()

    if product_level(a) == "section" or product_level(b) == "section":
        if a == b:
            return True
        sec, other = (a, b) if product_level(a) == "section" else (b, a)
        return product_level(other) != "section" and other[:2] in chapters(sec)
    return a.startswith(b) or b.startswith(a)


def covered_products(rows: pl.DataFrame) -> tuple[str, ...]:
    """The product codes present in ``rows`` (not TOTAL), sorted."""
    found = rows.filter(pl.col("product") != TOTAL)["product"].unique().sort()
    return tuple(found.to_list())


def _first(codes: Sequence[str], limit: int) -> str:
    """'01, 03, 04 ... and 84 more': at most ``limit`` codes, so a hint stays one short line."""
    shown = ", ".join(codes[:limit])
    return shown + (f" ... and {len(codes) - limit} more" if len(codes) > limit else "")


def describe(products: Sequence[str], limit: int = 8) -> str:
    """'products 030613, 030623 (HS chapters 03, 16)' for hints and errors.

    Many products are named by their chapters instead ('1416 products in HS
    chapters 01, 03, ... and 79 more'); at most ``limit`` codes of either
    are listed: a file of 1,400 products must not make a 700-character hint.
    """
    chapters = sorted({p[:2] for p in products if p[:2].isdigit()})
    sections = sorted({p for p in products if p.startswith("S")})
    groups = sections + chapters
    kind = "chapters/sections" if sections and chapters else "sections" if sections else "chapters"
    if len(products) > limit and groups:
        return f"{len(products)} products in HS {kind} {_first(groups, limit)}"
    return f"products {_first(products, limit)}" + (
        f" (HS {kind} {_first(groups, limit)})" if groups else ""
    )


def suggestion(products: Sequence[str]) -> str:
    """A short --product command line for ``products``: at HS4 (or coarser, if many).

    All the codes when they are few (at most four); else the first two and how
    many more there are, e.g. '--product 01 --product 03 (or any of 87 HS2 codes)'.
    """
    for digits in (4, 2):
        codes = sorted({p[:digits] if p[:2].isdigit() else p for p in products})
        if len(codes) <= 4:
            break
    flags = " ".join(f"--product {c}" for c in codes[: 4 if len(codes) <= 4 else 2])
    if len(codes) <= 4:
        return flags
    level = "HS2" if all(len(c) == 2 for c in codes) else "HS"
    return f"{flags} (or any of {len(codes)} {level} codes)"


def no_total(what: str, products: Sequence[str], option: bool = True) -> NoData:
    """The error for data that hold some products only: never a total.

    ``option``: the command takes --product (balance, series), so suggest it.
    """
    ask = (
        f"ask for those products, e.g. {suggestion(products)}, or fetch or import "
        if option
        else "use `tradecli products` or `tradecli balance ... --product CODE`, or import "
    )
    return NoData(
        f"no total-trade figures for {what}: the data hold {describe(products)} only",
        hint=ask + "total-trade data; a sum of some products is not total trade",
    )


def select_products(rows: pl.DataFrame, codes: Sequence[str], what: str) -> Selection:
    """Resolve --product codes against ``rows`` (the pair's product rows).

    Each code is its own row where a flow and period has one (the whole of that
    product), else the sum of the coarsest rows under it (``product_levels``).
    Codes that overlap (0306 and 030613, or S01 and 03) would count goods twice
    and are refused; a code with no rows is a NoData naming what is covered.
    """
    wanted = tuple(dict.fromkeys(_check_code(c) for c in codes))
    for i, a in enumerate(wanted):
        for b in wanted[i + 1 :]:
            if _overlaps(a, b):
                raise UsageError(
                    f"--product {a} and --product {b} overlap: their sum would count "
                    "the same goods twice",
                    hint="give each product once, at one level",
                )
    present = covered_products(rows)
    levels: dict[str, tuple[str, ...]] = {}
    summed: dict[str, tuple[str, ...]] = {}
    # Each flow and period once (whatever its source): what --product may sum.
    keys: list[str] = [
        k for k in ("exporter", "importer", "period", "frequency") if k in rows.columns
    ]
    for code in wanted:
        under = drop_covered(rows.filter(_under(code)).select(*keys, "product").unique(), keys)
        if under.is_empty():
            if not present:
                raise NoData(
                    f"no product-level data for {what}",
                    hint="import a file with product rows (`tradecli import`)",
                )
            raise NoData(
                f"no data for product {code} for {what}",
                hint=f"the data hold {describe(present)}",
            )
        found = sorted(set(under["product"]))
        levels[code] = tuple(lv for lv in LEVELS if any(product_level(c) == lv for c in found))
        summed[code] = tuple(found)
    return Selection(codes=wanted, levels=levels, summed=summed)
