"""Every output format of every command: goldens, strict JSON, TSV, and --output inference."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
from pathlib import Path

import pytest

from tradecli import reports
from tradecli.cli import app
from tradecli.commands import COMMANDS as REGISTRY
from tradecli.config import OutputFormat
from tradecli.errors import ExitCode
from tradecli.render import FORMATS

GOLDEN = Path(__file__).parent / "golden"
SVG = re.compile(r"<svg.*?</svg>", re.S)
# The command line each golden file was written with; a command registered later runs
# its first --help example, so it is in every test below without an edit here.
GOLDEN_ARGS = {
    "balance": ["balance", "PAK", "JPN", "--from", "2024-08"],
    "products": ["products", "CHL", "ARG", "--from", "2004", "--level", "hs2", "--top", "5"],
    "partners": ["partners", "PAK", "--from", "2006", "--sort", "deficit", "--top", "5"],
    "series": ["series", "PAK", "JPN", "--from", "2019-11", "--to", "2021-01"],
}


def _example(name: str) -> list[str]:
    """A registered command's first --help example, as arguments."""
    line = REGISTRY[name].examples[0].split("#", 1)[0]
    return shlex.split(line)[1:]


COMMANDS = {
    **{name: GOLDEN_ARGS.get(name) or _example(name) for name in REGISTRY},
    "balance-mirror": ["balance", "PAK", "JPN", "--from", "2024-08", "--mirror"],
}
# Commands the embedded sample cannot answer (drivers needs two periods of products)
# import a real file first, from ../shared/data; their goldens hold no import time.
NEEDS_IMPORT = {
    "drivers": "real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv",
}
IMPORT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


@pytest.fixture(autouse=True)
def _imported(request, runner, isolated) -> None:
    callspec = getattr(request.node, "callspec", None)
    command = callspec.params.get("command") if callspec is not None else None
    if command in NEEDS_IMPORT:
        from tests.conftest import require_shared_data, run_import

        run_import(runner, require_shared_data() / NEEDS_IMPORT[command])


CODE_TABLES = {
    "countries": ["countries", "pakistan"],
    "products-codes": ["products-codes", "8703"],
}


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TRADECLI_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with TRADECLI_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def _strict_json(text: str) -> object:
    def refuse(name: str) -> object:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_registry_is_the_one_list_of_formats() -> None:
    assert [f.value for f in OutputFormat] == list(FORMATS)
    assert reports.FORMATS == tuple(FORMATS)
    assert reports.EXTENSIONS == {n: f.extension for n, f in FORMATS.items()}
    assert FORMATS["tsv"].extension == "tsv" and FORMATS["table"].extension == "txt"
    assert len({f.extension for f in FORMATS.values()}) == len(FORMATS)  # inference is unique


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("command", [c for c in REGISTRY if c != "balance"])
def test_golden_every_format_of_every_command(runner, command, fmt) -> None:
    # balance has its goldens in test_reports (written with --output, compared with stdout).
    result = runner.invoke(app, [*COMMANDS[command], "-f", fmt])
    assert result.exit_code == 0, result.stderr
    text = SVG.sub("<svg/>", result.stdout) if fmt == "html" else result.stdout
    text = IMPORT_TIME.sub("<import time>", text)
    _golden(f"{command}.{FORMATS[fmt].extension}", text)


