"""A cache directory that cannot be read, and the scratch killed writers leave in it.

Every command that reads or writes the cache fails the same way when it cannot: an
``Error:`` line naming the cache, a hint naming the settings that move it, exit
``STORAGE``, never a traceback and never an empty cache instead. Scratch left by a
killed import is shown by ``cache info`` and removed by ``cache clear``.
"""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tradecli.cli import app
from tradecli.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "imports" / "ots_yrp_y-2002_r-mex_p-can.csv"
HINT = "Hint: set TRADECLI_CACHE_DIR or cache.dir to a readable, writable directory"


def _deny_under(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the kernel does for a non-root user under ``chmod 000 directory``, for root.

    Root ignores permissions, and the suite may run as root: the calls tradecli (and
    pathlib, filelock) make are refused with EACCES as the kernel would refuse them:
    the directory can be stat'ed but not listed, and nothing under it reached.
    """
    root = str(directory)

    def under(path: object) -> bool:
        return isinstance(path, (str, os.PathLike)) and os.fspath(path).startswith(root + "/")

    def guard(real: Callable[..., object], listing: bool = False) -> Callable[..., object]:
        def call(path: object, *args: object, **kwargs: object) -> object:
            itself = isinstance(path, (str, os.PathLike)) and os.fspath(path) == root
            if under(path) or (listing and itself):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real(path, *args, **kwargs)

        return call

    for name in ("stat", "lstat", "open", "mkdir", "rmdir", "unlink"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))
    for name in ("scandir", "listdir"):
        monkeypatch.setattr(os, name, guard(getattr(os, name), listing=True))
    monkeypatch.setattr(io, "open", guard(io.open))


@pytest.fixture
def unreadable_cache(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache directory with mode 000, holding what a used cache holds."""
    cache = isolated / "tradecli-cache"
    for sub in ("flows", "meta", "tmp"):
        (cache / sub).mkdir(parents=True)
    cache.chmod(0)
    if os.geteuid() == 0:
        _deny_under(cache, monkeypatch)
    yield cache
    monkeypatch.undo()
    cache.chmod(0o755)


COMMANDS = [
    ["balance", "PAK", "JPN"],
    ["products", "CHL", "ARG", "--from", "2004"],
    ["partners", "PAK", "--from", "2006"],
    ["series", "PAK", "JPN"],
    ["fetch", "PAK", "JPN", "--from", "2024-01", "--source", "comtrade"],
    ["import", str(FIXTURE)],
    ["cache", "info"],
    ["cache", "clear"],
    ["fx", "info"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_on_an_unreadable_cache_fails_cleanly(
    runner, unreadable_cache: Path, args: list[str]
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.STORAGE, (result.exit_code, result.output)
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    error, hint = result.stderr.splitlines()[-2:]
    assert error.startswith("Error: cannot ") and str(unreadable_cache) in error, error
    assert hint == HINT
    assert result.stdout == ""


def test_a_report_on_an_unreadable_cache_exits_with_the_storage_code(
    runner, unreadable_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[[report]]\nname = "pak"\nreporter = "PAK"\npartner = "JPN"\noffline = true\n'
        'formats = ["json"]\noutput_dir = "o"\n'
    )
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert f"cannot read the cache at {unreadable_cache}" in result.stderr


@pytest.mark.parametrize("args", [["cache", "info"], ["cache", "clear"], ["balance", "PAK", "JPN"]])
@pytest.mark.parametrize("blocked", ["", "flows"])
def test_a_file_where_the_cache_or_its_flows_should_be_is_a_storage_error(
    runner, isolated: Path, args: list[str], blocked: str
) -> None:
    """Not "No cached entries" for `cache info` and exit 8 for `cache clear`: 8 for both."""
    cache = isolated / "tradecli-cache"
    in_the_way = cache / blocked if blocked else cache
    in_the_way.parent.mkdir(parents=True, exist_ok=True)
    in_the_way.write_text("a file, not a directory")
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert str(in_the_way) in result.stderr
    assert "not a directory" in result.stderr and "TRADECLI_CACHE_DIR" in result.stderr
    assert "No cached entries" not in result.output and "Traceback" not in result.output
    assert in_the_way.read_text() == "a file, not a directory"


# -- scratch left by killed writers ------------------------------------------------------

KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from tradecli import fsutil
tmp = Path(sys.argv[1])
# What a release import has on disk mid-way: an extracted member and a build directory.
fsutil.scratch_path(tmp, "BACI_HS92_Y2021_V202501.csv").write_bytes(b"x" * 3_000_000)
with fsutil.atomic_path(tmp.parent / "flows" / "baci-HS92.dataset", tmp_dir=tmp) as build:
    build.mkdir()
    (build / "part-2020-000.parquet").write_bytes(b"y" * 500_000)
    print("WRITING", flush=True)
    {stop}
"""


def _writer(tmp: Path, stop: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER.format(stop=stop), str(tmp)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "WRITING"
    return proc


def _info(runner) -> dict[str, object]:
    result = runner.invoke(app, ["cache", "info", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_cache_info_shows_scratch_of_a_killed_writer_and_clear_removes_it(
    runner, isolated: Path
) -> None:
    tmp = isolated / "tradecli-cache" / "tmp"
    writer = _writer(tmp, "os.kill(os.getpid(), signal.SIGKILL)")
    assert writer.wait(timeout=30) == -signal.SIGKILL
    assert len(list(tmp.iterdir())) == 2
    assert _info(runner)["scratch_bytes"] == 3_500_000
    table = runner.invoke(app, ["cache", "info"])
    assert table.exit_code == 0
    assert "No cached entries" in table.stdout
    assert (
        "tmp/ holds 3.5MB of scratch left by interrupted imports or fetches; the next "
        "import or fetch, or `tradecli cache clear`, removes it." in table.stdout
    )
    csv = runner.invoke(app, ["cache", "info", "--format", "csv"])
    assert "3.5MB of scratch" not in csv.stdout and "3.5MB of scratch" in csv.stderr

    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.output
    assert cleared.stdout == (
        "Removed 0 cache entries.\n"
        "Removed 3.5MB of scratch left by interrupted imports or fetches.\n"
    )
    assert list(tmp.iterdir()) == []
    assert _info(runner)["scratch_bytes"] == 0
    assert "scratch" not in runner.invoke(app, ["cache", "info"]).stdout


def test_a_live_writers_files_are_not_scratch_and_cache_clear_leaves_them(
    runner, isolated: Path
) -> None:
    """An import builds outside the lock: `cache clear` meanwhile must not pull it away."""
    tmp = isolated / "tradecli-cache" / "tmp"
    writer = _writer(tmp, "__import__('time').sleep(60)")
    try:
        assert _info(runner)["scratch_bytes"] == 0
        cleared = runner.invoke(app, ["cache", "clear"])
        assert cleared.stdout == "Removed 0 cache entries.\n"
        assert len(list(tmp.iterdir())) == 2
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert _info(runner)["scratch_bytes"] == 3_500_000
