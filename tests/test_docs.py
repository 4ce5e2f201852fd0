"""The README documents every command, and every command it shows exists."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from msp_graph.cli import app
from msp_graph.queries import get_query

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> set[str]:
    return set(typer.main.get_command(app).commands)


def _reference() -> str:
    start = README.index("## Command reference")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_every_command_is_in_the_command_reference():
    documented = set(re.findall(r"^\| `msp-graph ([a-z][a-z-]*)", _reference(), flags=re.M))
    missing = _commands() - documented
    assert not missing, f"commands missing from the README's command reference: {sorted(missing)}"


def test_every_command_the_readme_shows_exists():
    shown = set(re.findall(r"msp-graph ([a-z][a-z-]*)", README))
    unknown = shown - _commands()
    assert not unknown, f"the README shows commands that do not exist: {sorted(unknown)}"


def test_the_two_commands_at_the_top():
    top = README[: README.index("\n## ")]
    assert "pip install -e . && msp-graph validate" in top
    assert "pip install -c requirements.lock -e '.[test]' && pytest" in top
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -c requirements.lock -e '.[test]' && pytest" in ci


def test_named_queries_in_the_readme_exist():
    for name in set(re.findall(r"msp-graph query ([a-z0-9-]+)", README)):
        get_query(name)


def test_shared_options_of_the_reference_exist():
    validate = typer.main.get_command(app).commands["validate"]
    options = {opt for param in validate.params for opt in getattr(param, "opts", [])}
    assert {
        "--store",
        "--with-bundled",
        "-o",
        "--output",
        "-v",
        "-q",
        "-f",
        "--fail-on",
        "--shapes",
    } <= options
