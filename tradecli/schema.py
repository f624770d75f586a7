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
"""

from __future__ import annotations

from typing import Final

import polars as pl

from tradecli.errors import SchemaError

__all__ = ["FLOWS_SCHEMA", "TOTAL", "SchemaError", "empty", "validate"]

TOTAL: Final = "TOTAL"

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
    }
)


def validate(frame: pl.DataFrame | pl.LazyFrame) -> None:
    """Raise ``SchemaError`` unless ``frame`` has exactly the canonical columns and types."""
    actual = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    if dict(actual) != dict(FLOWS_SCHEMA):
        expected = ", ".join(f"{k}:{v}" for k, v in FLOWS_SCHEMA.items())
        got = ", ".join(f"{k}:{v}" for k, v in actual.items())
        raise SchemaError(
            f"flows frame does not match the schema\n  expected {expected}\n  got      {got}"
        )


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=FLOWS_SCHEMA)
