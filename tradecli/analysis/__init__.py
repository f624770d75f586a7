"""The figures: pure polars, frames in, frozen dataclasses with frames out.

``core`` holds the rules every command shares (which figure wins, growth, the
currency check), ``windows`` the windows of time and their sums; ``balance``
(with ``mirror``), ``products``, ``partners`` and ``series`` answer the commands.
"""

from __future__ import annotations

from tradecli.analysis.balance import BalanceResult, MirrorResult, balance, mirror
from tradecli.analysis.core import Tier
from tradecli.analysis.partners import PartnersResult, partners
from tradecli.analysis.products import ProductsResult, products
from tradecli.analysis.series import SeriesResult, series

__all__ = [
    "BalanceResult",
    "MirrorResult",
    "PartnersResult",
    "ProductsResult",
    "SeriesResult",
    "Tier",
    "balance",
    "mirror",
    "partners",
    "products",
    "series",
]
