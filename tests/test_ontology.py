"""The ontology (ontology/msp.ttl), its import modules, the generated namespaces and the quality checks.

- every SPARQL check in ontology/checks/*.rq returns no rows on the ontology and the concept schemes, and
  fires on its fixture in tests/fixtures/ontology-checks/ (so each check can fail);
- the terms are exactly those of docs/model.md, in the house template;
- the import modules are resolved by the catalogue, cover every reused term the project uses, and are what
  tools/extract_imports.py makes from ../shared/vocab (when that copy is there);
- msp_graph/namespaces.py is what tools/gen_namespaces.py makes from the Turtle;
- no msp: term is used in shapes/, queries/, vocab/, data/ or tests/fixtures/ without being declared;
- OWL 2 RL (owlrl) finds no inconsistency and infers what the shapes rely on; HermiT finds the ontology
  consistent and every named class satisfiable.
"""

from __future__ import annotations

import glob
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

import extract_imports  # noqa: E402
import gen_namespaces  # noqa: E402
from term_usage import project_files, used_terms  # noqa: E402

ONTOLOGY_FILE = REPO / "ontology" / "msp.ttl"
CHECKS = sorted((REPO / "ontology" / "checks").glob("*.rq"))
CHECK_FIXTURES = REPO / "tests" / "fixtures" / "ontology-checks"
SHARED_VOCAB = REPO.parent / "shared" / "vocab"
ONTOLOGY_IRI = URIRef("https://w3id.org/msp/ontology")
MSP = Namespace("https://w3id.org/msp/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
GROUP = Namespace("https://w3id.org/msp/vocab/stakeholder-group/")
EX = Namespace("http://example.org/pin/")
ERRNS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
MSP_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
# Where other engineers use msp: terms; the check fixtures use undeclared terms on purpose.
SCANNED = ["shapes", "queries", "vocab", "data", "tests/fixtures"]
# The W3C protocol manifest uses other vocabularies' terms that are not ours.
SCANNED_EXCLUDE = ["tests/fixtures/ontology-checks", "tests/fixtures/sparql-protocol"]


def _files(*patterns: str) -> list[Path]:
    return sorted(Path(p) for pattern in patterns for p in glob.glob(str(REPO / pattern), recursive=True))


def _graph(*paths: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return _graph(ONTOLOGY_FILE)


@pytest.fixture(scope="module")
def ontology_and_vocab_store() -> ox.Store:
    store = ox.Store()
    for path in [ONTOLOGY_FILE, *_files("vocab/*.ttl")]:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def _msp_terms(graph: rdflib.Graph) -> set[URIRef]:
    return {
        s for kind in MSP_KINDS for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef) and s in MSP
    }


# ---------------------------------------------------------------------------------------------------------
# SPARQL quality checks
# ---------------------------------------------------------------------------------------------------------


def _first_column(store: ox.Store, query_file: Path) -> set[str]:
    solutions = store.query(query_file.read_text(encoding="utf-8"))
    variable = solutions.variables[0]
    return {str(row[variable].value) for row in solutions}


def test_there_are_checks_and_each_has_a_fixture() -> None:
    assert len(CHECKS) >= 8
    missing = [c.stem for c in CHECKS if not (CHECK_FIXTURES / f"{c.stem}.ttl").is_file()]
    assert not missing, f"checks without a fixture in {CHECK_FIXTURES}: {missing}"


@pytest.mark.parametrize("check", CHECKS, ids=[c.stem for c in CHECKS])
def test_check_returns_no_rows_on_ontology_and_vocab(check: Path, ontology_and_vocab_store: ox.Store) -> None:
    rows = _first_column(ontology_and_vocab_store, check)
    assert not rows, f"{check.relative_to(REPO)} found: {sorted(rows)}"


@pytest.mark.parametrize("check", CHECKS, ids=[c.stem for c in CHECKS])
def test_check_fires_on_its_fixture(check: Path) -> None:
    fixture = CHECK_FIXTURES / f"{check.stem}.ttl"
    text = fixture.read_text(encoding="utf-8")
    expect = re.search(r"^# expect:(.*)$", text, re.MULTILINE)
    assert expect, f"{fixture}: no '# expect:' header"
    graph = rdflib.Graph().parse(data=text, format="turtle")
    expected = {str(graph.namespace_manager.expand_curie(t)) for t in expect.group(1).split()}
    store = ox.Store()
    store.load(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    assert _first_column(store, check) == expected


# ---------------------------------------------------------------------------------------------------------
# The header, the terms of docs/model.md, the template
# ---------------------------------------------------------------------------------------------------------


def test_header(ontology: rdflib.Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for predicate in (
        OWL.versionIRI,
        OWL.versionInfo,
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.license,
        DCTERMS.created,
        DCTERMS.modified,
        RDFS.seeAlso,
    ):
        assert ontology.value(ONTOLOGY_IRI, predicate) is not None, f"header lacks {predicate}"
    version_iri = str(ontology.value(ONTOLOGY_IRI, OWL.versionIRI))
    assert version_iri.endswith("/" + str(ontology.value(ONTOLOGY_IRI, OWL.versionInfo)))
    imports = {str(i) for i in ontology.objects(ONTOLOGY_IRI, OWL.imports)}
    assert imports == {str(extract_imports.module_iri(v)) for v in extract_imports.VOCABULARIES}


def _model_md_terms() -> set[URIRef]:
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    start, end = text.index("\n## Classes"), text.index("\n## The MSP composition rule")
    return {MSP[name] for name in re.findall(r"`msp:(\w+)`", text[start:end])}


def _model_md_inverses() -> set[tuple[URIRef, URIRef]]:
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    pairs = re.findall(r"^\| `msp:(\w+)` \|[^|]*\| `msp:(\w+)` \|$", text, re.MULTILINE)
    return {(MSP[a], MSP[b]) for a, b in pairs}


def test_terms_are_exactly_those_of_model_md(ontology: rdflib.Graph) -> None:
    declared, contract = _msp_terms(ontology), _model_md_terms()
    assert contract, "docs/model.md: no msp: terms found in its Classes and Properties sections"
    assert declared - contract == set(), "declared in msp.ttl but not in docs/model.md"
    assert contract - declared == set(), "named in docs/model.md but not declared in msp.ttl"


def test_inverses_are_those_of_model_md_stated_both_ways(ontology: rdflib.Graph) -> None:
    pairs = _model_md_inverses()
    assert len(pairs) == 4
    for forward, backward in pairs:
        assert (forward, OWL.inverseOf, backward) in ontology
        assert (backward, OWL.inverseOf, forward) in ontology


def test_terms_follow_the_template_order() -> None:
    """type; rdfs:label; skos:definition; axioms; rdfs:isDefinedBy; dct:source (when present) last."""
    text = ONTOLOGY_FILE.read_text(encoding="utf-8")
    blocks = re.findall(r"^(msp:\w+ a [^\n]*(?:\n    [^\n]*)*)", text, re.MULTILINE)
    assert len(blocks) == len(_model_md_terms())
    for block in blocks:
        predicates = [line.split()[0] for line in block.splitlines()[1:] if re.match(r"    [a-z]+:\w", line)]
        name = block.split()[0]
        assert predicates[:2] == ["rdfs:label", "skos:definition"], name
        tail = predicates[predicates.index("rdfs:isDefinedBy") :]
        assert tail in (["rdfs:isDefinedBy"], ["rdfs:isDefinedBy", "dct:source"]), name


def test_group_classes_are_has_value_restrictions_on_each_group(ontology: rdflib.Graph) -> None:
    vocab = _graph(REPO / "vocab" / "stakeholder-groups.ttl")
    groups = set(vocab.subjects(SKOS.inScheme, URIRef(str(GROUP)[:-1])))
    assert len(groups) == 10
    by_group: dict[URIRef, URIRef] = {}
    for cls in ontology.subjects(OWL.equivalentClass, None):
        restriction = ontology.value(cls, OWL.equivalentClass)
        assert ontology.value(restriction, OWL.onProperty) == MSP.stakeholderGroup
        by_group[ontology.value(restriction, OWL.hasValue)] = cls
        assert (cls, RDFS.subClassOf, ORG.Organization) in ontology
    assert set(by_group) == groups


def test_partnership_is_an_org_collaboration(ontology: rdflib.Graph) -> None:
    assert (MSP.Partnership, RDFS.subClassOf, ORG.OrganizationalCollaboration) in ontology


# ---------------------------------------------------------------------------------------------------------
# Import modules and catalogue
# ---------------------------------------------------------------------------------------------------------


def _catalogue() -> dict[str, Path]:
    root = ET.parse(REPO / "ontology" / "catalog-v001.xml").getroot()
    ns = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
    return {e.get("name"): REPO / "ontology" / e.get("uri") for e in root.iter(f"{ns}uri")}


def test_catalogue_maps_every_import_to_a_module_with_its_origin(ontology: rdflib.Graph) -> None:
    catalogue = _catalogue()
    for imported in ontology.objects(ONTOLOGY_IRI, OWL.imports):
        path = catalogue.get(str(imported))
        assert path is not None and path.is_file(), f"{imported}: not in ontology/catalog-v001.xml"
        module = _graph(path)
        assert (imported, RDF.type, OWL.Ontology) in module
        for predicate in (
            DCTERMS.source,
            PROV.wasDerivedFrom,
            DCTERMS.created,
            DCTERMS.license,
            DCTERMS.creator,
        ):
            assert module.value(imported, predicate) is not None, f"{path.name}: header lacks {predicate}"


def _module_terms() -> set[str]:
    terms: set[str] = set()
    for path in _catalogue().values():
        terms |= {str(s) for s in _graph(path).subjects() if isinstance(s, URIRef)}
    return terms


def test_import_modules_declare_every_reused_term_the_project_uses() -> None:
    used = extract_imports.used_vocabulary_terms(REPO)
    assert "http://www.w3.org/ns/org#OrganizationalCollaboration" in used
    declared = _module_terms()
    missing = {
        iri: sorted(str(p.relative_to(REPO)) for p in paths)
        for iri, paths in used.items()
        if iri not in declared
    }
    assert not missing, f"reused terms not in ontology/imports (rerun tools/extract_imports.py): {missing}"


@pytest.mark.skipif(not SHARED_VOCAB.is_dir(), reason="../shared/vocab (the extractor's input) is not here")
def test_import_modules_are_what_the_extractor_makes() -> None:
    committed = {
        v.name: _graph(REPO / "ontology" / extract_imports.module_path(v))
        for v in extract_imports.VOCABULARIES
    }
    org = next(v for v in extract_imports.VOCABULARIES if v.name == "org")
    date = str(committed["org"].value(extract_imports.module_iri(org), DCTERMS.created))
    modules, problems = extract_imports.extract(SHARED_VOCAB, REPO, date)
    assert problems == []
    stale = [name for name, graph in modules.items() if not isomorphic(graph, committed[name])]
    assert not stale, f"ontology/imports out of date for {stale}: rerun python tools/extract_imports.py"
    assert (REPO / "ontology" / "catalog-v001.xml").read_text(encoding="utf-8") == extract_imports.catalogue()


def test_extractor_reports_a_term_missing_from_its_source(tmp_path: Path) -> None:
    (tmp_path / "shapes").mkdir()
    (tmp_path / "shapes" / "typo.ttl").write_text(
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<http://example.org/m> org:memberr <http://example.org/a> .\n"
    )
    vocab_dir = tmp_path / "vocab"
    vocab_dir.mkdir()
    for vocab in extract_imports.VOCABULARIES:  # minimal sources: one class each
        (vocab_dir / vocab.file).write_text(f"<{vocab.namespace}X> a <{OWL}Class> .\n")
    _, problems = extract_imports.extract(vocab_dir, tmp_path, "2026-01-01")
    assert any("shapes/typo.ttl" in p and "org#memberr" in p for p in problems)


# ---------------------------------------------------------------------------------------------------------
# Generated namespaces
# ---------------------------------------------------------------------------------------------------------


def test_namespaces_module_is_in_step_with_the_turtle() -> None:
    committed = (REPO / "msp_graph" / "namespaces.py").read_text(encoding="utf-8")
    assert committed == gen_namespaces.render(REPO), "rerun python tools/gen_namespaces.py"


def test_namespaces_are_closed_and_complete(ontology: rdflib.Graph) -> None:
    from msp_graph import namespaces as ns

    for term in _msp_terms(ontology):
        assert getattr(ns.MSP, str(term)[len(str(MSP)) :]) == term
    with pytest.raises(AttributeError):
        ns.MSP.Partnershp  # noqa: B018
    with pytest.raises(AttributeError):
        ns.GROUP["employer-organisations"]
    assert ns.GROUP["employers-organisations"] == GROUP["employers-organisations"]
    assert str(ns.ROLE.chair) == "https://w3id.org/msp/vocab/role/chair"
    assert str(ns.COUNTRY.FRA) == "http://publications.europa.eu/resource/authority/country/FRA"
    assert str(ns.SDG["8.7"]) == "http://metadata.un.org/sdg/8.7"
    assert ns.ORG.memberDuring == ORG.memberDuring and ns.DCT.source == DCTERMS.source


# ---------------------------------------------------------------------------------------------------------
# No undeclared msp: term anywhere
# ---------------------------------------------------------------------------------------------------------


def _declared_msp_terms() -> set[str]:
    """msp: terms the ontology declares, plus msp: IRIs the shapes define (shape names such as
    msp:PartnershipShape live in the msp: namespace by the style guide)."""
    declared = {str(t) for t in _msp_terms(_graph(ONTOLOGY_FILE))} | {str(ONTOLOGY_IRI), str(MSP)}
    for path in _files("shapes/**/*.ttl"):
        graph = rdflib.Graph().parse(path, format="turtle")
        declared |= {str(s) for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and s in MSP}
    return declared


def _undeclared(paths: list[Path]) -> dict[str, list[str]]:
    declared = _declared_msp_terms()
    return {
        iri: sorted(str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p) for p in where)
        for iri, where in used_terms(paths).items()
        if iri.startswith(str(MSP)) and iri not in declared
    }


def test_no_undeclared_msp_term_in_shapes_queries_vocab_data_fixtures() -> None:
    undeclared = _undeclared(project_files(REPO, SCANNED, exclude=SCANNED_EXCLUDE))
    assert not undeclared, f"msp: terms used but not declared in ontology/msp.ttl: {undeclared}"


def test_undeclared_term_scan_finds_terms_in_turtle_sparql_and_shacl_sparql(tmp_path: Path) -> None:
    (tmp_path / "a.rq").write_text(
        "# msp:InAComment is not a use\nPREFIX msp: <https://w3id.org/msp/ontology#>\n"
        "SELECT ?p WHERE { ?p a msp:Partnership ; msp:policyAreas ?a } ORDER BY ?p\n"
    )
    (tmp_path / "b.ttl").write_text(
        "@prefix msp: <https://w3id.org/msp/ontology#> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "msp:XShape a sh:NodeShape ; sh:targetClass msp:Partnershipp ;\n"
        '  sh:sparql [ sh:select """SELECT $this WHERE { $this msp:levell ?l }""" ] .\n'
    )
    (tmp_path / "broken.ttl").write_text(
        "@prefix msp: <https://w3id.org/msp/ontology#> .\nmsp:Oops msp:level [ .\n"
    )
    found = set(_undeclared(sorted(tmp_path.iterdir())))
    assert found == {str(MSP[t]) for t in ("policyAreas", "XShape", "Partnershipp", "levell", "Oops")}


# ---------------------------------------------------------------------------------------------------------
# Reasoning: OWL 2 RL with owlrl, OWL 2 DL with HermiT
# ---------------------------------------------------------------------------------------------------------

PIN_DATA = """
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix group: <https://w3id.org/msp/vocab/stakeholder-group/> .
@prefix pin: <http://example.org/pin/> .
pin:alliance a msp:Partnership .
pin:membership a org:Membership ; org:member pin:viaMembership ; org:organization pin:alliance .
pin:alliance org:hasMember pin:viaHasMember .
pin:union a msp:WorkersOrganisation .
pin:federation msp:stakeholderGroup group:employers-organisations .
pin:alliance msp:hasOutput pin:tool .
"""
_VOCAB_NAMESPACES = (
    "https://w3id.org/msp/",
    "http://www.w3.org/",
    "http://purl.org/dc/",
    "http://xmlns.com/foaf/",
    "http://publications.europa.eu/resource/authority/",
    "http://metadata.un.org/sdg/",
)


def _ontology_closure_graph() -> rdflib.Graph:
    graph = _graph(ONTOLOGY_FILE, *_catalogue().values(), *_files("vocab/*.ttl"))
    graph.remove((None, OWL.imports, None))
    return graph


def _add_fixture(graph: rdflib.Graph, path: Path, tag: int) -> None:
    """Add one fixture's triples with its data IRIs made unique to it, so fixtures stay independent."""

    def rename(term):
        if isinstance(term, URIRef) and not str(term).startswith(_VOCAB_NAMESPACES):
            return URIRef(f"{term}--fixture{tag}")
        if isinstance(term, BNode):
            return BNode(f"f{tag}{term}")
        return term

    for s, p, o in rdflib.Graph().parse(path, format="turtle"):
        graph.add((rename(s), p, rename(o)))


@pytest.fixture(scope="module")
def rl_closure() -> rdflib.Graph:
    graph = _ontology_closure_graph()
    for tag, path in enumerate(_files("tests/fixtures/shapes/**/valid/*.ttl")):
        _add_fixture(graph, path, tag)
    graph.parse(data=PIN_DATA, format="turtle")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


def _errors(graph: rdflib.Graph) -> list[str]:
    return sorted(str(graph.value(e, ERRNS.error)) for e in graph.subjects(RDF.type, ERRNS.ErrorMessage))


def test_owl_rl_closure_of_ontology_vocab_and_valid_fixtures_has_no_inconsistency(rl_closure) -> None:
    assert _errors(rl_closure) == []


def test_owl_rl_infers_the_group_from_the_class_and_the_class_from_the_group(rl_closure) -> None:
    assert (EX.union, MSP.stakeholderGroup, GROUP["workers-organisations"]) in rl_closure
    assert (EX.federation, RDF.type, MSP.EmployersOrganisation) in rl_closure
    assert (EX.federation, RDF.type, ORG.Organization) in rl_closure
    assert (EX.union, RDF.type, MSP.EmployersOrganisation) not in rl_closure


def test_owl_rl_what_partnership_subclassing_org_collaboration_implies(rl_closure) -> None:
    """Pinned (STYLE.md): ORG's allValuesFrom on org:hasMember types direct members org:Organization, but a
    member recorded only through an org:Membership is typed foaf:Agent (the range of org:member), not
    org:Organization: ORG has no chain from memberships to org:hasMember. Shapes must not expect it."""
    assert (EX.alliance, RDF.type, ORG.Organization) in rl_closure
    assert (EX.alliance, RDF.type, FOAF.Group) in rl_closure
    assert (EX.viaHasMember, RDF.type, ORG.Organization) in rl_closure
    assert (EX.viaMembership, RDF.type, FOAF.Agent) in rl_closure
    assert (EX.viaMembership, RDF.type, ORG.Organization) not in rl_closure
    assert (EX.alliance, ORG.hasMember, EX.viaMembership) not in rl_closure
    assert (EX.viaMembership, ORG.hasMembership, EX.membership) in rl_closure
    assert (EX.tool, MSP.outputOf, EX.alliance) in rl_closure
    assert (EX.tool, RDF.type, PROV.Entity) in rl_closure


def test_owl_rl_reports_a_disjointness_violation() -> None:
    graph = _graph(REPO / "ontology" / "imports" / "org_import.ttl")
    graph.add((EX.both, RDF.type, ORG.Organization))
    graph.add((EX.both, RDF.type, ORG.Membership))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    assert _errors(graph), "owlrl reported nothing for an individual in two disjoint classes"


def _hermit(graph: rdflib.Graph, tmp_path: Path) -> tuple[bool, list[str]]:
    """(consistent, unsatisfiable named classes) by HermiT through owlready2, on N-Triples of ``graph``.

    xsd:gYear and xsd:gYearMonth (ranges of OWL-Time's inXSDgYear/inXSDgYearMonth) are outside the OWL 2
    datatype map, so HermiT is told to ignore unsupported datatypes."""
    import owlready2

    path = tmp_path / "merged.nt"
    path.write_bytes(graph.serialize(format="nt", encoding="utf-8"))
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    try:
        with onto:
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
    except owlready2.OwlReadyInconsistentOntologyError:
        return False, []
    return True, sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)


needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="java is not installed: HermiT cannot run"
)


@needs_java
def test_hermit_finds_the_ontology_consistent_and_every_class_satisfiable(tmp_path: Path) -> None:
    consistent, unsatisfiable = _hermit(_ontology_closure_graph(), tmp_path)
    assert consistent
    assert unsatisfiable == []


@needs_java
def test_hermit_finds_an_unsatisfiable_class(tmp_path: Path) -> None:
    """Control case, on the ORG module alone to keep it quick: a subclass of two disjoint ORG classes."""
    graph = _graph(REPO / "ontology" / "imports" / "org_import.ttl")
    graph.add((MSP.Impossible, RDF.type, OWL.Class))
    graph.add((MSP.Impossible, RDFS.subClassOf, ORG.Organization))
    graph.add((MSP.Impossible, RDFS.subClassOf, ORG.Membership))
    consistent, unsatisfiable = _hermit(graph, tmp_path)
    assert consistent
    assert unsatisfiable == [str(MSP.Impossible)]
