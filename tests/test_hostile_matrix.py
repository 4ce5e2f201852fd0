"""The fault matrix: every command of ``msp-graph`` against malformed, oversized, hostile and unreachable
input, run as a subprocess, measured against the contract.

The contract: bad input gets ONE line on stderr starting ``msp-graph: error:`` and exit 2, and changes
nothing (the store, the ``-o`` target, the folder, the endpoint); exit 1 means findings (``validate``,
``reason``, ``import``) and nothing else; never a traceback; never a hang. ``import`` lists every problem
of a refused import, one ``msp-graph: error:`` (or ``warning:``) line each, then the count: that listing is
its clean refusal (docs/spreadsheets.md).

Each case is its own test (``-k load-hostile``...). The cases of a run are started together in a small
thread pool when the first one is asked for (``MSP_GRAPH_MATRIX_WORKERS``, default 3), each with a hard
time-out (``MSP_GRAPH_MATRIX_TIMEOUT``, default 20 s; 12 s for endpoint faults, where
``MSP_GRAPH_TIMEOUT=2``) and an address-space limit of 4 GiB (so a bomb fails the case, not the machine).
A case is classified as:

* ``ok``: exit 0, or 1 from a command that reports findings;
* ``clean2``: exit 2 with the one line (or ``import``'s listing), nothing on stdout;
* ``unclean2``: exit 2 in another form (several lines, a usage message, partial output);
* ``wrong-exit``: exit 1 from a command that has no findings to report;
* ``traceback``, ``crash`` (a signal, an unknown exit code), ``hang`` (killed at the time-out);

and flagged ``changed`` (a command that did not succeed changed the store, the folder or the endpoint; or
a command that must change nothing did), ``contacted`` (a request reached a server it had to leave alone),
``bad-output`` (a succeeding command wrote something wrong, e.g. RDF/XML that is not XML),
``python-warning`` (a raw ``...py:N: UserWarning:`` from a library on stderr).

The summary (cases tried, ok, clean exit 2, tracebacks, hangs, changed...) is printed at the end of the
pytest run and written as JSON to ``$MSP_GRAPH_MATRIX_REPORT`` when that is set.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hostile_inputs import (
    FINDINGS,
    PYTHON_WARNING,
    FakeEndpoint,
    Inputs,
    classify,
    external_entity,
    jsonld_remote_context,
    remote_fingerprint,
    run_cli,
    service_query,
    service_shapes,
    store_fingerprint,
    tree_fingerprint,
)

TIMEOUT = float(os.environ.get("MSP_GRAPH_MATRIX_TIMEOUT", "20"))
NET_TIMEOUT = min(TIMEOUT, 12.0)
WORKERS = int(os.environ.get("MSP_GRAPH_MATRIX_WORKERS", "3"))
FAILED = {"traceback", "crash", "hang", "unclean2", "wrong-exit"}

OXI = ("--endpoint", "<<oxi:query>>", "--update-endpoint", "<<oxi:update>>", "--graph-store", "<<oxi:store>>")
DATA = {
    "validate": ("validate",),
    "reason": ("reason",),
    "query": ("query", "alliances-by-level"),
    "export": ("export",),
    "network": ("network",),
    "stats": ("stats",),
    "organisations": ("organisations",),
}


@dataclass(eq=False)
class Case:
    """One command line and what the contract expects of it.

    ``args`` may hold placeholders: ``<<in:NAME>>`` a hostile input (``hostile_inputs.Inputs``),
    ``<<store>>`` the case's copy of a prepared store (``store``: ``good`` or ``ill``), ``<<case>>`` the
    case's folder (the command's working directory), ``<<here:NAME>>`` a file of ``files`` written there,
    ``<<url:MODE>>`` a ``FakeEndpoint`` of that mode started for the case, ``<<oxi:query|update|store>>``
    the session's Oxigraph server (``remote``: its content is compared). ``expect``: ``refuse`` (clean exit
    2), ``accept`` (exit 0, or 1 for findings) or ``either``. ``keep``: must change nothing even when it
    succeeds. ``no_contact``: the fake servers must see no connection. ``check(stdout, folder)`` returns
    what is wrong with a succeeding command's output, or None.
    """

    id: str
    args: tuple[str | bytes, ...]
    expect: str = "refuse"
    kind: str = "malformed"
    env: Mapping[str, str] = field(default_factory=dict)
    store: str | None = None
    remote: bool = False
    files: Mapping[str, str] = field(default_factory=dict)
    keep: bool = False
    no_contact: bool = False
    check: Callable[[bytes, Path], str | None] | None = None
    timeout: float = TIMEOUT

    @property
    def command(self) -> str:
        return str(self.args[0])


@dataclass
class Outcome:
    case: Case
    exit: int | None
    category: str
    flags: list[str]
    stdout: str
    stderr: str
    seconds: float
    detail: str = ""
    argv: tuple = ()

    @property
    def passed(self) -> bool:
        return not self.problems()

    @property
    def succeeded(self) -> bool:
        """Exit 0, or 1 for findings: a change is then the command's job (unless ``keep``)."""
        return self.exit == 0 or (self.exit == 1 and self.case.command in FINDINGS)

    def problems(self) -> list[str]:
        found = []
        if self.category in FAILED:
            found.append(self.category)
        found += [f for f in self.flags if f != "changed" or not self.succeeded or self.case.keep]
        if self.case.expect == "refuse" and self.category == "ok":
            found.append("not refused (expected exit 2)")
        if self.case.expect == "accept" and self.category == "clean2":
            found.append("refused (expected exit 0/1)")
        return found

    def head(self) -> str:
        """The first stderr lines and, for a traceback, its last line (the exception)."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        head = lines[:3]
        if self.category == "traceback" and lines and lines[-1] not in head:
            head.append("... " + lines[-1])
        return "\n".join(line[:300] for line in head)

    def explain(self) -> str:
        args = " ".join(a if isinstance(a, str) else repr(a) for a in self.argv or self.case.args)
        return (
            f"{self.case.id}: {', '.join(self.problems())} (exit {self.exit}, {self.seconds:.1f} s)\n"
            f"  msp-graph {args}\n  env: {dict(self.case.env)}\n  {self.detail}\n"
            f"  stderr: {self.head()}\n  stdout: {self.stdout[:200]!r}"
        )

    def as_json(self) -> dict:
        return {
            "id": self.case.id,
            "command": self.case.command,
            "kind": self.case.kind,
            "expect": self.case.expect,
            "exit": self.exit,
            "category": self.category,
            "flags": self.flags,
            "passed": self.passed,
            "problems": self.problems(),
            "seconds": round(self.seconds, 2),
            "stderr_head": self.head(),
            "detail": self.detail,
        }


# --- checks of a succeeding command's output ----------------------------------------------------------


def well_formed_xml(out: bytes, folder: Path) -> str | None:
    try:
        ET.fromstring(out)
    except ET.ParseError as error:
        return f"stdout is not well-formed XML: {error}"
    return None


def one_page(name: str) -> Callable[[bytes, Path], str | None]:
    """The network page: two script elements (the data, the code), the data JSON holding ``name``."""

    def check(out: bytes, folder: Path) -> str | None:
        if out.count(b"<script") != 2 or out.count(b"</script>") != 2:
            return "a name broke out of the page's script elements"
        found = re.search(rb'<script type="application/json" id="msp-data">(.*?)</script>', out, re.S)
        try:
            labels = {node["label"] for node in json.loads(found.group(1))["nodes"]} if found else set()
        except ValueError as error:
            return f"the page's data is not JSON: {error}"
        return None if name in labels else f"the page lost the name {name!r}"

    return check


def workbook_keeps(values: Mapping[str, str]) -> Callable[[bytes, Path], str | None]:
    """Each row of out.xlsx that names a property of ``values`` holds its lexical form as written."""

    def check(out: bytes, folder: Path) -> str | None:
        import openpyxl

        rows = [
            [str(value) for value in row if value is not None]
            for sheet in openpyxl.load_workbook(folder / "out.xlsx", read_only=True).worksheets
            for row in sheet.iter_rows(values_only=True)
        ]
        lost = {
            key: [row for row in rows if key in row]
            for key, text in values.items()
            if not any(key in row and text in row for row in rows)
        }
        return f"the workbook changed ill-typed values (expected {dict(values)}): {lost}" if lost else None

    return check


def no_secret(out: bytes, folder: Path) -> str | None:
    return "the output holds /etc/passwd (an external entity was read)" if b"root:" in out else None


# --- the cases ------------------------------------------------------------------------------------------


def _file_inputs() -> list[tuple[str, str, str, dict]]:
    """(kind, name, path, env) of the bad input files every file-reading command is tried with."""
    return [
        ("malformed", "turtle", "<<in:bad-turtle.ttl>>", {}),
        ("missing", "file", "<<case>>/no-such-file.ttl", {}),
        ("hostile", "nul-byte", "<<in:nul-in-syntax.ttl>>", {}),
        ("hostile", "invalid-utf8", "<<in:bad-utf8.ttl>>", {}),
        ("oversized", "file", "<<in:oversized.ttl>>", {"MSP_GRAPH_MAX_FILE_BYTES": "1024"}),
        ("malformed", "unknown-extension", "<<in:data.txt>>", {}),
        ("malformed", "directory", "<<in:folder/>>", {}),
    ]


def _format_inputs() -> list[tuple[str, str, str, str, dict]]:
    """(kind, name, path, expect, files) of inputs tried on ``load`` and ``validate``."""
    silent_files = {
        "remote-context.jsonld": jsonld_remote_context("<<url:silent>>").decode(),
        "xxe-remote.rdf": external_entity("<<url:silent>>").decode(),
    }
    return [
        ("malformed", "ntriples", "<<in:bad-ntriples.nt>>", "refuse", {}),
        ("malformed", "rdfxml", "<<in:bad-rdfxml.rdf>>", "refuse", {}),
        ("malformed", "jsonld", "<<in:bad-jsonld.jsonld>>", "refuse", {}),
        ("malformed", "trig", "<<in:bad-trig.trig>>", "refuse", {}),
        ("malformed", "nquads", "<<in:bad-nquads.nq>>", "refuse", {}),
        ("malformed", "empty-file", "<<in:empty.ttl>>", "accept", {}),
        ("hostile", "billion-laughs", "<<in:laughs.rdf>>", "refuse", {}),
        ("hostile", "xxe-file", "<<in:xxe-file.rdf>>", "either", {}),
        ("hostile", "xxe-remote", "<<here:xxe-remote.rdf>>", "either", silent_files),
        ("hostile", "jsonld-remote-context", "<<here:remote-context.jsonld>>", "either", silent_files),
        ("hostile", "deep-nesting-turtle", "<<in:deep.ttl>>", "either", {}),
        ("hostile", "deep-nesting-jsonld", "<<in:deep.jsonld>>", "either", {}),
        ("hostile", "nul-in-literal", "<<in:nul-in-literal.ttl>>", "either", {}),
        ("hostile", "symlink-loop", "<<in:loop.ttl>>", "refuse", {}),
        ("hostile", "fifo", "<<in:fifo.ttl>>", "refuse", {}),
        ("hostile", "dev-zero", "/dev/zero", "refuse", {}),
        ("hostile", "control-characters", "<<in:control.ttl>>", "accept", {}),
        ("hostile", "ill-typed-literal", "<<in:ill-typed.ttl>>", "accept", {}),
    ]


def file_cases() -> list[Case]:
    cases = []
    for kind, name, path, env in _file_inputs():
        for command, prefix in DATA.items():
            cases.append(Case(f"{command}-{kind}-{name}", (*prefix, path), kind=kind, env=env))
        cases.append(
            Case(
                f"load-{kind}-{name}",
                ("load", path, "--store", "<<store>>"),
                kind=kind,
                env=env,
                store="good",
            )
        )
        cases.append(Case(f"push-{kind}-{name}", ("push", path, *OXI), kind=kind, env=env, remote=True))
    for kind, name, path, expect, files in _format_inputs():
        contact = "<<here:" in path
        cases.append(
            Case(
                f"load-{kind}-{name}",
                ("load", path, "--store", "<<store>>"),
                expect,
                kind,
                store="good",
                files=files,
                no_contact=contact,
            )
        )
        cases.append(
            Case(f"validate-{kind}-{name}", ("validate", path), expect, kind, files=files, no_contact=contact)
        )
    cases += [
        Case(
            "load-oversized-17mb-literal",
            ("load", "<<in:big-literal.ttl>>", "--store", "<<store>>"),
            "either",
            "oversized",
            store="good",
            timeout=max(TIMEOUT, 60),
        ),
        Case(
            "export-hostile-xxe-file",
            ("export", "<<in:xxe-file.rdf>>", "-f", "nt"),
            "either",
            "hostile",
            check=no_secret,
        ),
        Case(
            "export-hostile-control-characters-rdfxml",
            ("export", "<<in:control.ttl>>", "-f", "rdfxml"),
            "either",
            "hostile",
            check=well_formed_xml,
        ),
        Case(
            "export-hostile-control-characters-xlsx",
            ("export", "<<in:control.ttl>>", "-f", "xlsx", "-o", "<<case>>/out.xlsx"),
            "either",
            "hostile",
        ),
        Case(
            "export-hostile-control-characters-csv",
            ("export", "<<in:control.ttl>>", "-f", "csv", "-o", "<<case>>/out.zip"),
            "either",
            "hostile",
        ),
    ]
    return cases


# Partner names a page, a picture or GraphML could choke on: a script end tag, XML-illegal controls.
HOSTILE_NETWORK = (
    "@prefix org: <http://www.w3.org/ns/org#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    '<https://example.org/p> a <https://w3id.org/msp/ontology#Partnership> ; rdfs:label "$x$ & <p>" .\n'
    '<https://example.org/x> rdfs:label "</script><script>alert(1)</script>" .\n'
    '<https://example.org/y> rdfs:label "bell \\u0007 nul \\u0000 fffe \\uFFFE" .\n'
    "[] org:member <https://example.org/x> ; org:organization <https://example.org/p> .\n"
    "[] org:member <https://example.org/y> ; org:organization <https://example.org/p> .\n"
)


def network_format_cases() -> list[Case]:
    """The network's formats on hostile names (well-formed, nothing breaks out), and its option clashes."""
    files = {"net.ttl": HOSTILE_NETWORK}
    data = ("network", "<<here:net.ttl>>")
    return [
        Case("network-hostile-names-svg", (*data, "-f", "svg"), "accept", "hostile", files=files,
             check=well_formed_xml),
        Case("network-hostile-names-graphml", (*data, "-f", "graphml"), "accept", "hostile", files=files,
             check=well_formed_xml),
        Case("network-hostile-names-graphml-partners", (*data, "-f", "graphml", "--partners"), "accept",
             "hostile", files=files, check=well_formed_xml),
        Case("network-hostile-names-html", (*data, "-f", "html"), "accept", "hostile", files=files,
             check=one_page("</script><script>alert(1)</script>")),
        Case("export-hostile-names-html", ("export", "<<here:net.ttl>>", "-f", "html"), "accept", "hostile",
             files=files, check=one_page("</script><script>alert(1)</script>")),
        Case("network-option-partners-not-graphml", ("network", "--partners", "-f", "html")),
        Case("network-option-html-against-graphml", ("network", "-f", "html", "-o", "<<case>>/out.graphml")),
    ]  # fmt: skip


