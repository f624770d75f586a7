"""What the formats for people share: a row's cells as text, in the shown columns."""

from __future__ import annotations

from tradecli.document import ASSUMED, MARK, Document, Row, Table
from tradecli.numfmt import format_value


def cell(document: Document, row: Row, key: str, kind: str) -> str:
    """One cell as text; a marked figure ends with its markers: † not comparable,
    ‡ resting on an assumed level."""
    if key in row.blank:
        return ""
    if row.get(key) is None and key in row.words:
        return row.words[key]
    text = format_value(row.get(key), kind, document.currency)
    if row.get(key) is None:
        return text
    marks = (MARK if key in row.marks else "") + (ASSUMED if key in row.assumed else "")
    return f"{text} {marks}" if marks else text


def cells(document: Document, table: Table, row: Row) -> list[str]:
    return [cell(document, row, c.key, c.kind) for c in table.shown]


def body(table: Table) -> list[Row]:
    """The rows for people: the data rows, then the total row."""
    return list(table.rows) + ([table.total] if table.total is not None else [])


_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(
    values: tuple[float | None, ...] | list[float | None], low: float, high: float
) -> str:
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
