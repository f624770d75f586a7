"""The `tradecli` command line: parse, call the core, render. Nothing else.

Domain errors are turned into ``Error: ...`` + hint on stderr and an exit code
in exactly one place, ``_ErrorBoundary.invoke``. Heavy modules (polars, the
renderers) are imported inside commands so that ``--help`` stays instant.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from tradecli import __version__
from tradecli.analysis_options import (
    FlowChoice,
    PartnerMeasure,
    PartnerSort,
    ProductLevel,
)
from tradecli.config import ColorMode, Config, OutputFormat, load_config
from tradecli.documents import Request
from tradecli.errors import ExitCode, TradecliError, UsageError
from tradecli.importer_options import ImportFormat
from tradecli.periods import Compare, Convention

if TYPE_CHECKING:
    from rich.console import Console


# "\b" keeps click from re-wrapping the example lines.
EPILOG_BALANCE = """\
\b
Examples:
  tradecli balance PAK JPN --from 2024-08     # Aug 2024 vs the latest month
  tradecli balance pakistan japan --from 2019-12 --to 2020-12
  tradecli balance CHL ARG --from 2002 --to 2004 --format json
  tradecli balance PAK JPN --offline          # cache or embedded sample only
"""


class _ErrorBoundary(TyperGroup):
    """Turns TradecliError into a message and exit code; the only place that does."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TradecliError as exc:
            _print_error(exc.message, exc.hint)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            _print_error("interrupted", None)
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _print_error(message: str, hint: str | None) -> None:
    # Plain writes: an error must reach stderr even if rich is what failed.
    sys.stderr.write(f"Error: {message}\n")
    if hint:
        sys.stderr.write(f"Hint: {hint}\n")


app = typer.Typer(
    cls=_ErrorBoundary,
    name="tradecli",
    help="Bilateral trade balances from OEC-style data: growth, deficits and where every "
    "figure comes from.\n\nRun `tradecli balance PAK JPN --from 2024-08` to see Pakistan's "
    "trade with Japan in August 2025 against August 2024 (works offline, from the embedded "
    "sample).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold the API token
    add_completion=True,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tradecli {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="PATH",
            help="Config file (default: $TRADECLI_CONFIG, then the platform config directory).",
            dir_okay=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """tradecli: trade balances between any two countries, offline-first."""
    # Tests may pass {"transport": httpx transport} as obj; the CLI itself never does.
    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    ctx.obj = {**obj, "config_path": config}


FormatOption = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", help="Output format [default: from config, else table]."),
]


OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Never use the network: cache, then the embedded sample.")
]
RefreshOption = Annotated[
    bool, typer.Option("--refresh", help="Fetch from the OEC even if the cache is fresh.")
]
CubeOption = Annotated[
    str | None,
    typer.Option(
        "--cube",
        metavar="CUBE",
        help="OEC cube to query [default: api.annual_cube for "
        "years; the reporter's, else the partner's, national monthly cube for months].",
    ),
]


FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="PERIOD",
        help="Base period: YYYY-MM, YYYY, YYYY-Qn or FYYYYY [default: per --compare, from --to].",
    ),
]
ToOption = Annotated[
    str | None,
    typer.Option(
        "--to",
        metavar="PERIOD",
        help="Period compared with --from, of the same kind "
        "[default: the latest in the data for the pair].",
    ),
]
PeriodOption = Annotated[
    Convention,
    typer.Option(
        "--period",
        help="point: --from against --to; ytd: year to date; fiscal-ytd; "
        "ttm: trailing twelve months; window: --from..--to summed. The last four "
        "compare with the same months a year earlier.",
    ),
]
CompareOption = Annotated[
    Compare,
    typer.Option(
        "--compare",
        help="Base when --from is not given: the same period a year earlier, or the previous one.",
    ),
]


def _dump_json(doc: object) -> None:
    json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="PATH",
        dir_okay=False,
        help="Write to PATH (atomically: "
        "a temp file renamed into place; parent directories are created) instead of stdout.",
    ),
]


