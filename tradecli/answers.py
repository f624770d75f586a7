"""Checks of what live sources answer, as strict as those of imported files.

Free of httpx and polars: the source modules use it while parsing answers.
"""

from __future__ import annotations

import math

from tradecli.errors import BadResponse


def trade_value(value: object, where: str) -> float:
    """A trade value from an answer, checked as strictly as an imported file's: a finite
    number (no NaN or Infinity, no true/false) and never negative."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadResponse(f"{where}: value {value!r} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise BadResponse(f"{where}: value {value!r} is not a number") from None
    if not math.isfinite(number):
        raise BadResponse(
            f"{where}: value {value!r} is not a finite number",
            hint="the source sent a broken answer; nothing was stored",
        )
    if number < 0:
        raise BadResponse(
            f"{where}: trade value {number:g} is negative; trade values never are",
            hint="the source sent a broken answer; nothing was stored",
        )
    return number


def answer_quantity(value: object) -> tuple[int | float | str | None, bool]:
    """A quantity from an answer, checked as strictly as a value: ``(kept, refused)``.

    A quantity is optional, so one that is not a finite, non-negative number (NaN,
    Infinity, negative, true/false, text) is kept as null and ``refused`` says so, for
    a note; the answer's values still stand. A missing quantity stays missing.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, False
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, True
    try:
        number = float(value)
    except ValueError:
        return None, True
    if not math.isfinite(number) or number < 0:
        return None, True
    return value, False
