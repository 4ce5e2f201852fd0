"""The validation report for CI servers: JUnit XML (test reports), SARIF 2.1.0 (code scanning) and GitHub
Actions workflow commands (annotations). Each result points at the file and line its focus node comes from
(``location``); the same report gives the same bytes (no time, host or absolute path).

* ``junit``: one ``<testsuite>`` per partnership (by name), then "Other resources" (results about no
  partnership) and "OWL 2 RL consistency"; one ``<testcase>`` per focus node with results (a partnership
  with none: one passing test case, the partnership itself). A violation is a ``<failure>``; warnings and
  infos are the test case's ``<system-out>`` and do not fail it.
* ``sarif``: one run; ``tool.driver.rules`` one rule per (source shape, constraint component) met, and one
  per OWL 2 RL rule the data breaks; results at level ``error`` (violation), ``warning``, ``note`` (info).
* ``github``: ``::error file=F,line=N,title=T::message`` (``warning``, ``notice``), one line per result.

>>> from msp_graph.validation import ValidationReport
>>> print(github(ValidationReport(conforms=True, results=[], partnerships={})), end="")
no partnerships in the data; 0 violations, 0 warnings
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

__all__ = ["CI_FORMATS", "github", "junit", "location", "sarif"]

CI_FORMATS = ("junit", "sarif", "github")

_SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {"violation": "error", "warning": "warning", "info": "note"}
_GITHUB_COMMAND = {"violation": "error", "warning": "warning", "info": "notice"}
_ORDER = ("info", "warning", "violation")  # report.SEVERITIES (report imports this module, not the reverse)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: Characters XML 1.0 does not allow (a message quoting a value may hold them): written as ``\\xNN``.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def location(result: Any) -> tuple[str | None, int | None]:
    """The file a CI server points at for a ``ValidationResult`` (the first of its source files, as the
    store names it: relative to the working folder) and the line (the line of a Turtle or N-Triples file,
    else the row of a spreadsheet). ``(None, None)`` for a source with no file: a graph IRI, a URL,
    standard input.

    >>> from types import SimpleNamespace as R
    >>> location(R(source="data/a.ttl; data/b.ttl", line=4, row=None))
    ('data/a.ttl', 4)
    >>> location(R(source="https://w3id.org/msp/id/graph/source/a", line=None, row=None))
    (None, None)
    """
    first = (result.source or "").split("; ")[0]
    if not first or "://" in first or first.startswith("/") or first == "stdin":
        return None, None
    return first, result.line if result.line is not None else result.row


def _iri(text: str | None) -> str | None:
    """``text`` if it is an IRI; None for a blank node: its name changes from run to run, so these formats
    never write it (the same report, the same bytes)."""
    return text if text and _SCHEME.match(text) else None


def _blank(text: str | None) -> str | None:
    """A focus label or value, a blank node's (``_:...``) as ``a blank node``."""
    return "a blank node" if text and text.startswith("_:") else text


def _short(iri: str) -> str:
    """The local name of an IRI (after the last ``#`` or ``/``), or the IRI."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def _shape(result: Any) -> str:
    """The source shape's local name; a blank node shape: ``anonymous`` and its path."""
    if _iri(result.source_shape):
        return _short(result.source_shape)
    return f"anonymous[{result.path}]" if result.path else "anonymous"


def _rule_id(result: Any) -> str:
    return f"{_shape(result)}/{_short(result.constraint_component).removesuffix('ConstraintComponent')}"


def _version() -> str:
    try:
        return metadata.version("msp-graph")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


# --- SARIF ----------------------------------------------------------------------------------------------


