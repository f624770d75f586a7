"""The package's import graph: no cycles, and a light `import tradecli.cli`.

The graph is built from the source (``ast``), not by importing: an edge A -> B means
module A imports module B while A itself is being imported, i.e. at module level (also
inside module-level ``if``/``try``/``with`` blocks and class bodies). Imports inside
functions run later and do not count; neither do imports under ``if TYPE_CHECKING:``,
which never run. ``from pkg import name`` is an edge to ``pkg.name`` when that is a
module of the package, else to ``pkg``. Parent packages that Python also initialises on
the way are not edges: the graph names the module the code asked for.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "tradecli"


def module_names(root: Path) -> dict[str, Path]:
    """Dotted name -> file for every module of the package rooted at ``root``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(
    nodes: Iterable[ast.AST], deferred: bool = False
) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported (and, if ``deferred``, in functions)."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _module_level_imports(node.orelse, deferred)  # the body never runs
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            if deferred:  # runs when called, not at import
                yield from _module_level_imports(ast.iter_child_nodes(node), deferred)
        else:  # if/try/with/for blocks and class bodies run at import
            yield from _module_level_imports(ast.iter_child_nodes(node), deferred)


def import_graph(root: Path, deferred: bool = False) -> dict[str, set[str]]:
    """Module-level import edges between the modules of the package at ``root``.

    With ``deferred``, imports inside functions count too: a cycle that only a
    function-level import keeps from failing is still a knot in the design.
    """
    modules = module_names(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _module_level_imports(tree.body, deferred):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base_parts = name.split(".")
                    if not is_package:
                        base_parts = base_parts[:-1]
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join([*base_parts, *([node.module] if node.module else [])])
                else:
                    base = node.module or ""
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in targets:
                # `import a.b.c` names a.b.c; keep the longest prefix that is ours.
                parts = target.split(".")
                while parts and ".".join(parts) not in modules:
                    parts.pop()
                if parts and ".".join(parts) != name:
                    graph[name].add(".".join(parts))
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a closed path ``[a, b, ..., a]``) per strongly connected component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            connect(v)

    cycles = []
    for component in components:
        members = set(component)
        start = min(component)
        # Breadth-first inside the component: the shortest way back to the start.
        previous: dict[str, str] = {}
        frontier = [start]
        while frontier and start not in previous:
            following = []
            for v in frontier:
                for w in sorted(graph[v] & members):
                    if w not in previous:
                        previous[w] = v
                        following.append(w)
            frontier = following
        path = [start]
        node = previous[start]
        while node != start:
            path.append(node)
            node = previous[node]
        path.append(start)
        cycles.append([path[0], *reversed(path[1:-1]), start])
    return cycles


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_the_checker_finds_a_cycle_and_names_it(tmp_path: Path) -> None:
    pkg = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "import pkg.c as c\n",
            "pkg/c.py": "from . import a\n",
            "pkg/d.py": "from pkg.a import something\n",
        },
    )
    assert find_cycles(import_graph(pkg)) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]


def test_the_checker_ignores_imports_that_do_not_run_at_import_time(tmp_path: Path) -> None:
    pkg = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg import a\n"
                "def f():\n    from pkg import a\n"
            ),
            "pkg/sub/__init__.py": "from .x import y\n",
            "pkg/sub/x.py": "try:\n    from ..a import thing\nexcept ImportError:\n    pass\n",
        },
    )
    graph = import_graph(pkg)
    assert graph["pkg.b"] == set()
    assert import_graph(pkg, deferred=True)["pkg.b"] == {"pkg.a"}  # only the function's
    assert graph["pkg.sub"] == {"pkg.sub.x"}  # relative import from a package
    assert graph["pkg.sub.x"] == {"pkg.a"}  # inside try: runs at import
    assert find_cycles(graph) == []


def test_tradecli_has_no_import_cycle() -> None:
    cycles = find_cycles(import_graph(PACKAGE))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_tradecli_has_no_import_cycle_even_through_function_level_imports() -> None:
    """A function-level import must not be what keeps a cycle from failing at import."""
    cycles = find_cycles(import_graph(PACKAGE, deferred=True))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_importing_the_cli_loads_neither_polars_nor_httpx() -> None:
    """`tradecli --help` stays instant: heavy libraries are imported inside functions."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import tradecli.cli"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    # Each line of -X importtime ends with "|  <indent>module.name".
    loaded = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "tradecli.cli" in loaded  # the report is there to be read
    heavy = sorted(m for m in loaded if m.split(".")[0] in {"polars", "httpx"})
    assert heavy == [], f"import tradecli.cli loads {heavy}"
