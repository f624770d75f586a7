"""Loading a file into the cache: the fast BACI path, derived totals, one entry per file.

``importers`` knows the formats and finds bad rows; this module decides how a
file becomes a cache entry (one parquet file per exporter, all or nothing) and
reports what was stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import polars as pl
from msgspec import Struct, field

from tradecli import schema
from tradecli.baci_lines import BACI_SCHEMA, BaciYear, duplicate, first_bad_line, unreadable
from tradecli.filetext import normalise_column
from tradecli.import_notes import disagreements, replaced_imports
from tradecli.importer_options import ImportFormat
from tradecli.importers import (
    PUBLISHERS,
    BadFile,
    FileContext,
    baci_code_table,
    detect,
    ragged_line,
    read,
)
from tradecli.product_levels import (
    HS_CHAPTERS as HS_CHAPTERS,  # moved: importable from here as before
)
from tradecli.product_levels import (
    Coverage,
    add_derived_totals,
    complete_flows,
    coverage_of,
    is_complete,
)

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from tradecli.cache import Cache

SLICE_ROWS = 300_000  # rows of one slice held as strings (about 60 MB; 575 MB peak, 25 x 10M)
SLICE_WORKERS = 2  # slices in flight at once: peak memory ~ SLICE_WORKERS x SLICE_ROWS
READ_ROWS = 6 * SLICE_ROWS  # numeric rows read back in one scan (about 55 MB)
BACI_LEVEL = "hs6"  # BACI's products: a year's totals are summed from them when complete

# A BACI year's CSV as a local file (a zip member is extracted for the block's duration).
Opened = Callable[[BaciYear], AbstractContextManager[BaciYear]]
# One written slice: its rows, its TOTAL rows (kept for the year's totals), its countries.
Slice = tuple[int, pl.DataFrame, set[str]]


class SliceChecks(TypedDict):
    """What the typed read of one BACI CSV found, for the release's stats."""

    rows: int
    bad: int  # rows that did not parse or map (0, or the file is refused)
    self_trade: int
    lo: int | None  # first and last year (None: no rows)
    hi: int | None
    chapters: dict[int, set[str]]  # year -> HS chapters seen


class BaciReleaseNote(TypedDict):
    edition: str
    version: str
    years: list[int]
    products_table: str | None


class ImportAnnotations(TypedDict, total=False):
    """The annotations an import keeps with its cache entry (JSON in the metadata)."""

    source_id: str
    title: str
    publisher: str
    format: str
    release: BaciReleaseNote  # a whole BACI release
    rows_read: int
    skipped: dict[str, int]  # reason -> rows left out
    coverage: Coverage
    unused_columns: list[str]
    units: list[str]


def baci_mapping(ctx: FileContext) -> dict[int, str]:
    return {int(c): iso3 for c, iso3 in baci_code_table(ctx).items() if c.isdigit()}


def _separators(path: Path) -> int:
    """The commas in a file: (columns - 1) x lines when every line has the header's fields.

    Counted in blocks at about 1 GB/s (a few per cent of the import): the typed read
    fills a missing last field with null, as it does an empty one, so only the count
    tells a line that lacks one.
    """
    count = 0
    block = bytearray(1 << 22)  # one buffer, refilled: no 4 MB allocation per read
    with open(path, "rb") as f:
        while n := f.readinto(block):
            count += block.count(b",", 0, n)
    return count


