"""Every command through the real Typer app: stdout, stderr and exit code."""

import json
from pathlib import Path

import pytest

from tradecli.cli import app
from tradecli.commands import COMMANDS
from tradecli.errors import ExitCode


def test_headline_table(runner) -> None:
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert result.stderr == ""
    assert "Aug 2024" in out and "Aug 2025" in out
    exports = next(line for line in out.splitlines() if "Exports to Japan" in line)
    imports = next(line for line in out.splitlines() if "Imports from Japan" in line)
    balance = next(line for line in out.splitlines() if line.strip().startswith("Balance"))
    assert "$17M" in exports and "$15.1M" in exports and "-11%" in exports
    assert "$111M" in imports and "$142M" in imports and "+28%" in imports
    assert "-$127M" in balance
    assert (
        "In August 2025, Pakistan exported $15.1M‡ to Japan and imported $142M‡ from "
        "Japan, resulting in a negative trade balance of $127M." in out
    )
    assert "decreased by 11%" in out and "increased by 28%" in out
    assert "Reconstructed, not published as such" in out
    assert "embedded sample" in out
    assert "\x1b[" not in out  # no colour codes when not a terminal


def test_headline_json(runner) -> None:
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "tradecli.balance/2"
    assert doc["query"]["from"] == "2024-08" and doc["query"]["to"] == "2025-08"
    assert doc["query"]["reporter"]["iso3"] == "PAK"
    figures = doc["figures"]
    assert figures["imports"]["growth_pct"] == pytest.approx(28.0)
    assert figures["exports"]["growth_pct"] == pytest.approx(-11.0)
    assert figures["balance"]["to"] == pytest.approx(-127_000_000)
    assert figures["balance"]["growth_pct"] is None
    assert doc["provenance"]["origin"] == "sample"
    assert doc["provenance"]["sources"][0]["reconstructed"] is True
    assert "negative trade balance of $127M" in doc["sentence"]


def test_names_in_any_form_give_the_same_answer(runner) -> None:
    base = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", "json"])
    other = runner.invoke(app, ["balance", "pakistan", "392", "--from", "202408", "-f", "json"])
    assert other.exit_code == 0, other.stderr
    assert json.loads(other.stdout)["figures"] == json.loads(base.stdout)["figures"]


def test_single_year_and_missing_growth_rendering(runner) -> None:
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2006"])
    assert result.exit_code == 0, result.stderr
    assert "In 2006, Pakistan exported $206M to Japan and imported $1.94B" in result.stdout
    assert "Growth" not in result.stdout
    assert "gravity-2006" in result.stdout


def test_no_color_env_and_width(runner) -> None:
    result = runner.invoke(
        app, ["balance", "CHL", "ARG", "--from", "2002", "--to", "2006"], env={"NO_COLOR": "1"}
    )
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    assert (
        max(len(line) for line in result.stdout.splitlines() if "│" in line or "─" in line) <= 100
    )


