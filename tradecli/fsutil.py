"""Safe file writing: the one atomic write, the one lock and the one debris sweep.

Everything tradecli writes to disk (cache entries, cube metadata, reports, their
history and manifest) goes through this module, so a crash, a ``kill -9`` or two
overlapping cron runs can never leave half a file where a reader looks.

``write_atomic(path, data)``
    Write ``str`` (UTF-8, newlines as given) or ``bytes`` to ``path``: a temp file in
    the same directory, ``fsync``, then ``os.replace``. A reader sees the old file or
    the new one, never a mixture. Parent directories are created.

``atomic_path(target)``
    A context manager for writers that produce a file *or a directory* themselves
    (``DataFrame.write_parquet``, a parquet dataset): it yields a fresh temp path
    beside ``target``; when the block ends without an exception, the temp path is
    moved onto ``target`` (a directory replaces the old directory, which is moved
    aside first and removed). On an exception, or if the process dies, ``target`` is
    untouched and the temp path is debris for ``sweep``.

``locked(path, timeout, what, *, unwritable_hint=None)``
    Hold an exclusive inter-process lock on the file ``path`` (``filelock``), for
    writers only: readers need no lock because renames are atomic. Waits at most
    ``timeout`` seconds, then raises ``StorageError`` (exit code ``STORAGE``) whose
    message names ``what`` ("the cache at ...", "the report directory ...").
    A directory that cannot be created or written also raises ``StorageError``, with
    ``unwritable_hint`` (say, which setting moves the directory) as its hint. Use::

        with fsutil.locked(out_dir / ".tradecli.lock", 60, f"the report directory {out_dir}"):
            fsutil.sweep(out_dir)
            fsutil.write_atomic(out_dir / "balance.json", text)

Every failure to write (a file in the way, no permission, disk full) is a
``StorageError``: a message naming the path and a hint, never a traceback.

``sweep(directory, older_than=...)``
    Remove temp debris left in ``directory`` by killed writers: only names made by
    this module (``TMP_PREFIX``), and only those whose writer process is dead or
    that are older than ``older_than`` seconds. Call it while holding the lock.
    ``debris(directory)`` lists what it would remove, ``disk_size`` says how big.

``list_dir(directory, what=..., hint=...)``
    The entries of a directory tradecli reads (none when it does not exist); one that
    cannot be read (no permission, a file in the way) is a ``StorageError`` too.

Temp names are ``.tradecli-tmp-<pid>-<name>.<random>``: the pid lets a sweep by one
process leave alone what another live process is still writing.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from tradecli.errors import StorageError

TMP_PREFIX = ".tradecli-tmp-"
DEBRIS_AGE = 24 * 3600.0  # a temp file this old is debris even if its pid was reused


TMP_SUFFIX = ".tmp"


def _tmp_prefix(target: Path) -> str:
    return f"{TMP_PREFIX}{os.getpid()}-{target.name}."


def scratch_path(directory: Path, name: str) -> Path:
    """A scratch file name in ``directory`` that ``sweep`` removes once this process is dead.

    For large intermediate files (a zip member extracted to disk): the caller deletes
    it when done; a killed process leaves debris the next writer sweeps.
    """
    ensure_dir(directory)
    return directory / f"{_tmp_prefix(Path(name))}{TMP_SUFFIX}"


def _storage_error(exc: OSError, where: Path, hint: str | None = None) -> StorageError:
    """A StorageError naming ``where`` and why; ``hint`` replaces the generic advice."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space, or point tradecli at another directory"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        reason = "not a directory (a file is in the way)"
        advice = "remove or rename that file, or choose another directory"
    else:
        advice = "check that the directory exists and is writable, or choose another one"
    return StorageError(f"cannot write {where}: {reason}", hint=hint or advice)


def read_error(
    exc: OSError, directory: Path, what: str | None = None, hint: str | None = None
) -> StorageError:
    """A StorageError for ``directory`` that cannot be read, naming ``what`` it belongs to.

    Reading and writing fail alike (exit ``STORAGE``), so that a cache nobody can read
    is never taken for an empty one, and never ends in a traceback.
    """
    named = what or str(directory)
    if exc.errno == errno.ENOTDIR:  # worded as when writing; the file named unless it is
        blocker = _in_the_way(directory)
        reason = "not a directory (a file is in the way)"
        if not named.endswith(str(blocker)):
            reason += f": {blocker}"
    else:
        reason = exc.strerror or str(exc)
        if what is not None:
            reason += f" ({directory})"
    advice = hint or "check that the directory exists and is readable, or choose another one"
    return StorageError(f"cannot read {named}: {reason}", hint=advice)


def _in_the_way(directory: Path) -> Path:
    """The first component of ``directory`` that exists and is not a directory."""
    for candidate in [*reversed(directory.parents), directory]:
        try:
            if not stat.S_ISDIR(candidate.stat().st_mode):
                return candidate
        except OSError:
            break
    return directory


def list_dir(directory: Path, *, what: str | None = None, hint: str | None = None) -> list[Path]:
    """The entries of ``directory``, sorted; none when it does not exist.

    One ``scandir`` rather than ``is_dir()`` then ``iterdir()``: ``is_dir()`` is False
    for a file in the way and raises PermissionError under a directory that cannot be
    searched, so an unreadable cache looked empty or crashed. Any failure but a
    missing directory is a ``StorageError`` (see ``read_error``).
    """
    try:
        with os.scandir(directory) as listing:
            return sorted(Path(entry.path) for entry in listing)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise read_error(exc, directory, what, hint) from None


