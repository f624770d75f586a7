"""Every user mistake: `Error: <one line>` + `Hint: <one line>` on stderr, nothing on stdout.

The README promises it for every mistake, including those click itself finds while
parsing the command line (a bad choice, an unknown option, a missing file).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.errors import ExitCode


def _error_and_hint(result, code: ExitCode = ExitCode.USAGE) -> tuple[str, str]:
    """The Error and Hint lines, after checking the shape every user mistake must have."""
    assert result.exit_code == int(code), (result.exit_code, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("Error: ") and lines[1].startswith("Hint: "), result.stderr
    return lines[0], lines[1]


# -- click's own parameter errors ------------------------------------------------------


def test_output_that_is_a_directory(runner: CliRunner, tmp_path: Path) -> None:
    error, hint = _error_and_hint(
        runner.invoke(app, ["balance", "PAK", "JPN", "-o", str(tmp_path)])
    )
    assert "is a directory" in error and str(tmp_path) in error
    assert "out.csv" in hint


def test_countries_say_yes_or_no_in_tables_and_keep_booleans_in_json(runner: CliRunner) -> None:
    text = runner.invoke(app, ["countries", "yugoslavia"]).stdout
    assert text.split()[-2:] == ["Yugoslavia", "no"]
    csv = runner.invoke(app, ["countries", "yugoslavia", "--format", "csv"]).stdout
    assert csv.splitlines()[1].endswith(",Yugoslavia,no")
    json_text = runner.invoke(app, ["countries", "yugoslavia", "--format", "json"]).stdout
    assert '"current": false' in json_text


def test_config_that_is_a_directory(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--config", str(tmp_path), "balance", "PAK", "JPN"])
    error, hint = _error_and_hint(result)
    assert "is a directory" in error and "config.toml" in hint


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_config_that_fails_to_read_is_an_error_not_a_traceback(runner: CliRunner) -> None:
    # Reading /proc/self/mem from offset 0 fails with EIO: an OSError that is neither a
    # missing file, a directory nor a permission problem (a device, a broken disk).
    result = runner.invoke(app, ["--config", "/proc/self/mem", "balance", "PAK", "JPN"])
    error, hint = _error_and_hint(result)
    assert error.startswith("Error: cannot read config file /proc/self/mem: ")
    assert "regular, readable TOML file" in hint


def test_invalid_choice_lists_the_choices(runner: CliRunner) -> None:
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--format", "xml"])
    error, hint = _error_and_hint(result)
    assert "'xml'" in error
    assert hint == "Hint: choose one of: table, csv, json, markdown, html, tsv"


def test_missing_import_file(runner: CliRunner) -> None:
    error, hint = _error_and_hint(runner.invoke(app, ["import", "/nonexistent.csv"]))
    assert "/nonexistent.csv" in error and "does not exist" in error
    assert "check the path" in hint and "quote a path with spaces" in hint


def test_no_such_option(runner: CliRunner) -> None:
    result = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2023-01", "--offline"])
    error, hint = _error_and_hint(result)
    assert error == "Error: No such option: --offline"
    assert hint == "Hint: run `tradecli fetch --help`"


def test_no_such_option_says_did_you_mean(runner: CliRunner) -> None:
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--outpt", "x.csv"])
    error, hint = _error_and_hint(result)
    assert error == "Error: No such option: --outpt"
    assert "did you mean --output?" in hint and "tradecli balance --help" in hint


@pytest.mark.parametrize(
    "args",
    [["balance"], ["nosuchcommand"], ["--bogus"], ["cache", "clear", "--bogus"]],
    ids=lambda a: " ".join(a),
)
def test_other_parse_errors(runner: CliRunner, args: list[str]) -> None:
    _, hint = _error_and_hint(runner.invoke(app, args))
    assert "--help" in hint


def test_help_is_unchanged(runner: CliRunner) -> None:
    for flag in ("--help", "-h"):
        result = runner.invoke(app, ["balance", flag])
        assert result.exit_code == 0 and result.stdout.startswith("Usage: tradecli balance")
        assert "Error" not in result.output
    group = runner.invoke(app, ["cache"])  # a group without its command: its help, then
    assert "Usage: tradecli cache" in group.output  # the Error + Hint of a usage mistake
    assert group.output.count("Error:") == 1 and group.exit_code == 2


# -- errors that had no hint -------------------------------------------------------------


def test_config_toml_syntax_error_names_file_and_what_to_do(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[output\nformat = "csv"\n')
    error, hint = _error_and_hint(
        runner.invoke(app, ["--config", str(config), "balance", "PAK", "JPN"])
    )
    assert "Expected ']'" in error and str(config) in error
    assert str(config) in hint and "config.toml in the project" in hint


def test_config_bad_value_names_file_key_and_example(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[output]\nformat = "xml"\n')
    error, hint = _error_and_hint(
        runner.invoke(app, ["--config", str(config), "balance", "PAK", "JPN"])
    )
    assert "output.format" in error and "'xml'" in error
    assert f"fix output.format in {config}" in hint and "every key and its default" in hint


def test_config_env_that_is_a_directory(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECLI_CONFIG", str(tmp_path))
    error, hint = _error_and_hint(runner.invoke(app, ["balance", "PAK", "JPN"]))
    assert "is a directory" in error
    assert str(tmp_path / "config.toml") in hint and "TRADECLI_CONFIG" in hint


def test_empty_older_than(runner: CliRunner) -> None:
    error, hint = _error_and_hint(runner.invoke(app, ["cache", "clear", "--older-than", ""]))
    assert "--older-than" in error
    assert "--older-than 30d" in hint


# -- config-path agrees with the other commands about a missing named file ---------------


@pytest.mark.parametrize("how", ["env", "flag"])
def test_config_path_says_a_missing_named_file_is_an_error_elsewhere(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    missing = tmp_path / "nowhere.toml"
    if how == "env":
        monkeypatch.setenv("TRADECLI_CONFIG", str(missing))
        before: list[str] = []
    else:
        before = ["--config", str(missing)]
    other = runner.invoke(app, [*before, "balance", "PAK", "JPN"])
    error, _ = _error_and_hint(other)
    assert f"config file {missing} does not exist" in error

    result = runner.invoke(app, [*before, "config-path"])
    assert result.exit_code == 0  # it answered: the path, for `cp config.toml "$(...)"`
    assert result.stdout == f"{missing}\n"
    warning, hint = result.stderr.splitlines()
    assert "built-in defaults apply" not in result.stderr
    named_by = "TRADECLI_CONFIG" if how == "env" else "--config"
    assert warning.startswith(f"Warning: {missing}, named by {named_by}, does not exist")
    assert f"error (exit {int(ExitCode.USAGE)})" in warning
    assert hint.startswith("Hint: copy the project's config.toml there")


def test_config_path_default_missing_file_means_defaults(runner: CliRunner) -> None:
    result = runner.invoke(app, ["config-path"])
    assert result.exit_code == 0
    assert result.stderr == "(the file does not exist; built-in defaults apply)\n"


# -- --refresh that cannot apply is refused, never ignored -------------------------------


def test_refresh_without_a_token_is_a_usage_error(runner: CliRunner) -> None:
    error, hint = _error_and_hint(runner.invoke(app, ["balance", "PAK", "JPN", "--refresh"]))
    assert "--refresh" in error and "OEC_TOKEN" in error
    assert "set OEC_TOKEN" in hint and 'api.network = "always"' in hint


def test_refresh_with_network_never_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[api]\nnetwork = "never"\n')
    result = runner.invoke(app, ["--config", str(config), "series", "PAK", "JPN", "--refresh"])
    error, hint = _error_and_hint(result)
    assert 'api.network is "never"' in error and str(config) in error
    assert "drop --refresh" in hint


# -- report without any config file --------------------------------------------------------


@pytest.mark.parametrize("extra", [[], ["--crontab", "0 6 * * 1"]], ids=["run", "crontab"])
def test_report_without_a_config_file_says_so(
    runner: CliRunner, isolated: Path, extra: list[str]
) -> None:
    default = isolated / "config" / "tradecli" / "config.toml"  # XDG_CONFIG_HOME, no file
    result = runner.invoke(app, ["report", *extra])
    message = f"there is no config file at {default}, so no [[report]] to run"
    if extra:  # --crontab is run by a person: Error and Hint
        error, hint = _error_and_hint(result)
        assert error == f"Error: {message}"
    else:  # a run is what cron mails: one stamped line (issue 21.4)
        assert result.exit_code == ExitCode.USAGE and result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.split(" ", 1)[1].startswith(f"tradecli ERROR {message} (hint: ")
        hint = line
    assert f"copy the project's config.toml to {default}" in hint and "--config" in hint


# -- import: every format in the hint, the column as the file spells it -------------------


def test_unknown_file_format_hint_lists_every_import_format(
    runner: CliRunner, tmp_path: Path
) -> None:
    from tradecli.importer_options import ImportFormat

    for name, text in (("x.csv", "a,b\n1,2\n"), ("x.json", '{"rows": []}\n')):
        path = tmp_path / name
        path.write_text(text)
        error, hint = _error_and_hint(runner.invoke(app, ["import", str(path)]))
        assert str(path) in error
        assert f"--input-format {'|'.join(f.value for f in ImportFormat)}" in hint
        assert "ots" in hint and "gravity" in hint
    help_text = " ".join(runner.invoke(app, ["import", "--help"]).stdout.split())
    assert ", ".join(f.value for f in ImportFormat) in help_text


@pytest.mark.parametrize("column", ["value_usd", "Value USD"])
def test_bad_value_names_the_column_as_written(
    runner: CliRunner, tmp_path: Path, column: str
) -> None:
    path = tmp_path / "tidy.csv"
    path.write_text(f"reporter,partner,flow,period,{column}\nPAK,JPN,export,2024-08,nan\n")
    error, _ = _error_and_hint(runner.invoke(app, ["import", str(path)]))
    assert error.endswith(f"line 2: value is not a finite number ({column}='nan')")


# -- cache info: every value readable at 100 columns ---------------------------------------


def test_cache_info_folds_long_values_instead_of_cutting_them(
    runner: CliRunner, tmp_path: Path, fixtures: Path
) -> None:
    import json
    import shutil

    name = "ots_yrp_y-2002_r-mex_p-can_as_downloaded_on_a_long_afternoon.csv"
    shutil.copy(fixtures / "imports" / "ots_yrp_y-2002_r-mex_p-can.csv", tmp_path / name)
    assert runner.invoke(app, ["import", str(tmp_path / name)]).exit_code == 0
    (entry,) = json.loads(runner.invoke(app, ["cache", "info", "-f", "json"]).stdout)["entries"]

    result = runner.invoke(app, ["cache", "info"])  # not a terminal: 100 columns
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "…" not in result.stdout and max(map(len, lines)) <= 100
    header = next(line for line in lines if "Cube" in line)
    start, end = header.index("Cube"), header.index("Rows")
    body = lines[lines.index(header) + 1 :]
    assert "".join(line[start:end].strip() for line in body) == entry["cube"] == name
    assert entry["fetched_at"] in body[0] and entry["pair"] in body[0]


# -- a usage error raised without a hint still gets one ----------------------------------


def test_usage_error_without_its_own_hint_points_at_help(runner: CliRunner) -> None:
    result = runner.invoke(app, ["balance", "PAK", "JPN", "--period", "ytd", "--to", "2025"])
    error, hint = _error_and_hint(result)
    assert "--to as a month" in error
    assert hint == "Hint: run `tradecli balance --help`"


def test_report_config_error_without_its_own_hint_points_at_the_example(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[report]]\nname = "a b"\n')
    result = runner.invoke(app, ["--config", str(config), "report"])
    (line,) = result.stderr.splitlines()  # cron's one line: the report by its number
    assert " report#1 ERROR " in line and "report.name" in line and str(config) in line
    assert line.endswith("(hint: config.toml in the project lists every key and its default)")
    by_hand = runner.invoke(app, ["--config", str(config), "report", "--dry-run"])
    error, hint = _error_and_hint(by_hand)  # run by a person: Error and Hint
    assert "report.name" in error and str(config) in error
    assert hint == "Hint: config.toml in the project lists every key and its default"


def test_same_country_twice_in_fetch(runner: CliRunner) -> None:
    error, hint = _error_and_hint(runner.invoke(app, ["fetch", "PAK", "PAK", "--from", "2023-01"]))
    assert "both Pakistan" in error and "two different countries" in hint


@pytest.mark.parametrize(
    "args",
    [["balance", "United", "States", "JPN"], ["partners", "South", "Korea"],
     ["series", "PAK", "United", "Kingdom"]],
)  # fmt: skip
def test_a_country_name_split_at_its_space_gets_a_hint_to_quote_it(runner, args) -> None:
    """Issue 21: `balance United States JPN` said only 'unexpected extra argument'."""
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.USAGE and result.stdout == ""
    error, hint = result.stderr.splitlines()
    assert error.startswith("Error: Got unexpected extra argument")
    assert hint.startswith('Hint: quote a country name with spaces ("United States"')


def test_a_missing_column_hint_names_only_the_files_own_columns(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "text.csv"
    path.write_text("country,year,value\nPAK,2020,5\n")
    result = runner.invoke(app, ["import", str(path), "--input-format", "comtrade-csv"])
    _, hint = _error_and_hint(result)
    assert hint == "Hint: the file has country, year, value"
