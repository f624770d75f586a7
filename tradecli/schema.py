"""The canonical flows schema: the one shape every data source produces.

A row is one directional flow of goods, exporter -> importer, in one period.
The embedded sample, the cache, the OEC API client and every importer return a
frame with exactly these columns, in this order, with these types; anything
else is a bug in that source. ``validate`` checks it at the boundary.

Columns
-------
exporter   ISO3 code of the exporting country (``WLD`` for the world).
importer   ISO3 code of the importing country.
reporter   ISO3 code of the country whose statistics the figure comes from
           (the exporter for reported exports, the importer for reported
           imports), or null when the source does not say (OEC headline
           figures, the gravity table). Lets mirror flows live beside
           reported ones without being mixed up.
period     First day of the period (``2024-08-01`` for August 2024,
           ``2006-01-01`` for the year 2006).
frequency  ``month`` or ``year``: how long the period lasts.
product    ``TOTAL`` for all goods, otherwise an HS code of 2, 4 or 6 digits, or an
           HS section as ``S01``..``S21`` (OEC section-level files).
value      Trade value in ``currency`` units.
currency   ISO 4217 code of ``value``; ``USD`` for everything tradecli ships.
           Figures in different currencies are never summed or compared.
source     Id of the source the figure came from; ``sources.json`` (or the
           cache's metadata) says what it is, who published it and its licence.
quantity   How much was traded, in ``quantity_unit``; null when the source gives
           none (never 0 for "unknown"). TOTAL rows hold none: all goods have no
           one unit.
quantity_unit
           The unit of ``quantity`` as the source names it (``kg``, ``u``, ``l``,
           ``t`` for BACI's metric tons...); null when ``quantity`` is null.
           Quantities of different units are never added (``sum_quantity``).
hs_edition The HS edition a product row's code belongs to (``HS92``, ``HS96``,
           ``HS02``, ``HS07``, ``HS12``, ``HS17``, ``HS22``: a BACI release's, UN
           Comtrade's ``classificationCode``, an OEC cube's); null for TOTAL rows (all
           goods are the same in every edition) and where the source does not say.
           A code can mean other goods in another edition: rows of two editions are
           never added (:mod:`tradecli.editions`).

Sources without quantities (the embedded sample, OEC headline figures, caches
written before quantities were kept) get both columns as nulls from ``conform``;
frames and caches written before editions were kept get ``hs_edition`` from
``conform`` too: a BACI source id names its release's edition, else null.
"""

from __future__ import annotations

from typing import Final, TypeVar

import polars as pl

from tradecli.errors import SchemaError

__all__ = [
    "FLOWS_SCHEMA",
    "EDITION",
    "LATER_COLUMNS",
    "QUANTITY_COLUMNS",
    "TOTAL",
    "SchemaError",
    "conform",
    "baci_edition",
    "fill_edition",
    "empty",
    "sum_quantity",
    "validate",
]

TOTAL: Final = "TOTAL"
F = TypeVar("F", pl.DataFrame, pl.LazyFrame)

FLOWS_SCHEMA: Final = pl.Schema(
    {
        "exporter": pl.String,
        "importer": pl.String,
        "reporter": pl.String,
        "period": pl.Date,
        "frequency": pl.String,
        "product": pl.String,
        "value": pl.Float64,
        "currency": pl.String,
        "source": pl.String,
        "quantity": pl.Float64,
        "quantity_unit": pl.String,
        "hs_edition": pl.String,
    }
)
# Added after the first release: files and caches written before may lack them.
QUANTITY_COLUMNS: Final = ("quantity", "quantity_unit")
EDITION: Final = "hs_edition"
LATER_COLUMNS: Final = (*QUANTITY_COLUMNS, EDITION)
# A BACI source id names its release's edition (import:BACI_HS92_V202501).
_BACI_EDITION: Final = r"BACI_(HS(?:92|96|02|07|12|17|22))_"


def validate(frame: pl.DataFrame | pl.LazyFrame) -> None:
    """Raise ``SchemaError`` unless ``frame`` has exactly the canonical columns and types."""
    actual = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    if dict(actual) != dict(FLOWS_SCHEMA):
        expected = ", ".join(f"{k}:{v}" for k, v in FLOWS_SCHEMA.items())
        got = ", ".join(f"{k}:{v}" for k, v in actual.items())
        raise SchemaError(
            f"flows frame does not match the schema\n  expected {expected}\n  got      {got}"
        )


def conform(frame: F) -> F:
    """``frame`` in the canonical columns, order and types; quantity columns it lacks
    are added as nulls (a source without quantities never gets an invented 0), and an
    edition column it lacks is filled by :func:`fill_edition`.

    Any other column missing is an error, as is a column that does not cast.
    """
    names = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    missing = [
        pl.lit(None, FLOWS_SCHEMA[name]).alias(name) for name in LATER_COLUMNS if name not in names
    ]
    if missing:
        frame = frame.with_columns(missing)
    frame = frame.select(pl.col(name).cast(dtype) for name, dtype in FLOWS_SCHEMA.items())
    return fill_edition(frame) if EDITION not in names else frame


def baci_edition(source_id: str) -> pl.Expr:
    """The edition a BACI source id names, as a literal (null when it names none)."""
    return pl.lit(source_id, pl.String).str.extract(_BACI_EDITION, 1)


def fill_edition(frame: F) -> F:
    """Rows written before editions were kept: a product row of a BACI release (its
    source id names the edition) gets that edition; others stay null ("not stated").
    TOTAL rows never have one."""
    stated = pl.col(EDITION).fill_null(pl.col("source").str.extract(_BACI_EDITION, 1))
    return frame.with_columns(pl.when(pl.col("product") != TOTAL).then(stated).alias(EDITION))


def sum_quantity(
    quantity: str | pl.Expr = "quantity", unit: str | pl.Expr = "quantity_unit"
) -> tuple[pl.Expr, pl.Expr]:
    """Aggregations for a group's quantity and unit: the sum only when every row has a
    quantity and all share one unit; else both null (never a sum of kg and litres,
    never a smaller sum that skips a row without a quantity). An empty group has none."""
    q = pl.col(quantity) if isinstance(quantity, str) else quantity
    u = pl.col(unit) if isinstance(unit, str) else unit
    usable = (q.null_count() == 0) & (u.null_count() == 0) & (u.n_unique() == 1)
    return pl.when(usable).then(q.sum()), pl.when(usable).then(u.first())


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=FLOWS_SCHEMA)
