"""`tradecli drivers` end to end: every format, the exit codes, the API and `report`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import run_import, run_json
from tradecli import api
from tradecli.cli import app
from tradecli.document import Kind, Waterfall
from tradecli.errors import ExitCode, NoData
from tradecli.numfmt import format_points, format_value
from tradecli.render import html

SHRIMP = "real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"
TIDY = """reporter,partner,flow,period,product,value_usd
PAK,JPN,exports,2023,TOTAL,1000
PAK,JPN,exports,2024,TOTAL,1100
PAK,JPN,exports,2023,030613,400
PAK,JPN,exports,2024,030613,500
PAK,JPN,exports,2023,620342,200
PAK,JPN,exports,2024,620342,150
PAK,JPN,exports,2023,520100,100
PAK,JPN,exports,2024,520100,130
"""
ARGS = ["drivers", "PAK", "JPN", "--from", "2023", "--to", "2024", "--level", "hs6"]


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


def test_waterfall_svg_steps_and_total():
    pytest.importorskip("matplotlib")
    svg = html.waterfall_svg(
        Waterfall("W", ("a", "b"), (3.0, -1.0), "Growth", 2.0, "a +3.00 pp; b -1.00 pp")
    )
    assert svg is not None and svg.startswith('<svg role="img" aria-label="W"')
    assert "+3.00 pp" in svg and "-1.00 pp" in svg and "+2.00 pp" in svg


@pytest.fixture
def tidy(runner, tmp_path: Path) -> None:
    path = tmp_path / "pak_jpn_products.csv"
    path.write_text(TIDY)
    run_import(runner, path)


def test_contributions_add_up_to_the_flows_growth(runner, tidy):
    doc = run_json(runner, [*ARGS, "--top", "2"])
    assert doc["schema"] == "tradecli.drivers/2" and doc["basis"] == "total"
    assert doc["growth_pct"] == pytest.approx(10.0)
    rows = doc["rows"]
    assert [r["code"] for r in rows] == ["030613", "620342", None]
    assert [r["contribution_pp"] for r in rows[:2]] == [pytest.approx(10.0), pytest.approx(-5.0)]
    rest = rows[-1]
    assert rest["other"] and rest["name"] == (
        "1 other product in the data and products outside the data"
    )
    assert sum(r["contribution_pp"] for r in rows) == pytest.approx(10.0, abs=1e-12)
    assert doc["remainder"]["outside_change"] == pytest.approx(20.0)  # 100 - 80
    assert doc["effects"]["unsplit"] == pytest.approx(80.0)  # no quantities in a tidy file
    assert rows[0]["unsplit_reason"] == "no quantity in the data"
    assert doc["provenance"]["origin"] == "cache"


def test_every_format(runner, tidy, tmp_path: Path):
    config = tmp_path / "c.toml"
    config.write_text("[output]\nwidth = 80\n")  # a narrow terminal

    def out(fmt: str) -> str:
        argv = ["--config", str(config), *ARGS, "--top", "2", "--format", fmt]
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        return result.stdout

    table = out("table")
    tables = table.split("\nSources\n")[0]  # the sources are prose, soft-wrapped
    lines = [line for line in tables.splitlines() if line.startswith(" ")]
    assert len(lines) > 8 and max(len(line) for line in lines) <= 80
    assert "+10.00 pp" in table and "-5.00 pp" in table and "Growth" in table
    assert "Price and volume (LMDI)" in table and "Sources" in table
    assert "changed by +10% ($1k to $1.1k) from 2023 to 2024" in table
    md = out("markdown")
    assert "| 030613 |" in md and "+10.00 pp" in md
    for fmt, sep in (("csv", ","), ("tsv", "\t")):
        rows = list(csv.DictReader(io.StringIO(out(fmt)), delimiter=sep))
        assert [r["code"] for r in rows] == ["030613", "620342", ""]
        assert float(rows[0]["contribution_pp"]) == pytest.approx(10.0)
        assert rows[0]["currency"] == "USD" and rows[0]["status"] == "continuing"
        assert len(rows[0]["name"]) > 40 and "\u2026" not in rows[0]["name"]  # full names
    page = out("html")
    assert "contributions to growth, in percentage points" in page
    if "chart-missing" not in page:
        assert "<svg" in page and "030613 +10.00 pp" in page
    json.loads(out("json"))


def test_product_selection_and_imports(runner, tidy):
    doc = run_json(runner, [*ARGS, "--product", "0306", "--product", "5201"])
    assert doc["basis"] == "listed" and doc["query"]["products"] == ["0306", "5201"]
    assert doc["query"]["selection"] == "products 0306, 5201"
    assert doc["growth_pct"] == pytest.approx(130 / 500 * 100)
    assert doc["notes"][0].startswith("figures are for products 0306, 5201 only")
    result = runner.invoke(app, [*ARGS, "--flow", "imports"])
    assert result.exit_code == ExitCode.NO_DATA
    assert "no product-level data for Pakistan (PAK) imports from Japan (JPN)" in result.stderr


def test_sample_pair_without_products_is_no_data_with_a_way_to_get_them(runner):
    result = runner.invoke(app, ["drivers", "PAK", "JPN", "--from", "2024-08"])
    assert result.exit_code == ExitCode.NO_DATA
    assert result.stdout == ""
    assert "Error: no product-level data for Pakistan (PAK) exports to Japan (JPN)" in (
        result.stderr
    )
    assert "Hint:" in result.stderr and "tradecli import FILE" in result.stderr
    with pytest.raises(NoData):
        api.drivers("PAK", "JPN", start="2024-08")


def test_one_product_year_is_not_enough(runner):
    result = runner.invoke(app, ["drivers", "CHL", "ARG", "--from", "2003", "--to", "2004"])
    assert result.exit_code == ExitCode.NO_DATA
    assert "2003" in result.stderr


def test_one_period_is_not_a_change(runner, tidy):
    result = runner.invoke(app, ["drivers", "PAK", "JPN", "--from", "2024"])
    assert result.exit_code == ExitCode.USAGE
    assert "Error: drivers compares two periods; here both are 2024" in result.stderr
    assert "give an earlier --from, or a --to" in result.stderr


def test_refused_options(runner, tidy):
    for extra, words in (
        (["--refresh"], "--refresh fetches from the network"),
        (["--level", "hs8"], "hs8"),
        (["--top", "0"], "top"),
    ):
        result = runner.invoke(app, [*ARGS, *extra])
        assert result.exit_code == ExitCode.USAGE, (extra, result.stderr)
        assert words in result.stderr


def test_real_shrimp_extract(runner, shared_data):
    run_import(runner, shared_data / SHRIMP)
    found = api.drivers("THA", "USA", start=2010, end=2011, level="hs6")
    assert found.growth_pct == pytest.approx(11.2090, abs=5e-5)
    assert found.rows[0].code == "160520"
    assert found.rows[0].contribution_pp == pytest.approx(13.6552, abs=5e-5)
    assert found.to_dict()["basis_label"] == "4 products in the data; no total"
    assert found.to_dict()["rows"] == [row.json() for row in found.rows]
    frame = found.to_polars()
    assert frame.height == 8 and set(frame["product"]) == {"030613", "030623", "160520", "160540"}


def test_readme_example_is_what_drivers_prints(runner, shared_data):
    """The README's drivers block is the command's real output (import times aside)."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Drivers: what moved a flow\n", 1)[1].split("```", 2)[1]
    lines = block.split("\n")
    assert lines[1].startswith("$ tradecli import ") and lines[1].endswith(SHRIMP.split("/")[-1])
    # Issue 21: it imported ../shared/..., a path no clone has. The file is not shipped
    # (GPL-3): the block imports it by name and the text before it says where it is from.
    assert lines[1] == f"$ tradecli import {SHRIMP.split('/')[-1]}"
    before = readme.split("### Drivers: what moved a flow\n", 1)[1].split("```", 1)[0]
    assert "https://github.com/ropensci/comtradr" in before and "GPL-3" in before
    command = lines[2].removeprefix("$ tradecli ").split()
    printed = "\n".join(lines[3:])
    run_import(runner, shared_data / SHRIMP)
    result = runner.invoke(app, command, env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr

    def timeless(text: str) -> str:
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "TIME", text).strip()

    assert timeless(result.stdout) == timeless(printed)


