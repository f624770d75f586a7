"""Publishing a report directory's files together: one rename switches them all.

Renaming files into place one by one is atomic per file, not per set: a run killed
between two renames left the Markdown of the new run beside the HTML and JSON of the
old one, under a manifest whose SHA-256 values matched neither. So a run builds a
whole new *generation* of the directory (every file: the reports it rewrites, the
ones it carries forward, ``manifest.json`` and the revision history) in a directory
of its own, then switches ``.tradecli-current`` to it with one ``rename`` of a
symlink. The names readers open stay where they were (``reports/x-2025-08.md``):
each is a symlink through ``.tradecli-current``, so all of them change at that one
instant. A run killed at any moment leaves the previous generation in place, whole;
its half-built one is debris the next run sweeps.

A reader that opens several files while a run publishes may still straddle the
switch; to read one generation for sure, resolve ``.tradecli-current`` once (e.g.
``realpath reports/.tradecli-current``) and read from there. The generation before
the current one is kept for such readers; older ones are removed.

Where symlinks cannot be made (some Windows setups, FAT and some network mounts),
the generation is built and kept the same way and ``.tradecli-current`` is a small
file naming it, replaced in one rename: reading the generation it names gives one
whole run, as above. The names readers open are then plain files, put in place one by
one after the switch: first ``manifest.json`` is removed, then each file is replaced
(a hard link to the generation's copy where the filesystem has them, else a copy),
and the new manifest comes last. So a manifest beside the files always describes
them; while it is missing a run is publishing, or was killed doing so (the next run
completes it), and no set is claimed.

Layout of ``output_dir``::

    manifest.json        -> .tradecli-current/manifest.json
    x-2025-08.md         -> .tradecli-current/x-2025-08.md
    .tradecli-current    -> .tradecli-generations/g000042
    .tradecli-generations/g000042/{manifest.json, x-2025-08.md, .tradecli-history/x.json}
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from tradecli.fsutil import TMP_SUFFIX, _fsync_dir, _tmp_prefix, remove, sweep

CURRENT = ".tradecli-current"
GENERATIONS = ".tradecli-generations"
_GENERATION = re.compile(r"^g(\d{6,})$")
KEEP = 2  # the current generation and the one before it, for readers in the middle of it


MANIFEST = "manifest.json"  # written last where the files are plain (no symlinks)
_POINTER = re.compile(rf"^{re.escape(GENERATIONS)}/g\d{{6,}}$")


def current(directory: Path) -> Path | None:
    """The published generation of ``directory`` (None before the first one): where the
    symlink ``.tradecli-current`` leads, or, without symlinks, what the file names."""
    link = directory / CURRENT
    if link.is_symlink():
        target = directory / os.readlink(link)
    elif link.is_file():
        try:
            named = link.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        if not _POINTER.match(named):
            return None
        target = directory / named
    else:
        return None
    return target if target.is_dir() else None


def _number(path: Path | None) -> int:
    match = _GENERATION.match(path.name) if path is not None else None
    return int(match.group(1)) if match else 0


def _carry(source: Path, target: Path) -> None:
    """Every file of ``source`` into ``target``, hard-linked (copied where links fail).

    Safe because nothing is ever written into a file in place: a new version is a new
    file renamed over the old name, so the previous generation's copy never changes.
    """
    for path in sorted(source.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if path.name.startswith(".tradecli-tmp-"):
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
    for folder in sorted({p.parent for p in root.rglob("*")} | {root}):
        _fsync_dir(folder)


def _symlink_over(target: str, link: Path) -> None:
    """Make ``link`` a symlink to ``target`` in one rename (whatever was there before)."""
    tmp = link.parent / f"{_tmp_prefix(link)}{os.urandom(4).hex()}{TMP_SUFFIX}"
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def symlinks_work(directory: Path) -> bool:
    probe = directory / f"{_tmp_prefix(directory / 'probe')}{os.urandom(4).hex()}{TMP_SUFFIX}"
    try:
        os.symlink(CURRENT, probe)
    except (OSError, NotImplementedError):
        return False
    probe.unlink(missing_ok=True)
    return True


class Generation:
    """A new generation of ``directory`` being built; ``publish`` switches to it.

    Create it while holding the directory's lock. ``path`` starts as a copy of the
    published generation (or, the first time, of the files an older tradecli wrote in
    place, listed in ``legacy``), so a run that rewrites some reports keeps the others.
    """

    def __init__(self, directory: Path, legacy: list[str], legacy_dirs: list[str]) -> None:
        self.directory = directory
        self.root = directory / GENERATIONS
        self.root.mkdir(parents=True, exist_ok=True)
        sweep(self.root)  # half-built generations of killed runs
        self.links = symlinks_work(directory)
        self.before = current(directory)
        if self.before is None:
            self._adopt(legacy, legacy_dirs)
        self.path = self._start()
        if self.before is not None:
            _carry(self.before, self.path)

    def _start(self) -> Path:
        prefix = _tmp_prefix(self.root / "g")
        path = Path(tempfile.mkdtemp(dir=self.root, prefix=prefix, suffix=TMP_SUFFIX))
        os.chmod(path, 0o755)  # mkdtemp's 0700 would lock out readers (a web server)
        return path

    def _adopt(self, legacy: list[str], legacy_dirs: list[str]) -> None:
        """Files an older tradecli wrote in place become generation 1, unchanged: the
        names then lead to the same bytes through links, and the run goes on from there."""
        found = [n for n in legacy if _plain_file(self.directory / n)]
        folders = [n for n in legacy_dirs if (self.directory / n).is_dir()]
        if not found and not folders:
            return
        self.path = self._start()
        for name in found:
            _carry_file(self.directory / name, self.path / name)
        for name in folders:
            _carry(self.directory / name, self.path / name)
        self.publish()
        self.before = current(self.directory)

    def publish(self) -> None:
        """Switch ``directory`` to this generation in one rename, then tidy up."""
        _fsync_tree(self.path)
        final = self.root / f"g{_number(self.before) + 1:06d}"
        remove(final)  # a generation of that number that was never published
        os.replace(self.path, final)
        _fsync_dir(self.root)
        names = sorted(p.name for p in final.iterdir() if p.is_file())
        if not self.links:
            self._publish_plain(final, names)
            self._prune(final)
            return
        # New names are linked before the switch (dangling until then: the file is
        # simply not there yet), so at the switch every name leads to the new generation.
        for name in names:
            if not os.path.lexists(self.directory / name):
                _symlink_over(f"{CURRENT}/{name}", self.directory / name)
        _symlink_over(f"{GENERATIONS}/{final.name}", self.directory / CURRENT)
        # A file written in place (by an older tradecli, adopted unchanged) becomes a
        # link only now, so that it never goes missing.
        for name in names:
            link = self.directory / name
            if not (link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}"):
                _symlink_over(f"{CURRENT}/{name}", link)
        _fsync_dir(self.directory)
        self._prune(final)

    def _publish_plain(self, final: Path, names: list[str]) -> None:
        """Without symlinks: switch the pointer file, then put the files in place one by
        one, the manifest removed first and written last (see the module's docstring)."""
        _replace_with(final, self.directory, CURRENT, f"{GENERATIONS}/{final.name}\n")
        remove(self.directory / MANIFEST)
        _fsync_dir(self.directory)
        for name in sorted(names, key=lambda n: n == MANIFEST):
            _replace_with(final, self.directory, name)
        _fsync_dir(self.directory)

    def _prune(self, newest: Path) -> None:
        done = sorted((p for p in self.root.iterdir() if _GENERATION.match(p.name)), key=_number)
        for old in done[:-KEEP]:
            if old != newest:
                remove(old)

    def discard(self) -> None:
        remove(self.path)


def _replace_with(source: Path, directory: Path, name: str, text: str | None = None) -> None:
    """``directory / name`` replaced in one rename by ``text`` or by ``source / name``
    (hard-linked where the filesystem can, else copied), written to disk first."""
    tmp = directory / f"{_tmp_prefix(directory / name)}{os.urandom(4).hex()}{TMP_SUFFIX}"
    try:
        if text is not None:
            tmp.write_text(text, encoding="utf-8")
        else:
            try:
                os.link(source / name, tmp)
            except OSError:
                shutil.copyfile(source / name, tmp)
        os.chmod(tmp, 0o644)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, directory / name)
    finally:
        tmp.unlink(missing_ok=True)


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _carry_file(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


__all__ = ["CURRENT", "GENERATIONS", "MANIFEST", "Generation", "current", "symlinks_work"]
