"""Numbers the way the OEC prints them: three significant digits, half-up.

"$" + 3 significant digits + a suffix k, M, B, T (127,412,345 -> $127M,
15,130,000 -> $15.1M, 1,234 -> $1.23k); percentages likewise (28.04 -> 28%,
28.34 -> 28.3%). Rounding is half-up like d3's ``.3r``, not Python's
round-half-even, and trailing zeros are dropped.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

_SUFFIXES = (
    (Decimal(10) ** 12, "T"),
    (Decimal(10) ** 9, "B"),
    (Decimal(10) ** 6, "M"),
    (Decimal(10) ** 3, "k"),
)
MISSING = "n/a"


def round_significant(value: float, digits: int = 3) -> Decimal:
    """Round to ``digits`` significant digits, half away from zero.

    The float goes through ``repr`` (its shortest round-tripping form), so
    0.125 is treated as the 0.125 a person typed, not 0.12499999...
    NaN and Infinity are no figures: a ``ValueError`` saying so, never a guess.
    """
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}; figures are checked before this")
    number = Decimal(repr(float(value)))
    if number.is_zero():
        return Decimal(0)
    exponent = number.adjusted() - digits + 1
    return number.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def _plain(number: Decimal) -> str:
    """Decimal without exponent or trailing zeros: 17.0 -> '17', 1.230 -> '1.23'."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def full_precision(value: float) -> float:
    """``value`` to 15 significant digits: what the data said, without binary noise.

    A double holds any 15-digit decimal exactly enough to give it back, so this
    drops only the noise summing floats leaves (28.000000000000004 -> 28.0,
    1007172100.0000001 -> 1007172100.0). It is not a rounding for display:
    cents and beyond are kept (1234999.996 stays 1234999.996). JSON and CSV
    carry these values; tables format them once, with ``format_amount``.
    """
    return float(f"{value:.15g}")


def currency_symbol(currency: str) -> str:
    """'$' for USD, the way the OEC writes it; any other currency by its code: 'JPY 1.2B'."""
    return "$" if currency == "USD" else f"{currency} "


def format_amount(value: float | None, currency_symbol: str = "$") -> str:
    """OEC-style amount: ``-$127M``, ``$15.1M``, ``$1.23k``, ``$950``."""
    if value is None:
        return MISSING
    rounded = round_significant(abs(value))
    sign = "-" if value < 0 and not rounded.is_zero() else ""
    for scale, suffix in _SUFFIXES:
        if rounded >= scale:
            # Rounding first means 999,950 becomes 1,000,000 and prints as $1M, not $1000k.
            return f"{sign}{currency_symbol}{_plain(rounded / scale)}{suffix}"
    return f"{sign}{currency_symbol}{_plain(rounded)}"


def format_revision(old: float, new: float, currency: str) -> str:
    """A revised figure, old and new, in its currency: '$17M -> $17.5M (+$500k)'.

    When three significant digits hide the change (17,000,000 -> 17,000,400), both
    figures are written out in full instead: 'USD 17,000,000 -> USD 17,000,400 (+USD 400)'.
    """
    symbol = currency_symbol(currency)
    delta = new - old
    before, after = format_amount(old, symbol), format_amount(new, symbol)
    change = format_amount(delta, symbol)
    if before == after or change in (format_amount(0.0, symbol), f"-{symbol}0"):

        def full(value: float) -> str:
            text = f"{abs(value):,.2f}".removesuffix(".00")
            return f"{'-' if value < 0 else ''}{currency} {text}"

        before, after, change = full(old), full(new), full(delta)
    return f"{before} -> {after} ({'+' if delta > 0 else ''}{change})"


def format_percent(value: float | None, signed: bool = False) -> str:
    """OEC-style percentage: ``28%``, ``28.3%``; ``+28%`` / ``-11%`` when ``signed``."""
    if value is None:
        return MISSING
    rounded = round_significant(abs(value))
    whole, dot, fraction = _plain(rounded).partition(".")
    # Thousands grouped: +4,310,000% reads at a glance, +4310000% does not.
    text = f"{int(whole):,}{dot}{fraction}%"
    if rounded.is_zero():
        return text
    if value < 0:
        return "-" + text
    return ("+" + text) if signed else text


def format_points(value: float | None) -> str:
    """A contribution in percentage points, signed, to two decimals: ``+13.66 pp``.

    Fixed decimals, as statistical offices print them, so the points of one table line
    up and a remainder of floating-point dust reads ``0.00 pp``, not ``+1.7e-15``.
    """
    if value is None:
        return MISSING
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}; figures are checked before this")
    text = f"{abs(value):.2f}"
    if float(text) == 0:
        return "0.00 pp"
    return ("-" if value < 0 else "+") + text + " pp"


def format_value(value: float | int | str | bool | None, kind: str, currency: str = "USD") -> str:
    """The one place a document's raw value becomes text, by its column kind.

    Amounts and percentages are formatted from the unrounded value (rounded
    once, here); a missing figure is ``n/a``; missing text is empty.
    """
    if kind in ("amount", "percent", "growth", "points"):
        if isinstance(value, str):
            return value
        number = None if value is None else float(value)
        if kind == "amount":
            return format_amount(number, currency_symbol(currency))
        if kind == "points":
            return format_points(number)
        return format_percent(number, signed=kind == "growth")
    return "" if value is None else str(value)
