"""The Document model and its renderers: kinds, roles, one rounding, currency, strict JSON."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from pathlib import Path

import pytest

from tradecli.cli import app
from tradecli.document import Column, Document, Kind, Role, Row, Source, Table, list_document
from tradecli.numfmt import format_value, full_precision
from tradecli.render import FORMATS, by_extension


def _doc(rows: tuple[Row, ...], currency: str = "USD", total: Row | None = None) -> Document:
    columns = (
        Column("label", "Label", Kind.TEXT),
        Column("code", "Code", Kind.CODE),
        Column("value", "Value", Kind.AMOUNT),
        Column("share", "Share", Kind.PERCENT),
        Column("growth", "Growth", Kind.GROWTH),
        Column("hidden", "Hidden", Kind.TEXT, table=False),
    )
    return Document(
        tables=(Table("A table", columns, rows, total=total, notes=("a note",)),),
        payload={"schema": "test/1", "rows": [dict(r.values) for r in rows]},
        currency=currency,
        sources=(Source(1, "src", "A title", "A publisher"),),
        data_line="Data: a test.",
    )


def _render(doc: Document, fmt: str) -> str:
    return FORMATS[fmt].render(doc, width=100)


def _row(value: float | None, **extra: object) -> Row:
    values: dict[str, object] = {"label": "x", "code": "01", "value": value, "share": 1.0}
    values.update(extra)
    return Row(values)  # type: ignore[arg-type]


# -- one rounding, from the unrounded value ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(1_234_999.996, "$1.23M"), (2.675, "$2.68"), (0.004, "$0.004"), (None, "n/a")],
)
@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_amounts_are_rounded_once(value, text, fmt) -> None:
    out = _render(_doc((_row(value),)), fmt)
    assert text in out


def test_full_precision_keeps_cents_and_drops_only_float_noise() -> None:
    assert full_precision(1_234_999.996) == 1_234_999.996
    assert full_precision(0.004) == 0.004
    assert full_precision(28.000000000000004) == 28.0
    assert full_precision(0.1 + 0.2) == 0.3


def test_imported_cents_are_rounded_once_in_every_command(runner, tmp_path: Path) -> None:
    """Issue: series and partners rounded to the cent, then to 3 digits ($1.24M, $2.67, $0)."""
    tidy = tmp_path / "cents.csv"
    # The sample's 2006 totals are the floor under the import: the window names the years.
    window = ["series", "THA", "VNM", "--from", "2019", "--to", "2020"]
    tidy.write_text(
        "reporter,partner,flow,period,value_usd\n"
        "THA,VNM,exports,2019,1234999.996\nTHA,VNM,imports,2019,2.675\n"
        "THA,VNM,exports,2020,0.004\nTHA,VNM,imports,2020,3\n"
    )
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    series = runner.invoke(app, ["series", "THA", "VNM", "-f", "markdown"]).stdout
    assert "| 2019 | $1.23M | $2.68 | $1.23M |" in series
    assert "| 2020 | $0.004 | $3 | -$3 |" in series
    balance = runner.invoke(app, ["balance", "THA", "VNM", "--from", "2019", "--to", "2020"])
    exports_row = next(ln for ln in balance.stdout.splitlines() if "Exports to Vietnam" in ln)
    assert exports_row.split()[3:5] == ["$1.23M", "$0.004"]
    partners = runner.invoke(app, ["partners", "THA", "--from", "2019", "--to", "2019"])
    assert "$1.23M" in partners.stdout and "$2.68" in partners.stdout
    # CSV and JSON carry the values as imported, not rounded to the cent.
    rows = list(csv.DictReader(io.StringIO(
        runner.invoke(app, [*window, "-f", "csv"]).stdout
    )))  # fmt: skip
    assert [r["exports"] for r in rows] == ["1234999.996", "0.004"]
    assert [r["imports"] for r in rows] == ["2.675", "3.0"]
    doc = json.loads(runner.invoke(app, ["partners", "THA", "-f", "json"]).stdout)
    assert doc["rows"][0]["imports"] in (2.675, 3.0)
    assert (
        json.loads(runner.invoke(app, [*window, "-f", "json"]).stdout)["rows"][1]["exports"]
        == 0.004
    )


# -- currency ---------------------------------------------------------------------------


def test_dollar_sign_only_before_us_dollars() -> None:
    doc = _doc((_row(13.9e9),), currency="JPY")
    for fmt in ("table", "markdown", "html"):
        out = _render(doc, fmt)
        assert "JPY 13.9B" in out and "$" not in out
    rows = list(csv.DictReader(io.StringIO(_render(doc, "csv"))))
    assert rows[0]["currency"] == "JPY" and rows[0]["value"] == "13900000000.0"
    assert format_value(-5e6, "amount", "EUR") == "-EUR 5M"
    assert format_value(-5e6, "amount", "USD") == "-$5M"


# -- kinds and roles are data, not text -------------------------------------------------


def test_alignment_comes_from_the_column_kind_not_the_text() -> None:
    doc = _doc((_row(1.0, label="$5 looks like money", code="12%"),))
    md = _render(doc, "markdown")
    assert "|---|---|---:|---:|---:|" in md  # text and code stay left whatever they hold
    html = _render(doc, "html")
    # Left-aligned, not .num; words may wrap on a narrow screen (.text), codes never.
    assert "<td class=text>$5 looks like money</td>" in html and "<td>12%</td>" in html


def test_total_row_is_marked_by_its_role_not_its_label() -> None:
    fake = Row({"label": "Total (3 products)", "code": "99", "value": 1.0})
    real = Row({"label": "Sum", "code": None, "value": 3.0}, role=Role.TOTAL)
    doc = _doc((fake,), total=real)
    data = list(csv.DictReader(io.StringIO(_render(doc, "csv"))))
    assert [r["label"] for r in data] == ["Total (3 products)"]  # the total row is not data
    md = _render(doc, "markdown").splitlines()
    assert md.index("| Total (3 products) | 99 | $1 | n/a | n/a |") < md.index(
        "| Sum |  | $3 | n/a | n/a |"
    )  # the real total comes last


def test_blank_cells_are_empty_for_people_but_kept_in_data() -> None:
    other = Row({"label": "All other", "code": "OTHER", "value": 2.0}, role=Role.OTHER,
                blank=frozenset({"code", "growth"}))  # fmt: skip
    doc = _doc((other,))
    assert "| All other |  | $2 | n/a |  |" in _render(doc, "markdown")
    assert list(csv.DictReader(io.StringIO(_render(doc, "csv"))))[0]["code"] == "OTHER"


def test_table_only_and_data_only_columns() -> None:
    doc = _doc((_row(1.0, hidden="only in csv"),))
    assert "only in csv" not in _render(doc, "markdown")
    assert "only in csv" not in _render(doc, "table")
    header = _render(doc, "csv").splitlines()[0]
    assert header == "label,code,value,share,growth,hidden,currency"


def test_text_from_data_is_never_markup_or_html() -> None:
    doc = _doc((_row(1.0, label="[bold]<b>x</b>|y"),))
    assert "[bold]<b>x</b>|y" in _render(doc, "table")
    assert "&lt;b&gt;" in _render(doc, "html")
    # Markdown renderers pass raw HTML through: the tag is text there too (issue 21.11).
    assert "[bold]&lt;b>x&lt;/b>\\|y" in _render(doc, "markdown")


# -- JSON -------------------------------------------------------------------------------


def test_json_never_writes_nan_or_infinity() -> None:
    doc = Document(tables=(), payload={"value": math.nan})
    with pytest.raises(ValueError):
        _render(doc, "json")


def test_builders_turn_non_finite_values_into_null() -> None:
    from tradecli.commands._shared import num as _num

    assert _num(math.nan) is None and _num(math.inf) is None and _num(None) is None
    assert _num(1.5) == 1.5


# -- the mirror table -------------------------------------------------------------------


def test_mirror_note_is_printed_once(runner) -> None:
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "--mirror"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("Mirror figures differ for ordinary reasons") == 1
    assert result.stdout.count("Pakistan reported no complete figure for August 2025") == 1
    md = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "--mirror", "-f",
                             "markdown"]).stdout  # fmt: skip
    assert "### Mirror check, August 2024 and August 2025" in md and md.count("CIF") == 1
    doc = json.loads(
        runner.invoke(
            app, ["balance", "PAK", "JPN", "--from", "2024-08", "--mirror", "-f", "json"]
        ).stdout
    )
    assert set(doc["mirror"]["flows"]) == {"exports", "imports"}


# -- lists and the registry ---------------------------------------------------------------


def test_list_document_renders_in_every_format() -> None:
    records = [{"code": "01", "name": "Live animals", "n": None}]
    doc = list_document("Codes", [("code", "Code"), ("name", "Name"), ("n", "N")], records)
    assert json.loads(_render(doc, "json")) == records
    assert _render(doc, "csv") == "code,name,n\n01,Live animals,\n"
    assert _render(doc, "tsv") == "code\tname\tn\n01\tLive animals\t\n"
    assert (
        _render(doc, "markdown")
        == "## Codes\n\n| Code | Name | N |\n|---|---|---|\n| 01 | Live animals |  |\n"
    )
    assert "Live animals" in _render(doc, "table") and "Sources" not in _render(doc, "table")


def test_every_registered_format_is_a_module_with_render() -> None:
    import importlib

    for fmt in FORMATS.values():
        module = importlib.import_module(f"tradecli.render.{fmt.module}")
        assert callable(module.render)
        assert by_extension("." + fmt.extension) is fmt
    assert by_extension(".xlsx") is None


@pytest.mark.parametrize(
    ("value", "kind", "currency", "text"),
    [
        (127_412_345.0, "amount", "USD", "$127M"),
        (-1_870_000.0, "amount", "USD", "-$1.87M"),
        (13.9e9, "amount", "JPY", "JPY 13.9B"),
        (None, "amount", "USD", "n/a"),
        (12.6625754624728, "percent", "USD", "12.7%"),
        (28.000000000000004, "growth", "USD", "+28%"),
        (-11.0, "growth", "USD", "-11%"),
        (None, "growth", "USD", "n/a"),
        (None, "code", "USD", ""),
        (None, "text", "USD", ""),
        ("2024-08", "period", "USD", "2024-08"),
        (3, "rank", "USD", "3"),
    ],
)
def test_format_value_is_the_one_formatter(value, kind, currency, text) -> None:
    assert format_value(value, kind, currency) == text


# -- issue 9, defects 4 and 5: comparability and mirror figures, in every format ---------

CHL_CHN = ["balance", "CHL", "CHN", "--from", "2002", "--to", "2006"]
CHL_PARTNERS = ["partners", "CHL", "--from", "2002", "--to", "2006", "--top", "3"]
PAK_CHL = ["balance", "PAK", "CHL", "--from", "2002", "--to", "2002"]
PEOPLE = ["table", "markdown", "html"]


def _out(runner, args: list[str], fmt: str) -> str:
    result = runner.invoke(app, [*args, "-f", fmt])
    assert result.exit_code == 0, result.stderr
    return html.unescape(result.stdout) if fmt == "html" else result.stdout


def _rows(text: str, fmt: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))


@pytest.mark.parametrize("fmt", PEOPLE)
def test_growth_across_sources_is_marked_with_a_note_in_words(runner, fmt) -> None:
    """Issue 9.4: +49400 % compared OTS 2002 with the gravity table 2006, with no warning."""
    out = _out(runner, CHL_CHN, fmt)
    assert "+49,400% †" in out and "+3,830% †" in out
    assert "$5.68B †" in out  # the change is marked too
    note = next(line for line in out.splitlines() if "† the change of exports, imports" in line)
    assert "ots-2002" in note and "gravity-2006" in note
    assert "different sources" in note and "not a like-for-like change" in note
    # The sentence repeats the figure, so it carries the caveat too.
    assert "increased by 49,400% († not like for like" in out


def test_headline_growth_is_not_marked(runner) -> None:
    """The mark means something: comparable figures (one source, one side) carry none."""
    for fmt in PEOPLE:
        out = _out(runner, ["balance", "PAK", "JPN", "--from", "2024-08"], fmt)
        assert "†" not in out and "+28%" in out


def test_growth_across_sources_in_json_says_why(runner) -> None:
    doc = json.loads(_out(runner, CHL_CHN, "json"))
    for measure in ("exports", "imports", "balance"):
        figure = doc["figures"][measure]
        assert figure["comparable"] is False
        assert "different sources" in figure["reason"] and "gravity-2006" in figure["reason"]
        assert (figure["side_from"], figure["side_to"]) == ("reported", "reporter unknown")
    assert doc["figures"]["exports"]["growth_pct"] == pytest.approx(49415.994, rel=1e-6)
    same = json.loads(_out(runner, ["balance", "PAK", "JPN", "--from", "2024-08"], "json"))
    assert same["figures"]["exports"]["comparable"] is True
    assert same["figures"]["exports"]["reason"] is None


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_growth_across_sources_in_csv_has_a_comparable_column(runner, fmt) -> None:
    rows = _rows(_out(runner, CHL_CHN, fmt), fmt)
    assert [r["comparable"] for r in rows] == ["false", "false", "false"]
    assert rows[0]["growth_pct"].startswith("49415.99")  # shown, not dropped
    partners = _rows(_out(runner, CHL_PARTNERS, fmt), fmt)
    assert [r["comparable"] for r in partners] == ["false", "false", "false"]


@pytest.mark.parametrize("fmt", PEOPLE)
def test_partner_growth_across_sources_is_marked(runner, fmt) -> None:
    """Issue 9.4: partners ranked China +9050 % across two sources with no mark."""
    out = _out(runner, CHL_PARTNERS, fmt)
    assert "+9,050% †" in out and "+312% †" in out
    assert "† growth for USA, CHN and JPN compares 2002 (Chile's own figures)" in out


def test_partner_growth_across_sources_in_json(runner) -> None:
    doc = json.loads(_out(runner, CHL_PARTNERS, "json"))
    china = next(r for r in doc["rows"] if r["partner"] == "CHN")
    assert china["comparable"] is False and "different sides" in china["reason"]
    assert china["growth_pct"] == pytest.approx(9049.04, rel=1e-5)


MIRROR_NOTE_WORDS = "Pakistan's own figures were missing, so mirror figures were used"


@pytest.mark.parametrize("fmt", PEOPLE)
def test_balance_from_the_partners_report_says_so(runner, fmt) -> None:
    """Issue 9.5: balance PAK CHL 2002 is Chile's report, and said nothing."""
    out = _out(runner, PAK_CHL, fmt)
    assert "Chile (mirror, CIF)" in out and "Chile (mirror, FOB)" in out
    assert "Reported by" in out
    assert f"exports for 2002: {MIRROR_NOTE_WORDS}" in out
    assert f"imports for 2002: {MIRROR_NOTE_WORDS}" in out
    assert "Chile's reported imports, usually valued CIF" in out


