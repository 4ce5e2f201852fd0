"""What a report says about the data, in the MSP's terms: readable labels, the partnership each result is
about (a membership, country engagement or output belongs to its partnership), and the English message.

This is the only place of the validation stage that knows the MSP model; the engines are generic SHACL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox
import rdflib
from rdflib import RDF, RDFS, SH, SKOS
from rdflib.paths import Path as RdfPath

from ..prefixes import select
from ..reasoning import Entailments
from ..stores import INFERRED_GRAPH, Store
from ..stores.terms import rdflib_term
from .report import SEVERITIES, ValidationReport, ValidationResult

__all__ = [
    "assemble",
    "build_report",
    "context_graph",
    "dependencies",
    "describe_result",
    "labels_of",
    "partnerships_of",
]

MSP = rdflib.Namespace("https://w3id.org/msp/ontology#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
_PREFIXES = select("msp", "org", "skos", "dct", "prov", "time", "foaf", "country", "group", "role")
_SEVERITY = {SH.Info: "info", SH.Warning: "warning", SH.Violation: "violation"}


def build_report(
    conforms: bool,
    graph: rdflib.Graph,
    data: rdflib.Graph,
    shapes: rdflib.Graph,
    composition: set[rdflib.term.Node] | None,
) -> ValidationReport:
    """The ``ValidationReport`` of a SHACL report graph; ``data`` supplies labels and partnerships."""
    labels = labels_of(data)
    results = [describe_result(graph, node, labels, shapes) for node in _top_results(graph)]
    return assemble(
        conforms, results, partnerships_of(data, labels), shapes, composition, graph=graph, triples=len(data)
    )


def labels_of(data: rdflib.Graph) -> _Labels:
    """The readable names of the nodes of ``data`` (a ``context_graph``), its prefixes bound."""
    for prefix, namespace in _PREFIXES.items():
        data.namespace_manager.bind(prefix, namespace, override=True, replace=True)
    return _Labels(data)


def partnerships_of(data: rdflib.Graph, labels: _Labels) -> dict[str, str]:
    """Every partnership of ``data`` with its readable name, in IRI order."""
    return {str(p): labels(p) for p in sorted(set(data.subjects(RDF.type, MSP.Partnership)))}


def describe_result(graph: rdflib.Graph, node, labels: _Labels, shapes: rdflib.Graph) -> ValidationResult:
    """The ``ValidationResult`` of the result ``node`` of the report ``graph``."""
    data = labels.data
    focus = graph.value(node, SH.focusNode)
    owner = _partnership_of(data, focus)
    path = graph.value(node, SH.resultPath)
    value = graph.value(node, SH.value)
    return ValidationResult(
        focus_node=str(focus),
        focus_label=labels.describe(focus),
        path=_path_text(graph, path, data) if path is not None else None,
        value=labels.value(value) if value is not None else None,
        severity=_SEVERITY.get(graph.value(node, SH.resultSeverity), "violation"),
        constraint_component=str(graph.value(node, SH.sourceConstraintComponent)),
        source_shape=str(graph.value(node, SH.sourceShape)),
        message=_message(graph, node, path, value, labels, shapes),
        partnership=str(owner) if owner is not None else None,
        partnership_label=labels(owner) if owner is not None else None,
    )


def dependencies(graph: rdflib.Graph, node, data: rdflib.Graph) -> list[str] | None:
    """The nodes (N-Triples IRIs) whose labels, types and links ``describe_result`` reads for the result
    ``node``: its focus node and value, and the nodes they link to (its partnership, a membership's member
    and organisation, a country). A change of no triple of ``READS`` with one of them as subject or object
    leaves the result as it is. None when one of them or the result's shape is a blank node (its text is
    not the same from one store, or one reading of the shapes, to the next): such a result is described
    again every time."""
    if isinstance(graph.value(node, SH.sourceShape), rdflib.BNode):
        return None
    ends = [n for n in (graph.value(node, SH.focusNode), graph.value(node, SH.value)) if n is not None]
    nodes = {n for n in ends if not isinstance(n, rdflib.Literal)}
    for end in ends:
        for link in _LINKS:
            nodes.update(data.objects(end, rdflib.URIRef(link)))
        for link in _INVERSE_LINKS:
            nodes.update(data.subjects(rdflib.URIRef(link), end))
    nodes = {n for n in nodes if not isinstance(n, rdflib.Literal)}
    if any(not isinstance(n, rdflib.URIRef) for n in nodes):
        return None
    return sorted(f"<{n}>" for n in nodes)


def assemble(
    conforms: bool,
    results: list[ValidationResult],
    partnerships: dict[str, str],
    shapes: rdflib.Graph,
    composition: set[rdflib.term.Node] | None,
    *,
    graph: rdflib.Graph | None = None,
    triples: int = 0,
) -> ValidationReport:
    """The report of described results: in the report's order, with each partnership's verdict."""
    composition_shapes = {str(s) for s in composition or ()}
    results = sorted(results, key=lambda r: _order(r, composition_shapes))
    failing = {
        r.partnership
        for r in results
        if r.severity == "violation" and (not composition_shapes or r.source_shape in composition_shapes)
    }
    meeting = [p for p in partnerships if p not in failing]
    return ValidationReport(
        conforms=bool(conforms),
        results=results,
        partnerships=partnerships,
        meeting_composition=meeting,
        composition_known=bool(composition_shapes),
        graph=graph,
        triples=triples,
        shape_texts=_shape_texts(shapes, {r.source_shape for r in results}),
    )


def _shape_texts(shapes: rdflib.Graph, iris: set[str]) -> dict[str, dict[str, str]]:
    """The English (or untagged) ``sh:name`` and ``sh:description`` of the shapes ``iris``."""
    texts: dict[str, dict[str, str]] = {}
    for iri in sorted(iris):
        found = {}
        for key, predicate in (("name", SH.name), ("description", SH.description)):
            values = sorted(
                (o.language != "en", str(o))
                for o in shapes.objects(rdflib.URIRef(iri), predicate)
                if isinstance(o, rdflib.Literal) and o.language in (None, "en")
            )
            if values:
                found[key] = values[0][1]
        if found:
            texts[iri] = found
    return texts


def _order(r: ValidationResult, composition_shapes: set[str]) -> tuple:
    """A result's place in the report: by partnership, severest first, the composition rule first, the
    partnership's own results first, then by label and message; ties in the results' own terms, so the
    order never depends on the order the engine found them in."""
    return (
        r.partnership_label or "~",
        -SEVERITIES.index(r.severity),
        r.source_shape not in composition_shapes,
        r.focus_node != r.partnership,
        r.focus_label,
        r.message,
        r.focus_node,
        r.path or "",
        r.constraint_component,
        r.source_shape,
        r.value or "",
    )


def _top_results(graph: rdflib.Graph) -> list:
    """The report's own results: results nested under another one (``sh:detail``) stay there."""
    return [
        n for root in graph.subjects(RDF.type, SH.ValidationReport) for n in graph.objects(root, SH.result)
    ]


