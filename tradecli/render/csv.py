"""``--format csv``: the main table's data columns, unrounded, with a currency column."""

from __future__ import annotations

import csv
import io

from tradecli.document import Document, Value


def _cell(value: Value) -> Value:
    """Missing is empty; a yes/no (``comparable``) is ``true``/``false`` as in JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def delimited(document: Document, delimiter: str) -> str:
    """One header row of column keys, then one row per data row (no total), ``\\n`` endings.

    Amounts are the unrounded values; every table with amounts ends with a
    ``currency`` column, so no figure is ever read in the wrong currency.
    """
    table = document.main
    columns = table.data_columns
    with_currency = not document.plain
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow([c.key for c in columns] + (["currency"] if with_currency else []))
    for row in table.rows:
        cells = [_cell(row.get(c.key)) for c in columns]
        writer.writerow(cells + ([document.currency] if with_currency else []))
    return out.getvalue()


def render(document: Document, *, width: int = 100) -> str:
    return delimited(document, ",")
