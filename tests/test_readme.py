"""First contact: the README's two set-up commands work exactly as pasted.

A newcomer's machine may have a system Python that refuses `pip install` outside a
virtual environment (PEP 668, "externally managed"). Each command therefore creates (or
reuses) `.venv` itself and never calls a bare `pip` before it is inside it. The test reads
both blocks from README.md, checks that statically, then runs them with `bash -c` in a
copy of the repository under a bare environment (`env -i`-like: PATH=/usr/bin:/bin and a
temporary HOME), as a newcomer's shell or a cron job would.

The only things passed from the caller's environment are pip's own settings (its config
file, `PIP_*` variables, proxies and its download cache), so pip can reach the same
package index as the developer or CI runner did, and installs take seconds.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Read at import, before the autouse fixture points HOME at a temp dir.
CALLER_HOME = Path(os.environ.get("HOME") or Path.home())
CALLER_ENV = dict(os.environ)

SETUP_RUN = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/tradecli balance PAK JPN --from 2024-08"  # noqa: E501
SETUP_TEST = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && pytest"


def readme_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return [b.strip() for b in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, re.S)]


def test_readme_starts_with_the_two_setup_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    # Nothing but the title before them.
    head = readme.split("```", 1)[0]
    assert head.strip() == "# tradecli"
    blocks = readme_blocks()
    assert blocks[:2] == [SETUP_RUN, SETUP_TEST]
    # The project's test command, verbatim, as .ci/run runs it.
    assert "pip install -e '.[test]' && pytest" in blocks[1]
    assert "pip install -e '.[test]' && pytest" in (REPO / ".ci" / "run").read_text()


def _steps(block: str) -> list[list[str]]:
    return [shlex.split(step) for step in block.split("&&")]


@pytest.mark.parametrize("index", [0, 1])
def test_setup_commands_never_call_pip_outside_their_venv(index: int) -> None:
    """PEP 668: pip (and python -m pip) only from the venv the block made and entered."""
    steps = _steps(readme_blocks()[index])
    assert steps[0] == ["python3", "-m", "venv", ".venv"], "first create (or reuse) the venv"
    active = False
    for argv in steps[1:]:
        if argv[:2] == [".", ".venv/bin/activate"] or argv[:2] == ["source", ".venv/bin/activate"]:
            active = True
            continue
        program = argv[0]
        calls_pip = program in ("pip", "pip3") or (
            Path(program).name.startswith("python") and argv[1:3] == ["-m", "pip"]
        )
        if calls_pip or program in ("pytest", "tradecli", "python", "python3"):
            assert active or program.startswith(".venv/bin/"), f"{argv} runs outside .venv"


def _bare_env(home: Path) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    for name, value in CALLER_ENV.items():
        if name.startswith("PIP_") or name.lower() in ("http_proxy", "https_proxy", "no_proxy"):
            env[name] = value
    for config in (".config/pip", ".pip"):
        if (CALLER_HOME / config).is_dir():
            shutil.copytree(CALLER_HOME / config, home / config)
    cache = Path(CALLER_ENV.get("XDG_CACHE_HOME") or CALLER_HOME / ".cache") / "pip"
    if "PIP_CACHE_DIR" not in env and cache.is_dir():
        env["PIP_CACHE_DIR"] = str(cache)
    return env


_LOCAL_ONLY = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".*_cache", "*.egg-info", "build", "dist"
)


def _not_in_a_fresh_clone(folder: str, names: list[str]) -> set[str]:
    ignored = set(_LOCAL_ONLY(folder, names))
    if Path(folder) == REPO / "bench":
        ignored.add("data")  # generated benchmark data (gigabytes), not in the repository
    return ignored


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the working tree as a newcomer would clone it: no venv, no caches."""
    copy = tmp_path / "tradecli"
    shutil.copytree(
        REPO,
        copy,
        ignore=_not_in_a_fresh_clone,
    )
    return copy


def _run(block: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    home.mkdir(exist_ok=True)
    return subprocess.run(
        ["bash", "-c", block],
        cwd=cwd,
        env=_bare_env(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_first_command_prints_the_headline(checkout: Path, tmp_path: Path) -> None:
    block = readme_blocks()[0]
    proc = _run(block, checkout, tmp_path / "home")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for figure in ("+28%", "-11%", "-$127M"):
        assert figure in proc.stdout, proc.stdout
    assert (checkout / ".venv" / "bin" / "tradecli").exists()  # it went into the venv


@pytest.mark.slow
def test_second_command_installs_the_test_extra_and_runs_pytest(
    checkout: Path, tmp_path: Path
) -> None:
    block = readme_blocks()[1]
    # Running the whole suite from inside the suite would recurse: only the final
    # `pytest` is replaced, by a collection of one test file. The rest runs as written.
    assert block.endswith("&& pytest")
    block = block.removesuffix("pytest") + "pytest --collect-only -q tests/test_periods.py"
    proc = _run(block, checkout, tmp_path / "home")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"^\d+ tests? collected", proc.stdout, re.M), proc.stdout[-3000:]
    assert "tests/test_periods.py::" in proc.stdout
    # The test extra went into the venv, not anywhere else.
    assert list((checkout / ".venv").glob("lib/python*/site-packages/pytest"))
