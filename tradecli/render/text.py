"""``--format table``: rich tables and prose, to a Console (the terminal) or to text.

As text (a file, a pipe), a document is written by ``render.plaintext`` when the
result is certain to be rich's, and rich is not imported at all (start-up).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from tradecli.document import Chart, Document, Role, Table
from tradecli.numfmt import currency_symbol, format_amount
from tradecli.render import plaintext
from tradecli.render._layout import body, cells, sparkline

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table as RichTable

__all__ = ["print_document", "render", "sparkline"]


def _rich_table(document: Document, table: Table) -> RichTable:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    if document.plain:
        grid = RichTable(*(c.heading for c in table.shown), box=None)
    else:
        grid = RichTable(box=box.SIMPLE_HEAD)  # its title is printed above it, unwrapped
        for column in table.shown:
            numeric = column.kind.numeric
            grid.add_column(
                column.heading,
                justify="right" if numeric else "left",
                overflow="fold",
                max_width=None if numeric else 48,
            )
    for row in body(table):
        bold = row.emphasis or row.role is Role.TOTAL
        # Text, not str: nothing from the data is ever read as rich markup.
        grid.add_row(
            *(Text(cell) for cell in cells(document, table, row)), style="bold" if bold else None
        )
    return grid


def _sparklines(chart: Chart, currency: str, console: Console) -> None:
    from rich.table import Table as RichTable
    from rich.text import Text

    symbol = currency_symbol(currency)
    flows = [v for v in chart.exports + chart.imports if v is not None]
    if not flows:
        return
    low, high = min(0.0, *flows), max(flows)
    grid = RichTable(
        title="Chart (blank = no data)", box=None, title_justify="left", show_header=False
    )
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_column(justify="right")
    grid.add_row(
        "Exports",
        Text(sparkline(chart.exports, low, high), style="green"),
        f"{format_amount(low, symbol)}..{format_amount(high, symbol)}",
    )
    grid.add_row("Imports", Text(sparkline(chart.imports, low, high), style="red"), "same scale")
    known = [b for b in chart.balance if b is not None]
    if known:
        grid.add_row(
            "Balance",
            Text(sparkline(chart.balance, min(known), max(known)), style="blue"),
            f"{format_amount(min(known), symbol)}..{format_amount(max(known), symbol)}",
        )
    console.print(grid)


def _notes(table: Table, console: Console) -> None:
    from rich.text import Text

    for note in table.notes:
        console.print(Text(f"Note: {note}.", style="yellow"), soft_wrap=True)


def _title(document: Document, table: Table, console: Console) -> None:
    """A table's title on its own soft-wrapped line: one line in a file however narrow
    the table (rich wraps a table's own title to the table's width), never markup."""
    from rich.text import Text

    if table.title and not document.plain:
        console.print(Text(table.title, style="italic"), soft_wrap=True)


def print_document(document: Document, console: Console) -> None:
    """Tables, sentence, notes, sections and sources, all on ``console``."""
    from rich.text import Text

    main = document.main
    _title(document, main, console)
    console.print(_rich_table(document, main))
    if document.plain:
        return
    if document.chart is not None and document.chart.sparklines:
        _sparklines(document.chart, document.currency, console)
    # Prose is soft-wrapped: one line per paragraph in files, wrapped by the terminal.
    if document.sentence:
        console.print(Text(document.sentence), soft_wrap=True)
    for line in main.prose:
        console.print(Text(line), soft_wrap=True)
    _notes(main, console)
    for table in document.tables[1:]:
        console.print()
        _title(document, table, console)
        console.print(_rich_table(document, table))
        _notes(table, console)
        for line in table.prose:
            console.print(Text(line), soft_wrap=True)
    for section in document.sections:
        console.print()
        console.print(Text(section.heading, style="bold"))
        for item in section.items:
            console.print(Text(f"  - {item}"), soft_wrap=True)
    console.print()
    console.print(Text("Sources", style="bold"))
    for source in document.sources:
        if source.title is None:
            console.print(Text(f"  {source.line}"), soft_wrap=True)
            continue
        line = f"  [{source.number}] {source.id}: {source.title}. {source.publisher}"
        if source.url:
            line += f", {source.url}"
        console.print(Text(line + "."), soft_wrap=True)
        if source.reconstructed:
            console.print(
                Text(f"    Reconstructed, not published as such: {source.note}", style="yellow"),
                soft_wrap=True,
            )
        elif source.note:
            console.print(Text(f"    {source.note}"), soft_wrap=True)
    if document.data_line:
        console.print(Text(document.data_line, style="dim"), soft_wrap=True)


def render(document: Document, *, width: int = 100) -> str:
    """The table as plain text (no colour), trailing spaces trimmed: the same bytes each run."""
    text = plaintext.render(document, width=width)
    return _trimmed(text if text is not None else rich_text(document, width=width))


def _trimmed(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def rich_text(document: Document, *, width: int = 100) -> str:
    """What rich writes for ``document`` on a colourless console ``width`` wide, untrimmed."""
    from rich.console import Console

    buffer = io.StringIO()
    print_document(
        document,
        Console(
            file=buffer,
            width=width,
            no_color=True,
            color_system=None,
            highlight=False,
            soft_wrap=False,
            emoji=False,
        ),
    )
    return buffer.getvalue()
