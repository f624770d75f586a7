"""Live sources and the cache: fetch, cache path | info | clear."""

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from tradecli.cli._app import (
    CubeOption,
    FormatOption,
    OutputOption,
    SourceOption,
    _console,
    _dump_json,
    _emit_list,
    _progress,
    _settings,
    _to_output,
    _Typer,
    _warn,
    app,
)
from tradecli.cli._output import resolve_format
from tradecli.config import Config, NetworkMode, OutputFormat
from tradecli.errors import TradecliError, UsageError

if TYPE_CHECKING:
    from tradecli.document import Value

EPILOG_FETCH = """\
\b
Examples:
  tradecli fetch PAK JPN --from 2023-01       # months, from Japan's customs cube
  tradecli fetch CHL ARG --from 2019 --to 2022 --cube trade_i_baci_a_92
  tradecli fetch PAK JPN --from 2024-01 --source comtrade   # keyless preview
"""


@app.command(epilog=EPILOG_FETCH, short_help="Fetch a pair from a live source into the cache.")
def fetch(
    ctx: typer.Context,
    reporter: Annotated[str, typer.Argument(metavar="REPORTER", help="Reporting country.")],
    partner: Annotated[str, typer.Argument(metavar="PARTNER", help="Partner country.")],
    from_: Annotated[
        str, typer.Option("--from", metavar="PERIOD", help="First period, YYYY-MM or YYYY.")
    ],
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="PERIOD", help="Last period [default: the cube's latest]."),
    ] = None,
    cube: CubeOption = None,
    source: SourceOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Fetch both flows between REPORTER and PARTNER from a live source into the cache.

    The source is --source, else the first of sources.order (default: the OEC).
    Needs the network (refused with api.network = "never"); OEC_TOKEN or
    COMTRADE_KEY is sent when set, never shown. Shows progress on stderr and
    prints a summary of what was stored; exits non-zero on failure and leaves the
    cache as it was.
    """
    from tradecli.cli._app import source_spec
    from tradecli.codes import resolve_country
    from tradecli.numfmt import format_amount
    from tradecli.periods import check_range, parse_period
    from tradecli.sources import PairRequest, fetch_into_cache, open_cache

    settings = resolve_format(
        _settings(ctx, format=output_format), output, explicit=output_format is not None
    )
    spec = source_spec(False, False, cube, source)
    if settings.network is NetworkMode.NEVER:
        raise UsageError(
            'fetch needs the network, and the config says api.network = "never"',
            hint=f'set api.network to "auto" or "always" in {settings.path or "the config"}',
        )
    today = dt.date.today()
    rep, par = resolve_country(reporter), resolve_country(partner)
    if rep.iso3 == par.iso3:
        raise UsageError(
            f"reporter and partner are both {rep.name} ({rep.iso3})",
            hint="name two different countries, e.g. tradecli fetch PAK JPN --from 2023-01",
        )
    start = parse_period(from_, today)
    end = parse_period(to, today) if to else None
    if end:
        check_range(start, end)
    cache = open_cache(settings, _warn)
    request = PairRequest(rep.iso3, par.iso3, start, end, cube, source=spec.source)
    with _progress(settings) as progress:
        entry, rows = fetch_into_cache(
            settings, cache, request, progress=progress, transport=ctx.obj.get("transport")
        )
    if entry is None:  # pragma: no cover - put() just wrote it
        raise TradecliError("the cache entry just written cannot be read back")
    record: dict[str, Value] = {
        "reporter": rep.iso3,
        "partner": par.iso3,
        "rows": rows,
        "from": str(entry.start),
        "to": str(entry.end),
        "source": entry.source,
        "cube": entry.cube,
        "currency": entry.currency,
        "url": entry.url,
        "entry": str(entry.path),
        "bytes": entry.size,
    }

    what = f"cube {entry.cube}" if entry.source == "oec" else f"{entry.source} {entry.dataset}"

    def summary() -> None:
        if settings.format is OutputFormat.TABLE:
            typer.echo(
                f"Stored {rows} rows for {rep.name} ({rep.iso3}) with {par.name} ({par.iso3}), "
                f"{entry.start}..{entry.end}, from {what} (values in {entry.currency})."
            )
            typer.echo(f"Source: {entry.url}")
            typer.echo(f"Cache entry: {entry.path} ({format_amount(entry.size, '')}B)")
        elif settings.format is OutputFormat.JSON:
            _dump_json(record)
        else:
            _emit_list(settings, "tradecli fetch", [(k, k) for k in record], [record])

    _to_output(settings, output, summary)


cache_app = _Typer(
    help="Inspect or empty the cache of fetched and imported data.\n\nExample: tradecli cache info",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("path", short_help="Print the cache directory.")
def cache_path(ctx: typer.Context) -> None:
    """Print the cache directory (TRADECLI_CACHE_DIR, cache.dir, or the platform's).

    Example: ls "$(tradecli cache path)"
    """
    from tradecli.config import cache_dir

    typer.echo(str(cache_dir(_settings(ctx))))


@cache_app.command("info", short_help="List the cached entries.")
def cache_info(
    ctx: typer.Context, output_format: FormatOption = None, output: OutputOption = None
) -> None:
    """List cached entries: pair, periods, cube, rows, fetch time and freshness.

    Also the scratch that killed imports or fetches left in the cache's tmp/, which
    the next import or fetch, or `tradecli cache clear`, removes.

    Example: tradecli cache info --format json
    """
    from tradecli.sources import open_cache

    settings = resolve_format(
        _settings(ctx, format=output_format), output, explicit=output_format is not None
    )
    cache = open_cache(settings, _warn)
    entries = cache.entries()
    scratch = cache.scratch_size()
    rows: list[dict[str, Value]] = [
        {
            "pair": f"{e.reporter}-{e.partner}" if e.kind == "fetch" else _import_pair(e.countries),
            "from": str(e.start),
            "to": str(e.end),
            "cube": e.cube,
            "currency": e.currency,
            "rows": e.rows,
            "bytes": e.size,
            "fetched_at": e.fetched_at.isoformat(timespec="seconds"),
            "fresh": cache.fresh(e),
            "url": e.url,
        }
        for e in entries
    ]

    def write() -> None:
        _print_entries(settings, str(cache.root), rows, scratch)
        if scratch and settings.format is not OutputFormat.JSON:
            # Tables say it on stdout, after the entries; the data formats keep stdout data.
            say = typer.echo if settings.format is OutputFormat.TABLE else _warn
            say(_scratch_line(scratch))

    _to_output(settings, output, write)


def _import_pair(countries: tuple[str, ...]) -> str:
    """What an imported file covers, as a person looks for it: its countries, by name
    when they are few ("import: JPN, PAK"), else how many."""
    if len(countries) <= 3:
        return f"import: {', '.join(sorted(countries))}"
    return f"import ({len(countries)} countries)"


def _scratch_line(size: int) -> str:
    """Why the disk is fuller than the entries: what a killed import or fetch left."""
    from tradecli.numfmt import format_amount

    return (
        f"tmp/ holds {format_amount(size, '')}B of scratch left by interrupted imports or "
        "fetches; the next import or fetch, or `tradecli cache clear`, removes it."
    )


def _print_entries(
    settings: Config, root: str, rows: "list[dict[str, Value]]", scratch: int = 0
) -> None:
    if settings.format is OutputFormat.JSON:
        _dump_json({"cache_dir": root, "entries": rows, "scratch_bytes": scratch})
        return
    if settings.format is OutputFormat.TABLE:
        _console(settings).print(f"Cache: {root}", soft_wrap=True)
        if not rows:
            _console(settings).print(
                "No cached entries. Fetch some with `tradecli fetch PAK JPN --from 2024-01`."
            )
            return
    columns = [
        ("pair", "Pair"),
        ("from", "From"),
        ("to", "To"),
        ("cube", "Cube"),
        ("rows", "Rows"),
        ("fetched_at", "Fetched"),
        ("fresh", "Fresh"),
    ]
    if settings.format is OutputFormat.TABLE:
        _print_folded(settings, f"tradecli cache {root}", columns, rows)
        return
    _emit_list(settings, f"tradecli cache {root}", columns, rows)


def _print_folded(
    settings: Config, title: str, columns: list[tuple[str, str]], rows: "list[dict[str, Value]]"
) -> None:
    """The table with long values (cube names, file names, times) folded onto more lines.

    Never cut with "…": a cube or file name shown in part cannot be found or typed.
    """
    from rich.table import Table as RichTable
    from rich.text import Text

    from tradecli.document import list_document
    from tradecli.render._layout import body, cells

    document = list_document(title, columns, rows)
    table = document.main
    lines = [cells(document, table, row) for row in body(table)]
    grid = RichTable(box=None)
    console = _console(settings)
    widest = [max([len(h), *(len(line[i]) for line in lines)]) for i, (_, h) in enumerate(columns)]
    # The cube (a file name for imports) folds into what the others leave (two cells of
    # padding each); the short columns, headings included, keep their whole width.
    others = sum(w for (key, _), w in zip(columns, widest, strict=True) if key != "cube")
    room = max(12, console.width - others - 2 * len(columns))
    for (key, heading), width in zip(columns, widest, strict=True):
        if key == "cube":
            grid.add_column(heading, overflow="fold", max_width=room)
        else:
            grid.add_column(heading, no_wrap=True, min_width=width)
    for line in lines:
        grid.add_row(*(Text(cell) for cell in line))
    console.print(grid)


@cache_app.command("clear", short_help="Delete cached entries.")
def cache_clear(
    ctx: typer.Context,
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            metavar="AGE",
            help="Only entries fetched more than AGE ago (e.g. 30d, 12h).",
        ),
    ] = None,
) -> None:
    """Delete cached entries (all of them, or those older than --older-than).

    Example: tradecli cache clear --older-than 30d
    """
    from tradecli.config import parse_duration
    from tradecli.sources import open_cache

    try:
        # An empty AGE is a mistake, never "everything": only a missing option means all.
        seconds = parse_duration(older_than) if older_than is not None else None
    except ValueError as exc:
        raise UsageError(
            f"--older-than {exc}",
            hint="give an age with its unit (s, m, h, d or w), e.g. --older-than 30d; "
            "leave the option out to clear everything",
        ) from None
    cache = open_cache(_settings(ctx), _warn)
    scratch = cache.scratch_size()  # clear() sweeps it once it holds the lock
    removed = cache.clear(seconds)
    typer.echo(f"Removed {removed} cache entr{'y' if removed == 1 else 'ies'}.")
    if scratch:
        from tradecli.numfmt import format_amount

        typer.echo(
            f"Removed {format_amount(scratch, '')}B of scratch left by interrupted imports "
            "or fetches."
        )
