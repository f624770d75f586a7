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
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer._click import exceptions as _click_exceptions
from typer._click.core import Context as _ClickContext
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType

from tradecli import __version__
from tradecli.cli._output import QUIET, emit, resolve_request
from tradecli.cli._output import _console as _console
from tradecli.cli._output import _dump_json as _dump_json
from tradecli.cli._output import _emit_list as _emit_list
from tradecli.config import ColorMode, Config, OutputFormat, load_config
from tradecli.errors import ExitCode, TradecliError, UsageError
from tradecli.periods import Compare, Convention

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from tradecli.commands import Request, SourceSpec, WindowSpec


# "\b" keeps click from re-wrapping the example lines.
class _ErrorBoundary(TyperGroup):
    """Turns TradecliError into a message and exit code; the only place that does.

    It also lets the global options stand before or after the subcommand.
    """

    def parse_args(self, ctx: _ClickContext, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _globals_first(args))

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: _ClickContext | None = None,
        **extra: Any,  # click's own context settings, passed through
    ) -> _ClickContext:
        # The global options are parsed here, before invoke: their mistakes too.
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _click_exceptions.NoArgsIsHelpError as exc:
            _no_command(exc)
        except _click_exceptions.UsageError as exc:
            _print_error(*_usage_message(exc))
            raise typer.Exit(int(ExitCode.USAGE)) from None

    def invoke(self, ctx: _ClickContext) -> object:
        try:
            return super().invoke(ctx)
        except _click_exceptions.NoArgsIsHelpError as exc:
            _no_command(exc)  # `tradecli cache` alone: the group's help, then what to type
        except _click_exceptions.UsageError as exc:
            # click's own parameter errors (bad choice, no such option, missing
            # argument, a directory where a file is wanted): one Error + Hint, like ours.
            _print_error(*_usage_message(exc))
            raise typer.Exit(int(ExitCode.USAGE)) from None
        except TradecliError as exc:
            _print_error(exc.message, exc.hint or _default_hint(ctx, exc))
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            _print_error("interrupted", None)
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _usage_message(exc: _click_exceptions.UsageError) -> tuple[str, str]:
    """click's UsageError as our one-line message and a hint that says what to do."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    command = exc.ctx.command_path if exc.ctx is not None else "tradecli"
    hint = f"run `{command} --help`"
    if isinstance(exc, _click_exceptions.NoSuchOption):
        if exc.possibilities:
            message = f"No such option: {exc.option_name}"
            hint = f"did you mean {' or '.join(sorted(exc.possibilities))}? ({hint})"
    elif "unexpected extra argument" in message and _takes_countries(exc.ctx):
        # `balance United States JPN`: the shell split a name at its space.
        hint = (
            'quote a country name with spaces ("United States", "South Korea") or give its '
            f"code (USA, KOR); {hint}"
        )
    elif isinstance(exc, _click_exceptions.BadParameter) and exc.param is not None:
        choices = getattr(exc.param.type, "choices", None)
        if choices:
            names = ", ".join(str(getattr(c, "value", c)) for c in choices)
            hint = f"choose one of: {names}"
        elif "is a directory" in message:
            example = "config.toml" if exc.param.name == "config" else "out.csv"
            hint = f"give a file's path, e.g. DIRECTORY/{example}"
        elif "does not exist" in message:
            hint = (
                "check the path (relative paths start from the current directory); "
                'quote a path with spaces ("my trade.csv")'
            )
    return message, hint


def _takes_countries(ctx: _ClickContext | None) -> bool:
    """Whether the command of ``ctx`` takes country arguments (REPORTER, PARTNER)."""
    params = getattr(getattr(ctx, "command", None), "params", [])
    return any(getattr(p, "name", None) in ("reporter", "partner") for p in params)


def _default_hint(ctx: _ClickContext, exc: TradecliError) -> str | None:
    """A hint for a user mistake raised without one: every usage error says what to do."""
    from tradecli.config import SEE_EXAMPLE
    from tradecli.errors import ConfigError

    if isinstance(exc, ConfigError):
        return SEE_EXAMPLE
    if isinstance(exc, UsageError):
        command = " ".join(filter(None, ["tradecli", ctx.invoked_subcommand]))
        return f"run `{command} --help`"
    return None


def _no_command(exc: _click_exceptions.NoArgsIsHelpError) -> NoReturn:
    """`tradecli` (or a group) alone: its help, then the Error and Hint pair every usage
    mistake ends with, exit 2. Cron mails it; a person sees what to type."""
    exc.show()
    path = exc.ctx.command_path
    hint = (
        f"try {path} balance PAK JPN --from 2024-08 (the embedded sample), or {path} --help"
        if exc.ctx.parent is None
        else f"add one of the commands listed above (see {path} --help)"
    )
    _print_error(f"no command given to {path}", hint)
    raise typer.Exit(int(ExitCode.USAGE))


def _print_error(message: str, hint: str | None) -> None:
    # Plain writes: an error must reach stderr even if rich is what failed.
    sys.stderr.write(f"Error: {message}\n")
    if hint:
        sys.stderr.write(f"Hint: {hint}\n")


class _Command(TyperCommand):
    """A command whose usage line names arguments as words: REPORTER, not {REPORTER}."""

    def collect_usage_pieces(self, ctx: _ClickContext) -> list[str]:
        pieces: list[str] = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


class _Typer(typer.Typer):
    """typer.Typer whose commands use _Command unless told otherwise.

    Run as the program, it builds only the command the arguments name: typer turns
    every command's signature into click parameters on each run (~10 ms for all of
    them, ~3 ms for one), and a run uses one. Anything else (no command, an option
    before it such as --help, shell completion) builds them all.
    """

    def command(
        self, *args: Any, cls: Any = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(*args, cls=cls or _Command, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        argv = kwargs.get("args", args[0] if args else None)
        return typer.Typer.__call__(
            self.narrowed(sys.argv[1:] if argv is None else list(argv)), *args, **kwargs
        )

    def narrowed(self, argv: list[str]) -> typer.Typer:
        """This app with only the command ``argv`` invokes, or itself if that is unclear."""
        import copy

        from typer.main import get_command_name

        if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
            return self  # shell completion lists every command
        if _lists_only(argv):
            # `tradecli --help`: every command's name and summary, none built in full.
            listed = copy.copy(self)
            listed.registered_commands = [
                getattr(c, "listing", lambda c=c: c)() for c in self.registered_commands
            ]
            return listed
        name = _invoked_name(argv)
        commands = [
            c
            for c in self.registered_commands
            if (c.name or get_command_name(c.callback.__name__ if c.callback else "")) == name
        ]
        groups = [g for g in self.registered_groups if g.name == name]
        if len(commands) + len(groups) != 1:
            return self
        narrowed = copy.copy(self)
        narrowed.registered_commands, narrowed.registered_groups = commands, groups
        return narrowed


_GLOBAL_FLAGS = frozenset({"--quiet", "-q", "--verbose", "-v", "--no-color"})
_GLOBAL_VALUED = frozenset({"--config"})


def _invoked_name(args: list[str]) -> str | None:
    """The command name ``args`` invoke: the first word after the global options."""
    rest = _globals_first(args)
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg in _GLOBAL_FLAGS or arg.split("=", 1)[0] in _GLOBAL_VALUED and "=" in arg:
            i += 1
        elif arg in _GLOBAL_VALUED:
            i += 2
        else:
            return None if arg.startswith("-") else arg
    return None


_EAGER = frozenset({"--help", "-h", "--version", "-V"})


def _lists_only(args: list[str]) -> bool:
    """Whether ``args`` print the app's help (or version) and run no command.

    No arguments, or --help / --version before any command (click acts on them at once).
    """
    if not args:
        return True
    rest = _globals_first(args)
    i = 0
    while i < len(rest) and (rest[i] in _GLOBAL_FLAGS or rest[i] in _GLOBAL_VALUED):
        i += 2 if rest[i] in _GLOBAL_VALUED else 1
    return i < len(rest) and rest[i] in _EAGER


def _globals_first(args: list[str]) -> list[str]:
    """Move the global options (wherever they stand, before ``--``) to the front."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg in _GLOBAL_FLAGS or arg.split("=", 1)[0] in _GLOBAL_VALUED and "=" in arg:
            front.append(arg)
        elif arg in _GLOBAL_VALUED and i + 1 < len(args):
            front.extend(args[i : i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


app = _Typer(
    cls=_ErrorBoundary,
    context_settings={"help_option_names": ["-h", "--help"]},
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
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print only results and errors: no notices or warnings."
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Say more: e.g. every file `report` writes.")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour, whatever output.color says.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """tradecli: trade balances between any two countries, offline-first.

    The options above may also follow the command: `tradecli balance PAK JPN -q`.
    """
    if quiet and verbose:
        raise UsageError("--quiet and --verbose contradict each other", hint="give one of them")
    # Tests may pass {"transport": httpx transport} as obj; the CLI itself never does.
    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    ctx.obj = {**obj, "config_path": config, "quiet": quiet, "verbose": verbose}
    ctx.obj["no_color"] = no_color


FormatOption = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", help="Output format [default: from config, else table]."),
]


OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Never use the network: cache, then the embedded sample.")
]
RefreshOption = Annotated[
    bool, typer.Option("--refresh", help="Fetch from the live source even if the cache is fresh.")
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


SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        metavar="SOURCE",
        help="Live source to ask: oec or comtrade [default: sources.order in the config, "
        "else oec then comtrade]; cached data of other sources are not used.",
    ),
]
CurrencyOption = Annotated[
    str | None,
    typer.Option(
        "--currency",
        metavar="CODE",
        help="Show figures in CODE (USD, EUR, JPY...), converted with ECB reference rates "
        "where the data are in another currency, or `native` for the data's own currency "
        "[default: output.currency, else USD].",
    ),
]


FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="PERIOD",
        help="Base period: YYYY-MM, YYYY, YYYY-Qn or FYYYYY "
        "[default: --to a year earlier, or as --compare says].",
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
    from tradecli import api

    settings, request = resolve_request(ctx, settings, request, output)
    _refresh_can_apply(settings, request.source)
    with _progress(settings) as progress:
        answer = api.answer(
            request,
            config=settings,
            warn=_warn,
            progress=progress,
            transport=ctx.obj.get("transport"),
        )
    emit(settings, output, answer.document)
    degraded = answer.provenance.exit_code
    if degraded is not ExitCode.OK:
        # The answer was printed, from expired data or the embedded sample because the
        # fetch failed: say so to scripts and cron with an exit code of its own.
        raise typer.Exit(int(degraded))


def _refresh_can_apply(settings: Config, spec: SourceSpec) -> None:
    """--refresh when no live source may be asked is a usage error, never ignored."""
    if not spec.refresh or spec.offline:  # --offline --refresh: source_spec says so
        return
    from tradecli.config import NetworkMode
    from tradecli.sources import network_allowed
    from tradecli.sources.registry import live_order

    order = live_order(settings, spec.source)
    if any(network_allowed(settings, False, s, chosen=spec.source == s.name) for s in order):
        return
    where = f" in {settings.path}" if settings.path else ""
    if settings.network is NetworkMode.NEVER:
        raise UsageError(
            f'--refresh fetches from the network, and api.network is "never"{where}',
            hint='drop --refresh, or set api.network = "auto" (with OEC_TOKEN set) or "always"',
        )
    raise UsageError(
        "--refresh fetches from the network, which is used only with a token: "
        "OEC_TOKEN (or COMTRADE_KEY) is not set",
        hint='set OEC_TOKEN, or api.network = "always" in the config, or drop --refresh',
    )


def _to_output(settings: Config, output: Path | None, write: Callable[[], None]) -> None:
    """Run ``write`` (which prints to stdout) into --output, atomically; ``-`` is stdout."""
    if output is None or str(output) == "-":
        write()
        return
    import contextlib
    import io

    from tradecli.fsutil import write_atomic

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        write()
    write_atomic(output, buffer.getvalue())
    if not QUIET[0]:
        sys.stderr.write(f"Wrote {output}\n")


def _warn(message: str) -> None:
    if not QUIET[0]:
        sys.stderr.write(f"Warning: {message}\n")


@contextmanager
def _progress(config: Config) -> Iterator[Callable[[int, int | None], None]]:
    """A rich progress bar on stderr, fed with rows fetched / total.

    Only on a terminal, and only once rows really arrive from the network: the
    bar starts at the first page, so reads of the cache or the sample show none.
    """
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from contextlib import ExitStack

    with ExitStack() as stack:
        started: list[tuple[Progress, TaskID]] = []  # the bar, once rows arrive

        def update(done: int, total: int | None) -> None:
            if not started:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

                console = Console(stderr=True, no_color=config.color is ColorMode.NEVER)
                bar = Progress(
                    TextColumn("fetching rows"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    console=console,
                    transient=True,
                )
                started.append((stack.enter_context(bar), bar.add_task("fetch", total=None)))
            shown, task = started[0]
            shown.update(task, completed=done, total=total)

        yield update


def _settings(ctx: typer.Context, **flags: object) -> Config:
    QUIET[0] = bool(ctx.obj.get("quiet"))
    if ctx.obj.get("no_color"):
        flags["color"] = ColorMode.NEVER
    return load_config(ctx.obj.get("config_path"), env=os.environ, flags=flags)


TopOption = Annotated[
    int, typer.Option("--top", min=1, max=1000, metavar="N", help="How many rows to show (1-1000).")
]


# -- the shared option groups ---------------------------------------------------------
# Every data command declares the same WindowOptions (--from --to --period --compare),
# SourceOptions (--offline --refresh --cube --source --currency), FormatOption and
# OutputOption, and turns them into a Request with the two helpers below;
# tests/test_cli.py checks that no data command lacks one.

WINDOW_OPTIONS = ("--from", "--to", "--period", "--compare")
SOURCE_OPTIONS = ("--offline", "--refresh", "--cube", "--source", "--currency")
OUTPUT_OPTIONS = ("--format", "--output")


def window_spec(
    from_: str | None,
    to: str | None,
    period: Convention = Convention.POINT,
    compare: Compare = Compare.YEAR,
) -> WindowSpec:
    """WindowOptions as the core takes them."""
    from tradecli.commands import WindowSpec

    return WindowSpec(from_=from_, to=to, period=period, compare=compare)


def source_spec(
    offline: bool,
    refresh: bool,
    cube: str | None,
    source: str | None = None,
    currency: str | None = None,
) -> SourceSpec:
    """SourceOptions as the core takes them; contradictory flags are a usage error."""
    from tradecli.commands import source_spec as checked

    return checked(offline, refresh, cube, source, currency)
