"""What drove a change in one flow: contributions in points, and price vs volume.

Pure arithmetic on plain rows (no polars, no I/O), following docs/METHODS.md:

- Contributions (:func:`attribute`): growth ``g = (V1 - V0) / V0 * 100`` and, per
  product, ``c = (v1 - v0) / V0 * 100``, in percentage points. A product absent
  earlier is *new* (``v1 / V0 * 100``), absent later *gone* (``-v0 / V0 * 100``).
  What the shown products do not explain (products outside the data, the
  products below the ``top`` cut) is one explicit remainder row, computed as
  ``g`` minus the sum of the shown contributions, so the rows always add up to
  ``g``; it is never spread over the listed products. ``V0 = 0`` leaves growth
  and every contribution undefined, with the reason.
- Price and volume (additive LMDI-I, Ang 2004): for a product with positive
  values and quantities in one unit in both periods, the volume effect is
  ``L(v1, v0) * ln(q1 / q0)`` and the unit-value effect ``L(v1, v0) * ln(p1 / p0)``;
  they add up to ``v1 - v0``. Any other product keeps its change unsplit, with the
  reason, so volume + price + unsplit (+ outside the data) is the total change.

Quantities of different units are never added; a missing quantity stays missing
(``None``, never 0), and a quantity of 0 with a positive value means "not
reported". Figures in different currencies are refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from enum import StrEnum

from msgspec import Struct

from tradecli.analysis.core import one_currency
from tradecli.errors import NoData, UsageError

__all__ = [
    "Attribution",
    "Basis",
    "Effects",
    "ProductChange",
    "ProductValue",
    "Remainder",
    "Split",
    "Status",
    "Unsplit",
    "attribute",
    "log_mean",
]


class ProductValue(Struct, frozen=True):
    """One product of the flow in one period, as the data give it.

    ``quantity`` is ``None`` when the data hold none (never 0 for "unknown");
    ``unit`` names its unit (``kg``, ``u``, ``l``...). ``source`` is the id of the
    source the figure came from.
    """

    code: str
    value: float
    currency: str
    quantity: float | None = None
    unit: str | None = None
    source: str | None = None


class Status(StrEnum):
    """How a product took part in the change."""

    CONTINUING = "continuing"  # traded in both periods
    NEW = "new"  # not traded in the earlier period
    GONE = "gone"  # not traded in the later period


class Basis(StrEnum):
    """What the growth and the contributions are of."""

    TOTAL = "total"  # the flow's total, as the data give it
    LISTED = "listed"  # the sum of the listed products: the data hold no total


class Unsplit(StrEnum):
    """Why a product's change is not split into price and volume."""

    NEW = "new product: no earlier quantity to compare"
    GONE = "product gone: no later quantity to compare"
    NO_QUANTITY = "no quantity in the data"
    NOT_REPORTED = "quantity reported as 0 with a positive value (not reported)"
    NO_UNIT = "quantity without a unit"
    DIFFERENT_UNITS = "quantities in different units"
    MIXED = "quantities in several units or missing for part of the product"


class Split(Struct, frozen=True):
    """The LMDI split of one product's change; ``volume + price == value_to - value_from``."""

    unit: str
    quantity_from: float
    quantity_to: float
    unit_value_from: float  # value per unit, in the flow's currency
    unit_value_to: float
    volume: float  # L(v1, v0) * ln(q1 / q0)
    price: float  # L(v1, v0) * ln(p1 / p0): unit value, not a price (mix moves it too)


class ProductChange(Struct, frozen=True):
    """One shown product: its change, its contribution and, where possible, its split.

    ``value_from`` / ``value_to`` are 0 where the product was not traded.
    ``contribution_pp`` is ``None`` when growth is undefined (``V0 = 0``).
    ``unsplit_change`` is the change left unsplit: all of it when ``split`` is None
    (``unsplit_reason`` says why), else 0.
    """

    code: str
    value_from: float
    value_to: float
    change: float
    contribution_pp: float | None
    status: Status
    split: Split | None
    unsplit_reason: Unsplit | None
    unsplit_change: float
    sources: tuple[str, ...]


class Effects(Struct, frozen=True):
    """Volume, price and unsplit change of a set of products, in the flow's currency."""

    volume: float
    price: float
    unsplit: float


class Remainder(Struct, frozen=True):
    """The row that makes the contributions add up to the growth exactly.

    ``contribution_pp`` is growth minus the sum of the shown contributions (None
    when growth is undefined). ``change`` is the flow's change minus the shown
    products' changes; it is ``cut_change`` (the ``products_cut`` listed products
    below the cut, whose split is ``cut_effects``) plus ``outside_change`` (products
    outside the data; ``None`` when the basis is the listed products, which then
    have no outside).
    """

    label: str
    change: float
    contribution_pp: float | None
    products_cut: int
    cut_change: float
    cut_effects: Effects
    outside_change: float | None