def store_cases() -> list[Case]:
    """A FILE with ``--store`` and one bad argument: refused before anything is written."""
    good2 = "<<in:good2.ttl>>"

    def case(name: str, *args: str, kind: str = "option", expect: str = "refuse") -> Case:
        return Case(name, args, expect, kind, store="good")

    s = ("--store", "<<store>>")
    return [
        case("query-option-store-bad-format", "query", "alliances-by-level", good2, *s, "-f", "bogus"),
        case(
            "query-option-store-param-without-equals",
            "query",
            "alliances-of-partner",
            good2,
            *s,
            "-p",
            "partner",
        ),
        case("query-option-store-unknown-param", "query", "alliances-by-level", good2, *s, "-p", "nosuch=1"),
        case("query-option-store-unknown-query", "query", "no-such-query", good2, *s),
        case(
            "query-malformed-store-bad-sparql",
            "query",
            good2,
            *s,
            "-e",
            "SELECT * WHERE { ?s ?p }",
            kind="malformed",
        ),
        case(
            "query-option-store-output-missing-folder",
            "query",
            "alliances-by-level",
            good2,
            *s,
            "-o",
            "<<case>>/missing/out.csv",
        ),
        case("export-option-store-bad-format", "export", good2, *s, "-f", "bogus"),
        case(
            "export-option-store-output-missing-folder", "export", good2, *s, "-o", "<<case>>/missing/x.ttl"
        ),
        case("stats-option-store-bad-format", "stats", good2, *s, "-f", "bogus"),
        case("network-option-store-bad-format", "network", good2, *s, "-f", "bogus"),
        case("reason-option-store-bad-format", "reason", good2, *s, "-f", "bogus"),
        case("reason-option-store-bad-reasoner", "reason", good2, *s, "--reasoner", "bogus"),
        case("validate-option-store-bad-fail-on", "validate", good2, *s, "--fail-on", "bogus"),
        case("validate-option-store-bad-engine", "validate", good2, *s, "--engine", "bogus"),
        case("validate-option-store-bad-format", "validate", good2, *s, "-f", "bogus"),
        case(
            "validate-missing-store-shapes",
            "validate",
            good2,
            *s,
            "--shapes",
            "<<case>>/no-shapes.ttl",
            kind="missing",
        ),
        case(
            "validate-malformed-store-shapes",
            "validate",
            good2,
            *s,
            "--shapes",
            "<<in:bad-turtle.ttl>>",
            kind="malformed",
        ),
        case(
            "validate-malformed-store-second-file",
            "validate",
            good2,
            "<<in:bad-turtle.ttl>>",
            *s,
            kind="malformed",
        ),
        case("load-malformed-second-file", "load", good2, "<<in:bad-turtle.ttl>>", *s, kind="malformed"),
        case("load-missing-second-file", "load", good2, "<<case>>/no-such.ttl", *s, kind="missing"),
        case(
            "load-malformed-replace",
            "load",
            good2,
            "<<in:bad-turtle.ttl>>",
            "--replace",
            *s,
            kind="malformed",
        ),
        case("stats-hostile-store-is-a-file", "stats", "--store", "<<in:good.ttl>>", kind="hostile"),
        case("stats-hostile-store-not-a-store", "stats", "--store", "<<in:csv/>>", kind="hostile"),
        case("load-hostile-store-dev-null", "load", good2, "--store", "/dev/null", kind="hostile"),
        Case(
            "stats-option-store-reading-changes-nothing",
            ("stats", *s),
            "accept",
            "option",
            store="good",
            keep=True,
        ),
        case("organisations-option-store-bad-group", "organisations", good2, *s, "--group", "bogus"),
        case("organisations-option-store-empty-match", "organisations", good2, *s, "--match", " "),
        Case(
            "organisations-option-store-reading-changes-nothing",
            ("organisations", *s, "--group", "syndicats", "--match", "ITUC", "-f", "json"),
            "accept",
            "option",
            store="good",
            keep=True,
        ),
        Case(
            "export-option-store-reading-changes-nothing",
            ("export", *s, "-f", "nt"),
            "accept",
            "option",
            store="good",
            keep=True,
        ),
    ]


