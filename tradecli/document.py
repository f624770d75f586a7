"""What every command hands to the renderers: one typed, immutable ``Document``.

A document is built once per command from its typed answer (``tradecli.commands``).
It holds raw values (floats, ``None`` for missing, never preformatted text),
what kind each column is, which row is a total or the "All other" row, the
prose, notes, sources, an optional chart series, and the command's JSON payload
(the ``--format json`` output, whose schema the README documents). Every
format in ``tradecli.render`` reads the same document, so formats cannot drift
apart, and numbers are formatted once, by ``tradecli.numfmt``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TypeAlias

from msgspec import Struct, field


class Kind(StrEnum):
    """What a column holds: it decides alignment and how a value is formatted."""

    AMOUNT = "amount"  # money in the document's currency: $15.1M, JPY 13.9B
    PERCENT = "percent"  # a share: 12.7%
    GROWTH = "growth"  # a signed percentage change: +28%, -11%
    POINTS = "points"  # a signed contribution in percentage points: +13.7 pp
    TEXT = "text"
    CODE = "code"
    PERIOD = "period"
    RANK = "rank"

    @property
    def numeric(self) -> bool:
        # Right-aligned; ranks stay left like codes (they label rows, they are not figures).
        return self in (Kind.AMOUNT, Kind.PERCENT, Kind.GROWTH, Kind.POINTS)


class Role(StrEnum):
    NORMAL = "normal"
    OTHER = "other"  # "All other products": the rest, summed
    TOTAL = "total"  # the sum of every row, shown bold after them


Value = float | int | str | bool | None
# A JSON value as documents hold it (strict JSON: no NaN, no Infinity).
Json: TypeAlias = None | bool | int | float | str | list["Json"] | dict[str, "Json"]

# The marker on a growth rate or change whose two figures are not comparable
# (different sources or sides); a note in words says why.
MARK = "\u2020"
# The marker on a figure that rests on an assumed level (a reconstructed source), not
# a published figure; a legend note says so.
ASSUMED = "\u2021"


class Column(Struct, frozen=True):
    """One column. ``key`` names it in CSV; ``heading`` in tables for people.

    ``table``: shown in tables for people (text, Markdown, HTML); ``data``:
    written to the data formats (CSV, TSV). A column can be in both.
    """

    key: str
    heading: str
    kind: Kind
    table: bool = True
    data: bool = True


class Row(Struct, frozen=True):
    """Raw values by column key. ``blank``: keys shown empty (not n/a): no such figure."""

    values: Mapping[str, Value]
    role: Role = Role.NORMAL
    emphasis: bool = False  # bold in tables for people (the balance row)
    blank: frozenset[str] = frozenset()
    marks: frozenset[str] = frozenset()  # keys whose cell carries MARK (tables for people)
    # Keys whose figure rests on an assumption, not a published figure: their cell
    # carries ASSUMED ("‡") in tables for people.
    assumed: frozenset[str] = frozenset()
    # Keys whose missing figure has a word in tables for people instead of n/a (a
    # product "new" in the later period or "gone" from it); the data formats stay empty.
    words: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> Value:
        return self.values.get(key)


class Table(Struct, frozen=True):
    """A table for people: title, columns, rows (and total), then its notes and prose."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None  # shown in tables for people, not in the data formats
    notes: tuple[str, ...] = ()  # printed after this table, once each
    prose: tuple[str, ...] = ()  # plain paragraphs after the notes

    @property
    def shown(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.table)

    @property
    def data_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.data)


class Source(Struct, frozen=True):
    """A numbered source of the figures, as the Sources list names it."""

    number: int
    id: str
    title: str | None = None
    publisher: str = ""
    url: str | None = None
    note: str | None = None
    reconstructed: bool = False

    @property
    def line(self) -> str:
        """One line: '[1] id: title. publisher, url' (+ the note)."""
        if self.title is None:
            return f"[{self.number}] {self.id}: (no description)"
        text = f"[{self.number}] {self.id}: {self.title}. {self.publisher}"
        if self.url:
            text += f", {self.url}"
        if self.reconstructed:
            text += f". Reconstructed, not published as such: {self.note}"
        elif self.note:
            text += f". {self.note}"
        return text


class Chart(Struct, frozen=True):
    """Exports, imports and balance over consecutive periods; None is a gap, never zero."""

    periods: tuple[str, ...]
    exports: tuple[float | None, ...]
    imports: tuple[float | None, ...]
    balance: tuple[float | None, ...]
    sparklines: bool = False  # also drawn in the text table (series)


class Bars(Struct, frozen=True):
    """A bar chart: one group of bars per label, one bar per series; None is no bar.

    Drawn in HTML when the data hold no series worth a line: the two periods of a
    balance, the top products, the top partners. ``caption`` says in words what
    the chart shows (it is the chart's text alternative, with the values).
    """

    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    caption: str
    # Per label: its bars compare figures that are not like for like (drawn hatched,
    # the label ends with MARK). Per series, per label: the marker after a bar's
    # amount (ASSUMED on a figure resting on an assumed level).
    unlike: tuple[bool, ...] = ()
    marks: tuple[tuple[str, ...], ...] = ()