class Attribution(Struct, frozen=True):
    """Growth of one flow between two periods and what drove it.

    ``total_from`` / ``total_to`` are V0 and V1 (the flow's totals, or the sums of
    the listed products when ``basis`` is LISTED, which ``basis_label`` says in
    words). ``rows`` are the ``top`` products with the largest changes, largest
    first; ``remainder`` is everything else. ``effects`` sums the split over every
    listed product; ``effects.volume + effects.price + effects.unsplit`` plus
    ``remainder.outside_change`` (when not None) is ``change``.
    """

    currency: str
    basis: Basis
    basis_label: str
    products: int
    total_from: float
    total_to: float
    change: float
    growth_pct: float | None
    undefined_reason: str | None
    rows: tuple[ProductChange, ...]
    remainder: Remainder
    effects: Effects
    notes: tuple[str, ...]


def log_mean(a: float, b: float) -> float:
    """The logarithmic mean ``L(a, b) = (a - b) / (ln a - ln b)``, ``L(a, a) = a``; a, b > 0.

    Within a factor of two, ``a - b`` is exact and ``log1p`` keeps every digit of
    ``ln(a / b)``; further apart, ``log1p`` of a number near -1 would lose them.
    """
    if a <= 0 or b <= 0:
        raise ValueError(f"the logarithmic mean needs two positive numbers, not {a} and {b}")
    if a == b:
        return a
    ratio = a / b
    if 0.5 <= ratio <= 2:
        return (a - b) / math.log1p((a - b) / b)
    return (a - b) / math.log(ratio)


class _Held(Struct, frozen=True):
    """One product in one period after its rows are added up."""

    value: float
    quantity: float | None
    unit: str | None
    problem: Unsplit | None  # why ``quantity`` cannot be used
    sources: frozenset[str]


def _quantity_problem(row: ProductValue) -> Unsplit | None:
    if row.quantity is None:
        return Unsplit.NO_QUANTITY
    if row.quantity == 0 and row.value > 0:
        return Unsplit.NOT_REPORTED
    if row.unit is None:
        return Unsplit.NO_UNIT
    return None


def _check(row: ProductValue) -> None:
    if not math.isfinite(row.value) or row.value < 0:
        raise UsageError(
            f"product {row.code} has a value of {row.value}: a trade value is a non-negative number"
        )
    if row.quantity is not None and (not math.isfinite(row.quantity) or row.quantity < 0):
        raise UsageError(
            f"product {row.code} has a quantity of {row.quantity}: a quantity is a "
            "non-negative number, or missing"
        )


def _hold(rows: Iterable[ProductValue]) -> dict[str, _Held]:
    """The rows of one period by product code; several rows of one code are added up.

    Values add up; quantities only when every row has one, in one unit.
    """
    by_code: dict[str, list[ProductValue]] = {}
    for row in rows:
        _check(row)
        by_code.setdefault(row.code, []).append(row)
    held = {}
    for code, group in by_code.items():
        value = math.fsum(r.value for r in group)
        problems = [_quantity_problem(r) for r in group]
        units = {r.unit for r in group}
        quantity: float | None = None
        unit: str | None = None
        problem: Unsplit | None
        if problems[0] is not None and len(set(problems)) == 1:
            problem = problems[0]  # one reason for every row (the only row, often)
        elif any(problems) or len(units) > 1:
            problem = Unsplit.MIXED
        else:
            problem = None
        if problem is None:
            quantity = math.fsum(r.quantity for r in group if r.quantity is not None)
            unit = group[0].unit
        sources = frozenset(r.source for r in group if r.source is not None)
        held[code] = _Held(value, quantity, unit, problem, sources)
    return held


_NOTHING = _Held(0.0, None, None, None, frozenset())


def _split(before: _Held, after: _Held) -> tuple[Split | None, Unsplit | None]:
    """The LMDI split of one product's change, or why there is none."""
    if before.value == 0:
        return None, Unsplit.NEW
    if after.value == 0:
        return None, Unsplit.GONE
    for held in (before, after):
        if held.problem is not None:
            return None, held.problem
    assert before.quantity is not None and after.quantity is not None
    assert before.unit is not None and after.unit is not None
    if before.unit != after.unit:
        return None, Unsplit.DIFFERENT_UNITS
    weight = log_mean(after.value, before.value)
    unit_value_from = before.value / before.quantity
    unit_value_to = after.value / after.quantity
    split = Split(
        unit=before.unit,
        quantity_from=before.quantity,
        quantity_to=after.quantity,
        unit_value_from=unit_value_from,
        unit_value_to=unit_value_to,
        volume=weight * math.log(after.quantity / before.quantity),
        price=weight * math.log(unit_value_to / unit_value_from),
    )
    return split, None


