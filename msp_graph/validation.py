"""SHACL validation (the fast engine by default, pyshacl as the reference) and the validation report model.

The data is the store's asserted triples plus their OWL 2 RL closure (``msp_graph.reasoning``): reasoning
runs first, here, and no engine infers anything itself. Two engines give the same report: ``sparql`` (the
default, ``msp_graph.fastshacl``: each constraint one SPARQL query over all focus nodes, run in the store)
and ``pyshacl`` (the reference, on an rdflib copy of the data, with each SPARQL text parsed once). The shapes
come from the bundled ``shapes/`` folder or from the files given. A failing validation is a value (a
``ValidationReport``); only "could not run" raises (``ShapesError``, ``LoadError``...).

>>> from msp_graph.graph import open_store, load_bundled
>>> store = open_store()
>>> load_bundled(store)                                    # doctest: +SKIP
>>> report = validate(store)                               # doctest: +SKIP
>>> print(report.summary())                                # doctest: +SKIP
2 of 14 partnerships meet the MSP composition rule; 12 violations, 45 warnings
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib import RDF, RDFS, SH, SKOS
from rdflib.paths import Path as RdfPath
from rdflib.plugins.sparql import processor as sparql_processor

from .errors import LoadError, ShapesError
from .graph import asserted_graphs, parse_file
from .prefixes import select
from .reasoning import Inconsistency, ReasoningResult, reason_full
from .resources import bundled_dir
from .store import EmbeddedStore, Store, source_graph

__all__ = [
    "ENGINES",
    "REPORT_FORMATS",
    "SEVERITIES",
    "ValidationReport",
    "ValidationResult",
    "load_shapes",
    "shape_files",
    "sparql_parsed_once",
    "validate",
    "validate_graph",
]

MSP = rdflib.Namespace("https://w3id.org/msp/ontology#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")

SEVERITIES = ("info", "warning", "violation")
ENGINES = ("pyshacl", "sparql")
_PREFIXES = select("msp", "org", "skos", "dct", "prov", "time", "foaf", "country", "group", "role")
_SEVERITY = {SH.Info: "info", SH.Warning: "warning", SH.Violation: "violation"}
REPORT_FORMATS = ("text", "table", "json", "csv", "turtle")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result, with the labels and grouping a reader needs.

    ``partnership`` is the partnership the result is about: the focus node itself, or the partnership of
    the membership, country engagement or output that is the focus node (``None`` otherwise).
    """

    focus_node: str
    focus_label: str
    path: str | None
    value: str | None
    severity: str
    constraint_component: str
    source_shape: str
    message: str
    partnership: str | None = None
    partnership_label: str | None = None


@dataclass
class ValidationReport:
    """The outcome of one validation run: a value that renders as text, table, JSON, CSV or Turtle.

    >>> report = ValidationReport(conforms=True, results=[], partnerships={})
    >>> report.summary()
    'no partnerships in the data; 0 violations, 0 warnings'
    """

    conforms: bool
    results: list[ValidationResult]
    partnerships: dict[str, str]
    meeting_composition: list[str] = field(default_factory=list)
    composition_known: bool = True
    inconsistencies: list[Inconsistency] = field(default_factory=list)
    reasoning: ReasoningResult | None = None
    graph: rdflib.Graph | None = None
    triples: int = 0

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def problems(self, fail_on: str = "violation") -> bool:
        """True when a result at ``fail_on`` severity or above exists, or the data is inconsistent."""
        if fail_on not in SEVERITIES:
            raise ValueError(f"unknown severity {fail_on!r}; use one of {', '.join(SEVERITIES)}")
        floor = SEVERITIES.index(fail_on)
        return bool(self.inconsistencies) or any(SEVERITIES.index(r.severity) >= floor for r in self.results)

    def summary(self) -> str:
        total = len(self.partnerships)
        counts = (
            f"{_plural(self.count('violation'), 'violation')}, {_plural(self.count('warning'), 'warning')}"
        )
        if self.count("info"):
            counts += f", {_plural(self.count('info'), 'info')}"
        if self.inconsistencies:
            counts += f"; {_plural(len(self.inconsistencies), 'OWL inconsistency', 'OWL inconsistencies')}"
        if not total:
            return f"no partnerships in the data; {counts}"
        met = len(self.meeting_composition)
        what = "meet the MSP composition rule" if self.composition_known else "have no violation"
        if total == 1:
            what = what.replace("meet ", "meets ").replace("have ", "has ")
        return f"{met} of {total} partnership{'s' if total != 1 else ''} {what}; {counts}"

    def render(self, format: str = "text") -> str:
        """The report as ``text`` (for people), ``table``, ``json``, ``csv`` or ``turtle`` (SHACL report)."""
        renderers = {
            "text": _text,
            "table": _table,
            "json": _json,
            "csv": _csv,
            "turtle": _turtle,
            "ttl": _turtle,
        }
        if format not in renderers:
            raise ValueError(f"unknown report format {format!r}; use one of {', '.join(REPORT_FORMATS)}")
        return renderers[format](self)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