def render_document(
    settings: Config, doc: dict[str, Any], print_table: Callable[[Console], None]
) -> str:
    """The document in the configured format, as text (deterministic for the same inputs)."""
    from tradecli import outputs

    fmt = settings.format
    if fmt is OutputFormat.JSON:
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt is OutputFormat.CSV:
        return outputs.to_csv(doc)
    if fmt is OutputFormat.MARKDOWN:
        return outputs.to_markdown(doc)
    if fmt is OutputFormat.HTML:
        return outputs.to_html(doc)
    import io

    from rich.console import Console

    buffer = io.StringIO()
    print_table(
        Console(
            file=buffer,
            width=settings.width or 100,
            no_color=True,
            color_system=None,
            highlight=False,
            soft_wrap=False,
            emoji=False,
        )
    )
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def _emit(
    settings: Config,
    output: Path | None,
    doc: dict[str, Any],
    print_table: Callable[[Console], None],
) -> None:
    """Send a command's result to stdout or, atomically, to --output."""
    live = sys.stdout.isatty() or settings.color is ColorMode.ALWAYS
    if output is None and settings.format is OutputFormat.TABLE and live:
        print_table(_console(settings))  # a terminal: colour, the terminal's width
        return
    text = render_document(settings, doc, print_table)
    if output is None:
        sys.stdout.write(text)
        return
    from tradecli.outputs import write_atomic

    try:
        write_atomic(output, text)
    except OSError as exc:
        raise UsageError(
            f"cannot write {output}: {exc.strerror}",
            hint="check the directory exists or can be created, and is writable",
        ) from None
    sys.stderr.write(f"Wrote {output}\n")


def _run(ctx: typer.Context, settings: Config, request: Request, output: Path | None) -> None:
    from tradecli.documents import build

    with _progress(settings) as progress:
        document = build(
            settings, request, warn=_warn, progress=progress, transport=ctx.obj.get("transport")
        )
    _emit(settings, output, document.doc, document.print_table)


def _emit_list(
    settings: Config, title: str, columns: list[tuple[str, str]], records: list[dict[str, Any]]
) -> None:
    """Print a plain list (code tables) in the configured format."""
    if settings.format is OutputFormat.JSON:
        _dump_json(records)
        return
    if settings.format is not OutputFormat.TABLE:
        from tradecli.outputs import list_document

        sys.stdout.write(list_document(settings.format.value, title, columns, records))
        return
    from rich.table import Table
    from rich.text import Text

    grid = Table(*(heading for _, heading in columns), box=None)
    for record in records:
        grid.add_row(*(Text("" if record[k] is None else str(record[k])) for k, _ in columns))
    _console(settings).print(grid)


def _warn(message: str) -> None:
    sys.stderr.write(f"Warning: {message}\n")


@contextmanager
def _progress(config: Config) -> Iterator[Callable[[int, int | None], None]]:
    """A rich progress bar on stderr (only on a terminal), fed with rows fetched / total."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True, no_color=config.color is ColorMode.NEVER)
    with Progress(
        TextColumn("fetching rows"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("fetch", total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _settings(ctx: typer.Context, **flags: Any) -> Config:
    return load_config(ctx.obj.get("config_path"), env=os.environ, flags=flags)


def _console(config: Config) -> Console:
    from rich.console import Console

    force = {ColorMode.ALWAYS: True, ColorMode.NEVER: False}.get(config.color)
    width = config.width
    if width is None and not sys.stdout.isatty():
        width = 100  # stable output for cron and pipes
    return Console(
        file=sys.stdout,
        force_terminal=force if config.color is ColorMode.ALWAYS else None,
        no_color=config.color is ColorMode.NEVER,
        color_system="auto" if force is not False else None,
        width=width,
        highlight=False,
        soft_wrap=False,
        emoji=False,  # data never contains :emoji: codes; skip loading the table
    )


@app.command(epilog=EPILOG_BALANCE)
def balance(
    ctx: typer.Context,
    reporter: Annotated[
        str,
        typer.Argument(
            metavar="REPORTER",
            help="Reporting country: ISO3 (PAK), ISO2, M49, OEC id (aspak) or English name.",
        ),
    ],
    partner: Annotated[
        str, typer.Argument(metavar="PARTNER", help="Partner country, in any of the same forms.")
    ],
    from_: FromOption = None,
    to: ToOption = None,
    period: PeriodOption = Convention.POINT,
    compare: CompareOption = Compare.YEAR,
    mirror: Annotated[
        bool,
        typer.Option("--mirror", help="Also show the partner's reported figures and the gap."),
    ] = False,
    output: OutputOption = None,
    output_format: FormatOption = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
    cube: CubeOption = None,
) -> None:
    """Exports, imports and trade balance of REPORTER with PARTNER over two periods.

    Balance is exports minus imports from REPORTER's side; growth is
    (to - from) / from x 100, left empty (with a note) when a figure is missing,
    a month of a window is missing, or the base is zero. Every figure names its
    source. Periods: months (2024-08), years (2024), quarters (2025-Q2), fiscal
    years (FY2025, see periods.fiscal_year_start).
    """
    settings = _settings(ctx, format=output_format)
    request = Request(
        "balance",
        reporter,
        partner,
        from_,
        to,
        period,
        compare,
        mirror=mirror,
        offline=offline,
        refresh=refresh,
        cube=cube,
        chart=settings.format is OutputFormat.HTML,
    )
    _run(ctx, settings, request, output)


TopOption = Annotated[int, typer.Option("--top", min=1, max=1000, help="How many rows to show.")]


@app.command(
    epilog="""\
