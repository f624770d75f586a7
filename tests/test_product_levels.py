"""Files that mix HS levels, and files whose periods or flows differ in coverage.

Each code at the asked level is summed from the rows that cover it, each good once:
its own row where the data hold one (never its partial children beside it), else the
rows under it. A total is derived from products only where that flow, pair and period
spans every HS chapter. Expected figures are computed here from the rows written, not
read from tradecli.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from tradecli.cli import app

from .conftest import run_import, run_json

HEAD = "reporter,partner,flow,period,value_usd,product\n"
CHAPTERS = [f"{c:02d}" for c in range(1, 98) if c != 77]  # every HS chapter
S11 = [f"{c}" for c in range(50, 64)]  # section XI, textiles: chapters 50..63


def _value(chapter: str) -> int:
    return 100 + int(chapter)  # a different figure per chapter


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEAD + "\n".join(lines) + "\n")
    return path


def _complete_hs2_plus_one_hs4(tmp_path: Path) -> Path:
    lines = [f"PAK,JPN,exports,2023,{_value(c)},{c}" for c in CHAPTERS]
    lines.append("PAK,JPN,exports,2023,7,5201")  # a part of chapter 52's row (152)
    return _write(tmp_path, "mixed.csv", lines)


def test_hs2_codes_come_from_their_own_rows_not_one_hs4_line(runner, tmp_path, isolated):
    run_import(runner, _complete_hs2_plus_one_hs4(tmp_path))
    args = ["products", "PAK", "JPN", "--from", "2023", "--level", "hs2", "--top", "100"]
    doc = run_json(runner, args)
    total = sum(_value(c) for c in CHAPTERS)
    rows = {r["code"]: r for r in doc["rows"]}
    assert rows["52"]["to"] == 152.0  # the chapter's row, not its one heading (7)
    assert doc["total"]["products"] == 96 and doc["total"]["to"] == total
    assert abs(rows["97"]["share_pct"] - 197 * 100.0 / total) < 1e-12
    assert doc["coverage"]["summed_levels"] == ["hs2"] and doc["coverage"]["unsplit"] == []


def test_a_section_sums_its_chapters_rows(runner, tmp_path, isolated):
    run_import(runner, _complete_hs2_plus_one_hs4(tmp_path))
    doc = run_json(runner, ["balance", "PAK", "JPN", "--from", "2023", "--product", "S11"])
    assert doc["figures"]["exports"]["to"] == sum(_value(c) for c in S11)  # 1,463, not 7
    assert "the sum of the HS2 rows" in " ".join(doc["notes"])
    products = run_json(runner, ["products", "PAK", "JPN", "--from", "2023", "--level", "section"])
    rows = {r["code"]: r for r in products["rows"]}
    assert rows["S11"]["to"] == sum(_value(c) for c in S11)


def test_finer_rows_roll_up_only_where_they_are_the_only_data(runner, tmp_path, isolated):
    lines = [
        "PAK,JPN,exports,2023,50,01",  # chapter 01's own row ...
        "PAK,JPN,exports,2023,5,0101",  # ... and one of its headings: part of the 50
        "PAK,JPN,exports,2023,3,0201",  # chapter 02: headings only, summed
        "PAK,JPN,exports,2023,4,0202",
        "PAK,JPN,exports,2023,2,020110",  # under 0201, which has its own row
    ]
    run_import(runner, _write(tmp_path, "some.csv", lines))
    doc = run_json(runner, ["products", "PAK", "JPN", "--from", "2023", "--level", "hs2"])
    assert {r["code"]: r["to"] for r in doc["rows"]} == {"01": 50.0, "02": 7.0}
    assert doc["total"]["to"] == 57.0 and doc["coverage"]["scope"] == "products only"
    assert doc["coverage"]["summed_levels"] == ["hs2", "hs4"]
    both = run_json(runner, ["balance", "PAK", "JPN", "--from", "2023", "--product", "S01"])
    assert both["figures"]["exports"]["to"] == 57.0  # 01 and 02 are in section I


def test_rows_coarser_than_asked_are_named_not_dropped(runner, tmp_path, isolated):
    run_import(runner, _complete_hs2_plus_one_hs4(tmp_path))
    doc = run_json(runner, ["products", "PAK", "JPN", "--from", "2023", "--level", "hs4"])
    rows = {"other" if r["other"] else r["code"]: r["to"] for r in doc["rows"]}
    total = sum(_value(c) for c in CHAPTERS)
    assert rows["5201"] == 7.0 and doc["total"]["to"] == total  # the flow's own total
    assert rows["other"] == total - 7  # the chapters not split are in "other products"
    assert "01" in doc["coverage"]["unsplit"] and len(doc["coverage"]["unsplit"]) == 96
    assert any("cannot be split into HS4 codes" in n for n in doc["notes"])


def test_drivers_take_a_chapter_from_its_own_row(runner, tmp_path, isolated):
    lines = [f"PAK,JPN,exports,{y},{_value(c) * k},{c}" for y, k in ((2023, 1), (2024, 2))
             for c in CHAPTERS]  # fmt: skip
    lines.append("PAK,JPN,exports,2024,9,5201")
    run_import(runner, _write(tmp_path, "two.csv", lines))
    doc = run_json(
        runner,
        [
            "drivers",
            "PAK",
            "JPN",
            "--from",
            "2023",
            "--to",
            "2024",
            "--level",
            "hs2",
            "--top",
            "100",
        ],
    )
    rows = {r["code"]: r for r in doc["rows"]}
    assert rows["97"]["value_from"] == 197.0 and rows["97"]["value_to"] == 394.0
    assert rows["52"]["value_from"] == 152.0 and rows["52"]["value_to"] == 304.0  # not + 9


def _years(tmp_path: Path) -> Path:
    lines = [f"PAK,JPN,exports,2023,16,{c}" for c in CHAPTERS]  # every chapter: total trade
    lines += [f"PAK,JPN,exports,2024,480,{c}" for c in ("01", "02", "52")]  # a few only
    return _write(tmp_path, "years.csv", lines)


def test_a_period_of_a_few_chapters_gets_no_total(runner, tmp_path, isolated):
    result = runner.invoke(app, ["import", str(_years(tmp_path))])
    assert result.exit_code == 0, result.stderr
    assert "except some flows in 2024: some products only (HS chapters 01, 02, 52)" in (
        result.stdout
    )
    flows = isolated / "tradecli-cache" / "flows"
    stored = pl.read_parquet(sorted(flows.glob("*/part-*.parquet")))
    totals = stored.filter(pl.col("product") == "TOTAL")
    assert totals["value"].to_list() == [16.0 * 96] and totals["period"].dt.year().to_list() == [
        2023
    ]
    doc = run_json(runner, ["balance", "PAK", "JPN", "--from", "2023", "--to", "2024"])
    exports = doc["figures"]["exports"]
    assert exports["from"] == 16.0 * 96 and exports["to"] is None
    assert exports["growth_pct"] is None  # not -6.25 %
    said = " ".join(doc["notes"])
    assert "products 01, 02, 52 (HS chapters 01, 02, 52) only, not total trade" in said
    later = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024"])
    assert later.exit_code == 3 and "not total trade" in later.stderr


def test_each_flow_is_judged_on_its_own(runner, tmp_path, isolated):
    lines = [f"PAK,JPN,exports,2023,1,{c}" for c in CHAPTERS]
    lines += ["PAK,CHN,exports,2023,5,0306", "PAK,CHN,exports,2023,6,52"]
    run_import(runner, _write(tmp_path, "pairs.csv", lines))
    meta = json.loads(
        next((isolated / "tradecli-cache" / "flows").glob("*/_entry.json")).read_text()
    )
    coverage = meta["annotations"]["coverage"]
    assert coverage["total"] is False and coverage["periods_without_total"] == {
        "2023": ["03", "52"]
    }
    japan = run_json(runner, ["balance", "PAK", "JPN", "--from", "2023"])
    assert japan["figures"]["exports"]["to"] == 96.0
    china = runner.invoke(app, ["balance", "PAK", "CHN", "--from", "2023"])
    assert china.exit_code == 3 and "not total trade" in china.stderr


def test_products_json_and_csv_say_what_the_figures_cover(runner: CliRunner, isolated):
    # The sample's Chile-Argentina 2004: 87 HS6 products, no total.
    args = ["products", "CHL", "ARG", "--from", "2004", "--level", "hs2", "--top", "3"]
    doc = run_json(runner, args)
    assert doc["coverage"] == {
        "scope": "products only",
        "declared_total": False,
        "products": 87,
        "level": "hs2",
        "summed_levels": ["hs6"],
        "unsplit": [],
    }
    result = runner.invoke(app, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    column = lines[0].split(",").index("coverage")
    assert {line.split(",")[column] for line in lines[1:] if '"' not in line} == {"products only"}


def test_products_json_says_total_trade_where_the_flow_declares_it(runner, tmp_path, isolated):
    lines = ["PAK,JPN,exports,2023,1000,TOTAL", "PAK,JPN,exports,2023,7,5201"]
    run_import(runner, _write(tmp_path, "declared.csv", lines))
    doc = run_json(runner, ["products", "PAK", "JPN", "--from", "2023", "--level", "hs4"])
    assert doc["coverage"]["scope"] == "total trade" and doc["coverage"]["declared_total"]
    assert doc["coverage"]["products"] == 1


def test_a_flow_complete_across_levels_gets_its_total_each_good_once(runner, tmp_path, isolated):
    half = len(CHAPTERS) // 2
    lines = [f"PAK,JPN,exports,2023,{_value(c)},{c}" for c in CHAPTERS[:half]]
    lines += [f"PAK,JPN,exports,2023,{_value(c)},{c}01" for c in CHAPTERS[half:]]  # HS4 only
    lines.append(f"PAK,JPN,exports,2023,5,{CHAPTERS[0]}01")  # part of chapter 01's row
    run_import(runner, _write(tmp_path, "levels.csv", lines))
    doc = run_json(runner, ["balance", "PAK", "JPN", "--from", "2023"])
    assert doc["figures"]["exports"]["to"] == sum(_value(c) for c in CHAPTERS)  # not + 5
