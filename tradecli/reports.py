"""Scheduled reports: the ``[[report]]`` entries of config.toml, run by ``tradecli report``.

A run takes the output directory's lock (a second run waits for it, so cron
overlapping itself never has two writers on one file), builds a new generation of
the directory (``tradecli.publish``): every report's files, the revision history
(``tradecli.history``: figures compared like with like, else a change of basis said
once) and ``manifest.json``, then switches to it in one rename, so a reader never
sees the files of two runs mixed. A report that fails records no revisions. One
failing report does not stop the others. Nothing here prints: the CLI reports what
comes back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from tradecli import history, render
from tradecli.commands import COMMANDS
from tradecli.config import Config, keys_hint
from tradecli.errors import (
    ConfigError,
    ExitCode,
    NoData,
    StorageError,
    TradecliError,
    UsageError,
)

if TYPE_CHECKING:
    from tradecli.commands import Answer, Request
    from tradecli.document import Document, Json

# What a report's build step returns: the typed answer (alerts, revisions and the
# period read it) beside the document its files are rendered from.
Built = tuple["Answer", "Document"]
# Renders one format of a report from its JSON payload and its document.
Render = Callable[[str, "dict[str, Json]", "Document"], str]

PERIOD_RULES = {
    # rule -> (--period convention, --compare)
    "latest-month-yoy": ("point", "year"),
    "latest-month-mom": ("point", "previous"),
    "ytd": ("ytd", "year"),
    "fiscal-ytd": ("fiscal-ytd", "year"),
    "ttm": ("ttm", "year"),
}
FORMATS = tuple(render.FORMATS)
EXTENSIONS = {name: f.extension for name, f in render.FORMATS.items()}
MANIFEST = "manifest.json"
HISTORY_DIR = ".tradecli-history"
LOCK_NAME = ".tradecli-report.lock"
LOCK_TIMEOUT = 300.0
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Alerts(Struct, frozen=True):
    deficit_beyond: float | None = None  # alert when the balance is below -X (in ``currency``)
    growth_below: float | None = None  # alert when exports or imports growth is below Y %
    sign_change: bool = False  # alert when the balance changes sign between the two periods
    currency: str = "USD"  # of deficit_beyond: a bare number means US dollars
    repeat: str = "every-run"  # or "once-per-period": an alert is mailed once for its period


REPEAT = ("every-run", "once-per-period")


class ReportConfigError(ConfigError):
    """A ``[[report]]`` table that is wrong; ``report`` names it for cron's one line."""

    def __init__(self, message: str, hint: str | None = None, report: str = "tradecli") -> None:
        super().__init__(message, hint)
        self.report = report


