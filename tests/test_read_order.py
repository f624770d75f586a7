"""The read order as a user meets it: imports layered over the embedded sample.

Each test follows a user's steps through the CLI: write a real tidy file, run
`tradecli import`, then ask. The sample is the floor for the pairs it covers, so
an import of older data never moves the default period backwards, and the same
figure keeps its source whatever window is asked.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import run_import, run_json
from tradecli.cli import app
from tradecli.errors import ExitCode

OLD_JPY = (
    "reporter,partner,flow,period,value,currency\n"
    "PAK,JPN,exports,2023-01,1000000000,JPY\n"
    "PAK,JPN,imports,2023-01,2000000000,JPY\n"
    "PAK,JPN,exports,2024-01,1500000000,JPY\n"
    "PAK,JPN,imports,2024-01,2500000000,JPY\n"
)


@pytest.fixture
def old_jpy(runner, tmp_path) -> Path:
    path = tmp_path / "pak_jpn_old.csv"
    path.write_text(OLD_JPY, encoding="utf-8")
    return path


def test_older_import_keeps_the_default_period(runner, old_jpy) -> None:
    before = run_json(runner, ["balance", "PAK", "JPN"])["query"]
    run_import(runner, old_jpy)
    after = run_json(runner, ["balance", "PAK", "JPN"])["query"]
    assert (after["from"], after["to"]) == (before["from"], before["to"]) == ("2024-08", "2025-08")
    # Answered by the sample alone: no yen conversion claimed, and the Data line says so.
    doc = run_json(runner, ["balance", "PAK", "JPN"])
    assert "conversion" not in doc["provenance"] and doc["provenance"]["origin"] == "sample"
    text = runner.invoke(app, ["balance", "PAK", "JPN"]).stdout
    assert "Converted from JPY" not in text
    assert "Data: embedded sample" in text
    series = run_json(runner, ["series", "PAK", "JPN"])
    text = json.dumps(series)
    assert "2025-08" in text
    # The imported months are still there, asked for by name.
    old = run_json(runner, ["balance", "PAK", "JPN", "--from", "2023-01", "--to", "2024-01"])
    assert old["figures"]["exports"]["source_to"] == "import:pak_jpn_old"


def test_older_import_keeps_the_reports_period(runner, old_jpy, tmp_path, monkeypatch) -> None:
    shipped = Path(__file__).resolve().parents[1] / "config.toml"
    config = tmp_path / "config.toml"
    config.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    run_import(runner, old_jpy)
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.stderr
    names = " ".join(p.name for p in tmp_path.rglob("pak-jpn-*"))
    assert "2025-08" in names and "2024-01" not in names, names


def test_older_gravity_import_keeps_the_default_period(runner, shared_data) -> None:
    run_import(runner, shared_data / "real" / "gravity_2006_flows_musd.csv")
    query = run_json(runner, ["balance", "PAK", "JPN"])["query"]
    assert query["to"] == "2025-08"


def test_native_with_two_currencies_is_an_error(runner, old_jpy) -> None:
    run_import(runner, old_jpy)
    args = ["balance", "PAK", "JPN", "--from", "2020-12", "--to", "2024-01"]
    result = runner.invoke(app, [*args, "--currency", "native"])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert "JPY" in result.stderr and "USD" in result.stderr
    assert "--currency USD" in result.stderr
    # With a target currency every figure is converted, and the answer says so.
    doc = run_json(runner, args)
    assert doc["currency"] == "USD"
    assert doc["figures"]["exports"]["from"] is not None
    assert doc["figures"]["exports"]["to"] is not None
    assert doc["provenance"]["conversion"]["from"] == ["JPY"]
    # One currency in the answer: native is fine.
    native = run_json(
        runner,
        ["balance", "PAK", "JPN", "--from", "2023-01", "--to", "2024-01", "--currency", "native"],
    )
    assert native["currency"] == "JPY"


def test_same_figure_same_source_whatever_the_window(runner, shared_data) -> None:
    run_import(runner, shared_data / "real" / "ots_chl_arg_2002.csv")
    one = run_json(runner, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2002"])
    two = run_json(runner, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2004"])
    assert one["figures"]["exports"]["source_from"] == "import:ots_chl_arg_2002"
    assert two["figures"]["exports"]["source_from"] == "import:ots_chl_arg_2002"


def test_named_source_never_falls_back(runner) -> None:
    result = runner.invoke(
        app, ["balance", "PAK", "JPN", "--from", "2024-08", "--source", "comtrade"]
    )
    assert result.exit_code in (ExitCode.SOURCE_UNAVAILABLE, ExitCode.USAGE), result.stdout
    assert "sample" not in result.stdout
    assert "Comtrade" in result.stderr
    offline = runner.invoke(
        app, ["balance", "PAK", "JPN", "--from", "2024-08", "--source", "comtrade", "--offline"]
    )
    assert offline.exit_code == ExitCode.USAGE, offline.stdout
    assert "Comtrade" in offline.stderr


def test_several_imports_no_single_misleading_time(runner, tmp_path, isolated) -> None:
    first = tmp_path / "first.csv"
    first.write_text(OLD_JPY.replace("2024-01", "2022-01"), encoding="utf-8")
    run_import(runner, first)
    time.sleep(1.1)
    second = tmp_path / "second.csv"
    second.write_text(OLD_JPY.replace("2023-01", "2021-01"), encoding="utf-8")
    run_import(runner, second)
    doc = run_json(runner, ["balance", "PAK", "JPN", "--from", "2022-01", "--to", "2024-01"])
    notes = {s["id"]: s["note"] for s in doc["provenance"]["sources"]}
    assert notes["import:second"].startswith("imported ")
    text = runner.invoke(
        app, ["balance", "PAK", "JPN", "--from", "2022-01", "--to", "2024-01"]
    ).stdout
    data_line = next(line for line in text.splitlines() if "Data:" in line)
    times = {notes["import:first"].split()[1], notes["import:second"].split()[1]}
    assert len(times) == 2
    # Two imports answered (2022-01 from the first, 2024-01 from the second): no one
    # time is claimed for both; each source's own time is in its note.
    assert not any(t in data_line for t in times), data_line
    assert "own time in the sources list" in data_line
    assert doc["provenance"]["fetched_at"] is None


def test_no_absolute_paths_in_provenance(runner, old_jpy, isolated) -> None:
    run_import(runner, old_jpy)
    doc = run_json(runner, ["balance", "PAK", "JPN", "--from", "2023-01", "--to", "2024-01"])
    assert str(isolated) not in json.dumps(doc["provenance"])
    assert "from the local cache" in doc["provenance"]["description"]
    text = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2023-01", "--to", "2024-01"])
    assert str(isolated) not in text.stdout


def test_partners_keep_the_samples_later_years(runner, shared_data) -> None:
    # load_country layers imports over the sample too: a 2002 import never makes 2002
    # the latest year of Chile's partners (the sample holds 2006).
    before = run_json(runner, ["partners", "CHL"])["query"]
    run_import(runner, shared_data / "real" / "ots_chl_arg_2002.csv")
    after = run_json(runner, ["partners", "CHL"])["query"]
    assert after["to"] == before["to"] == "2006"
    old = run_json(runner, ["partners", "CHL", "--from", "2002", "--to", "2002"])
    arg = next(r for r in old["rows"] if r["partner"] == "ARG")
    assert "import:ots_chl_arg_2002" in json.dumps(old["provenance"]["sources"])
    assert arg is not None
