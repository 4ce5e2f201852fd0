"""The concepts sheet (issue 17): a concept added to a bundled scheme is usable by later rows and by later
imports, lives in the graph of its file with row provenance, and the shapes accept it as a value of the
scheme wherever it was defined (a sheet or a Turtle file)."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from conftest import write_csv
from rdflib.namespace import PROV, RDF, SKOS

from msp_graph.loading import load_bundled, load_files
from msp_graph.sheets import SheetImportError, import_sheets
from msp_graph.stores import EmbeddedStore

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "concepts-social-dialogue.ttl"
AREA = "https://w3id.org/msp/vocab/policy-area"
CONCEPT = rdflib.URIRef("https://w3id.org/msp/id/concept/social-dialogue")
MSP = rdflib.Namespace("https://w3id.org/msp/ontology#")
CSVW = rdflib.Namespace("http://www.w3.org/ns/csvw#")
CONCEPT_HEADER = ["scheme", "code", "label_en", "label_fr", "broader", "sources"]


@pytest.fixture
def bundled() -> EmbeddedStore:
    store = EmbeddedStore()
    load_bundled(store)
    return store


def _alliance(folder: Path, areas: str) -> None:
    """A conforming partnership of the bundled organisations whose policy areas are ``areas``."""
    write_csv(
        folder / "partnerships.csv",
        ["id", "name", "levels", "formality", "policy_areas", "objectives", "start", "sources"],
        [
            "sda",
            "Social Dialogue Alliance",
            "global",
            "formal",
            areas,
            "policy-alignment",
            "2020",
            "https://a.org/",
        ],
    )
    write_csv(
        folder / "memberships.csv",
        ["partnership", "organisation", "sources"],
        *[["sda", o, "https://a.org/"] for o in ("ILO", "ITUC", "IOE", "UN Women")],
    )


def _policy_area_results(result) -> list:
    return [
        r for r in result.report.results if r.path == str(MSP.policyArea) or "policyArea" in r.source_shape
    ]


def test_a_concept_of_the_sheet_is_a_policy_area_of_a_later_row_and_validates(tmp_path, bundled):
    folder = tmp_path / "sd"
    write_csv(
        folder / "concepts.csv",
        CONCEPT_HEADER,
        ["policy-area", "social-dialogue", "Social dialogue", "Dialogue social", "", "https://www.ilo.org/"],
        ["Policy areas", "collective-bargaining", "Collective bargaining", "", "Dialogue social", ""],
    )
    _alliance(folder, "Social dialogue; négociation collective; collective-bargaining; employment")
    with pytest.raises(SheetImportError, match=r"unknown policy area 'négociation collective'"):
        import_sheets([folder], store=bundled, validate=False)
    _alliance(folder, "Social dialogue; collective-bargaining; employment")
    result = import_sheets([folder], store=bundled)
    assert result.written and _policy_area_results(result) == []
    graph = "https://w3id.org/msp/id/graph/source/sheet-sd-concepts"
    data = bundled.to_rdflib([graph])
    assert (CONCEPT, SKOS.inScheme, rdflib.URIRef(AREA)) in data
    assert (CONCEPT, SKOS.prefLabel, rdflib.Literal("Dialogue social", lang="fr")) in data
    bargaining = rdflib.URIRef("https://w3id.org/msp/id/concept/collective-bargaining")
    assert (bargaining, SKOS.broader, CONCEPT) in data
    row = data.value(CONCEPT, PROV.wasDerivedFrom)
    assert (row, RDF.type, CSVW.Row) in data and data.value(row, CSVW.rownum).toPython() == 2
    alliance = rdflib.URIRef("https://w3id.org/msp/id/partnership/sda")
    partnerships = bundled.to_rdflib(["https://w3id.org/msp/id/graph/source/sheet-sd-partnerships"])
    assert (alliance, MSP.policyArea, CONCEPT) in partnerships


def test_a_later_import_uses_the_concept_the_store_holds(tmp_path, bundled):
    write_csv(
        tmp_path / "v" / "concepts.csv", CONCEPT_HEADER, ["policy-area", "social-dialogue", "Social dialogue"]
    )
    import_sheets([tmp_path / "v"], store=bundled, validate=False)
    _alliance(tmp_path / "p", "SOCIAL DIALOGUE")
    result = import_sheets([tmp_path / "p"], store=bundled)
    assert _policy_area_results(result) == []


def test_the_turtle_example_is_the_same_concept(tmp_path, bundled):
    load_files(bundled, [EXAMPLE])
    _alliance(tmp_path / "p", "Diálogo social")
    result = import_sheets([tmp_path / "p"], store=bundled)
    assert _policy_area_results(result) == []


def test_a_policy_area_outside_the_scheme_is_still_a_violation(tmp_path, bundled):
    write_csv(tmp_path / "v" / "concepts.csv", CONCEPT_HEADER, ["role", "social-dialogue", "Social dialogue"])
    _alliance(tmp_path / "v", "employment")
    import_sheets([tmp_path / "v"], store=bundled, validate=False)
    store = bundled
    store.update(
        "INSERT DATA { GRAPH <urn:x-test> { <https://w3id.org/msp/id/partnership/sda> "
        f"<{MSP.policyArea}> <{CONCEPT}> }} }}"
    )
    from msp_graph.validation import check

    results = [r for r in check(store).results if r.source_shape.endswith("-policyArea")]
    assert [(r.focus_node.rsplit("/", 1)[-1], r.value) for r in results] == [("sda", "Social dialogue")]


def test_concept_rows_report_an_unknown_scheme_and_broader(tmp_path):
    write_csv(
        tmp_path / "concepts.csv",
        CONCEPT_HEADER,
        ["policy-aera", "x", "X"],
        ["policy-area", "y", "Y", "", "nowhere"],
    )
    with pytest.raises(SheetImportError) as caught:
        import_sheets([tmp_path / "concepts.csv"], store=EmbeddedStore(), validate=False)
    errors = [str(p) for p in caught.value.problems if p.severity == "error"]
    assert any(
        "row 2" in e and "unknown concept scheme 'policy-aera'; did you mean 'policy-area'" in e
        for e in errors
    )
    assert any("row 3" in e and "unknown policy area 'nowhere'" in e for e in errors)
