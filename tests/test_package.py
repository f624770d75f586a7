"""The package as a user gets it: the committed sample, the wheel, the README's promises."""

import os
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import polars as pl
import pytest

from tradecli.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]


def test_committed_sample_is_what_the_build_script_makes(shared_data) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "build_sample.py"),
            "--shared",
            str(shared_data),
            "--check",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_build_script_detects_a_stale_sample(shared_data, tmp_path: Path) -> None:
    out = tmp_path / "data"
    script = str(REPO / "scripts" / "build_sample.py")
    subprocess.run(
        [sys.executable, script, "--shared", str(shared_data), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    sample = out / "sample_flows.parquet"
    flows = pl.read_parquet(sample)
    changed = pl.col("value") == 15130000
    assert flows.filter(changed).height == 1
    flows.with_columns(value=pl.when(changed).then(15130001.0).otherwise("value")).write_parquet(
        sample
    )
    proc = subprocess.run(
        [sys.executable, script, "--shared", str(shared_data), "--out", str(out), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "sample_flows.parquet" in proc.stderr


def test_every_total_in_the_sample_says_how_it_was_obtained() -> None:
    """No total summed from some products (issue 9): each TOTAL source names its origin."""
    import json

    flows = pl.read_parquet(REPO / "tradecli" / "data" / "sample_flows.parquet")
    sources = json.loads((REPO / "tradecli" / "data" / "sources.json").read_text("utf-8"))
    kinds = flows.group_by("source").agg(
        total=(pl.col("product") == "TOTAL").any(), products=(pl.col("product") != "TOTAL").any()
    )
    for row in kinds.iter_rows(named=True):
        meta = sources[row["source"]]
        if row["total"]:
            assert not row["products"], row  # a total beside its products: summed from them?
            assert meta["totals"].startswith(("copied: ", "derived: ")), row
        else:
            assert "totals" not in meta and meta["coverage"].startswith("some products only")
    assert "ots-2004-hs6-sum" not in sources
    chl_arg_2004 = flows.filter(
        (pl.col("period").dt.year() == 2004) & pl.col("exporter").is_in(["CHL", "ARG"])
    )
    assert chl_arg_2004.height == 2832 and "TOTAL" not in chl_arg_2004["product"].to_list()


def test_readme_exit_code_table_matches_the_module() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\|\s*(\d+)\s*\|\s*`([A-Z_]+)`", section, flags=re.M))
    assert rows == {str(int(code)): code.name for code in ExitCode}


def _readme_outputs() -> list[tuple[str, str]]:
    """Each README text block that shows one sample command and what it prints."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = []
    for command, printed in re.findall(r"```text\n\$ (tradecli [^\n]*)\n(.*?)```", readme, re.S):
        if "\n$ " in printed or command.split()[1] in ("import", "--config"):
            continue  # several commands, or a file of the reader's own
        found.append((command, printed))
    return found


@pytest.mark.parametrize(
    ("command", "printed"), _readme_outputs(), ids=[c for c, _ in _readme_outputs()]
)
def test_readme_examples_print_what_the_readme_shows(runner, command: str, printed: str) -> None:
    """An example block is what the command prints now (on the embedded sample)."""
    import shlex

    from tradecli.cli import app

    result = runner.invoke(app, shlex.split(command)[1:], env={"NO_COLOR": "1"})
    assert (result.stdout + result.stderr).strip() == printed.strip()


def test_readme_shows_the_sample_commands() -> None:
    commands = [c for c, _ in _readme_outputs()]
    assert "tradecli balance CHL ARG --from 2004 --to 2004" in commands  # no 2004 total
    assert len(commands) >= 6


def test_example_config_is_valid_and_complete() -> None:
    import tomllib

    from tradecli.config import KEYS, Config, load_config

    config = load_config(REPO / "config.toml")
    defaults = Config()
    for section, keys in KEYS.items():
        for key, (attribute, _parse) in keys.items():
            assert getattr(config, attribute) == getattr(defaults, attribute), (section, key)
    documented = tomllib.loads((REPO / "config.toml").read_text())
    documented.pop("report")  # the shipped [[report]]: tests/test_reports.py runs it
    assert {s: set(t) for s, t in documented.items()} == {s: set(k) for s, k in KEYS.items()}


@pytest.mark.slow
def test_wheel_contains_the_sample_and_runs_from_a_fresh_venv(tmp_path: Path) -> None:
    """Build the wheel, install it (no deps, offline) into a new venv, run the headline."""
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("tradecli-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for required in (
        "sample_flows.parquet",
        "countries.csv",
        "sources.json",
        "hs_codes.csv",
        "README.md",
    ):
        assert f"tradecli/data/{required}" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    target = next((env_dir / "lib").glob("python3*/site-packages"))
    # Install the wheel's files only; dependencies come from this environment's
    # site-packages via a .pth file placed *after* the wheel, so no network is needed.
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (target / "zz_deps.pth").write_text("\n".join(deps) + "\n")
    python = bindir / "python"
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TRADECLI_CONFIG")}
    code = "import tradecli.data, pathlib; print(pathlib.Path(tradecli.data.__file__).parent)"
    where = subprocess.run(
        [str(python), "-c", code],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(target), "ran the source tree, not the wheel"
    run = subprocess.run(
        [str(python), "-m", "tradecli", "balance", "PAK", "JPN", "--from", "2024-08"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "-$127M" in run.stdout and "+28%" in run.stdout and "-11%" in run.stdout
