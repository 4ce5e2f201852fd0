r"""The validation report: a value (``ValidationReport`` of ``ValidationResult``\ s) and its renderers
(text for people, table, JSON, CSV, the standard SHACL report graph as Turtle; and for CI servers JUnit XML,
SARIF and GitHub Actions annotations, in ``ci_formats``).

>>> report = ValidationReport(conforms=True, results=[], partnerships={})
>>> report.summary()
'no partnerships in the data; 0 violations, 0 warnings'
>>> report.render("json").splitlines()[1]
'  "conforms": true,'
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from ..reasoning import Inconsistency, ReasoningResult
from .ci_formats import CI_FORMATS, github, junit, sarif

if TYPE_CHECKING:
    import rdflib

__all__ = [
    "LINE_FORMATS",
    "REPORT_FORMATS",
    "SEVERITIES",
    "ValidationReport",
    "ValidationResult",
    "result_lines",
]

SEVERITIES = ("info", "warning", "violation")
REPORT_FORMATS = ("text", "table", "json", "csv", "turtle", *CI_FORMATS)
#: The formats that show each result's line in its source file (finding it reads every source file).
LINE_FORMATS = frozenset({"json", "csv", *CI_FORMATS})


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result, with the labels and grouping a reader needs.

    ``partnership`` is the partnership the result is about: the focus node itself, or the partnership of
    the membership, country engagement or output that is the focus node (``None`` otherwise).
    ``source`` names where the focus node is described: the source file as loaded (relative to its data
    folder), or the graph's IRI when the store knows no file; ``sheet`` and ``row`` the spreadsheet row it
    was imported from (``None`` for RDF files); ``line`` the line of the (first) source file where the focus
    node is first a subject (Turtle, TriG, N-Triples, N-Quads files still as loaded; ``None`` otherwise).
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
    source: str | None = None
    sheet: str | None = None
    row: int | None = None
    line: int | None = None

    def as_dict(self) -> dict:
        """The fields by name, as ``dataclasses.asdict`` gives them (5x faster: the fields are plain)."""
        return {name: getattr(self, name) for name in _RESULT_FIELDS}


_RESULT_FIELDS = tuple(f.name for f in fields(ValidationResult))


@dataclass
class ValidationReport:
    """The outcome of one validation run: a value that renders as text, table, JSON, CSV or Turtle, and
    as JUnit XML, SARIF or GitHub Actions annotations.

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
    # Shape IRI -> {"name": ..., "description": ...} (English sh:name / sh:description) of the shapes that
    # have results: what CI formats show as rule names.
    shape_texts: dict[str, dict[str, str]] = field(default_factory=dict)

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
        """The report as ``text`` (for people), ``table``, ``json``, ``csv``, ``turtle`` (SHACL report),
        ``junit``, ``sarif`` or ``github`` (workflow commands): see ``ci_formats``."""
        renderers = {
            "text": _text,
            "table": _table,
            "json": _json,
            "csv": _csv,
            "turtle": _turtle,
            "ttl": _turtle,
            "junit": junit,
            "sarif": sarif,
            "github": github,
        }
        if format not in renderers:
            raise ValueError(f"unknown report format {format!r}; use one of {', '.join(REPORT_FORMATS)}")
        return renderers[format](self)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


# --- renderers ------------------------------------------------------------------------------------------

_MARK = {"violation": "✗ violation", "warning": "! warning  ", "info": "i info     "}


def _text(report: ValidationReport) -> str:
    lines: list[str] = []
    groups: dict[str | None, list[ValidationResult]] = {}
    for result in report.results:
        groups.setdefault(result.partnership, []).append(result)
    meeting = set(report.meeting_composition)  # a list: looking each partnership up in it was quadratic
    for iri, label in sorted(report.partnerships.items(), key=lambda kv: kv[1].lower()):
        if iri not in groups:
            continue
        verdict = (
            "meets the MSP composition rule"
            if iri in meeting and report.composition_known
            else ("does not meet the MSP composition rule" if report.composition_known else "")
        )
        lines.append(f"{label}  <{iri}>" + (f"  ({verdict})" if verdict else ""))
        lines.extend(result_lines(groups[iri], iri))
        lines.append("")
    if None in groups:
        lines.append("Other resources")
        lines.extend(result_lines(groups[None], None))
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


