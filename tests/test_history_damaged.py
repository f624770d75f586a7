"""A report's history and manifest are JSON read back from disk: a part of a shape no
tradecli writes (a hand edit, a damaged file) is left out, never a crash of the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradecli import history, reports


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "h.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("periods", [["2024-08"], 3, None])
def test_periods_of_another_shape_are_an_empty_history(tmp_path, periods) -> None:
    loaded = history.load(_write(tmp_path, {"schema": history.SCHEMA, "periods": periods}))
    assert loaded.periods == {}


def test_a_figure_that_is_not_a_number_is_not_compared(tmp_path) -> None:
    """Before, "12" reached the comparison and raised TypeError (str minus float)."""
    entry = {
        "basis": {"currency": "USD", "coverage": ["2024-08"], "sides": {}},
        "figures": {"exports": "12", "imports": 5.0, "balance": True},
        "source": None,
    }
    path = _write(tmp_path, {"schema": history.SCHEMA, "periods": {"2024-08": entry}})
    old = history.load(path)
    assert old.periods["2024-08"].figures == {"imports": 5.0}
    new = history.PeriodFigures(
        {"exports": 13.0, "imports": 6.0, "balance": 7.0},
        history.Basis("USD", ("2024-08",), {}),
    )
    revisions, notes = history.compare(old, {"2024-08": new})
    assert [(r["measure"], r["old"], r["new"]) for r in revisions] == [("imports", 5.0, 6.0)]
    assert notes == []


def test_a_basis_of_another_shape_reads_as_none(tmp_path) -> None:
    entry = {"basis": {"currency": 3, "coverage": "2024-08", "sides": ["exports"]}, "figures": {}}
    path = _write(tmp_path, {"schema": history.SCHEMA, "periods": {"2024-08": entry}})
    basis = history.load(path).periods["2024-08"].basis
    assert (basis.currency, basis.coverage, dict(basis.sides)) == (None, (), {})


def test_a_legacy_history_keeps_text_sources_only(tmp_path) -> None:
    """tradecli.history/1 kept {period: source ids} beside the figures, as text."""
    legacy = {
        "2024-08": {"exports": 1.0},
        "2024-09": {"exports": 2.0},
        "_sources": {"2024-08": "import:BACI_HS92_V202401", "2024-09": ["x"]},
    }
    periods = history.load(_write(tmp_path, legacy)).periods
    assert periods["2024-08"].source == "import:BACI_HS92_V202401"
    assert periods["2024-09"].source is None


def _spec(tmp_path: Path, name: str) -> reports.ReportSpec:
    return reports.ReportSpec(
        name=name,
        command="balance",
        reporter="PAK",
        partner="JPN",
        period="latest-month-yoy",
        formats=("json",),
        output_dir=tmp_path,
        filename="{name}-{period}.{ext}",
    )


@pytest.mark.parametrize(
    "previous",
    [{"reports": None}, {"reports": 7}, {"reports": [{"name": ["a"]}, "x", {"name": 2}]}],
)
def test_a_previous_manifest_of_another_shape_is_no_entries(tmp_path, previous) -> None:
    """Before, ``"reports": null`` raised TypeError and a list as a name was unhashable."""
    done = reports.manifest([_spec(tmp_path, "a")], [], previous)
    assert done["reports"] == [
        {
            "name": "a",
            "status": "never-run",
            "last_run": None,
            "period": None,
            "files": [],
            "alerts": [],
            "warnings": [],
            "revisions": [],
            "basis_changes": [],
            "error": None,
        }
    ]


def test_a_previous_manifest_entry_is_kept_for_a_report_that_did_not_run(tmp_path) -> None:
    kept = {"name": "b", "status": "ok", "files": [{"format": "json", "path": "b.json"}]}
    previous = {"reports": [kept, {"name": "gone", "status": "ok"}]}
    done = reports.manifest([_spec(tmp_path, "b")], [], previous)
    assert done["reports"] == [kept] and done["ok"] is True


CONFIG = """
[api]
network = "never"

[[report]]
name = "pak-jpn"
reporter = "PAK"
partner = "JPN"
period = "latest-month-yoy"
formats = ["json"]
output_dir = "out"
"""


def test_a_report_run_over_a_damaged_history_and_manifest_goes_on(
    runner, tmp_path, monkeypatch
) -> None:
    """Before, both raised TypeError/AttributeError out of `tradecli report` (a traceback)."""
    from tradecli.cli import app

    config = tmp_path / "tradecli.toml"
    config.write_text(CONFIG)
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    out = tmp_path / "out"
    (out / ".tradecli-history").mkdir(parents=True)
    damaged = {"schema": history.SCHEMA, "periods": ["2024-08"], "alerted": 3}
    (out / ".tradecli-history" / "pak-jpn.json").write_text(json.dumps(damaged))
    (out / "manifest.json").write_text(json.dumps({"reports": None}))
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(e["name"], e["status"]) for e in manifest["reports"]] == [("pak-jpn", "ok")]
    # ... and said: cron mails that this run checked no revisions (it was silent).
    warned = [line for line in result.stderr.splitlines() if " WARNING " in line]
    assert len(warned) == 1 and "pak-jpn WARNING the report's history" in warned[0]
    assert "was damaged (parts of it are of a shape tradecli never writes)" in warned[0]
    assert "revisions are not checked this run" in warned[0]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ('{"schema": "tradecli.history/2", "periods": {"2024-08"', "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_a_history_that_is_not_an_object_is_damaged_not_empty(tmp_path, content, why) -> None:
    path = tmp_path / "h.json"
    path.write_text(content, encoding="utf-8")
    loaded = history.load(path)
    assert loaded.periods == {} and loaded.damaged == why


def test_a_missing_or_sound_history_is_not_damaged(tmp_path) -> None:
    assert history.load(tmp_path / "none.json").damaged is None  # the first run
    figures = history.PeriodFigures(
        {"exports": 13.0, "imports": 6.0, "balance": 7.0},
        history.Basis("USD", ("2024-08",), {"exports": "reported"}),
        source="a+b",
    )
    sound = history.History({"2024-08": figures}, {"2024-08": ["an alert"]})
    path = tmp_path / "h.json"
    path.write_text(history.dump(sound), encoding="utf-8")
    loaded = history.load(path)
    assert loaded.damaged is None and loaded.periods == sound.periods


def test_a_second_run_over_a_rewritten_history_is_silent(runner, tmp_path, monkeypatch) -> None:
    """The damage is said once: the run rewrites the file, the next run reads it whole."""
    from tradecli.cli import app

    config = tmp_path / "tradecli.toml"
    config.write_text(CONFIG)
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    store = tmp_path / "out" / ".tradecli-history"
    store.mkdir(parents=True)
    (store / "pak-jpn.json").write_text('{"schema": "tradecli.history/2", "peri')
    first = runner.invoke(app, ["report"])
    assert first.exit_code == 0 and "was damaged (not valid JSON)" in first.stderr
    second = runner.invoke(app, ["report"])
    assert second.exit_code == 0 and second.stderr == ""
