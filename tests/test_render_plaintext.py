"""``--format table`` without rich writes rich's bytes, or leaves the document to rich.

``render.plaintext`` saves a run the import of rich's console and table modules; it
must never change a byte of the text table. Each document below is rendered both
ways (``render.text.rich_text`` is rich itself) and compared after the same trimming.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecli import api
from tradecli.document import (
    ASSUMED,
    MARK,
    Chart,
    Column,
    Document,
    Kind,
    Role,
    Row,
    Section,
    Source,
    Table,
    list_document,
    with_report_extras,
)
from tradecli.render import plaintext
from tradecli.render.text import _trimmed, render, rich_text

SAMPLE = {
    "balance": ("balance", "PAK", "JPN", {"start": "2024-08"}),
    "balance-mirror": ("balance", "PAK", "JPN", {"start": "2024-08", "mirror": True}),
    "products": ("products", "CHL", "ARG", {"start": "2004", "level": "hs2", "top": 5}),
    "partners": ("partners", "PAK", None, {"start": "2006", "sort": "deficit", "top": 5}),
    "series": ("series", "PAK", "JPN", {"start": "2019-11", "end": "2021-01"}),
}


@pytest.fixture(scope="module")
def sample_documents() -> dict[str, Document]:
    out = {}
    for name, (command, reporter, partner, options) in SAMPLE.items():
        out[name] = api.run(command, reporter, partner, offline=True, **options).document
    return out


def _both(document: Document, width: int) -> tuple[str | None, str]:
    fast = plaintext.render(document, width=width)
    return (None if fast is None else _trimmed(fast)), _trimmed(rich_text(document, width=width))


@pytest.mark.parametrize("name", list(SAMPLE))
@pytest.mark.parametrize("width", [30, 60, 80, 100, 160])
def test_every_sample_answer_is_rich_s_text(sample_documents, name: str, width: int) -> None:
    fast, slow = _both(sample_documents[name], width)
    assert fast is None or fast == slow
    assert render(sample_documents[name], width=width) == slow


@pytest.mark.parametrize("name", ["balance", "series"])
def test_the_sample_answers_are_written_without_rich(sample_documents, name: str) -> None:
    """At the default width they take the fast path (the start-up gain). Product names
    and the mirror table's labels run over 48 characters, which rich wraps."""
    fast, slow = _both(sample_documents[name], 100)
    assert fast == slow


def test_a_report_run_s_sections_and_a_code_list_are_rich_s_text(sample_documents) -> None:
    payload = {
        "alerts": [{"message": "exports fell 11% (threshold 10%)"}],
        "revisions": [{"period": "2024-08", "measure": "exports", "old": 1.0e6, "new": 1.2e6}],
    }
    reported = with_report_extras(sample_documents["balance"], payload)
    listed = list_document(
        "Countries", [("iso3", "ISO3"), ("name", "Name")], [{"iso3": "PAK", "name": "Pakistan"}]
    )
    for document in (reported, listed):
        fast, slow = _both(document, 100)
        assert fast == slow


def test_what_rich_would_lay_out_otherwise_is_left_to_rich() -> None:
    def table(title: str, heading: str, cell: str, kind: Kind = Kind.TEXT) -> Document:
        column = Column("k", heading, kind)
        return Document(tables=(Table(title, (column,), (Row({"k": cell}),)),), payload={})

    assert plaintext.render(table("T", "H", "x" * 48), width=100) is not None
    for document in (
        table("T", "H", "x" * 49),  # a text column wraps past 48 characters
        table("T", "H", "\u4e2d"),  # a character two cells wide
        table("T", "[b]H[/b]", "x"),  # a heading rich reads as markup
        table("T", "H", "a\tb"),
    ):
        assert plaintext.render(document, width=100) is None
        assert render(document, width=100) == _trimmed(rich_text(document, width=100))
    # A title is its own line, never read as markup nor wrapped to its table's width:
    # both writers give it whole, on one line.
    for title in ("[b]T[/b] [/a]", "a title longer than its table, " * 5):
        fast, slow = _both(table(title, "H", "x"), 100)
        assert fast == slow and fast.splitlines()[0] == title.rstrip()
    wide = table("T", "H", "1" * 60, Kind.AMOUNT)
    assert plaintext.render(wide, width=100) is not None
    assert plaintext.render(wide, width=60) is None  # wider than the console


def test_every_one_cell_character_is_one_cell_to_rich() -> None:
    from rich.cells import cell_len

    assert {c for c in plaintext._ONE_CELL if cell_len(c) != 1} == set()


# Mostly what tables hold; now and then what the fast path must leave to rich.
_ALPHABET = st.sampled_from(
    [*"ab Z09.,-$%()/:" * 30, " ", "  ", "\u00e9", MARK, ASSUMED, "\u2581", "[", "\u4e2d", "\t"]
)
_TEXT = st.lists(_ALPHABET, max_size=14).map("".join)
_LONG = st.lists(_ALPHABET, min_size=44, max_size=52).map("".join)  # about the 48 of text columns
_KINDS = st.sampled_from([Kind.TEXT, Kind.AMOUNT, Kind.CODE, Kind.GROWTH])


@st.composite
def _documents(draw: st.DrawFn) -> Document:
    n = draw(st.integers(1, 4))
    columns = tuple(
        Column(f"c{i}", draw(_TEXT), draw(_KINDS)) for i in range(n)
    )  # values below are strings: every kind formats a string as it is
    rows = tuple(
        Row(
            {c.key: draw(st.one_of(_TEXT, _TEXT, _LONG)) for c in columns},
            role=draw(st.sampled_from(list(Role))),
            emphasis=draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    tables = tuple(
        Table(draw(_TEXT), columns, rows, notes=tuple(draw(st.lists(_TEXT, max_size=2))))
        for _ in range(draw(st.integers(1, 2)))
    )
    chart = None
    if draw(st.booleans()):
        values = st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9)), min_size=1, max_size=6)
        chart = Chart(("p",), tuple(draw(values)), tuple(draw(values)), tuple(draw(values)), True)
    return Document(
        tables=tables,
        payload={},
        currency=draw(st.sampled_from(["USD", "JPY"])),
        sentence=draw(st.one_of(st.none(), _TEXT, _TEXT, st.text(max_size=40))),
        sources=tuple(
            Source(i + 1, draw(_TEXT), draw(st.one_of(st.none(), _TEXT)), note=draw(_TEXT))
            for i in range(draw(st.integers(0, 2)))
        ),
        data_line=draw(st.one_of(st.none(), _TEXT)),
        chart=chart,
        sections=tuple(
            Section(draw(_TEXT), (draw(_TEXT),)) for _ in range(draw(st.integers(0, 1)))
        ),
        plain=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(_documents(), st.integers(8, 120))
def test_any_document_the_fast_path_writes_is_rich_s_text(document: Document, width: int) -> None:
    from rich.errors import MarkupError

    try:
        fast, slow = _both(document, width)
    except MarkupError:  # a title like "[/a]": rich's error, as before; never the fast path's
        assert plaintext.render(document, width=width) is None
        return
    assert fast is None or fast == slow
