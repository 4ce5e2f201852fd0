"""Extract the import modules of ``ontology/msp.ttl`` from the reused vocabularies (a dev-time tool).

Reads the copies of ORG, SKOS, PROV-O, DCTERMS, OWL-Time and FOAF in ``../shared/vocab`` (never fetched),
keeps only the terms that the ontology, the concept schemes, the shapes, the queries, the data and the test
fixtures use, closes that set over the axioms that mention other terms of the same vocabularies
(superclasses, super-properties, domains, ranges, inverses, equivalent and disjoint classes), and writes
one module per vocabulary to ``ontology/imports/<name>_import.ttl`` with an ``owl:Ontology`` header stating
origin, extraction date, licence and this tool. It also writes ``ontology/catalog-v001.xml`` (Protégé
format) mapping each module IRI to its file.

Kept per term: ``rdf:type``, labels (en, fr, es, untagged), ``rdfs:comment``/``skos:definition``/
``prov:definition`` (en, untagged), ``rdfs:isDefinedBy``, ``rdfs:subClassOf``, ``rdfs:subPropertyOf``,
``rdfs:domain``, ``rdfs:range``, ``owl:inverseOf``, ``owl:equivalentClass``, ``owl:equivalentProperty``,
``owl:disjointWith``, ``owl:propertyChainAxiom``, with the blank nodes they point to. Dropped on purpose:
``foaf:homepage`` being an ``owl:InverseFunctionalProperty`` (two partnerships that give the same host page,
e.g. an ILO programme page, would be inferred ``owl:sameAs`` by OWL RL; see docs/ontology.md).

Usage (from the repository root)::

    python tools/extract_imports.py                 # today's date, ../shared/vocab
    python tools/extract_imports.py --date 2026-11-27 --vocab ../shared/vocab

Terms used by the project but missing from the source vocabulary are listed on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

sys.path.insert(0, str(Path(__file__).resolve().parent))
from term_usage import project_files, used_terms

REPO = Path(__file__).resolve().parent.parent
MODULE_BASE = "https://w3id.org/msp/ontology/imports/"
TOOL = "tools/extract_imports.py (msp-graph)"
SCANNED = ["ontology/msp.ttl", "vocab", "shapes", "queries", "data", "tests/fixtures"]
# The W3C protocol manifest uses other vocabularies' terms that are not ours.
SCANNED_EXCLUDE = ["tests/fixtures/ontology-checks", "tests/fixtures/sparql-protocol"]
# The reused terms that docs/model.md names: always in the modules, even before shapes or data use them.
CONTRACT = (
    [
        "http://www.w3.org/ns/org#" + t
        for t in (
            "Organization",
            "OrganizationalCollaboration",
            "Membership",
            "Role",
            "member",
            "organization",
            "role",
            "memberDuring",
            "hasMember",
            "memberOf",
        )
    ]
    + [
        "http://www.w3.org/2006/time#" + t
        for t in (
            "Interval",
            "Instant",
            "hasBeginning",
            "hasEnd",
            "inXSDDate",
            "inXSDgYearMonth",
            "inXSDgYear",
        )
    ]
    + [
        "http://www.w3.org/2004/02/skos/core#" + t
        for t in (
            "Concept",
            "ConceptScheme",
            "Collection",
            "inScheme",
            "topConceptOf",
            "hasTopConcept",
            "member",
            "prefLabel",
            "altLabel",
            "definition",
            "notation",
        )
    ]
    + [
        "http://purl.org/dc/terms/" + t
        for t in ("source", "contributor", "description", "title", "license", "created", "modified")
    ]
    + ["http://www.w3.org/ns/prov#" + t for t in ("Entity", "wasDerivedFrom")]
    + ["http://xmlns.com/foaf/0.1/homepage"]
)


@dataclass(frozen=True)
class Vocabulary:
    name: str
    namespace: str
    file: str
    origin: str
    title: str
    licence: str


VOCABULARIES = [
    Vocabulary(
        "dcterms",
        "http://purl.org/dc/terms/",
        "dcterms.ttl",
        "http://purl.org/dc/terms/",
        "DCMI Metadata Terms",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    Vocabulary(
        "foaf",
        "http://xmlns.com/foaf/0.1/",
        "foaf.ttl",
        "http://xmlns.com/foaf/0.1/",
        "FOAF Vocabulary",
        "https://creativecommons.org/licenses/by/1.0/",
    ),
    Vocabulary(
        "org",
        "http://www.w3.org/ns/org#",
        "org.ttl",
        "http://www.w3.org/ns/org",
        "The Organization Ontology (W3C ORG)",
        "https://www.w3.org/copyright/document-license-2023/",
    ),
    Vocabulary(
        "prov",
        "http://www.w3.org/ns/prov#",
        "prov.ttl",
        "http://www.w3.org/ns/prov-o",
        "The PROV Ontology (PROV-O)",
        "https://www.w3.org/copyright/document-license-2023/",
    ),
    Vocabulary(
        "skos",
        "http://www.w3.org/2004/02/skos/core#",
        "skos.ttl",
        "http://www.w3.org/2004/02/skos/core",
        "SKOS Simple Knowledge Organization System",
        "https://www.w3.org/copyright/document-license-2023/",
    ),
    Vocabulary(
        "time",
        "http://www.w3.org/2006/time#",
        "time.ttl",
        "http://www.w3.org/2006/time",
        "Time Ontology in OWL (OWL-Time)",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
]

AXIOMS = {
    RDF.type,
    RDFS.isDefinedBy,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    OWL.inverseOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.disjointWith,
    OWL.propertyChainAxiom,
}
LABELS = {RDFS.label: {"en", "fr", "es", None}}
DEFINITIONS = {RDFS.comment: {"en", None}, SKOS.definition: {"en", None}, PROV.definition: {"en", None}}
FOAF = "http://xmlns.com/foaf/0.1/"
# Changes to the sources, each for a stated reason (docs/ontology.md, "Import modules"):
# - foaf:homepage and its super-property foaf:isPrimaryTopicOf lose owl:InverseFunctionalProperty: two
#   partnerships that give the same page (an ILO programme page hosting several initiatives) would otherwise
#   be inferred owl:sameAs by OWL 2 RL (prp-ifp), merging them.
# - properties that the source types only rdf:Property get an OWL 2 DL type, so that a DL reasoner can read
#   the modules: DCMI terms become owl:AnnotationProperty (as the OBO and ODK imports do), FOAF's
#   foaf:isPrimaryTopicOf an owl:ObjectProperty like its sub-property foaf:homepage.
DROPPED = {
    (URIRef(FOAF + "homepage"), RDF.type, OWL.InverseFunctionalProperty),
    (URIRef(FOAF + "isPrimaryTopicOf"), RDF.type, OWL.InverseFunctionalProperty),
}
OWL_PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
DL_TYPES = {"dcterms": OWL.AnnotationProperty, "foaf": OWL.ObjectProperty}


def module_iri(vocab: Vocabulary) -> URIRef:
    return URIRef(MODULE_BASE + vocab.name)


def module_path(vocab: Vocabulary) -> str:
    return f"imports/{vocab.name}_import.ttl"


def vocabulary_of(iri: str) -> Vocabulary | None:
    for vocab in VOCABULARIES:
        if iri.startswith(vocab.namespace) and len(iri) > len(vocab.namespace):
            return vocab
    return None


def used_vocabulary_terms(repo: Path) -> dict[str, set[Path]]:
    """The terms of the six vocabularies that the project's files use, with the files using each."""
    uses = used_terms(project_files(repo, SCANNED, exclude=SCANNED_EXCLUDE))
    return {iri: paths for iri, paths in uses.items() if vocabulary_of(iri) is not None}