def test_color_always_from_config(runner, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[output]\ncolor = "always"\n')
    result = runner.invoke(app, ["--config", str(cfg), "balance", "PAK", "JPN"])
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" in result.stdout
    result = runner.invoke(
        app, ["--config", str(cfg), "balance", "PAK", "JPN"], env={"NO_COLOR": "1"}
    )
    assert "\x1b[" not in result.stdout  # environment beats the file


def test_format_from_config_and_flag_precedence(runner, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[output]\nformat = "json"\n')
    result = runner.invoke(app, ["balance", "PAK", "JPN"], env={"TRADECLI_CONFIG": str(cfg)})
    assert json.loads(result.stdout)["query"]["to"] == "2025-08"
    result = runner.invoke(
        app, ["balance", "PAK", "JPN", "-f", "table"], env={"TRADECLI_CONFIG": str(cfg)}
    )
    assert result.stdout.lstrip().startswith("Pakistan (PAK) with Japan (JPN)")


def _bad_config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return str(path)


BAD_INPUTS = [
    # (id, args, exit code, fragment of stderr)
    ("unknown-country", ["balance", "PAK", "XYZ"], ExitCode.USAGE, "unknown country 'XYZ'"),
    ("typo-suggests", ["balance", "Pakistn", "JPN"], ExitCode.USAGE, "did you mean Pakistan (PAK)"),
    ("typo-iso3", ["balance", "PAK", "JPNN"], ExitCode.USAGE, "did you mean Japan (JPN)"),
    ("bad-numeric", ["balance", "PAK", "99999"], ExitCode.USAGE, "numeric code"),
    ("same-country", ["balance", "PAK", "PAK"], ExitCode.USAGE, "both Pakistan"),
    ("same-country-forms", ["balance", "PAK", "aspak"], ExitCode.USAGE, "both Pakistan"),
    ("bad-month", ["balance", "PAK", "JPN", "--from", "2024-13"], ExitCode.USAGE, "month 13"),
    ("month-zero", ["balance", "PAK", "JPN", "--from", "2024-00"], ExitCode.USAGE, "month 0"),
    ("bad-format", ["balance", "PAK", "JPN", "--from", "Aug-2024"], ExitCode.USAGE, "cannot read"),
    ("slash-date", ["balance", "PAK", "JPN", "--from", "2024/08"], ExitCode.USAGE, "YYYY-MM"),
    ("future", ["balance", "PAK", "JPN", "--from", "2999-01"], ExitCode.USAGE, "future"),
    ("ancient", ["balance", "PAK", "JPN", "--from", "1066"], ExitCode.USAGE, "out of range"),
    (
        "reversed",
        ["balance", "PAK", "JPN", "--from", "2025-08", "--to", "2024-08"],
        ExitCode.USAGE,
        "comes after",
    ),
    (
        "mixed-frequency",
        ["balance", "PAK", "JPN", "--from", "2006", "--to", "2025-08"],
        ExitCode.USAGE,
        "is a year",
    ),
    (
        "uncovered-month",
        # Not one figure computable (the missing-data rule); with one it prints, exit 0.
        ["balance", "PAK", "JPN", "--from", "2023-08", "--to", "2023-09"],
        ExitCode.NO_DATA,
        "no complete figure for Pakistan (PAK) with Japan (JPN) in August 2023",
    ),
    (
        "uncovered-to",
        ["balance", "PAK", "JPN", "--from", "2024-09", "--to", "2025-01"],
        ExitCode.NO_DATA,
        "2019-12, 2020-11..2020-12, 2024-08, 2025-08",
    ),
    (
        "uncovered-year",
        ["balance", "PAK", "JPN", "--from", "2010"],
        ExitCode.NO_DATA,
        "no data for Pakistan (PAK) with Japan (JPN) in 2010 or later (latest: 2006)",
    ),
    ("pair-not-in-sample", ["balance", "AND", "TUV"], ExitCode.NO_DATA, "no trade data"),
    ("missing-partner", ["balance", "PAK"], ExitCode.USAGE, "Missing argument"),
    ("unknown-option", ["balance", "PAK", "JPN", "--frm", "2024-08"], ExitCode.USAGE, "--from"),
    ("bad-format-choice", ["balance", "PAK", "JPN", "-f", "xml"], ExitCode.USAGE, "xml"),
    ("unknown-command", ["balanse", "PAK", "JPN"], ExitCode.USAGE, "balance"),
    (
        "missing-config",
        ["--config", "/nonexistent/tradecli.toml", "balance", "PAK", "JPN"],
        ExitCode.USAGE,
        "does not exist",
    ),
    ("countries-no-match", ["countries", "zzzzqq"], ExitCode.USAGE, "no country matches"),
]

BAD_CONFIGS = [
    ("config-unknown-key", '[output]\nfromat = "json"\n', "unknown key output.fromat"),
    ("config-unknown-section", "[ouput]\n", "unknown section [ouput]"),
    ("config-bad-value", '[output]\nformat = "xml"\n', "output.format must be one of"),
    ("config-bad-type", '[output]\nwidth = "wide"\n', "output.width must be an integer"),
    ("config-not-toml", "[output\nformat=", "not valid TOML"),
    ("config-not-table", 'output = "json"\n', "must be a table"),
]


@pytest.mark.parametrize(
    ("args", "code", "fragment"), [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input(runner, args: list[str], code: ExitCode, fragment: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert fragment in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("text", "fragment"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS]
)
def test_bad_config(runner, tmp_path: Path, text: str, fragment: str) -> None:
    path = _bad_config(tmp_path, text)
    for invoke in (
        lambda: runner.invoke(app, ["--config", path, "balance", "PAK", "JPN"]),
        lambda: runner.invoke(app, ["balance", "PAK", "JPN"], env={"TRADECLI_CONFIG": path}),
    ):
        result = invoke()
        assert result.exit_code == ExitCode.USAGE
        assert fragment in result.stderr and path in result.stderr
        assert result.stderr.startswith("Error: ")
        assert result.stdout == ""
        assert "Traceback" not in result.stderr


def test_at_least_25_bad_inputs() -> None:
    assert len(BAD_INPUTS) + len(BAD_CONFIGS) >= 25


def test_user_config_in_platform_dir_is_read(runner, isolated: Path) -> None:
    cfg = isolated / "config" / "tradecli" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('[output]\nformat = "json"\n')
    result = runner.invoke(app, ["balance", "PAK", "JPN"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["schema"] == "tradecli.balance/2"
    path = runner.invoke(app, ["config-path"])
    assert path.stdout.strip() == str(cfg)


HELP_EXAMPLES = {
    (): "tradecli balance PAK JPN --from 2024-08",
    ("balance",): "tradecli balance PAK JPN --from 2024-08",
    ("fetch",): "tradecli fetch PAK JPN --from 2023-01",
    ("countries",): "tradecli countries korea",
    ("config-path",): "Example: cp config.toml",
    ("cache",): "Example: tradecli cache info",
    ("cache", "info"): "tradecli cache info --format json",
    ("cache", "path"): "Example: ls",
    ("cache", "clear"): "tradecli cache clear --older-than 30d",
    ("products",): "tradecli products CHL ARG --from 2004 --level hs2",
    ("partners",): "tradecli partners PAK --from 2006 --sort deficit",
    ("series",): "tradecli series PAK JPN --from 2019-11 --to 2021-01",
    ("import",): "tradecli import comtrade_extract.csv",
    ("report",): "tradecli report --name pak-jpn-monthly --dry-run",
    ("products-codes",): "Example: tradecli products-codes",
}


@pytest.mark.parametrize("command", list(HELP_EXAMPLES), ids=lambda c: " ".join(c) or "top")
def test_help_explains_itself_with_an_example(runner, command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    assert HELP_EXAMPLES[command] in result.stdout
    if command == ("balance",):
        assert "exports minus imports" in result.stdout


def test_no_args_shows_help(runner) -> None:
    result = runner.invoke(app, [])
    assert "balance" in result.output and "Usage:" in result.output


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        ([], "Hint: try tradecli balance PAK JPN --from 2024-08 (the embedded sample), or "),
        (["cache"], "Hint: add one of the commands listed above (see tradecli cache --help)"),
        (["fx"], "Hint: add one of the commands listed above (see tradecli fx --help)"),
    ],
)
def test_no_command_ends_in_the_error_and_hint_pair(runner, args, hint) -> None:
    # A bare `tradecli` (or group) in a script or crontab is a mistake: the help, then
    # the one Error and one Hint line every usage mistake ends with, exit 2.
    result = runner.invoke(app, args, prog_name="tradecli")
    assert result.exit_code == ExitCode.USAGE and result.stdout == ""
    *help_lines, error, last = result.stderr.splitlines()
    assert any(line.startswith("Usage: tradecli") for line in help_lines)
    assert error == "Error: no command given to " + " ".join(["tradecli", *args])
    assert last.startswith(hint)


def test_version(runner) -> None:
    from tradecli import __version__

    result = runner.invoke(app, ["--version"])
    assert result.stdout.strip() == f"tradecli {__version__}"


def test_countries_search(runner) -> None:
    result = runner.invoke(app, ["countries", "korea", "-f", "json"])
    assert result.exit_code == 0
    found = {c["iso3"] for c in json.loads(result.stdout)}
    assert found == {"KOR", "PRK"}
    table = runner.invoke(app, ["countries", "yugo"])
    assert "euyug" in table.stdout and table.stdout.split()[-1] == "no"  # not a current country


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (
            ["balance", "PAK", "JPN", "--period", "ytd", "--to", "2025"],
            ExitCode.USAGE,
            "needs --to as a month",
        ),
        (
            ["balance", "PAK", "JPN", "--from", "FY2025"],
            ExitCode.NO_DATA,
            "no complete fiscal year",
        ),
        (
            ["balance", "PAK", "JPN", "--from", "2025-Q3"],
            ExitCode.NO_DATA,
            "from Q3 2025 on (latest data: August 2025)",  # a period the data hold
        ),
        (
            ["balance", "PAK", "JPN", "--period", "window", "--from", "2024", "--to", "2025"],
            ExitCode.USAGE,
            "needs --from and --to as months",
        ),
        (
            ["series", "PAK", "JPN", "--from", "2025-08", "--to", "2024-08"],
            ExitCode.USAGE,
            "comes after",
        ),
        (["import", "/bin/ls"], ExitCode.USAGE, "a binary file"),
    ],
)
def test_more_bad_inputs(runner, args, code, fragment) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.stderr
    assert fragment in result.stderr and result.stdout == ""
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "markdown", "html", "json", "table"])
def test_code_tables_in_every_format(runner, fmt) -> None:
    result = runner.invoke(app, ["countries", "pakistan", "-f", fmt])
    assert result.exit_code == 0, result.stderr
    assert "PAK" in result.stdout and "aspak" in result.stdout
    if fmt == "csv":
        assert result.stdout.splitlines()[0] == "iso3,iso2,m49,oec_id,name,current"
    codes = runner.invoke(app, ["products-codes", "8703", "-f", fmt])
    assert codes.exit_code == 0 and "8703" in codes.stdout


# -- one option vocabulary, global options, help that reads (issues 12 and 13) ---------

DATA_COMMANDS = tuple(COMMANDS)  # every registered command, with no list to keep in step


def _options(command) -> set[str]:
    return {opt for p in command.params for opt in p.opts}


@pytest.mark.parametrize("name", DATA_COMMANDS)
def test_every_data_command_takes_the_shared_options(name) -> None:
    import typer.main

    from tradecli.cli._app import OUTPUT_OPTIONS, SOURCE_OPTIONS, WINDOW_OPTIONS

    group = typer.main.get_command(app)
    shared = {*WINDOW_OPTIONS, *SOURCE_OPTIONS, *OUTPUT_OPTIONS}
    assert shared <= _options(group.commands[name])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["balance", "PAK", "JPN", "--offline", "--refresh"], "--offline and --refresh"),
        (["series", "PAK", "JPN", "--offline", "--refresh"], "--offline and --refresh"),
        (["products", "CHL", "ARG", "--from", "2004", "--refresh"], "--refresh fetches from"),
        (["partners", "CHL", "--from", "2002", "--cube", "x"], "--cube does not apply"),
        (["series", "PAK", "JPN", "--compare", "previous"], "--compare do not apply"),
        (["-q", "balance", "PAK", "JPN", "-v"], "--quiet and --verbose"),
    ],
)
def test_contradictory_flags_are_usage_errors(runner, args, fragment) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert fragment in result.stderr and result.stdout == ""