class Waterfall(Struct, frozen=True):
    """Contributions in percentage points, step by step from 0 to the growth.

    One step per label (the products, then the remainder); the last bar is ``total``
    (the growth), drawn from 0, so the steps visibly add up to it. ``caption`` says in
    words what the chart shows.
    """

    title: str
    labels: tuple[str, ...]
    steps: tuple[float, ...]
    total_label: str
    total: float
    caption: str


class Section(Struct, frozen=True):
    """A heading and a list of lines: alerts, revisions."""

    heading: str
    items: tuple[str, ...]


class Document(Struct, frozen=True):
    """Everything a command hands the renderers (see the module's docstring)."""

    tables: tuple[Table, ...]
    payload: Json  # the JSON document (dict for data commands, list for code tables)
    currency: str = "USD"
    sentence: str | None = None
    sources: tuple[Source, ...] = ()
    data_line: str | None = None
    chart: Chart | None = None
    sections: tuple[Section, ...] = ()
    bars: Bars | None = None  # drawn in HTML instead of ``chart`` when there is no series
    waterfall: Waterfall | None = None  # drawn in HTML when neither of the above is set
    plain: bool = False  # a bare list (code tables): no title box, no sources

    @property
    def doc(self) -> Json:
        """The JSON payload (the name ``tradecli report`` reads it by)."""
        return self.payload

    @property
    def title(self) -> str:
        return self.tables[0].title if self.tables else ""

    @property
    def main(self) -> Table:
        return self.tables[0]

    @property
    def notes(self) -> tuple[str, ...]:
        return self.tables[0].notes if self.tables else ()

    @property
    def credit(self) -> str:
        """The sources in one line, drawn inside a chart: a cropped chart keeps them."""
        names = [
            f"{s.publisher or s.id}{' (reconstructed)' if s.reconstructed else ''}"
            for s in self.sources
        ]
        return f"Source{'s' if len(names) > 1 else ''}: {'; '.join(names)}" if names else ""


def finite(value: float | None) -> float | None:
    """A float, or None for a missing or non-finite one: NaN never reaches any output."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def list_document(
    title: str, columns: list[tuple[str, str]], records: Sequence[Mapping[str, Value]]
) -> Document:
    """A plain list (code tables, cache entries): every column is text.

    A yes/no value reads "yes"/"no" in the table; the JSON payload keeps the boolean.
    """
    cols = tuple(Column(key, heading, Kind.TEXT) for key, heading in columns)
    rows = tuple(Row({k: _yes_no(r[k]) for k, _ in columns}) for r in records)
    payload: list[Json] = [{**r} for r in records]
    return Document(tables=(Table(title, cols, rows),), payload=payload, plain=True)


def _yes_no(value: Value) -> Value:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _revision_text(revision: Json, currency: str) -> str:
    """One revision of a report's payload (``history.revision_json``) in words, in the
    currency the figures were stored in (compared like with like)."""
    from tradecli.numfmt import format_revision

    if not isinstance(revision, dict):
        raise TypeError(f"a revision is a JSON object, not {revision!r}")
    old, new, stored = revision["old"], revision["new"], revision.get("currency")
    if not isinstance(old, int | float) or not isinstance(new, int | float):
        raise TypeError(f"a revision's figures are numbers, not {old!r} and {new!r}")
    text = f"{revision['period']} {revision['measure']}: " + format_revision(
        old, new, stored if isinstance(stored, str) and stored else currency
    )
    return text + (f" ({revision['release']})" if revision.get("release") else "")


def _texts(value: Json, key: str | None = None) -> tuple[str, ...]:
    """A payload's list of texts (or of objects' ``key``), as a section's lines."""
    items = value if isinstance(value, list) else []
    if key is None:
        return tuple(str(item) for item in items)
    return tuple(str(item[key]) for item in items if isinstance(item, dict))


def with_report_extras(document: Document, payload: Mapping[str, Json]) -> Document:
    """The document with a report run's alerts and revisions (added to its payload)."""
    from msgspec.structs import replace

    sections = list(document.sections)
    revisions = payload.get("revisions")
    if revisions and isinstance(revisions, list):
        sections.append(
            Section(
                "Revisions since the previous run",
                tuple(_revision_text(r, document.currency) for r in revisions),
            )
        )
    basis = payload.get("basis_changes")
    if basis:
        sections.append(Section("Changes of basis since the previous run", _texts(basis)))
    alerts = payload.get("alerts")
    if alerts:
        sections.append(Section("Alerts", _texts(alerts, "message")))
    return replace(document, payload=dict(payload), sections=tuple(sections))


__all__ = [
    "Bars",
    "Chart",
    "Column",
    "Document",
    "Kind",
    "MARK",
    "ASSUMED",
    "Role",
    "Row",
    "Section",
    "Source",
    "Table",
    "Waterfall",
    "Json",
    "finite",
    "list_document",
    "with_report_extras",
]
