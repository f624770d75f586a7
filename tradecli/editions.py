"""HS editions: which version of the Harmonized System a product code belongs to.

A code's meaning can change from one edition to the next (HS 1992's 8524 is recorded
media, HS 2022's 8524 flat panel display modules), so every stored product row keeps
its edition (``schema`` column ``hs_edition``), rows of two editions are never added
(:func:`choose` picks one per answer), and a name from the shipped HS 2022 table shown
for a code of another edition, or of none stated, says so (:func:`names_note`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, TypeVar

import polars as pl
from msgspec import Struct

if TYPE_CHECKING:
    from tradecli.filetext import FileContext

EDITIONS: Final = ("HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22")
NAMES_EDITION: Final = "HS22"  # the edition of the shipped product names (codes.load_hs)
# UN Comtrade's classificationCode for each HS edition ("HS" alone: as reported, unsaid).
COMTRADE_CODES: Final = {f"H{i}": e for i, e in enumerate(EDITIONS)}
# Column names (normalised) a file may state its edition in.
FILE_COLUMNS: Final = ("hsedition", "edition", "classificationcode", "classification")
F = TypeVar("F", pl.DataFrame, pl.LazyFrame)


def label(edition: str | None) -> str:
    """'HS 1992' for HS92; words for an edition not stated."""
    if edition is None:
        return "edition not stated"
    year = int(edition[2:])
    return f"HS {1900 + year if year >= 88 else 2000 + year}"


def parse(text: str | None) -> str | None:
    """An edition as the sources write it (H0, HS92, HS1992, HS 1992, 1992, 92) -> HS92.

    None for an empty text or Comtrade's bare "HS" (as reported: not said); a
    ValueError for anything else (SITC, BEC...: not an HS edition at all).
    """
    raw = re.sub(r"[\s_.-]", "", (text or "").upper())
    if raw in ("", "HS"):
        return None
    if raw in COMTRADE_CODES:
        return COMTRADE_CODES[raw]
    match = re.fullmatch(r"(?:HS)?(?:19|20)?(\d\d)", raw)
    edition = f"HS{match.group(1)}" if match else None
    if edition not in EDITIONS:
        raise ValueError(f"{text!r} is not an HS edition (HS92, HS96 ... HS22, or H0..H6)")
    return edition


def of_cube(name: str) -> str | None:
    """The edition of an OEC cube: trade_i_baci_a_92 -> HS92, ..._hs22 -> HS22; else None."""
    match = re.search(r"(?:_hs|_a_)(\d\d)$", name.lower())
    edition = f"HS{match.group(1)}" if match else None
    return edition if edition in EDITIONS else None


def rank(edition: str | None) -> int:
    """Newer editions rank higher; an edition not stated ranks below all."""
    return EDITIONS.index(edition) if edition in EDITIONS else -1


class Choice(Struct, frozen=True):
    """The edition used in each window ("from", "to"), and the notes that say so."""

    used: Mapping[str, str | None]
    found: tuple[str | None, ...]  # every edition the flow's product rows hold
    notes: tuple[str, ...]

    @property
    def crossed(self) -> bool:
        """The two windows are in different editions: not like for like."""
        return self.used["from"] != self.used["to"]

    def keep(self, frame: F, units: pl.DataFrame) -> F:
        """The rows of ``frame`` in the edition chosen for their unit's window; rows of
        no window, and TOTAL rows (no edition), are kept as they are."""
        if len(self.found) < 2:
            return frame
        chosen = units.select(
            "period",
            "frequency",
            _chosen=pl.col("window").replace_strict(dict(self.used), return_dtype=pl.String),
        ).unique()
        lazy = frame.lazy().join(chosen.lazy(), on=["period", "frequency"], how="left")
        kept = lazy.filter(
            pl.col("_chosen").is_null()
            | pl.col("hs_edition").eq_missing(pl.col("_chosen"))
            | (pl.col("product") == "TOTAL")
        ).drop("_chosen")
        return kept.collect() if isinstance(frame, pl.DataFrame) else kept


def choose(
    rows: pl.DataFrame, units: pl.DataFrame, windows: Mapping[str, str], single: bool
) -> Choice:
    """One edition per answer: the newest edition with product rows in every unit of
    both windows (``windows`` names them: {"from": "2021", "to": "2022"}). When none
    covers both, each window gets its own newest covering edition, and the comparison
    is marked as across editions. ``rows`` are product rows (``hs_edition``, ``period``,
    ``frequency``); ``units`` is ``windows.window_units``'s frame.
    """
    held = rows.select("period", "frequency", "hs_edition").unique()
    held = held.join(units, on=["period", "frequency"])
    found = tuple(sorted(set(held["hs_edition"].to_list()), key=rank))
    if len(found) < 2:
        one = found[0] if found else None
        return Choice({"from": one, "to": one}, found, ())
    need = dict(units.group_by("window").len().iter_rows())
    counts = held.group_by("window", "hs_edition").len()
    covers: dict[str, set[str | None]] = {w: set() for w in ("from", "to")}
    present: dict[str, set[str | None]] = {w: set() for w in ("from", "to")}
    for window, edition, n in counts.iter_rows():
        present[window].add(edition)
        if n == need[window]:
            covers[window].add(edition)
    names = ", ".join(label(e) for e in found)
    asked = ("to",) if single else ("from", "to")
    both = set.intersection(*(covers[w] for w in asked))
    if both:
        best = max(both, key=rank)
        note = (
            f"the data hold this flow's products in several HS editions ({names}): figures "
            f"are {label(best)} only, "
            "the newest edition with data "
            + ("for the period" if single else "in both periods")
            + "; editions are never added (a code can mean other goods in another edition)"
        )
        return Choice({"from": best, "to": best}, found, (note,))
    used = {
        w: max(covers[w] or present[w] or {None}, key=rank) if w in asked else None
        for w in ("from", "to")
    }
    if single:
        used["from"] = used["to"]
        note = (
            f"the data hold this flow's products in several HS editions ({names}), none for "
            f"every unit of the period: figures are {label(used['to'])} only; editions are "
            "never added"
        )
        return Choice(used, found, (note,))
    note = (
        f"no HS edition in the data covers both periods ({names}): {windows['from']}: "
        f"{label(used['from'])}; {windows['to']}: {label(used['to'])}; each product's change "
        "compares codes of two editions (a code can mean other goods in each, and a "
        "product new or gone may be the same goods under another code): not like for "
        "like; editions are never added"
    )
    return Choice(used, found, (note,))


def names_note(editions: set[str | None]) -> str | None:
    """Why a product name may not fit the data's code, or None when all data are HS 2022."""
    stated = [label(e) for e in sorted(editions - {None}, key=rank) if e != NAMES_EDITION]
    if not stated and None not in editions:
        return None
    if not stated:
        what = "this data does not state its HS edition"
    else:
        what = "this data is " + " and ".join(stated)
        what += ", and part of it states no edition" if None in editions else ""
    return (
        f"product names are HS 2022 descriptions; {what}: a code's meaning can differ "
        "between editions"
    )


