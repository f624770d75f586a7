"""bench/startup.py computes its ratio per pair and its verdicts from the figures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import startup  # noqa: E402


def _runs(base: list[float], balance: list[float], help_s: float = 0.05) -> dict:
    return {
        "base": base,
        "balance": balance,
        "help": [help_s] * len(base),
        "base_cpu": base,
        "balance_cpu": balance,
        "help_cpu": [help_s] * len(base),
    }


def test_the_ratio_is_the_median_of_per_pair_ratios() -> None:
    # Medians alone would give 0.30 / 0.20 = 1.5; the pairs say 1.2, 1.25 and 2.0.
    s = startup.summary(_runs([0.20, 0.10, 0.40], [0.24, 0.125, 0.80]))
    assert s["ratio"] == pytest.approx(1.25)
    assert s["pairs"] == 3 and s["base"] == pytest.approx(0.20)


@pytest.mark.parametrize(
    ("ratio", "help_s", "expected"),
    [
        (1.3, 0.05, {"ratio": True, "help": True}),
        (1.31, 0.05, {"ratio": False, "help": True}),
        (1.0, 0.1, {"ratio": True, "help": False}),
    ],
)
def test_verdicts_follow_the_figures(ratio: float, help_s: float, expected: dict) -> None:
    s = startup.summary(_runs([0.2], [0.2 * ratio], help_s))
    assert startup.verdicts(s) == expected
    text = "\n".join(startup.table(s, "python bench/startup.py"))
    assert text.count("**not met**") == list(expected.values()).count(False)


def test_the_section_is_rewritten_in_place(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# R\n<!-- startup:begin -->\nold\n<!-- startup:end -->\n\n## 2. next\n")
    startup.write_section(results, ["first"])
    startup.write_section(results, ["second"])
    text = results.read_text()
    assert text.count("startup-paired:begin") == 1 and "second" in text and "first" not in text
    assert text.index("startup:end") < text.index("startup-paired:begin") < text.index("## 2.")


def test_the_like_for_like_ratio_is_per_pair_and_held_to_the_target() -> None:
    """tradecli freezes its objects before exit; the frozen baseline does too, so the
    freeze alone cannot meet the target: the like-for-like ratio has the same verdict."""
    runs = _runs([0.20, 0.10, 0.40], [0.24, 0.125, 0.80])
    runs["frozen"] = runs["frozen_cpu"] = [0.16, 0.10, 0.20]  # ratios 1.5, 1.25, 4.0
    s = startup.summary(runs)
    assert s["ratio_frozen"] == pytest.approx(1.5) and s["ratio"] == pytest.approx(1.25)
    assert startup.verdicts(s) == {"ratio": True, "help": True, "ratio_frozen": False}
    text = "\n".join(startup.table(s, "python bench/startup.py"))
    assert "gc.freeze()" in text and "| 1.50 x | 1.50 x | <= 1.3 x (wall) | **not met** |" in text
    assert text.count("**not met**") == 1
    assert text.splitlines()[-1].startswith("| `tradecli --help`")
    runs["frozen"] = runs["frozen_cpu"] = [0.19, 0.10, 0.40]  # ratios 1.26, 1.25, 2.0
    assert startup.verdicts(startup.summary(runs))["ratio_frozen"] is True


def test_without_frozen_runs_the_table_has_no_like_for_like_rows() -> None:
    s = startup.summary(_runs([0.2], [0.25]))
    assert "ratio_frozen" not in s
    assert "gc.freeze" not in "\n".join(startup.table(s, "python bench/startup.py"))
