"""Data commands: one CLI command per entry of ``tradecli.commands.COMMANDS``.

Every data command gets the same arguments (REPORTER, and PARTNER when it needs
one), the shared options (window, source, format, output) and the options its
``Command.options`` names, each declared once below. A command added to the
registry is on the command line, in `--help` and in the tests without an edit here.
Each is registered by name: its module is imported only when typer builds it, so a
run of `tradecli balance` never imports the other commands.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from msgspec import Struct
from typer.models import CommandInfo

from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort, ProductLevel
from tradecli.cli._app import (
    CompareOption,
    CubeOption,
    CurrencyOption,
    FormatOption,
    FromOption,
    OfflineOption,
    OutputOption,
    PeriodOption,
    RefreshOption,
    SourceOption,
    ToOption,
    TopOption,
    _Command,
    _run,
    _settings,
    app,
    source_spec,
    window_spec,
)
from tradecli.commands import COMMANDS, Command, Request
from tradecli.config import OutputFormat
from tradecli.periods import Compare, Convention

CountryArgument = Annotated[
    str,
    typer.Argument(
        metavar="REPORTER",
        help="Reporting country: ISO3 (PAK), ISO2, M49, OEC id (aspak) or English name.",
        show_default=False,
    ),
]
PartnerArgument = Annotated[
    str,
    typer.Argument(
        metavar="PARTNER", help="Partner country, in any of the same forms.", show_default=False
    ),
]
ProductOption = Annotated[
    list[str] | None,
    typer.Option(
        "--product",
        metavar="CODE",
        help="Answer for these products only, not total trade: an HS section (S01..S21), "
        "or an HS code of 2, 4 or 6 digits. Repeat for several (--product 0306 "
        "--product 1605); each is summed at one HS level.",
        show_default=False,
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Leave growth empty when its two figures come from different sources or "
        "sides (reported vs mirror) [config: output.strict].",
    ),
]
MirrorOption = Annotated[
    bool, typer.Option("--mirror", help="Also show the partner's reported figures and the gap.")
]
LevelOption = Annotated[ProductLevel, typer.Option("--level", help="Product level.")]
SortOption = Annotated[
    PartnerSort,
    typer.Option(
        "--sort",
        help="value: biggest first; deficit / surplus: largest first; growth: fastest first.",
    ),
]

_P = inspect.Parameter


def _option(name: str, command: Command) -> _P:
    """The parameter of one of ``Command.options`` (see ``tradecli.commands.OPTIONS``)."""
    if name == "flow":
        assert command.flow is not None  # Command checks that a flow option has choices
        flow = Annotated[command.flow, typer.Option("--flow", help=command.flow_help)]  # type: ignore[name-defined]
        return _P("flow", _P.KEYWORD_ONLY, annotation=flow, default=command.default_flow)
    annotation, default = {
        "sort": (SortOption, PartnerSort.VALUE),
        "level": (LevelOption, ProductLevel.HS4),
        "top": (TopOption, 10),
        "mirror": (MirrorOption, False),
        "product": (ProductOption, None),
        "strict": (StrictOption, False),
    }[name]
    return _P(name, _P.KEYWORD_ONLY, annotation=annotation, default=default)


# The order --help lists them in: arguments, the command's own choices, the window, the
# command's flags, then output and source.
_LEADING = ("flow", "sort", "level", "top")


def _parameters(command: Command) -> list[_P]:
    params = [_P("ctx", _P.KEYWORD_ONLY, annotation=typer.Context)]
    params.append(_P("reporter", _P.KEYWORD_ONLY, annotation=CountryArgument))
    if command.needs_partner:
        params.append(_P("partner", _P.KEYWORD_ONLY, annotation=PartnerArgument))
    own = [o for o in _LEADING if o in command.options]
    params += [_option(o, command) for o in own]
    params += [
        _P("from_", _P.KEYWORD_ONLY, annotation=FromOption, default=None),
        _P("to", _P.KEYWORD_ONLY, annotation=ToOption, default=None),
        _P("period", _P.KEYWORD_ONLY, annotation=PeriodOption, default=Convention.POINT),
        _P("compare", _P.KEYWORD_ONLY, annotation=CompareOption, default=Compare.YEAR),
    ]
    late = ("product", "strict")  # after --cube, as balance has always listed them
    params += [_option(o, command) for o in command.options if o not in (*own, *late)]
    params += [
        _P("output", _P.KEYWORD_ONLY, annotation=OutputOption, default=None),
        _P("output_format", _P.KEYWORD_ONLY, annotation=FormatOption, default=None),
        _P("offline", _P.KEYWORD_ONLY, annotation=OfflineOption, default=False),
        _P("refresh", _P.KEYWORD_ONLY, annotation=RefreshOption, default=False),
        _P("cube", _P.KEYWORD_ONLY, annotation=CubeOption, default=None),
    ]
    params += [_option(o, command) for o in late if o in command.options]
    params += [
        _P("source", _P.KEYWORD_ONLY, annotation=SourceOption, default=None),
        _P("currency", _P.KEYWORD_ONLY, annotation=CurrencyOption, default=None),
    ]
    return params


def _products(codes: list[str] | None) -> tuple[str, ...]:
    """--product values; commas also separate codes (--product 0306,1605)."""
    return tuple(c.strip() for value in codes or () for c in value.split(",") if c.strip())


class ParsedOptions(Struct, frozen=True, kw_only=True):
    """A data command's options as typer parsed them (the parameters of ``_parameters``)."""

    reporter: str
    partner: str | None = None
    from_: str | None
    to: str | None
    period: Convention
    compare: Compare
    output: Path | None
    output_format: OutputFormat | None
    offline: bool
    refresh: bool
    cube: str | None
    source: str | None
    currency: str | None
    flow: FlowChoice | PartnerMeasure | None = None
    sort: PartnerSort = PartnerSort.VALUE
    level: ProductLevel = ProductLevel.HS4
    top: int = 10
    mirror: bool = False
    product: list[str] | None = None
    strict: bool = False


