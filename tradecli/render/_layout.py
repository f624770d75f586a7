"""What the formats for people share: a row's cells as text, in the shown columns."""

from __future__ import annotations

from tradecli.document import MARK, Document, Row, Table
from tradecli.numfmt import format_value


def cell(document: Document, row: Row, key: str, kind: str) -> str:
    """One cell as text; a marked figure (not comparable) ends with the marker."""
    if key in row.blank:
        return ""
    text = format_value(row.get(key), kind, document.currency)
    return f"{text} {MARK}" if key in row.marks and row.get(key) is not None else text


def cells(document: Document, table: Table, row: Row) -> list[str]:
    return [cell(document, row, c.key, c.kind) for c in table.shown]


def body(table: Table) -> list[Row]:
    """The rows for people: the data rows, then the total row."""
    return list(table.rows) + ([table.total] if table.total is not None else [])
