"""Turn results into what people and programs read: rich tables, sentences, JSON.

Renderers take results and a rich Console; they never compute figures and
never decide exit codes.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tradecli.compute import BalanceResult, MirrorResult
from tradecli.numfmt import MISSING, format_amount, format_percent
from tradecli.sources import Dataset

JSON_SCHEMA_VERSION = "tradecli.balance/1"

_MEASURE_LABELS = {
    "exports": "Exports to {partner}",
    "imports": "Imports from {partner}",
    "balance": "Balance",
}


def currency_symbol(currency: str) -> str:
    """'$' for USD, the way the OEC writes it; any other currency by its code: 'JPY 1.2B'."""
    return "$" if currency == "USD" else f"{currency} "


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def sentence(result: BalanceResult) -> str:
    """The OEC's own phrasing of a bilateral balance, with the comparison after it."""
    rep, par = result.reporter.name, result.partner.name
    symbol = currency_symbol(result.currency)

    def amount(value: float | None) -> str:
        return format_amount(value, symbol)

    exports, imports, bal = (result.row(m) for m in ("exports", "imports", "balance"))
    parts: list[str] = []
    x1, m1, b1 = exports["value_to"], imports["value_to"], bal["value_to"]
    when = result.end.label
    if isinstance(x1, float) and isinstance(m1, float) and isinstance(b1, float):
        sign = "positive" if b1 >= 0 else "negative"
        parts.append(
            f"In {when}, {rep} exported {amount(x1)} to {par} and imported "
            f"{amount(m1)} from {par}, resulting in a {sign} trade balance of "
            f"{amount(abs(b1))}."
        )
    else:
        parts.append(f"In {when}, the data do not hold both flows of {rep} with {par}.")
    if result.start != result.end:
        clauses: list[str] = []
        for measure, row, direction in (("exports", exports, "to"), ("imports", imports, "from")):
            growth, start, end = row["growth_pct"], row["value_from"], row["value_to"]
            subject = f"{measure} {direction} {par}" if not clauses else measure
            if isinstance(growth, float) and isinstance(start, float) and isinstance(end, float):
                verb = (
                    "increased" if growth > 0 else "decreased" if growth < 0 else "did not change"
                )
                by = f" by {format_percent(abs(growth))}" if growth != 0 else ""
                clauses.append(f"{subject} {verb}{by}, from {amount(start)} to {amount(end)}")
            else:
                clauses.append(f"{subject} cannot be compared ({row['note']})")
        parts.append(
            f"Between {result.start.label} and {result.end.label}, "
            + f"{clauses[0]}, and {clauses[1]}."
        )
    return " ".join(parts)


def _refs(value: str | None, numbers: dict[str, int]) -> str:
    if not value:
        return MISSING
    return ",".join(f"[{numbers[s]}]" for s in value.split("+"))


def _source_cell(row: dict[str, Any], single: bool, numbers: dict[str, int]) -> str:
    """Footnote numbers of the sources behind a row: '[1]', or '[2] -> [1]' when they differ."""
    start, end = row["source_to"] if single else row["source_from"], row["source_to"]
    if start == end or single:
        return _refs(end, numbers)
    return f"{_refs(start, numbers)} -> {_refs(end, numbers)}"


def source_numbers(result: BalanceResult) -> dict[str, int]:
    return {source_id: i for i, source_id in enumerate(result.source_ids, start=1)}


def balance_table(result: BalanceResult) -> Table:
    single = result.start == result.end
    numbers = source_numbers(result)
    title = (
        f"{result.reporter.name} ({result.reporter.iso3}) with {result.partner.name} "
        f"({result.partner.iso3}), {result.currency}"
    )
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("")
    if not single:
        table.add_column(result.start.short_label, justify="right")
    table.add_column(result.end.short_label, justify="right")
    if not single:
        table.add_column("Change", justify="right")
        table.add_column("Growth", justify="right")
    table.add_column("Source", overflow="fold")
    symbol = currency_symbol(result.currency)
    for row in result.figures.iter_rows(named=True):
        label = _MEASURE_LABELS[row["measure"]].format(partner=result.partner.name)
        cells = [label]
        if not single:
            cells.append(format_amount(row["value_from"], symbol))
        cells.append(format_amount(row["value_to"], symbol))
        if not single:
            cells.append(format_amount(row["change"], symbol))
            growth = row["growth_pct"]
            cells.append("" if row["measure"] == "balance" else format_percent(growth, signed=True))
        cells.append(_source_cell(row, single, numbers))
        style = "bold" if row["measure"] == "balance" else None
        # Text, not str: nothing from the data is ever read as rich markup.
        table.add_row(*(Text(cell) for cell in cells), style=style)
    return table


