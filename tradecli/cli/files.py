"""Commands that read or write files: import and report."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tradecli.cli._app import (
    _settings,
    _warn,
    app,
)
from tradecli.cli._output import render_report
from tradecli.config import SEE_EXAMPLE, Config
from tradecli.errors import ConfigError, ExitCode, TradecliError, UsageError
from tradecli.importer_options import ImportFormat

if TYPE_CHECKING:
    from tradecli.cache import Entry
    from tradecli.document import Json


@app.command(
    "import",
    short_help="Load a downloaded trade file into the cache.",
    epilog="""\
\b
Examples:
  tradecli import comtrade_extract.csv
  tradecli import BACI_HS92_V202501.zip        # a whole release, every year
  tradecli import BACI_HS92_Y2022_V202401.csv --baci-codes country_codes_V202401.csv
  tradecli import oec_output.json --input-format oec-json
""",
)
def import_file(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The file to import, or a BACI release (its zip, or a directory of its CSVs).",
            exists=True,
            readable=True,
        ),
    ],
    file_format: Annotated[
        ImportFormat | None,
        typer.Option(
            "--input-format",
            metavar="FORMAT",
            help=f"The file's format: {', '.join(f.value for f in ImportFormat)} "
            "[default: detected from the content].",
        ),
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
            metavar="YEAR",
            min=1900,
            max=2999,
            help="The year of a file that has no time column and covers exactly one year.",
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            metavar="CODE",
            help="Currency of the file's values (ISO 4217) [default: what the file says "
            "(a currency column, a unit, an OEC answer's annotations); USD for UN Comtrade, "
            "BACI, OTS, gravity and value_usd; an OEC answer that says nothing is refused].",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Fail if any row would be skipped, instead of counting it."),
    ] = False,
    replace_newer: Annotated[
        bool,
        typer.Option(
            "--replace-newer",
            help="Import a BACI release even over a newer release of the same edition "
            "(refused otherwise).",
        ),
    ] = False,
) -> None:
    """Load a downloaded trade file into the cache, in the canonical schema.

    Reads OEC API output (JSON or CSV), UN Comtrade (API JSON or CSV export),
    CEPII BACI (values in thousands of USD) and the tidy CSV
    reporter,partner,flow,period,value_usd[,product], Open Trade Statistics and
    CEPII gravity tables, and a whole BACI release (BACI_HS92_V202501.zip, or a
    directory of its CSVs) into one entry. A bad row is reported with its line
    number and nothing is imported. Importing a file of the same name again
    replaces its earlier import, and says so and what changed. Values are read
    in the currency and unit (units, thousands, millions) the file states; a
    file that states no currency (an OEC answer without its annotations) needs
    --currency.
    A release older than the one of the same edition in the cache is refused
    unless --replace-newer is given.
    """
    import sys

    from tradecli.baci_release import import_release, is_release
    from tradecli.ingest import import_into_cache
    from tradecli.product_levels import describe_coverage
    from tradecli.sources import open_cache
    from tradecli.wording import plural

    settings = _settings(ctx)
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise UsageError(f"--currency {currency!r} is not an ISO 4217 code", hint="e.g. USD, EUR")
    cache = open_cache(settings, _warn)
    held = {entry.path: entry for entry in cache.entries()}  # to say what the import replaces
    if is_release(path):
        if currency not in (None, "USD", "usd"):
            raise UsageError(
                f"BACI values are in US dollars, not {currency}", hint="drop --currency"
            )
        _refuse_downgrade(path, list(held.values()), replace_newer)
        done = import_release(cache, path, strict=strict, progress=sys.stderr.isatty())
    else:
        if replace_newer:
            raise UsageError(
                f"--replace-newer applies to a BACI release, and {path.name} is a single file",
                hint="drop --replace-newer: importing a file again replaces its earlier import",
            )
        done = import_into_cache(
            cache,
            path,
            file_format,
            baci_codes=baci_codes,
            year=year,
            currency=currency.upper() if currency else None,
            strict=strict,
        )
    typer.echo(
        f"Imported {plural(done.flows, 'flow')} from {path.name} ({done.format.value}): "
        f"{plural(done.countries, 'country', 'countries')}, {done.start}..{done.end}, "
        f"{done.content}, "
        f"values in {done.currency}."
    )
    if done.replaced:
        for line in done.replaced:
            typer.echo(f"Replaces the previous import: {line}.")
    elif done.entry in held:
        typer.echo(f"Replaces the previous import: {_describe_import(held[done.entry])}.")
    for line in done.units:
        typer.echo(f"Units: {line}.")
    typer.echo(f"Covers: {describe_coverage(done.coverage)}.")
    if done.derived_totals:
        typer.echo(
            f"Derived {done.derived_totals} total-goods rows as the sum of each flow's "
            "products (the file has none)."
        )
    for reason, count in done.skipped.items():
        typer.echo(f"Skipped {count} rows: {reason}.")
    if done.unused_columns:
        typer.echo(f"Columns not used: {', '.join(done.unused_columns)}.")
    typer.echo(f"Source id: {done.source_id}; cache entry: {done.entry}")
    for note in done.notes:
        _warn(f"sources disagree: {note}.")


def _release_of(entry: "Entry") -> tuple[str, str] | None:
    """(edition, version) of an imported BACI release entry, from its annotations."""
    release = entry.annotations.get("release")
    if entry.kind != "import" or not isinstance(release, dict):
        return None
    return str(release.get("edition", "")), str(release.get("version", ""))


def _baci_month(version: str) -> int | None:
    """YYYYMM of a version as BACI names its releases (V202501); None for any other name."""
    import re

    found = re.fullmatch(r"V(\d{6})", version.upper())
    return int(found.group(1)) if found else None


def _describe_import(entry: "Entry") -> str:
    """What an import replaces, in one phrase: the release (or file) and when it came in."""
    release = _release_of(entry)
    what = f"BACI {release[0]} {release[1]}" if release else entry.dataset
    return f"{what}, imported {entry.fetched_at.isoformat(timespec='seconds')}"


def _refuse_downgrade(path: Path, held: list["Entry"], replace_newer: bool) -> None:
    """Refuse to replace a newer BACI release of the same edition with an older one.

    A cron job re-importing an old zip would otherwise revert every revised figure
    without a word; --replace-newer says it is meant. Versions compare by the YYYYMM
    BACI puts in their names; a version named otherwise is not compared.
    """
    from tradecli.baci_release import open_release

    release = open_release(path)
    new = _baci_month(release.version)
    for entry in held:
        previous = _release_of(entry)
        if previous is None or previous[0] != release.edition:
            continue
        old = _baci_month(previous[1])
        if new is None or old is None or old <= new or replace_newer:
            continue
        raise UsageError(
            f"{path.name} is BACI {release.edition} {release.version}, older than the "
            f"{previous[1]} in the cache ({_describe_import(entry)}); nothing was imported",
            hint=f"to replace {previous[1]} with {release.version} anyway, run "
            f"tradecli import {path} --replace-newer",
        )


EPILOG_REPORT = """\
\b
Examples:
  tradecli report                      # every [[report]] in the config
  tradecli report --name pak-jpn-monthly --dry-run
  tradecli report --crontab "0 6 * * 1"   # print a crontab line for Mondays 06:00
