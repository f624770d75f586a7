"""Publishing where symlinks cannot be made (issue 21): the fallback, tested.

A filesystem without symlinks (some Windows setups, some network and FAT mounts) is
simulated by an ``os.symlink`` that raises as they do. The guarantees checked: the
manifest verifies after every run; a run killed at any moment never leaves a
manifest beside files it does not describe; and the generation named by
``.tradecli-current`` is always one whole run's.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_reports import CONFIG, _changing_data, _cron_env
from tradecli import publish
from tradecli.cli import app

NO_SYMLINKS = """
import os, signal, stat, sys
def no_symlink(*args, **kwargs):
    raise {error}
os.symlink = no_symlink
real_fsync, count, nth = os.fsync, [0], int(sys.argv[1])
def fsync(fd):
    real_fsync(fd)
    if nth and stat.S_ISREG(os.fstat(fd).st_mode):
        count[0] += 1
        if count[0] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
os.fsync = fsync
from tradecli.cli import main
sys.argv = ["tradecli", "report", "--name", "pak-jpn"]
main()
"""
ERRORS = {
    "OSError": 'OSError(1, "Operation not permitted")',
    "NotImplementedError": 'NotImplementedError("symlink: not available on this platform")',
}


@pytest.fixture
def report_config(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "tradecli.toml"
    path.write_text(CONFIG.format(alerts=""))
    monkeypatch.setenv("TRADECLI_CONFIG", str(path))
    return path


def _mismatched(folder: Path) -> list[str] | None:
    """The files listed in ``folder``'s manifest whose bytes it does not describe; None
    when there is no manifest (a run in progress, or killed: no set is claimed)."""
    path = folder / "manifest.json"
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    return [
        f["path"]
        for entry in manifest["reports"]
        for f in entry["files"]
        if hashlib.sha256((folder / f["path"]).read_bytes()).hexdigest() != f["sha256"]
    ]


def _current_generation(out: Path) -> Path:
    pointer = out / publish.CURRENT
    assert pointer.is_file() and not pointer.is_symlink()
    generation = publish.current(out)
    assert generation is not None and generation.parent.name == publish.GENERATIONS
    return generation


@pytest.mark.parametrize("error", list(ERRORS))
def test_without_symlinks_the_files_are_plain_and_the_manifest_verifies(
    runner, report_config, monkeypatch, error
) -> None:
    def no_symlink(*args: object, **kwargs: object) -> None:
        raise eval(ERRORS[error])

    monkeypatch.setattr(os, "symlink", no_symlink)
    out = report_config.parent / "out"
    for _ in range(3):  # the first run, then runs over a published directory
        result = runner.invoke(app, ["report"])
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        files = [p for p in out.iterdir() if not p.name.startswith(".")]
        assert files and not any(p.is_symlink() for p in out.rglob("*"))
        assert _mismatched(out) == []
        # The generation .tradecli-current names holds the same bytes.
        generation = _current_generation(out)
        assert _mismatched(generation) == []
        for path in files:
            if path.is_file():
                assert path.read_bytes() == (generation / path.name).read_bytes()
    kept = sorted(p.name for p in (out / publish.GENERATIONS).iterdir())
    assert len(kept) == publish.KEEP


# A run over one report writes 21 files: 7 into the new generation (1-7), fsyncs its
# tree (8-14), switches the pointer (15), puts 5 files in place (16-20), manifest (21).
@pytest.mark.parametrize("nth", [2, 7, 14, 15, 16, 18, 20, 21])
def test_without_symlinks_a_killed_run_never_leaves_a_mixed_set(
    report_config, tmp_path, nth
) -> None:
    """Killed after the nth file written: the manifest at the top either describes every
    file beside it or is not there (a run was interrupted: no set is claimed); the
    generation named by .tradecli-current is whole; the next run repairs the rest."""
    env = _cron_env(report_config, tmp_path / "cache")
    script = NO_SYMLINKS.format(error=ERRORS["OSError"])
    _changing_data(tmp_path, env, 100)
    first = subprocess.run([sys.executable, "-c", script, "0"], env=env, cwd="/",
                           capture_output=True, text=True)  # fmt: skip
    assert first.returncode == 0, first.stderr
    out = report_config.parent / "out"
    assert _mismatched(out) == []
    _changing_data(tmp_path, env, 200)  # every file of the next run differs
    killed = subprocess.run(
        [sys.executable, "-c", script, str(nth)], env=env, cwd="/", capture_output=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _mismatched(out) in ([], None)
    assert _mismatched(_current_generation(out)) == []
    again = subprocess.run([sys.executable, "-c", script, "0"], env=env, cwd="/",
                           capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert _mismatched(out) == []
    assert not any(p.is_symlink() for p in out.rglob("*"))


def test_a_filesystem_that_gains_symlinks_switches_to_them(runner, report_config) -> None:
    """Plain files written by the fallback are adopted by a run that can make links."""
    out = report_config.parent / "out"
    with pytest.MonkeyPatch.context() as patch:

        def no_symlink(*args: object, **kwargs: object) -> None:
            raise OSError(1, "Operation not permitted")

        patch.setattr(os, "symlink", no_symlink)
        assert runner.invoke(app, ["report"]).exit_code == 0
    assert runner.invoke(app, ["report"]).exit_code == 0
    assert (out / "manifest.json").is_symlink() and (out / publish.CURRENT).is_symlink()
    assert _mismatched(out) == []