OUTPUT_COMMANDS = {
    "validate": (("validate",), "json", "csv"),
    "reason": (("reason",), "text", "json"),
    "query": (("query", "alliances-by-level"), "csv", "json"),
    "queries": (("queries",), "table", "json"),
    "prefixes": (("prefixes",), "json", "ttl"),
    "export": (("export",), "nt", "ttl"),
    "network": (("network",), "svg", "png"),
    "stats": (("stats",), "csv", "json"),
    "limits": (("limits",), "table", "json"),
    "history": (("history", "ca4j"), "text", "json"),
    "organisations": (("organisations",), "csv", "json"),
}


def output_cases() -> list[Case]:
    """-o into a missing folder, onto a directory, onto /dev/full, against -f; an -o file kept on failure."""
    cases = []
    for command, (prefix, fmt, other) in OUTPUT_COMMANDS.items():
        cases += [
            Case(
                f"{command}-hostile-output-missing-folder",
                (*prefix, "-o", "<<case>>/missing/out"),
                kind="hostile",
            ),
            Case(f"{command}-hostile-output-onto-directory", (*prefix, "-o", "<<case>>"), kind="hostile"),
            Case(f"{command}-hostile-output-dev-full", (*prefix, "-o", "/dev/full"), kind="hostile"),
            Case(
                f"{command}-option-format-against-output", (*prefix, "-f", fmt, "-o", f"<<case>>/out.{other}")
            ),
            Case(f"{command}-option-bad-format", (*prefix, "-f", "bogus")),
        ]
    for command in ("validate", "query", "export", "stats"):
        prefix = DATA[command]
        cases.append(
            Case(
                f"{command}-malformed-output-kept-on-failure",
                (*prefix, "<<in:bad-turtle.ttl>>", "-o", "<<here:kept.out>>"),
                files={"kept.out": "what was there before\n"},
            )
        )
    return cases