def _effects(rows: Sequence[ProductChange]) -> Effects:
    return Effects(
        volume=math.fsum(r.split.volume for r in rows if r.split is not None),
        price=math.fsum(r.split.price for r in rows if r.split is not None),
        unsplit=math.fsum(r.unsplit_change for r in rows),
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def attribute(
    rows_from: Iterable[ProductValue],
    rows_to: Iterable[ProductValue],
    total_from: float | None,
    total_to: float | None,
    top: int = 10,
) -> Attribution:
    """Growth of one flow from period 0 to period 1, product by product.

    ``rows_from`` / ``rows_to``: the flow's products in each period, at one
    product level. ``total_from`` / ``total_to``: the flow's total in each period,
    or ``None`` when the data hold none; unless both are known, growth and the
    contributions are of the sum of the listed products (``Basis.LISTED``). Shows
    the ``top`` products with the largest changes (in absolute value).

    Raises ``UsageError`` for figures in several currencies or a ``top`` below 1,
    ``NoData`` when neither period lists a product.
    """
    if top < 1:
        raise UsageError("--top must be at least 1")
    rows_from, rows_to = list(rows_from), list(rows_to)
    currency = one_currency([r.currency for r in (*rows_from, *rows_to)], "this flow")
    before, after = _hold(rows_from), _hold(rows_to)
    codes = sorted(
        code
        for code in before.keys() | after.keys()
        if before.get(code, _NOTHING).value > 0 or after.get(code, _NOTHING).value > 0
    )
    if not codes:
        raise NoData("the data list no traded product for this flow in either period")
    listed_from = math.fsum(before.get(c, _NOTHING).value for c in codes)
    listed_to = math.fsum(after.get(c, _NOTHING).value for c in codes)
    notes: list[str] = []
    products = _plural(len(codes), "product")
    for total in (total_from, total_to):
        if total is not None and not (math.isfinite(total) and total >= 0):
            raise UsageError(f"a flow's total of {total}: a total is a non-negative number")
    if total_from is not None and total_to is not None:
        basis, v0, v1 = Basis.TOTAL, total_from, total_to
        basis_label = f"{products} in the data, of the flow's total"
        for listed, total, when in ((listed_from, v0, "earlier"), (listed_to, v1, "later")):
            if listed > total * (1 + 1e-9):
                notes.append(
                    f"the listed products add up to more than the flow's total in the {when} "
                    "period: the products and the total do not come from the same figures"
                )
    else:
        basis, v0, v1 = Basis.LISTED, listed_from, listed_to
        basis_label = f"{products} in the data; no total"
        notes.append(
            "the data hold no total for this flow: growth and contributions are of the "
            "sum of the listed products"
        )
    change = v1 - v0
    undefined_reason = None
    if v0 == 0:
        growth: float | None = None
        undefined_reason = (
            "nothing was traded in the earlier period (V0 = 0): growth and contributions "
            "are undefined"
        )
    else:
        growth = change / v0 * 100
    changes = []
    for code in codes:
        held_from, held_to = before.get(code, _NOTHING), after.get(code, _NOTHING)
        delta = held_to.value - held_from.value
        split, reason = _split(held_from, held_to)
        status = (
            Status.NEW
            if held_from.value == 0
            else Status.GONE
            if held_to.value == 0
            else Status.CONTINUING
        )
        changes.append(
            ProductChange(
                code=code,
                value_from=held_from.value,
                value_to=held_to.value,
                change=delta,
                contribution_pp=None if growth is None else delta / v0 * 100,
                status=status,
                split=split,
                unsplit_reason=reason,
                unsplit_change=0.0 if split is not None else delta,
                sources=tuple(sorted(held_from.sources | held_to.sources)),
            )
        )
    if any(r.split is not None for r in changes):
        notes.append(
            "price effects are of unit values (value per kg, per unit...), not prices: a "
            "change in the mix of goods inside one product code moves them too"
        )
    ranked = sorted(changes, key=lambda r: (-abs(r.change), r.code))
    shown, cut = ranked[:top], ranked[top:]
    shown_change = math.fsum(r.change for r in shown)
    cut_change = math.fsum(r.change for r in cut)
    listed_change = listed_to - listed_from
    outside = None if basis is Basis.LISTED else change - listed_change
    parts = []
    if cut:
        parts.append(f"{_plural(len(cut), 'other product')} in the data")
    if outside is not None:
        parts.append("products outside the data")
    remainder = Remainder(
        label=_sentence(" and ".join(parts)) if parts else "No other products",
        change=change - shown_change,
        contribution_pp=(
            None
            if growth is None
            else growth
            - math.fsum(r.contribution_pp for r in shown if r.contribution_pp is not None)
        ),
        products_cut=len(cut),
        cut_change=cut_change,
        cut_effects=_effects(cut),
        outside_change=outside,
    )
    return Attribution(
        currency=currency,
        basis=basis,
        basis_label=basis_label,
        products=len(codes),
        total_from=v0,
        total_to=v1,
        change=change,
        growth_pct=growth,
        undefined_reason=undefined_reason,
        rows=tuple(shown),
        remainder=remainder,
        effects=_effects(changes),
        notes=tuple(notes),
    )