_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?(?:[eE]\d+)?)\s*([kKMBT]?)\s*([A-Za-z]{3})?\s*$")
_SCALE = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def parse_threshold(value: object, where: str) -> tuple[float, str | None]:
    """``deficit_beyond``: a number (US dollars) or text such as "1B USD", "500M JPY".

    Returns the amount and the currency the text names (None for a bare number).
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), None
    match = _AMOUNT.match(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            f"{where}: report.alerts.deficit_beyond must be a number (US dollars) or an "
            f'amount with its currency such as "1B USD", not {value!r}',
            hint='suffixes k, M, B, T; e.g. deficit_beyond = "500M JPY"',
        )
    number, scale, currency = match.groups()
    return float(number) * _SCALE[scale], currency.upper() if currency else None


class ReportSpec(Struct, frozen=True):
    name: str
    command: str
    reporter: str
    partner: str | None
    period: str
    formats: tuple[str, ...]
    output_dir: Path
    filename: str
    options: Mapping[str, Any] = field(default_factory=dict)  # TOML values; see request_for
    alerts: Alerts = Alerts()


_SPEC_KEYS = {
    "name",
    "command",
    "reporter",
    "partner",
    "period",
    "from",
    "to",
    "formats",
    "output_dir",
    "filename",
    "flow",
    "level",
    "top",
    "sort",
    "offline",
    "currency",
    "alerts",
}
_ALERT_KEYS = {"deficit_beyond", "growth_below", "sign_change", "currency", "repeat"}


def parse_specs(config: Config) -> tuple[ReportSpec, ...]:
    """Validate the config's ``[[report]]`` tables; errors name the file, the entry and the key.

    The error is a ``ReportConfigError`` naming the report (its name, else its number).
    """
    path = config.path or Path("config.toml")
    specs: list[ReportSpec] = []
    for index, entry in enumerate(config.reports, start=1):
        try:
            specs.append(_parse_spec(entry, index, path, specs))
        except ConfigError as exc:
            name = entry.get("name") if isinstance(entry, dict) else None
            who = name if isinstance(name, str) and _NAME.match(name) else f"report#{index}"
            raise ReportConfigError(exc.message, exc.hint, who) from None
    return tuple(specs)


def _parse_spec(entry: object, index: int, path: Path, specs: list[ReportSpec]) -> ReportSpec:
    where = f"{path}: report #{index}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(entry) - _SPEC_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key report.{unknown[0]}",
            hint=keys_hint(unknown[0], _SPEC_KEYS),
        )
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{where}: report.name must be letters, digits, '-', '_' or '.'")
    where = f"{path}: report {name!r}"
    if any(s.name == name for s in specs):
        raise ConfigError(f"{where} is defined twice")
    command = entry.get("command", "balance")
    if command not in COMMANDS:
        raise ConfigError(
            f"{where}: report.command must be one of {', '.join(COMMANDS)}, not {command!r}"
        )
    reporter, partner = entry.get("reporter"), entry.get("partner")
    if not isinstance(reporter, str):
        raise ConfigError(f"{where}: report.reporter is required")
    if COMMANDS[command].needs_partner and not isinstance(partner, str):
        raise ConfigError(f"{where}: report.partner is required for {command}")
    period = entry.get("period", "latest-month-yoy")
    if period not in PERIOD_RULES and period != "fixed":
        raise ConfigError(
            f"{where}: report.period must be one of "
            f"{', '.join([*PERIOD_RULES, 'fixed'])}, not {period!r}"
        )
    if period == "fixed" and "from" not in entry:
        raise ConfigError(f"{where}: report.period = 'fixed' needs report.from")
    formats = entry.get("formats", ["markdown", "json"])
    if not isinstance(formats, list) or not formats or any(f not in FORMATS for f in formats):
        raise ConfigError(f"{where}: report.formats must list some of {', '.join(FORMATS)}")
    filename = entry.get("filename", "{name}-{period}.{ext}")
    if not isinstance(filename, str) or "{ext}" not in filename or "/" in filename:
        raise ConfigError(f"{where}: report.filename must contain {{ext}} and no '/'")
    try:
        filename.format(name="n", period="p", ext="e", command="c")
    except (KeyError, IndexError, ValueError):
        raise ConfigError(
            f"{where}: report.filename may use {{name}}, {{period}}, {{command}} and {{ext}} only"
        ) from None
    output_dir = Path(str(entry.get("output_dir", "reports"))).expanduser()
    if not output_dir.is_absolute():
        output_dir = path.parent / output_dir  # relative to the config file, not the cwd
    alerts_raw = entry.get("alerts", {})
    if not isinstance(alerts_raw, dict) or set(alerts_raw) - _ALERT_KEYS:
        bad = sorted(set(alerts_raw) - _ALERT_KEYS) if isinstance(alerts_raw, dict) else ["?"]
        raise ConfigError(
            f"{where}: unknown key report.alerts.{bad[0]}",
            hint=keys_hint(bad[0], _ALERT_KEYS),
        )
    growth_below = alerts_raw.get("growth_below")
    if growth_below is not None and (
        isinstance(growth_below, bool) or not isinstance(growth_below, int | float)
    ):
        raise ConfigError(f"{where}: report.alerts.growth_below must be a number")
    threshold, named = None, None
    if alerts_raw.get("deficit_beyond") is not None:
        threshold, named = parse_threshold(alerts_raw["deficit_beyond"], where)
    key_currency = alerts_raw.get("currency")
    if key_currency is not None and not (
        isinstance(key_currency, str) and len(key_currency) == 3 and key_currency.isalpha()
    ):
        raise ConfigError(f"{where}: report.alerts.currency must be an ISO 4217 code")
    if key_currency and named and key_currency.upper() != named:
        raise ConfigError(
            f"{where}: report.alerts.deficit_beyond is in {named} but "
            f"report.alerts.currency is {key_currency.upper()}",
            hint="name the currency once",
        )
    alert_currency = named or (key_currency.upper() if key_currency else "USD")
    if not isinstance(alerts_raw.get("sign_change", False), bool):
        raise ConfigError(f"{where}: report.alerts.sign_change must be true or false")
    repeat = alerts_raw.get("repeat", "every-run")
    if repeat not in REPEAT:
        raise ConfigError(
            f"{where}: report.alerts.repeat must be {' or '.join(REPEAT)}, not {repeat!r}",
            hint='"once-per-period" mails an alert once for the period it is about',
        )
    options = {
        k: entry[k] for k in ("from", "to", "flow", "level", "top", "sort", "offline") if k in entry
    }
    if "currency" in entry:
        from tradecli.config import parse_currency

        try:  # the currency its figures are shown in: a code or "native" (--currency)
            options["currency"] = parse_currency(entry["currency"])
        except ValueError as exc:
            raise ConfigError(
                f"{where}: report.currency {exc}",
                hint='an ISO 4217 code such as "EUR" or "JPY", or "native"',
            ) from None
    return ReportSpec(
        name=name,
        command=command,
        reporter=reporter,
        partner=partner,
        period=period,
        formats=tuple(formats),
        output_dir=output_dir,
        filename=filename,
        options=options,
        alerts=Alerts(
            threshold,
            growth_below,
            bool(alerts_raw.get("sign_change", False)),
            alert_currency,
            repeat,
        ),
    )


def request_for(spec: ReportSpec) -> Request:
    """The request a [[report]] entry makes; a value its command cannot take is a ConfigError."""
    from tradecli.analysis_options import PartnerSort, ProductLevel
    from tradecli.commands import Request, SourceSpec, WindowSpec
    from tradecli.periods import Compare, Convention

    convention, compare = PERIOD_RULES.get(spec.period, ("point", "year"))
    o = spec.options
    try:
        flow = COMMANDS[spec.command].parse_flow(o.get("flow"))
        level = ProductLevel(o.get("level", "hs4"))
        sort = PartnerSort(o.get("sort", "value"))
    except (UsageError, ValueError) as exc:
        message = exc.message if isinstance(exc, UsageError) else str(exc)
        raise ConfigError(f"report {spec.name}: {message}") from None
    return Request(
        command=spec.command,
        reporter=spec.reporter,
        partner=spec.partner,
        window=WindowSpec(
            from_=o.get("from"),
            to=o.get("to"),
            period=Convention(convention),
            compare=Compare(compare),
        ),
        source=SourceSpec(offline=bool(o.get("offline")), currency=o.get("currency")),
        flow=flow,
        level=level,
        top=int(o.get("top", 10)),
        sort=sort,
        chart="html" in spec.formats,
    )


# -- alerts and revisions ---------------------------------------------------------------


def check_alerts(spec: ReportSpec, answer: Answer) -> list[str]:
    """One message per triggered threshold (commands with an alerts hook: balance)."""
    if spec.alerts == Alerts():
        return []
    return answer.alerts(spec)


def refuse_other_frequency(spec: ReportSpec, answer: Answer) -> None:
    """A ``latest-month-*`` report over data that hold years only would publish a year
    under a monthly rule: refuse, naming the year it would have shown."""
    from tradecli.periods import Window

    end = answer.result.end
    if spec.period.startswith("latest-month") and isinstance(end, Window) and end.annual:
        raise NoData(
            f"report {spec.name}: period = {spec.period!r} needs monthly figures, but the "
            f"data for this report hold years only (the latest is {end})",
            hint=f'use period = "fixed" with to = "{end.first.year}" and from = an earlier '
            "year the data hold, or fetch or import monthly data",
        )


def figures_by_period(answer: Answer) -> dict[str, dict[str, float | None]]:
    """The figures a revision check compares: {period: {measure: value}}."""
    return answer.figures_by_period()


def basis_by_period(answer: Answer) -> dict[str, history.Basis]:
    """What each period's figures are measured in: the answer's currency, the months
    the period covers, and whose report each flow is (the tidy rows' basis)."""
    sides: dict[str, dict[str, str | None]] = {}
    for row in answer.tidy():
        if row["flow"] in ("exports", "imports"):
            side = row.get("basis")
            flows = sides.setdefault(str(row["period"]), {})
            flows[str(row["flow"])] = None if side is None else str(side)
    coverage: dict[str, tuple[str, ...]] = {}
    query = answer.payload.get("query")
    if isinstance(query, dict):  # balance: a window's months (a YTD covers several)
        for end in ("from", "to"):
            months = query.get(f"{end}_months")
            if isinstance(months, list) and query.get(end) is not None:
                coverage[str(query[end])] = tuple(str(m) for m in months)
    return {
        period: history.Basis(answer.currency, coverage.get(period, (period,)), flows)
        for period, flows in sides.items()
    }


def period_figures(answer: Answer) -> dict[str, history.PeriodFigures]:
    """This run's figures with their basis and sources, as the history keeps them."""
    figures = figures_by_period(answer)
    bases, sources = basis_by_period(answer), sources_by_period(answer)
    return {
        period: history.PeriodFigures(values, bases[period], sources.get(period) or None)
        for period, values in figures.items()
        if period in bases
    }


def describe_revision(revision: history.Revision) -> str:
    """'2024-08 exports: $10 -> $11 (+$1)', in the revision's own currency."""
    from tradecli.numfmt import format_revision

    text = f"{revision['period']} {revision['measure']}: " + format_revision(
        revision["old"], revision["new"], str(revision.get("currency") or "USD")
    )
    return text + (f" ({revision['release']})" if revision.get("release") else "")


_BACI_SOURCE = re.compile(r"^import:BACI_(HS\d\d)_(V\d+)$")


def sources_by_period(answer: Answer) -> dict[str, str]:
    """Which source (an imported release names its version) each period's figures came from."""
    return answer.sources_by_period()


def describe_source_change(before: str, after: str) -> str:
    """'BACI HS92 V202401 -> V202501' for two releases of one edition; else both ids."""
    a, b = _BACI_SOURCE.match(before), _BACI_SOURCE.match(after)
    if a and b and a.group(1) == b.group(1):
        return f"BACI {a.group(1)} {a.group(2)} -> {b.group(2)}"
    return f"{before} -> {after}"


def name_sources(changed: list[history.Revision]) -> None:
    """Name the release each revision moved between, when its sources differ."""
    for r in changed:
        if "sources" in r:
            r["release"] = describe_source_change(r["sources"]["from"], r["sources"]["to"])


# -- the run ------------------------------------------------------------------------------


class Outcome(Struct):
    name: str
    status: str  # ok, failed, dry-run
    files: list[dict[str, str]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    revisions: list[history.Revision] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    hint: str | None = None  # what to do about the error
    exit_code: ExitCode = ExitCode.OK
    period: str | None = None
    plan: list[str] = field(default_factory=list)
    ran_at: str | None = None
    basis_changes: list[str] = field(default_factory=list)  # said once, in words
    repeated: list[str] = field(default_factory=list)  # alerts mailed before for the period

    @property
    def mailed_alerts(self) -> list[str]:
        """The alerts this run mails (``repeat = "once-per-period"`` holds back the rest)."""
        return [a for a in self.alerts if a not in self.repeated]


def _period_label(answer: Answer) -> str:
    return answer.to_period.replace("..", "_")


def run_one(
    spec: ReportSpec,
    build: Callable[[ReportSpec, Callable[[str], None]], Built],
    render: Render,
    dry_run: bool = False,
    into: Path | None = None,
) -> Outcome:
    """Build one report and write its files and history into ``into`` (the generation
    being built; default ``spec.output_dir``). The caller holds the directory lock.

    A report that fails writes nothing and records no revisions. A storage failure is
    raised: the generation is then incomplete and must not be published.
    """
    from tradecli.fsutil import write_atomic

    into = spec.output_dir if into is None else into
    outcome = Outcome(name=spec.name, status="ok")
    try:
        answer, document = build(spec, outcome.warnings.append)
        refuse_other_frequency(spec, answer)
        doc: dict[str, Json] = answer.payload
        outcome.period = _period_label(answer)
        # Written, but from the embedded sample or expired data because a fetch failed.
        outcome.exit_code = answer.provenance.exit_code
        store = into / HISTORY_DIR / f"{spec.name}.json"
        before = history.load(store)
        now = period_figures(answer)
        if before.damaged:
            # No baseline: a damaged file's figures would report revisions, or changes
            # of basis, that no run made. Said, so that cron mails it.
            outcome.warnings.append(
                f"the report's history ({HISTORY_DIR}/{store.name}) was damaged "
                f"({before.damaged}): revisions are not checked this run; it is "
                "rewritten with its readable parts and this run's figures"
            )
        baseline = history.History() if before.damaged else before
        outcome.revisions, outcome.basis_changes = history.compare(baseline, now)
        name_sources(outcome.revisions)
        outcome.alerts = check_alerts(spec, answer)
        outcome.warnings += answer.unchecked(spec)
        if spec.alerts.repeat == "once-per-period":
            mailed = before.alerted.get(outcome.period, [])
            outcome.repeated = [a for a in outcome.alerts if a in mailed]
        if outcome.revisions:
            doc = {**doc, "revisions": [history.revision_json(r) for r in outcome.revisions]}
        if outcome.basis_changes:
            doc = {**doc, "basis_changes": [*outcome.basis_changes]}
        if outcome.alerts:
            doc = {**doc, "alerts": [{"message": m} for m in outcome.alerts]}
        names = {
            fmt: spec.filename.format(
                name=spec.name, period=outcome.period, command=spec.command, ext=EXTENSIONS[fmt]
            )
            for fmt in spec.formats
        }
        if dry_run:
            outcome.status = "dry-run"
            outcome.plan = [str(spec.output_dir / n) for n in names.values()]
            return outcome
        # Every file is rendered before any is written: a report fails whole or not at all.
        texts = {fmt: render(fmt, doc, document) for fmt in names}
        if 'id="chart-missing"' in texts.get("html", ""):
            # Every reader of the page would see an install hint: cron must say it first.
            outcome.warnings.append(
                "the HTML report has no chart: the plotting extra is not installed "
                "(pip install 'tradecli[html]' in tradecli's environment)"
            )
    except StorageError:
        raise
    except TradecliError as exc:
        outcome.status, outcome.error, outcome.exit_code = "failed", exc.message, exc.exit_code
        outcome.hint = exc.hint
        outcome.alerts, outcome.revisions, outcome.basis_changes = [], [], []
        return outcome
    for fmt, name in names.items():
        write_atomic(into / name, texts[fmt])
        digest = hashlib.sha256(texts[fmt].encode("utf-8")).hexdigest()
        outcome.files.append({"format": fmt, "path": name, "sha256": digest})
    alerted = {outcome.period: outcome.alerts} if outcome.alerts else {}
    write_atomic(store, history.dump(history.updated(before, now, alerted)))
    return outcome


def _entry(o: Outcome) -> dict[str, Json]:
    return {
        "name": o.name,
        "status": o.status,
        "last_run": o.ran_at,
        "period": o.period,
        "files": [{**f} for f in o.files],
        "alerts": [*o.alerts],
        "warnings": [*o.warnings],
        "revisions": [history.revision_json(r) for r in o.revisions],
        "basis_changes": [*o.basis_changes],
        "error": o.error,
    }


def _reports(manifest: Mapping[str, Json]) -> list[Json]:
    """A manifest's entries (none when the file holds another shape)."""
    entries = manifest.get("reports")
    return entries if isinstance(entries, list) else []


def manifest(
    specs: list[ReportSpec], outcomes: list[Outcome], previous: Mapping[str, Json] | None = None
) -> dict[str, Json]:
    """Every report of ``specs`` (one output directory): this run's outcome where it ran,
    else the entry of the previous manifest, else ``never-run``."""
    done = {o.name: o for o in outcomes}
    before = {
        name: e
        for e in _reports(previous or {})
        if isinstance(e, dict) and isinstance(name := e.get("name"), str) and name
    }
    entries: list[Json] = []
    for spec in specs:
        if spec.name in done:
            entries.append(_entry(done[spec.name]))
        elif spec.name in before:
            entries.append(before[spec.name])
        else:
            entries.append(_entry(Outcome(name=spec.name, status="never-run")))
    return {
        "schema": "tradecli.manifest/2",
        "reports": entries,
        "ok": all(isinstance(e, dict) and e.get("status") == "ok" for e in entries),
    }


def _read_manifest(path: Path) -> dict[str, Json]:
    try:
        data = json.loads(path.read_text("utf-8"))  # JSON text: its values are Json
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold ``directory``'s report lock (creating the directory), sweeping debris first."""
    from tradecli.fsutil import locked, sweep

    hint = "point report.output_dir at a directory that exists or can be created, and is writable"
    with locked(
        directory / LOCK_NAME,
        LOCK_TIMEOUT,
        f"the report directory {directory}",
        unwritable_hint=hint,
    ):
        sweep(directory)
        sweep(directory / HISTORY_DIR)
        yield


def select(specs: tuple[ReportSpec, ...], names: list[str] | None, where: str) -> list[ReportSpec]:
    """The reports a run covers: all of them, or those named (each must exist)."""
    if not specs:
        raise UsageError(
            f"no [[report]] entries in {where}",
            hint="add some: see `tradecli report` in the README and the example in config.toml",
        )
    if not names:
        return list(specs)
    known = {s.name for s in specs}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(
            f"no report named {unknown[0]!r}",
            hint=f"reports in the config: {', '.join(sorted(known))}",
        )
    return [s for s in specs if s.name in names]


def dry_run_plan(
    specs: list[ReportSpec],
    build: Callable[[ReportSpec, Callable[[str], None]], Built],
    render: Render,
    source: str,
) -> list[str]:
    """What a run would do, one line per report and per file; writes nothing.

    ``source``: what a real run would read, in order (e.g. "cache, then the OEC API,
    else the embedded sample").
    """
    lines = []
    for spec in specs:
        from tradecli.publish import current

        into = current(spec.output_dir) or spec.output_dir  # the history the run would read
        outcome = run_one(spec, build, render, dry_run=True, into=into)
        lines.append(
            f"{spec.name}: {spec.command} {spec.reporter}"
            f"{' ' + spec.partner if spec.partner else ''}, period {spec.period}; "
            f"would read {source}"
        )
        if outcome.status == "failed":
            lines.append(f"  (offline, it cannot be built yet: {outcome.error})")
            plan = [
                str(
                    spec.output_dir
                    / spec.filename.format(
                        name=spec.name, period="{period}", command=spec.command, ext=EXTENSIONS[f]
                    )
                )
                for f in spec.formats
            ]
        else:
            plan = outcome.plan
        lines.extend(f"  would write {path}" for path in plan)
    return lines


class RunResult(Struct):
    outcomes: list[Outcome]
    exit_code: ExitCode


def run(
    all_specs: tuple[ReportSpec, ...],
    specs: list[ReportSpec],
    build: Callable[[ReportSpec, Callable[[str], None]], Built],
    render: Render,
    now: Callable[[], str],
) -> RunResult:
    """Run ``specs`` under each output directory's lock and update every manifest.

    A directory that cannot be created, locked or written fails its reports with
    a storage error; the other directories still run. The manifest of a
    directory describes every report of the config that writes there.
    """
    outcomes: dict[str, Outcome] = {}
    by_dir: dict[Path, list[ReportSpec]] = {}
    for spec in specs:
        by_dir.setdefault(spec.output_dir, []).append(spec)
    for directory in sorted(by_dir):
        group = by_dir[directory]
        members = [s for s in all_specs if s.output_dir == directory]
        try:
            with _locked(directory):
                _run_directory(directory, group, members, outcomes, build, render, now)
        except StorageError as exc:
            for spec in group:
                done = outcomes.get(spec.name)
                if done is None or done.status == "ok":
                    outcomes[spec.name] = Outcome(
                        name=spec.name,
                        status="failed",
                        error=exc.message,
                        hint=exc.hint,
                        exit_code=exc.exit_code,
                        ran_at=now(),
                    )
    ordered = [outcomes[s.name] for s in specs]
    return RunResult(ordered, exit_code_for(ordered))


def _run_directory(
    directory: Path,
    group: list[ReportSpec],
    members: list[ReportSpec],
    outcomes: dict[str, Outcome],
    build: Callable[[ReportSpec, Callable[[str], None]], Built],
    render: Render,
    now: Callable[[], str],
) -> None:
    """Run ``group`` into a new generation of ``directory`` and publish it in one rename
    (where symlinks cannot be made, see ``tradecli.publish``: the files are then also
    put in place as plain files, the manifest last)."""
    from tradecli import publish
    from tradecli.fsutil import _storage_error, write_atomic

    def run_all(into: Path) -> None:
        for spec in group:
            outcome = run_one(spec, build, render, into=into)
            outcome.ran_at = now()
            outcomes[spec.name] = outcome
        path = into / MANIFEST
        text = manifest(members, [outcomes[s.name] for s in group], _read_manifest(path))
        write_atomic(path, json.dumps(text, indent=2) + "\n")

    try:
        generation = publish.Generation(directory, _legacy_names(directory), [HISTORY_DIR])
    except OSError as exc:
        raise _storage_error(exc, directory) from None
    try:
        run_all(generation.path)
        generation.publish()
    except OSError as exc:
        generation.discard()
        raise _storage_error(exc, directory) from None
    except BaseException:
        generation.discard()
        raise


def _legacy_names(directory: Path) -> list[str]:
    """The files an older tradecli wrote in place: the manifest and those it lists."""
    names = [MANIFEST]
    for entry in _reports(_read_manifest(directory / MANIFEST)):
        files = entry.get("files") if isinstance(entry, dict) else None
        for file in files if isinstance(files, list) else []:
            name = file.get("path") if isinstance(file, dict) else None
            if isinstance(name, str) and "/" not in name:
                names.append(name)
    return names


def exit_code_for(outcomes: list[Outcome]) -> ExitCode:
    """ok; alert; the failure's own code when every report failed alike; else partial."""
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        codes = {o.exit_code for o in failed}
        if len(failed) == len(outcomes) and len(codes) == 1:
            return codes.pop()
        return ExitCode.PARTIAL
    # Answers from weaker data than asked (STALE, FALLBACK) come before alerts computed
    # from them; then the alerts.
    degraded = sorted({o.exit_code for o in outcomes} - {ExitCode.OK})
    if degraded:
        return degraded[-1]
    if any(o.mailed_alerts for o in outcomes):
        return ExitCode.ALERT
    return ExitCode.OK


def error_line(stamp: str, who: str, message: str, hint: str | None) -> str:
    """One line for cron's mail that says what to do: timestamp, report name, ERROR."""
    return f"{stamp} {who} ERROR {message}" + (f" (hint: {hint})" if hint else "")


def log_lines(outcome: Outcome, stamp: str) -> list[str]:
    """What cron must mail about one report: one line each, timestamp and report name first
    (warnings, the error, alerts, changes of basis, revisions); nothing when all went well.
    Alerts already mailed for their period are held back under ``repeat = "once-per-period"``.
    """
    head = f"{stamp} {outcome.name}"
    lines = [f"{head} WARNING {w}" for w in outcome.warnings]
    if outcome.status == "failed":
        lines.append(error_line(stamp, outcome.name, outcome.error or "failed", outcome.hint))
    lines += [f"{head} ALERT {a}" for a in outcome.mailed_alerts]
    lines += [f"{head} BASIS {b}" for b in outcome.basis_changes]
    lines += [f"{head} REVISED {describe_revision(c)}" for c in outcome.revisions]
    return lines


def written_lines(outcome: Outcome, stamp: str, output_dir: Path) -> list[str]:
    return [f"{stamp} {outcome.name} wrote {output_dir / f['path']}" for f in outcome.files]


# -- cron --------------------------------------------------------------------------------


def crontab_line(
    schedule: str,
    command: list[str],
    config: Path,
    start: dt.datetime,
    names: tuple[str, ...] = (),
    *,
    cache_dir: Path | None = None,
) -> list[str]:
    """A validated crontab line running ``tradecli report`` with absolute paths, and the
    comment naming its next run. ``cache_dir``: the TRADECLI_CACHE_DIR the line sets
    (cron's environment has none of the shell's)."""
    from cronsim import CronSim, CronSimError

    nickname = schedule.strip().lower()
    if nickname in NICKNAMES:
        # cron's own shorthands: written as given, checked as what they stand for.
        words = _report_words(command, config, names, cache_dir)
        if nickname == "@reboot":
            return ["# runs each time this machine starts (cron's @reboot)", f"@reboot {words}"]
        upcoming = next(CronSim(NICKNAMES[nickname], start))
        return [
            f"# next run: {upcoming.isoformat(timespec='minutes')} (this machine's time)",
            f"{nickname} {words}",
        ]
    fields = schedule.split()
    if len(fields) != 5:
        raise UsageError(
            f"--crontab {schedule!r} is not a five-field cron schedule",
            hint='minute hour day-of-month month day-of-week, e.g. "0 6 * * 1", '
            "or one of " + ", ".join(NICKNAMES),
        )
    try:
        upcoming = next(CronSim(" ".join(fields), start))
    except (CronSimError, StopIteration) as exc:
        raise UsageError(
            f"--crontab {schedule!r} is not a valid cron schedule: {exc}",
            hint='minute hour day-of-month month day-of-week, e.g. "0 6 * * 1"',
        ) from None
    line = " ".join(fields) + " " + _report_words(command, config, names, cache_dir)
    return [f"# next run: {upcoming.isoformat(timespec='minutes')} (this machine's time)", line]


NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
    "@reboot": "",
}


def _report_words(
    command: list[str], config: Path, names: tuple[str, ...], cache_dir: Path | None = None
) -> str:
    words = [*command, "--config", str(config), "report"]
    for name in names:
        words += ["--name", name]
    line = " ".join(shlex.quote(w) for w in words)
    if cache_dir is not None:  # a variable assignment before the command, for sh
        line = f"TRADECLI_CACHE_DIR={shlex.quote(str(cache_dir))} {line}"
    # cron turns an unescaped % into a newline: escape it in paths.
    return line.replace("%", "\\%")
