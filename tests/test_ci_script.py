""".ci/run fails on what it promises to fail on.

The script runs for real, in a copy of `.ci/`, with the programs it calls (python3, pip,
pytest, ruff, mypy, chromium) replaced by small scripts on PATH that log how they were
called and exit with the code a test asks for. What is tested is the script's own logic:
CI set for the tests, the README's test command, exit 5 as a failure, every linter run.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

STUB = """#!/bin/sh
echo "$(basename "$0") $* CI=${CI:-}" >> "$STUB_LOG"
if [ "$(basename "$0")" = python3 ] && [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin" && : > "$3/bin/activate"
fi
eval "rc=\\${RC_$(basename "$0")_RC:-0}"
exit "$rc"
"""


def _run_ci(tmp_path: Path, **codes: int) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    checkout = tmp_path / "checkout"
    (checkout / ".ci").mkdir(parents=True)
    shutil.copy(REPO / ".ci" / "run", checkout / ".ci" / "run")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name in ("python3", "python", "pip", "pytest", "ruff", "mypy", "chromium"):
        path = stubs / name
        path.write_text(STUB)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "calls.log"
    log.touch()
    env = {"PATH": f"{stubs}:/usr/bin:/bin", "STUB_LOG": str(log), "HOME": str(tmp_path)}
    env.update({f"RC_{name}_RC": str(code) for name, code in codes.items()})
    env["CI"] = ""  # the runner may leave it empty: the script sets it anyway
    proc = subprocess.run(
        ["bash", str(checkout / ".ci" / "run")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return proc, log.read_text().splitlines()


def test_green_run_calls_everything_with_ci_set(tmp_path: Path) -> None:
    proc, calls = _run_ci(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "pip install -e .[test] CI=true" in calls
    assert "pytest  CI=true" in calls
    assert calls.index("pip install -e .[test] CI=true") < calls.index("pytest  CI=true")
    for lint in ("ruff check . CI=true", "ruff format --check . CI=true", "mypy  CI=true"):
        assert lint in calls


def test_no_tests_collected_is_a_failure(tmp_path: Path) -> None:
    proc, calls = _run_ci(tmp_path, pytest=5)
    assert proc.returncode != 0
    assert "collected no tests" in proc.stderr


@pytest.mark.parametrize("failing", ["pytest", "ruff", "mypy", "pip"])
def test_any_failure_fails_the_run(tmp_path: Path, failing: str) -> None:
    proc, calls = _run_ci(tmp_path, **{failing: 1})
    assert proc.returncode != 0
    if failing == "pip":  # the README's command stops before pytest
        assert not any(call.startswith("pytest") for call in calls)


@pytest.mark.parametrize("ci", ["", "true", "1"])
def test_missing_shared_data_skips_locally_and_fails_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    from tests.conftest import require_shared_data

    monkeypatch.setenv("CI", ci)
    missing = tmp_path / "shared" / "data"
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="needs the shared data folder"):
        require_shared_data(missing)
    missing.mkdir(parents=True)
    assert require_shared_data(missing) == missing
