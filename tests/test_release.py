"""The ontology's release artefacts (``release/``, built by ``tools/release.py``): up to date, self-contained,
loadable offline by owlready2 and reasoned over by HermiT without switches."""

from __future__ import annotations

import shutil
import socket
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS

REPO = Path(__file__).resolve().parent.parent
RELEASE = REPO / "release"
sys.path.insert(0, str(REPO / "tools"))
import release  # noqa: E402

MSP_ONTOLOGY = rdflib.URIRef("https://w3id.org/msp/ontology")


def _graph(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="xml" if path.suffix == ".owl" else "turtle")


def _statements(*paths: Path) -> set:
    """Triples without the ontology headers, with blank nodes as their own statement-free placeholder."""
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    headers = set(graph.subjects(RDF.type, OWL.Ontology))
    return {
        (s, p, o)
        for s, p, o in graph
        if s not in headers and not isinstance(s, rdflib.BNode) and not isinstance(o, rdflib.BNode)
    }


def test_committed_artefacts_are_what_the_tool_builds():
    assert release.main(["--check"]) == 0, "release/ is out of date: run python tools/release.py"


def test_each_artefact_has_its_own_iri_and_a_version_iri_under_the_ontology_version():
    version = _graph(REPO / "ontology" / "msp.ttl").value(MSP_ONTOLOGY, OWL.versionIRI)
    for name in ("msp-full", "msp-base"):
        for suffix in (".ttl", ".owl"):
            graph = _graph(RELEASE / f"{name}{suffix}")
            (iri,) = set(graph.subjects(RDF.type, OWL.Ontology))
            assert str(iri) == f"{MSP_ONTOLOGY}/{name}"
            assert str(graph.value(iri, OWL.versionIRI)) == f"{version}/{name}"
            assert not list(graph.triples((None, OWL.imports, None)))


def test_full_holds_the_ontology_and_every_import_and_base_only_the_ontology():
    imports = sorted((REPO / "ontology" / "imports").glob("*.ttl"))
    own = _statements(REPO / "ontology" / "msp.ttl")
    outside_map = {
        (s, p, o)
        for s, p, o in _statements(*imports)
        if p == RDFS.range and str(o).startswith(release._XSD) and str(o) not in release.OWL2_DATATYPES
    }
    assert outside_map, "the imports no longer use xsd:gYear ranges: revisit tools/release.py"
    full = _statements(RELEASE / "msp-full.ttl")
    assert full == (own | _statements(*imports)) - outside_map
    assert _statements(RELEASE / "msp-base.ttl") == own
    # Blank-node axioms (restrictions, unions, chains) come along too.
    assert len(_graph(RELEASE / "msp-full.ttl")) > len(full) + 10


def test_owl_and_turtle_forms_are_the_same_graph():
    for name in ("msp-full", "msp-base"):
        ttl, owl = _graph(RELEASE / f"{name}.ttl"), _graph(RELEASE / f"{name}.owl")
        assert isomorphic(ttl, owl), name


def test_same_sources_same_bytes():
    first = release.serialise(release.artefact("msp-full"), ox.RdfFormat.TURTLE)
    assert first == release.serialise(release.artefact("msp-full"), ox.RdfFormat.TURTLE)


@pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed: HermiT cannot run")
@pytest.mark.parametrize("name", ["msp-full", "msp-base"])
def test_owlready2_loads_offline_and_hermit_reasons_without_switches(name, tmp_path, monkeypatch):
    """No network (every socket refused) and HermiT's default settings: consistent, no unsatisfiable class."""
    import owlready2

    def no_network(*args, **kwargs):
        raise OSError("network access in an offline test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    copy = tmp_path / f"{name}.owl"
    copy.write_bytes((RELEASE / f"{name}.owl").read_bytes())
    world = owlready2.World()
    onto = world.get_ontology(copy.as_uri()).load()
    # Entities are looked up after reasoning: owlready2 (0.51) fails to apply HermiT's results to a class
    # already loaded as a Python object ("issubclass() arg 1 must be a class").
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert onto.search_one(iri="https://w3id.org/msp/ontology#Partnership") is not None
    unsatisfiable = [c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing]
    assert unsatisfiable == []


@pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed: HermiT cannot run")
def test_the_source_ontology_alone_is_not_enough_offline(tmp_path, monkeypatch):
    """Control: without the artefacts owlready2 must fetch the imports (why the artefacts exist)."""
    import owlready2

    def no_network(*args, **kwargs):
        raise OSError("network access in an offline test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    graph = _graph(REPO / "ontology" / "msp.ttl")
    source = tmp_path / "msp.owl"
    source.write_bytes(graph.serialize(format="xml", encoding="utf-8"))
    with pytest.raises(Exception, match=r"(?i)download|imports|connect|network"):
        owlready2.World().get_ontology(source.as_uri()).load()
