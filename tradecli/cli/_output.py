"""Where a command's document goes: the format, stdout or --output, and how it is written.

The format comes from ``--format``, else the extension of ``--output``
(``.json .csv .md .html .tsv .txt``, and the synonyms ``.markdown .htm``, from the
registry in ``tradecli.render``), else the config. An explicit ``--format`` that
contradicts the extension is a usage error, and so is an extension no format has
(``.xlsx``, ``.pdf``) without ``--format``: writing a text table into ``report.xlsx``
with exit 0 helps nobody. ``-o -`` is stdout. Files are written atomically.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec.structs import replace

from tradecli.config import ColorMode, Config, OutputFormat
from tradecli.errors import UsageError

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    from tradecli.commands import Request
    from tradecli.document import Document, Json, Value

STDOUT = Path("-")
_FORMAT_PARAMS = ("output_format", "format", "fmt", "format_")

QUIET = [False]  # set from --quiet for the run: notices (Wrote, Warning) are not printed


def format_given(ctx: typer.Context) -> bool:
    """Whether --format was on the command line (not from the config or the default)."""
    sources = (getattr(ctx.get_parameter_source(p), "name", None) for p in _FORMAT_PARAMS)
    return "COMMANDLINE" in sources


def resolve_format(settings: Config, output: Path | None, *, explicit: bool) -> Config:
    """``settings`` with the format ``--output``'s extension asks for, unless --format said.

    Raises UsageError when an explicit --format contradicts the extension, or when
    no --format is given and no format has the extension.
    """
    from tradecli.render import FORMATS, by_extension, extensions_text

    if output is None or output == STDOUT or not output.suffix:
        return settings
    wanted = by_extension(output.suffix)
    if wanted is None:
        if explicit:
            return settings  # --format said what to write; the name is the user's choice
        raise UsageError(
            f"--output {output.name}: tradecli cannot write {output.suffix} files",
            hint=f"name the file with one of {extensions_text()}, "
            "or give --format to write that format under this name",
        )
    if explicit:
        if settings.format.value != wanted.name:
            raise UsageError(
                f"--format {settings.format.value} contradicts --output {output.name} "
                f"(a .{wanted.extension} file is {wanted.name})",
                hint=f"drop --format, or name the file .{FORMATS[settings.format.value].extension}",
            )
        return settings
    return replace(settings, format=OutputFormat(wanted.name))


def resolve_request(
    ctx: typer.Context, settings: Config, request: Request, output: Path | None
) -> tuple[Config, Request]:
    """The settings with the inferred format, and the request (an HTML page draws a chart).

    ``ctx``: the command's click context, to tell an explicit --format from the config's.
    """
    settings = resolve_format(settings, output, explicit=format_given(ctx))
    if settings.format is OutputFormat.HTML and not request.chart:
        request = replace(request, chart=True)
    return settings, request


def render_document(settings: Config, document: Document, fmt: str | None = None) -> str:
    """The document in ``fmt`` (default: the configured format), as text."""
    from tradecli.render import FORMATS

    return FORMATS[fmt or settings.format.value].render(document, width=settings.width or 100)


def render_report(settings: Config, fmt: str, payload: dict[str, Json], document: Document) -> str:
    """One file of a `tradecli report` run: the document plus the run's alerts and revisions."""
    from tradecli.document import with_report_extras

    return render_document(settings, with_report_extras(document, payload), fmt)


def emit(settings: Config, output: Path | None, document: Document) -> None:
    """Send a command's document to stdout or, atomically, to --output (``-`` is stdout)."""
    to_stdout = output is None or output == STDOUT
    live = sys.stdout.isatty() or settings.color is ColorMode.ALWAYS
    if to_stdout and settings.format is OutputFormat.TABLE and live:
        from tradecli.render.text import print_document

        print_document(document, _console(settings))  # a terminal: colour, its width
        return
    text = render_document(settings, document)
    if output is None or to_stdout:
        sys.stdout.write(text)
        return
    write_file(output, text)
    if not QUIET[0]:
        sys.stderr.write(f"Wrote {output}\n")


def write_file(path: Path, text: str) -> None:
    """Write ``text`` atomically; a place that cannot be written is a StorageError."""
    from tradecli.fsutil import write_atomic

    write_atomic(path, text)


def _dump_json(doc: object) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _emit_list(
    settings: Config,
    title: str,
    columns: list[tuple[str, str]],
    records: Sequence[Mapping[str, Value]],
) -> None:
    """Print a plain list (code tables, cache entries) in the configured format."""
    from tradecli.document import list_document

    emit(settings, None, list_document(title, columns, records))


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