def test_balance_from_the_partners_report_in_data_formats(runner) -> None:
    doc = json.loads(_out(runner, PAK_CHL, "json"))
    exports = doc["figures"]["exports"]
    assert (exports["side_to"], exports["reported_by_to"]) == ("mirror", "CHL")
    assert exports["reported_by"] == "Chile (mirror, CIF)"
    assert any(MIRROR_NOTE_WORDS in n for n in doc["notes"])
    for fmt in ("csv", "tsv"):
        rows = _rows(_out(runner, PAK_CHL, fmt), fmt)
        assert {(r["side_to"], r["reported_by_to"]) for r in rows} == {("mirror", "CHL")}


@pytest.fixture
def usa_from_mexico(runner, fixtures) -> list[str]:
    """The United States' trade with Mexico in 2002, known only from Mexico's report."""
    path = fixtures / "real" / "ots_yrp_y-2002_r-mex_p-usa.csv"
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    return ["partners", "USA", "--from", "2002", "--to", "2002"]


@pytest.mark.parametrize("fmt", PEOPLE)
def test_partners_from_the_partners_report_say_so(runner, usa_from_mexico, fmt) -> None:
    """Issue 9.5: partners USA ranked the partner's reported figures as US figures, no note."""
    out = _out(runner, usa_from_mexico, fmt)
    assert "Mexico (mirror)" in out
    assert "United States' own figures were missing" in out
    assert "usually valued CIF" in out and "usually valued FOB" in out


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv"])
def test_partners_from_the_partners_report_in_data_formats(runner, usa_from_mexico, fmt) -> None:
    out = _out(runner, usa_from_mexico, fmt)
    if fmt == "json":
        row = json.loads(out)["rows"][0]
        assert (row["partner"], row["side"], row["reported_by"]) == (
            "MEX", "mirror", "Mexico (mirror)")  # fmt: skip
    else:
        # Chile comes from the embedded sample (the floor), as the US reported it.
        sides = [(r["partner"], r["side"]) for r in _rows(out, fmt)]
        assert sides == [("MEX", "mirror"), ("CHL", "reported")]