\b
Silent when every report was written and no alert fired; alerts, revisions,
warnings and errors go to stderr, one line each, timestamp and report name
first, so cron mails exactly those.
"""


@app.command(epilog=EPILOG_REPORT, short_help="Run the scheduled reports of the config file.")
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
    crontab: Annotated[
        str | None,
        typer.Option(
            "--crontab",
            metavar="SCHEDULE",
            help='Print a crontab line that runs these reports on SCHEDULE ("0 6 * * 1", '
            '"@daily"), with absolute paths, and when it runs next; run nothing.',
        ),
    ] = None,
) -> None:
    """Run the [[report]] entries of the config file: files, manifest, alerts, revisions.

    Each report is written atomically in each of its formats, and manifest.json
    describes every report of the config. One failing report does not stop the
    others. Exit codes: 0 all written, 6 all written with alerts, 7 some
    reports failed, 8 output directory not writable; when every report failed
    alike, that failure's own code.
    """
    import datetime as dt
    import os

    from msgspec.structs import replace

    from tradecli import api, reports
    from tradecli.document import Document

    def now() -> str:
        return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")

    try:
        settings = _settings(ctx)
        _config_file_exists(ctx)
        specs_all = reports.parse_specs(settings)
        if crontab is None:
            specs = reports.select(specs_all, name, str(settings.path or "the config file"))
    except TradecliError as exc:
        if crontab is not None or dry_run:
            raise  # run by a person: Error + Hint, as every command
        # Run by cron: one line like every other it mails, timestamp and report name first.
        who = exc.report if isinstance(exc, reports.ReportConfigError) else "tradecli"
        hint = exc.hint or (SEE_EXAMPLE if isinstance(exc, ConfigError) else None)
        sys.stderr.write(reports.error_line(now(), who, exc.message, hint) + "\n")
        raise typer.Exit(int(exc.exit_code)) from None
    if crontab is not None:
        config = settings.path
        if config is None:
            raise UsageError(
                "--crontab needs a config file with [[report]] entries",
                hint="name it with --config PATH or TRADECLI_CONFIG",
            )
        chosen = reports.select(specs_all, name, str(config))  # the names must exist
        names = tuple(s.name for s in chosen) if name else ()
        # cron's bare environment lacks this shell's TRADECLI_CACHE_DIR: the line carries
        # it, so the job reads the cache this run (and --dry-run) read. Never a token.
        cache_dir = os.environ.get("TRADECLI_CACHE_DIR")
        for line in reports.crontab_line(
            crontab,
            _executable(),
            config.resolve(),
            dt.datetime.now(),
            names,
            cache_dir=Path(cache_dir).resolve() if cache_dir else None,
        ):
            typer.echo(line)
        return

    def build_spec(spec: reports.ReportSpec, warn: Callable[[str], None]) -> reports.Built:
        request = reports.request_for(spec)
        if dry_run:
            request = replace(request, source=replace(request.source, offline=True))
        found = api.answer(request, config=settings, warn=warn, transport=ctx.obj.get("transport"))
        return found, found.document

    def render(fmt: str, doc: "dict[str, Json]", document: "Document") -> str:
        return render_report(settings, fmt, doc, document)

    if dry_run:
        for spec in specs:
            offline = reports.request_for(spec).source.offline
            for line in reports.dry_run_plan(
                [spec], build_spec, render, _would_read(settings, offline)
            ):
                typer.echo(line)
        return

    from tradecli.sources.fallback import one_deadline

    with one_deadline(settings):  # api.deadline bounds the whole run, not each report
        result = reports.run(specs_all, specs, build_spec, render, now)
    verbose = bool(ctx.obj.get("verbose"))
    for spec, outcome in zip(specs, result.outcomes, strict=True):
        stamp = outcome.ran_at or now()
        for line in reports.log_lines(outcome, stamp):
            sys.stderr.write(line + "\n")
        if verbose:
            for line in reports.written_lines(outcome, stamp, spec.output_dir):
                typer.echo(line)
    if result.exit_code is not ExitCode.OK:
        raise typer.Exit(int(result.exit_code))


def _config_file_exists(ctx: typer.Context) -> None:
    """`report` runs the config's [[report]] entries: no config file is its own error."""
    import os

    from tradecli.config import config_file

    path, _ = config_file(ctx.obj.get("config_path"), os.environ)
    if not path.is_file():  # a named file that is missing has failed already
        raise UsageError(
            f"there is no config file at {path}, so no [[report]] to run",
            hint=f"copy the project's config.toml to {path} (its [[report]] works "
            "as shipped), or pass --config PATH",
        )


def _would_read(settings: Config, offline: bool) -> str:
    """What a real `report` run would read, in order, as --dry-run says it."""
    from tradecli.config import NetworkMode
    from tradecli.sources import network_allowed
    from tradecli.sources.registry import live_order

    live = [s.title for s in live_order(settings) if network_allowed(settings, offline, s)]
    if live:
        return f"cache, then {', then '.join(live)}, else the embedded sample"
    if offline:
        why = "offline = true for this report"
    elif settings.network is NetworkMode.NEVER:
        why = 'api.network is "never": no live source is used'
    else:
        why = "no OEC token: the API is not used"
    return f"cache, then the embedded sample ({why})"


def _executable() -> list[str]:
    """How cron should start this tradecli: the absolute path of the running program."""
    import shutil

    argv0 = Path(sys.argv[0])
    if argv0.name == "tradecli" or argv0.name.startswith("tradecli."):
        found = argv0 if argv0.is_absolute() or "/" in sys.argv[0] else shutil.which(sys.argv[0])
        if found:
            return [str(Path(found).resolve())]
    return [str(Path(sys.executable).absolute()), "-m", "tradecli"]
