"""Commands that read or write files: import and report."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tradecli.cli._app import (
    _settings,
    _warn,
    app,
    render_document,
)
from tradecli.config import OutputFormat
from tradecli.errors import ExitCode, UsageError
from tradecli.importer_options import ImportFormat


@app.command(
    "import",
    epilog="""\
\b
Examples:
  tradecli import comtrade_extract.csv
  tradecli import BACI_HS92_V202501.zip        # a whole release, every year
  tradecli import BACI_HS92_Y2022_V202401.csv --baci-codes country_codes_V202401.csv
  tradecli import oec_output.json --format oec-json
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
        str | None,
        typer.Option(
            "--currency",
            help="Currency of the file's values (ISO 4217) [default: the file's currency "
            "column, else USD].",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Fail if any row would be skipped, instead of counting it."),
    ] = False,
) -> None:
    """Load a downloaded trade file into the cache, in the canonical schema.

    Reads OEC API output (JSON or CSV), UN Comtrade (API JSON or CSV export),
    CEPII BACI (values in thousands of USD) and the tidy CSV
    reporter,partner,flow,period,value_usd[,product], Open Trade Statistics and
    CEPII gravity tables, and a whole BACI release (BACI_HS92_V202501.zip, or a
    directory of its CSVs) into one entry. A bad row is reported with its line
    number and nothing is imported; re-importing a file replaces it.
    """
    import sys

    from tradecli.ingest import describe_coverage, import_into_cache, import_release, is_release
    from tradecli.sources import open_cache

    settings = _settings(ctx)
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise UsageError(f"--currency {currency!r} is not an ISO 4217 code", hint="e.g. USD, EUR")
    cache = open_cache(settings, _warn)
    if is_release(path):
        if currency not in (None, "USD", "usd"):
            raise UsageError(f"BACI values are in US dollars, not {currency}")
        done = import_release(cache, path, strict=strict, progress=sys.stderr.isatty())
    else:
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
        f"Imported {done.flows} flows from {path.name} ({done.format.value}): "
        f"{done.countries} countries, {done.start}..{done.end}, {done.content}, "
        f"values in {done.currency}."
    )
    typer.echo(f"Covers: {describe_coverage(done.coverage)}.")
    if done.derived_totals:
        typer.echo(
            f"Derived {done.derived_totals} total-goods rows as the sum of each flow's "
            "products (the file has none)."
        )
    for reason, count in done.skipped.items():
        typer.echo(f"Skipped {count} rows: {reason}.")
    typer.echo(f"Source id: {done.source_id}; cache entry: {done.entry}")


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
            request = replace(request, source=replace(request.source, offline=True))
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