@pytest.mark.parametrize("fmt", PEOPLE)
def test_own_figures_get_no_mirror_column(runner, fmt) -> None:
    out = _out(runner, ["balance", "PAK", "JPN", "--from", "2024-08"], fmt)
    assert "Reported by" not in out and "mirror" not in out.lower()


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "json"])
def test_mirror_note_once_in_every_format(runner, fmt) -> None:
    """Issue 9.5: --mirror printed the same note twice."""
    out = _out(runner, ["balance", "PAK", "JPN", "--from", "2024-08", "--mirror"], fmt)
    assert out.count("Mirror figures differ for ordinary reasons") == 1
    if fmt != "json":  # JSON keeps each flow's own note
        assert out.count("Pakistan reported no complete figure for August 2025") == 1


@pytest.fixture
def tha_vnm_products(runner, tmp_path) -> None:
    """Thailand's product exports to Vietnam: 2003 and 2004 from two files, 2005 from Vietnam."""
    files = {
        "a2003": "THA,VNM,exports,2003,30000000,03\nTHA,VNM,exports,2003,20000000,84\n",
        "b2004": "THA,VNM,exports,2004,45000000,03\nTHA,VNM,exports,2004,10000000,84\n",
        "c2005": "VNM,THA,imports,2005,47000000,03\nVNM,THA,imports,2005,12000000,84\n",
    }
    for name, rows in files.items():
        path = tmp_path / f"{name}.csv"
        path.write_text("reporter,partner,flow,period,value_usd,product\n" + rows)
        assert runner.invoke(app, ["import", str(path)]).exit_code == 0