\b
Examples:
  tradecli products CHL ARG --from 2004 --level hs2
  tradecli products CHL ARG --from 2004 --flow imports --level hs4 --top 5
"""
)
def products(
    ctx: typer.Context,
    reporter: Annotated[str, typer.Argument(metavar="REPORTER", help="Reporting country.")],
    partner: Annotated[str, typer.Argument(metavar="PARTNER", help="Partner country.")],
    flow: Annotated[
        FlowChoice, typer.Option("--flow", help="Which flow to break down.")
    ] = FlowChoice.EXPORTS,
    level: Annotated[
        ProductLevel, typer.Option("--level", help="Product level.")
    ] = ProductLevel.HS4,
    top: TopOption = 10,
    from_: FromOption = None,
    to: ToOption = None,
    period: PeriodOption = Convention.POINT,
    compare: CompareOption = Compare.YEAR,
    output_format: FormatOption = None,
    output: OutputOption = None,
    offline: OfflineOption = False,
) -> None:
    """Top products of REPORTER's exports to (or imports from) PARTNER.

    Shows HS names, value, share of the flow and growth, with an "All other"
    row so that shares add up to 100 %. Products come from product-level data
    (the embedded sample has Chile-Argentina 2004 at HS6; add more with
    `tradecli import`).
    """
    settings = _settings(ctx, format=output_format)
    request = Request(
        "products",
        reporter,
        partner,
        from_,
        to,
        period,
        compare,
        flow=flow.value,
        level=level.value,
        top=top,
        offline=offline,
    )
    _run(ctx, settings, request, output)


@app.command(
    epilog="""\
\b
Examples:
  tradecli partners PAK --from 2006 --sort deficit
  tradecli partners CHL --from 2002 --to 2006 --flow exports --top 5
