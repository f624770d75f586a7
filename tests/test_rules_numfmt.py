"""Number formatting defaults (tradecli.numfmt), pinned after a mutation run.

The rules themselves (3 significant digits, half-up, k/M/B/T) are tested in
test_numfmt.py; these are the defaults a caller gets without asking.
"""

from __future__ import annotations

from tradecli.numfmt import format_percent, format_value


def test_a_percentage_is_unsigned_unless_asked() -> None:
    assert format_percent(28.04) == "28%"
    assert format_percent(-11.0) == "-11%"
    assert format_percent(28.04, signed=True) == "+28%"


def test_an_amount_without_a_currency_is_in_dollars() -> None:
    assert format_value(127_412_345.0, "amount") == "$127M"
    assert format_value(-127_412_345.0, "amount") == "-$127M"
    assert format_value(13.9e9, "amount", "JPY") == "JPY 13.9B"


def test_growth_is_signed_and_a_share_is_not() -> None:
    assert format_value(28.04, "growth") == "+28%"
    assert format_value(28.04, "percent") == "28%"
    assert format_value(None, "growth") == "n/a"