def print_balance(result: BalanceResult, dataset: Dataset, console: Console) -> None:
    """Table, OEC-style sentence, notes and sources, all on ``console`` (stdout)."""
    console.print(balance_table(result))
    # Prose is soft-wrapped: one line per paragraph in files, wrapped by the terminal on screen.
    console.print(sentence(result), soft_wrap=True)
    for note in result.notes:
        console.print(Text(f"Note: {note}.", style="yellow"), soft_wrap=True)
    console.print()
    console.print(Text("Sources", style="bold"))
    for source_id, number in source_numbers(result).items():
        info = dataset.sources.get(source_id)
        if info is None:
            console.print(f"  [{number}] {source_id}: (no description)", markup=False)
            continue
        line = f"  [{number}] {source_id}: {info.title}. {info.publisher}"
        if info.url:
            line += f", {info.url}"
        console.print(Text(line + "."), soft_wrap=True)
        if info.reconstructed:
            console.print(
                Text(f"    Reconstructed, not published as such: {info.note}", style="yellow"),
                soft_wrap=True,
            )
        elif info.note:
            console.print(Text(f"    {info.note}"), soft_wrap=True)
    fetched = f", fetched {dataset.fetched_at}" if dataset.fetched_at else ""
    console.print(Text(f"Data: {dataset.description}{fetched}.", style="dim"), soft_wrap=True)


def balance_json(result: BalanceResult, dataset: Dataset) -> dict[str, Any]:
    """The ``--format json`` document; its schema is documented in the README."""
    figures = {}
    for row in result.figures.iter_rows(named=True):
        figures[row["measure"]] = {
            "from": _money(row["value_from"]),
            "to": _money(row["value_to"]),
            "change": _money(row["change"]),
            "growth_pct": _pct(row["growth_pct"]),
            "source_from": row["source_from"],
            "source_to": row["source_to"],
            "note": row["note"],
        }

    def country(c: Any) -> dict[str, str]:
        return {"iso3": c.iso3, "name": c.name, "oec_id": c.oec_id}

    return {
        "schema": JSON_SCHEMA_VERSION,
        "query": {
            "reporter": country(result.reporter),
            "partner": country(result.partner),
            "from": str(result.start),
            "to": str(result.end),
            "period_kind": "year" if result.end.annual else result.end.kind.value,
            "convention": result.convention.value,
            "from_months": None if result.start.annual else [str(m) for m in result.start.months],
            "to_months": None if result.end.annual else [str(m) for m in result.end.months],
        },
        "currency": result.currency,
        "figures": figures,
        "sentence": sentence(result),
        "notes": result.notes,
        "provenance": {
            "origin": dataset.origin,
            "description": dataset.description,
            "fetched_at": dataset.fetched_at,
            "sources": [
                dataset.sources[s].as_dict() if s in dataset.sources else {"id": s}
                for s in result.source_ids
            ],
        },
    }


MIRROR_NOTE = (
    "Mirror figures differ for ordinary reasons: imports are usually valued CIF (with "
    "freight and insurance) and exports FOB, goods in transit cross a year end, and "
    "partners classify and date shipments differently."
)


def print_mirror(result: MirrorResult, console: Console) -> None:
    rep, par = result.reporter.name, result.partner.name
    table = Table(
        title=f"Mirror check, {result.window.label}: {rep}'s figures and {par}'s",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for column, justify in (("", "left"), (f"Reported by {rep}", "right"),
                            (f"Reported by {par}", "right"), ("Gap", "right")):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    labels = {
        "exports": f"{rep}'s exports to {par} (vs {par}'s imports)",
        "imports": f"{rep}'s imports from {par} (vs {par}'s exports)",
    }
    for row in result.figures.iter_rows(named=True):
        table.add_row(
            labels[row["flow"]],
            format_amount(row["reported"]),
            format_amount(row["mirror"]),
            format_percent(row["gap_pct"], signed=True),
        )
    console.print(table)
    for row in result.figures.iter_rows(named=True):
        if row["note"]:
            console.print(Text(f"Note: {row['note']}.", style="yellow"), soft_wrap=True)
    console.print(MIRROR_NOTE, soft_wrap=True)


def mirror_json(result: MirrorResult) -> dict[str, Any]:
    return {
        "period": str(result.window),
        "flows": {
            row["flow"]: {
                "reported": _money(row["reported"]),
                "mirror": _money(row["mirror"]),
                "gap_pct": _pct(row["gap_pct"]),
                "source_reported": row["source_reported"],
                "source_mirror": row["source_mirror"],
                "note": row["note"],
            }
            for row in result.figures.iter_rows(named=True)
        },
        "note": MIRROR_NOTE,
    }
