"""README and --help examples are what the commands do on a fresh install (issue 21).

The products-codes example showed one row of 35, and `balance --help` suggested
`THA USA --product 0306`, which exits 3 without an imported product file.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tradecli.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def _block(after: str) -> str:
    text = README.read_text()
    found = re.search(r"```text\n(.*?)```", text[text.index(after) :], re.S)
    assert found is not None
    return found.group(1)


def test_the_code_tables_examples_are_the_whole_output(runner) -> None:
    block = _block("### Code tables")
    runs = re.split(r"^\$ ", block, flags=re.M)[1:]
    assert len(runs) == 2
    for run in runs:
        command, _, shown = run.partition("\n")
        args = shlex.split(command)
        assert args[0] == "tradecli"
        result = runner.invoke(app, args[1:])
        assert result.exit_code == 0, result.stderr
        assert result.stdout == shown, command  # all of it, not the first rows


def _help_examples() -> list[list[str]]:
    from tradecli.commands import COMMANDS

    return [
        shlex.split(line.split("#")[0])[1:]
        for command in COMMANDS.values()
        for line in command.examples
    ]


# drivers explains product-level data with quantities, which the sample does not hold:
# its examples run on the UN Comtrade shrimp extract the README imports for it.
NEEDS_IMPORT = {
    "drivers": "real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"
}


@pytest.mark.parametrize("args", _help_examples(), ids=" ".join)
def test_help_examples_work_on_a_fresh_install(runner, args) -> None:
    if args[0] in NEEDS_IMPORT:
        from tests.conftest import require_shared_data, run_import

        run_import(runner, require_shared_data() / NEEDS_IMPORT[args[0]])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr


def test_the_import_example_uses_a_shipped_file_and_shows_its_output(
    runner, monkeypatch, isolated
) -> None:
    """The example imported usa_imports.csv, which the project neither ships nor sources."""
    block = _block("refused. Imported data never expire")
    monkeypatch.chdir(README.parent)

    def normal(text: str) -> str:
        text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "TIME", text)
        return text.replace(str(isolated / "tradecli-cache"), "~/.cache/tradecli")

    runs = re.split(r"^\$ ", block, flags=re.M)[1:]
    assert len(runs) == 2
    for run in runs:
        command, _, shown = run.partition("\n")
        args = shlex.split(command)
        if args[1] == "import":
            assert Path(args[2]).is_file()  # shipped, with its source in fixtures/README
        result = runner.invoke(app, args[1:])
        assert result.exit_code == 0, result.stderr
        assert normal(result.stdout + result.stderr) == normal(shown), command