# --- shapes ---------------------------------------------------------------------------------------------


def shape_files() -> list[Path]:
    """The bundled shapes files."""
    return sorted(p for p in bundled_dir("shapes").rglob("*.ttl") if p.is_file())


def load_shapes(paths: Sequence[str | Path] | None = None) -> tuple[rdflib.Graph, set[rdflib.term.Node]]:
    """The shapes graph and the shapes of the MSP composition rule (those defined in ``composition*.ttl``).

    Raises ``ShapesError`` naming ``file:line:column`` when a file cannot be read.
    """
    files = [Path(p) for p in paths] if paths is not None else shape_files()
    if not files:
        raise ShapesError("no SHACL shapes found; give shapes files with --shapes")
    graph = rdflib.Graph()
    composition: set[rdflib.term.Node] = set()
    for path in files:
        try:
            quads = parse_file(path)
        except LoadError as error:
            raise ShapesError(str(error)) from None
        part = rdflib.Graph()
        part.parse(data=_to_nt(quads), format="nt")
        if path.stem.startswith("composition"):
            composition |= {s for s in part.subjects() if isinstance(s, rdflib.URIRef)}
            composition |= {o for o in part.objects(None, SH.property)}
        graph += part
    if not any(graph.triples((None, RDF.type, SH.NodeShape))) and not any(
        graph.triples((None, SH.targetClass, None))
    ):
        raise ShapesError(f"{files[0]}: no SHACL node shapes found in the shapes given")
    return graph, composition


