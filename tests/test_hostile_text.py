"""Text from data is text in every format: file names, product and partner names.

Issue 21.11: an imported file named ``<img src=x onerror=alert(1)>.csv`` put that tag
into every Markdown report's sources, and many Markdown renderers pass raw HTML
through. The Markdown is checked by rendering it the way such a renderer does
(markdown-it with HTML allowed), not by looking for one string.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tradecli.cli import app
from tradecli.document import Column, Document, Kind, Row, Section, Source, Table
from tradecli.render import FORMATS

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "[click](javascript:alert(3))",
    "![pixel](http://127.0.0.1/track.png)",
    "&lt;b&gt;entity&lt;/b&gt;",
    "a | pipe",
]
TEXT = " ".join(HOSTILE)


def _hostile_document() -> Document:
    columns = (
        Column("partner", "Partner", Kind.TEXT),
        Column("product", "Product", Kind.TEXT),
        Column("value", "Value", Kind.AMOUNT),
    )
    rows = (Row({"partner": f"Partner {TEXT}", "product": f"Product {TEXT}", "value": 1.5}),)
    return Document(
        tables=(Table(f"Title {TEXT}", columns, rows, notes=(f"note {TEXT}",)),),
        payload={"schema": "test/1", "text": TEXT},
        sentence=f"Sentence {TEXT}",
        sources=(Source(1, f"import:{TEXT}.csv", f"file {TEXT}.csv", f"publisher {TEXT}"),),
        data_line=f"Data: {TEXT}",
        sections=(Section("Alerts", (f"alert {TEXT}",)),),
    )


def _markdown_html(text: str) -> str:
    """What a Markdown renderer that passes HTML through makes of ``text``."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def _assert_inert_html(page: str) -> None:
    lowered = page.lower()
    for tag in ("<img", "<script", "<a ", "<b>"):
        assert tag not in lowered, f"{tag} reached the page as markup"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_keeps_hostile_text_as_text(fmt) -> None:
    out = FORMATS[fmt].render(_hostile_document(), width=200)
    if fmt == "markdown":
        page = _markdown_html(out)
        _assert_inert_html(page)
        # The words are all still there for the reader, as text.
        import html as _html

        shown = _html.unescape(page)
        for piece in ("<img src=x onerror=alert(1)>", "[click](javascript:alert(3))"):
            assert piece in shown
        assert "&lt;b&gt;entity&lt;/b&gt;" in shown  # an entity in data stays as typed
    elif fmt == "html":
        _assert_inert_html(out.split("<style>")[0] + out.split("</style>")[1])
    elif fmt == "json":
        assert json.loads(out)["text"] == TEXT  # data formats carry the text as it is
    elif fmt in ("csv", "tsv"):
        table = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        assert f"Partner {TEXT}" in table[1] and f"Product {TEXT}" in table[1]
    else:
        assert f"Partner {HOSTILE[0]}" in " ".join(out.split())  # rich markup is not read


def test_an_imported_file_with_a_hostile_name_is_text_in_every_report_format(
    runner, tmp_path: Path
) -> None:
    tidy = tmp_path / "<img src=x onerror=alert(1)>.csv"
    tidy.write_text(
        "reporter,partner,flow,period,value_usd\nPAK,JPN,exports,2019,1\nPAK,JPN,imports,2019,2\n"
    )
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    for fmt in FORMATS:
        result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2019", "-f", fmt])
        assert result.exit_code == 0, result.stderr
        assert "onerror=alert(1)" in result.stdout  # named, as text
        if fmt == "markdown":
            _assert_inert_html(_markdown_html(result.stdout))
        elif fmt == "html":
            _assert_inert_html(result.stdout)
