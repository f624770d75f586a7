"""On-disk cache of fetched flows: one parquet file per normalised query.

Layout under the cache directory::

    flows/<key>.parquet   flows in the canonical schema; the entry's metadata
                          (query, fetched_at, URL without token, source, dataset,
                          currency, source annotations, row count) is stored
                          inside the file's parquet key-value metadata, so data
                          and metadata are replaced together by one rename
    flows/<key>.dataset/  a large imported file: one parquet file per exporter
                          plus ``_entry.json`` with the same metadata
    meta/<name>.json      dataset lists and metadata from a source's API
    tmp/                  files being written (``tradecli.fsutil`` temp names);
                          what a dead writer left is swept by the next writer
    cache.lock            filelock serialising writers (readers need no lock:
                          renames are atomic)

An entry names its ``source`` (the registry name in ``tradecli.sources``: ``oec``,
``files``...) and its ``dataset``, the source's own id for what was read (an OEC
cube name, a file name). Entries written before these names existed carry
``cube`` instead: they are read as ``dataset``, with the source ``oec`` for fetched
entries and ``files`` for imports.

A corrupt or unreadable entry is a miss with a warning, never a crash; one whose
figures are NaN, Infinity or negative (an older tradecli's) is an error naming it
(``tradecli.cache_guard``), never a traceback nor a figure. The API
token is never written anywhere under this directory.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import polars as pl
from msgspec import Struct, field

from tradecli import fsutil, schema
from tradecli.cache_guard import SCANNED, guarded, refuse_bad_amounts
from tradecli.config import CACHE_DIR_HINT
from tradecli.periods import Frequency, Period, parse_period

FORMAT_VERSION = 1
META_KEY = "tradecli"
DATASET_SUFFIX = ".dataset"  # a directory: one parquet file per exporter + DATASET_META
DATASET_META = "_entry.json"
DATASET_ROW_GROUP = 4096  # small row groups: statistics then prune to what a query needs
TOTALS_GLOB = "part-totals-*.parquet"  # a dataset's TOTAL rows, in files of their own
TOTALS_ROWS = 300_000  # TOTAL rows of one such file, at most about (one sort in memory)
LOCK_TIMEOUT = 120.0  # seconds a writer waits for another one before giving up


Annotations = Mapping[str, object]  # JSON-able notes a source keeps with an entry


class Entry(Struct, frozen=True):
    """One cached query, as described by its metadata."""

    path: Path
    key: str
    reporter: str
    partner: str
    dataset: str  # the source's own id of what was read: OEC cube, file name...
    start: Period
    end: Period
    fetched_at: dt.datetime
    url: str
    currency: str
    annotations: dict[str, object]
    rows: int
    size: int
    kind: str = "fetch"  # "fetch": one pair from the API; "import": a file, any countries
    countries: tuple[str, ...] = ()  # for imports: every country in the file
    files: tuple[Path, ...] = ()  # the parquet files holding the flows
    source: str = field(default="")  # registry name in tradecli.sources; see _read_entry
    # The files holding every TOTAL row of the entry and nothing else, when the writer
    # says so (an imported BACI release): every flow with products has its TOTAL row
    # there, so a question about total trade reads these alone. None: not split.
    totals: tuple[Path, ...] | None = None
    # The writer checked every amount (finite, not negative) before storing: true of
    # every entry this version writes. Entries of older versions are checked as read.
    checked: bool = False
    # Each file's first and last exporter, when the writer listed them (a dataset
    # directory): a question about a few exporters opens only their files. None: not
    # listed (older entries), every file is read.
    exporters: Mapping[str, tuple[str, str]] | None = None

    def files_of(self, files: tuple[Path, ...], exporters: Collection[str] | None) -> list[Path]:
        """``files`` that may hold rows of ``exporters`` (None: every file)."""
        ranges = self.exporters
        if exporters is None or ranges is None:
            return list(files)
        return [
            f
            for f in files
            if f.name not in ranges
            or any(ranges[f.name][0] <= e <= ranges[f.name][1] for e in exporters)
        ]

    @property
    def cube(self) -> str:
        """The OEC word for ``dataset``, kept for callers not yet renamed."""
        return self.dataset

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
        """Hold the writers' lock; sweep debris that killed writers left in tmp/.

        A lock held too long, or a cache directory that cannot be written, is a
        ``StorageError`` (exit code ``STORAGE``).
        """
        with fsutil.locked(
            self.root / "cache.lock",
            LOCK_TIMEOUT,
            f"the cache at {self.root}",
            unwritable_hint=CACHE_DIR_HINT,
        ):
            self._sweep()
            yield

    def _sweep(self) -> None:
        for debris in self.scratch():
            fsutil.remove(debris)

    def scratch(self) -> list[Path]:
        """What killed writers left in tmp/: exactly what the next writer's sweep removes.

        ``fsutil``'s debris (dead writer, or a day old), and temp files named the way
        tradecli 0.1 named them. A live writer's files are not scratch.
        """
        return [
            path
            for path in self._list(self.tmp_dir)
            if fsutil.is_debris(path)
            or (not path.name.startswith(fsutil.TMP_PREFIX) and _legacy_debris(path))
        ]

    def scratch_size(self) -> int:
        """Bytes of ``scratch()``: a killed release import leaves 100 MB and more."""
        return sum(fsutil.disk_size(path) for path in self.scratch())

    def _list(self, directory: Path) -> list[Path]:
        """A cache directory's entries; one that cannot be read is a ``StorageError``.

        Never an empty cache instead (a cron job would answer from the sample alone),
        nor a traceback.
        """
        return fsutil.list_dir(directory, what=f"the cache at {self.root}", hint=CACHE_DIR_HINT)

    def put(
        self,
        key: str,
        frame: pl.DataFrame,
        *,
        reporter: str,
        partner: str,
        source: str,
        dataset: str,
        start: Period,
        end: Period,
        url: str,
        currency: str,
        annotations: Annotations,
        fetched_at: dt.datetime | None = None,
        kind: str = "fetch",
        countries: tuple[str, ...] = (),
    ) -> Path:
        """Store one query's flows, replacing any previous entry for the same key."""
        schema.validate(frame)
        refuse_bad_amounts(frame, key)
        meta = {
            "version": FORMAT_VERSION,
            "amounts_checked": True,
            "key": key,
            "reporter": reporter,
            "partner": partner,
            "source": source,
            "dataset": dataset,
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
        with (
            self.locked(),
            fsutil.atomic_path(target, tmp_dir=self.tmp_dir, hint=CACHE_DIR_HINT) as tmp,
        ):
            frame.write_parquet(tmp, metadata={META_KEY: json.dumps(meta)})
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
        annotations: Annotations,
        kind: str = "import",
        source: str = "files",
        dataset: str = "",
        cube: str = "",  # the old name of ``dataset``, still accepted
        presorted: bool = False,
        supersedes: str | None = None,
    ) -> Path:
        """Store a large, many-country dataset as one parquet file per exporter.

        Each file is sorted by importer, period and product and written in small
        row groups, so a query for one exporter opens one file and a query for
        one importer reads one or two row groups per file: parquet statistics do
        the pruning and memory stays small however big the dataset is. TOTAL rows
        go to ``part-totals-NNN.parquet`` files of their own; when every flow with
        products has its TOTAL row, the metadata names them (``Entry.totals``) and a
        question about total trade reads them alone. The directory is built in
        tmp/ and renamed into place; a reader sees the old dataset or the new one,
        never a mixture.
        """
        # Built in tmp/ outside the lock (it can take minutes); the temp name carries our
        # pid, so a sweep by another writer leaves it alone while we live. The lock is
        # held only for the rename.

        complete = True  # every flow with product rows has its TOTAL row

        def build_files(build: Path) -> tuple[int, set[str], Period, Period]:
            nonlocal complete
            rows, countries = 0, set()
            totals: list[pl.DataFrame] = []  # held until about TOTALS_ROWS, then one file
            numbers = itertools.count()

            def flush() -> None:
                if totals:
                    target = build / f"part-totals-{next(numbers):03d}.parquet"
                    write_totals(pl.concat(totals), target)
                    totals.clear()

            for part in partitions:
                if part.is_empty():
                    continue
                schema.validate(part)
                refuse_bad_amounts(part, key)
                exporters = part["exporter"].unique().to_list()
                if len(exporters) != 1:
                    raise ValueError("each partition must hold one exporter")
                ordered = part if presorted else part.sort("importer", "period", "product")
                is_total = ordered["product"] == schema.TOTAL
                products, total = ordered.filter(~is_total), ordered.filter(is_total)
                if products.height:
                    products.write_parquet(
                        build / f"part-{_safe(exporters[0])}.parquet",
                        row_group_size=DATASET_ROW_GROUP,
                        statistics=True,
                    )
                    complete = complete and _has_totals(products, total)
                if total.height:
                    totals.append(total)
                    if sum(t.height for t in totals) >= TOTALS_ROWS:
                        flush()
                rows += part.height
                countries.update(exporters)
                countries.update(part["importer"].unique().to_list())
            flush()
            return rows, countries, start, end

        return self.put_built_dataset(
            key,
            build_files,
            url=url,
            currency=currency,
            annotations=annotations,
            kind=kind,
            source=source,
            dataset=dataset or cube,
            totals=lambda: TOTALS_GLOB if complete else "",
            supersedes=supersedes,
        )

    def put_built_dataset(
        self,
        key: str,
        build_files: Callable[[Path], tuple[int, set[str], Period, Period]],
        *,
        url: str,
        currency: str,
        annotations: Annotations,
        kind: str = "import",
        source: str = "files",
        dataset: str = "",
        totals: str | Callable[[], str] = "",
        supersedes: str | None = None,
    ) -> Path:
        """Store a dataset whose ``part-*.parquet`` files ``build_files(dir)`` writes itself.

        For imports partitioned otherwise than one file per exporter (a BACI release:
        files per year and exporter range). ``build_files`` returns (rows, countries,
        start, end); ``annotations`` is read after it ran, so it may fill them in.
        As in ``put_dataset``, the directory is built in tmp/ and renamed into place
        under the lock: a killed import leaves the old entry, and debris that the next
        writer sweeps. ``totals`` is a glob matching the files that hold every TOTAL row
        and only those (see ``Entry.totals``), or a function giving it once the files
        are written; a writer promising that must keep it. Likewise every amount
        ``build_files`` writes must be finite and not negative (the entry is marked
        checked, and read without the reader's check).

        ``supersedes`` names a file (``dataset``) whose earlier imports this entry
        replaces: any other single-file import entry of that name (one keyed otherwise
        by an earlier tradecli) is removed under the same lock as the rename, so no
        reader or concurrent import ever sees two entries for one file.
        """
        target = self.flows_dir / f"{_safe(key)}{DATASET_SUFFIX}"

        @contextmanager
        def commit_lock() -> Iterator[None]:
            with self.locked():
                yield
                if supersedes is not None:
                    for entry in self.file_imports(supersedes):
                        if entry.path != target:
                            # Renamed away first: a reader sees the entry or none, never
                            # half of it; a kill mid-removal leaves scratch, not an entry.
                            gone = fsutil.scratch_path(self.tmp_dir, entry.path.name)
                            os.replace(entry.path, gone)
                            fsutil.remove(gone)

        with fsutil.atomic_path(
            target, tmp_dir=self.tmp_dir, commit_lock=commit_lock(), hint=CACHE_DIR_HINT
        ) as build:
            build.mkdir()
            rows, countries, start, end = build_files(build)
            meta = {
                "version": FORMAT_VERSION,
                "amounts_checked": True,
                "key": key,
                "reporter": "",
                "partner": "",
                "source": source,
                "dataset": dataset,
                "start": str(start),
                "end": str(end),
                "fetched_at": _now().isoformat(),
                "url": url,
                "currency": currency,
                "annotations": dict(annotations),
                "rows": rows,
                "kind": kind,
                "countries": sorted(countries),
            }
            pattern = totals() if callable(totals) else totals
            if pattern:
                meta["totals"] = sorted(p.name for p in build.glob(pattern))
            meta["exporters"] = _exporter_ranges(build)
            (build / DATASET_META).write_text(json.dumps(meta), "utf-8")
        return target

    def put_meta(self, name: str, body: object) -> None:
        """Keep a source's metadata document (JSON-able) under ``name``."""
        document = {"fetched_at": _now().isoformat(), "body": body}
        target = self.meta_dir / f"{_safe(name)}.json"
        with self.locked():
            fsutil.write_atomic(target, json.dumps(document))

    # -- reading ---------------------------------------------------------------

    def get_meta(self, name: str, max_age: float) -> object | None:
        path = self.meta_dir / f"{_safe(name)}.json"
        try:
            document = json.loads(path.read_text("utf-8"))
            fetched = dt.datetime.fromisoformat(document["fetched_at"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, OSError):  # a cache nobody can read is an error, not a miss
                self._list(self.meta_dir)
            self.warn(f"cache file {path} is unreadable; ignoring it")
            return None
        if (_now() - fetched).total_seconds() >= max_age:
            return None
        body: object = document["body"]
        return body

    def entries(self) -> list[Entry]:
        """Every readable entry; unreadable ones are reported through ``warn``."""
        out = []
        for path in self._list(self.flows_dir):
            if _is_entry(path):
                entry = self._read_entry(path)
                if entry is not None:
                    out.append(entry)
        return out

    def _read_entry(self, path: Path) -> Entry | None:
        try:
            if path.is_dir():
                meta = json.loads((path / DATASET_META).read_text("utf-8"))
                with os.scandir(path) as listing:
                    found = sorted(
                        (f.name, f.stat().st_size)
                        for f in listing
                        if f.name.startswith("part-") and f.name.endswith(".parquet")
                    )
                files = tuple(path / name for name, _ in found)
                size = sum(n for _, n in found)
                totals = _totals_files(path, meta.get("totals"), files)
                listed = meta.get("exporters")
                exporters = (
                    {str(k): (str(v[0]), str(v[1])) for k, v in listed.items()}
                    if isinstance(listed, dict)
                    else None
                )
            else:
                meta = json.loads(pl.read_parquet_metadata(path)[META_KEY])
                files, size = (path,), path.stat().st_size
                totals = exporters = None
            if meta.get("version") != FORMAT_VERSION:
                raise ValueError(f"format version {meta.get('version')}")
            kind = str(meta.get("kind", "fetch"))
            # Entries written before ``source``/``dataset`` existed say ``cube``, and
            # every such fetch came from the OEC.
            dataset = meta["dataset"] if "dataset" in meta else meta["cube"]
            source = meta.get("source") or ("files" if kind == "import" else "oec")
            return Entry(
                path=path,
                key=meta["key"],
                reporter=meta["reporter"],
                partner=meta["partner"],
                dataset=str(dataset),
                source=str(source),
                start=parse_period(meta["start"]),
                end=parse_period(meta["end"]),
                fetched_at=dt.datetime.fromisoformat(meta["fetched_at"]),
                url=meta["url"],
                currency=meta["currency"],
                annotations=dict(meta.get("annotations") or {}),
                rows=int(meta["rows"]),
                size=size,
                kind=kind,
                countries=tuple(meta.get("countries") or ()),
                files=files,
                totals=totals,
                checked=meta.get("amounts_checked") is True,
                exporters=exporters,
            )
        except Exception as exc:  # any unreadable entry is a miss, never a crash
            self.warn(f"cache entry {path.name} is unreadable ({type(exc).__name__}); ignoring it")
            return None

    def file_imports(self, name: str) -> list[Entry]:
        """Entries imported from a single file named ``name`` (not BACI releases)."""
        return [
            e
            for e in self.entries()
            if e.kind == "import" and e.dataset == name and "release" not in e.annotations
        ]

    def scan(
        self,
        entries: list[Entry],
        *,
        totals_only: bool = False,
        exporters: Collection[str] | None = None,
    ) -> pl.LazyFrame:
        """Flows of ``entries``, lazily: filters applied later reach the parquet readers.

        Where two entries hold the same flow the newest fetch wins; with a single
        entry nothing needs merging, so nothing stops predicate pushdown.
        ``totals_only``: the caller reads TOTAL rows only, so an entry whose TOTAL rows
        are in files of their own (``Entry.totals``) is read from those alone (one small
        file instead of hundreds); other entries are read whole. ``exporters``: the
        caller reads rows of these exporters only (a pair), so files listed as holding
        none of them are not opened.
        """
        scans = []
        for entry in sorted(entries, key=lambda e: e.fetched_at, reverse=True):
            files = entry.totals if totals_only and entry.totals is not None else entry.files
            files = tuple(entry.files_of(files, exporters))
            try:
                columns = _check_parquet(files)
            except Exception as exc:
                self.warn(
                    f"cache entry {entry.path.name} is unreadable ({type(exc).__name__}); "
                    "ignoring it"
                )
                continue
            if files:
                SCANNED[entry.path.name] = files  # where to look if a query fails
                # Entries written before quantities (or editions) were kept lack their
                # columns: they read as nulls, so no user's import is ever discarded; an
                # edition a BACI source id names is filled in (schema.fill_edition).
                scan = pl.scan_parquet(
                    list(files),
                    glob=False,
                    schema=schema.FLOWS_SCHEMA,
                    missing_columns="insert",
                )
                if schema.EDITION not in columns:
                    scan = schema.fill_edition(scan)
                # NaN, Infinity or a negative amount (an older tradecli's) is refused;
                # an entry this version wrote was checked once, as it was written.
                scans.append(scan if entry.checked else guarded(scan, entry.path.name))
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
        """Delete entries (all, or those fetched more than ``older_than`` seconds ago).

        Taking the lock sweeps the scratch of killed writers too (``scratch``), so
        clearing is also how to get that space back without importing anything.
        """
        now = now or _now()
        removed = 0
        with self.locked():
            for path in self._list(self.flows_dir):
                if not _is_entry(path):
                    continue
                entry = self._read_entry(path)
                age = (now - entry.fetched_at).total_seconds() if entry else None
                if older_than is None or age is None or age > older_than:
                    fsutil.remove(path)
                    removed += 1
            if older_than is None:
                for path in self._list(self.meta_dir):
                    if path.suffix == ".json":
                        path.unlink(missing_ok=True)
        return removed


def _check_parquet(files: tuple[Path, ...]) -> set[str]:
    """Cheap checks before a lazy scan: every file ends in parquet's magic, and the
    first file has the flows schema (or the one before quantities were kept). A truncated
    file fails here, not mid-query. Returns the first file's columns (none: no files)."""
    for path in files:
        with open(path, "rb") as f:
            f.seek(-4, os.SEEK_END)
            if f.read(4) != b"PAR1":
                raise ValueError(f"{path.name} is truncated")
    if files:
        found = dict(pl.scan_parquet(files[0], glob=False).collect_schema())
        # Without the columns added later (quantities, edition): an entry written
        # before they were kept.
        full = dict(schema.FLOWS_SCHEMA)
        required = {k: v for k, v in full.items() if k not in schema.LATER_COLUMNS}
        if any(full.get(k) != v for k, v in found.items()) or not required.items() <= found.items():
            raise ValueError("not in the flows schema")
        return set(found)
    return set()


def _exporter_ranges(build: Path) -> dict[str, list[str]]:
    """Each part file's first and last exporter (files without rows are left out)."""
    out: dict[str, list[str]] = {}
    for path in sorted(build.glob("part-*.parquet")):
        span = pl.scan_parquet(path, glob=False).select(
            lo=pl.col("exporter").min(), hi=pl.col("exporter").max()
        )
        lo, hi = span.collect().row(0)
        if lo is not None and hi is not None:
            out[path.name] = [str(lo), str(hi)]
    return out


def write_totals(frame: pl.DataFrame, target: Path) -> None:
    """TOTAL rows sorted by exporter, importer and period, in small row groups: a pair is
    one or two row groups, a country's exports a few."""
    frame.sort("exporter", "importer", "period", "reporter", "source").write_parquet(
        target, row_group_size=DATASET_ROW_GROUP, statistics=True
    )


def _has_totals(products: pl.DataFrame, totals: pl.DataFrame) -> bool:
    """Whether every flow of ``products`` (same countries, reporter, period, frequency and
    source) has its TOTAL row in ``totals``: only then may totals be read alone."""
    keys = ["exporter", "importer", "reporter", "period", "frequency", "source"]
    flows = products.select(keys).unique()
    return flows.join(
        totals.select(keys).unique(), on=keys, how="anti", nulls_equal=True
    ).is_empty()


def _totals_files(path: Path, names: object, files: tuple[Path, ...]) -> tuple[Path, ...] | None:
    """The entry's TOTAL-only files as its metadata names them; None unless all exist."""
    if not isinstance(names, list) or not names:
        return None
    totals = tuple(path / str(name) for name in names)
    return totals if set(totals) <= set(files) else None


def _is_entry(path: Path) -> bool:
    if path.name.startswith(fsutil.TMP_PREFIX):
        return False
    return path.suffix == ".parquet" or path.name.endswith(DATASET_SUFFIX)


def _legacy_debris(path: Path) -> bool:
    """Temp files of tradecli 0.1 (``<stem>.*.tmp``, ``build-<pid>-*``, ``old-*``).

    Their writer held the lock for all but ``build-``, which may still be in progress
    in a live process of the old version: those are left for an hour.
    """
    if path.name.startswith("build-"):
        try:
            return time.time() - path.lstat().st_mtime > 3600
        except FileNotFoundError:
            return False
    return True


def _safe(key: str) -> str:
    """A file name from a cache key: keep it readable, drop anything odd."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
