"""Raw results of the fast SHACL engine to a SHACL report graph, in pyshacl's form.

Built in Python, as an rdflib graph, from the results ``run.py`` read off the store and the shapes graph
(messages, with pyshacl's ``{?var}`` substitution, and paths copied from it); no store is queried here. The
report has the same form as pyshacl's, so both engines feed the same ``ValidationReport``
(``msp_graph.validation.describe`` adds the MSP labels and partnerships). Unlike pyshacl, a message keeps
its language tag after substitution (``"...{?x}..."@fr`` stays French), and nested results (``sh:detail``)
stay nested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import rdflib
from rdflib import RDF, SH

if TYPE_CHECKING:  # pyshacl (0.2 s to import) only where a report graph is made: not in every import
    from .compile import Check

__all__ = ["RawResult", "add_results", "report_graph", "result_nodes"]


@dataclass
class RawResult:
    """One result before it becomes report triples."""

    check: Check
    focus: rdflib.term.Node
    value: rdflib.term.Node | None
    path: rdflib.term.Node | None = None
    bound: tuple | dict | None = None  # the row of a SPARQL-based result, for message substitution


def _substitute(message: str, bound, params: dict) -> str:
    """pyshacl's ``_format_sparql_based_result_message``: ``{?var}`` / ``{$var}`` replaced by the row's
    value (the constraint component's parameters first, the row's variables over them)."""
    values: dict = dict(params)
    if isinstance(bound, tuple):
        values.update(bound[3])
        for name, term in zip(("this", "path", "value"), bound[:3], strict=True):
            if term is not None:
                values[name] = term
    elif bound is not None:
        values.update(bound)
    for name, term in values.items():
        message = re.sub(f"{{[?$]{name}}}", str(term).replace("\\", "\\\\"), message)
    return message


def _message(message, raw: RawResult):
    """A message of ``raw``'s result, with the variables of its SPARQL row (and the parameters of its
    constraint component) substituted; its language tag is kept."""
    params = getattr(raw.check.sparql, "params", None) or {}
    if not isinstance(message, rdflib.Literal) or (raw.bound is None and not params):
        return message
    text = _substitute(str(message), raw.bound, params)
    return rdflib.Literal(text, lang=message.language) if message.language else rdflib.Literal(text)


class _Copier:
    """Blank nodes of the shapes graph (shapes, paths, constraints) copied into the report, each once."""

    def __init__(self, shapes: rdflib.Graph, report: rdflib.Graph):
        self.shapes, self.report = shapes, report
        self.copied: dict = {}

    def __call__(self, node):
        if isinstance(node, rdflib.BNode):
            if node not in self.copied:
                from pyshacl.rdfutil.clone import clone_blank_node

                self.copied[node] = clone_blank_node(self.shapes, node, self.report, keepid=True)
            return self.copied[node]
        return node


class _GenericMessages:
    """pyshacl's generic message of a constraint without ``sh:message``. The logical and shape-based ones
    print the nested shapes (slow: a few ms each); they are made once per constraint with stand-in focus and
    value nodes, which each result's own then replace."""

    _TEMPLATED = (
        "AndConstraintComponent",
        "OrConstraintComponent",
        "XoneConstraintComponent",
        "NotConstraintComponent",
        "NodeConstraintComponent",
        "QualifiedValueShapeConstraintComponent",
    )
    _FOCUS = rdflib.URIRef("urn:x-msp-graph:focus-node")
    _VALUE = rdflib.URIRef("urn:x-msp-graph:value-node")

    def __init__(self) -> None:
        self.stand_in = rdflib.Graph()  # pyshacl names the focus and value nodes through the data graph
        self.templates: dict[int, list] = {}
        self.texts: dict = {}

    def __call__(self, constraint, focus, value) -> list:
        if constraint.constraint_name() not in self._TEMPLATED:
            return constraint.make_generic_messages(self.stand_in, focus, value)
        key = id(constraint)
        if key not in self.templates:
            self.templates[key] = constraint.make_generic_messages(self.stand_in, self._FOCUS, self._VALUE)
        names = {self._text(self._FOCUS): self._text(focus), self._text(self._VALUE): self._text(value)}
        out = []
        for message in self.templates[key]:
            text = str(message)
            for stand_in, actual in names.items():
                text = text.replace(stand_in, actual)
            out.append(rdflib.Literal(text))
        return out

    def _text(self, node) -> str:
        """pyshacl's text of a node (through an empty graph: it depends on the node only), made once."""
        found = self.texts.get(node)
        if found is None:
            from pyshacl.rdfutil import stringify_node

            found = self.texts[node] = "None" if node is None else stringify_node(self.stand_in, node)
        return found


def report_graph(results: list[RawResult], sg: rdflib.Graph) -> rdflib.Graph:
    """The SHACL report graph, in pyshacl's form (messages, paths copied from the shapes graph)."""
    return result_nodes(results, sg)[0]


def result_nodes(results: list[RawResult], sg: rdflib.Graph) -> tuple[rdflib.Graph, list[rdflib.BNode]]:
    """``report_graph``, and the node of each result in it, in the order of ``results``."""
    report = rdflib.Graph(store="SimpleMemory", bind_namespaces="core")  # no contexts to keep: faster
    for prefix, namespace in sg.namespace_manager.namespaces():
        report.namespace_manager.bind(prefix, namespace)
    root = rdflib.BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, rdflib.Literal(not results)))
    copy, generic = _Copier(sg, report), _GenericMessages()
    nodes = []
    for raw in results:
        node = rdflib.BNode()
        report.add((root, SH.result, node))
        _add_result(report, node, raw, copy, generic)
        nodes.append(node)
    return report, nodes


def _add_result(report: rdflib.Graph, node, raw: RawResult, copy: _Copier, generic: _GenericMessages) -> None:
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
    if check.sparql is not None and check.sparql.kind != "constraint":
        messages = list(dict.fromkeys(check.sparql.messages)) or [
            rdflib.Literal("Parameterised SHACL Query generated constraint validation reports.")
        ]
    elif check.sparql is not None:
        report.add((node, SH.sourceConstraint, copy(check.sparql.node)))
        for m in check.sparql.messages or []:
            if m not in messages:
                report.add((node, SH.resultMessage, _message(m, raw)))
    elif not messages:
        messages = generic(check.constraint, raw.focus, raw.value) or messages
    for m in messages:
        report.add((node, SH.resultMessage, _message(m, raw)))


def add_results(report: rdflib.Graph, extra: rdflib.Graph, conforms: bool) -> None:
    """Add the results of another report graph (pyshacl's, for the shapes that fell back) to ``report``,
    whose ``sh:conforms`` becomes ``conforms``. Only the top-level results of ``extra`` become results of
    ``report``; the results they nest (``sh:detail``) stay under them."""
    root = next(report.subjects(RDF.type, SH.ValidationReport))
    roots = set(extra.subjects(RDF.type, SH.ValidationReport))
    for other in roots:
        for node in extra.objects(other, SH.result):
            report.add((root, SH.result, node))
    for triple in extra:
        if triple[0] not in roots:
            report.add(triple)
    report.set((root, SH.conforms, rdflib.Literal(conforms)))
