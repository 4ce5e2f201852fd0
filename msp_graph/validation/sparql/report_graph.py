"""Raw results of the fast SHACL engine to a SHACL report graph, in pyshacl's form.

Built in Python, as an rdflib graph, from the results ``run.py`` read off the store and the shapes graph
(messages, with pyshacl's ``{?var}`` substitution, and paths copied from it); no store is queried here. The
report has the same form as pyshacl's, so both engines feed the same ``ValidationReport``
(``msp_graph.validation.describe`` adds the MSP labels and partnerships).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import rdflib
from pyshacl.rdfutil.clone import clone_blank_node
from rdflib import RDF, SH

from .compile import Check

__all__ = ["RawResult", "add_results", "report_graph"]


@dataclass
class RawResult:
    """One result before it becomes report triples."""

    check: Check
    focus: rdflib.term.Node
    value: rdflib.term.Node | None
    path: rdflib.term.Node | None = None
    bound: tuple | dict | None = None  # the row of a SPARQL-based result, for message substitution


def _substitute(message: str, bound) -> str:
    """pyshacl's ``_format_sparql_based_result_message``."""
    values: dict = {}
    if isinstance(bound, tuple):
        values.update(bound[3])
        for name, term in zip(("this", "path", "value"), bound[:3], strict=True):
            if term is not None:
                values[name] = term
    else:
        values.update(bound)
    for name, term in values.items():
        message = re.sub(f"{{[?$]{name}}}", str(term), message)
    return message


def _message(message, raw: RawResult):
    """A message of ``raw``'s result, with the variables of its SPARQL row substituted."""
    if isinstance(message, rdflib.Literal) and raw.bound is not None:
        return rdflib.Literal(_substitute(str(message.value), raw.bound))
    return message


class _Copier:
    """Blank nodes of the shapes graph (shapes, paths, constraints) copied into the report, each once."""

    def __init__(self, shapes: rdflib.Graph, report: rdflib.Graph):
        self.shapes, self.report = shapes, report
        self.copied: dict = {}

    def __call__(self, node):
        if isinstance(node, rdflib.BNode):
            if node not in self.copied:
                self.copied[node] = clone_blank_node(self.shapes, node, self.report, keepid=True)
            return self.copied[node]
        return node


def report_graph(results: list[RawResult], sg: rdflib.Graph) -> rdflib.Graph:
    """The SHACL report graph, in pyshacl's form (messages, paths copied from the shapes graph)."""
    report = rdflib.Graph(bind_namespaces="core")
    for prefix, namespace in sg.namespace_manager.namespaces():
        report.namespace_manager.bind(prefix, namespace)
    root = rdflib.BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, rdflib.Literal(not results)))
    copy = _Copier(sg, report)
    stand_in = rdflib.Graph()  # pyshacl's generic messages name the focus node through the data graph
    for raw in results:
        node = rdflib.BNode()
        report.add((root, SH.result, node))
        _add_result(report, node, raw, copy, stand_in)
    return report


def _add_result(report: rdflib.Graph, node, raw: RawResult, copy: _Copier, stand_in: rdflib.Graph) -> None:
    check, shape = raw.check, raw.check.shape
    report.add((node, RDF.type, SH.ValidationResult))
    report.add((node, SH.sourceConstraintComponent, check.component))
    report.add((node, SH.sourceShape, copy(shape.node)))
    report.add((node, SH.resultSeverity, shape.severity))
    report.add((node, SH.focusNode, raw.focus))
    if raw.value is not None:
        report.add((node, SH.value, raw.value))
    path = raw.path if raw.path is not None else (shape.path() if shape.is_property_shape else None)
    if path is not None:
        report.add((node, SH.resultPath, copy(path)))
    messages = list(shape.message)
    if check.sparql is not None:
        report.add((node, SH.sourceConstraint, copy(check.sparql.node)))
        for m in check.sparql.messages or []:
            if m not in messages:
                report.add((node, SH.resultMessage, _message(m, raw)))
    elif not messages:
        messages = check.constraint.make_generic_messages(stand_in, raw.focus, raw.value) or messages
    for m in messages:
        report.add((node, SH.resultMessage, _message(m, raw)))


def add_results(report: rdflib.Graph, extra: rdflib.Graph, conforms: bool) -> None:
    """Add the results of another report graph (pyshacl's, for the shapes that fell back) to ``report``,
    whose ``sh:conforms`` becomes ``conforms``."""
    root = next(report.subjects(RDF.type, SH.ValidationReport))
    roots = set(extra.subjects(RDF.type, SH.ValidationReport))
    for node in extra.subjects(RDF.type, SH.ValidationResult):
        report.add((root, SH.result, node))
    for triple in extra:
        if triple[0] not in roots:
            report.add(triple)
    report.set((root, SH.conforms, rdflib.Literal(conforms)))
