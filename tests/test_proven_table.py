"""The table of set-at-a-time verdicts for the bundled shapes' SPARQL texts (``proven.json``): current,
used for every bundled text, and never a substitute for parsing another text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from msp_graph.validation.shapes import load_shapes
from msp_graph.validation.sparql import sparql_based
from msp_graph.validation.sparql.compile import compile_shapes

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The texts rdflib parses for a verdict, with the per-process cache emptied before and after."""
    parsed: list[str] = []
    original = sparql_based.parsed_verdict
    monkeypatch.setattr(sparql_based, "parsed_verdict", lambda text: parsed.append(text) or original(text))
    sparql_based._proven.cache_clear()
    yield parsed
    sparql_based._proven.cache_clear()


def test_the_committed_table_is_what_the_tool_writes():
    done = subprocess.run(
        [sys.executable, "tools/gen_proven.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_the_bundled_shapes_compile_without_parsing_a_sparql_text(parses):
    plan = compile_shapes(load_shapes()[0])
    assert plan is not None
    assert parses == []


def test_a_text_not_in_the_table_is_parsed_for_its_verdict(parses):
    bound = "SELECT $this WHERE { $this <http://example.org/p> ?o }"
    unsafe = "SELECT $this WHERE { OPTIONAL { $this <http://example.org/p> ?o } }"
    assert sparql_based.set_at_a_time(bound, {}) is True
    assert sparql_based.set_at_a_time(unsafe, {"ex": "http://example.org/"}) is False
    assert len(parses) == 2