def baci_slices(
    year: BaciYear, mapping: dict[int, str], work: Path, counter: Executor
) -> tuple[Path, list[list[list[int]]], SliceChecks]:
    """Validate one BACI CSV with typed, streaming reads; plan its exporter slices.

    The CSV is parsed once into a compact numeric parquet file in ``work`` (streaming:
    memory does not grow with the file). The plan is a list of reads, each a list of
    slices, each a range of exporters (in ISO3 order) of at most about SLICE_ROWS rows;
    one read holds at most about READ_ROWS numeric rows, so the file is read back a few
    times, not once per slice. A bad row raises BadFile naming its line. ``counter``
    counts the commas while polars parses (it frees the GIL): the import's own idle
    pool, not a thread per year (each new thread's malloc arena kept its buffers: ~4 MB
    more resident memory a year, 100 MB over a 25-year release).
    """
    _check_header(year)
    commas = counter.submit(_separators, year.path)
    numeric, per_exporter = _typed_read(year, mapping, work)
    found = per_exporter.select(
        pl.col("rows", "bad", "self_trade").sum(), pl.col("lo").min(), pl.col("hi").max()
    ).row(0, named=True)
    if found["bad"] or per_exporter["i"].null_count():
        raise first_bad_line(year.path, mapping, year.year, year.name) or unreadable(year.name)
    if commas.result() != (len(BACI_SCHEMA) - 1) * (int(found["rows"]) + 1):
        # A line with fewer fields (polars refused more), or a comma inside quotes.
        ragged = ragged_line(year.path, year.name, fewer=True)
        if ragged is not None:
            raise ragged
    checks = SliceChecks(
        rows=found["rows"],
        bad=found["bad"],
        self_trade=found["self_trade"],
        lo=found["lo"],
        hi=found["hi"],
        chapters=_chapters(numeric),
    )
    return numeric, _plan_reads(per_exporter, mapping), checks


def _check_header(year: BaciYear) -> None:
    """Columns are read by position, and every line is checked for six fields: a header
    that is not exactly t,i,j,k,v,q is refused by name, not as "not a BACI file"."""
    with open(year.path, encoding="utf-8-sig", errors="replace") as f:
        original = [c.strip() for c in f.readline().strip().split(",")]
    if [normalise_column(c) for c in original] != list(BACI_SCHEMA):
        raise BadFile(
            f"{year.name}: not a BACI file: expected columns t, i, j, k, v, q (in this "
            f"order); found {', '.join(original[:20])}",
            hint="a BACI file's header is t,i,j,k,v,q; q (the quantity) may be empty",
        )


def _typed_read(year: BaciYear, mapping: dict[int, str], work: Path) -> tuple[Path, pl.DataFrame]:
    """The CSV as a numeric parquet file, and per exporter its rows and bad rows."""
    numeric = work / f"numeric-{year.path.stem}.parquet"
    try:
        (
            pl.scan_csv(
                year.path, glob=False, schema=BACI_SCHEMA, null_values=["NA"], has_header=True
            )
            # q, metric tons, is kept as a quantity (null where BACI has none; text
            # that is no number is no quantity, never a refused file). Read anyway:
            # left out, polars would never see a line with more fields than q.
            .select(
                "t",
                "i",
                "j",
                "k",
                "v",
                q=pl.col("q").str.strip_chars().cast(pl.Float64, strict=False),
            )
            # A blank line (or ",,,,,", the end of a sheet) is no row: not a bad year.
            .filter(pl.any_horizontal(pl.col(c).is_not_null() for c in "tijkv"))
            .sink_parquet(numeric, compression="lz4", statistics=False)
        )
    except Exception:  # a value that does not parse, or a line too long: name its line
        raise first_bad_line(year.path, mapping, year.year, year.name) or unreadable(
            year.name
        ) from None
    known = pl.Series(list(mapping), dtype=pl.Int32).implode()
    per_exporter = (
        pl.scan_parquet(numeric, glob=False)
        .group_by("i")
        .agg(
            rows=pl.len(),
            bad=(
                ~pl.col("i").cast(pl.Int32).is_in(known)
                | ~pl.col("j").cast(pl.Int32).is_in(known)
                | pl.col("v").is_null()
                | (pl.col("v") < 0)
                | ~pl.col("v").is_finite()
                | ~(pl.col("v") * 1000.0).is_finite()
                | ~pl.col("k").is_between(0, 999_999)
                | ~pl.col("t").is_between(1900, dt.date.today().year)
                | (pl.lit(False) if year.year is None else pl.col("t") != year.year)
                | pl.any_horizontal(pl.col("t", "i", "j", "k", "v").is_null())
            ).sum(),
            self_trade=(pl.col("i") == pl.col("j")).sum(),
            lo=pl.col("t").min(),
            hi=pl.col("t").max(),
        )
        .collect()
    )
    return numeric, per_exporter