def from_file(
    raw: pl.DataFrame, ctx: FileContext, frame: pl.DataFrame, stated: str | None
) -> pl.Series:
    """Each row's edition in an imported file: its edition column (``hs_edition``,
    ``edition``, Comtrade's ``classificationCode``...) if it has one, else ``stated``
    (what the file says once, e.g. an OEC answer's cube), else null: not stated.
    ``frame`` holds the parsed rows, with their ``_row`` in ``raw``. TOTAL rows get none.
    """
    column = next((c for c in FILE_COLUMNS if c in raw.columns), None)
    if column is None:
        editions = pl.repeat(stated, frame.height, dtype=pl.String, eager=True)
    else:
        ctx.use(column)
        # Only the rows kept: a row skipped (a re-export, an area) is not judged.
        kept = raw.select("_row", pl.col(column).fill_null("")).join(
            frame.select("_row"), on="_row", how="semi"
        )
        known: dict[str, str | None] = {}
        for text in kept[column].unique().to_list():
            try:
                known[text] = parse(text)
            except ValueError:
                known[text] = "?"
        kept = kept.with_columns(
            hs_edition=pl.col(column).replace_strict(known, return_dtype=pl.String)
        )
        ctx.fail(
            kept,
            kept["hs_edition"] == "?",
            "not an HS edition (HS92 ... HS22, or Comtrade's H0 ... H6): SITC or BEC codes "
            "are not HS codes",
            column,
        )
        editions = frame.select("_row").join(kept, on="_row", how="left", maintain_order="left")[
            "hs_edition"
        ]
    return (
        pl.select(pl.when(frame["product"] != "TOTAL").then(pl.lit(editions)))
        .to_series()
        .alias("hs_edition")
    )


def of_oec_answer(body: object) -> str | None:
    """The edition of an OEC API answer (JSON): from the cube its ``source`` names
    (older servers), or its ``annotations`` ("HS6 REV. 2022"); None when it says none
    or several."""
    if not isinstance(body, dict):
        return None
    sources = body.get("source")
    found = {
        of_cube(str(cube.get("name", "")))
        for cube in (sources if isinstance(sources, list) else [])
        if isinstance(cube, dict)
    }
    notes = body.get("annotations")
    for key in ("dataset_name", "table"):
        text = str(notes.get(key, "")) if isinstance(notes, dict) else ""
        if match := re.search(r"\bREV\.?\s*((?:19|20)\d\d)\b", text, re.IGNORECASE):
            with contextlib.suppress(ValueError):
                found.add(parse(match.group(1)))
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def newest_edition(frame: F, keys: list[str]) -> F:
    """The rows of ``frame`` in the newest HS edition of their ``keys`` group (an edition
    not stated counts as oldest): products of two editions are never added in one figure."""
    ranks = {e: i for i, e in enumerate(EDITIONS)}
    rank_expr = pl.col("hs_edition").replace_strict(ranks, default=-1, return_dtype=pl.Int8)
    return frame.filter(rank_expr == rank_expr.max().over(keys))


def newest_edition_note(found: list[str | None]) -> str:
    """The note for :func:`newest_edition` when the rows it chose from hold several."""
    names = ", ".join(label(e) for e in sorted(found, key=rank))
    return (
        f"the products' rows are in several HS editions ({names}): each figure adds the "
        "products of its period's newest edition only; editions are never added (a code "
        "can mean other goods in another edition)"
    )