def _to_nt(quads) -> bytes:
    return ox.serialize(
        [ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES
    )


# --- validation -----------------------------------------------------------------------------------------


def validate(
    store: Store,
    *,
    shapes: Sequence[str | Path] | None = None,
    reason: bool = True,
    reasoner: str = "rules",
    engine: str = "sparql",
) -> ValidationReport:
    """Reason (OWL 2 RL, written to the inferred graph), then validate against the SHACL shapes.

    ``shapes``: shapes files (default: the bundled shapes). ``reason=False`` validates the asserted
    triples as they are; ``reasoner``: ``rules`` (fast, in the store) or ``owlrl`` (the reference).
    ``engine``: ``sparql`` (the default: ``msp_graph.fastshacl``, shapes compiled to SPARQL run in the
    store, over all its graphs) or ``pyshacl`` (the reference, on an rdflib copy of the data); both give
    the same report (docs/validation-engines.md).
    """
    if engine not in ENGINES:
        raise ShapesError(f"unknown validation engine {engine!r}; use one of: {', '.join(ENGINES)}")
    shapes_graph, composition = load_shapes(shapes)
    if engine == "sparql":
        from .fastshacl import context_graph, validate_store

        result = reason_full(store, engine=reasoner)[0] if reason else None
        local = store if isinstance(store, EmbeddedStore) else _local_copy(store)
        conforms, graph, _ = validate_store(local, shapes_graph)
        report = _build_report(conforms, graph, context_graph(local, graph), shapes_graph, composition)
        report.triples = store.count()
        report.reasoning = result
        report.inconsistencies = list(result.inconsistencies) if result else []
        return report
    if reason:
        result, data, inferred = reason_full(store, engine=reasoner)
        data += inferred
    else:
        result, data = None, store.to_rdflib(asserted_graphs(store))
    report = validate_graph(data, shapes_graph, composition=composition)
    report.reasoning = result
    report.inconsistencies = list(result.inconsistencies) if result else []
    return report


def _local_copy(store: Store) -> EmbeddedStore:
    """An in-memory copy of a remote store, graph by graph, for the fast engine.

    The compiled queries are not sent to the endpoint: Virtuoso 7 gets some of them wrong (transitive
    property paths inside ``FILTER NOT EXISTS`` / ``MINUS`` on a bound variable, and the composition query's
    aggregate sub-SELECT), so they run where they were checked, in Oxigraph.
    """
    local = EmbeddedStore()
    local.load(store.dump(format="nq"), graph=source_graph("remote-copy"), format="nq")  # graphs kept
    return local


def validate_graph(
    data: rdflib.Graph,
    shapes: rdflib.Graph,
    *,
    composition: set[rdflib.term.Node] | None = None,
) -> ValidationReport:
    """Validate an rdflib graph (already reasoned over) against a shapes graph, with pyshacl."""
    try:
        with sparql_parsed_once():
            conforms, graph, _ = pyshacl.validate(
                data,
                shacl_graph=shapes,
                inference="none",
                advanced=True,
                allow_warnings=False,
                allow_infos=False,
            )
    except Exception as error:  # pyshacl raises ReportableRuntimeError, ConstraintLoadError, ...
        message = str(getattr(error, "message", error)).strip().splitlines()[0]
        raise ShapesError(f"shapes: pyshacl could not run: {message}") from None
    return _build_report(conforms, graph, data, shapes, composition)


_PARSE_LOCK = threading.RLock()


@contextlib.contextmanager
def sparql_parsed_once() -> Iterator[None]:
    """Within this block rdflib parses and translates each SPARQL query text once, then reuses it.

    pyshacl 0.40.1 hands rdflib the text of a SPARQL-based constraint for every focus node, and rdflib parses
    and translates it again each time (0.1-0.5 s a query): about 90 % of pyshacl's time on the MSP shapes.
    The parsed algebra depends only on the text, the base and the initial namespaces (the key here), and
    rdflib does not change it while evaluating, so reusing it gives the same results. rdflib's module
    functions are swapped for the duration of the block (under a lock, re-entrant; other threads' queries
    meanwhile also use the cache, which is harmless).

    >>> import rdflib
    >>> with sparql_parsed_once():
    ...     len(list(rdflib.Graph().query("SELECT * WHERE { ?s ?p ?o }")))
    0
    """
    cache: dict = {}
    parse, translate = sparql_processor.parseQuery, sparql_processor.translateQuery

    def deferred_parse(text):
        return text

    def cached_translate(text, base: str | None = None, init_ns: Mapping | None = None):
        if not isinstance(text, str):  # already parsed by a caller that bypassed parseQuery
            return translate(text, base, init_ns)
        key = (text, base, tuple(sorted((init_ns or {}).items())))
        if key not in cache:
            cache[key] = translate(parse(text), base, init_ns)
        return cache[key]

    with _PARSE_LOCK:
        sparql_processor.parseQuery, sparql_processor.translateQuery = deferred_parse, cached_translate
        try:
            yield
        finally:
            sparql_processor.parseQuery, sparql_processor.translateQuery = parse, translate


def _build_report(
    conforms: bool,
    graph: rdflib.Graph,
    data: rdflib.Graph,
    shapes: rdflib.Graph,
    composition: set[rdflib.term.Node] | None,
) -> ValidationReport:
    """The ``ValidationReport`` of a SHACL report graph; ``data`` supplies labels and partnerships."""
    for prefix, namespace in _PREFIXES.items():
        data.namespace_manager.bind(prefix, namespace, override=True, replace=True)
    labels = _Labels(data)
    partnerships = {str(p): labels(p) for p in sorted(set(data.subjects(RDF.type, MSP.Partnership)))}
    results = []
    for node in graph.subjects(RDF.type, SH.ValidationResult):
        focus = graph.value(node, SH.focusNode)
        owner = _partnership_of(data, focus)
        path = graph.value(node, SH.resultPath)
        value = graph.value(node, SH.value)
        results.append(
            ValidationResult(
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
        )
    composition_shapes = {str(s) for s in composition or ()}
    results.sort(
        key=lambda r: (
            r.partnership_label or "~",
            -SEVERITIES.index(r.severity),
            r.source_shape not in composition_shapes,
            r.focus_node != r.partnership,
            r.focus_label,
            r.message,
        )
    )
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
        triples=len(data),
    )


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
    """Readable names for nodes: rdfs:label / skos:prefLabel (English first), else a shortened IRI."""

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
        best = None
        for prop in (RDFS.label, SKOS.prefLabel):
            for label in self.data.objects(node, prop):
                if isinstance(label, rdflib.Literal) and label.language in (None, "en"):
                    return str(label)
                best = best or str(label)
        if best:
            return best
        return _short_iri(self.data, node)

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


# --- renderers ------------------------------------------------------------------------------------------

_MARK = {"violation": "✗ violation", "warning": "! warning  ", "info": "i info     "}


def _text(report: ValidationReport) -> str:
    lines: list[str] = []
    groups: dict[str | None, list[ValidationResult]] = {}
    for result in report.results:
        groups.setdefault(result.partnership, []).append(result)
    for iri, label in sorted(report.partnerships.items(), key=lambda kv: kv[1].lower()):
        if iri not in groups:
            continue
        verdict = (
            "meets the MSP composition rule"
            if iri in report.meeting_composition and report.composition_known
            else ("does not meet the MSP composition rule" if report.composition_known else "")
        )
        lines.append(f"{label}  <{iri}>" + (f"  ({verdict})" if verdict else ""))
        lines.extend(_result_lines(groups[iri], iri))
        lines.append("")
    if None in groups:
        lines.append("Other resources")
        lines.extend(_result_lines(groups[None], None))
        lines.append("")
    clean = [label for iri, label in report.partnerships.items() if iri not in groups]
    if clean:
        lines.append("No problems found: " + ", ".join(sorted(clean, key=str.lower)))
        lines.append("")
    if report.inconsistencies:
        lines.append("OWL 2 RL inconsistencies (the data contradicts the ontology)")
        lines.extend(f"  ✗ {i.rule}: {i.message}" for i in report.inconsistencies)
        lines.append("")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def _result_lines(results: list[ValidationResult], partnership: str | None) -> list[str]:
    """One line per result; the same message on three or more nodes becomes one line listing them."""
    out = []
    same: dict[tuple[str, str, str | None], list[ValidationResult]] = {}
    for r in results:
        same.setdefault((r.severity, r.message, r.path), []).append(r)
    for (severity, message, path), group in same.items():
        where = f"  [{path}]" if path and path not in message else ""
        if len(group) >= 3:
            names = ", ".join(_brief(r.focus_label) for r in group)
            out.append(f"  {_MARK[severity]}  {message}{where}  ({len(group)}: {names})")
            continue
        for r in group:
            about = "" if r.focus_node == partnership else f"{r.focus_label}: "
            out.append(f"  {_MARK[severity]}  {about}{message}{where}")
    return out


def _brief(label: str) -> str:
    """A focus label shortened for a list: ``country engagement of country:ALB`` -> ``country:ALB``."""
    for lead in ("country engagement of ", "membership of "):
        if label.startswith(lead):
            return label[len(lead) :]
    return label


def _table(report: ValidationReport) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="SHACL validation", show_lines=False)
    for column in ("partnership", "severity", "focus", "path", "value", "message"):
        table.add_column(column, overflow="fold")
    for r in report.results:
        table.add_row(
            r.partnership_label or "",
            r.severity,
            r.focus_label,
            r.path or "",
            r.value or "",
            r.message,
        )
    out = io.StringIO()
    Console(file=out, width=160, color_system=None, force_terminal=False).print(table)
    return out.getvalue() + report.summary() + "\n"


def _json(report: ValidationReport) -> str:
    body = {
        "conforms": report.conforms,
        "summary": report.summary(),
        "partnerships": len(report.partnerships),
        "meeting_composition_rule": report.meeting_composition,
        "violations": report.count("violation"),
        "warnings": report.count("warning"),
        "infos": report.count("info"),
        "results": [asdict(r) for r in report.results],
        "inconsistencies": [
            {"rule": i.rule, "message": i.message, "triples": [list(t) for t in i.triples]}
            for i in report.inconsistencies
        ],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _csv(report: ValidationReport) -> str:
    out = io.StringIO()
    names = list(ValidationResult.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for r in report.results:
        writer.writerow({k: ("" if v is None else v) for k, v in asdict(r).items()})
    return out.getvalue()


def _turtle(report: ValidationReport) -> str:
    if report.graph is None:
        raise ValueError("this report has no SHACL report graph")
    report.graph.bind("sh", SH)
    return report.graph.serialize(format="turtle")
