"""Which vocabulary terms the project's RDF and SPARQL files use.

Shared by ``tools/extract_imports.py`` (which terms of ORG, SKOS, PROV, DCTERMS, OWL-Time and FOAF to
extract into ``ontology/imports``) and by ``tests/test_ontology.py`` (every ``msp:`` term used is declared;
every reused term is in an import module).

Turtle, TriG, N-Triples and N-Quads files are parsed with rdflib; SPARQL held in their literals (SHACL-SPARQL
``sh:select``/``sh:ask``/``sh:construct``) is scanned as text with the file's prefixes and its ``sh:declare``
prefixes. ``.rq``/``.ru`` files are scanned as text with their own ``PREFIX`` declarations. A file that rdflib
cannot parse (fixtures of bad input) is scanned as text too, so its terms still count.

Example::

    >>> from pathlib import Path
    >>> uses = used_terms([Path("ontology/msp.ttl")])
    >>> "http://www.w3.org/ns/org#Organization" in uses
    True
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import SH

__all__ = ["RDF_SUFFIXES", "SPARQL_SUFFIXES", "project_files", "used_terms"]

RDF_SUFFIXES = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads"}
SPARQL_SUFFIXES = {".rq", ".ru", ".sparql"}

_PREFIX_DECL = re.compile(r"(?i)(?:@prefix|\bprefix)\s+([A-Za-z][\w.-]*)?:\s*<([^<>\s]*)>")
_FULL_IRI = re.compile(r"<([^<>\s\"{}|^`\\]*)>")
_COMMENT = re.compile(r"#[^\n]*")
_PNAME = re.compile(
    r"(?<![\w?$:/.<@-])([A-Za-z][\w-]*(?:\.[\w-]+)*)?:((?:[\w-]|%[0-9A-Fa-f]{2})(?:[\w.-]*[\w-])?)"
)
_SPARQL_WORDS = re.compile(r"(?i)\b(select|ask|construct|describe|insert|delete)\b")


def project_files(root: Path, folders: Iterable[str], *, exclude: Iterable[str] = ()) -> list[Path]:
    """The RDF and SPARQL files under ``root/<folder>`` for each folder, minus the ``exclude`` sub-folders."""
    excluded = [(root / e).resolve() for e in exclude]
    found: list[Path] = []
    for folder in folders:
        base = root / folder
        candidates = [base] if base.is_file() else sorted(base.rglob("*")) if base.is_dir() else []
        for path in candidates:
            if not path.is_file() or path.suffix not in {*RDF_SUFFIXES, *SPARQL_SUFFIXES}:
                continue
            resolved = path.resolve()
            if any(resolved.is_relative_to(e) for e in excluded):
                continue
            found.append(path)
    return found


def _scan_text(text: str, prefixes: dict[str, str]) -> set[str]:
    """IRIs written in SPARQL or Turtle text: full IRIs and prefixed names with a known prefix."""
    prefixes = {**prefixes, **{p or "": ns for p, ns in _PREFIX_DECL.findall(text)}}
    text = _PREFIX_DECL.sub(" ", text)
    iris = set(_FULL_IRI.findall(text))
    text = _FULL_IRI.sub(" ", text)
    text = _COMMENT.sub(" ", text)
    for prefix, local in _PNAME.findall(text):
        namespace = prefixes.get(prefix)
        if namespace is not None:
            iris.add(namespace + local)
    return {iri for iri in iris if "://" in iri}


def _scan_rdf(path: Path, fmt: str) -> set[str]:
    text = path.read_text(encoding="utf-8")
    graph = rdflib.Dataset() if fmt in {"trig", "nquads"} else rdflib.Graph()
    try:
        graph.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except Exception:  # a fixture of malformed RDF: its terms still count
        return _scan_text(text, {})
    iris: set[str] = set()
    literals: list[str] = []
    for triple in graph.triples((None, None, None)) if fmt not in {"trig", "nquads"} else graph.quads():
        for term in triple[:3]:
            if isinstance(term, URIRef):
                iris.add(str(term))
            elif isinstance(term, Literal) and _SPARQL_WORDS.search(str(term)):
                literals.append(str(term))
    if literals:
        prefixes = {p: str(ns) for p, ns in graph.namespaces()}
        prefixes.update({p: ns for p, ns in _PREFIX_DECL.findall(text)})
        for decl in graph.objects(None, SH.declare):
            prefix = graph.value(decl, SH.prefix)
            namespace = graph.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                prefixes[str(prefix)] = str(namespace)
        for literal in literals:
            iris |= _scan_text(literal, prefixes)
    return {iri for iri in iris if not iri.startswith("file:")}


def used_terms(paths: Iterable[Path]) -> dict[str, set[Path]]:
    """Map every IRI used in ``paths`` to the files that use it."""
    uses: dict[str, set[Path]] = defaultdict(set)
    for path in paths:
        if path.suffix in RDF_SUFFIXES:
            iris = _scan_rdf(path, RDF_SUFFIXES[path.suffix])
        elif path.suffix in SPARQL_SUFFIXES:
            iris = _scan_text(path.read_text(encoding="utf-8"), {})
        else:
            continue
        for iri in iris:
            uses[iri].add(path)
    return dict(uses)
