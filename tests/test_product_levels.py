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

from tradecli.cli import app

from .conftest import run_import, run_json

HEAD = "reporter,partner,flow,period,value_usd,product\n"
CHAPTERS = [f"{c:02d}" for c in range(1, 98) if c != 77]  # every HS chapter


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEAD + "\n".join(lines) + "\n")
    return path


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
