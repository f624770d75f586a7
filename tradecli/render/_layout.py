"""What the formats for people share: a row's cells as text, in the shown columns."""

from __future__ import annotations

from tradecli.document import Document, Row, Table
from tradecli.numfmt import format_value


def cells(document: Document, table: Table, row: Row) -> list[str]:
    return [
        "" if c.key in row.blank else format_value(row.get(c.key), c.kind, document.currency)
        for c in table.shown
    ]


def body(table: Table) -> list[Row]:
    """The rows for people: the data rows, then the total row."""
    return list(table.rows) + ([table.total] if table.total is not None else [])