def _partnership_of(data: rdflib.Graph, node) -> rdflib.term.Node | None:
    if node is None:
        return None
    if (node, RDF.type, MSP.Partnership) in data:
        return node
    for link in (
        data.value(node, ORG.organization),
        data.value(node, MSP.engagementOf),
        data.value(None, MSP.hasCountryEngagement, node),
        data.value(node, MSP.outputOf),
        data.value(None, MSP.hasOutput, node),
    ):
        if link is not None and (link, RDF.type, MSP.Partnership) in data:
            return link
    return None


class _Labels:
    """Readable names for nodes: the display-label rule of docs/model.md, else a shortened IRI.

    Per language, a node's name is its ``skos:prefLabel``, else an ``rdfs:label`` that is not also one of its
    ``skos:altLabel`` / ``skos:hiddenLabel`` (so the ``rdfs:label`` triples OWL RL infers from SKOS's
    sub-properties never name a node by its acronym), the smallest string when several remain. English (or
    no language) first, then the smallest other language. The choice depends on the triples only, not on
    their order or graph, so both engines and any store give the same names.
    """

    def __init__(self, data: rdflib.Graph):
        self.data = data
        self.cache: dict[rdflib.term.Node, str] = {}

    def __call__(self, node) -> str:
        if node not in self.cache:
            self.cache[node] = self._label(node)
        return self.cache[node]

    def _label(self, node) -> str:
        if isinstance(node, rdflib.Literal):
            return str(node)
        return _display_label(self.data, node) or _short_iri(self.data, node)

    def describe(self, node) -> str:
        """The focus node as a reader knows it; a membership is named by its member and partnership."""
        if node is not None and (node, RDF.type, ORG.Membership) in self.data:
            member = self.data.value(node, ORG.member)
            org = self.data.value(node, ORG.organization)
            if member is not None:
                return f"membership of {self(member)}" + (f" in {self(org)}" if org is not None else "")
        if node is not None and (node, RDF.type, MSP.CountryEngagement) in self.data:
            country = self.data.value(node, MSP.country)
            if country is not None:
                return f"country engagement of {self(country)}"
        return self(node)

    def value(self, node) -> str:
        if isinstance(node, rdflib.Literal):
            return str(node)
        label = self(node)
        return label


