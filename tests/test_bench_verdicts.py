"""bench/run.py writes its verdicts from what it measured, never from typed-in text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402


def _s(median: float) -> dict[str, float]:
    return run.stats([median])


def _measured(help_s: float, ratio: float, cli_s: float, speedup: float) -> dict:
    info = {
        "cores": 2,
        "cpu": "test",
        "memory_gb": 4,
        "python": "3",
        "polars": "1",
        "duckdb": "1",
        "pandas": "2",
    }
    start = {
        "help": _s(help_s),
        "help_imports": [],
        "import_baseline": _s(0.4),
        "balance": _s(0.4 * ratio),
        "ratio": _s(ratio),
    }
    queries = {
        (query, tool): {"warm": _s(0.01), "rss_mb": 100.0}
        for query in ("balance", "products", "partners")
        for tool in ("tradecli", "duckdb", "pandas")
    }
    for query in ("balance", "products", "partners"):
        queries[(query, "pandas")]["warm"] = _s(0.05)
    cli = {"`tradecli balance PAK JPN`": {"wall": _s(cli_s), "rss_mb": 200.0}}
    imp = {
        "rows": 1000,
        "tradecli": _s(1.0),
        "tradecli_rss_mb": 100.0,
        "pandas": _s(speedup),
        "pandas_rss_mb": 150.0,
        "speedup": _s(speedup),
    }
    return {
        "info": info,
        "rows": 10,
        "start": start,
        "queries": queries,
        "cli": cli,
        "imp": imp,
        "command": "python bench/run.py",
    }


def _write(tmp_path: Path, **measured: float) -> str:
    out = tmp_path / "RESULTS.md"
    run.write_results(out, **_measured(**measured))  # type: ignore[arg-type]
    return out.read_text()


def test_all_targets_met_says_so_and_claims_no_miss(tmp_path: Path) -> None:
    text = _write(tmp_path, help_s=0.1, ratio=1.1, cli_s=0.5, speedup=4.0)
    assert "not met" not in text
    assert text.count("Every target in this section met") == 3  # start-up, queries, import


@pytest.mark.parametrize(
    ("measured", "target", "figure"),
    [
        ({"help_s": 0.45}, "`tradecli --help` under 0.2 s", "0.45 s"),
        ({"ratio": 1.84}, "within 1.3x of importing polars", "1.84x"),
        ({"cli_s": 2.5}, "`tradecli balance PAK JPN` under 1 s", "2.50 s"),
        ({"speedup": 1.27}, "import at 3x pandas' speed", "1.27x"),
    ],
)
def test_a_miss_is_listed_with_the_measured_figure(
    tmp_path: Path, measured: dict[str, float], target: str, figure: str
) -> None:
    good = {"help_s": 0.1, "ratio": 1.1, "cli_s": 0.5, "speedup": 4.0}
    text = _write(tmp_path, **{**good, **measured})
    summary = text.split("### Targets not met in this run", 1)[1]
    (line,) = [line for line in summary.splitlines() if line.startswith("- **")]
    assert target in line and figure in line
    assert text.count("**not met**") == 1
    assert text.count("Every target in this section met") == 2  # the other two sections


def test_each_section_is_rewritten_on_its_own(tmp_path: Path) -> None:
    """`bench/run.py startup` (or queries, import, release) replaces only its own block."""
    out = tmp_path / "RESULTS.md"
    run.write_results(out, **_measured(help_s=0.1, ratio=1.1, cli_s=0.5, speedup=4.0))
    release = run.block("release", ["## A whole BACI release", "kept as measured"])
    run.write_section(out, "release", release)
    before = out.read_text()
    measured = _measured(help_s=0.1, ratio=1.9, cli_s=0.5, speedup=4.0)
    command = "python bench/run.py startup"
    section = run.startup_section(measured["info"], measured["start"], command)
    run.write_section(out, "startup", section)
    after = out.read_text()
    assert "1.90 x" in after and "1.10 x" not in after
    assert "kept as measured" in after
    for name in ("queries", "import", "release"):
        begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        assert before.split(begin)[1].split(end)[0] == after.split(begin)[1].split(end)[0]
    assert after.count("<!-- startup:begin -->") == 1