def option_cases() -> list[Case]:
    """Bad option values: unknown names, empty strings, odd numbers, traversal, bytes that are no UTF-8."""
    q = ("query",)
    partner = ("query", "alliances-of-partner")
    most = ("query", "most-connected-partners")
    cases = [
        Case("query-option-param-without-equals", (*partner, "-p", "partner")),
        Case("query-option-unknown-param", ("query", "alliances-by-level", "-p", "nosuch=1")),
        Case("query-option-unknown-query", ("query", "no-such-query")),
        Case("query-option-empty-name", ("query", "")),
        Case("query-option-empty-expression", (*q, "-e", "")),
        Case("query-option-empty-file", (*q, "--file", "")),
        Case("query-option-empty-param", (*partner, "-p", "")),
        Case("query-option-param-empty-name", (*partner, "-p", "=ex:a")),
        Case("query-option-param-empty-iri", (*partner, "-p", "partner=")),
        Case("query-option-param-nan", (*most, "-p", "min_alliances=NaN")),
        Case("query-option-param-overflowing-float", (*most, "-p", "min_alliances=1e309")),
        Case("query-option-param-fraction", (*most, "-p", "min_alliances=1.5")),
        Case("query-option-param-negative", (*most, "-p", "min_alliances=-1"), "accept"),
        Case("query-option-param-huge-integer", (*most, "-p", "min_alliances=" + "9" * 40), "either"),
        Case(
            "query-hostile-param-control-character",
            (*partner, "-p", "partner=organisation:a\x01b"),
            "either",
            "hostile",
        ),
        Case(
            "query-hostile-param-injection",
            (*partner, "-p", "partner=https://example.org/a> } ; DROP ALL ; { <x:y"),
            "refuse",
            "hostile",
        ),
        Case(
            "query-hostile-param-invalid-utf8",
            (*partner, "-p", b"partner=organisation:\xff\xfe"),
            "either",
            "hostile",
        ),
        Case(
            "query-hostile-expression-invalid-utf8",
            (*q, "-e", b'SELECT * WHERE { ?s ?p "\xff" }'),
            "either",
            "hostile",
        ),
        Case("query-hostile-name-invalid-utf8", ("query", b"\xff\xfe"), kind="hostile"),
        Case(
            "query-hostile-expression-control-character",
            (*q, "-e", "SELECT\x0b* WHERE { ?s ?p ?o }"),
            "either",
            "hostile",
        ),
        Case(
            "query-hostile-expression-deep-nesting",
            (*q, "-e", "SELECT * WHERE " + "{" * 5000 + "}" * 5000),
            "either",
            "hostile",
        ),
        Case("query-malformed-sparql", (*q, "-e", "SELECT * WHERE { ?s ?p }")),
        Case("query-malformed-negative-limit", (*q, "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT -1")),
        Case("query-malformed-update-as-query", (*q, "-e", "INSERT DATA { <x:a> <x:b> <x:c> }")),
        Case("query-malformed-file", (*q, "--file", "<<in:bad.rq>>")),
        Case("query-hostile-file-invalid-utf8", (*q, "--file", "<<in:bad-utf8.rq>>"), kind="hostile"),
        Case("query-missing-query-file", (*q, "--file", "<<case>>/missing.rq"), kind="missing"),
        Case("query-hostile-file-directory", (*q, "--file", "<<in:folder/>>"), kind="hostile"),
        Case("query-hostile-file-dev-zero", (*q, "--file", "/dev/zero"), kind="hostile"),
        Case("query-hostile-file-fifo", (*q, "--file", "<<in:fifo.rq>>"), kind="hostile"),
        Case("query-hostile-file-etc-passwd", (*q, "--file", "/etc/passwd"), kind="hostile"),
        Case("validate-option-bad-fail-on", ("validate", "--fail-on", "bogus")),
        Case("validate-option-bad-reasoner", ("validate", "--reasoner", "bogus")),
        Case("validate-option-bad-engine", ("validate", "--engine", "bogus")),
        Case(
            "validate-option-bad-dialect",
            ("validate", "--endpoint", "<<url:silent>>", "--dialect", "bogus"),
            no_contact=True,
        ),
        Case(
            "validate-option-empty-dialect",
            ("validate", "--endpoint", "<<url:silent>>", "--dialect", ""),
            no_contact=True,
        ),
        Case("validate-option-local-copy-without-endpoint", ("validate", "--local-copy")),
        Case("reason-option-dialect-without-endpoint", ("reason", "--dialect", "virtuoso")),
        Case(
            "stats-option-local-copy-without-endpoint",
            ("stats", "--store", "<<store>>", "--local-copy"),
            store="good",
            keep=True,
        ),
        Case(
            "validate-option-dialect-generic",
            ("validate", *OXI, "--no-reason", "--dialect", "generic", "-q"),
            "accept",
            remote=True,
            keep=True,
        ),
        Case(
            "validate-option-local-copy",
            ("validate", *OXI, "--no-reason", "--local-copy", "-q"),
            "accept",
            remote=True,
            keep=True,
        ),
        Case("validate-option-empty-fail-on", ("validate", "--fail-on", "")),
        Case("validate-option-empty-shapes", ("validate", "--shapes", "")),
        Case("validate-option-empty-format", ("validate", "-f", "")),
        Case("validate-missing-shapes", ("validate", "--shapes", "<<case>>/no-shapes.ttl"), kind="missing"),
        Case("reason-option-bad-reasoner", ("reason", "--reasoner", "bogus")),
        Case("reason-option-empty-reasoner", ("reason", "--reasoner", "")),
        Case("export-option-empty-format", ("export", "-f", "")),
        Case("stats-option-empty-store", ("stats", "--store", "")),
        Case("stats-option-empty-endpoint", ("stats", "--endpoint", "")),
        Case("load-option-empty-file", ("load", "", "--store", "<<store>>"), store="good"),
        Case(
            "update-option-empty-sparql",
            ("update", "", "--store", "<<store>>"),
            "either",
            store="good",
            keep=True,
        ),
        Case("import-option-empty-file", ("import", "", "--store", "<<store>>"), store="good"),
        Case("query-option-usage-unknown-option", (*q, "--no-such-option")),
        Case("validate-option-usage-missing-value", ("validate", "-f")),
        Case("load-option-usage-missing-store", ("load", "<<in:good.ttl>>")),
        Case("queries-option-usage-extra-argument", ("queries", "extra")),
        Case(
            "template-hostile-output-is-a-file",
            ("template", "-o", "<<here:afile>>"),
            kind="hostile",
            files={"afile": "a file, not a folder\n"},
        ),
        Case("template-option-output-stdout", ("template", "-o", "-")),
        Case("template-hostile-output-dev-full", ("template", "-o", "/dev/full"), kind="hostile"),
    ]
    for slug, name, expect in [
        ("relative-etc-passwd", "../../../../etc/passwd", "refuse"),
        ("sibling-folder", "../queries/alliances-by-level", "refuse"),
        ("absolute-etc-passwd", "/etc/passwd", "refuse"),
        ("with-suffix", "alliances-by-level.rq", "either"),  # the same query: harmless either way
        ("dotdot", "..", "refuse"),
        ("dot", ".", "refuse"),
        ("url-encoded", "%2e%2e%2fetc%2fpasswd", "refuse"),
    ]:
        cases.append(Case(f"query-hostile-traversal-{slug}", ("query", name), expect, "hostile"))
    return cases


