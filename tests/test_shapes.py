"""One shape in every format: what each figure rests on, the common JSON document,
CSV rows that stand alone, and series rows that name their source."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from msgspec.structs import replace

from tradecli import api
from tradecli.cli import app
from tradecli.commands import COMMANDS
from tradecli.sources.sample import load_sample

HEADLINE = ["balance", "PAK", "JPN", "--from", "2024-08"]
# The sample's PAK-JPN months from two sources: SBP (published) and the OEC headline
# (reconstructed from one assumed level).
MIXED_SERIES = ["series", "PAK", "JPN", "--from", "2019-11", "--to", "2025-08"]
ONE_SOURCE_SERIES = ["series", "PAK", "JPN", "--from", "2019-11", "--to", "2021-01"]
EVERY_COMMAND = {
    "balance": HEADLINE,
    "products": ["products", "CHL", "ARG", "--from", "2004", "--level", "hs2", "--top", "5"],
    "partners": ["partners", "PAK", "--from", "2006", "--sort", "deficit", "--top", "5"],
    "series": ONE_SOURCE_SERIES,
    "drivers": ["drivers", "THA", "USA", "--from", "2010", "--to", "2011", "--level", "hs6"],
}
# drivers needs two periods of products: a real UN Comtrade file, imported first.
NEEDS_IMPORT = {
    "drivers": "real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv",
}


@pytest.fixture(autouse=True)
def _imported(request, runner, isolated) -> None:
    callspec = getattr(request.node, "callspec", None)
    command = callspec.params.get("command") if callspec is not None else None
    if command in NEEDS_IMPORT:
        from tests.conftest import require_shared_data, run_import

        run_import(runner, require_shared_data() / NEEDS_IMPORT[command])


def _run(runner, args: list[str], fmt: str = "table") -> str:
    result = runner.invoke(app, [*args, "-f", fmt])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _csv(runner, args: list[str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_run(runner, args, "csv"))))


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(start))


# -- item 2: assumed figures are marked on the figure, in every format -------------------


def test_every_command_is_covered() -> None:
    assert set(EVERY_COMMAND) == set(COMMANDS)


def test_assumed_levels_are_marked_in_the_table_and_published_ones_are_not(runner) -> None:
    out = _run(runner, HEADLINE)
    exports, imports, balance = (
        _line(out, p) for p in ("Exports to Japan", "Imports from Japan", "Balance")
    )
    assert re.search(r"\$17M ‡ +\$15\.1M ‡ +-\$1\.87M ‡ +-11% ", exports)
    assert re.search(r"\$111M ‡ +\$142M ‡ +\$31\.1M ‡ +\+28% ", imports)
    # The published Aug 2025 deficit stands unmarked beside the derived Aug 2024 one.
    assert re.search(r"-\$94M ‡ +-\$127M +-\$33M ‡", balance)
    assert "Note: ‡ reconstructed: rests on an assumed level" in out


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_assumed_levels_are_marked_in_markdown_and_html(runner, fmt) -> None:
    out = _run(runner, HEADLINE, fmt)
    assert "$17M ‡" in out and "-$94M ‡" in out and "-11% ‡" not in out
    assert "-$127M ‡" not in out and "-$127M" in out
    assert "‡ reconstructed: rests on an assumed level" in out


def test_the_sentence_marks_the_assumed_figures(runner) -> None:
    sentence = json.loads(_run(runner, HEADLINE, "json"))["sentence"]
    assert "exported $15.1M‡ to Japan and imported $142M‡ from Japan" in sentence
    assert "trade balance of $127M." in sentence  # published: no marker
    assert "from $17M‡ to $15.1M‡" in sentence and "from $111M‡ to $142M‡" in sentence
    assert "(‡ reconstructed from an assumed level, not published.)" in sentence


def test_json_says_what_each_figure_rests_on(runner) -> None:
    figures = json.loads(_run(runner, HEADLINE, "json"))["figures"]
    derived = {"from": "reconstructed", "to": "reconstructed", "change": "reconstructed"}
    assert figures["exports"]["basis"] == {**derived, "growth_pct": "published"}
    assert figures["imports"]["basis"] == {**derived, "growth_pct": "published"}
    assert figures["balance"]["basis"] == {
        "from": "reconstructed",
        "to": "published",
        "change": "reconstructed",
        "growth_pct": None,
    }


def test_csv_has_a_basis_per_value(runner) -> None:
    rows = {r["measure"]: r for r in _csv(runner, HEADLINE)}
    assert [rows[m]["basis_from"] for m in rows] == ["reconstructed"] * 3
    assert [rows[m]["basis_growth"] for m in rows] == ["published", "published", ""]
    assert rows["balance"]["basis_to"] == "published"
    assert rows["exports"]["basis_to"] == "reconstructed"


def test_the_marks_follow_the_pair_not_its_order(runner) -> None:
    # Japan's view of the same facts: Japan's exports grew 28 %, its surplus was $127M.
    figures = json.loads(_run(runner, ["balance", "JPN", "PAK", "--from", "2024-08"], "json"))[
        "figures"
    ]
    assert figures["exports"]["growth_pct"] == pytest.approx(28.0)
    assert figures["exports"]["basis"]["growth_pct"] == "published"
    assert figures["balance"]["to"] == pytest.approx(127_000_000)
    assert figures["balance"]["basis"]["to"] == "published"
    assert figures["imports"]["basis"]["from"] == "reconstructed"


def test_published_figures_carry_no_marker(runner) -> None:
    out = _run(runner, ["balance", "PAK", "JPN", "--from", "2019-12", "--to", "2020-12"])
    assert "‡" not in out
    doc = json.loads(
        _run(runner, ["balance", "PAK", "JPN", "--from", "2019-12", "--to", "2020-12"], "json")
    )
    assert {b for f in doc["figures"].values() for b in f["basis"].values()} == {"published", None}


def test_the_marks_come_from_the_source_metadata_not_the_pair(monkeypatch) -> None:
    # The same sample, but its reconstructed source no longer lists anything as
    # published: every figure of it is then reconstructed, the growth rates too.
    import tradecli.sources.sample as sample

    real = load_sample()
    source = "oec-cna-2025-reconstructed"
    catalogue = {**real.sources, source: replace(real.sources[source], published=())}
    monkeypatch.setattr(sample, "catalogue", lambda: catalogue)
    r = api.balance("PAK", "JPN", start="2024-08", offline=True)
    assert r.exports.basis["growth_pct"] == "reconstructed"
    assert r.balance.basis["to"] == "reconstructed"


def test_to_polars_basis_is_the_csv_basis() -> None:
    frame = api.balance("PAK", "JPN", start="2024-08").to_polars()
    assert set(frame["basis"]) <= {"published", "reconstructed", "converted"}
    assert frame.filter(flow="balance").select("period", "basis").rows() == [
        ("2024-08", "reconstructed"),
        ("2025-08", "published"),
    ]
    assert set(frame["side"]) == {"reporter unknown"}  # who reported it moved to `side`
    converted = api.balance("PAK", "JPN", start="2019-12", end="2020-12", currency="EUR")
    assert set(converted.to_polars()["basis"]) == {"converted"}
    series = api.series("PAK", "JPN", start="2019-11", end="2021-01").to_polars()
    assert set(series["basis"].drop_nulls()) == {"published"}


# -- item 5: one JSON shape --------------------------------------------------------------

COMMON_QUERY = {
    "command",
    "reporter",
    "partner",
    "from",
    "to",
    "from_label",
    "to_label",
    "period_kind",
    "convention",
    "from_months",
    "to_months",
    "products",
    "scope",
}


@pytest.mark.parametrize("command", list(EVERY_COMMAND))
def test_every_json_document_has_the_common_shape(runner, command) -> None:
    doc = json.loads(_run(runner, EVERY_COMMAND[command], "json"))
    assert doc["schema"] == f"tradecli.{command}/2"
    query = doc["query"]
    assert COMMON_QUERY <= set(query) and query["command"] == command
    assert set(query["reporter"]) == {"iso3", "name", "oec_id"}
    assert query["partner"] is None or set(query["partner"]) == {"iso3", "name", "oec_id"}
    assert isinstance(doc["notes"], list)
    assert isinstance(doc["provenance"], dict) and doc["currency"] == "USD"
    rows = list(doc["figures"].values()) if command == "balance" else doc["rows"]
    for row in rows:
        # Per-row provenance: the source ids behind each figure and what each rests on.
        assert "basis" in row and isinstance(row["basis"], dict)
        assert {"source", "source_to", "exports_source"} & set(row)


def test_series_json_always_has_notes(runner) -> None:
    doc = json.loads(_run(runner, ONE_SOURCE_SERIES, "json"))
    assert doc["notes"] == ["no data for 12 of 15 periods; they are shown as n/a, not as zero"]


# -- item 6: a CSV row stands alone ------------------------------------------------------


@pytest.mark.parametrize("command", list(EVERY_COMMAND))
def test_every_csv_row_names_pair_scope_and_basis(runner, command) -> None:
    rows = _csv(runner, EVERY_COMMAND[command])
    assert rows
    for row in rows:
        assert row["reporter"] in ("PAK", "CHL", "THA") and row["partner"]
        assert row["scope"] and row["currency"] == "USD"
        assert any(k.startswith("basis_") for k in row)
        assert {k for k in row if k.startswith("basis_")} and all(
            row[k] in ("", "published", "reconstructed", "converted")
            for k in row
            if k.startswith("basis_")
        )


def test_csv_of_some_products_says_so(runner) -> None:
    args = ["balance", "CHL", "ARG", "--from", "2004", "--to", "2004", "--product", "03"]
    rows = _csv(runner, args)
    assert {r["scope"] for r in rows} == {"product 03"}
    total = _csv(runner, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2002"])
    assert {r["scope"] for r in total} == {"total trade"}


def test_csv_says_why_a_change_is_not_like_for_like(runner) -> None:
    rows = _csv(runner, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2006"])
    unlike = [r for r in rows if r["comparable"] == "false"]
    assert unlike and all(r["reason"].startswith("compares 2002 from") for r in unlike)
    assert all(r["from_period"] == "2002" and r["to_period"] == "2006" for r in rows)


# -- #19 item 10: series rows name their source; a mixed series says so -----------------


def test_series_rows_name_their_own_source(runner) -> None:
    doc = json.loads(_run(runner, MIXED_SERIES, "json"))
    by_period = {r["period"]: r for r in doc["rows"]}
    assert by_period["2019-12"]["source"] == "sbp-2021"
    assert by_period["2025-08"]["source"] == "oec-cna-2025-reconstructed"
    assert by_period["2020-01"]["source"] is None
    assert by_period["2024-08"]["basis"]["exports"] == "reconstructed"
    assert by_period["2025-08"]["basis"]["balance"] == "published"
    assert by_period["2019-12"]["basis"]["exports"] == "published"
    rows = {r["period"]: r for r in _csv(runner, MIXED_SERIES)}
    assert rows["2019-12"]["exports_source"] == "sbp-2021"
    assert rows["2024-08"]["imports_source"] == "oec-cna-2025-reconstructed"
    frame = api.series("PAK", "JPN", start="2019-11", end="2025-08").to_polars()
    assert frame.filter(period="2019-12", flow="exports")["source"].to_list() == ["sbp-2021"]


def test_a_series_from_several_sources_is_marked(runner) -> None:
    doc = json.loads(_run(runner, MIXED_SERIES, "json"))
    assert doc["mixed_sources"] is True
    note = next(n for n in doc["notes"] if "different sources" in n)
    assert "2019-12, 2020-11, 2020-12 from [2] sbp-2021" in note
    assert "2024-08, 2025-08 from [1] oec-cna-2025-reconstructed" in note
    out = _run(runner, MIXED_SERIES)
    assert re.search(r"rows\s+from 2 different sources", out)  # the title (wrapped)
    assert re.search(r"2019-12 .*\[2\]$", out, re.M) and re.search(r"2025-08 .*\[1\]$", out, re.M)
    for fmt in ("markdown", "html"):
        assert "the rows come from 2 different sources" in _run(runner, MIXED_SERIES, fmt)
    assert json.loads(_run(runner, ONE_SOURCE_SERIES, "json"))["mixed_sources"] is False


# -- item 3: charts and captions say what the table says ---------------------------------


def _caption(html: str) -> str:
    found = re.search(r"<figcaption>(.+?)</figcaption>", html, re.S)
    assert found, "no chart caption"
    return found.group(1).replace("&#x27;", "'")


def test_products_chart_names_the_partner(runner) -> None:
    page = _run(runner, EVERY_COMMAND["products"], "html")
    assert _caption(page).startswith("Chile's exports to Argentina by product, 2004")
    assert "<h2>Chile&#x27;s top 5 exports to Argentina by HS2, 2004</h2>" in page


def test_partners_chart_says_what_the_ranking_is(runner) -> None:
    page = _run(runner, EVERY_COMMAND["partners"], "html")
    assert "top 5 partners" not in page
    assert "Pakistan&#x27;s 5 biggest trade deficits, by partner, 2006" in page
    assert "with its 5 biggest trade deficits" in _caption(page)


def test_a_comparison_not_like_for_like_is_marked_on_the_chart() -> None:
    bars = api.balance("CHL", "ARG", start=2002, end=2006).document.bars
    assert bars is not None
    assert bars.labels == ("Exports †", "Imports †", "Balance †")
    assert bars.unlike == (True, True, True)  # drawn hatched
    assert "† Not like for like: compares 2002 from [1] ots-2002" in bars.caption
    same = api.balance("PAK", "JPN", start="2019-12", end="2020-12").document.bars
    assert same is not None and "†" not in same.caption and not any(same.unlike)


def test_assumed_figures_are_marked_on_the_chart() -> None:
    bars = api.balance("PAK", "JPN", start="2024-08").document.bars
    assert bars is not None
    assert bars.marks == (("‡", "‡", "‡"), ("‡", "‡", ""))  # Aug 2024, Aug 2025
    assert "balance -$94M‡ in August 2024 to -$127M in August 2025" in bars.caption


def test_series_caption_is_a_range_not_a_change(runner) -> None:
    caption = _caption(_run(runner, ONE_SOURCE_SERIES, "html"))
    assert "from $14.8M (2020-12) to $18.3M (2020-11)" not in caption
    assert "exports lowest $14.8M (2020-12), highest $18.3M (2020-11)" in caption


@pytest.mark.parametrize("command", list(EVERY_COMMAND))
def test_the_chart_image_names_the_pair_and_the_source(runner, command) -> None:
    pytest.importorskip("matplotlib")
    page = _run(runner, EVERY_COMMAND[command], "html")
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg
    # Text drawn in the image itself (not only its <title>): a cropped chart keeps it.
    drawn = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg.group(0)))
    reporter = {"products": "Chile", "drivers": "Thailand"}.get(command, "Pakistan")
    assert reporter in drawn.replace("&#x27;", "'")
    assert re.search(r"Sources?: \w", drawn)


def test_readme_example_is_the_real_output(runner) -> None:
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Example", 1)[1]
    block = example.split("```text\n", 1)[1].split("```\n", 1)[0]
    assert block == _run(runner, HEADLINE)


def test_partners_csv_names_the_measure_its_growth_is_of(runner) -> None:
    args = ["partners", "CHL", "--from", "2002", "--to", "2006", "--flow", "exports"]
    rows = _csv(runner, args)
    assert {r["measure"] for r in rows} == {"exports"}
    assert all(r["from_period"] == "2002" and r["to_period"] == "2006" for r in rows)
