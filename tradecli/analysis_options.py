"""Choices of the analysis commands, kept free of polars so `--help` stays instant."""

from __future__ import annotations

from enum import StrEnum


class FlowChoice(StrEnum):
    EXPORTS = "exports"
    IMPORTS = "imports"


class PartnerMeasure(StrEnum):
    TRADE = "trade"  # exports + imports
    EXPORTS = "exports"
    IMPORTS = "imports"


class PartnerSort(StrEnum):
    VALUE = "value"
    DEFICIT = "deficit"
    SURPLUS = "surplus"
    GROWTH = "growth"


class ProductLevel(StrEnum):
    SECTION = "section"
    HS2 = "hs2"
    HS4 = "hs4"
    HS6 = "hs6"