def setting_cases() -> list[Case]:
    """Limits and time-outs set to values that cannot be used."""
    cases = []
    for value in ("nan", "inf", "-1", "0", "soon"):
        cases.append(
            Case(
                f"stats-option-timeout-{value}",
                ("stats", *OXI),
                env={"MSP_GRAPH_TIMEOUT": value},
                remote=True,
            )
        )
    for value in ("nan", "-1", "1.5"):
        cases.append(
            Case(
                f"load-option-max-file-bytes-{value}",
                ("load", "<<in:good2.ttl>>", "--store", "<<store>>"),
                env={"MSP_GRAPH_MAX_FILE_BYTES": value},
                store="good",
            )
        )
    cases += [
        Case(
            "import-option-max-rows-nan",
            ("import", "<<in:csv/>>", "--store", "<<store>>"),
            env={"MSP_GRAPH_MAX_ROWS": "nan"},
            store="good",
        ),
        Case(
            "import-option-max-sheet-bytes-zero",
            ("import", "<<in:small.xlsx>>", "--store", "<<store>>"),
            env={"MSP_GRAPH_MAX_SHEET_BYTES": "0"},
            store="good",
        ),
        Case("limits-option-timeout-nan", ("limits",), env={"MSP_GRAPH_TIMEOUT": "nan"}),
        Case(
            "pull-option-max-response-bytes-nan",
            ("pull", *OXI, "-o", "<<case>>/out"),
            env={"MSP_GRAPH_MAX_RESPONSE_BYTES": "nan"},
            remote=True,
        ),
        Case(
            "query-option-network-timeout-nan",
            ("query", "--allow-network", "-e", service_query("<<url:silent>>")),
            env={"MSP_GRAPH_NETWORK_TIMEOUT": "nan"},
            no_contact=True,
            timeout=NET_TIMEOUT,
        ),
    ]
    return cases


def network_cases() -> list[Case]:
    """SERVICE and LOAD <url> reach nothing without --allow-network, and are bounded with it."""
    s = ("--store", "<<store>>")
    net = {"MSP_GRAPH_NETWORK_TIMEOUT": "2", "MSP_GRAPH_TIMEOUT": "2"}

    def case(name: str, *args: str, expect: str = "refuse", contact: bool = True, **more) -> Case:
        more.setdefault("timeout", NET_TIMEOUT)
        return Case(name, args, expect, "hostile", no_contact=contact, env=net, **more)

    service_insert = (
        "INSERT { GRAPH <https://example.org/g> { ?s ?p ?o } } "
        "WHERE { SERVICE <<<url:silent>>> { ?s ?p ?o } }"
    )
    return [
        case("query-hostile-service-without-allow-network", "query", "-e", service_query("<<url:silent>>")),
        case(
            "query-hostile-service-silent-without-allow-network",
            "query",
            "-e",
            service_query("<<url:silent>>", silent=True),
            expect="either",
        ),
        case(
            "query-hostile-service-in-file",
            "query",
            "--file",
            "<<here:service.rq>>",
            files={"service.rq": service_query("<<url:silent>>")},
        ),
        case(
            "query-hostile-service-with-store",
            "query",
            *s,
            "-e",
            service_query("<<url:silent>>"),
            store="good",
        ),
        case(
            "query-unreachable-service-allowed-never-answers",
            "query",
            "--allow-network",
            "-e",
            service_query("<<url:silent>>"),
            contact=False,
        ),
        case(
            "validate-hostile-service-in-shapes",
            "validate",
            "<<in:good.ttl>>",
            "--shapes",
            "<<here:shapes.ttl>>",
            expect="either",
            files={"shapes.ttl": service_shapes("<<url:silent>>").decode()},
        ),
        case(
            "update-hostile-load-url",
            "update",
            "LOAD <<<url:silent>>> INTO GRAPH <https://example.org/g>",
            *s,
            store="good",
        ),
        case(
            "update-hostile-load-file-url",
            "update",
            "LOAD <file:///etc/passwd> INTO GRAPH <https://example.org/g>",
            *s,
            store="good",
        ),
        case("update-hostile-service-in-where", "update", service_insert, *s, store="good"),
        case(
            "update-unreachable-load-allowed-never-answers",
            "update",
            "--allow-network",
            "LOAD <<<url:silent>>> INTO GRAPH <https://example.org/g>",
            *s,
            store="good",
            contact=False,
        ),
    ]


ENDPOINT_COMMANDS = {
    "validate": ("validate",),
    "reason": ("reason",),
    "query": ("query", "alliances-by-level"),
    "export": ("export",),
    "network": ("network",),
    "stats": ("stats",),
    "organisations": ("organisations",),
    "push": ("push", "<<in:good.ttl>>"),
    "pull": ("pull", "-o", "<<case>>/out"),
}


def endpoint_cases() -> list[Case]:
    """--endpoint to servers that refuse, never answer, trickle, cut or garble their answers."""
    env = {"MSP_GRAPH_TIMEOUT": "2"}
    every = ("closed", "silent", "truncated", "garbage")
    some = ("trickle", "short", "error500", "endless")
    cases = []
    for command, prefix in ENDPOINT_COMMANDS.items():
        modes = every + (some if command in ("query", "stats", "push") else ())
        for mode in modes:
            more = {"MSP_GRAPH_MAX_RESPONSE_BYTES": "100000"} if mode == "endless" else {}
            cases.append(
                Case(
                    f"{command}-unreachable-endpoint-{mode}",
                    (*prefix, "--endpoint", f"<<url:{mode}>>"),
                    kind="unreachable",
                    env={**env, **more},
                    timeout=NET_TIMEOUT,
                )
            )
        cases.append(
            Case(
                f"{command}-malformed-endpoint-url",
                (*prefix, "--endpoint", "http://[::1/query"),
                env=env,
                timeout=NET_TIMEOUT,
            )
        )
    for name, url in [
        ("ftp", "ftp://127.0.0.1:1/sparql"),
        ("no-scheme", "not a url"),
        ("port-out-of-range", "http://127.0.0.1:99999/sparql"),
        ("no-host", "http:///sparql"),
        ("newline", "http://127.0.0.1:1/sparql\r\nX-Injected: 1"),
        ("file-url", "file:///etc/passwd"),
        ("empty-host-port", "http://:80/"),
    ]:
        cases.append(
            Case(
                f"stats-malformed-endpoint-{name}", ("stats", "--endpoint", url), env=env, timeout=NET_TIMEOUT
            )
        )
    cases += [
        Case(
            "stats-unreachable-endpoint-redirect-to-file",
            ("stats", "--endpoint", "<<url:redirect>>"),
            kind="unreachable",
            env=env,
            timeout=NET_TIMEOUT,
        ),
        Case(
            "push-malformed-update-endpoint",
            (
                "push",
                "<<in:good.ttl>>",
                "--endpoint",
                "<<oxi:query>>",
                "--update-endpoint",
                "http://[::1/update",
            ),
            env=env,
            remote=True,
            timeout=NET_TIMEOUT,
        ),
        Case(
            "push-malformed-graph-store",
            ("push", "<<in:good.ttl>>", *OXI[:4], "--graph-store", "http://[::1/store"),
            env=env,
            remote=True,
            timeout=NET_TIMEOUT,
        ),
    ]
    return cases