def test_a_scheduled_drivers_report_runs_silently_under_cron(tmp_path):
    """Walked as cron runs it: no terminal, a bare PATH, a fresh HOME whose platform
    config schedules `command = "drivers"` for an imported pair. Silent, exit 0, and
    published: every file the manifest lists matches it."""
    import hashlib
    import os
    import subprocess
    import sys

    home = tmp_path / "home"
    config = home / ".config" / "tradecli" / "config.toml"
    config.parent.mkdir(parents=True)
    out = tmp_path / "reports"
    config.write_text(
        '[api]\nnetwork = "never"\n\n[[report]]\nname = "pak-jpn-drivers"\n'
        'command = "drivers"\nreporter = "PAK"\npartner = "JPN"\nperiod = "fixed"\n'
        'from = "2023"\nto = "2024"\nlevel = "hs6"\n'
        'formats = ["markdown", "json", "html", "csv", "table"]\n'
        f'output_dir = "{out}"\n'
    )
    data = tmp_path / "pak_jpn_products.csv"
    data.write_text(TIDY)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": os.pathsep.join(sys.path)}

    def tradecli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tradecli", *args], env=env, cwd="/",
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)  # fmt: skip

    assert tradecli("import", str(data)).returncode == 0
    for _ in range(2):  # the first run, and one over a published directory
        done = tradecli("report")
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    manifest = json.loads((out / "manifest.json").read_text())
    (entry,) = manifest["reports"]
    assert entry["status"] == "ok" and len(entry["files"]) == 5
    for file in entry["files"]:
        data_bytes = (out / file["path"]).read_bytes()
        assert hashlib.sha256(data_bytes).hexdigest() == file["sha256"]
    # 030613: (500 - 400) / 1000 x 100 = +10 points, by hand from TIDY.
    assert "+10.00 pp" in (out / "pak-jpn-drivers-2024.md").read_text()