def sarif(report: Any) -> str:
    """The ``ValidationReport`` as a SARIF 2.1.0 log (JSON)."""
    rules: dict[str, dict] = {}
    worst: dict[str, str] = {}  # a rule's level: the highest severity of its results
    for r in report.results:
        key = _rule_id(r)
        rules.setdefault(key, _sarif_rule(key, r, report.shape_texts.get(r.source_shape, {})))
        worst[key] = max(r.severity, worst.get(key, r.severity), key=_ORDER.index)
    for key, severity in worst.items():
        rules[key]["defaultConfiguration"] = {"level": _SARIF_LEVEL[severity]}
    for i in report.inconsistencies:
        rules.setdefault(f"owl-rl/{i.rule}", _owl_rule(i.rule))
    order = {key: index for index, key in enumerate(sorted(rules))}
    results = [_sarif_result(r, order[_rule_id(r)]) for r in report.results]
    results += [
        {
            "ruleId": f"owl-rl/{i.rule}",
            "ruleIndex": order[f"owl-rl/{i.rule}"],
            "level": "error",
            "message": {"text": i.message},
        }
        for i in report.inconsistencies
    ]
    driver = {"name": "msp-graph", "version": _version(), "rules": [rules[k] for k in order]}
    log = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _sarif_rule(rule_id: str, r: Any, texts: dict[str, str]) -> dict:
    """A rule: the shape's ``sh:name`` and ``sh:description`` when it has them, else its local name and
    the first result's message."""
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": texts.get("name", _shape(r)),
        "shortDescription": {"text": texts.get("description", r.message)},
        "properties": {"constraintComponent": r.constraint_component},
    }
    if _iri(r.source_shape):
        rule["properties"]["shape"] = r.source_shape
    if r.source_shape.startswith(("http://", "https://")):
        rule["helpUri"] = r.source_shape
    return rule


def _owl_rule(name: str) -> dict:
    return {
        "id": f"owl-rl/{name}",
        "name": name,
        "shortDescription": {"text": f"OWL 2 RL inconsistency ({name}): the data contradicts the ontology"},
        "defaultConfiguration": {"level": "error"},
    }


def _sarif_result(r: Any, index: int) -> dict:
    file, line = location(r)
    where: dict[str, Any] = {}
    if file is not None:
        where["physicalLocation"] = {"artifactLocation": {"uri": _uri(file)}}
        if line is not None:
            where["physicalLocation"]["region"] = {"startLine": line}
    focus = {"name": _blank(r.focus_label), "kind": "resource"}
    focus |= {"fullyQualifiedName": r.focus_node} if _iri(r.focus_node) else {}
    where["logicalLocations"] = [focus]
    given = (("focusNode", _iri(r.focus_node)), ("path", r.path), ("value", _blank(r.value)))
    properties = {"severity": r.severity} | {k: v for k, v in given if v}
    properties |= {"partnership": r.partnership} if r.partnership else {}
    return {
        "ruleId": _rule_id(r),
        "ruleIndex": index,
        "level": _SARIF_LEVEL[r.severity],
        "message": {"text": f"{_blank(r.focus_label)}: {r.message}"},
        "locations": [where],
        "properties": properties,
    }


def _uri(path: str) -> str:
    """A relative path as a URI reference (``%`` and blanks encoded)."""
    return quote(path, safe="/")


# --- JUnit XML ------------------------------------------------------------------------------------------


def junit(report: Any) -> str:
    """The ``ValidationReport`` as JUnit XML (``<testsuites>``), as CI servers read test reports."""
    groups: dict[str | None, list] = {}
    for r in report.results:
        groups.setdefault(r.partnership, []).append(r)
    suites = ElementTree.Element("testsuites", name="msp-graph validate")
    for iri, label in sorted(report.partnerships.items(), key=lambda kv: (kv[1].lower(), kv[0])):
        cases = _cases(groups.get(iri, [])) or [ElementTree.Element("testcase", name=label, classname=label)]
        _suite(suites, label, cases, iri)
    if None in groups:
        _suite(suites, "Other resources", _cases(groups[None]), None)
    if report.inconsistencies:
        cases = []
        for i in report.inconsistencies:
            case = ElementTree.Element("testcase", name=i.rule, classname="OWL 2 RL consistency")
            ElementTree.SubElement(case, "failure", type="owl-rl", message=_xml(i.message)).text = _xml(
                i.message
            )
            cases.append(case)
        _suite(suites, "OWL 2 RL consistency", cases, None)
    _count(suites, suites.findall("testsuite"))
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"
    )


