"""The import formats, kept free of polars so `--help` stays instant."""

from __future__ import annotations

from enum import StrEnum


class ImportFormat(StrEnum):
    OEC_JSON = "oec-json"
    OEC_CSV = "oec-csv"
    COMTRADE_JSON = "comtrade-json"
    COMTRADE_CSV = "comtrade-csv"
    BACI = "baci"
    TIDY = "tidy"
    OTS = "ots"
    GRAVITY = "gravity"
