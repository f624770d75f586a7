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


PUBLISHERS = {
    ImportFormat.OEC_JSON: "Observatory of Economic Complexity (OEC) API output",
    ImportFormat.OEC_CSV: "Observatory of Economic Complexity (OEC) API output",
    ImportFormat.COMTRADE_JSON: "UN Comtrade",
    ImportFormat.COMTRADE_CSV: "UN Comtrade",
    ImportFormat.BACI: "CEPII BACI",
    ImportFormat.TIDY: "tidy CSV supplied by the user",
    ImportFormat.OTS: "Open Trade Statistics",
    ImportFormat.GRAVITY: "CEPII gravity dataset",
}

# Formats whose publisher states values in US dollars: --currency cannot change that.
USD_FORMATS = {
    ImportFormat.COMTRADE_JSON,
    ImportFormat.COMTRADE_CSV,
    ImportFormat.BACI,
    ImportFormat.OTS,
    ImportFormat.GRAVITY,
}
