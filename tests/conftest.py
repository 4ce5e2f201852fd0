"""Shared pytest fixtures. Loaded graphs are built once per session: copy them before changing them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import owlrl
import pytest
import rdflib

from msp_graph.resources import bundled_files


def write_csv(path: Path, header: list[str], *rows: list[str]) -> Path:
    """A UTF-8 CSV file (folders made as needed): a spreadsheet sheet as the importer reads it."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def load_turtle(*kinds: str) -> rdflib.Graph:
    """Every ``*.ttl`` of the bundled folders ``kinds`` (e.g. ``"ontology"``, ``"vocab"``), in one graph."""
    graph = rdflib.Graph()
    for kind in kinds:
        for path in bundled_files(kind):
            graph.parse(path, format="turtle")
    return graph


def copy_graph(graph: rdflib.Graph) -> rdflib.Graph:
    """A new graph with the same triples (and prefixes) as ``graph``."""
    copy = rdflib.Graph()
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace, override=True)
    copy += graph
    return copy


def owl_rl_closure(graph: rdflib.Graph) -> rdflib.Graph:
    """Expand ``graph`` in place with its OWL 2 RL closure (owlrl, the project's reference reasoner)."""
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


@pytest.fixture(scope="session")
def ontology_vocab_graph() -> rdflib.Graph:
    """ontology/**/*.ttl (with the import modules) and vocab/*.ttl, as asserted."""
    return load_turtle("ontology", "vocab")


@pytest.fixture(scope="session")
def ontology_vocab_closure(ontology_vocab_graph: rdflib.Graph) -> rdflib.Graph:
    """The OWL 2 RL closure of ontology + vocab. Closing it once and then closing (closure + data) again gives
    the closure of (ontology + vocab + data): the rules are monotonic (pinned by
    tests/test_shapes.py::test_closure_from_the_cached_closure_equals_reasoning_from_scratch)."""
    return owl_rl_closure(copy_graph(ontology_vocab_graph))


@pytest.fixture(scope="session")
def shapes_graph() -> rdflib.Graph:
    """shapes/*.ttl in one graph."""
    return load_turtle("shapes")


# --- the bundled data as the web application serves it (serve, publish, browser tests) ----------------


@pytest.fixture(scope="module")
def bundled():
    """The bundled data in memory and its validation report, as ``msp-graph serve`` makes them at start-up
    (a module's own ``bundled`` fixture takes precedence)."""
    from msp_graph.loading import load_bundled, open_store
    from msp_graph.serve import validated

    store = open_store()
    load_bundled(store)
    return store, validated(store)


@pytest.fixture(scope="module")
def client(bundled):
    """A Starlette test client of the application over ``bundled``."""
    from starlette.testclient import TestClient

    from msp_graph.serve import create_app

    store, report = bundled
    return TestClient(create_app(store, report=report))