def _cases(results: list) -> list[ElementTree.Element]:
    """One test case per focus node (in the report's order): a failure per violation, the rest as output."""
    by_node: dict[str, list] = {}
    for r in results:
        by_node.setdefault(r.focus_node, []).append(r)
    cases = []
    for node_results in by_node.values():
        first = node_results[0]
        suite = first.partnership_label or "Other resources"
        name = _blank(first.focus_label) + (f" <{first.focus_node}>" if _iri(first.focus_node) else "")
        case = ElementTree.Element("testcase", name=_xml(name), classname=_xml(suite))
        notes = []
        for r in node_results:
            if r.severity == "violation":
                failure = ElementTree.SubElement(case, "failure", type=_rule_id(r), message=_xml(r.message))
                failure.text = _xml(_details(r))
            else:
                notes.append(f"{r.severity}: {r.message}\n{_details(r)}")
        if notes:
            ElementTree.SubElement(case, "system-out").text = _xml("\n\n".join(notes))
        cases.append(case)
    return cases


def _details(r: Any) -> str:
    file, line = location(r)
    given = (
        ("focus node", _iri(r.focus_node)),
        ("shape", _iri(r.source_shape) or _shape(r)),
        ("constraint", r.constraint_component),
        ("path", r.path),
        ("value", _blank(r.value)),
    )
    lines = [f"{k}: {v}" for k, v in given if v is not None]
    if file is not None:
        lines.append(f"at: {file}" + (f":{line}" if line is not None else ""))
    if r.sheet is not None:
        lines.append(f"sheet: {r.sheet}, row {r.row}")
    return "\n".join(lines)


def _suite(parent: ElementTree.Element, name: str, cases: list, iri: str | None) -> None:
    suite = ElementTree.SubElement(parent, "testsuite", name=_xml(name))
    if iri is not None:
        properties = ElementTree.SubElement(suite, "properties")
        ElementTree.SubElement(properties, "property", name="partnership", value=_xml(iri))
    suite.extend(cases)
    _count(suite, cases)


def _count(element: ElementTree.Element, children: list) -> None:
    """``tests``, ``failures``, ``errors`` (none), ``skipped`` (none) and ``time`` (0: reproducible)."""
    if element.tag == "testsuites":
        tests = sum(int(c.get("tests")) for c in children)
        failures = sum(int(c.get("failures")) for c in children)
    else:
        tests, failures = len(children), sum(1 for c in children if c.find("failure") is not None)
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", "0")
    if element.tag == "testsuite":
        element.set("skipped", "0")
    element.set("time", "0")


def _xml(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# --- GitHub Actions workflow commands ---------------------------------------------------------------------


def github(report: Any) -> str:
    """The ``ValidationReport`` as GitHub Actions workflow commands: an annotation per result, on the file
    and line of its focus node when known; the summary last (a plain line)."""
    lines = []
    for r in report.results:
        file, line = location(r)
        properties = {"file": file, "line": line, "title": f"{r.severity}: {_rule_id(r)}"}
        message = f"{_blank(r.focus_label)}: {r.message}"
        lines.append(_command(_GITHUB_COMMAND[r.severity], properties, message))
    for i in report.inconsistencies:
        lines.append(_command("error", {"title": f"OWL 2 RL inconsistency: {i.rule}"}, i.message))
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def _command(name: str, properties: dict, message: str) -> str:
    """``::name key=value,...::message``, escaped as GitHub's runner reads them."""
    given = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{name} {given}::{escape_data(message)}" if given else f"::{name}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF encoded (``%25``, ``%0D``, ``%0A``).

    >>> escape_data("100%\\nsure")
    '100%25%0Asure'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as a message, and ``:`` and ``,`` (``%3A``, ``%2C``).

    >>> escape_property("a:b,c")
    'a%3Ab%2Cc'
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
