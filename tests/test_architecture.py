"""The package's shape: one-way imports between the stages, no import circles, the CLI on top.

The same rules are contracts for import-linter (``lint-imports``, run by ``.ci/run``; see pyproject.toml);
this test holds them on the module graph itself, so a plain ``pytest`` catches a circle too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import networkx as nx
import pytest

# The stages, lowest first (docs/architecture.md). A stage may import the ones before it, never after.
STAGES = [
    "msp_graph.stores",
    "msp_graph.loading",
    "msp_graph.reasoning",
    "msp_graph.validation",
    "msp_graph.queries",
    "msp_graph.export",
    "msp_graph.network",
    "msp_graph.sheets",
    "msp_graph.serve",
    "msp_graph.cli",
]
# Stages that sit side by side: neither imports the other.
SIBLINGS = [
    {"msp_graph.validation", "msp_graph.queries"},
    {"msp_graph.export", "msp_graph.network"},
]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("msp_graph", include_external_packages=False)


def _stage(module: str) -> str | None:
    return next((s for s in STAGES if module == s or module.startswith(s + ".")), None)


def _module_graph(graph: grimp.ImportGraph) -> nx.DiGraph:
    edges = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            edges.add_edge(module, imported)
    return edges


def test_no_import_circle_between_modules(graph: grimp.ImportGraph) -> None:
    circles = [sorted(c) for c in nx.strongly_connected_components(_module_graph(graph)) if len(c) > 1]
    assert circles == [], f"import circles: {circles}"


def test_stages_import_only_the_stages_below_them(graph: grimp.ImportGraph) -> None:
    wrong = []
    for importer, imported in _module_graph(graph).edges:
        low, high = _stage(imported), _stage(importer)
        if low is None or high is None or low == high:
            continue
        if STAGES.index(low) > STAGES.index(high) or {low, high} in SIBLINGS:
            wrong.append(f"{importer} -> {imported}")
    assert wrong == []


def test_only_the_cli_imports_the_cli(graph: grimp.ImportGraph) -> None:
    # Downstream modules are those that import msp_graph.cli, directly or not.
    outside = sorted(
        m
        for m in graph.find_downstream_modules("msp_graph.cli", as_package=True)
        if not m.startswith("msp_graph.cli")
    )
    assert outside == []


def test_the_check_can_fail() -> None:
    """The circle check finds a circle when there is one (guards the test against passing vacuously)."""
    fake = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b"):
        fake.add_module(module)
    fake.add_import(importer="p.a", imported="p.b")
    fake.add_import(importer="p.b", imported="p.a")
    assert [sorted(c) for c in nx.strongly_connected_components(_module_graph(fake)) if len(c) > 1] == [
        ["p.a", "p.b"]
    ]


def test_no_function_is_over_60_lines_unless_a_comment_says_why() -> None:
    """A longer function states why on the line before its ``def`` (``# long: ...``)."""
    long = []
    for path in sorted((Path(__file__).resolve().parent.parent / "msp_graph").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                size = node.end_lineno - first + 1
                if size > 60 and not lines[first - 2].strip().startswith("# long:"):
                    long.append(f"{path.name}:{node.name} ({size} lines)")
    assert long == []


def test_starting_a_command_imports_no_heavy_library():
    """``msp-graph --help`` and every command's start-up pay only for what they run: rdflib, pyshacl, owlrl,
    networkx, matplotlib and openpyxl are imported by the code that uses them (issue 12: start in 0.3 s)."""
    import subprocess
    import sys

    heavy = ("rdflib", "pyshacl", "owlrl", "networkx", "matplotlib", "openpyxl")
    probe = f"import sys, msp_graph, msp_graph.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
