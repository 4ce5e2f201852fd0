"""The shape of the ``msp-graph`` command tree: every command that reads data takes the same data options,
and nothing outside ``msp_graph.cli`` imports the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer

import msp_graph
from msp_graph.cli import app

# typer builds the tree with its own copy of click (typer._click): parameters are told apart by their
# param_type_name, not by isinstance against click's classes.
READING = ("validate", "query", "export", "network", "reason", "stats")
DATA_OPTIONS = {"--store", "--with-bundled", "--endpoint", "--update-endpoint", "--graph-store"}
PACKAGE = Path(msp_graph.__file__).resolve().parent


def _commands() -> dict:
    return typer.main.get_command(app).commands


def _options(command) -> set[str]:
    return {opt for param in command.params if param.param_type_name == "option" for opt in param.opts}


def test_the_reading_commands_exist():
    assert set(READING) <= set(_commands())


@pytest.mark.parametrize("name", READING)
def test_every_reading_command_takes_the_data_options(name):
    command = _commands()[name]
    assert DATA_OPTIONS | {"-o", "--output", "-v", "-q"} <= _options(command)
    files = [p for p in command.params if p.param_type_name == "argument" and p.name == "files"]
    assert len(files) == 1 and files[0].nargs == -1 and not files[0].required


@pytest.mark.parametrize("name", READING)
def test_the_data_options_read_the_same_everywhere(name):
    reference = {p.name: (p.opts, p.help, p.default) for p in _commands()["validate"].params}
    got = {p.name: (p.opts, p.help, p.default) for p in _commands()[name].params}
    for option in ("files", "store", "with_bundled", "endpoint", "update_endpoint", "graph_store"):
        assert got[option][:2] == reference[option][:2], option


@pytest.mark.parametrize("name", ["load", "update"])
def test_commands_writing_a_store_on_disk_require_it(name):
    command = _commands()[name]
    store = next(p for p in command.params if "--store" in getattr(p, "opts", []))
    assert store.required
    assert "--endpoint" not in _options(command)


def test_every_command_takes_v_and_q_with_their_callbacks():
    for name, command in _commands().items():
        flags = {opt: param for param in command.params for opt in getattr(param, "opts", [])}
        assert {"-v", "-q"} <= set(flags), name
        assert flags["-v"].callback is not None and flags["-q"].callback is not None, name


def _imported(path: Path) -> set[str]:
    """The absolute names of the modules ``path`` imports (``from . import x`` gives ``package.x``)."""
    package = ".".join(("msp_graph", *path.relative_to(PACKAGE).parent.parts)).rstrip(".")
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def test_nothing_outside_the_cli_imports_it():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "cli"):
            continue
        text = path.read_text(encoding="utf-8")
        imports = _imported(path)
        if "msp_graph.cli" in text or any(
            n == "msp_graph.cli" or n.startswith("msp_graph.cli.") for n in imports
        ):
            offenders.append(str(path.relative_to(PACKAGE.parent)))
    assert not offenders, f"modules outside msp_graph/cli importing the command line: {offenders}"


def test_the_import_check_sees_relative_imports():
    assert "msp_graph.cli" in _imported(PACKAGE / "cli" / "__main__.py")  # from . import main
    assert {"msp_graph.cli.common", "msp_graph.errors"} <= _imported(PACKAGE / "cli" / "validate.py")


# The options whose values are a fixed set, wherever a command has them, and the set where it is one.
FIXED_VALUES = {
    "-f": None,  # each command's own formats (its FormatTable)
    "--fail-on": ("info", "warning", "violation"),
    "--engine": ("sparql", "pyshacl"),
    "--reasoner": ("rules", "owlrl"),
    "--input-format": ("turtle", "nt", "rdfxml", "trig", "nquads", "jsonld", "n3"),
}


def _walk(command, path=("msp-graph",)):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*path, name))


def _fixed_options():
    for path, command in _walk(typer.main.get_command(app)):
        for param in command.params:
            name = next((o for o in getattr(param, "opts", ()) if o in FIXED_VALUES), None)
            if name is not None:
                yield path, command, param, name


def test_the_fixed_value_options_are_found():
    found = {name for _, _, _, name in _fixed_options()}
    assert found == set(FIXED_VALUES)


@pytest.mark.parametrize(
    "path, command, param, name",
    [pytest.param(*found, id=" ".join((*found[0][1:], found[3]))) for found in _fixed_options()],
)
def test_every_option_with_fixed_values_shows_and_completes_them(path, command, param, name):
    """``--help`` lists the values (``[a|b|c]``, not ``<str>``) and the shell completes them."""
    from typer.testing import CliRunner

    ctx = command.make_context(path[-1], [], resilient_parsing=True)
    values = [item.value for item in param.shell_complete(ctx, "")]
    assert values and (FIXED_VALUES[name] is None or tuple(values) == FIXED_VALUES[name]), (path, name)
    assert [item.value for item in param.shell_complete(ctx, values[-1][:2])][-1] == values[-1]
    shown = f"[{'|'.join(values)}]"
    assert param.metavar == shown
    help_text = CliRunner().invoke(app, [*path[1:], "--help"], terminal_width=200).output
    assert shown in help_text and f"{name} <str>" not in help_text, (path, name)
