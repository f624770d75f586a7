"""The `tradecli` application object, the error boundary and what commands share.

Domain errors are turned into ``Error: ...`` + hint on stderr and an exit code
in exactly one place, ``_ErrorBoundary.invoke``. Heavy modules (polars, the
renderers) are imported inside functions so that ``--help`` stays instant.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from tradecli import __version__
from tradecli.cli._output import _console as _console
from tradecli.cli._output import _dump_json as _dump_json
from tradecli.cli._output import _emit_list as _emit_list
from tradecli.cli._output import emit, resolve_request
from tradecli.config import ColorMode, Config, OutputFormat, load_config
from tradecli.documents import Request
from tradecli.errors import ExitCode, TradecliError
from tradecli.periods import Compare, Convention

if TYPE_CHECKING:
    pass


# "\b" keeps click from re-wrapping the example lines.
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


def _run(ctx: typer.Context, settings: Config, request: Request, output: Path | None) -> None:
    from tradecli.documents import build

    settings, request = resolve_request(ctx, settings, request, output)
    with _progress(settings) as progress:
        document = build(
            settings, request, warn=_warn, progress=progress, transport=ctx.obj.get("transport")
        )
    emit(settings, output, document)


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


TopOption = Annotated[int, typer.Option("--top", min=1, max=1000, help="How many rows to show.")]
