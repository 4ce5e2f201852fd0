"""Build the ontology's release artefacts in ``release/`` (a dev-time tool, one command).

What ODK projects ship, for tools that cannot follow ``owl:imports`` to ``w3id.org`` offline (owlready2,
Protégé without the catalogue, HermiT from the command line):

* ``msp-full.ttl`` / ``msp-full.owl`` (RDF/XML): ``ontology/msp.ttl`` with its import modules merged in and
  no ``owl:imports``. The three OWL-Time ranges outside the OWL 2 datatype map (``xsd:date``, ``xsd:gYear``,
  ``xsd:gYearMonth``) are left out, so OWL 2 DL reasoners load the file without switches such as HermiT's
  ``--ignoreUnsupportedDatatypes``; the properties' comments still name the datatype, and the ontology
  itself (``msp.ttl``) keeps the ranges for RDFS/OWL RL tools (docs/ontology.md).
* ``msp-base.ttl`` / ``msp-base.owl``: the msp axioms alone, with no imports and no imported axioms.

Each artefact has its own ontology IRI (``https://w3id.org/msp/ontology/msp-full``) and an
``owl:versionIRI`` under the version of ``msp.ttl`` (``https://w3id.org/msp/ontology/0.1.0/msp-full``), and
says which ontology version it was built from (``prov:wasDerivedFrom``). The bytes depend on the sources
only (sorted statements, canonical blank node labels), so ``tests/test_release.py`` rebuilds them and
compares with the committed files.

Usage (from the repository root)::

    python tools/release.py            # rewrite release/
    python tools/release.py --check    # exit 1 when release/ is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "release"
ONTOLOGY = "https://w3id.org/msp/ontology"
SOURCES = (REPO / "ontology" / "msp.ttl",)
IMPORTS = tuple(sorted((REPO / "ontology" / "imports").glob("*_import.ttl")))

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DCT = "http://purl.org/dc/terms/"
_PROV = "http://www.w3.org/ns/prov#"
# The OWL 2 datatype map (OWL 2 Structural Specification, section 4): rdfs:Literal and these.
OWL2_DATATYPES = frozenset(
    [_RDF + "PlainLiteral", _RDF + "XMLLiteral", _RDFS + "Literal", _OWL + "real", _OWL + "rational"]
    + [
        _XSD + name
        for name in [
            "decimal",
            "integer",
            "nonNegativeInteger",
            "nonPositiveInteger",
            "positiveInteger",
            "negativeInteger",
            "long",
            "int",
            "short",
            "byte",
            "unsignedLong",
            "unsignedInt",
            "unsignedShort",
            "unsignedByte",
            "double",
            "float",
            "string",
            "normalizedString",
            "token",
            "language",
            "Name",
            "NCName",
            "NMTOKEN",
            "boolean",
            "hexBinary",
            "base64Binary",
            "anyURI",
            "dateTime",
            "dateTimeStamp",
        ]
    ]
)
PREFIXES = {
    "dct": _DCT,
    "foaf": "http://xmlns.com/foaf/0.1/",
    "msp": ONTOLOGY + "#",
    "org": "http://www.w3.org/ns/org#",
    "owl": _OWL,
    "prov": _PROV,
    "rdf": _RDF,
    "rdfs": _RDFS,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "xsd": _XSD,
}
ARTEFACTS = {"msp-full": "imports merged", "msp-base": "the msp axioms alone, without imports"}


def _triples(paths) -> set[ox.Triple]:
    triples = set()
    for path in paths:
        with path.open("rb") as handle:
            triples |= {
                q.triple for q in ox.parse(handle, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
            }
    return triples


def _version(triples: set[ox.Triple]) -> str:
    found = [
        t.object.value
        for t in triples
        if t.subject.value == ONTOLOGY and t.predicate.value == _OWL + "versionIRI"
    ]
    if len(found) != 1:
        raise SystemExit(f"ontology/msp.ttl: expected one owl:versionIRI of <{ONTOLOGY}>, found {len(found)}")
    return found[0]


def artefact(name: str) -> set[ox.Triple]:
    """The statements of one artefact (``msp-full`` or ``msp-base``)."""
    own = _triples(SOURCES)
    version = _version(own)
    triples = own | (_triples(IMPORTS) if name == "msp-full" else set())
    headers = {
        t.subject
        for t in triples
        if t.predicate.value == _RDF + "type" and t.object.value == _OWL + "Ontology"
    }
    kept = {
        t
        for t in triples
        if t.subject not in headers
        or (t.subject.value == ONTOLOGY and t.predicate.value not in _HEADER_REPLACED)
    }
    # Out of the OWL 2 datatype map: HermiT and other DL reasoners refuse the axiom (module docstring).
    kept = {t for t in kept if not (t.predicate.value == _RDFS + "range" and _outside_map(t.object))}
    iri = ox.NamedNode(f"{ONTOLOGY}/{name}")
    header = {
        (_RDF + "type", ox.NamedNode(_OWL + "Ontology")),
        (_OWL + "versionIRI", ox.NamedNode(f"{version}/{name}")),
        (_PROV + "wasDerivedFrom", ox.NamedNode(version)),
        (_DCT + "title", ox.Literal(f"The msp-graph ontology ({ARTEFACTS[name]})", language="en")),
    }
    kept = {ox.Triple(iri if t.subject.value == ONTOLOGY else t.subject, t.predicate, t.object) for t in kept}
    return kept | {ox.Triple(iri, ox.NamedNode(p), o) for p, o in header}


_HEADER_REPLACED = frozenset({_OWL + "imports", _OWL + "versionIRI", _DCT + "title"})


def _outside_map(term) -> bool:
    return isinstance(term, ox.NamedNode) and term.value.startswith(_XSD) and term.value not in OWL2_DATATYPES


def serialise(triples: set[ox.Triple], format: ox.RdfFormat) -> bytes:
    """Sorted statements with canonical (RDFC-1.0) blank node labels: the same sources, the same bytes."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    ordered = sorted(
        dataset,
        key=lambda q: (str(q.subject), q.predicate.value != _RDF + "type", str(q.predicate), str(q.object)),
    )
    prefixes = (
        PREFIXES if format == ox.RdfFormat.TURTLE else {k: PREFIXES[k] for k in ("msp", "owl", "rdf", "rdfs")}
    )
    return ox.serialize([q.triple for q in ordered], format=format, prefixes=prefixes)


def build() -> dict[str, bytes]:
    """File name -> bytes of every artefact."""
    files = {}
    for name in ARTEFACTS:
        triples = artefact(name)
        files[f"{name}.ttl"] = serialise(triples, ox.RdfFormat.TURTLE)
        files[f"{name}.owl"] = serialise(triples, ox.RdfFormat.RDF_XML)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when release/ is out of date")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="folder to write (default: release/)")
    args = parser.parse_args(argv)
    stale = []
    for name, data in build().items():
        path = args.output / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
            continue
        args.output.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    if stale:
        print(f"release/ is out of date ({', '.join(stale)}); run python tools/release.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
