"""What `tradecli import` says about files saved wrong, as people really save them: the
message names the fix, never one that would not work."""

from __future__ import annotations

import pytest

from tradecli.cli import app
from tradecli.errors import ExitCode

TIDY = "reporter,partner,flow,period,value_usd\n"


def _import_error(runner, path) -> tuple[str, str]:
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE, result.stderr
    error, hint = result.stderr.splitlines()
    assert error.startswith("Error: ") and hint.startswith("Hint: ")
    return error, hint


@pytest.mark.parametrize(
    ("content", "said"), [(b"", "(0 bytes)"), (b"\n\r\n  \n", "(blank lines only)")]
)
def test_an_empty_file_is_called_empty(runner, tmp_path, content, said) -> None:
    # A download cut before its first byte, or an export of nothing.
    path = tmp_path / "trade.csv"
    path.write_bytes(content)
    error, hint = _import_error(runner, path)
    assert error == f"Error: {path}: the file is empty {said}"
    assert "the download or export finished" in hint and "header" not in error


@pytest.mark.parametrize("ending", ["\n", "", "\n\n\r\n"])
def test_a_header_without_rows_says_so(runner, tmp_path, ending) -> None:
    # An export of a query that matched nothing: the header line, then nothing.
    path = tmp_path / "trade.csv"
    path.write_text(TIDY.rstrip("\n") + ending)
    error, hint = _import_error(runner, path)
    assert error == f"Error: {path}: the file holds a header and no data rows"
    assert "the download or export finished" in hint and "matched no trade" in hint


@pytest.mark.parametrize(
    ("header", "rename"),
    [
        ("reporter,partner,flow,year,value_usd", "rename year to period;"),
        ("Reporter,Partner,Flow,Month,value_usd", "rename Month to period;"),
        (
            "reporter,partner,flow,period,Amount",
            "rename Amount to value_usd if it is in US dollars, else to value beside a "
            "currency column;",
        ),
        (
            "reporter,partner,flow,Year,USD",
            "rename Year to period, USD to value_usd if it is in US dollars, else",
        ),
    ],
)
def test_a_near_miss_names_the_rename_that_fixes_it(runner, tmp_path, header, rename) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(header + "\nPAK,JPN,exports,2024,5\n")
    error, hint = _import_error(runner, path)
    assert "looks like tidy CSV supplied by the user but lacks columns" in error
    assert hint.startswith(f"Hint: {rename}")
    assert "--input-format tidy" not in hint  # it is read as tidy already: no help


def test_a_near_miss_without_a_known_other_name_says_rename(runner, tmp_path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("reporter,partner,flow,when,value_usd\nPAK,JPN,exports,2024,5\n")
    _, hint = _import_error(runner, path)
    assert hint == (
        'Hint: rename the columns; the README\'s section "Importing files" lists each '
        "format's columns"
    )


@pytest.mark.parametrize(
    ("row", "error", "hint"),
    [
        (
            "PAK,JPNN,exports,2024,5",
            "line 2: unknown partner (partner='JPNN')",
            "Hint: did you mean Japan (JPN)? Fix or remove the row; nothing was imported",
        ),
        (
            "Pakistn,JPN,exports,2024,5",
            "line 2: unknown reporter (reporter='Pakistn')",
            "Hint: did you mean Pakistan (PAK), ",
        ),
        (
            "PAK,XXQQ,exports,2024,5",
            "line 2: unknown partner (partner='XXQQ')",
            "Hint: use an ISO3 code such as PAK or JPN, or search with `tradecli countries`; "
            "fix or remove the row; nothing was imported",
        ),
    ],
)
def test_an_unknown_country_in_a_file_gets_a_did_you_mean(runner, tmp_path, row, error, hint):
    path = tmp_path / "typo.csv"
    path.write_text(TIDY + row + "\n")
    got_error, got_hint = _import_error(runner, path)
    assert got_error == f"Error: {path}, {error}"
    assert got_hint.startswith(hint) and got_hint.endswith(" the row; nothing was imported")


def test_the_hint_is_for_the_first_bad_row(runner, tmp_path) -> None:
    path = tmp_path / "typos.csv"
    path.write_text(
        TIDY + "PAK,JPN,exports,2023,4\nPAK,CHNN,exports,2024,5\nPAK,JPNN,imports,2024,6\n"
    )
    error, hint = _import_error(runner, path)
    assert "line 3: unknown partner (partner='CHNN'); 1 more bad row(s)" in error
    assert "China (CHN)" in hint and "Japan" not in hint


def test_a_header_of_no_known_format_is_listed_as_written(runner, tmp_path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("Reporter,Partner,Direction,Year,Value\nPAK,JPN,exports,2024,5\n")
    error, hint = _import_error(runner, path)
    assert error == (
        f"Error: {path}: cannot tell the file's format from its header: Reporter, Partner, "
        "Direction, Year, Value"
    )
    assert "tidy CSV: reporter, partner, flow, period, value_usd" in hint
    assert "--input-format" in hint


def test_cache_info_names_an_imports_countries_and_keeps_every_heading(runner, tmp_path) -> None:
    # A long file name folds within its column; the headings and times stay whole.
    one = tmp_path / "pakistan_japan_exports_monthly_2025_from_the_ministry_of_commerce.csv"
    one.write_text(TIDY + "PAK,JPN,exports,2025-09,15000000\n")
    many = tmp_path / "many.csv"
    many.write_text(
        TIDY + "".join(f"PAK,{c},exports,2025-09,1\n" for c in ("JPN", "CHN", "USA", "DEU"))
    )
    for path in (one, many):
        assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    result = runner.invoke(app, ["cache", "info"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("Pair"))
    assert header.split() == ["Pair", "From", "To", "Cube", "Rows", "Fetched", "Fresh"]
    assert max(len(line) for line in lines[1:]) <= 100
    assert any(line.lstrip().startswith("import: JPN, PAK ") for line in lines)
    assert any(line.lstrip().startswith("import (5 countries) ") for line in lines)
    folded = "".join(line[header.index("Cube") :].split()[0] for line in lines[1:] if line.strip())
    assert one.name in folded  # never cut with "...": the whole name, folded
