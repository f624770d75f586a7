"""The figures: pure polars, frames in, frozen records with frames out.

``core`` holds the rules every command shares (which figure wins, growth, the
currency check), ``windows`` the windows of time and their sums; ``balance``
(with ``mirror``), ``products``, ``partners`` and ``series`` answer the commands.

The names below load their module on first use: a `balance` run never imports the
products, partners or series code (start-up, bench/startup.py).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradecli.analysis.balance import BalanceResult, MirrorResult, balance, mirror
    from tradecli.analysis.core import Tier
    from tradecli.analysis.partners import PartnersResult, partners
    from tradecli.analysis.products import ProductsResult, products
    from tradecli.analysis.series import SeriesResult, series

# Each public name and the module that defines it.
_HOMES = {
    "BalanceResult": "balance",
    "MirrorResult": "balance",
    "balance": "balance",
    "mirror": "balance",
    "Tier": "core",
    "PartnersResult": "partners",
    "partners": "partners",
    "ProductsResult": "products",
    "products": "products",
    "SeriesResult": "series",
    "series": "series",
}

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


def __getattr__(name: str) -> object:  # the names' types: the imports above
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """Importing a submodule sets it on its package under its own name; balance,
    products, partners and series share that name with their command's function,
    which stays the package's public name (as when this package imported them all)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _HOMES and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
