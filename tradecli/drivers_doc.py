"""The `drivers` answer as document parts: tables, the sentence, the waterfall, the JSON.

Sources, provenance and the data line are added where every command's document is
assembled; this module turns one :class:`~tradecli.analysis.flow_drivers.DriversResult`
into what is particular to `drivers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradecli.analysis.drivers import Basis, ProductChange
from tradecli.analysis.flow_drivers import DriversResult
from tradecli.document import Column, Kind, Role, Row, Table, Waterfall, finite
from tradecli.numfmt import currency_symbol, format_amount, format_percent, format_points

SCHEMA = "tradecli.drivers/1"


@dataclass(frozen=True)
class DriversParts:
    tables: tuple[Table, ...]
    sentence: str
    waterfall: Waterfall | None
    payload: dict[str, Any]  # without provenance, which the caller adds


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;") + "\u2026"


def _row_json(row: ProductChange, name: str) -> dict[str, Any]:
    split = row.split
    return {
        "code": row.code,
        "name": name,
        "status": row.status.value,
        "value_from": row.value_from,
        "value_to": row.value_to,
        "change": row.change,
        "contribution_pp": finite(row.contribution_pp),
        "volume": None if split is None else split.volume,
        "price": None if split is None else split.price,
        "unsplit": row.unsplit_change,
        "unsplit_reason": None if row.unsplit_reason is None else row.unsplit_reason.value,
        "unit": None if split is None else split.unit,
        "quantity_from": None if split is None else split.quantity_from,
        "quantity_to": None if split is None else split.quantity_to,
        "unit_value_from": None if split is None else split.unit_value_from,
        "unit_value_to": None if split is None else split.unit_value_to,
        "sources": list(row.sources),
    }


CONTRIBUTION_KEYS = ("code", "name", "status", "value_from", "value_to", "change",
                     "contribution_pp", "volume", "price", "unsplit", "unsplit_reason", "unit",
                     "unit_value_from", "unit_value_to")  # fmt: skip


def drivers_parts(result: DriversResult) -> DriversParts:
    """Two tables for people (contributions; price and volume), one for data (the first)."""
    att = result.attribution
    rep, par, flow = result.reporter, result.partner, result.flow.value
    direction = "to" if flow == "exports" else "from"
    start, end = result.start.short_label, result.end.short_label
    columns = (
        Column("code", "Code", Kind.CODE),
        Column("label", "Product", Kind.TEXT, data=False),
        Column("name", "Product", Kind.TEXT, table=False),
        Column("status", "Status", Kind.CODE, table=False),
        Column("value_from", start, Kind.AMOUNT),
        Column("value_to", end, Kind.AMOUNT),
        Column("change", "Change", Kind.AMOUNT),
        Column("contribution_pp", "Contribution", Kind.POINTS),
        Column("volume", "Volume effect", Kind.AMOUNT, table=False),
        Column("price", "Price effect", Kind.AMOUNT, table=False),
        Column("unsplit", "Not split", Kind.AMOUNT, table=False),
        Column("unsplit_reason", "Why not split", Kind.TEXT, table=False),
        Column("unit", "Unit", Kind.CODE, table=False),
        Column("unit_value_from", f"Unit value {start}", Kind.AMOUNT, table=False),
        Column("unit_value_to", f"Unit value {end}", Kind.AMOUNT, table=False),
    )
    rows, json_rows = [], []
    for r in att.rows:
        name = result.names.get(r.code, "")
        record = _row_json(r, name)
        json_rows.append(record)
        values = {k: record[k] for k in CONTRIBUTION_KEYS}
        values["label"] = _short(name)
        rows.append(Row(values))
    rest = att.remainder
    show_rest = rest.products_cut > 0 or rest.outside_change is not None
    if show_rest:
        rows.append(
            Row(
                {
                    "code": None,
                    "label": rest.label,
                    "name": rest.label,
                    "change": rest.change,
                    "contribution_pp": finite(rest.contribution_pp),
                    "volume": rest.cut_effects.volume if rest.products_cut else None,
                    "price": rest.cut_effects.price if rest.products_cut else None,
                    "unsplit": rest.cut_effects.unsplit + (rest.outside_change or 0.0),
                },
                role=Role.OTHER,
                blank=frozenset({"code", "value_from", "value_to"}),
            )
        )
    total = Row(
        {
            "code": None,
            "label": "Growth" if att.basis is Basis.TOTAL else "Growth (listed products)",
            "value_from": att.total_from,
            "value_to": att.total_to,
            "change": att.change,
            "contribution_pp": finite(att.growth_pct),
        },
        role=Role.TOTAL,
    )
    level = result.level.upper() if result.level != "section" else "HS section"
    what = f"{rep.name}'s {flow} {direction} {par.name}"
    title = (
        f"{what} by {level}: contributions to growth, {result.start.label} to "
        f"{result.end.label} ({att.currency})"
    )
    main = Table(title, columns, tuple(rows), total=total, notes=result.notes)
    split_columns = (
        Column("code", "Code", Kind.CODE),
        Column("volume", "Volume", Kind.AMOUNT),
        Column("price", "Price", Kind.AMOUNT),
        Column("unsplit", "Not split", Kind.AMOUNT),
        Column("unsplit_reason", "Why not split", Kind.TEXT),
    )
    keys = ("code", "volume", "price", "unsplit", "unsplit_reason")
    split_rows = [Row({k: row.values.get(k) for k in keys}) for row in rows[: len(att.rows)]]
    if show_rest:
        why = rest.label
        if rest.outside_change is not None:
            why += " (outside the data: not split)"
        split_rows.append(
            Row(
                {
                    "code": "other",
                    "volume": rows[-1].values.get("volume"),
                    "price": rows[-1].values.get("price"),
                    "unsplit": rows[-1].values.get("unsplit"),
                    "unsplit_reason": why,
                },
                role=Role.OTHER,
            )
        )
    outside = rest.outside_change or 0.0
    effects = att.effects
    split_total = Row(
        {
            "code": "all",
            "volume": effects.volume,
            "price": effects.price,
            "unsplit": effects.unsplit + outside,
        },
        role=Role.TOTAL,
    )
    split = Table(
        f"Price and volume (LMDI), {result.start.label} to {result.end.label} ({att.currency})",
        split_columns,
        tuple(split_rows),
        total=split_total,
        prose=(
            "Volume + price + not split = change. Price effects are of unit values, not "
            "prices: a change in the mix of goods within a code moves them too.",
        ),
    )
    symbol = currency_symbol(att.currency)
    if att.growth_pct is None:
        sentence = (
            f"{what} went from {format_amount(att.total_from, symbol)} to "
            f"{format_amount(att.total_to, symbol)}: {att.undefined_reason}."
        )
    else:
        sentence = (
            f"{what} changed by {format_percent(att.growth_pct, signed=True)} "
            f"({format_amount(att.total_from, symbol)} to {format_amount(att.total_to, symbol)})"
            f"; {att.basis_label}."
        )
        if att.rows and att.rows[0].contribution_pp is not None:
            top = att.rows[0]
            sentence += (
                f" The largest contribution: {top.code} ({format_points(top.contribution_pp)})."
            )
    waterfall = None
    if att.growth_pct is not None:
        labels = [r.code for r in att.rows]
        steps = [r.contribution_pp or 0.0 for r in att.rows]
        if show_rest and rest.contribution_pp is not None:
            labels.append(_short(rest.label, 30))
            steps.append(rest.contribution_pp)
        waterfall = Waterfall(
            title="Contributions to growth, in percentage points",
            labels=tuple(labels),
            steps=tuple(steps),
            total_label="Growth",
            total=att.growth_pct,
            caption=(
                f"Contributions to the growth of {what}, {result.start.label} to "
                f"{result.end.label}, in percentage points: "
                + "; ".join(
                    f"{label} {format_points(step)}"
                    for label, step in zip(labels, steps, strict=True)
                )
                + f"; growth {format_points(att.growth_pct)}."
            ),
        )
    payload: dict[str, Any] = {
        "schema": SCHEMA,
        "query": {
            "reporter": rep.iso3,
            "partner": par.iso3,
            "reporter_name": rep.name,
            "partner_name": par.name,
            "flow": flow,
            "level": result.level,
            "data_level": result.data_level,
            "products": result.selection,
            "from": str(result.start),
            "to": str(result.end),
            "from_label": start,
            "to_label": end,
        },
        "currency": att.currency,
        "basis": att.basis.value,
        "basis_label": att.basis_label,
        "products": att.products,
        "total": {"from": att.total_from, "to": att.total_to, "change": att.change},
        "growth_pct": finite(att.growth_pct),
        "undefined_reason": att.undefined_reason,
        "rows": json_rows,
        "remainder": {
            "label": rest.label,
            "change": rest.change,
            "contribution_pp": finite(rest.contribution_pp),
            "products_cut": rest.products_cut,
            "cut_change": rest.cut_change,
            "cut_volume": rest.cut_effects.volume,
            "cut_price": rest.cut_effects.price,
            "cut_unsplit": rest.cut_effects.unsplit,
            "outside_change": rest.outside_change,
        },
        "effects": {
            "volume": effects.volume,
            "price": effects.price,
            "unsplit": effects.unsplit,
            "outside": rest.outside_change,
        },
        "notes": list(result.notes),
    }
    return DriversParts((main, split), sentence, waterfall, payload)
