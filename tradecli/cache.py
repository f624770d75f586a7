"""On-disk cache of fetched flows: one parquet file per normalised query.

Layout under the cache directory::

    flows/<key>.parquet   flows in the canonical schema; the entry's metadata
                          (query, fetched_at, URL without token, cube, currency,
                          source annotations, row count) is stored inside the
                          file's parquet key-value metadata, so data and
                          metadata are replaced together by one rename
    meta/<name>.json      cube lists and cube metadata from the API
    tmp/                  files being written; anything here while the lock is
                          held is debris from a killed writer and is removed
    cache.lock            filelock serialising writers (readers need no lock:
                          renames are atomic)

A corrupt or unreadable entry is a miss with a warning, never a crash. The API
token is never written anywhere under this directory.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from tradecli import schema
from tradecli.errors import SourceUnavailable
from tradecli.periods import Frequency, Period, parse_period

FORMAT_VERSION = 1
META_KEY = "tradecli"
DATASET_SUFFIX = ".dataset"  # a directory: one parquet file per exporter + DATASET_META
DATASET_META = "_entry.json"
DATASET_ROW_GROUP = 4096  # small row groups: statistics then prune to what a query needs
LOCK_TIMEOUT = 120.0  # seconds a writer waits for another one before giving up


@dataclass(frozen=True)
class Entry:
    """One cached query, as described by its metadata."""

    path: Path
    key: str
    reporter: str
    partner: str
    cube: str
    start: Period
    end: Period
    fetched_at: dt.datetime
    url: str
    currency: str
    annotations: dict[str, Any]
    rows: int
    size: int
    kind: str = "fetch"  # "fetch": one pair from the API; "import": a file, any countries
    countries: tuple[str, ...] = ()  # for imports: every country in the file
    files: tuple[Path, ...] = ()  # the parquet files holding the flows

    @property
    def frequency(self) -> Frequency:
        return self.start.frequency

    def covers(self, pair: tuple[str, str], frequency: Frequency) -> bool:
        if self.frequency is not frequency:
            return False
        if self.kind == "import":
            return set(pair) <= set(self.countries)
        return {self.reporter, self.partner} == set(pair)

    def involves(self, country: str) -> bool:
        return country in (
            self.countries if self.kind == "import" else (self.reporter, self.partner)
        )

    def includes(self, period: Period) -> bool:
        return period.frequency is self.frequency and self.start <= period <= self.end

    def is_fresh(self, now: dt.datetime, recent_ttl: float, closed_ttl: float) -> bool:
        """Recent data (this year or last) may still be revised; closed years rarely are.

        Imported files never expire: only their owner knows when they change.
        """
        if self.kind == "import":
            return True
        ttl = recent_ttl if self.end.year >= now.year - 1 else closed_ttl
        return (now - self.fetched_at).total_seconds() < ttl


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Cache:
    """The cache directory. ``warn`` receives one line per problem found while reading."""

    def __init__(
        self,
        root: Path,
        recent_ttl: float = 86_400.0,
        closed_ttl: float = 90 * 86_400.0,
        warn: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.root = root
        self.recent_ttl = recent_ttl
        self.closed_ttl = closed_ttl
        self.warn = warn

    @property
    def flows_dir(self) -> Path:
        return self.root / "flows"

    @property
    def meta_dir(self) -> Path:
        return self.root / "meta"

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    # -- writing ---------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the writers' lock; sweep debris that killed writers left in tmp/."""
        from filelock import FileLock, Timeout  # only writers pay for the import

        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.root / "cache.lock"), timeout=LOCK_TIMEOUT)
            with lock:
                self._sweep()
                yield
        except Timeout:
            raise SourceUnavailable(
                f"the cache at {self.root} stayed locked for {LOCK_TIMEOUT:g}s",
                hint="another tradecli is writing to it; if none is running, delete cache.lock",
            ) from None
        except PermissionError as exc:
            raise SourceUnavailable(
                f"cannot write to the cache at {self.root}: {exc.strerror}",
                hint="set TRADECLI_CACHE_DIR or cache.dir to a writable directory",
            ) from None

    def _sweep(self) -> None:
        if self.tmp_dir.is_dir():
            for debris in self.tmp_dir.iterdir():
                if _building_by_live_process(debris.name):
                    continue  # a dataset still being built, outside the lock, by a live writer
                if debris.is_dir():
                    shutil.rmtree(debris, ignore_errors=True)
                else:
                    debris.unlink(missing_ok=True)

    def _atomic(self, target: Path, write: Callable[[Path], object]) -> None:
        """Write via a temp file in tmp/ and rename over ``target`` (same filesystem)."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix=target.stem + ".", suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        try:
            write(tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def put(
        self,
        key: str,
        frame: pl.DataFrame,
        *,
        reporter: str,
        partner: str,
        cube: str,
        start: Period,
        end: Period,
        url: str,
        currency: str,
        annotations: dict[str, Any],
        fetched_at: dt.datetime | None = None,
        kind: str = "fetch",
        countries: tuple[str, ...] = (),
    ) -> Path:
        """Store one query's flows, replacing any previous entry for the same key."""
        schema.validate(frame)
        meta = {
            "version": FORMAT_VERSION,
            "key": key,
            "reporter": reporter,
            "partner": partner,
            "cube": cube,
            "start": str(start),
            "end": str(end),
            "fetched_at": (fetched_at or _now()).isoformat(),
            "url": url,
            "currency": currency,
            "annotations": annotations,
            "rows": frame.height,
            "kind": kind,
            "countries": list(countries),
        }
        target = self.flows_dir / f"{_safe(key)}.parquet"
        with self.locked():
            self._atomic(
                target,
                lambda tmp: frame.write_parquet(tmp, metadata={META_KEY: json.dumps(meta)}),
            )
        return target

    def put_dataset(
        self,
        key: str,
        partitions: Iterable[pl.DataFrame],
        *,
        start: Period,
        end: Period,
        url: str,
        currency: str,
        annotations: dict[str, Any],
        kind: str = "import",
        cube: str = "",
        presorted: bool = False,
    ) -> Path:
        """Store a large, many-country dataset as one parquet file per exporter.

        Each file is sorted by importer, period and product and written in small
        row groups, so a query for one exporter opens one file and a query for
        one importer reads one or two row groups per file: parquet statistics do
        the pruning and memory stays small however big the dataset is. The
        directory is built in tmp/ and renamed into place; a reader sees the old
        dataset or the new one, never a mixture.
        """
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        # Built outside the lock (it can take minutes); the name carries our pid so a
        # sweep by another writer leaves it alone while we live.
        build = Path(tempfile.mkdtemp(dir=self.tmp_dir, prefix=f"build-{os.getpid()}-"))
        rows, countries = 0, set()
        try:
            for part in partitions:
                if part.is_empty():
                    continue
                schema.validate(part)
                exporters = part["exporter"].unique().to_list()
                if len(exporters) != 1:
                    raise ValueError("each partition must hold one exporter")
                ordered = part if presorted else part.sort("importer", "period", "product")
                ordered.write_parquet(
                    build / f"part-{_safe(exporters[0])}.parquet",
                    row_group_size=DATASET_ROW_GROUP,
                    statistics=True,
                )
                rows += part.height
                countries.update(exporters)
                countries.update(part["importer"].unique().to_list())
            meta = {
                "version": FORMAT_VERSION,
                "key": key,
                "reporter": "",
                "partner": "",
                "cube": cube,
                "start": str(start),
                "end": str(end),
                "fetched_at": _now().isoformat(),
                "url": url,
                "currency": currency,
                "annotations": annotations,
                "rows": rows,
                "kind": kind,
                "countries": sorted(countries),
            }
            (build / DATASET_META).write_text(json.dumps(meta), "utf-8")
            target = self.flows_dir / f"{_safe(key)}{DATASET_SUFFIX}"
            with self.locked():
                self.flows_dir.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    # Directories cannot be renamed over one another: move the old one
                    # aside into tmp/ (swept by the next writer), then move the new in.
                    os.replace(target, self.tmp_dir / f"old-{build.name}")
                os.replace(build, target)
        finally:
            if build.exists():
                shutil.rmtree(build, ignore_errors=True)
        return target

    def put_built_dataset(
        self,
        key: str,
        build_files: Callable[[Path], tuple[int, set[str], Period, Period]],
        *,
        url: str,
        currency: str,
        annotations: dict[str, Any],
        kind: str = "import",
        cube: str = "",
    ) -> Path:
        """Store a dataset whose ``part-*.parquet`` files ``build_files(dir)`` writes itself.

        For imports partitioned otherwise than one file per exporter (a BACI release:
        files per year and exporter range). ``build_files`` returns (rows, countries,
        start, end); ``annotations`` is read after it ran, so it may fill them in.
        As in ``put_dataset``, the directory is built in tmp/ under our pid and renamed
        into place under the lock: a killed import leaves the old entry and debris
        that the next writer sweeps.
        """
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(dir=self.tmp_dir, prefix=f"build-{os.getpid()}-"))
        try:
            rows, countries, start, end = build_files(build)
            meta = {
                "version": FORMAT_VERSION,
                "key": key,
                "reporter": "",
                "partner": "",
                "cube": cube,
                "start": str(start),
                "end": str(end),
                "fetched_at": _now().isoformat(),
                "url": url,
                "currency": currency,
                "annotations": annotations,
                "rows": rows,
                "kind": kind,
                "countries": sorted(countries),
            }
            (build / DATASET_META).write_text(json.dumps(meta), "utf-8")
            target = self.flows_dir / f"{_safe(key)}{DATASET_SUFFIX}"
            with self.locked():
                self.flows_dir.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    os.replace(target, self.tmp_dir / f"old-{build.name}")
                os.replace(build, target)
        finally:
            if build.exists():
                shutil.rmtree(build, ignore_errors=True)
        return target

    def put_meta(self, name: str, body: Any) -> None:
        document = {"fetched_at": _now().isoformat(), "body": body}
        target = self.meta_dir / f"{_safe(name)}.json"
        with self.locked():
            self._atomic(target, lambda tmp: tmp.write_text(json.dumps(document), "utf-8"))

    # -- reading ---------------------------------------------------------------

    def get_meta(self, name: str, max_age: float) -> Any | None:
        path = self.meta_dir / f"{_safe(name)}.json"
        try:
            document = json.loads(path.read_text("utf-8"))
            fetched = dt.datetime.fromisoformat(document["fetched_at"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self.warn(f"cache file {path} is unreadable; ignoring it")
            return None
        if (_now() - fetched).total_seconds() >= max_age:
            return None
        return document["body"]

    def entries(self) -> list[Entry]:
        """Every readable entry; unreadable ones are reported through ``warn``."""
        if not self.flows_dir.is_dir():
            return []
        out = []
        for path in sorted(self.flows_dir.iterdir()):
            if path.suffix == ".parquet" or path.name.endswith(DATASET_SUFFIX):
                entry = self._read_entry(path)
                if entry is not None:
                    out.append(entry)
        return out

    def _read_entry(self, path: Path) -> Entry | None:
        try:
            if path.is_dir():
                meta = json.loads((path / DATASET_META).read_text("utf-8"))
                files = tuple(sorted(path.glob("part-*.parquet")))
                size = sum(f.stat().st_size for f in files)
            else:
                meta = json.loads(pl.read_parquet_metadata(path)[META_KEY])
                files, size = (path,), path.stat().st_size
            if meta.get("version") != FORMAT_VERSION:
                raise ValueError(f"format version {meta.get('version')}")
            return Entry(
                path=path,
                key=meta["key"],
                reporter=meta["reporter"],
                partner=meta["partner"],
                cube=meta["cube"],
                start=parse_period(meta["start"]),
                end=parse_period(meta["end"]),
                fetched_at=dt.datetime.fromisoformat(meta["fetched_at"]),
                url=meta["url"],
                currency=meta["currency"],
                annotations=dict(meta.get("annotations") or {}),
                rows=int(meta["rows"]),
                size=size,
                kind=str(meta.get("kind", "fetch")),
                countries=tuple(meta.get("countries") or ()),
                files=files,
            )
        except Exception as exc:  # any unreadable entry is a miss, never a crash
            self.warn(f"cache entry {path.name} is unreadable ({type(exc).__name__}); ignoring it")
            return None

    def scan(self, entries: list[Entry]) -> pl.LazyFrame:
        """Flows of ``entries``, lazily: filters applied later reach the parquet readers.

        Where two entries hold the same flow the newest fetch wins; with a single
        entry nothing needs merging, so nothing stops predicate pushdown.
        """
        scans = []
        for entry in sorted(entries, key=lambda e: e.fetched_at, reverse=True):
            try:
                _check_parquet(entry.files)
            except Exception as exc:
                self.warn(
                    f"cache entry {entry.path.name} is unreadable ({type(exc).__name__}); "
                    "ignoring it"
                )
                continue
            if entry.files:
                scans.append(pl.scan_parquet(list(entry.files)))
        if not scans:
            return schema.empty().lazy()
        if len(scans) == 1:
            return scans[0]
        keys = ["exporter", "importer", "reporter", "period", "frequency", "product", "source"]
        return pl.concat(scans).unique(subset=keys, keep="first", maintain_order=True)

    def matching(self, pair: tuple[str, str], frequency: Frequency) -> list[Entry]:
        return [e for e in self.entries() if e.covers(pair, frequency)]

    def involving(self, country: str) -> list[Entry]:
        return [e for e in self.entries() if e.involves(country)]

    def fresh(self, entry: Entry, now: dt.datetime | None = None) -> bool:
        return entry.is_fresh(now or _now(), self.recent_ttl, self.closed_ttl)

    # -- housekeeping ------------------------------------------------------------

    def clear(self, older_than: float | None = None, now: dt.datetime | None = None) -> int:
        """Delete entries (all, or those fetched more than ``older_than`` seconds ago)."""
        now = now or _now()
        removed = 0
        with self.locked():
            paths = sorted(self.flows_dir.iterdir()) if self.flows_dir.is_dir() else []
            for path in paths:
                if not (path.suffix == ".parquet" or path.name.endswith(DATASET_SUFFIX)):
                    continue
                entry = self._read_entry(path)
                age = (now - entry.fetched_at).total_seconds() if entry else None
                if older_than is None or age is None or age > older_than:
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
                    removed += 1
            if older_than is None and self.meta_dir.is_dir():
                for path in self.meta_dir.glob("*.json"):
                    path.unlink(missing_ok=True)
        return removed


def _check_parquet(files: tuple[Path, ...]) -> None:
    """Cheap checks before a lazy scan: every file ends in parquet's magic, and the
    first file has the flows schema. A truncated file fails here, not mid-query."""
    for path in files:
        with open(path, "rb") as f:
            f.seek(-4, os.SEEK_END)
            if f.read(4) != b"PAR1":
                raise ValueError(f"{path.name} is truncated")
    if files and dict(pl.read_parquet_schema(files[0])) != dict(schema.FLOWS_SCHEMA):
        raise ValueError("not in the flows schema")


def _building_by_live_process(name: str) -> bool:
    if not name.startswith("build-"):
        return False
    pid = name.split("-")[1]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _safe(key: str) -> str:
    """A file name from a cache key: keep it readable, drop anything odd."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
