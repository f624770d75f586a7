"""The `drivers` answer in every format: points, the waterfall, tables that add up."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import polars as pl
import pytest

from tradecli.analysis.flow_drivers import drivers
from tradecli.codes import resolve_country
from tradecli.document import Document, Kind, Role, Waterfall
from tradecli.drivers_doc import drivers_parts
from tradecli.numfmt import format_points, format_value
from tradecli.periods import parse_window
from tradecli.render import csv as render_csv
from tradecli.render import html, markdown, text
from tradecli.schema import FLOWS_SCHEMA

TODAY = dt.date(2026, 12, 4)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (13.65523653830164, "+13.66 pp"),
        (-4.762861747911712, "-4.76 pp"),
        (-0.0109, "-0.01 pp"),
        (0.0, "0.00 pp"),
        (1.7e-15, "0.00 pp"),  # floating-point dust of a remainder
        (-0.004, "0.00 pp"),  # no "-0.00"
        (-1234.5, "-1234.50 pp"),
        (None, "n/a"),
    ],
)
def test_points(value, shown):
    assert format_points(value) == shown
    assert format_value(value, "points") == shown
    assert Kind.POINTS.numeric


def frame(*rows: tuple) -> pl.LazyFrame:
    out = [
        ("PAK", "JPN", "PAK", dt.date(year, 1, 1), "year", product, value, "USD", "test")
        for year, product, value in rows
    ]
    return pl.DataFrame(out, schema=FLOWS_SCHEMA, orient="row").lazy()


FLOWS = frame(
    (2023, "TOTAL", 1000.0),
    (2024, "TOTAL", 1100.0),
    (2023, "030613", 400.0),
    (2024, "030613", 500.0),
    (2023, "620342", 200.0),
    (2024, "620342", 150.0),
    (2023, "520100", 100.0),
    (2024, "520100", 130.0),
)


def parts(top: int = 2, flows: pl.LazyFrame = FLOWS):
    result = drivers(
        flows,
        resolve_country("PAK"),
        resolve_country("JPN"),
        level="hs6",
        top=top,
        start=parse_window("2023", TODAY, 1),
        end=parse_window("2024", TODAY, 1),
    )
    got = drivers_parts(result)
    doc = Document(
        tables=got.tables,
        payload=got.payload,
        currency="USD",
        sentence=got.sentence,
        waterfall=got.waterfall,
    )
    return got, doc


def test_table_rows_add_up_to_the_growth_row():
    got, doc = parts()
    main = doc.main
    assert [r.get("code") for r in main.rows] == ["030613", "620342", None]
    rest = main.rows[-1]
    assert rest.role is Role.OTHER
    assert rest.get("name") == "1 other product in the data and products outside the data"
    points = [r.get("contribution_pp") for r in main.rows]
    assert main.total is not None
    assert sum(points) == pytest.approx(main.total.get("contribution_pp"), abs=1e-12)
    assert main.total.get("contribution_pp") == pytest.approx(10.0)
    assert main.total.get("label") == "Growth"
    assert got.sentence.startswith("Pakistan's exports to Japan changed by +10%")
    assert "The largest contribution: 030613 (+10.00 pp)" in got.sentence


def test_every_format_says_the_same():
    _, doc = parts()
    shown = text.render(doc, width=80)
    # Tables fit 80 columns; prose is soft-wrapped by the terminal.
    table_lines = [line for line in shown.splitlines() if line.startswith(" ")]
    assert len(table_lines) > 8 and max(len(line) for line in table_lines) <= 80
    assert "+10.00 pp" in shown and "-5.00 pp" in shown and "+5.00 pp" in shown
    assert "Growth" in shown and "Price and volume (LMDI)" in shown
    md = markdown.render(doc)
    assert "| 030613 |" in md and "+10.00 pp" in md
    rows = list(csv.DictReader(io.StringIO(render_csv.render(doc))))
    assert [r["code"] for r in rows] == ["030613", "620342", ""]
    assert float(rows[0]["contribution_pp"]) == pytest.approx(10.0)
    assert rows[0]["unsplit_reason"] == "no quantity in the data"
    assert len(rows[0]["name"]) > 100 and "\u2026" not in rows[0]["name"]  # full in data
    page = html.render(doc)
    assert "Contributions to growth, in percentage points" in page
    assert "<svg" in page and "030613 +10.00 pp" in page  # the caption, in words


def test_payload_is_plain_json():
    got, _ = parts(top=10)
    payload = json.loads(json.dumps(got.payload, allow_nan=False))
    assert payload["schema"] == "tradecli.drivers/1"
    assert payload["basis"] == "total" and payload["growth_pct"] == pytest.approx(10.0)
    assert payload["remainder"]["outside_change"] == pytest.approx(20.0)  # 100 - 80
    assert sum(r["change"] for r in payload["rows"]) + payload["remainder"]["change"] == 100
    assert payload["rows"][0]["status"] == "continuing"


def test_undefined_growth_is_said_and_not_drawn():
    flows = frame((2024, "030613", 5.0), (2023, "620342", 0.0))
    got, doc = parts(flows=flows)
    assert got.waterfall is None
    assert "V0 = 0" in got.sentence
    assert got.payload["growth_pct"] is None
    assert "n/a" in text.render(doc, width=80)


def test_waterfall_svg_steps_and_total(monkeypatch):
    pytest.importorskip("matplotlib")
    svg = html.waterfall_svg(
        Waterfall("W", ("a", "b"), (3.0, -1.0), "Growth", 2.0, "a +3.00 pp; b -1.00 pp")
    )
    assert svg is not None and svg.startswith('<svg role="img" aria-label="W"')
    assert "+3.00 pp" in svg and "-1.00 pp" in svg and "+2.00 pp" in svg
