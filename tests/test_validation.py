"""The validation report: built from pyshacl's results, grouped by partnership, rendered five ways."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from msp_graph.errors import ShapesError
from msp_graph.loading import load_bundled, load_files, load_ontology, open_store
from msp_graph.stores import INFERRED_GRAPH, source_graph
from msp_graph.validation import ValidationReport, ValidationResult, check, load_shapes, validate

FIXTURES = Path(__file__).parent / "fixtures" / "cli"
SHAPES = [FIXTURES / "composition-mini.ttl"]


@pytest.fixture(scope="module")
def report() -> ValidationReport:
    store = open_store()
    load_ontology(store)
    load_files(store, [FIXTURES / "small.ttl"])
    return check(store, shapes=SHAPES)


def test_results_carry_labels_partnership_and_english_message(report):
    violation = next(r for r in report.results if r.severity == "violation")
    assert violation == ValidationResult(
        focus_node="https://example.org/bad",
        focus_label="Bad Alliance",
        path="^org:organization/org:member/msp:stakeholderGroup",
        value=None,
        severity="violation",
        constraint_component="http://www.w3.org/ns/shacl#QualifiedMinCountConstraintComponent",
        source_shape="https://example.org/shapes#Composition-workers",
        message="no workers' organisation recorded",
        partnership="https://example.org/bad",
        partnership_label="Bad Alliance",
        source=violation.source,
        line=violation.line,
    )
    assert violation.source.endswith("small.ttl") and violation.row is None
    membership = next(r for r in report.results if r.focus_node == "https://example.org/m5")
    assert membership.partnership == "https://example.org/bad"
    assert membership.focus_label == "membership of ILO in Bad Alliance"


def test_summary_and_composition(report):
    assert report.meeting_composition == ["https://example.org/good"]
    assert report.summary() == "1 of 2 partnerships meet the MSP composition rule; 1 violation, 5 warnings"
    assert report.problems("violation") and report.problems("warning")
    assert not report.conforms


def test_problems_thresholds():
    warning = ValidationResult("urn:x", "x", None, None, "warning", "c", "s", "m")
    only_warnings = ValidationReport(conforms=False, results=[warning], partnerships={})
    assert not only_warnings.problems("violation")
    assert only_warnings.problems("warning") and only_warnings.problems("info")
    with pytest.raises(ValueError):
        only_warnings.problems("fatal")


def test_text_groups_under_partnerships(report):
    text = report.render("text")
    bad, good = text.index("Bad Alliance  <"), text.index("Good Alliance  <")
    assert bad < text.index("no workers' organisation recorded") < good
    assert "membership of ILO in Bad Alliance: no source recorded for this membership" in text


def test_json_csv_turtle(report):
    body = json.loads(report.render("json"))
    assert body["violations"] == 1 and len(body["results"]) == 6
    rows = list(csv.DictReader(io.StringIO(report.render("csv"))))
    assert {r["severity"] for r in rows} == {"violation", "warning"}
    graph = rdflib.Graph().parse(data=report.render("turtle"), format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, sh.conforms, rdflib.Literal(False)) in graph
    with pytest.raises(ValueError):
        report.render("yaml")


def test_bundled_shapes_load_and_know_the_composition_rule():
    graph, composition = load_shapes()
    assert len(graph) > 0 and composition


def test_bad_shapes_file_is_a_located_shapes_error(tmp_path):
    bad = tmp_path / "shapes.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<x> a sh:NodeShape ;\n")
    with pytest.raises(ShapesError, match=r"shapes\.ttl:\d+:\d+"):
        load_shapes([bad])
    with pytest.raises(ShapesError, match="no SHACL node shapes"):
        load_shapes([FIXTURES / "small.ttl"])


ILO_WITHOUT_SOURCE = b"""\
@prefix org: <http://www.w3.org/ns/org#> .
<https://w3id.org/msp/id/membership/gcsj--ilo--observer> a org:Membership ;
    org:member <https://w3id.org/msp/id/organisation/ilo> ;
    org:organization <https://w3id.org/msp/id/partnership/gcsj> .
"""
ILO_NAMED = "membership of International Labour Organization in Global Coalition for Social Justice"


def _observer_label(report: ValidationReport) -> set[str]:
    return {r.focus_label for r in report.results if r.focus_node.endswith("/gcsj--ilo--observer")}


def test_report_names_nodes_not_by_the_acronyms_reasoning_makes_labels():
    """Issue 11: reasoning makes each skos:altLabel (ILO, GCSJ) an rdfs:label too; the report still uses the
    name, also when those labels are asserted triples of an ordinary graph (a closure loaded as data)."""
    store = open_store()
    load_bundled(store)
    store.load(ILO_WITHOUT_SOURCE, graph=source_graph("ilo-observer"), format="turtle")
    assert _observer_label(check(store)) == {ILO_NAMED}
    closure = ox.serialize(
        store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), format=ox.RdfFormat.N_TRIPLES
    )
    flat = open_store()
    flat.load(closure, graph=source_graph("closure"), format="nt")
    assert flat.query('ASK { ?ilo <http://www.w3.org/2000/01/rdf-schema#label> "ILO"@en }')
    assert _observer_label(validate(flat)) == {ILO_NAMED}


def test_validate_as_a_program_ends_with_its_output_complete_and_the_store_published(tmp_path: Path) -> None:
    """Run as the program, ``validate`` ends the process once its output is written (``finish``: no time
    spent freeing an in-memory store): stdout is complete, the exit status says what was found, and a store
    on disk is closed first, so the inferred graph it wrote is there for the next command."""
    import subprocess
    import sys

    run = [sys.executable, "-m", "msp_graph.cli"]
    data = [str(FIXTURES / "small.ttl"), "--shapes", str(SHAPES[0]), "--reason"]
    done = subprocess.run([*run, "validate", *data, "-f", "json"], capture_output=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["violations"] >= 1
    store = tmp_path / "store"
    done = subprocess.run([*run, "validate", "--store", str(store), "-q"], capture_output=True, timeout=120)
    assert done.returncode == 1, done.stderr
    with open_store(store, mode="read") as reopened:
        assert reopened.count(INFERRED_GRAPH) > 0
