"""The SKOS concept schemes in vocab/: exactly the concepts of docs/model.md, complete and well formed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, SKOS, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

REPO = Path(__file__).resolve().parent.parent
VOCAB_BASE = "https://w3id.org/msp/vocab/"
SEED_PAGE = URIRef("https://www.ilo.org/pardev/partnerships/other-global/lang--en/index.htm")
SEED_TEXT = REPO.parent / "shared" / "seed" / "000_9a8fff596859ad4f.txt"
ORG = Namespace("http://www.w3.org/ns/org#")
GROUP = Namespace(VOCAB_BASE + "stakeholder-group/")

# prefix in docs/model.md -> (scheme path, file)
SCHEMES = {
    "group": ("stakeholder-group", "stakeholder-groups.ttl"),
    "area": ("policy-area", "policy-areas.ttl"),
    "objective": ("objective", "objectives.ttl"),
    "level": ("level", "levels.ttl"),
    "formality": ("formality", "formality.ttl"),
    "modality": ("modality", "modalities.ttl"),
    "role": ("role", "roles.ttl"),
    "contribution": ("contribution", "contributions.ttl"),
    "confidence": ("confidence", "confidence.ttl"),
    "process": ("un-process", "un-processes.ttl"),
    "region": ("region", "regions.ttl"),
}
TRANSLATED = {"group", "area", "objective", "level"}  # fr and es labels are mandatory
SEED_DERIVED = {"group", "area", "objective", "level", "formality", "contribution", "process"}


def _model_md_concepts() -> dict[str, list[str]]:
    """The local names docs/model.md lists for each scheme prefix."""
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Concept schemes") : text.index("\n## Classes")]
    concepts: dict[str, list[str]] = {}
    for bullet in re.split(r"\n- ", section)[1:]:
        prefix = re.match(r"`(\w+):`", bullet)
        if prefix:
            names = re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)*)`", bullet)
            concepts[prefix.group(1)] = list(dict.fromkeys(names))
    return concepts


@pytest.fixture(scope="module")
def graphs() -> dict[str, rdflib.Graph]:
    return {prefix: rdflib.Graph().parse(REPO / "vocab" / file) for prefix, (_, file) in SCHEMES.items()}


def _scheme(prefix: str) -> URIRef:
    return URIRef(VOCAB_BASE + SCHEMES[prefix][0])


def _concepts(graph: rdflib.Graph) -> set[URIRef]:
    return set(graph.subjects(RDF.type, SKOS.Concept))


def test_every_scheme_file_is_listed() -> None:
    assert {p.name for p in (REPO / "vocab").glob("*.ttl")} == {file for _, file in SCHEMES.values()}


@pytest.mark.parametrize("prefix", sorted(SCHEMES))
def test_scheme_has_exactly_the_concepts_of_model_md(prefix: str, graphs) -> None:
    expected = _model_md_concepts()[prefix]
    namespace = _scheme(prefix) + "/"
    assert _concepts(graphs[prefix]) == {URIRef(namespace + name) for name in expected}


@pytest.mark.parametrize("prefix", sorted(SCHEMES))
def test_scheme_header_and_top_concepts(prefix: str, graphs) -> None:
    graph, scheme = graphs[prefix], _scheme(prefix)
    assert set(graph.subjects(RDF.type, SKOS.ConceptScheme)) == {scheme}
    assert any(t.language == "en" for t in graph.objects(scheme, DCTERMS.title))
    assert set(graph.objects(scheme, SKOS.hasTopConcept)) == _concepts(graph)


@pytest.mark.parametrize("prefix", sorted(SCHEMES))
def test_every_concept_is_complete(prefix: str, graphs) -> None:
    graph, scheme = graphs[prefix], _scheme(prefix)
    for concept in _concepts(graph):
        local = str(concept).rsplit("/", 1)[1]
        assert set(graph.objects(concept, SKOS.inScheme)) == {scheme}, concept
        assert set(graph.objects(concept, SKOS.topConceptOf)) == {scheme}, concept
        assert set(graph.objects(concept, SKOS.notation)) == {Literal(local)}, concept
        definitions = [d for d in graph.objects(concept, SKOS.definition) if d.language == "en"]
        assert len(definitions) == 1 and str(definitions[0]).endswith("."), concept
        pref = [label.language for label in graph.objects(concept, SKOS.prefLabel)]
        assert len(pref) == len(set(pref)), f"{concept}: two prefLabels in one language"
        assert "en" in pref, concept
        if prefix in TRANSLATED:
            assert {"fr", "es"} <= set(pref), concept
        alt = set(graph.objects(concept, SKOS.altLabel))
        assert not alt & set(graph.objects(concept, SKOS.prefLabel)), (
            f"{concept}: a label is both pref and alt"
        )


@pytest.mark.parametrize("prefix", sorted(SEED_DERIVED))
def test_seed_derived_concepts_cite_the_seed(prefix: str, graphs) -> None:
    graph = graphs[prefix]
    for concept in _concepts(graph):
        assert SEED_PAGE in set(graph.objects(concept, DCTERMS.source)), concept


def test_roles_are_org_roles(graphs) -> None:
    graph = graphs["role"]
    assert _concepts(graph) == set(graph.subjects(RDF.type, ORG.Role))
    assert SEED_PAGE in set(graph.objects(URIRef(VOCAB_BASE + "role/pathfinder-country"), DCTERMS.source))


def test_other_groups_collection_holds_the_eight_non_social_partner_groups(graphs) -> None:
    graph = graphs["group"]
    collection = GROUP["other-groups"]
    assert (collection, RDF.type, SKOS.Collection) in graph
    members = set(graph.objects(collection, SKOS.member))
    assert members == _concepts(graph) - {GROUP["employers-organisations"], GROUP["workers-organisations"]}
    assert len(members) == 8


def test_social_partners_use_the_ilo_wording(graphs) -> None:
    graph = graphs["group"]
    labels = set(graph.objects(GROUP["employers-organisations"], SKOS.prefLabel))
    assert Literal("Organisations d'employeurs", lang="fr") in labels
    assert Literal("Organizaciones de empleadores", lang="es") in labels
    labels = set(graph.objects(GROUP["workers-organisations"], SKOS.prefLabel))
    assert Literal("Organisations de travailleurs", lang="fr") in labels
    assert Literal("Organizaciones de trabajadores", lang="es") in labels


def test_no_concept_is_in_two_schemes(graphs) -> None:
    seen: dict[URIRef, str] = {}
    for prefix, graph in graphs.items():
        for concept in _concepts(graph):
            assert concept not in seen, f"{concept} in {seen.get(concept)} and {prefix}"
            seen[concept] = prefix


@pytest.mark.skipif(not SEED_TEXT.is_file(), reason="the seed text (../shared/seed) is not here")
def test_every_policy_area_is_named_in_the_seed(graphs) -> None:
    seed = SEED_TEXT.read_text(encoding="utf-8").lower()
    graph = graphs["area"]
    for concept in _concepts(graph):
        labels = [
            str(label).lower() for p in (SKOS.prefLabel, SKOS.altLabel) for label in graph.objects(concept, p)
        ]
        assert any(label in seed for label in labels), f"{concept}: no label of it appears in the seed text"