def remote_cases() -> list[Case]:
    """push and pull against a real Oxigraph server: a failed command leaves the server as it was."""
    return [
        Case(
            "push-malformed-second-file",
            ("push", "<<in:good2.ttl>>", "<<in:bad-turtle.ttl>>", *OXI),
            remote=True,
        ),
        Case(
            "push-missing-second-file",
            ("push", "<<in:good2.ttl>>", "<<case>>/missing.ttl", *OXI),
            kind="missing",
            remote=True,
        ),
        Case("push-hostile-billion-laughs", ("push", "<<in:laughs.rdf>>", *OXI), kind="hostile", remote=True),
        Case(
            "push-missing-store", ("push", "--store", "<<case>>/no-store", *OXI), kind="missing", remote=True
        ),
        Case(
            "push-option-store-and-files",
            ("push", "<<in:good2.ttl>>", "--store", "<<store>>", *OXI),
            kind="option",
            store="good",
            remote=True,
        ),
        Case(
            "pull-option-unknown-graph",
            ("pull", *OXI, "--graph", "https://example.org/no-such-graph", "-o", "<<case>>/out"),
            kind="option",
            remote=True,
        ),
        Case(
            "pull-option-graph-not-an-iri",
            ("pull", *OXI, "--graph", "not an iri", "-o", "<<case>>/out"),
            kind="option",
            remote=True,
        ),
        Case(
            "pull-option-empty-graph",
            ("pull", *OXI, "--graph", "", "-o", "<<case>>/out"),
            kind="option",
            remote=True,
        ),
        Case("pull-option-bad-format", ("pull", *OXI, "-f", "bogus", "-o", "<<case>>/out"), remote=True),
        Case(
            "pull-hostile-output-is-a-file",
            ("pull", *OXI, "-o", "<<here:afile>>"),
            kind="hostile",
            remote=True,
            files={"afile": "a file, not a folder\n"},
        ),
        Case("pull-option-output-stdout", ("pull", *OXI, "-o", "-"), kind="option", remote=True),
    ]


def update_cases() -> list[Case]:
    s = ("--store", "<<store>>")

    def case(name: str, sparql: str, kind: str = "malformed", **more) -> Case:
        return Case(name, ("update", sparql, *s), kind=kind, store="good", **more)

    return [
        case("update-malformed-sparql", "INSERT DATA { <x:a> <x:b> }"),
        case("update-malformed-query-not-update", "SELECT * WHERE { ?s ?p ?o }"),
        case(
            "update-malformed-second-operation-fails",
            "INSERT DATA { GRAPH <https://example.org/g> { <x:a> <x:b> 1 } } ; "
            "DROP GRAPH <https://example.org/none>",
        ),
        case("update-hostile-file-invalid-utf8", "<<in:bad-utf8.ru>>", "hostile"),
        case(
            "update-oversized-file",
            "<<in:oversized.ru>>",
            "oversized",
            env={"MSP_GRAPH_MAX_FILE_BYTES": "1024"},
        ),
        case("update-missing-file", "<<case>>/missing.ru", "missing"),
        case("update-hostile-file-dev-zero", "/dev/zero", "hostile"),
        Case(
            "update-hostile-store-is-a-file",
            ("update", "CLEAR ALL", "--store", "<<in:good.ttl>>"),
            kind="hostile",
        ),
    ]


def import_cases() -> list[Case]:
    s = ("--store", "<<store>>")

    def case(name: str, *paths: str, expect: str = "refuse", kind: str = "malformed", **more) -> Case:
        more.setdefault("store", "good")
        return Case(f"import-{kind}-{name}", ("import", *paths, *s), expect, kind, **more)

    rows = {"MSP_GRAPH_MAX_ROWS": "5"}
    return [
        case("csv-dry-run", "<<in:csv/>>", "--dry-run", expect="accept", kind="option", keep=True),
        case("xlsx", "<<in:small.xlsx>>", expect="accept", kind="option"),
        case("csv-into-ill-typed-store", "<<in:csv/>>", expect="accept", kind="hostile", store="ill"),
        case("csv-invalid-utf8", "<<in:csv-bad-utf8/>>", kind="hostile"),
        case("csv-nul-byte", "<<in:csv-nul/>>", kind="hostile"),
        case("csv-header-only", "<<in:csv-header-only/>>", expect="either"),
        case("csv-huge-cell", "<<in:csv-huge-cell/>>", expect="either", kind="oversized"),
        case("csv-control-characters", "<<in:csv-control/>>", expect="either", kind="hostile"),
        case("csv-formula-cells", "<<in:csv-formula/>>", expect="accept", kind="hostile"),
        case("csv-bad-date", "<<in:csv-bad-date/>>"),
        case(
            "csv-duplicate-ids-across-files",
            "<<in:csv-dup-ids/a-organisations.csv>>",
            "<<in:csv-dup-ids/b-organisations.csv>>",
        ),
        case("csv-too-many-rows", "<<in:csv-many-rows/>>", kind="oversized", env=rows),
        case("xlsx-too-many-rows", "<<in:many-rows.xlsx>>", kind="oversized", env=rows),
        case(
            "xlsx-over-sheet-bytes",
            "<<in:small.xlsx>>",
            kind="oversized",
            env={"MSP_GRAPH_MAX_SHEET_BYTES": "1000"},
        ),
        case("xlsx-zip-bomb", "<<in:bomb.xlsx>>", kind="hostile"),
        case("csv-zip-bomb", "<<in:bomb-csv.zip>>", kind="hostile"),
        case("xlsx-not-a-zip", "<<in:not-a-zip.xlsx>>"),
        case("xlsx-truncated", "<<in:truncated.xlsx>>"),
        case("xlsx-dtd", "<<in:dtd.xlsx>>", kind="hostile"),
        case("xlsx-not-well-formed-sheet", "<<in:not-well-formed.xlsx>>"),
        case("xlsx-corrupt-deflate-stream", "<<in:corrupt-deflate.xlsx>>"),
        case("xlsx-formula", "<<in:formula.xlsx>>"),
        case("zip-not-a-zip", "<<in:not-a-zip.zip>>"),
        case("zip-path-traversal", "<<in:traversal.zip>>", expect="either", kind="hostile"),
        case("file", "<<case>>/missing.xlsx", kind="missing"),
        case("dev-zero", "/dev/zero", kind="hostile"),
        case("fifo", "<<in:fifo.csv>>", kind="hostile"),
        case("rdf-file", "<<in:good.ttl>>"),
        case("empty-folder", "<<in:folder/>>"),
    ]


def ill_typed_cases() -> list[Case]:
    """A store holding an ill-typed literal: reported as data, never a traceback (validate exits 1)."""
    s = ("--store", "<<store>>")
    return [
        Case("validate-hostile-ill-typed-store", ("validate", *s), "accept", "hostile", store="ill"),
        Case("reason-hostile-ill-typed-store", ("reason", *s), "accept", "hostile", store="ill"),
        Case(
            "export-hostile-ill-typed-store-csv",
            ("export", *s, "-f", "csv", "-o", "<<case>>/out.zip"),
            "accept",
            "hostile",
            store="ill",
        ),
        Case(
            "export-hostile-weird-boolean-xlsx",
            ("export", "<<in:weird-boolean.ttl>>", "-f", "xlsx", "-o", "<<case>>/out.xlsx"),
            "accept",
            "hostile",
            check=workbook_keeps({"https://example.org/flag": "yes", "https://example.org/size": "0x10"}),
        ),
        Case(
            "export-hostile-ill-typed-store-xlsx",
            ("export", *s, "-f", "xlsx", "-o", "<<case>>/out.xlsx"),
            "accept",
            "hostile",
            store="ill",
        ),
    ]


