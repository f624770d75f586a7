"""Code tables and configuration: products-codes, countries, config-path."""

import os
import sys
from typing import Annotated

import typer

from tradecli.cli._app import (
    FormatOption,
    OutputOption,
    _emit_list,
    _settings,
    _to_output,
    app,
)
from tradecli.cli._output import resolve_format
from tradecli.errors import ExitCode, UsageError


@app.command("products-codes", short_help="Search the HS 2022 product codes.")
def products_codes(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(metavar="QUERY", help="Code prefix (8703, 03) or words of the name."),
    ],
    output_format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Search the HS 2022 product codes (sections, HS2, HS4, HS6).

    Example: tradecli products-codes "shrimps frozen"
    """
    from tradecli.codes import search_hs

    settings = resolve_format(
        _settings(ctx, format=output_format), output, explicit=output_format is not None
    )
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
    _to_output(
        settings,
        output,
        lambda: _emit_list(
            settings,
            f"HS codes matching {query!r}",
            [
                ("code", "Code"),
                ("level", "Level"),
                ("section", "Section"),
                ("description", "Description"),
            ],
            records,
        ),
    )


@app.command(short_help="List the country codes tradecli understands.")
def countries(
    ctx: typer.Context,
    query: Annotated[
        str | None,
        typer.Argument(metavar="QUERY", help="Part of a name or code; all when omitted."),
    ] = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """List country codes tradecli understands, optionally filtered by QUERY.

    Example: tradecli countries korea
    """
    from tradecli.codes import load_countries, normalise

    settings = resolve_format(
        _settings(ctx, format=output_format), output, explicit=output_format is not None
    )
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
    _to_output(
        settings,
        output,
        lambda: _emit_list(
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
        ),
    )


@app.command("config-path", short_help="Print the config file tradecli reads.")
def config_path(ctx: typer.Context) -> None:
    """Print the config file tradecli reads, and whether it exists.

    A file named by --config or TRADECLI_CONFIG that does not exist is an error for
    every other command (exit 2); this one still prints its path (exit 0), so that
    the example below creates it, and says so on stderr.

    Example: cp config.toml "$(tradecli config-path)"
    """
    from tradecli.config import config_file

    explicit = ctx.obj.get("config_path")
    path, named = config_file(explicit, os.environ)
    typer.echo(str(path))
    if path.exists():
        return
    if not named:
        sys.stderr.write("(the file does not exist; built-in defaults apply)\n")
        return
    by = "--config" if explicit is not None else "TRADECLI_CONFIG"
    sys.stderr.write(
        f"Warning: {path}, named by {by}, does not exist: every other command stops "
        f"with an error (exit {int(ExitCode.USAGE)}) until it does\n"
        f"Hint: copy the project's config.toml there, or "
        f"{'drop --config' if explicit is not None else 'unset TRADECLI_CONFIG'}\n"
    )
