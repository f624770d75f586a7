"""The one atomic write, lock and sweep: real files, real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tradecli import fsutil
from tradecli.errors import ExitCode, StorageError

REPO = Path(__file__).resolve().parents[1]

# A child that starts replacing ``target`` and is SIGKILLed between writing the temp
# file and renaming it (the slowest honest place: right at fsync).
KILL_MID_WRITE = """
import os, sys, time
from collections.abc import Callable
from pathlib import Path
from tradecli import fsutil

def stuck_fsync(fd):
    print("WRITING", flush=True)
    time.sleep(60)

os.fsync = stuck_fsync
target = Path(sys.argv[1])
if sys.argv[2] == "path":
    with fsutil.atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "part.txt").write_text("new")
else:
    fsutil.write_atomic(target, b"new contents " * 100_000)
"""

HOLD_LOCK = """
import sys, time
from filelock import FileLock
with FileLock(sys.argv[1]):
    print("LOCKED", flush=True)
    time.sleep(60)
"""


def _child(code: str, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc


def _debris(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{fsutil.TMP_PREFIX}*"))


def test_write_atomic_text_and_bytes_creating_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.txt"
    fsutil.write_atomic(target, "naïve\r\nline\n")
    assert target.read_bytes() == "naïve\r\nline\n".encode()  # newlines kept as given
    fsutil.write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    assert _debris(target.parent) == []


def test_sigkill_mid_write_leaves_the_old_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old contents")
    proc = _child(KILL_MID_WRITE, str(target), "file")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "WRITING"
    (debris,) = _debris(tmp_path)  # caught in the middle: the new bytes are in a temp file
    assert debris.stat().st_size == len(b"new contents ") * 100_000
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert target.read_text() == "old contents"
    assert fsutil.sweep(tmp_path) == 1  # the writer is dead: its temp file is debris
    assert sorted(tmp_path.iterdir()) == [target]


def test_sigkill_mid_directory_write_leaves_the_old_directory_intact(tmp_path: Path) -> None:
    target = tmp_path / "flows.dataset"
    target.mkdir()
    (target / "part.txt").write_text("old")
    proc = _child(KILL_MID_WRITE, str(target), "path")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "WRITING"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert (target / "part.txt").read_text() == "old"
    assert len(_debris(tmp_path)) == 1
    fsutil.sweep(tmp_path)
    assert sorted(tmp_path.iterdir()) == [target]


def test_atomic_path_replaces_a_directory_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "x.dataset"
    for text in ("one", "two"):
        with fsutil.atomic_path(target) as tmp:
            tmp.mkdir()
            (tmp / "part.txt").write_text(text)
        assert (target / "part.txt").read_text() == text
    assert sorted(tmp_path.iterdir()) == [target]


def test_atomic_path_failure_keeps_the_target(tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    target.write_text("old")
    with pytest.raises(RuntimeError), fsutil.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer failed")
    assert target.read_text() == "old"
    assert sorted(tmp_path.iterdir()) == [target]


def test_lock_timeout_is_a_storage_error_with_its_exit_code(tmp_path: Path) -> None:
    lock = tmp_path / "out.lock"
    proc = _child(HOLD_LOCK, str(lock))
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "LOCKED"
        started = time.monotonic()
        with pytest.raises(StorageError) as caught, fsutil.locked(lock, 0.3, "the report dir"):
            pytest.fail("the lock was held by another process")
        assert 0.3 <= time.monotonic() - started < 5
        assert caught.value.exit_code is ExitCode.STORAGE
        assert "the report dir stayed locked" in caught.value.message
        assert caught.value.hint and "out.lock" in caught.value.hint
    finally:
        proc.kill()
        proc.wait(timeout=10)
    with fsutil.locked(lock, 5, "the report dir"):  # free again once the holder is gone
        pass


def test_a_file_in_the_way_of_a_directory_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("not a directory")
    for attempt in (
        lambda: fsutil.write_atomic(blocker / "x.json", "{}"),
        lambda: fsutil.locked(blocker / ".lock", 1, "reports").__enter__(),
        lambda: fsutil.ensure_dir(blocker),
    ):
        with pytest.raises(StorageError) as caught:
            attempt()
        assert caught.value.exit_code is ExitCode.STORAGE
        assert "a file is in the way" in caught.value.message


def _as_unprivileged(attempt: Callable[[], object]) -> tuple[str, int]:
    """Run ``attempt`` where permissions apply: as is, or in a child that dropped root.

    Root ignores directory permissions, and CI runs as root; a forked child that
    switched to the ``nobody`` uid meets them like any user. Returns the StorageError's
    message and exit code (or raises if ``attempt`` did not fail that way).
    """
    if os.geteuid() != 0:
        with pytest.raises(StorageError) as caught:
            attempt()
        return caught.value.message, int(caught.value.exit_code)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, try, report through the pipe, never return
        os.close(read)
        outcome = "no error"
        try:
            os.setgid(65534)
            os.setuid(65534)
            attempt()
        except StorageError as exc:
            outcome = f"{int(exc.exit_code)}\n{exc.message}"
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            outcome = f"other\n{exc!r}"
        os.write(write, outcome.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        code, _, message = pipe.read().partition("\n")
    os.waitpid(pid, 0)
    assert code.isdigit(), f"expected a StorageError, got {code}: {message}"
    return message, int(code)


def test_an_unwritable_directory_is_a_storage_error(tmp_path: Path) -> None:
    locked_dir = tmp_path / "ro"
    locked_dir.mkdir()
    locked_dir.chmod(0o555)  # readable and searchable by anyone, writable by no one
    tmp_path.chmod(0o755)
    for parent in tmp_path.parents:  # pytest's own temp dirs are private to their owner
        if parent == Path(tempfile.gettempdir()):
            break
        parent.chmod(parent.stat().st_mode | 0o055)
    try:
        message, code = _as_unprivileged(lambda: fsutil.write_atomic(locked_dir / "x.txt", "x"))
        assert "Permission denied" in message and str(locked_dir) in message
        assert code == ExitCode.STORAGE
    finally:
        locked_dir.chmod(0o700)


def test_sweep_removes_only_debris(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    dead_pid = int(dead.stdout)  # exited: nothing runs under that pid now (or soon)
    live = _child(HOLD_LOCK, str(tmp_path / "unrelated.lock"))
    try:
        assert live.stdout is not None and live.stdout.readline().strip() == "LOCKED"
        names = {
            "dead": f"{fsutil.TMP_PREFIX}{dead_pid}-a.json.x1.tmp",
            "mine": f"{fsutil.TMP_PREFIX}{os.getpid()}-b.json.x2.tmp",
            "live": f"{fsutil.TMP_PREFIX}{live.pid}-c.json.x3.tmp",
            "live-but-ancient": f"{fsutil.TMP_PREFIX}{live.pid}-d.json.x4.tmp",
            "unnamed": f"{fsutil.TMP_PREFIX}garbage",
            "user file": "report.json",
            "user file like ours": "tradecli-tmp-report.json",
        }
        for name in names.values():
            (tmp_path / name).write_text("x")
        (tmp_path / f"{fsutil.TMP_PREFIX}{dead_pid}-dir.x5.tmp").mkdir()
        ancient = time.time() - 2 * fsutil.DEBRIS_AGE
        os.utime(tmp_path / names["live-but-ancient"], (ancient, ancient))
        assert fsutil.sweep(tmp_path) == 4
        left = {p.name for p in tmp_path.iterdir()}
        assert left == {
            names["mine"],
            names["live"],
            names["user file"],
            names["user file like ours"],
            "unrelated.lock",
        }
    finally:
        live.kill()
        live.wait(timeout=10)
    assert fsutil.sweep(tmp_path / "missing") == 0


def test_a_held_cache_lock_exits_with_the_storage_code(
    isolated: Path, runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecli.cli import app

    monkeypatch.setattr("tradecli.cache.LOCK_TIMEOUT", 0.3)
    lock = isolated / "tradecli-cache" / "cache.lock"
    lock.parent.mkdir(parents=True)
    proc = _child(HOLD_LOCK, str(lock))
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "LOCKED"
        result = runner.invoke(app, ["cache", "clear"])
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert "stayed locked by another tradecli" in result.stderr
    assert "Traceback" not in result.output


def test_a_cache_dir_that_is_a_file_exits_with_the_storage_code(
    tmp_path: Path, runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecli.cli import app

    blocker = tmp_path / "cache"
    blocker.write_text("a file, not a directory")
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(blocker))
    result = runner.invoke(app, ["cache", "clear"])
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert "a file is in the way" in result.stderr
    assert "TRADECLI_CACHE_DIR" in result.stderr and "Traceback" not in result.output
    assert blocker.read_text() == "a file, not a directory"


def test_the_cache_sweeps_debris_of_earlier_versions_but_not_a_live_build(
    isolated: Path,
) -> None:
    from tradecli.cache import Cache

    cache = Cache(isolated / "c")
    tmp = cache.tmp_dir
    tmp.mkdir(parents=True)
    old_file = tmp / "trade_x__JPN-PAK.abcd.tmp"  # how 0.1 named a killed write
    old_file.write_text("partial")
    old_build = tmp / "build-999999-xyz"
    old_build.mkdir()
    recent_build = tmp / "build-999998-xyz"  # may be an old version's import in progress
    recent_build.mkdir()
    hour_ago = time.time() - 2 * 3600
    os.utime(old_build, (hour_ago, hour_ago))
    with cache.locked():
        pass
    assert sorted(p.name for p in tmp.iterdir()) == [recent_build.name]


def test_every_exception_carries_a_documented_exit_code() -> None:
    from tradecli import errors, importers, schema

    assert importers.BadFile is errors.BadFile and schema.SchemaError is errors.SchemaError
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, Exception) and c.__module__ == errors.__name__
    ]
    assert {"BadFile", "SchemaError", "StorageError", "PeriodNotInData"} <= {
        c.__name__ for c in classes
    }
    for cls in classes:
        assert isinstance(cls.exit_code, ExitCode), cls
    assert errors.StorageError.exit_code is ExitCode.STORAGE
    assert errors.BadFile.exit_code is ExitCode.USAGE