def over_time_cases() -> list[Case]:
    """``history``, ``diff`` and ``--as-of``: bad dates, unknown partnerships, bad files, a store with no kept
    report; a refused ``diff`` or ``--as-of`` on a store changes nothing."""
    s = ("--store", "<<store>>")
    cases = [
        Case("history-option-unknown-partnership", ("history", "no-such-alliance")),
        Case("history-option-missing-partnership", ("history",)),
        Case("history-malformed-turtle", ("history", "ca4j", "<<in:bad-turtle.ttl>>")),
        Case("history-hostile-nul-byte", ("history", "ca4j", "<<in:nul-in-syntax.ttl>>"), kind="hostile"),
        Case("history-accepts-the-bundled-data", ("history", "ca4j", "-f", "json"), "accept", "option"),
        Case("diff-option-without-store", ("diff",)),
        Case("diff-option-no-kept-report", ("diff", *s), store="good", keep=True),
        Case("diff-option-bad-format", ("diff", *s, "-f", "bogus"), store="good", keep=True),
        Case("validate-option-fail-on-new-without-store", ("validate", "--fail-on", "new")),
    ]
    for date in ("2019-13-01", "yesterday", "2019-06-30T00:00", "0000-00-00"):
        cases.append(Case(f"validate-option-as-of-{len(cases)}", ("validate", "--as-of", date)))
    cases += [
        Case(
            "validate-option-as-of-on-a-store-changes-nothing",
            ("validate", *s, "--as-of", "2014-06-30"),
            "accept",
            "option",
            store="good",
            keep=True,
        ),
        Case(
            "query-option-as-of-bad-date",
            ("query", "composition-status", *s, "--as-of", "2019-02-30"),
            store="good",
            keep=True,
        ),
    ]
    return cases


def serve_cases() -> list[Case]:
    """``serve``: every refusal comes before the server would start (a case that served would hang)."""
    port = ("--port", "0")
    return [
        Case("serve-option-port-too-large", ("serve", "--port", "70000")),
        Case("serve-option-port-not-a-number", ("serve", "--port", "http")),
        Case("serve-option-timeout-zero", ("serve", *port, "--timeout", "0")),
        Case("serve-option-max-rows-zero", ("serve", *port, "--max-rows", "0")),
        Case("serve-option-endpoint", ("serve", *port, "--endpoint", "<<url:silent>>"), no_contact=True),
        Case("serve-missing-file", ("serve", "<<case>>/no-such-file.ttl", *port), kind="missing"),
        Case("serve-malformed-file", ("serve", "<<in:bad-turtle.ttl>>", *port)),
        Case("serve-hostile-store-is-a-file", ("serve", "--store", "<<in:good.ttl>>", *port), kind="hostile"),
        Case("serve-hostile-store-not-a-store", ("serve", "--store", "<<in:csv/>>", *port), kind="hostile"),
        Case("serve-option-allow-update-without-token", ("serve", *port, "--allow-update")),
        Case(
            "serve-option-allow-update-short-token",
            ("serve", *port, "--allow-update"),
            env={"MSP_GRAPH_UPDATE_TOKEN": "short"},
        ),
        Case(
            "serve-option-allow-update-token-with-spaces",
            ("serve", *port, "--allow-update"),
            env={"MSP_GRAPH_UPDATE_TOKEN": "a token with spaces in it, long enough"},
        ),
    ]


def publish_cases() -> list[Case]:
    """``publish``: a folder it must not replace, bad --base-url, bad data; nothing written on a refusal."""
    site = "<<case>>/site"
    mine = {"kind": "hostile", "files": {"notes.txt": "the user's own file\n"}}
    return [
        Case("publish-hostile-target-is-a-file", ("publish", "<<here:notes.txt>>"), **mine),
        Case("publish-hostile-target-not-empty", ("publish", "<<case>>"), **mine),
        Case("publish-hostile-target-not-empty-force", ("publish", "<<case>>", "--force"), **mine),
        Case("publish-missing-parent", ("publish", "<<case>>/missing/site"), kind="missing"),
        Case("publish-missing-file", ("publish", site, "<<case>>/no-such-file.ttl"), kind="missing"),
        Case("publish-malformed-file", ("publish", site, "<<in:bad-turtle.ttl>>")),
        Case("publish-hostile-store-is-a-file", ("publish", site, "--store", "<<in:good.ttl>>"), **mine),
        Case("publish-option-base-url-not-http", ("publish", site, "--base-url", "ftp://example.org/msp/")),
        Case("publish-option-base-url-dollar", ("publish", site, "--base-url", "https://example.org/$1/")),
        Case("publish-option-base-url-newline", ("publish", site, "--base-url", "https://e.org/\n[R=302]")),
        Case("publish-option-base-url-empty", ("publish", site, "--base-url", "")),
        Case("publish-option-endpoint", ("publish", site, "--endpoint", "<<url:silent>>"), no_contact=True),
    ]


def all_cases() -> list[Case]:
    return [
        *serve_cases(),
        *publish_cases(),
        *file_cases(),
        *store_cases(),
        *output_cases(),
        *option_cases(),
        *setting_cases(),
        *network_cases(),
        *endpoint_cases(),
        *remote_cases(),
        *update_cases(),
        *import_cases(),
        *ill_typed_cases(),
        *over_time_cases(),
        *network_format_cases(),
    ]


CASES = all_cases()


# --- running a case -----------------------------------------------------------------------------------


