"""Safe file writing: a temp file beside the target, renamed into place.

A reader or a crash never sees half a file. (The formats that used to live here
are in ``tradecli.render``; this file writer moves to the shared file utilities.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TMP_PREFIX = ".tradecli-tmp-"


# -- files ------------------------------------------------------------------------------


def sweep(directory: Path) -> None:
    """Remove temp files a killed writer left behind (call while holding the lock)."""
    if directory.is_dir():
        for debris in directory.glob(f"{TMP_PREFIX}*"):
            debris.unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX + path.name + ".")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