def ensure_dir(directory: Path, hint: str | None = None) -> None:
    """Create ``directory`` (and parents); a file in the way or no permission is a StorageError."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # mkdir(exist_ok) still raises when a *file* is there
        error = OSError(errno.ENOTDIR, exc.strerror or "exists")
        raise _storage_error(error, directory, hint) from None
    except OSError as exc:
        raise _storage_error(exc, directory, hint) from None


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not supported here (e.g. some network filesystems): the rename still holds
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory and a rename."""
    ensure_dir(path.parent)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=_tmp_prefix(path), suffix=TMP_SUFFIX)
    except OSError as exc:
        raise _storage_error(exc, path) from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        raise _storage_error(exc, path) from None
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_path(
    target: Path,
    *,
    tmp_dir: Path | None = None,
    commit_lock: AbstractContextManager[object] | None = None,
    hint: str | None = None,
) -> Iterator[Path]:
    """Yield a temp path for ``target``; move it onto ``target`` if the block succeeds.

    The block may create a file or a directory at the yielded path (it does not
    exist yet). Files are fsynced before the rename. The temp path is beside
    ``target`` unless ``tmp_dir`` (same filesystem) is given. ``commit_lock``, if
    given, is held only around the final rename, so a long build does not hold it.
    ``hint`` (say, which setting moves the directory) is the advice when a directory
    cannot be created or written; the writer's own failures (disk full) keep theirs.
    """
    ensure_dir(target.parent, hint)
    where = tmp_dir if tmp_dir is not None else target.parent
    ensure_dir(where, hint)
    try:
        holder = Path(tempfile.mkdtemp(dir=where, prefix=_tmp_prefix(target), suffix=TMP_SUFFIX))
    except OSError as exc:
        raise _storage_error(exc, where, hint) from None
    tmp = holder / target.name
    try:
        try:
            yield tmp
        except OSError as exc:  # the writer's own failure: disk full, quota...
            raise _storage_error(exc, target) from None
        if not tmp.exists():
            raise FileNotFoundError(f"the writer of {target} produced nothing")
        for file in [tmp] if tmp.is_file() else sorted(p for p in tmp.rglob("*") if p.is_file()):
            with open(file, "rb") as f:
                os.fsync(f.fileno())
        with commit_lock if commit_lock is not None else nullcontext():
            _commit(tmp, target, holder, hint)
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def _commit(tmp: Path, target: Path, holder: Path, hint: str | None = None) -> None:
    try:
        if tmp.is_dir() and target.is_dir():
            # Directories cannot be renamed over one another: move the old one into
            # the holder (removed afterwards), then the new one in. A reader between
            # the two renames sees no entry (a miss), never a mixture.
            os.replace(target, holder / ".old")
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        raise _storage_error(exc, target, hint) from None


@contextmanager
def locked(
    path: Path, timeout: float, what: str, *, unwritable_hint: str | None = None
) -> Iterator[None]:
    """Hold the inter-process lock file ``path`` for at most ``timeout`` seconds of waiting.

    ``what`` names the thing protected, for the error message ("the cache at /x").
    Raises ``StorageError`` on timeout or when the lock file cannot be created; then
    ``unwritable_hint`` (e.g. which setting moves the directory) replaces the generic hint.
    """
    from filelock import FileLock, Timeout  # only writers pay for the import

    ensure_dir(path.parent, unwritable_hint)
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise StorageError(
            f"{what} stayed locked by another tradecli for {timeout:g}s",
            hint=f"runs overlap; if no tradecli is running, delete {path.name} in {path.parent}",
        ) from None
    except OSError as exc:
        raise _storage_error(exc, path, unwritable_hint) from None
    try:
        yield
    finally:
        lock.release()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _writer_pid(name: str) -> int | None:
    rest = name[len(TMP_PREFIX) :]
    pid, _, _ = rest.partition("-")
    return int(pid) if pid.isdigit() else None


def is_debris(path: Path, older_than: float = DEBRIS_AGE, now: float | None = None) -> bool:
    """Whether ``path`` is a temp file or directory left by a dead or long-gone writer."""
    if not path.name.startswith(TMP_PREFIX):
        return False
    try:
        age = (now if now is not None else time.time()) - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    pid = _writer_pid(path.name)
    if pid is None or not _pid_alive(pid):
        return True
    return pid != os.getpid() and age > older_than


def debris(directory: Path, older_than: float = DEBRIS_AGE) -> list[Path]:
    """The debris (see ``is_debris``) directly inside ``directory``: what ``sweep`` removes."""
    return [path for path in list_dir(directory) if is_debris(path, older_than)]


def remove(path: Path) -> None:
    """Delete a file or a whole directory tree (never following a symlink); gone is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def sweep(directory: Path, older_than: float = DEBRIS_AGE) -> int:
    """Remove debris (see ``is_debris``) directly inside ``directory``; returns how many."""
    found = debris(directory, older_than)
    for path in found:
        remove(path)
    return len(found)


def disk_size(path: Path) -> int:
    """Bytes in the file or directory tree ``path``; what vanishes meanwhile counts as 0.

    For saying how much scratch a killed writer left, so it never fails on a race
    with a writer sweeping it.
    """
    try:
        if not stat.S_ISDIR(path.lstat().st_mode):
            return path.lstat().st_size
    except OSError:
        return 0
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).lstat().st_size
            except OSError:
                pass
    return total
