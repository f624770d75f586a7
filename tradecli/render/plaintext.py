"""``--format table`` as text without rich, where the text is certain to be rich's own.

Importing rich's console and table modules costs about 20 ms, as much as the rest of
a sample `balance` after its dependencies. Written to a file or a pipe, a document
whose tables fit the width (no cell wrapped) and whose characters are each one cell
wide comes out of rich in a fixed shape, which this module writes directly:

- a table: its title on its own line (never wrapped), a blank edge line, the header, a
  rule of ``─``, the rows, a blank edge line (rich's ``box.SIMPLE_HEAD``); every cell
  padded with one space on
  each side, numbers right-justified (a right-justified cell loses its trailing
  spaces), columns one space apart; a plain list (``box=None``) has no title, edges,
  rule or space between the padded cells;
- prose, notes, sources: each paragraph on one line (rich's ``soft_wrap``).

Anything else (a cell that would wrap, a text column over 48 characters, a
character outside ``_ONE_CELL``, a ``[`` that rich would read as markup in a heading,
a tab or control character) returns None, and ``render.text`` lets rich lay
it out. tests/test_render_plaintext.py holds the two to the same bytes.
"""

from __future__ import annotations

from tradecli.document import Chart, Document, Table
from tradecli.numfmt import currency_symbol, format_amount
from tradecli.render._layout import body, cells, sparkline

TEXT_MAX = 48  # a text column's widest cell before rich wraps it (max_width in render.text)
RULE = "\u2500"

# Characters rich measures as one cell: printable ASCII and Latin-1 (not the soft hyphen),
# Latin Extended-A/B, the markers, dashes and the sparkline blocks.
_ONE_CELL = frozenset(
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0xA0, 0x250) if c != 0xAD]
    + list("\u2020\u2021\u2013\u2014\u2026\u00b7\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588")
)


class _Unsure(Exception):
    """rich might lay this out otherwise: let rich do it."""


def _one_cell(text: str) -> str:
    if not _ONE_CELL.issuperset(text):
        raise _Unsure
    return text


def _paragraph(text: str) -> str:
    """A soft-wrapped line: rich prints it as it is (tabs and control codes aside)."""
    if not all(c.isprintable() or c == "\n" for c in text):
        raise _Unsure
    return text + "\n"


def _grid(
    title: str | None,
    headings: list[str] | None,
    rows: list[list[str]],
    right: list[bool],
    limits: list[int | None],
    *,
    boxed: bool,
    width: int,
) -> str:
    """One table as rich writes it at ``width``, or _Unsure."""
    shown = ([headings] if headings is not None else []) + rows
    if not right or not shown:
        raise _Unsure
    for heading in headings or []:
        if "[" in _one_cell(heading):
            raise _Unsure  # rich reads a heading as markup
    widths = []
    for i, limit in enumerate(limits):
        widest = max(len(_one_cell(r[i])) for r in shown)
        if limit is not None and widest > limit:
            raise _Unsure  # rich would wrap it
        widths.append(widest + 2)
    extra = len(widths) + 1 if boxed else 0
    table_width = sum(widths) + extra
    if table_width > width:
        raise _Unsure

    def line(row: list[str]) -> str:
        padded = [
            " " + (text.rstrip().rjust(w - 2) if r else text.ljust(w - 2)) + " "
            for text, w, r in zip(row, widths, right, strict=True)
        ]
        return f" {' '.join(padded)} \n" if boxed else "".join(padded) + "\n"

    out = []
    if title:
        out.append(_paragraph(_one_cell(title)))  # on its own line, as render.text prints it
    if boxed:
        out.append("\n")
    if headings is not None:
        out.append(line(headings))
        if boxed:
            out.append(f" {RULE * (table_width - 2)} \n")
    out += [line(row) for row in rows]
    if boxed:
        out.append("\n")
    return "".join(out)


def _table(document: Document, table: Table, width: int) -> str:
    rows = [cells(document, table, row) for row in body(table)]
    headings = [c.heading for c in table.shown]
    if document.plain:
        n = len(headings)
        return _grid(None, headings, rows, [False] * n, [None] * n, boxed=False, width=width)
    right = [c.kind.numeric for c in table.shown]
    limits = [None if r else TEXT_MAX for r in right]
    return _grid(table.title, headings, rows, right, limits, boxed=True, width=width)


def _sparklines(chart: Chart, currency: str, width: int) -> str:
    symbol = currency_symbol(currency)
    flows = [v for v in chart.exports + chart.imports if v is not None]
    if not flows:
        return ""
    low, high = min(0.0, *flows), max(flows)
    rows = [
        [
            "Exports",
            sparkline(chart.exports, low, high),
            f"{format_amount(low, symbol)}..{format_amount(high, symbol)}",
        ],
        ["Imports", sparkline(chart.imports, low, high), "same scale"],
    ]
    known = [b for b in chart.balance if b is not None]
    if known:
        rows.append(
            [
                "Balance",
                sparkline(chart.balance, min(known), max(known)),
                f"{format_amount(min(known), symbol)}..{format_amount(max(known), symbol)}",
            ]
        )
    if any("[" in r[0] or "[" in r[2] for r in rows):
        raise _Unsure  # rich reads plain strings as markup
    title = "Chart (blank = no data)"
    limits: list[int | None] = [None, None, None]
    return _grid(title, None, rows, [False, False, True], limits, boxed=False, width=width)


def _heading(text: str, width: int) -> str:
    """A bold line rich wraps at the width (not soft-wrapped)."""
    if len(_one_cell(text)) > width:
        raise _Unsure
    return text + "\n"


def _document(document: Document, width: int) -> str:
    main = document.main
    out = [_table(document, main, width)]
    if document.plain:
        return "".join(out)
    if document.chart is not None and document.chart.sparklines:
        out.append(_sparklines(document.chart, document.currency, width))
    if document.sentence:
        out.append(_paragraph(document.sentence))
    out += [_paragraph(line) for line in main.prose]
    out += [_paragraph(f"Note: {note}.") for note in main.notes]
    for table in document.tables[1:]:
        out += ["\n", _table(document, table, width)]
        out += [_paragraph(f"Note: {note}.") for note in table.notes]
        out += [_paragraph(line) for line in table.prose]
    for section in document.sections:
        out += ["\n", _heading(section.heading, width)]
        out += [_paragraph(f"  - {item}") for item in section.items]
    out += ["\n", _heading("Sources", width)]
    for source in document.sources:
        if source.title is None:
            out.append(_paragraph(f"  {source.line}"))
            continue
        line = f"  [{source.number}] {source.id}: {source.title}. {source.publisher}"
        if source.url:
            line += f", {source.url}"
        out.append(_paragraph(line + "."))
        if source.reconstructed:
            out.append(_paragraph(f"    Reconstructed, not published as such: {source.note}"))
        elif source.note:
            out.append(_paragraph(f"    {source.note}"))
    if document.data_line:
        out.append(_paragraph(document.data_line))
    return "".join(out)


def render(document: Document, *, width: int = 100) -> str | None:
    """What rich would write for ``document`` at ``width`` (before trimming), or None."""
    try:
        return _document(document, width)
    except _Unsure:
        return None
