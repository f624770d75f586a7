"""A cache directory that cannot be read.

Every command that reads or writes the cache fails the same way when it cannot: an
``Error:`` line naming the cache, a hint naming the settings that move it, exit
``STORAGE``, never a traceback and never an empty cache instead.
"""

from __future__ import annotations

import errno
import io
import os
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
