"""File and folder names are names, never patterns.

People save files as `trade [final].csv` and keep caches under folders such as
`Data [work]`; polars reads a path with `[` as a glob by default, which matched nothing
and made the file unreadable ("expanded paths were empty") and every cache entry
"unreadable; ignoring it". Each read of a path the user named, or of the cache under
it, takes the path literally.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_json
from tests.test_baci_release import make_release
from tradecli.cli import app
from tradecli.errors import ExitCode

TIDY = (
    "reporter,partner,flow,period,value,currency\n"
    "PAK,IND,exports,2024,300000000,USD\n"
    "PAK,IND,imports,2024,100000000,USD\n"
)


def _exports_2024(runner) -> float:
    document = run_json(runner, ["balance", "PAK", "IND", "--from", "2024"])
    return float(document["figures"]["exports"]["to"])


def test_a_file_name_with_brackets_imports_and_answers(runner, tmp_path: Path) -> None:
    folder = tmp_path / "downloads [2024]"
    folder.mkdir()
    path = folder / "trade [final].csv"
    path.write_text(TIDY)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert _exports_2024(runner) == 300_000_000


def test_a_cache_folder_with_brackets_reads_its_entries(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(tmp_path / "cache [work]"))
    path = tmp_path / "pak.csv"
    path.write_text(TIDY)
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    result = runner.invoke(app, ["balance", "PAK", "IND", "--from", "2024", "--format", "json"])
    assert "unreadable" not in result.stderr
    assert _exports_2024(runner) == 300_000_000


def test_a_baci_release_imports_into_a_cache_folder_with_brackets(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(tmp_path / "cache [work]"))
    release, flows = make_release(tmp_path / "baci [v1]", years=(2021,))
    result = runner.invoke(app, ["import", str(release)])
    assert result.exit_code == 0, result.stderr
    chile = flows.filter((pl.col("i") == 152) & (pl.col("j") == 32))["v"].sum() * 1000
    result = runner.invoke(app, ["balance", "CHL", "ARG", "--from", "2021", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert "unreadable" not in result.stderr
    assert json.loads(result.stdout)["figures"]["exports"]["to"] == pytest.approx(chile)


def test_a_bad_baci_line_is_named_under_a_folder_with_brackets(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(tmp_path / "cache [work]"))
    folder = tmp_path / "baci [v1]"
    folder.mkdir()
    path = folder / "BACI_HS92_V202501.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "BACI_HS92_Y2021_V202501.csv",
            "t,i,j,k,v,q\n2021,152,32,10121,1,\n2021,152,32,10122,nan,\n",
        )
        zf.writestr("country_codes_V202501.csv", "country_code,country_iso3\n152,CHL\n32,ARG\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert "BACI_HS92_Y2021_V202501.csv, line 3: value is not a finite number" in result.stderr


def _without_mutants(tree: ast.Module) -> ast.Module:
    """``tree`` less the mutated copies of functions a mutation run adds
    (``name__mutmut_N``), which drop ``glob=False`` on purpose; the original of each
    (``name__mutmut_orig``) is still checked. Other code is returned as parsed."""

    class Drop(ast.NodeTransformer):
        def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST | None:
            if re.search(r"__mutmut_\d+$", node.name):
                return None
            return self.generic_visit(node)

    return Drop().visit(tree)  # type: ignore[no-any-return]


def test_every_polars_read_of_a_path_turns_globbing_off() -> None:
    """The behaviour tests above reach the common reads; this one reaches every read
    written in the package (a new one without ``glob=False`` broke a bracketed cache
    folder the day it landed). Reads of bytes in memory need no flag."""
    import tradecli

    readers = {"scan_parquet", "scan_csv", "read_csv", "read_parquet", "scan_ndjson"}
    banned = {"read_parquet_schema"}  # no glob flag: use scan_parquet(..., glob=False)
    offenders = []
    for path in Path(tradecli.__file__).parent.rglob("*.py"):
        tree = _without_mutants(ast.parse(path.read_text(encoding="utf-8")))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            in_memory = bool(node.args) and "BytesIO" in ast.unparse(node.args[0])
            flagged = any(
                k.arg == "glob" and ast.unparse(k.value) == "False" for k in node.keywords
            )
            if name in banned or (name in readers and not flagged and not in_memory):
                offenders.append(f"{path.name}:{node.lineno} {name}")
    assert offenders == []
