"""Start-up work that must not change what users see.

Run as the program, the app builds only the command the arguments name
(``cli._app._Typer.narrowed``); every answer must be the one the full app gives.
"""

from __future__ import annotations

import pytest
import typer.main

from tradecli.cli import app
from tradecli.cli._app import _invoked_name
from tradecli.commands import COMMANDS

TOP_LEVEL = sorted(
    [c.name or typer.main.get_command_name(c.callback.__name__) for c in app.registered_commands]
    + [g.name for g in app.registered_groups]
)


def _run(entry: object, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple:
    with pytest.raises(SystemExit) as exit_info:
        entry(args=argv, prog_name="tradecli")  # type: ignore[operator]
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


@pytest.mark.parametrize(
    "argv",
    [
        *([name, "--help"] for name in TOP_LEVEL),
        ["cache", "info", "--help"],
        ["balance", "PAK", "JPN", "--from", "2024-08"],
        ["balance", "PAK", "JPN", "--from", "2024-08", "--format", "json", "-q"],
        ["balance", "PAK", "Narnia"],
        ["balance", "PAK"],
        ["balanc", "PAK", "JPN"],
        ["--help"],
        ["-q", "--help", "balance"],
        ["-V"],
        ["-qv", "balance", "PAK", "JPN", "--from", "2024-08"],
        [],
    ],
    ids=" ".join,
)
def test_the_narrowed_app_answers_as_the_full_one(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    full = typer.main.get_command(app)
    assert _run(app, argv, capsys) == _run(full, argv, capsys)


def test_only_the_invoked_command_is_built() -> None:
    for argv in (["balance", "PAK", "JPN"], ["-q", "balance"], ["--config", "x.toml", "balance"]):
        narrowed = app.narrowed(argv)
        assert [c.callback.__name__ for c in narrowed.registered_commands] == ["balance"]  # type: ignore[union-attr]
        assert narrowed.registered_groups == []
    assert [g.name for g in app.narrowed(["cache", "info"]).registered_groups] == ["cache"]
    assert len(app.registered_commands) > 1  # the app itself is left whole


@pytest.mark.parametrize("argv", [["nosuch"], ["--config", "balance"], ["-qv", "balance"]])
def test_anything_else_builds_every_command(argv: list[str]) -> None:
    assert app.narrowed(argv) is app


@pytest.mark.parametrize(
    "argv", [[], ["--help"], ["-h"], ["--help", "balance"], ["-V"], ["-q", "--config", "c", "-h"]]
)
def test_the_app_s_help_lists_the_data_commands_without_building_them(argv: list[str]) -> None:
    listed = app.narrowed(argv)
    assert listed is not app
    names = [c.name for c in listed.registered_commands]
    assert names == [c.name for c in app.registered_commands]
    data = [c for c in listed.registered_commands if c.name in COMMANDS]
    assert [c.short_help for c in data] == [COMMANDS.summary(c.name) for c in data]  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="never run"):
        data[0].callback()  # type: ignore[misc]


def test_the_app_s_help_imports_no_command_module() -> None:
    assert _modules_after(["--help"]) & COMMAND_MODULES == set()


def test_shell_completion_builds_every_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_TRADECLI_COMPLETE", "complete_bash")
    assert app.narrowed(["balance"]) is app


def test_the_invoked_name_skips_global_options() -> None:
    assert _invoked_name(["balance", "PAK", "-q"]) == "balance"
    assert _invoked_name(["--no-color", "--config=c.toml", "series"]) == "series"
    assert _invoked_name(["--help"]) is None


def test_a_data_command_runs_without_the_other_command_groups() -> None:
    """`tradecli balance ...` imports cli.data only; --help and the rest get every group."""
    import subprocess
    import sys

    code = (
        "import sys; sys.argv = ['tradecli', 'balance', 'PAK', 'JPN', '--from', '2024-08']\n"
        "from tradecli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('tradecli.cli.')), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    loaded = proc.stderr.strip().splitlines()[-1]
    assert loaded == "['tradecli.cli._app', 'tradecli.cli._output', 'tradecli.cli.data']"


def _modules_after(argv: list[str]) -> set[str]:
    """The modules a run of `tradecli ARGV` (as the program, in a new process) imported."""
    import subprocess
    import sys

    code = (
        f"import sys; sys.argv = ['tradecli', *{argv!r}]\n"
        "from tradecli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(sys.modules), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("["), proc.stderr
    return set(eval(last))  # a list of module names printed just above


COMMAND_MODULES = {f"tradecli.commands.{name}" for name in COMMANDS}


def test_a_data_command_imports_only_its_own_command_module() -> None:
    """The registry names every command; a run imports the module of the one it runs."""
    loaded = _modules_after(["balance", "PAK", "JPN", "--from", "2024-08"])
    assert loaded & COMMAND_MODULES == {"tradecli.commands.balance"}
    loaded = _modules_after(["series", "PAK", "JPN", "--from", "2024-06", "--to", "2024-08"])
    assert loaded & COMMAND_MODULES == {"tradecli.commands.series"}


def test_help_for_one_command_imports_only_that_command() -> None:
    loaded = _modules_after(["partners", "--help"])
    assert loaded & COMMAND_MODULES == {"tradecli.commands.partners"}


def test_the_registry_names_commands_without_importing_them() -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom tradecli.commands import COMMANDS\n"
        "names = list(COMMANDS); assert 'balance' in COMMANDS and len(COMMANDS) == len(names)\n"
        "print(names, sorted(m for m in sys.modules if m.startswith('tradecli.commands.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names, _, loaded = out.stdout.partition("] ")
    assert names + "]" == repr(["balance", "products", "partners", "series", "drivers"])
    assert eval(loaded) == ["tradecli.commands._base"]


def test_a_registry_lookup_is_the_module_command() -> None:
    from tradecli.commands import balance, drivers

    assert COMMANDS["balance"] is balance.COMMAND
    assert COMMANDS.get("drivers") is drivers.COMMAND
    assert COMMANDS.get("nosuch") is None
    assert [c.name for c in COMMANDS.values()] == list(COMMANDS)


@pytest.mark.parametrize(
    "fmt", ["table", "json", "csv", "tsv", "markdown"], ids=lambda f: f"--format {f}"
)
def test_a_sample_answer_to_a_pipe_loads_no_rich_console_or_table(fmt: str) -> None:
    """rich's console and table modules (~20 ms) only for a terminal or what must wrap."""
    loaded = _modules_after(["balance", "PAK", "JPN", "--from", "2024-08", "--format", fmt])
    assert {"rich.console", "rich.table", "rich.text"} & loaded == set()


def test_without_a_config_file_no_toml_parser_is_imported() -> None:
    assert "tomllib" not in _modules_after(["balance", "PAK", "JPN", "--from", "2024-08"])