def _display_label(data: rdflib.Graph, node) -> str | None:
    """The display label of ``node`` in ``data`` (the rule of docs/model.md), None when it has none."""
    preferred: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    hidden = set(data.objects(node, SKOS.altLabel)) | set(data.objects(node, SKOS.hiddenLabel))
    for prop, found in ((SKOS.prefLabel, preferred), (RDFS.label, names)):
        for label in data.objects(node, prop):
            if isinstance(label, rdflib.Literal) and (prop == SKOS.prefLabel or label not in hidden):
                found.setdefault(_language(label), []).append(str(label))
    chosen = {language: min(preferred.get(language) or names[language]) for language in {*preferred, *names}}
    if not chosen:
        return None
    return chosen["en"] if "en" in chosen else chosen[min(chosen)]


def _language(label: rdflib.Literal) -> str:
    """``en`` for English (any ``en-*`` tag) and for no language, else the language tag."""
    language = (label.language or "en").lower()
    return "en" if language == "en" or language.startswith("en-") else language


def _short_iri(data: rdflib.Graph, node) -> str:
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    try:
        return data.namespace_manager.normalizeUri(node) if isinstance(node, rdflib.URIRef) else str(node)
    except Exception:  # rdflib cannot shorten every IRI
        return str(node)


def _path_text(report: rdflib.Graph, path, data: rdflib.Graph) -> str:
    """A SHACL path in SPARQL property-path syntax (prefixed names where known)."""
    if isinstance(path, rdflib.URIRef):
        return _short_iri(data, path)
    if isinstance(path, RdfPath):
        return path.n3(data.namespace_manager)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(report, inverse, data)
    for prop, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = report.value(path, prop)
        if inner is not None:
            return f"({_path_text(report, inner, data)}){suffix}"
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(
            _path_text(report, p, data) for p in rdflib.collection.Collection(report, alternatives)
        )
    if (path, RDF.first, None) in report:
        return "/".join(_path_text(report, p, data) for p in rdflib.collection.Collection(report, path))
    return str(path)


_COMPONENT_TEXT = {
    "MinCountConstraintComponent": "missing {path}",
    "MaxCountConstraintComponent": "too many values of {path}",
    "ClassConstraintComponent": "{path}: {value} is not of the expected class",
    "DatatypeConstraintComponent": "{path}: {value} has the wrong datatype",
    "InConstraintComponent": "{path}: {value} is not one of the allowed values",
    "NodeKindConstraintComponent": "{path}: {value} is the wrong kind of node",
    "PatternConstraintComponent": "{path}: {value} does not match the expected pattern",
    "HasValueConstraintComponent": "{path}: the required value is missing",
}


