"""The report's order is the results' own: two results that tie on partnership, severity, focus label and
message come out in the same order whatever order the engine found them in."""

from __future__ import annotations

import rdflib
from rdflib import RDF, SH

from msp_graph.validation.describe import build_report

EX = rdflib.Namespace("http://example.org/")


def _report_graph(paths: list[rdflib.URIRef]) -> rdflib.Graph:
    graph = rdflib.Graph()
    root = rdflib.BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    for path in paths:
        result = rdflib.BNode()
        graph.add((root, SH.result, result))
        for predicate, value in (
            (RDF.type, SH.ValidationResult),
            (SH.focusNode, EX.thing),
            (SH.resultPath, path),
            (SH.resultSeverity, SH.Violation),
            (SH.sourceConstraintComponent, SH.MinCountConstraintComponent),
            (SH.sourceShape, EX.shape),
            (SH.resultMessage, rdflib.Literal("Missing a value", lang="en")),
        ):
            graph.add((result, predicate, value))
    return graph


def test_results_that_tie_on_labels_and_message_come_out_in_one_order():
    paths = [EX.b, EX.a, EX.c]
    orders = {
        tuple(
            r.path
            for r in build_report(False, _report_graph(p), rdflib.Graph(), rdflib.Graph(), None).results
        )
        for p in (paths, paths[::-1], sorted(paths))
    }
    assert len(orders) == 1
    assert len(next(iter(orders))) == 3