"""
)
def partners(
    ctx: typer.Context,
    reporter: Annotated[str, typer.Argument(metavar="REPORTER", help="Reporting country.")],
    flow: Annotated[
        PartnerMeasure,
        typer.Option(
            "--flow", help="What value and growth measure: exports, imports or both (trade)."
        ),
    ] = PartnerMeasure.TRADE,
    sort: Annotated[
        PartnerSort,
        typer.Option(
            "--sort",
            help="value: biggest first; deficit / surplus: largest first; growth: fastest first.",
        ),
    ] = PartnerSort.VALUE,
    top: TopOption = 10,
    from_: FromOption = None,
    to: ToOption = None,
    period: PeriodOption = Convention.POINT,
    compare: CompareOption = Compare.YEAR,
    output_format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """REPORTER's top partners, biggest surpluses or deficits, with balance and growth.

    Reads cached and imported data involving REPORTER, else the embedded sample
    (all pairs of 166 countries in 2006; Chile's partners in 2002).
    """
    settings = _settings(ctx, format=output_format)
    request = Request(
        "partners",
        reporter,
        None,
        from_,
        to,
        period,
        compare,
        flow=flow.value,
        top=top,
        sort=sort.value,
    )
    _run(ctx, settings, request, output)


@app.command(
    epilog="""\
\b
Examples:
  tradecli series PAK JPN --from 2019-11 --to 2021-01
  tradecli series PAK JPN --from 2023-01 --to 2025-08 --format json
"""
)
def series(
    ctx: typer.Context,
    reporter: Annotated[str, typer.Argument(metavar="REPORTER", help="Reporting country.")],
    partner: Annotated[str, typer.Argument(metavar="PARTNER", help="Partner country.")],
    from_: FromOption = None,
    to: ToOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
    cube: CubeOption = None,
) -> None:
    """One row per month (or year) of exports, imports and balance, with a chart.

    Periods without data are shown as n/a, never as zero, and the chart leaves
    a gap for them.
    """
    settings = _settings(ctx, format=output_format)
    request = Request(
        "series", reporter, partner, from_, to, offline=offline, refresh=refresh, cube=cube
    )
    _run(ctx, settings, request, output)


@app.command(
    "import",
    epilog="""\
\b
Examples:
  tradecli import comtrade_extract.csv
  tradecli import BACI_HS92_Y2022_V202401.csv --baci-codes country_codes_V202401.csv
  tradecli import oec_output.json --format oec-json
""",
)
def import_file(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="The file to import.", exists=True, dir_okay=False, readable=True
        ),
    ],
    file_format: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="File format [default: detected from the content]."),
    ] = None,
    baci_codes: Annotated[
        Path | None,
        typer.Option(
            "--baci-codes",
            metavar="FILE",
            help="BACI's country_codes file (default: UN M49 codes with BACI's known exceptions).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            min=1900,
            max=2999,
            help="The year of a file that has no time column and covers exactly one year.",
        ),
    ] = None,
    currency: Annotated[
        str, typer.Option("--currency", help="Currency of the file's values (ISO 4217).")
    ] = "USD",
) -> None:
    """Load a downloaded trade file into the cache, in the canonical schema.

    Reads OEC API output (JSON or CSV), UN Comtrade (API JSON or CSV export),
    CEPII BACI (values in thousands of USD) and the tidy CSV
    reporter,partner,flow,period,value_usd[,product]. A bad row is reported with
    its line number and nothing is imported; re-importing a file replaces it.
    """
    from tradecli.importers import import_into_cache
    from tradecli.sources import open_cache

    settings = _settings(ctx)
    if not (len(currency) == 3 and currency.isalpha()):
        raise UsageError(f"--currency {currency!r} is not an ISO 4217 code", hint="e.g. USD, EUR")
    cache = open_cache(settings, _warn)
    done = import_into_cache(
        cache, path, file_format, baci_codes=baci_codes, year=year, currency=currency.upper()
    )
    typer.echo(
        f"Imported {done.flows} flows from {path.name} ({done.format.value}): "
        f"{done.countries} countries, {done.start}..{done.end}, {done.content}, "
        f"values in {currency.upper()}."
    )
    if done.derived_totals:
        typer.echo(
            f"Derived {done.derived_totals} total-goods rows as the sum of each flow's "
            "products (the file has none)."
        )
    for reason, count in done.skipped.items():
        typer.echo(f"Skipped {count} rows: {reason}.")
    typer.echo(f"Source id: {done.source_id}; cache entry: {done.entry}")


@app.command("products-codes")
def products_codes(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Code prefix (8703, 03) or words of the name.")],
    output_format: FormatOption = None,
) -> None:
    """Search the HS 2022 product codes (sections, HS2, HS4, HS6).

    Example: tradecli products-codes "shrimps frozen"
    """
    from tradecli.codes import search_hs

    settings = _settings(ctx, format=output_format)
    found = search_hs(query)
    if not found:
        raise UsageError(
            f"no HS code matches {query!r}", hint="try fewer words, or a code prefix such as 0306"
        )
    records = [
        {
            "code": c.code,
            "level": c.level,
            "section": c.section or None,
            "description": c.description,
        }
        for c in found
    ]
    _emit_list(
        settings,
        f"HS codes matching {query!r}",
        [
            ("code", "Code"),
            ("level", "Level"),
            ("section", "Section"),
            ("description", "Description"),
        ],
        records,
    )


@app.command()
def countries(
    ctx: typer.Context,
    query: Annotated[
        str | None, typer.Argument(help="Part of a name or code; all when omitted.")
    ] = None,
    output_format: FormatOption = None,
) -> None:
    """List country codes tradecli understands, optionally filtered by QUERY.

    Example: tradecli countries korea
    """
    from tradecli.codes import load_countries, normalise

    settings = _settings(ctx, format=output_format)
    table = load_countries()
    wanted = normalise(query) if query else ""
    rows = []
    for country in table.by_iso3.values():
        names = [
            country.iso3,
            country.iso2,
            country.m49,
            country.oec_id,
            country.name,
            country.official_name,
            *country.aliases,
        ]
        if not wanted or any(wanted in normalise(n) for n in names if n):
            rows.append(country)
    if not rows:
        raise UsageError(
            f"no country matches {query!r}", hint="try a shorter part of the name, or an ISO3 code"
        )
    records = [
        {
            "iso3": c.iso3,
            "iso2": c.iso2 or None,
            "m49": c.m49 or None,
            "oec_id": c.oec_id,
            "name": c.name,
            "current": c.current,
        }
        for c in rows
    ]
    _emit_list(
        settings,
        "Countries" + (f" matching {query!r}" if query else ""),
        [
            ("iso3", "ISO3"),
            ("iso2", "ISO2"),
            ("m49", "M49"),
            ("oec_id", "OEC id"),
            ("name", "Name"),
            ("current", "Current"),
        ],
        records,
    )


@app.command("config-path")
def config_path(ctx: typer.Context) -> None:
    """Print the config file tradecli reads, and whether it exists.

    Example: cp config.toml "$(tradecli config-path)"
    """
    from tradecli.config import config_file

    path, _ = config_file(ctx.obj.get("config_path"), os.environ)
    typer.echo(str(path))
    if not path.exists():
        sys.stderr.write("(the file does not exist; built-in defaults apply)\n")


EPILOG_FETCH = """\
\b
Examples:
  tradecli fetch PAK JPN --from 2023-01       # months, from Japan's customs cube
  tradecli fetch CHL ARG --from 2019 --to 2022 --cube trade_i_baci_a_92
"""


@app.command(epilog=EPILOG_FETCH)
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
) -> None:
    """Fetch both flows between REPORTER and PARTNER from the OEC API into the cache.

    Needs the network; OEC_TOKEN (or api.token) is sent when set. Shows progress
    on stderr and prints a summary of what was stored; exits non-zero on failure
    and leaves the cache as it was.
    """
    from tradecli.codes import resolve_country
    from tradecli.numfmt import format_amount
    from tradecli.periods import check_range, parse_period
    from tradecli.sources import PairRequest, fetch_into_cache, open_cache

    settings = _settings(ctx)
    today = dt.date.today()
    rep, par = resolve_country(reporter), resolve_country(partner)
    if rep.iso3 == par.iso3:
        raise UsageError(f"reporter and partner are both {rep.name} ({rep.iso3})")
    start = parse_period(from_, today)
    end = parse_period(to, today) if to else None
    if end:
        check_range(start, end)
    cache = open_cache(settings, _warn)
    request = PairRequest(rep.iso3, par.iso3, start, end, cube)
    with _progress(settings) as progress:
        entry, rows = fetch_into_cache(
            settings, cache, request, progress=progress, transport=ctx.obj.get("transport")
        )
    if entry is None:  # pragma: no cover - put() just wrote it
        raise TradecliError("the cache entry just written cannot be read back")
    typer.echo(
        f"Stored {rows} rows for {rep.name} ({rep.iso3}) with {par.name} ({par.iso3}), "
        f"{entry.start}..{entry.end}, from cube {entry.cube} (values in {entry.currency})."
    )
    typer.echo(f"Source: {entry.url}")
    typer.echo(f"Cache entry: {entry.path} ({format_amount(entry.size, '')}B)")


cache_app = typer.Typer(
    help="Inspect or empty the cache of fetched OEC data.\n\nExample: tradecli cache info",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("path")
def cache_path(ctx: typer.Context) -> None:
    """Print the cache directory (TRADECLI_CACHE_DIR, cache.dir, or the platform's).

    Example: ls "$(tradecli cache path)"
    """
    from tradecli.config import cache_dir

    typer.echo(str(cache_dir(_settings(ctx))))


@cache_app.command("info")
def cache_info(ctx: typer.Context, output_format: FormatOption = None) -> None:
    """List cached entries: pair, periods, cube, rows, fetch time and freshness.

    Example: tradecli cache info --format json
    """
    from tradecli.sources import open_cache

    settings = _settings(ctx, format=output_format)
    cache = open_cache(settings, _warn)
    entries = cache.entries()
    rows = [
        {
            "pair": f"{e.reporter}-{e.partner}"
            if e.kind == "fetch"
            else f"import ({len(e.countries)} countries)",
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
    if settings.format is OutputFormat.JSON:
        _dump_json({"cache_dir": str(cache.root), "entries": rows})
        return
    if settings.format is OutputFormat.TABLE:
        _console(settings).print(f"Cache: {cache.root}", soft_wrap=True)
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
    _emit_list(settings, f"tradecli cache {cache.root}", columns, rows)


@cache_app.command("clear")
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
        seconds = parse_duration(older_than) if older_than else None
    except ValueError as exc:
        raise UsageError(f"--older-than {exc}") from None
    removed = open_cache(_settings(ctx), _warn).clear(seconds)
    typer.echo(f"Removed {removed} cache entr{'y' if removed == 1 else 'ies'}.")


EPILOG_REPORT = """\
\b
Examples:
  tradecli report                      # every [[report]] in the config
  tradecli report --name pak-jpn-monthly --dry-run
\b
Crontab (08:00 on the 20th of each month):
  0 8 20 * * TRADECLI_CONFIG=$HOME/tradecli.toml tradecli report 2>>$HOME/tradecli.log
"""


@app.command(epilog=EPILOG_REPORT)
def report(
    ctx: typer.Context,
    name: Annotated[
        list[str] | None,
        typer.Option("--name", metavar="NAME", help="Run only this report (repeatable)."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Say what would be fetched and written; write nothing and use no network.",
        ),
    ] = False,
) -> None:
    """Run the [[report]] entries of the config file: files, manifest, alerts, revisions.

    Each report is written atomically in each of its formats, then a manifest.json
    lists what was produced. One failing report does not stop the others. Exit
    codes: 0 all written, 6 all written with alerts (one line each on stderr),
    7 some reports failed.
    """
    from dataclasses import replace

    from tradecli import reports
    from tradecli.documents import build

    settings = _settings(ctx)
    specs = list(settings.reports)
    if not specs:
        raise UsageError(
            f"no [[report]] entries in {settings.path or 'the config file'}",
            hint="add some: see `tradecli report` in the README and the example at the end "
            "of config.toml",
        )
    if name:
        known = {s.name for s in specs}
        unknown = [n for n in name if n not in known]
        if unknown:
            raise UsageError(
                f"no report named {unknown[0]!r}",
                hint=f"reports in the config: {', '.join(sorted(known))}",
            )
        specs = [s for s in specs if s.name in name]

    def build_spec(spec: Any) -> Any:
        request = reports.request_for(spec)
        if dry_run:
            request = replace(request, offline=True)
        return build(settings, request, warn=_warn, transport=ctx.obj.get("transport"))

    def render(fmt: str, doc: dict[str, Any], document: Any) -> str:
        return render_document(
            replace(settings, format=OutputFormat(fmt)), doc, document.print_table
        )

    if dry_run:
        for spec in specs:
            outcome = reports.run_one(spec, build_spec, render, dry_run=True)
            source = "cache, then the OEC API" if settings.network.value != "never" else "cache"
            typer.echo(
                f"{spec.name}: {spec.command} {spec.reporter}"
                f"{' ' + spec.partner if spec.partner else ''}, period {spec.period}; "
                f"would read {source}, else the embedded sample"
            )
            if outcome.status == "failed":
                typer.echo(f"  (offline, it cannot be built yet: {outcome.error})")
                plan = [
                    str(
                        spec.output_dir
                        / spec.filename.format(
                            name=spec.name,
                            period="{period}",
                            command=spec.command,
                            ext=reports.EXTENSIONS[f],
                        )
                    )
                    for f in spec.formats
                ]
            else:
                plan = outcome.plan
            for path in plan:
                typer.echo(f"  would write {path}")
        return

    def run_all() -> list[Any]:
        outcomes = [reports.run_one(spec, build_spec, render) for spec in specs]
        by_dir: dict[Path, list[Any]] = {}
        for spec, outcome in zip(specs, outcomes, strict=True):
            by_dir.setdefault(spec.output_dir, []).append(outcome)
        from tradecli.outputs import write_atomic

        for directory, group in by_dir.items():
            path = directory / reports.MANIFEST
            write_atomic(path, json.dumps(reports.manifest(group), indent=2) + "\n")
        return outcomes

    outcomes = reports.locked_run([s.output_dir for s in specs], run_all)
    for spec, outcome in zip(specs, outcomes, strict=True):
        if outcome.status == "ok":
            files = ", ".join(str(spec.output_dir / f["path"]) for f in outcome.files)
            typer.echo(f"ok      {spec.name} ({outcome.period}): {files}")
            for change in outcome.revisions:
                typer.echo(
                    f"        revised {change['period']} {change['measure']}: "
                    f"{change['old']} -> {change['new']}"
                )
        else:
            typer.echo(f"FAILED  {spec.name}: {outcome.error}")
            sys.stderr.write(f"Error: report {spec.name}: {outcome.error}\n")
    for outcome in outcomes:
        for message in outcome.alerts:
            sys.stderr.write(f"ALERT {message}\n")
    if any(o.status != "ok" for o in outcomes):
        raise typer.Exit(int(ExitCode.PARTIAL))
    if any(o.alerts for o in outcomes):
        raise typer.Exit(int(ExitCode.ALERT))


def main() -> None:
    """Console-script entry point."""
    app()
