"""`Any` only where a third-party value is truly dynamic: a value tradecli makes itself
has its real type (a TypedDict, a Protocol, a Callable, ``Json``, or ``object`` narrowed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tradecli"

# The modules whose values come from outside, and what they hold.
THIRD_PARTY = {
    "client.py": "decoded HTTP JSON answers; httpx/httpcore objects",
    "comtrade.py": "UN Comtrade's JSON answers",
    "oec.py": "the OEC's JSON answers and annotations",
    "metadata.py": "JSON answers kept as they came",
    "filecurrency.py": "an OEC answer's JSON",
    "filetext.py": "a JSON file's values",
    "config.py": "TOML values and click's flags, before their parsers",
    "reports.py": "a [[report]] table's TOML values",
    "render/html.py": "matplotlib's objects",
    "cli/_app.py": "click's arguments, passed through",
    "baci_lines.py": "a polars row",
    "commands/balance.py": "polars rows",
    "commands/partners.py": "polars rows",
}
_QUOTED_ANY = re.compile(r"\bAny\b")


def _annotations(tree: ast.AST) -> list[ast.expr]:
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            found.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
    return found


def _uses_any(source: str) -> list[int]:
    """Lines that use ``Any`` as a type (imports aside), quoted annotations included."""
    tree = ast.parse(source)
    lines = {
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "Any")
        or (isinstance(node, ast.Attribute) and node.attr == "Any")
    }
    for annotation in _annotations(tree):
        for node in ast.walk(annotation):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if _QUOTED_ANY.search(node.value):
                    lines.add(node.lineno)
    return sorted(lines)


def test_any_is_used_only_for_third_party_values() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        lines = _uses_any(path.read_text(encoding="utf-8"))
        if lines and name not in THIRD_PARTY:
            offenders[name] = lines
    assert offenders == {}, (
        "Any in modules whose values tradecli makes itself (give them their real type, "
        f"or add the module to THIRD_PARTY with what it holds): {offenders}"
    )


def test_every_listed_module_still_needs_its_any() -> None:
    """A module that no longer uses Any leaves the list: the list stays what is true."""
    unused = [n for n in THIRD_PARTY if not _uses_any((PACKAGE / n).read_text(encoding="utf-8"))]
    assert unused == []


def test_the_check_sees_every_form_of_any() -> None:
    source = (
        "from typing import Any\n"
        "import typing\n"
        "def f(a: Any, b: 'dict[str, Any]') -> typing.Any: ...\n"
        "x: list[Any] = []\n"
        '"""Any other text is prose."""\n'
    )
    assert _uses_any(source) == [3, 4]