def _message(report: rdflib.Graph, node, path, value, labels: _Labels, shapes: rdflib.Graph) -> str:
    """The English message of a result.

    pyshacl drops the language tag of a message whose ``{?var}`` placeholders it fills in, so an untagged
    message is matched against the shape's English templates to pick the English one.
    """
    messages = [m for m in report.objects(node, SH.resultMessage) if isinstance(m, rdflib.Literal)]
    for message in messages:
        if message.language == "en":
            return str(message)
    templates = [
        str(t)
        for source in (report.value(node, SH.sourceShape), report.value(node, SH.sourceConstraint))
        if source is not None
        for t in shapes.objects(source, SH.message)
        if isinstance(t, rdflib.Literal) and t.language in (None, "en")
    ]
    for template in templates:
        pattern = ".*".join(re.escape(part) for part in re.split(r"\{[?$]\w+\}", template))
        for message in messages:
            if message.language is None and re.fullmatch(pattern, str(message), flags=re.DOTALL):
                return str(message)
    untagged = [m for m in messages if m.language is None]
    if untagged or messages:
        return str((untagged or messages)[0])
    component = str(report.value(node, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
    template = _COMPONENT_TEXT.get(component, "fails " + component.removesuffix("ConstraintComponent"))
    return template.format(
        path=_path_text(report, path, labels.data) if path is not None else "value",
        value=labels.value(value) if value is not None else "the value",
    )


# --- what the report needs to know about the data ------------------------------------------------------

_MSP = "https://w3id.org/msp/ontology#"
_ORG = "http://www.w3.org/ns/org#"
#: What the labels need (altLabel / hiddenLabel values are left out of the rdfs:label ones).
_LABELS = (str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.hiddenLabel))
#: The only types a report reads (``build_report``): reading every type of every node cost 3x the rows.
_TYPES = (f"{_MSP}Partnership", f"{_ORG}Membership", f"{_MSP}CountryEngagement")
_LINKS = (f"{_ORG}member", f"{_ORG}organization", f"{_MSP}engagementOf", f"{_MSP}outputOf", f"{_MSP}country")
_INVERSE_LINKS = (f"{_MSP}hasCountryEngagement", f"{_MSP}hasOutput")
#: What a report reads of the data (``context_graph``, ``build_report``), as entailments it needs.
READS = Entailments(
    frozenset(f"<{p}>" for p in (*_LABELS, *_LINKS, *_INVERSE_LINKS)), frozenset(f"<{c}>" for c in _TYPES)
)
_TYPE = f"<{RDF.type}>"
_NAMES = frozenset(f"<{p}>" for p in _LABELS)


def touched(triples: Iterable[tuple[str, str, str]]) -> set[str]:
    """The nodes whose description a change of ``triples`` (N-Triples terms) can alter: the subject and
    object of each triple of a predicate, or a type, the report reads (``READS``)."""
    nodes: set[str] = set()
    for s, p, o in triples:
        if p in READS.predicates or (p == _TYPE and o in READS.classes):
            nodes.update((s, o))
    return nodes


def partnerships_touched(triples: Iterable[tuple[str, str, str]], partnerships: Iterable[str]) -> bool:
    """Whether a change of ``triples`` can alter the partnerships or their names: a partnership typed or
    untyped, or a name of one of ``partnerships`` (IRIs) changed."""
    known = {f"<{p}>" for p in partnerships}
    return any(
        (p == _TYPE and o == f"<{_MSP}Partnership>") or (p in _NAMES and s in known) for s, p, o in triples
    )


def context_graph(
    store: Store, report: rdflib.Graph, *, chunk: int = 2000, partnerships: bool = True
) -> rdflib.Graph:
    """The small part of the data a ``ValidationReport`` reads: every partnership with its labels (unless
    not ``partnerships``), and the labels, types and partnership links of the focus nodes and values of
    ``report`` (and of what they link to). Built with a few SPARQL queries, so no rdflib copy of the whole
    store is needed."""
    every = f"?s <{RDF.type}> <{_MSP}Partnership> . GRAPH ?g {{ ?s ?p ?o {_wanted(_LABELS)} }}"
    rows = _quads(store, every) if partnerships else []
    nodes = {
        str(o)
        for p in (SH.focusNode, SH.value)
        for o in report.objects(None, p)
        if isinstance(o, rdflib.URIRef)
    }
    direct = _describe(store, nodes, (*_LABELS, *_LINKS), _INVERSE_LINKS, chunk)
    linked = {n.value for row in direct for n in (row[0], row[2]) if isinstance(n, ox.NamedNode)}
    rows += direct + _describe(store, linked - nodes, _LABELS, (), chunk)
    # Added in a fixed order (the asserted graphs' triples sorted, then the inferred ones), so the graph is
    # the same from run to run; the labels do not depend on it (the display-label rule picks by value).
    # The rows hold the store's terms; each distinct term becomes an rdflib term once, and each distinct
    # row gets its sort key once.
    # rdflib's SimpleMemory store: no graph contexts to keep, which a report never reads (1.5x faster).
    graph = rdflib.Graph(store="SimpleMemory")
    seen = set()
    terms: dict = {}

    def rdf(term):
        found = terms.get(term)
        if found is None:
            found = terms[term] = rdflib_term(term)
        return found

    def order(row: tuple) -> tuple:
        return (row[3] == INFERRED_GRAPH, str(ox.Triple(*row[:3])))

    triples = []
    for row in sorted(set(rows), key=order):
        if row[:3] not in seen:
            seen.add(row[:3])
            triples.append((rdf(row[0]), rdf(row[1]), rdf(row[2]), graph))
    graph.addN(triples)
    return graph


def _wanted(predicates) -> str:
    """The filter keeping the triples of ``predicates`` and the types a report reads."""
    types = f"?p = <{RDF.type}> && ?o IN ({_iris(_TYPES)})"
    return f"FILTER (?p IN ({_iris(predicates)}) || ({types}))"


def _quads(store: Store, where: str) -> list[tuple]:
    """(s, p, o, graph name) rows of a pattern binding ?s ?p ?o ?g (the store's terms)."""
    return [(s, p, o, g.value) for s, p, o, g in store.query(f"SELECT ?s ?p ?o ?g WHERE {{ {where} }}")]


def _describe(store: Store, nodes: set[str], forward, inverse, chunk: int) -> list[tuple]:
    iris = sorted(nodes)
    rows: list = []
    for start in range(0, len(iris), chunk):
        values = " ".join(f"<{n}>" for n in iris[start : start + chunk])
        where = [f"{{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o {_wanted(forward)} }} }}"]
        if inverse:
            where.append(
                f"{{ VALUES ?o {{ {values} }} GRAPH ?g {{ ?s ?p ?o FILTER (?p IN ({_iris(inverse)})) }} }}"
            )
        rows += _quads(store, " UNION ".join(where))
    return rows


def _iris(iris) -> str:
    return ", ".join(f"<{i}>" for i in iris)