def result_lines(results: list[ValidationResult], partnership: str | None) -> list[str]:
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
        "results": [r.as_dict() for r in report.results],
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
        writer.writerow({k: ("" if v is None else v) for k, v in r.as_dict().items()})
    return out.getvalue()


def _turtle(report: ValidationReport) -> str:
    """The SHACL report graph as Turtle, written by pyoxigraph (rdflib's writer took 2-7 s for the 5,559
    results of a 10^6-triple graph, and its order of results changed from run to run). Blank nodes are
    named in a fixed order (``_blank_names``), subjects and their triples sorted, so the same report gives
    the same bytes."""
    if report.graph is None:
        raise ValueError("this report has no SHACL report graph")
    import pyoxigraph as ox  # only here: rdflib and its terms are not needed to start a command
    from rdflib import SH

    from ..stores.terms import term

    graph = report.graph
    converted: dict = {}  # each rdflib term converted once; then only pyoxigraph's terms (fast str, hash)
    outgoing: dict = {}  # subject -> its (predicate, object) pairs: the graph read once

    def ox_term(node):
        found = converted.get(node)
        if found is None:
            found = converted[node] = term(node)
        return found

    for s, p, o in graph:
        outgoing.setdefault(ox_term(s), []).append((ox_term(p), ox_term(o)))
    names = _blank_names(outgoing)
    renamed = {node: ox.BlankNode(name) for node, name in names.items()}

    def key(node) -> tuple:
        return (0, int(names[node][1:]), "") if isinstance(node, ox.BlankNode) else (1, 0, str(node))

    triples = []
    for subject in sorted(outgoing, key=key):
        for p, o in sorted(outgoing[subject], key=lambda po: (str(po[0]), key(po[1]))):
            triples.append(ox.Triple(renamed.get(subject, subject), p, renamed.get(o, o)))
    prefixes = _used_prefixes(graph, converted.values(), {"sh": str(SH)})
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")


def _blank_names(outgoing: dict) -> dict:
    """A name (``b0``, ``b1``...) for every blank node of a graph (``outgoing``: subject -> its (predicate,
    object) pairs, pyoxigraph terms), in an order that depends on the triples only: the roots (blank nodes
    no triple points to: the report) first, then, breadth first, the blank nodes each one points to, each
    group sorted by what it says (its triples, blank nodes inside expanded)."""
    import pyoxigraph as ox

    said: dict = {}

    def signature(node, seen: tuple = ()) -> str:
        if not isinstance(node, ox.BlankNode):
            return str(node)
        if node in seen:
            return "[]"
        if node not in said:
            inner = sorted(f"{p} {signature(o, (*seen, node))}" for p, o in outgoing.get(node, ()))
            said[node] = "[" + " ; ".join(inner) + "]"
        return said[node]

    blanks = {n for n in outgoing if isinstance(n, ox.BlankNode)}
    pointed = {o for pairs in outgoing.values() for _, o in pairs if isinstance(o, ox.BlankNode)}
    order = sorted(blanks - pointed, key=signature)
    names = {node: f"b{i}" for i, node in enumerate(order)}
    for node in order:  # grows while it is read: breadth first
        targets = [
            (str(p), signature(o), o) for p, o in outgoing.get(node, ()) if isinstance(o, ox.BlankNode)
        ]
        for *_, target in sorted(targets, key=lambda t: t[:2]):
            if target not in names:
                names[target] = f"b{len(names)}"
                order.append(target)
    for node in sorted(blanks | pointed - names.keys(), key=signature):  # only in cycles: any order
        names.setdefault(node, f"b{len(names)}")
    return names


def _used_prefixes(graph: rdflib.Graph, terms, extra: dict[str, str]) -> dict[str, str]:
    """The graph's prefixes (and ``extra``) whose namespace starts one of its IRIs (``terms``: its terms, as
    pyoxigraph's)."""
    import pyoxigraph as ox

    iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
    iris |= {t.datatype.value for t in terms if isinstance(t, ox.Literal)}
    known = {str(prefix): str(ns) for prefix, ns in graph.namespace_manager.namespaces()} | extra
    return {
        prefix: ns
        for prefix, ns in sorted(known.items())
        if ns and re.fullmatch(r"[A-Za-z][\w.-]*|", prefix) and any(i.startswith(ns) for i in iris)
    }
