"""Importing a whole BACI release (a zip or a directory of yearly CSVs) into the cache.

``ingest`` turns one file into a cache entry; this module lists a release's year
files and code tables, refuses anything else by name, and imports the years,
each through ``ingest``'s BACI path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from msgspec import Struct

from tradecli import fsutil
from tradecli.baci_lines import BaciYear
from tradecli.importer_options import ImportFormat
from tradecli.importers import PUBLISHERS, BadFile, normalise_column
from tradecli.ingest import ImportAnnotations, ImportSummary, _store_baci

if TYPE_CHECKING:
    from tradecli.cache import Cache

_RELEASE_YEAR = re.compile(r"^BACI_(HS\d\d)_Y(\d{4})_(V\d+)\.csv$", re.IGNORECASE)
_RELEASE_COUNTRIES = re.compile(r"^country_codes_(V\d+)\.csv$", re.IGNORECASE)
_RELEASE_PRODUCTS = re.compile(r"^product_codes_(HS\d\d)_(V\d+)\.csv$", re.IGNORECASE)


class Release(Struct, frozen=True):
    """A BACI release as distributed: a zip (or a directory) of CSVs."""

    source: Path
    edition: str  # HS92, HS17, ...
    version: str  # V202501
    years: dict[int, str]  # year -> member name
    sizes: dict[int, int]  # year -> uncompressed bytes
    countries: str
    products: str | None

    @property
    def is_zip(self) -> bool:
        return self.source.is_file()


def is_release(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() == ".zip"


def open_release(path: Path) -> Release:
    """List a release's year files and code tables; refuse anything else by name."""
    import zipfile

    names: dict[str, int] = {}
    if path.is_dir():
        names = {p.name: p.stat().st_size for p in path.iterdir() if p.is_file()}
    else:
        try:
            with zipfile.ZipFile(path) as zf:
                names = {
                    Path(i.filename).name: i.file_size for i in zf.infolist() if not i.is_dir()
                }
                members = {Path(i.filename).name: i.filename for i in zf.infolist()}
        except (OSError, zipfile.BadZipFile) as exc:
            raise BadFile(f"{path}: not a readable zip file ({exc})") from None
    years: dict[int, str] = {}
    sizes: dict[int, int] = {}
    editions, versions = set(), set()
    countries = products = None
    for name, size in names.items():
        if m := _RELEASE_YEAR.match(name):
            years[int(m.group(2))] = name
            sizes[int(m.group(2))] = size
            editions.add(m.group(1).upper())
            versions.add(m.group(3).upper())
        elif _RELEASE_COUNTRIES.match(name):
            countries = name
        elif _RELEASE_PRODUCTS.match(name):
            products = name
    if not years:
        raise BadFile(
            f"{path}: no BACI year files (BACI_HS92_Y2004_V202501.csv ...) in it",
            hint="import a BACI release zip as downloaded from CEPII, or a directory of its CSVs",
        )
    if len(editions) > 1 or len(versions) > 1:
        raise BadFile(
            f"{path}: mixes BACI editions or releases ({', '.join(sorted(editions | versions))})",
            hint="import one release (one HS edition, one version) at a time",
        )
    if countries is None:
        raise BadFile(
            f"{path}: no country_codes_V*.csv beside the year files",
            hint="BACI's numeric country codes are read from the release's own table",
        )
    if not path.is_dir():
        years = {y: members[n] for y, n in years.items()}
        countries = members[countries]
        products = members[products] if products else None
    return Release(
        source=path,
        edition=editions.pop(),
        version=versions.pop(),
        years=dict(sorted(years.items())),
        sizes=sizes,
        countries=countries,
        products=products,
    )