TWO_FILES = ["products", "THA", "VNM", "--from", "2003", "--to", "2004", "--level", "hs2"]
FROM_VIETNAM = ["products", "THA", "VNM", "--from", "2005", "--to", "2005", "--level", "hs2"]


@pytest.mark.parametrize("fmt", PEOPLE)
def test_product_growth_across_files_is_marked(runner, tha_vnm_products, fmt) -> None:
    out = _out(runner, TWO_FILES, fmt)
    assert "+50% †" in out and "-50% †" in out and "+10% †" in out  # rows and the total
    assert "† growth of 03, 84 and the total compares 2003 from [1] import:a2003" in out
    mirror = _out(runner, FROM_VIETNAM, fmt)
    assert mirror.count("Vietnam (mirror, CIF)") == 2
    assert "Vietnam's reported imports, usually valued CIF" in mirror


def test_product_growth_across_files_in_data_formats(runner, tha_vnm_products) -> None:
    rows = json.loads(_out(runner, TWO_FILES, "json"))["rows"]
    assert [(r["code"], r["comparable"]) for r in rows] == [("03", False), ("84", False)]
    assert "different sources" in rows[0]["reason"]
    for fmt in ("csv", "tsv"):
        assert [r["comparable"] for r in _rows(_out(runner, TWO_FILES, fmt), fmt)] == [
            "false", "false"]  # fmt: skip
        mirror = _rows(_out(runner, FROM_VIETNAM, fmt), fmt)
        assert {r["side_to"] for r in mirror} == {"mirror"}
