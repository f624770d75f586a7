"""Turn results into what people and programs read: rich tables, sentences, JSON.

Renderers take results and a rich Console; they never compute figures and
never decide exit codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tradecli.compute import BalanceResult, MirrorResult
from tradecli.numfmt import MISSING, currency_symbol, format_amount, format_percent
from tradecli.sources import Dataset

if TYPE_CHECKING:
    from tradecli.analysis import PartnersResult, ProductsResult, SeriesResult

JSON_SCHEMA_VERSION = "tradecli.balance/1"

_MEASURE_LABELS = {
    "exports": "Exports to {partner}",
    "imports": "Imports from {partner}",
    "balance": "Balance",
}


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
                clauses.append(f"{subject} cannot be compared (see the notes)")
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
            "from_label": result.start.short_label,
            "to_label": result.end.short_label,
            "period_kind": "year" if result.end.annual else result.end.kind.value,
            "convention": result.convention.value,
            "from_months": None if result.start.annual else [str(m) for m in result.start.months],
            "to_months": None if result.end.annual else [str(m) for m in result.end.months],
        },
        "currency": result.currency,
        "figures": figures,
        "sentence": sentence(result),
        "notes": result.notes,
        "provenance": _provenance(result.source_ids, dataset),
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
    for column, justify in (
        ("", "left"),
        (f"Reported by {rep}", "right"),
        (f"Reported by {par}", "right"),
        ("Gap", "right"),
    ):
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


# -- products, partners, series -----------------------------------------------------

_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None], low: float, high: float) -> str:
    """One character per value on a shared scale; a gap is a blank, never a zero."""
    if high <= low:
        high = low + 1.0
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        else:
            index = round((value - low) / (high - low) * (len(_BLOCKS) - 1))
            out.append(_BLOCKS[max(0, min(len(_BLOCKS) - 1, index))])
    return "".join(out)


def _provenance(source_ids: Iterable[str], dataset: Dataset) -> dict[str, Any]:
    return {
        "origin": dataset.origin,
        "description": dataset.description,
        "fetched_at": dataset.fetched_at,
        "cubes": dataset.extra.get("cubes", []),
        "sources": [
            dataset.sources[s].as_dict() if s in dataset.sources else {"id": s} for s in source_ids
        ],
    }


def products_json(result: ProductsResult, dataset: Dataset) -> dict[str, Any]:
    return {
        "schema": "tradecli.products/1",
        "query": {
            "reporter": result.reporter.iso3,
            "partner": result.partner.iso3,
            "reporter_name": result.reporter.name,
            "partner_name": result.partner.name,
            "flow": result.flow.value,
            "level": result.level,
            "data_level": result.data_level,
            "from": str(result.start),
            "to": str(result.end),
            "from_label": result.start.short_label,
            "to_label": result.end.short_label,
            "to_long_label": result.end.label,
        },
        "currency": result.currency,
        "data_level": result.data_level,
        "total": {
            "from": _money(result.total_from),
            "to": _money(result.total_to),
            "products": result.products,
        },
        "rows": [
            {
                "code": None if r["code"].startswith("OTHER(") else r["code"],
                "name": r["name"],
                "other": r["code"].startswith("OTHER("),
                "from": _money(r["value_from"]),
                "to": _money(r["value_to"]),
                "share_pct": _pct(r["share_pct"]),
                "growth_pct": _pct(r["growth_pct"]),
            }
            for r in result.rows.iter_rows(named=True)
        ],
        "notes": list(result.notes),
        "provenance": _provenance(result.source_ids, dataset),
    }


def partners_json(result: PartnersResult, dataset: Dataset) -> dict[str, Any]:
    return {
        "schema": "tradecli.partners/1",
        "query": {
            "reporter": result.reporter.iso3,
            "reporter_name": result.reporter.name,
            "to_long_label": result.end.label,
            "measure": result.measure.value,
            "sort": result.sort.value,
            "from": str(result.start),
            "to": str(result.end),
        },
        "currency": result.currency,
        "partners_in_data": result.partners,
        "rows": [
            {
                "partner": r["partner"],
                "name": r["name"],
                "exports": _money(r["exports"]),
                "imports": _money(r["imports"]),
                "balance": _money(r["balance"]),
                "value": _money(r["value"]),
                "value_from": _money(r["value_from"]),
                "growth_pct": _pct(r["growth_pct"]),
            }
            for r in result.rows.iter_rows(named=True)
        ],
        "notes": list(result.notes),
        "provenance": _provenance(result.source_ids, dataset),
    }


def print_document(doc: dict[str, Any], console: Console) -> None:
    """Products, partners and series tables, laid out by ``outputs.tabulate``.

    The same layout feeds Markdown, HTML and CSV, so the formats cannot drift apart.
    """
    from tradecli.outputs import numeric_columns, tabulate

    layout = tabulate(doc)
    table = Table(title=layout.title, box=box.SIMPLE_HEAD, title_justify="left")
    for column, numeric in zip(layout.columns, numeric_columns(layout), strict=True):
        table.add_column(
            column,
            justify="right" if numeric else "left",
            overflow="fold",
            max_width=None if numeric else 48,
        )
    for row in layout.cells:
        bold = row[0] == "" and row[1].startswith("Total (")
        table.add_row(*(Text(cell) for cell in row), style="bold" if bold else None)
    console.print(table)
    if layout.chart is not None and doc["schema"].startswith("tradecli.series"):
        _print_sparklines(layout.chart, doc.get("currency", "USD"), console)
    for line in layout.prose:
        console.print(Text(line), soft_wrap=True)
    for note in layout.notes:
        console.print(Text(f"Note: {note}.", style="yellow"), soft_wrap=True)
    console.print()
    console.print(Text("Sources", style="bold"))
    for line in layout.sources:
        console.print(Text(f"  {line}"), soft_wrap=True)
    console.print(Text(layout.data_line, style="dim"), soft_wrap=True)


def _print_sparklines(chart: dict[str, list[Any]], currency: str, console: Console) -> None:
    symbol = currency_symbol(currency)
    exports, imports, balances = chart["exports"], chart["imports"], chart["balance"]
    flows = [v for v in exports + imports if v is not None]
    if not flows:
        return
    low, high = min(0.0, *flows), max(flows)
    grid = Table(title="Chart (blank = no data)", box=None, title_justify="left", show_header=False)
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_column(justify="right")
    grid.add_row(
        "Exports",
        Text(sparkline(exports, low, high), style="green"),
        f"{format_amount(low, symbol)}..{format_amount(high, symbol)}",
    )
    grid.add_row("Imports", Text(sparkline(imports, low, high), style="red"), "same scale")
    known = [b for b in balances if b is not None]
    if known:
        grid.add_row(
            "Balance",
            Text(sparkline(balances, min(known), max(known)), style="blue"),
            f"{format_amount(min(known), symbol)}..{format_amount(max(known), symbol)}",
        )
    console.print(grid)


def series_json(result: SeriesResult, dataset: Dataset) -> dict[str, Any]:
    return {
        "schema": "tradecli.series/1",
        "query": {
            "reporter": result.reporter.iso3,
            "partner": result.partner.iso3,
            "reporter_name": result.reporter.name,
            "partner_name": result.partner.name,
            "from": str(result.first),
            "to": str(result.last),
        },
        "currency": result.currency,
        "rows": [
            {
                "period": r["period"],
                "exports": _money(r["exports"]),
                "imports": _money(r["imports"]),
                "balance": _money(r["balance"]),
            }
            for r in result.rows.iter_rows(named=True)
        ],
        "missing": list(result.missing),
        "provenance": _provenance(result.source_ids, dataset),
    }