def import_release(
    cache: Cache, path: Path, *, strict: bool = False, progress: bool = False
) -> ImportSummary:
    """Import every year of a BACI release into ONE cache entry, in bounded memory.

    The entry's key is the edition (``baci-HS92``): importing a newer release of
    the same edition replaces the older one atomically. Zip members are extracted
    one at a time to a temp file in the cache's tmp dir, and each year is read in
    exporter slices; nothing is visible to queries until the whole release is in.
    """
    import contextlib
    import io
    import threading
    import zipfile
    from concurrent.futures import Future, ThreadPoolExecutor

    release = open_release(path)
    if release.is_zip:
        with zipfile.ZipFile(path) as archive:
            codes_bytes = archive.read(release.countries)
    else:
        codes_bytes = (path / release.countries).read_bytes()
    try:
        codes = pl.read_csv(io.BytesIO(codes_bytes), infer_schema=False, encoding="utf8-lossy")
    except Exception as exc:
        raise BadFile(f"{path}: cannot read {release.countries} ({exc})") from None
    codes = codes.rename({c: normalise_column(c) for c in codes.columns})
    if not {"countrycode", "countryiso3"} <= set(codes.columns):
        raise BadFile(
            f"{path}: {release.countries} needs columns country_code and country_iso3; "
            f"found {', '.join(codes.columns)}"
        )
    mapping = {
        int(c.strip()): iso.strip()
        for c, iso in codes.select("countrycode", "countryiso3").iter_rows()
        if c and iso and c.strip().isdigit()
    }
    source_id = f"import:BACI_{release.edition}_{release.version}"
    annotations: ImportAnnotations = {
        "source_id": source_id,
        "title": f"CEPII BACI {release.edition} release {release.version} (imported)",
        "publisher": PUBLISHERS[ImportFormat.BACI],
        "format": ImportFormat.BACI.value,
        "release": {
            "edition": release.edition,
            "version": release.version,
            "years": list(release.years),
            "products_table": release.products,
        },
    }
    total_bytes = sum(release.sizes.values())

    with contextlib.ExitStack() as stack:
        advance: Callable[[int], None] = lambda n: None  # noqa: E731
        if progress:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            bar = stack.enter_context(
                Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    DownloadColumn(),
                    TransferSpeedColumn(),
                    TimeRemainingColumn(),
                    transient=True,
                )
            )
            task = bar.add_task(f"BACI {release.edition} {release.version}", total=total_bytes)
            advance = lambda n: bar.advance(task, n)  # noqa: E731
        zf: zipfile.ZipFile | None = (
            stack.enter_context(zipfile.ZipFile(path)) if release.is_zip else None
        )

        # The next year's member unzips in a thread while this one is parsed and written
        # (zlib releases the GIL): at most two extracted members on disk at once.
        unzip = stack.enter_context(ThreadPoolExecutor(1, "baci-unzip"))
        extracted: dict[int, tuple[Path, Future[None]]] = {}
        stopping = threading.Event()
        order = list(release.years)

        def extract(member: str, local: Path) -> None:
            assert zf is not None
            with zf.open(member) as src, open(local, "wb") as dst:
                while not stopping.is_set() and (block := src.read(4 << 20)):
                    dst.write(block)
                    advance(len(block))

        def fetch(year: int) -> tuple[Path, Future[None]]:
            if year not in extracted:
                member = release.years[year]
                # In the cache's tmp/, named by our pid: a killed import leaves debris the
                # next writer sweeps, never a visible entry.
                local = fsutil.scratch_path(cache.tmp_dir, Path(member).name)
                extracted[year] = (local, unzip.submit(extract, member, local))
            return extracted[year]

        def discard() -> None:  # on any exit: stop the unzip thread, remove its files
            stopping.set()
            for local, future in extracted.values():
                future.cancel()
                with contextlib.suppress(Exception):
                    future.result()
                local.unlink(missing_ok=True)

        stack.callback(discard)

        @contextlib.contextmanager
        def opened(year: BaciYear) -> Iterator[BaciYear]:
            assert year.year is not None
            member = release.years[year.year]
            if zf is None:
                yield BaciYear(path / member, year.year)
                advance(release.sizes[year.year])
                return
            local, future = fetch(year.year)
            following = order.index(year.year) + 1
            if following < len(order):
                fetch(order[following])
            try:
                future.result()
                yield BaciYear(local, year.year, shown=f"{path.name}:{member}")
            finally:
                local.unlink(missing_ok=True)

        years = [BaciYear(Path(name), year) for year, name in release.years.items()]
        summary = _store_baci(
            cache,
            years,
            mapping,
            key=f"baci-{release.edition}",
            source_id=source_id,
            annotations=annotations,
            url=str(path.resolve()),
            cube=f"BACI_{release.edition}_{release.version}",
            strict=strict,
            opened=opened,
        )
    return summary