def request_from_options(command: Command, o: ParsedOptions) -> Request:
    """The request the parsed options of ``command`` make."""
    return Request(
        command=command.name,
        reporter=o.reporter,
        partner=o.partner,
        window=window_spec(o.from_, o.to, o.period, o.compare),
        source=source_spec(o.offline, o.refresh, o.cube, o.source, o.currency),
        flow=o.flow,
        level=o.level,
        top=o.top,
        sort=o.sort,
        mirror=o.mirror,
        products=_products(o.product),
        strict=o.strict,
    )


def _callback(command: Command) -> Callable[..., None]:
    def run(ctx: typer.Context, **options: object) -> None:
        parsed = ParsedOptions(**options)  # type: ignore[arg-type]  # typer checked each type
        request = request_from_options(command, parsed)
        command.check(request)  # before the config is read: a usage error says so first
        settings = _settings(ctx, format=parsed.output_format)
        _run(ctx, settings, request, parsed.output)

    params = _parameters(command)
    run.__name__ = run.__qualname__ = command.name
    run.__doc__ = command.help
    run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run


def _epilog(command: Command) -> str:
    # "\b" keeps click from re-wrapping the example lines.
    return "\b\nExamples:\n" + "".join(f"  {line}\n" for line in command.examples)


def register(group: typer.Typer, command: Command) -> None:
    """Add ``command`` to ``group`` as a CLI command with the shared options and its own."""
    group.command(name=command.name, short_help=command.summary, epilog=_epilog(command))(
        _callback(command)
    )


class _Registered(CommandInfo):
    """The CLI command of ``COMMANDS[name]``, resolved when typer first reads it.

    typer reads the callback (its parameters and help), the short help and the epilog
    only when it builds the command: a run builds one command, so only that command's
    module is imported. What typer builds is what ``register`` would have given it.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name, cls=_Command)

    @property
    def _info(self) -> CommandInfo:
        info: CommandInfo | None = self.__dict__.get("_resolved")
        if info is None:
            command = COMMANDS[self.__dict__["name"]]
            info = CommandInfo(
                command.name,
                cls=_Command,
                callback=_callback(command),
                short_help=command.summary,
                epilog=_epilog(command),
            )
            self.__dict__["_resolved"] = info
        return info

    # CommandInfo.__init__ sets these to None; the command's own values replace them.
    callback = property(lambda self: self._info.callback, lambda self, _: None)
    short_help = property(lambda self: self._info.short_help, lambda self, _: None)
    epilog = property(lambda self: self._info.epilog, lambda self, _: None)

    def listing(self) -> CommandInfo:
        """The command as `tradecli --help` lists it (name, summary), its module unloaded.

        Only for an app that lists its commands and runs none (``_Typer.narrowed``).
        """
        name = self.__dict__["name"]

        def listed() -> None:
            raise AssertionError(f"{name}: a listing is never run")

        return CommandInfo(name, cls=_Command, callback=listed, short_help=COMMANDS.summary(name))


app.registered_commands.extend(_Registered(name) for name in COMMANDS)