def _copy_bnode(source: rdflib.Graph, node: BNode, target: rdflib.Graph, referenced: set[URIRef]) -> None:
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_bnode(source, o, target, referenced)
        elif isinstance(o, URIRef):
            referenced.add(o)


def _keep_literal(o: Literal, languages: set[str | None]) -> bool:
    return o.language in languages and bool(str(o).strip())


def extract(vocab_dir: Path, repo: Path, date: str) -> tuple[dict[str, rdflib.Graph], list[str]]:
    """The modules (by vocabulary name) and the problems (terms used but not defined in their source)."""
    sources = {v.name: rdflib.Graph().parse(vocab_dir / v.file, format="turtle") for v in VOCABULARIES}
    used = used_vocabulary_terms(repo)
    modules = {v.name: rdflib.Graph() for v in VOCABULARIES}
    problems: list[str] = []
    done: set[URIRef] = set()
    pending = [URIRef(iri) for iri in sorted({*used, *CONTRACT})]
    while pending:
        term = pending.pop()
        if term in done:
            continue
        done.add(term)
        vocab = vocabulary_of(str(term))
        if vocab is None:
            continue
        source, module = sources[vocab.name], modules[vocab.name]
        if (term, None, None) not in source:
            where = ", ".join(sorted(str(p.relative_to(repo)) for p in used.get(str(term), ())))
            problems.append(f"{where or 'an import module'}: {term} is not defined in {vocab.file}")
            continue
        referenced: set[URIRef] = set()
        for p, o in source.predicate_objects(term):
            if (term, p, o) in DROPPED:
                continue
            if p in AXIOMS:
                module.add((term, p, o))
                if isinstance(o, BNode):
                    _copy_bnode(source, o, module, referenced)
                elif isinstance(o, URIRef) and p != RDFS.isDefinedBy:
                    referenced.add(o)
            elif p in LABELS and isinstance(o, Literal) and _keep_literal(o, LABELS[p]):
                module.add((term, p, o))
            elif p in DEFINITIONS and isinstance(o, Literal) and _keep_literal(o, DEFINITIONS[p]):
                module.add((term, p, o))
                referenced.add(p)
        types = set(module.objects(term, RDF.type))
        if RDF.Property in types and not types & OWL_PROPERTY_TYPES and vocab.name in DL_TYPES:
            module.add((term, RDF.type, DL_TYPES[vocab.name]))
        pending.extend(r for r in referenced if r not in done and vocabulary_of(str(r)) is not None)
    for vocab in VOCABULARIES:
        _add_header(modules[vocab.name], vocab, date)
    return modules, problems