class Matrix:
    """Runs the selected cases in a thread pool, each in its own folder; hands out their outcomes."""

    def __init__(self, root: Path, selected: list[Case]):
        self.root = root
        self.inputs = Inputs(root / "inputs")
        self.stores: dict[str, Path] = {}
        self.oxigraph = None
        self.remote_lock = threading.Lock()
        self.store_lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=max(1, WORKERS))
        self.futures: dict[str, Future] = {}
        self.started = time.monotonic()
        self.oxigraph_error: BaseException | None = None
        if any(case.remote for case in selected):
            self._start_oxigraph()
        for case in selected:
            self.futures[case.id] = self.pool.submit(self.run, case)

    def _start_oxigraph(self) -> None:
        from servers import start_oxigraph

        from msp_graph.loading import push
        from msp_graph.stores import RemoteStore

        try:
            self.oxigraph = start_oxigraph(self.root / "oxigraph")
            remote = RemoteStore(
                self.oxigraph.endpoint,
                update_endpoint=self.oxigraph.update_endpoint,
                graph_store=self.oxigraph.graph_store,
                timeout=60,
            )
            push(remote, [self.inputs.path("good.ttl")])
        except BaseException as error:  # pytest.skip / fail included: reported by each remote case
            self.oxigraph_error = error

    def store(self, name: str) -> Path:
        """A prepared store on disk: the ontology and vocabularies plus good.ttl or ill-typed.ttl."""
        from msp_graph.loading import open_workspace

        with self.store_lock:
            if name not in self.stores:
                path = self.root / "stores" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                source = {"good": "good.ttl", "ill": "ill-typed.ttl"}[name]
                open_workspace(path, [self.inputs.path(source)]).close()
                self.stores[name] = path
        return self.stores[name]

    def result(self, case: Case) -> Outcome:
        if case.id not in self.futures:  # not among the selected items (e.g. run by hand)
            self.futures[case.id] = self.pool.submit(self.run, case)
        return self.futures[case.id].result()

    def outcomes(self) -> list[Outcome]:
        """The outcomes of every case of this run that could run (waiting for them); a case that could not
        (its server missing: skipped) is left out."""
        for future in self.futures.values():
            future.exception()
        return [f.result() for f in self.futures.values() if f.exception() is None]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.oxigraph is not None:
            from servers import stop

            stop(self.oxigraph.process)

    # the run of one case

    def run(self, case: Case) -> Outcome:
        if case.remote and self.oxigraph_error is not None:
            raise self.oxigraph_error
        folder = self.root / "cases" / case.id
        folder.mkdir(parents=True)
        servers: dict[str, FakeEndpoint] = {}
        try:
            return self._run(case, folder, servers)
        finally:
            for server in servers.values():
                server.close()

    def _resolve(self, text: str | bytes, folder: Path, servers: dict[str, FakeEndpoint]) -> str | bytes:
        if isinstance(text, bytes):
            return text

        def value(match: re.Match) -> str:
            kind, name = match[1], match[2]
            if kind == "in":
                return str(self.inputs.path(name))
            if kind == "store":
                return str(folder / "store")
            if kind == "case":
                return str(folder)
            if kind == "here":
                return str(folder / name)
            if kind == "url":
                if name not in servers:
                    servers[name] = FakeEndpoint(name)
                return servers[name].url
            if kind == "oxi":
                server = self.oxigraph
                return {
                    "query": server.endpoint,
                    "update": server.update_endpoint,
                    "store": server.graph_store,
                }[name]
            raise KeyError(match[0])

        return re.sub(r"<<(\w+)(?::([^>]+))?>>", value, text)

    def _run(self, case: Case, folder: Path, servers: dict[str, FakeEndpoint]) -> Outcome:
        store = folder / "store"
        if case.store:
            shutil.copytree(self.store(case.store), store)
        for name, text in case.files.items():
            (folder / name).write_text(str(self._resolve(text, folder, servers)), encoding="utf-8")
        args = [self._resolve(arg, folder, servers) for arg in case.args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSP_GRAPH_")} | dict(case.env)
        before = self._state(case, folder, store)
        with self.remote_lock if case.remote else contextlib.nullcontext():
            remote_before = remote_fingerprint(self.oxigraph.endpoint) if case.remote else None
            start = time.monotonic()
            code, stdout, stderr = run_cli(args, cwd=folder, env=env, timeout=case.timeout)
            seconds = time.monotonic() - start
            remote_after = remote_fingerprint(self.oxigraph.endpoint) if case.remote else None
        text_out = stdout.decode("utf-8", "replace")
        category, detail = classify(case.command, code, text_out, stderr.decode("utf-8", "replace"))
        flags, notes = [], [detail] if detail else []
        changed = [
            what
            for what, a, b in zip(("store", "folder"), before, self._state(case, folder, store), strict=True)
            if a != b
        ]
        if remote_before != remote_after:
            changed.append("endpoint")
        if changed:
            flags.append("changed")
            notes.append(f"changed: {', '.join(changed)}")
        contacts = sum(server.connections for server in servers.values())
        if case.no_contact and contacts:
            flags.append("contacted")
            notes.append(f"{contacts} connection(s) reached the test server")
        if PYTHON_WARNING.search(stderr.decode("utf-8", "replace")):
            flags.append("python-warning")
            notes.append("a raw Python warning on stderr")
        if category == "ok" and case.check is not None:
            problem = case.check(stdout, folder)
            if problem:
                flags.append("bad-output")
                notes.append(problem)
        return Outcome(
            case,
            code,
            category,
            flags,
            text_out,
            stderr.decode("utf-8", "replace"),
            seconds,
            "; ".join(notes),
            tuple(args),
        )

    @staticmethod
    def _state(case: Case, folder: Path, store: Path) -> tuple[str | None, dict]:
        return (store_fingerprint(store) if case.store else None), tree_fingerprint(folder, skip=(store,))


# --- the summary --------------------------------------------------------------------------------------


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    categories = Counter(o.category for o in outcomes)
    flags = Counter(flag for o in outcomes for flag in o.flags)
    return {
        "cases tried": len(outcomes),
        "ok": categories["ok"],
        "clean exit 2": categories["clean2"],
        "unclean exit 2": categories["unclean2"],
        "wrong exit 1": categories["wrong-exit"],
        "tracebacks": categories["traceback"],
        "crashes": categories["crash"],
        "hangs": categories["hang"],
        "changed": sum(1 for o in outcomes if "changed" in o.problems()),
        "contacted": flags["contacted"],
        "bad output": flags["bad-output"],
        "python warnings": flags["python-warning"],
        "not refused": sum(1 for o in outcomes if "not refused (expected exit 2)" in o.problems()),
        "failing cases": sum(1 for o in outcomes if not o.passed),
    }


def summary_lines(outcomes: list[Outcome], seconds: float) -> list[str]:
    counts = summary(outcomes)
    width = max(map(len, counts))
    lines = [f"msp-graph fault matrix ({seconds:.0f} s, {WORKERS} workers)"]
    lines += [f"  {name.ljust(width)}  {value}" for name, value in counts.items()]
    by_command = Counter(o.case.command for o in outcomes if not o.passed)
    if by_command:
        lines.append("  failing by command: " + ", ".join(f"{c} {n}" for c, n in sorted(by_command.items())))
    return lines


class _SummaryPlugin:
    """Registered at run time (no conftest): prints the table at the end of the pytest run."""

    def __init__(self, matrix: Matrix):
        self.matrix = matrix

    def pytest_terminal_summary(self, terminalreporter) -> None:
        done = [f.result() for f in self.matrix.futures.values() if f.done() and f.exception() is None]
        if not done:
            return
        terminalreporter.section("msp-graph fault matrix")
        for line in summary_lines(done, time.monotonic() - self.matrix.started):
            terminalreporter.write_line(line)


def _write_report(matrix: Matrix) -> None:
    target = os.environ.get("MSP_GRAPH_MATRIX_REPORT")
    if not target:
        return
    done = [f.result() for f in matrix.futures.values() if f.done() and f.exception() is None]
    report = {"summary": summary(done), "cases": [o.as_json() for o in done]}
    Path(target).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def matrix(request, tmp_path_factory):
    selected_ids = {
        item.callspec.params["case"].id
        for item in request.session.items
        if hasattr(item, "callspec") and isinstance(item.callspec.params.get("case"), Case)
    }
    selected = [case for case in CASES if case.id in selected_ids] or CASES  # the summary alone: every case
    runner = Matrix(tmp_path_factory.mktemp("matrix"), selected)
    request.config.pluginmanager.register(_SummaryPlugin(runner), "msp-graph-matrix-summary")
    yield runner
    runner.close()
    _write_report(runner)


# --- the tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [pytest.param(case, id=case.id, marks=[pytest.mark.servers] if case.remote else []) for case in CASES],
)
def test_case(case: Case, matrix: Matrix):
    outcome = matrix.result(case)
    assert outcome.passed, outcome.explain()


def test_matrix_summary(matrix: Matrix):
    """The totals of the cases of this run: no traceback, hang or change, and every refusal an exit 2."""
    outcomes = matrix.outcomes()
    counts = summary(outcomes)
    table = "\n".join(summary_lines(outcomes, time.monotonic() - matrix.started))
    assert counts["tracebacks"] == counts["crashes"] == counts["hangs"] == counts["changed"] == 0, table
    refused = [o for o in outcomes if o.case.expect == "refuse"]
    assert all(o.category == "clean2" for o in refused), (
        table + "\n" + "\n".join(o.case.id for o in refused if o.category != "clean2")
    )


def test_every_command_is_in_the_matrix():
    from msp_graph.cli import app

    commands = {command.name for command in app.registered_commands}
    covered = {case.command for case in CASES}
    assert commands - covered == set(), "commands with no case in the fault matrix"


def test_case_ids_are_unique():
    counts = Counter(case.id for case in CASES)
    assert [name for name, n in counts.items() if n > 1] == []
