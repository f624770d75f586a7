"""UN Comtrade's quantities as the flows schema keeps them: one quantity, in one unit.

UN Comtrade gives two quantities a row (docs/METHODS.md, "Where quantities come from"):
``qty`` in the unit ``qtyUnitAbbr`` names (kg, u = units, l...) and ``netWgt``, always
in kg. The schema keeps one, never a mixture of the two:

- ``qty`` in its unit, when it has a known unit;
- else ``netWgt``, in ``kg``;
- else null.

A quantity of 0 with a positive value means "not reported" (not "zero goods"), so it
is null too, as is a negative or unreadable one; TOTAL rows (all goods) hold none.
Both the file importer and the live source use this one rule.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from tradecli.schema import TOTAL

__all__ = ["NO_UNIT", "comtrade_quantity"]

# How UN Comtrade writes "no unit" (qtyUnitCode -1 has the abbreviation "N/A").
NO_UNIT: Final = frozenset({"", "N/A", "NA", "-1"})


def _number(expr: pl.Expr) -> pl.Expr:
    """A reported number, or null when missing, unreadable, negative or not finite."""
    number = expr.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    return pl.when(number.is_finite() & (number >= 0)).then(number)


def comtrade_quantity(
    *, qty: pl.Expr, unit: pl.Expr, net_weight: pl.Expr, value: pl.Expr, product: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """``quantity`` and ``quantity_unit`` from UN Comtrade's ``qty``, ``qtyUnitAbbr``
    and ``netWgt`` (any of them null where the data lack the column)."""
    name = unit.cast(pl.String).str.strip_chars()
    known_unit = name.is_not_null() & ~name.str.to_uppercase().is_in(sorted(NO_UNIT))
    amount, weight = _number(qty), _number(net_weight)
    # 0 goods with a positive value is "not reported"; with no value, it is a true 0.
    use_qty = known_unit & amount.is_not_null() & ((amount > 0) | (value == 0))
    use_weight = weight.is_not_null() & ((weight > 0) | (value == 0))
    is_product = product != TOTAL
    quantity = (
        pl.when(is_product & use_qty)
        .then(amount)
        .when(is_product & use_weight)
        .then(weight)
        .otherwise(pl.lit(None, pl.Float64))
    )
    quantity_unit = (
        pl.when(is_product & use_qty)
        .then(name)
        .when(is_product & use_weight)
        .then(pl.lit("kg"))
        .otherwise(pl.lit(None, pl.String))
    )
    return quantity.alias("quantity"), quantity_unit.alias("quantity_unit")