def _plan_reads(per_exporter: pl.DataFrame, mapping: dict[int, str]) -> list[list[list[int]]]:
    """Exporters (in ISO3 order) in slices of about SLICE_ROWS, reads of about READ_ROWS."""
    counts = (
        per_exporter.with_columns(
            n=pl.col("rows") - pl.col("self_trade"),
            iso=pl.col("i").cast(pl.Int64).replace_strict(mapping, return_dtype=pl.String),
        )
        .filter(pl.col("n") > 0)
        .sort("iso")
    )
    reads: list[list[list[int]]] = []
    slices: list[list[int]] = []
    bucket: list[int] = []
    held = in_read = 0
    for code, n in counts.select("i", "n").iter_rows():
        if bucket and held + n > SLICE_ROWS:
            slices.append(bucket)
            bucket, held = [], 0
            if in_read >= READ_ROWS:
                reads.append(slices)
                slices, in_read = [], 0
        bucket.append(code)
        held += n
        in_read += n
    if bucket:
        slices.append(bucket)
    if slices:
        reads.append(slices)
    return reads


def _chapters(numeric: Path) -> dict[int, set[str]]:
    """Each year's HS chapters among the rows kept: what completeness is judged on.

    About a hundred codes a year, whatever the size of the file (memory stays bounded).
    """
    seen = (
        pl.scan_parquet(numeric, glob=False)
        .filter(pl.col("i") != pl.col("j"))
        .group_by("t")
        .agg((pl.col("k") // 10_000).unique())
        .collect()
    )
    return {int(t): {f"{c:02d}" for c in ks} for t, ks in seen.iter_rows()}


def read_slices(numeric: Path, read: list[list[int]]) -> Iterator[pl.DataFrame]:
    """The rows of each slice of one read: one scan of the numeric file, split in memory."""
    codes = [code for exporters in read for code in exporters]
    block = (
        pl.scan_parquet(numeric, glob=False)
        .select("t", "i", "j", "k", "v", "q")
        .filter(
            pl.col("i").is_in(pl.Series(codes, dtype=pl.Int16).implode())
            & (pl.col("i") != pl.col("j"))
        )
        .collect()
    )
    if len(read) == 1:
        yield block
        return
    for exporters in read:
        yield block.filter(pl.col("i").is_in(pl.Series(exporters, dtype=pl.Int16).implode()))


_known_q = pl.col("q").is_finite() & (pl.col("q") >= 0)


def baci_canonical(
    part: pl.DataFrame,
    mapping: dict[int, str],
    year: BaciYear,
    source_id: str,
    with_totals: set[int],
) -> pl.DataFrame:
    """BACI rows (numeric) -> canonical flows, sorted for the cache, with TOTAL rows
    derived for the years in ``with_totals`` (complete years; a TOTAL has no edition)."""
    # One int64 key in the order the cache wants (exporter, importer, year, TOTAL then
    # products): ranks follow ISO3 order. Sorting and duplicate checks on one integer
    # are several times faster than on four columns or on strings.
    rank = {code: n for n, (code, _iso3) in enumerate(sorted(mapping.items(), key=lambda x: x[1]))}
    pair = (
        pl.col("i").cast(pl.Int64).replace_strict(rank, return_dtype=pl.Int64) * 1000
        + pl.col("j").cast(pl.Int64).replace_strict(rank, return_dtype=pl.Int64)
    ) * 10_000 + pl.col("t").cast(pl.Int64)
    keyed = part.with_columns(_key=pair * 10_000_000 + pl.col("k") + 1)
    if keyed.select(pl.col("_key").is_duplicated().any()).item():
        twice = keyed.filter(pl.col("_key").is_duplicated()).row(0, named=True)
        raise duplicate(year, mapping, twice)
    years = set(keyed["t"].unique().to_list())  # one, in a year's file
    # No copy of the slice when every year has its totals (the usual case): a filtered
    # copy of two slices in flight cost ~90 MB of peak memory on a 25-year release.
    summed = keyed if years <= with_totals else keyed.filter(pl.col("t").is_in(sorted(with_totals)))
    totals = (  # grouped on one integer (the flow's key without its product)
        summed.group_by(_key=(pl.col("_key") // 10_000_000) * 10_000_000)
        .agg(pl.col("i", "j", "t").first(), pl.col("v").sum())
        .with_columns(k=pl.lit(-1, pl.Int32), q=pl.lit(None, pl.Float64))  # sorts first
    )
    return (
        pl.concat([keyed, totals.select(keyed.columns)])
        .sort("_key")
        .lazy()
        .select(
            exporter=pl.col("i").cast(pl.Int64).replace_strict(mapping, return_dtype=pl.String),
            importer=pl.col("j").cast(pl.Int64).replace_strict(mapping, return_dtype=pl.String),
            reporter=pl.lit(None, pl.String),
            period=pl.date(pl.col("t"), 1, 1),
            frequency=pl.lit("year"),
            product=pl.when(pl.col("k") < 0)
            .then(pl.lit(schema.TOTAL))
            .otherwise(pl.col("k").cast(pl.String).str.zfill(6)),
            value=pl.col("v") * 1000.0,  # BACI values are thousands of USD
            currency=pl.lit("USD"),
            source=pl.lit(source_id),
            quantity=pl.when(_known_q).then(pl.col("q")),
            quantity_unit=pl.when(_known_q).then(pl.lit("t")),  # BACI's metric tons
            hs_edition=pl.when(pl.col("k") >= 0).then(schema.baci_edition(source_id)),
        )
        .collect()
    )


class BaciStats(Struct):
    rows_read: int = 0
    rows: int = 0
    totals: int = 0
    self_trade: int = 0
    first_year: int = 9999
    last_year: int = 0
    chapters: dict[int, set[str]] = field(default_factory=dict)  # year -> HS chapters seen
    countries: set[str] = field(default_factory=set)  # ISO3 codes of the rows stored

    def complete_years(self) -> set[int]:
        """The years whose products are a complete level: only they get TOTAL rows."""
        return {y for y, cs in self.chapters.items() if is_complete(BACI_LEVEL, cs)}


def write_baci(
    years: list[BaciYear],
    mapping: dict[int, str],
    build: Path,
    source_id: str,
    *,
    opened: Opened | None = None,
    stats: BaciStats,
) -> tuple[int, set[str]]:
    """Write BACI year files into ``build`` as ``part-{year}-{slice}.parquet``.

    One year, and of it SLICE_WORKERS exporter slices, at a time: memory is bounded
    by SLICE_WORKERS x SLICE_ROWS whatever the size of the release. ``opened(year)`` is a context
    manager giving the CSV's path (a zip member extracted to a temp file).
    """
    from concurrent.futures import ThreadPoolExecutor

    from tradecli.cache import DATASET_ROW_GROUP

    countries: set[str] = set()

    def write_slice(
        part: pl.DataFrame, target: Path, year: BaciYear, with_totals: set[int]
    ) -> Slice:
        """Products to ``target``; the slice's (few) TOTAL rows go back to the caller."""
        frame = baci_canonical(part, mapping, year, source_id, with_totals)
        total = frame["product"] == schema.TOTAL
        frame.filter(~total).write_parquet(
            target, row_group_size=DATASET_ROW_GROUP, statistics=True
        )
        names = set(frame["exporter"].unique().to_list()) | set(
            frame["importer"].unique().to_list()
        )
        return frame.height, frame.filter(total), names

    def collect(future: Future[Slice]) -> pl.DataFrame:
        rows, totals, names = future.result()
        stats.rows += rows
        stats.totals += totals.height
        countries.update(names)
        return totals

    def write_year_totals(frames: list[pl.DataFrame], target: Path) -> None:
        # A year's TOTAL rows (~0.6 % of the rows), merged across years at the end.
        if frames:
            pl.concat(frames).write_parquet(target, statistics=True)

    work = build / "_work"
    work.mkdir()
    yearly = build / "_totals"
    yearly.mkdir()
    # Two slices in flight: one being mapped and sorted while the other is written
    # (polars releases the GIL), which keeps both cores busy between parallel kernels.
    pool = ThreadPoolExecutor(SLICE_WORKERS, "baci-slice")
    try:
        _write_years(
            years,
            work,
            build,
            mapping,
            stats,
            opened,
            pool,
            write_slice,
            collect,
            write_year_totals,
        )
    finally:
        pool.shutdown(cancel_futures=True)
    work.rmdir()
    merge_totals(yearly, build)
    return stats.rows, countries


def _write_years(
    years: list[BaciYear],
    work: Path,
    build: Path,
    mapping: dict[int, str],
    stats: BaciStats,
    opened: Opened | None,
    pool: Executor,
    write_slice: Callable[[pl.DataFrame, Path, BaciYear, set[int]], Slice],
    collect: Callable[[Future[Slice]], pl.DataFrame],
    write_year_totals: Callable[[list[pl.DataFrame], Path], None],
) -> None:
    import contextlib

    for year in years:
        with (opened or (lambda y: contextlib.nullcontext(y)))(year) as local:
            numeric, reads, checks = baci_slices(local, mapping, work, pool)
            stats.rows_read += int(checks["rows"])
            stats.self_trade += int(checks["self_trade"])
            lo, hi = checks["lo"], checks["hi"]
            if checks["rows"] and lo is not None and hi is not None:  # rows have years
                stats.first_year = min(stats.first_year, int(lo))
                stats.last_year = max(stats.last_year, int(hi))
            for t, chapters in checks["chapters"].items():
                stats.chapters.setdefault(t, set()).update(chapters)
            with_totals = stats.complete_years()
            tag = year.year if year.year is not None else local.path.stem
            parts = (part for read in reads for part in read_slices(numeric, read))
            pending: list[Future[Slice]] = []
            totals: list[pl.DataFrame] = []  # in slice order: sorted by exporter, importer
            for n, part in enumerate(parts):
                target = build / f"part-{tag}-{n:03d}.parquet"
                pending.append(pool.submit(write_slice, part, target, local, with_totals))
                del part
                while len(pending) >= SLICE_WORKERS:  # at most SLICE_WORKERS slices held
                    totals.append(collect(pending.pop(0)))
            totals += [collect(future) for future in pending]
            write_year_totals(totals, build / "_totals" / f"{tag}.parquet")
        for tmp in work.iterdir():
            tmp.unlink()


def merge_totals(yearly: Path, build: Path) -> None:
    """The years' TOTAL rows as ``part-totals-NNN.parquet``, each a range of exporters
    sorted by exporter, importer and period, in small row groups.

    A question about total trade (balance, series, partners over any years) then reads
    these few files alone: one or two row groups for a pair, a few for a country's
    exports. Memory stays bounded: a file of at most about TOTALS_ROWS rows at a time.
    """
    from tradecli.cache import TOTALS_ROWS, write_totals

    files = sorted(yearly.glob("*.parquet"))
    if files:
        scan = pl.scan_parquet(files, glob=False)
        counts = scan.group_by("exporter").len().sort("exporter").collect()
        groups: list[list[str]] = [[]]
        held = 0
        for exporter, n in counts.iter_rows():
            if groups[-1] and held + n > TOTALS_ROWS:
                groups.append([])
                held = 0
            groups[-1].append(exporter)
            held += n
        for i, group in enumerate(groups):
            frame = scan.filter(pl.col("exporter").is_in(group)).collect()
            write_totals(frame, build / f"part-totals-{i:03d}.parquet")
    for file in files:
        file.unlink()
    yearly.rmdir()


SELF_TRADE = "rows where a country trades with itself (reporter = partner)"


class ImportSummary(Struct, frozen=True):
    source_id: str
    format: ImportFormat
    flows: int  # rows stored, derived totals included
    derived_totals: int
    countries: int
    start: str
    end: str
    content: str  # "totals", "products" or "products and totals"
    skipped: dict[str, int]  # reason -> rows left out
    entry: Path
    coverage: Coverage
    currency: str  # one code, or several joined by "," when each row names its own
    replaced: list[str] = field(default_factory=list)  # earlier imports of the file, described
    unused_columns: list[str] = field(default_factory=list)  # the file's columns not read
    units: list[str] = field(default_factory=list)  # scales the file stated, as applied
    notes: list[str] = field(default_factory=list)  # where the file disagrees with the cache


def refuse_skips(path: Path, skipped: dict[str, int]) -> None:
    """--strict: any row left out is an error naming every reason."""
    if skipped:
        reasons = "; ".join(f"{count} {reason}" for reason, count in skipped.items())
        raise BadFile(
            f"{path}: --strict, and rows would be skipped: {reasons}",
            hint="fix the file, or import without --strict to skip them",
        )


def import_into_cache(
    cache: Cache,
    path: Path,
    fmt: ImportFormat | None = None,
    *,
    baci_codes: Path | None = None,
    year: int | None = None,
    currency: str | None = None,
    strict: bool = False,
    today: dt.date | None = None,
) -> ImportSummary:
    """Read ``path`` and store it in ``cache`` as one dataset entry; all or nothing.

    The entry is keyed by the file's name: importing a file of the same name again
    (edited, or not) replaces the earlier import in one rename, and the summary says
    what it replaced and how the flows changed.
    """
    from tradecli.periods import Frequency, Period

    fmt = fmt or detect(path)
    source_id = f"import:{path.stem}"
    key = f"import-{path.name}"
    annotations: ImportAnnotations = {
        "source_id": source_id,
        "title": f"{path.name} (imported file)",
        "publisher": PUBLISHERS[fmt],
        "format": fmt.value,
    }
    previous = cache.file_imports(path.name)
    if fmt is ImportFormat.BACI:
        if currency not in (None, "USD"):
            raise BadFile(
                f"{path}: {PUBLISHERS[fmt]} values are in US dollars, not {currency}",
                hint="drop --currency",
            )
        ctx = FileContext(path=path, label="line", offset=2, year=None, baci_codes=baci_codes)
        summary = _store_baci(
            cache,
            [BaciYear(path, None)],
            baci_mapping(ctx),
            key=key,
            source_id=source_id,
            annotations=annotations,
            url=str(path.resolve()),
            cube=path.name,
            strict=strict,
            supersedes=path.name,
        )
        summary.replaced.extend(replaced_imports(cache, previous, None, summary.flows))
        return summary
    imported = read(
        path,
        fmt,
        baci_codes=baci_codes,
        year=year,
        currency=currency,
        source_id=source_id,
        today=today,
    )
    skipped = imported.skipped
    if strict:
        refuse_skips(path, skipped)
    flows = complete_flows(imported.frame)  # once, for both
    coverage = coverage_of(imported.frame, flows)
    frame, derived = add_derived_totals(imported.frame, flows)
    if frame.is_empty():
        reasons = "; ".join(f"{count} {reason}" for reason, count in skipped.items())
        raise BadFile(
            f"{path}: nothing to import: every row was skipped ({reasons or 'no flows'})",
            hint="the summary of a successful import counts such rows; see the README's "
            "Importing files",
        )
    frequency = Frequency(frame["frequency"][0])
    start = Period.from_date(frame["period"].min(), frequency)  # type: ignore[arg-type]
    end = Period.from_date(frame["period"].max(), frequency)  # type: ignore[arg-type]
    currencies = sorted(frame["currency"].unique().to_list())
    notes = disagreements(cache, frame, path.name)
    replaced = replaced_imports(cache, previous, frame, frame.height)
    annotations["rows_read"] = imported.rows_read
    annotations["skipped"] = skipped
    annotations["coverage"] = coverage
    annotations["unused_columns"] = imported.unused_columns
    annotations["units"] = imported.units
    entry = cache.put_dataset(
        key,
        frame.partition_by("exporter"),
        start=start,
        end=end,
        url=str(path.resolve()),
        currency=",".join(currencies),
        annotations=annotations,
        dataset=path.name,
        supersedes=path.name,
    )
    # Counted from the frame, not re-read: a concurrent import may replace the entry.
    totals = int((frame["product"] == schema.TOTAL).sum())
    products = frame.height - totals
    content = "totals" if not products else "products" if not totals else "products and totals"
    countries = set(frame["exporter"].unique().to_list()) | set(
        frame["importer"].unique().to_list()
    )
    return ImportSummary(
        source_id=source_id,
        format=fmt,
        flows=frame.height,
        derived_totals=derived,
        countries=len(countries),
        start=str(start),
        end=str(end),
        content=content,
        skipped=skipped,
        entry=entry,
        coverage=coverage,
        currency=",".join(currencies),
        replaced=replaced,
        unused_columns=imported.unused_columns,
        notes=notes,
        units=imported.units,
    )


def baci_coverage(chapters: dict[int, set[str]]) -> Coverage:
    """What BACI files cover, judged year by year by ``is_complete`` (as other files are).

    A year whose HS6 codes miss an HS chapter (a filtered extract) is some products
    only: no TOTAL rows are derived for it. ``chapters`` is each year's chapters seen.
    """
    partial = {
        str(y): sorted(cs) for y, cs in sorted(chapters.items()) if not is_complete(BACI_LEVEL, cs)
    }
    some_total = len(partial) < len(chapters)
    return {
        "total": not partial,
        "declared_total": False,
        "derived_from": BACI_LEVEL if some_total else None,
        "levels": [BACI_LEVEL],
        "complete_levels": [] if partial else [BACI_LEVEL],
        "products": [],
        "chapters": sorted(set().union(*chapters.values())),
        "years_without_total": partial,
    }


def _store_baci(
    cache: Cache,
    years: list[BaciYear],
    mapping: dict[int, str],
    *,
    key: str,
    source_id: str,
    annotations: ImportAnnotations,
    url: str,
    cube: str,
    strict: bool,
    opened: Opened | None = None,
    fmt: ImportFormat = ImportFormat.BACI,
    supersedes: str | None = None,
) -> ImportSummary:
    """BACI file(s) -> one cache entry, a year and a slice at a time (bounded memory)."""
    from tradecli.cache import TOTALS_GLOB
    from tradecli.periods import Period

    stats = BaciStats()
    label = Path(url)

    def build(directory: Path) -> tuple[int, set[str], Period, Period]:
        rows, countries = write_baci(
            years, mapping, directory, source_id, opened=opened, stats=stats
        )
        stats.countries = countries
        if not rows:
            raise BadFile(f"{label}: no rows between two different countries")
        skipped = {SELF_TRADE: stats.self_trade} if stats.self_trade else {}
        if strict:
            refuse_skips(label, skipped)
        # The entry's metadata is written after the files: fill in what they hold.
        coverage = baci_coverage(stats.chapters)
        annotations["rows_read"] = stats.rows_read
        annotations["skipped"] = skipped
        annotations["coverage"] = coverage
        return rows, countries, Period(stats.first_year), Period(stats.last_year)

    entry = cache.put_built_dataset(
        key,
        build,
        url=url,
        currency="USD",
        annotations=annotations,
        dataset=cube,
        # Total-trade questions may read the TOTAL files alone only if every year has
        # its totals; else the entry is read whole, and a year without says so.
        totals=lambda: TOTALS_GLOB if annotations["coverage"]["total"] else "",
        supersedes=supersedes,
    )
    return ImportSummary(
        source_id=source_id,
        format=fmt,
        flows=stats.rows,
        derived_totals=stats.totals,
        countries=len(stats.countries),
        start=str(Period(stats.first_year)),
        end=str(Period(stats.last_year)),
        content="products and totals" if stats.totals else "products",
        skipped=dict(annotations["skipped"]),
        entry=entry,
        coverage=annotations["coverage"].copy(),
        currency="USD",
    )