def test_partners_and_products_accept_offline(runner) -> None:
    for args in (
        ["partners", "CHL", "--from", "2002", "--offline", "--top", "3"],
        ["products", "CHL", "ARG", "--from", "2004", "--offline", "--top", "3"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr


def test_global_options_before_or_after_the_command(runner, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[output]\nformat = "json"\n')
    before = runner.invoke(app, ["--config", str(config), "balance", "PAK", "JPN"])
    after = runner.invoke(app, ["balance", "PAK", "JPN", "--config", str(config)])
    joined = runner.invoke(app, ["balance", "PAK", "JPN", f"--config={config}"])
    assert before.exit_code == after.exit_code == joined.exit_code == 0, after.stderr
    assert before.stdout == after.stdout == joined.stdout
    json.loads(after.stdout)
    report = runner.invoke(app, ["report", "--config", str(config)])
    assert "No such option" not in report.stderr and "no [[report]] entries" in report.stderr
    for flag in ("-q", "--quiet", "-v", "--verbose", "--no-color"):
        assert runner.invoke(app, ["balance", "PAK", "JPN", flag]).exit_code == 0, flag


def test_quiet_silences_warnings_and_notices(runner, tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    loud = runner.invoke(app, ["countries", "kor", "-o", str(target)])
    assert loud.exit_code == 0 and f"Wrote {target}" in loud.stderr
    quiet = runner.invoke(app, ["countries", "kor", "-o", str(target), "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and "South Korea" in target.read_text()


def test_short_help_and_version_flags(runner) -> None:
    assert runner.invoke(app, ["-V"]).stdout.startswith("tradecli ")
    for args in (["-h"], ["balance", "-h"], ["cache", "info", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage:" in result.stdout, args


ALL_COMMANDS = [
    *([name] for name in COMMANDS),
    ["fetch"],
    ["import"],
    ["report"],
    ["products-codes"],
    ["countries"],
    ["config-path"],
    ["cache", "info"],
    ["cache", "clear"],
    ["cache", "path"],
    ["fx", "update"],
    ["fx", "info"],
]


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=" ".join)
def test_help_metavars_read_as_words(runner, command) -> None:
    text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "100"}).stdout
    assert "{" not in text.split("\n\n")[0]  # the usage line: REPORTER, not {REPORTER}
    assert "<int" not in text and "INTEGER RANGE" not in text and "TEXT" not in text


def test_root_help_summaries_are_whole_sentences(runner) -> None:
    text = runner.invoke(app, ["--help"], env={"COLUMNS": "80"}).stdout
    rows = text.split("Commands:")[1].strip().splitlines()
    # the registered data commands and the eight others (fetch, import, report, fx, ...)
    assert len(rows) == len(COMMANDS) + 8
    for row in rows:
        summary = row.split(None, 1)[1]
        assert summary.endswith(".") and not summary.endswith("..."), row


def test_import_takes_input_format(runner, tmp_path: Path) -> None:
    tidy = tmp_path / "t.csv"
    tidy.write_text("reporter,partner,flow,period,value_usd\nPAK,JPN,exports,2019,1\n")
    ok = runner.invoke(app, ["import", str(tidy), "--input-format", "tidy"])
    assert ok.exit_code == 0, ok.stderr
    old = runner.invoke(app, ["import", str(tidy), "--format", "tidy"])
    assert old.exit_code == ExitCode.USAGE  # --format is the output format everywhere


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_code_tables_write_to_output(runner, tmp_path: Path, fmt) -> None:
    for command in (["countries", "korea"], ["products-codes", "0306"]):
        target = tmp_path / f"{command[0]}.out"
        result = runner.invoke(app, [*command, "-f", fmt, "-o", str(target)])
        assert result.exit_code == 0, result.stderr
        assert (
            result.stdout == ""
            and target.read_text() == runner.invoke(app, [*command, "-f", fmt]).stdout
        )


def _stderr_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
    """Run tradecli with stderr on a pseudo-terminal; return its exit code and what it drew."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "tradecli", *args],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "100", **env},
        timeout=60,
    )
    os.close(follower)
    seen = b""
    try:
        while chunk := os.read(leader, 4096):
            seen += chunk
    except OSError:
        pass  # the terminal closed: everything was read
    os.close(leader)
    return proc.returncode, seen


def test_no_progress_bar_for_offline_sample_reads_on_a_terminal(tmp_path: Path) -> None:
    code, seen = _stderr_on_a_terminal(
        ["balance", "PAK", "JPN", "--from", "2024-08"], {"TRADECLI_CACHE_DIR": str(tmp_path)}
    )
    assert code == 0 and seen == b""


def test_progress_bar_for_network_fetches_on_a_terminal(live_config, tmp_path: Path) -> None:
    code, seen = _stderr_on_a_terminal(
        ["fetch", "CHL", "ARG", "--from", "2002", "--to", "2006"],
        {"TRADECLI_CONFIG": str(live_config), "TRADECLI_CACHE_DIR": str(tmp_path)},
    )
    assert code == 0 and b"fetching rows" in seen


def test_fetch_takes_format_and_output(runner, live_config, tmp_path: Path) -> None:
    target = tmp_path / "fetched.json"
    args = ["fetch", "CHL", "ARG", "--from", "2002", "--to", "2006"]
    result = runner.invoke(app, [*args, "-f", "json", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    summary = json.loads(target.read_text())
    assert summary["reporter"] == "CHL" and summary["partner"] == "ARG"
    assert summary["rows"] == 4 and summary["cube"] == "trade_i_baci_a_92"
    csv_out = runner.invoke(app, [*args, "-f", "csv"])
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("reporter,partner,rows,")


def test_cache_info_writes_to_output(runner, tmp_path: Path) -> None:
    target = tmp_path / "cache.json"
    result = runner.invoke(app, ["cache", "info", "-f", "json", "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["entries"] == []