def test_golden_balance_tsv(runner) -> None:
    result = runner.invoke(app, [*COMMANDS["balance"], "-f", "tsv"])
    assert result.exit_code == 0, result.stderr
    _golden("balance.tsv", result.stdout)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_json_of_every_command_is_strict_json(runner, command) -> None:
    result = runner.invoke(app, [*COMMANDS[command], "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = _strict_json(result.stdout)
    assert isinstance(doc, dict) and doc["schema"].startswith("tradecli.")
    assert doc["currency"] == "USD"


@pytest.mark.parametrize("table", list(CODE_TABLES))
def test_json_of_code_tables_is_strict_json(runner, table) -> None:
    result = runner.invoke(app, [*CODE_TABLES[table], "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert isinstance(_strict_json(result.stdout), list)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_tsv_is_csv_with_tabs_for_every_command(runner, command) -> None:
    tsv = runner.invoke(app, [*COMMANDS[command], "-f", "tsv"])
    comma = runner.invoke(app, [*COMMANDS[command], "-f", "csv"])
    assert tsv.exit_code == 0 and comma.exit_code == 0, tsv.stderr + comma.stderr
    tsv_rows = list(csv.reader(io.StringIO(tsv.stdout), delimiter="\t"))
    csv_rows = list(csv.reader(io.StringIO(comma.stdout)))
    assert tsv_rows == csv_rows and len(tsv_rows) > 1
    assert tsv_rows[0][-1] == "currency" and "\t" in tsv.stdout.splitlines()[0]
    assert all(row[-1] == "USD" for row in tsv_rows[1:])


@pytest.mark.parametrize("table", list(CODE_TABLES))
def test_tsv_of_code_tables(runner, table) -> None:
    result = runner.invoke(app, [*CODE_TABLES[table], "-f", "tsv"])
    assert result.exit_code == 0, result.stderr
    header = result.stdout.splitlines()[0].split("\t")
    if table == "countries":
        assert header == ["iso3", "iso2", "m49", "oec_id", "name", "current"]
        assert "PAK\tPK\t" in result.stdout
    else:
        assert header == ["code", "level", "section", "description"]
        assert "\n8703\t" in result.stdout


@pytest.mark.parametrize("command", list(COMMANDS))
def test_csv_has_a_currency_column_on_every_table(runner, command) -> None:
    result = runner.invoke(app, [*COMMANDS[command], "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and all(r["currency"] == "USD" for r in rows)


# -- --output ------------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "check"), [
    (".json", lambda t: _strict_json(t)["schema"] == "tradecli.balance/2"),
    (".csv", lambda t: t.startswith("reporter,partner,measure,from_period,")),
    (".tsv", lambda t: t.startswith("reporter\tpartner\tmeasure\tfrom_period\t")),
    (".md", lambda t: t.startswith("## Pakistan (PAK) with Japan (JPN), USD\n")),
    (".html", lambda t: t.startswith("<!DOCTYPE html>") and 'id="chart' in t),
    (".txt", lambda t: "Exports to Japan" in t and "Sources" in t and "|" not in t),
    (".JSON", lambda t: _strict_json(t)["currency"] == "USD"),
])  # fmt: skip
def test_output_infers_the_format_from_the_extension(runner, tmp_path, suffix, check) -> None:
    target = tmp_path / f"out{suffix}"
    result = runner.invoke(app, [*COMMANDS["balance"], "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert check(target.read_text(encoding="utf-8"))


def test_output_extension_beats_the_configured_format(runner, tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[output]\nformat = "json"\n')
    target = tmp_path / "b.csv"
    result = runner.invoke(app, ["--config", str(cfg), *COMMANDS["balance"], "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.read_text().startswith("reporter,partner,measure,")
    plain = runner.invoke(app, ["--config", str(cfg), *COMMANDS["balance"]])
    assert _strict_json(plain.stdout)  # without -o, the config's format still holds


def test_unknown_extension_keeps_the_configured_format(runner, tmp_path) -> None:
    target = tmp_path / "b.out"
    result = runner.invoke(app, [*COMMANDS["balance"], "-f", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.read_text().startswith("reporter,partner,measure,")


@pytest.mark.parametrize("command", ["balance", "countries", "products-codes"])
@pytest.mark.parametrize("suffix", [".xlsx", ".pdf", ".docx"])
def test_an_extension_no_format_has_is_refused(runner, tmp_path, command, suffix) -> None:
    """Issue 21.7: `-o report.xlsx` wrote the text table into it and exited 0."""
    args = {**COMMANDS, **CODE_TABLES}[command]
    target = tmp_path / f"report{suffix}"
    result = runner.invoke(app, [*args, "-o", str(target)])
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert f"cannot write {suffix} files" in result.stderr and not target.exists()
    # The hint lists what it can write, straight from the registry.
    assert all(f".{f.extension} ({f.name})" in result.stderr for f in FORMATS.values())
    assert result.stdout == "" and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("suffix", "start"),
    [(".htm", "<!DOCTYPE html>"), (".markdown", "## Pakistan (PAK)"), (".HTM", "<!DOCTYPE")],
)
def test_the_obvious_synonyms_are_their_format(runner, tmp_path, suffix, start) -> None:
    target = tmp_path / f"page{suffix}"
    result = runner.invoke(app, [*COMMANDS["balance"], "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.read_text().startswith(start)


@pytest.mark.parametrize(("suffix", "check"), [(".json", "[\n"), (".csv", "iso3,")])
def test_code_tables_infer_the_format_from_the_extension_too(
    runner, tmp_path, suffix, check
) -> None:
    target = tmp_path / f"countries{suffix}"
    result = runner.invoke(app, [*CODE_TABLES["countries"], "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.read_text().startswith(check)


@pytest.mark.parametrize("fmt", ["csv", "table", "markdown"])
def test_format_contradicting_the_extension_is_a_usage_error(runner, tmp_path, fmt) -> None:
    target = tmp_path / "b.json"
    result = runner.invoke(app, [*COMMANDS["balance"], "-f", fmt, "-o", str(target)])
    assert result.exit_code == ExitCode.USAGE
    assert "contradicts" in result.stderr and "b.json" in result.stderr
    assert "Traceback" not in result.stderr and not target.exists()


def test_format_agreeing_with_the_extension_is_fine(runner, tmp_path) -> None:
    target = tmp_path / "b.json"
    result = runner.invoke(app, [*COMMANDS["balance"], "-f", "json", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert _strict_json(target.read_text())


@pytest.mark.parametrize("command", list(REGISTRY))
def test_dash_output_is_stdout(runner, tmp_path, monkeypatch, command) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*COMMANDS[command], "-f", "json", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert _strict_json(result.stdout)
    assert not (tmp_path / "-").exists() and "Wrote" not in result.stderr


def test_html_output_by_extension_draws_the_balance_chart(runner, tmp_path) -> None:
    # The chart needs the monthly series, computed only when the format is HTML: the
    # inferred format must reach the request, not just the renderer.
    target = tmp_path / "page.html"
    result = runner.invoke(app, [*COMMANDS["balance"], "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    text = target.read_text()
    # Two months of data on a 13-month span: the two compared periods, as bars.
    assert '<figure id="chart"><svg role="img"' in text
    assert "exports, imports and balance, August 2024 and August 2025" in text


def test_report_writes_every_registered_format(runner, tmp_path, monkeypatch) -> None:
    """`report` takes its formats and extensions from the registry: tsv needs no edit there."""
    config = tmp_path / "tradecli.toml"
    formats = ", ".join(f'"{name}"' for name in FORMATS)
    config.write_text(
        '[api]\nnetwork = "never"\n\n[[report]]\nname = "pak-jpn"\nreporter = "PAK"\n'
        f'partner = "JPN"\nperiod = "latest-month-yoy"\nformats = [{formats}]\n'
        f'output_dir = "{tmp_path / "out"}"\n'
        "[report.alerts]\ndeficit_beyond = 1000000\n"
    )
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.ALERT, result.stderr
    written = {p.suffix for p in (tmp_path / "out").iterdir() if p.is_file()}
    assert {"." + f.extension for f in FORMATS.values()} <= written
    tsv = next((tmp_path / "out").glob("*.tsv")).read_text()
    assert tsv.startswith("reporter\tpartner\tmeasure\tfrom_period\t") and tsv.count("\tUSD\n") == 3
    # the run's alerts reach the formats for people, once, as a section
    md = next((tmp_path / "out").glob("*.md")).read_text()
    assert md.count("### Alerts") == 1 and "deficit of $127M" in md
    text = next((tmp_path / "out").glob("*.txt")).read_text()
    assert "Alerts" in text and "deficit of $127M" in text
    assert _strict_json(next((tmp_path / "out").glob("pak-jpn*.json")).read_text())["alerts"]
