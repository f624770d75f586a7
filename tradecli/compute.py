"""Old import path of the balance arithmetic, kept while callers move to ``tradecli.analysis``.

Everything here lives in :mod:`tradecli.analysis`; import it from there.
"""

from __future__ import annotations

from tradecli.analysis.balance import (
    BalanceResult,
    MirrorResult,
    balance,
    mirror,
    pair_flows,
    window_values,
)
from tradecli.analysis.core import one_currency
from tradecli.analysis.windows import Coverage, coverage, resolve_windows, window_units

__all__ = [
    "BalanceResult",
    "Coverage",
    "MirrorResult",
    "balance",
    "coverage",
    "mirror",
    "one_currency",
    "pair_flows",
    "resolve_windows",
    "window_units",
    "window_values",
]