def _add_header(module: rdflib.Graph, vocab: Vocabulary, date: str) -> None:
    iri = module_iri(vocab)
    origin = URIRef(vocab.origin)
    module.add((iri, RDF.type, OWL.Ontology))
    module.add((iri, DCTERMS.title, Literal(f"{vocab.title}: the module msp-graph uses", lang="en")))
    module.add(
        (
            iri,
            DCTERMS.description,
            Literal(
                f"The terms of {vocab.title} that the msp-graph ontology, concept schemes, shapes, queries "
                f"and data use, with their labels, definitions and axioms, extracted from {vocab.origin} "
                f"by {TOOL}. "
                "Generated: do not edit; regenerate with tools/extract_imports.py.",
                lang="en",
            ),
        )
    )
    module.add((iri, DCTERMS.source, origin))
    module.add((iri, PROV.wasDerivedFrom, origin))
    module.add((iri, DCTERMS.created, Literal(date, datatype=XSD.date)))
    module.add((iri, DCTERMS.license, URIRef(vocab.licence)))
    module.add((iri, DCTERMS.creator, Literal(TOOL)))


def serialise(module: rdflib.Graph, vocab: Vocabulary, date: str) -> str:
    module.bind("dct", DCTERMS, override=True, replace=True)
    for prefix, ns in [
        ("org", "http://www.w3.org/ns/org#"),
        ("skos", str(SKOS)),
        ("prov", str(PROV)),
        ("time", "http://www.w3.org/2006/time#"),
        ("foaf", "http://xmlns.com/foaf/0.1/"),
        ("owl", str(OWL)),
        ("rdfs", str(RDFS)),
        ("xsd", str(XSD)),
    ]:
        module.bind(prefix, ns, override=True)
    banner = (
        f"# GENERATED by {TOOL} from ../shared/vocab/{vocab.file} ({vocab.origin}) on {date}.\n"
        "# Do not edit: change the ontology, shapes or data, then rerun the tool. See docs/ontology.md.\n\n"
    )
    return banner + module.serialize(format="turtle")


def catalogue() -> str:
    rows = "\n".join(
        f'    <uri id="msp-graph import {v.name}" name="{module_iri(v)}" uri="{module_path(v)}"/>'
        for v in VOCABULARIES
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f"<!-- GENERATED by {TOOL}: maps each import of msp.ttl to its local module. -->\n"
        '<catalog prefer="public" xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">\n'
        f"{rows}\n</catalog>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--vocab",
        type=Path,
        default=REPO.parent / "shared" / "vocab",
        help="folder of the source vocabularies (default: ../shared/vocab)",
    )
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="extraction date, YYYY-MM-DD")
    args = parser.parse_args(argv)
    if not args.vocab.is_dir():
        print(
            f"{args.vocab}: no such folder; pass --vocab with the copies of the vocabularies", file=sys.stderr
        )
        return 2
    try:
        dt.date.fromisoformat(args.date)
    except ValueError:
        print(f"--date {args.date!r}: not a date; use YYYY-MM-DD", file=sys.stderr)
        return 2
    modules, problems = extract(args.vocab, REPO, args.date)
    out = REPO / "ontology"
    (out / "imports").mkdir(exist_ok=True)
    for vocab in VOCABULARIES:
        (out / module_path(vocab)).write_text(
            serialise(modules[vocab.name], vocab, args.date), encoding="utf-8"
        )
        print(f"{module_path(vocab)}: {len(modules[vocab.name])} triples", file=sys.stderr)
    (out / "catalog-v001.xml").write_text(catalogue(), encoding="utf-8")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
