"""The SHACL shapes (shapes/*.ttl) against their fixtures (tests/fixtures/shapes/<Shape>/{valid,invalid}/).

Each fixture opens with a header:

    # why:     an MSP needs a workers' organisation among its members
    # expect:  ex:alliance mspsh:PartnershipShape-composition sh:SPARQLConstraintComponent [sh:Warning]
    # message: ex:alliance Not a multi-stakeholder partnership under the ILO definition: ...

One ``# expect:`` line per expected result (focus node, source shape, constraint component, optional severity:
the shape's own sh:severity when left out); ``# message:`` lines give the exact English message of a result.
A valid fixture has no ``# expect:`` line: it must give no result at all, warnings included.

How it runs (fast, and the same as one fixture at a time): every fixture is renamed into its own namespace
(``https://example.org/msp-test/`` -> ``https://example.org/msp-test/<n>/``), all are added to ontology +
vocab, OWL 2 RL (owlrl) runs once, pyshacl validates once, and each result goes back to the fixture that owns
its focus node. Fixtures only describe their own ``ex:`` nodes (checked below), and one test runs a fixture
alone from scratch and compares.

``python tests/test_shapes.py country-list`` prints the generated country list block of shapes/country.ttl.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pycountry
import pyshacl
import pyshacl.errors
import pytest
import rdflib
from conftest import copy_graph, load_turtle, owl_rl_closure
from rdflib.namespace import RDF, RDFS, SH, SKOS

from msp_graph.validation.reference import sparql_parsed_once

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "shapes"
SHAPES_DIR = REPO / "shapes"
MSPSH = rdflib.Namespace("https://w3id.org/msp/shapes#")
EX = "https://example.org/msp-test/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
VOCAB = "https://w3id.org/msp/vocab/"
HEADER = re.compile(r"^#\s*(why|expect|message):\s*(.*?)\s*$")


@dataclass(frozen=True)
class Fixture:
    path: Path
    shape: str  # the folder: the node shape it exercises
    kind: str  # "valid" or "invalid"
    why: str
    expect: frozenset[tuple[str, str, str, str | None]]  # focus, shape, component, severity (IRIs)
    messages: frozenset[tuple[str, str]]  # focus IRI, English message

    @property
    def id(self) -> str:
        return f"{self.shape}/{self.kind}/{self.path.stem}"


def _read_fixture(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8")
    graph = rdflib.Graph()
    graph.parse(data=text, format="turtle")
    namespaces = {"sh": str(SH), "mspsh": str(MSPSH)} | {p: str(n) for p, n in graph.namespaces()}

    def iri(token: str) -> str:
        prefix, _, local = token.partition(":")
        assert prefix in namespaces, f"{path}: unknown prefix in header token {token!r}"
        return namespaces[prefix] + local

    why, expect, messages = None, set(), set()
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = HEADER.match(line)
        assert match, f"{path}: header line not understood: {line!r}"
        key, value = match.groups()
        if key == "why":
            why = value
        elif key == "expect":
            tokens = value.split()
            assert len(tokens) in (3, 4), (
                f"{path}: '# expect:' takes focus shape component [severity]: {line!r}"
            )
            severity = iri(tokens[3]) if len(tokens) == 4 else None
            expect.add((iri(tokens[0]), iri(tokens[1]), iri(tokens[2]), severity))
        else:
            focus, _, message = value.partition(" ")
            messages.add((iri(focus), message))
    assert why, f"{path}: no '# why:' header line"
    return Fixture(
        path, path.parent.parent.name, path.parent.name, why, frozenset(expect), frozenset(messages)
    )


FIXTURE_FILES = sorted(FIXTURES.glob("*/*/*.ttl"))
ALL_FIXTURES = [_read_fixture(path) for path in FIXTURE_FILES]


def _namespace(index: int) -> str:
    return f"{EX}{index}/"


def _result_rows(report: rdflib.Graph) -> list[dict]:
    rows = []
    nested = set(report.objects(None, SH.detail))  # under another result, as the report keeps them
    for result in set(report.subjects(RDF.type, SH.ValidationResult)) - nested:
        rows.append(
            {
                "focus": report.value(result, SH.focusNode),
                "shape": report.value(result, SH.sourceShape),
                "component": report.value(result, SH.sourceConstraintComponent),
                "severity": report.value(result, SH.resultSeverity),
                "constraint": report.value(result, SH.sourceConstraint),
                "messages": sorted(str(m) for m in report.objects(result, SH.resultMessage)),
            }
        )
    return rows


def _validate(data: rdflib.Graph, shapes: rdflib.Graph) -> list[dict]:
    _, report, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=False)
    assert isinstance(report, rdflib.Graph), f"pyshacl could not run: {text}"
    return _result_rows(report)


def _english_templates(shapes: rdflib.Graph, row: dict) -> list[re.Pattern]:
    """The @en sh:message templates of a result's shape and constraint as patterns ({?var}: anything)."""
    templates = []
    for node in (row["shape"], row["constraint"]):
        if node is None:
            continue
        for message in shapes.objects(node, SH.message):
            if isinstance(message, rdflib.Literal) and message.language == "en":
                parts = re.split(r"\{[?$]\w+\}", str(message))
                templates.append(re.compile("^" + ".*".join(re.escape(p) for p in parts) + "$", re.S))
    return templates


def english_message(shapes: rdflib.Graph, row: dict) -> str | None:
    """The English message of a result. pyshacl 0.40.1 drops the language tag of messages with {?var}
    substitutions, so the English one is the message that matches an @en template of the shape."""
    templates = _english_templates(shapes, row)
    for message in row["messages"]:
        if any(t.match(message) for t in templates):
            return message
    return None


@dataclass
class Batch:
    graph: rdflib.Graph  # ontology + vocab + every renamed fixture, with its OWL 2 RL closure
    results: dict[str, list[dict]]  # fixture id -> result rows, focus nodes and messages renamed back


@pytest.fixture(scope="session")
def batch(ontology_vocab_graph: rdflib.Graph, shapes_graph: rdflib.Graph) -> Batch:
    """Every fixture's results from one reasoning and one validation run."""
    data = copy_graph(ontology_vocab_graph)
    for index, fixture in enumerate(ALL_FIXTURES):
        text = fixture.path.read_text(encoding="utf-8").replace(EX, _namespace(index))
        data.parse(data=text, format="turtle")
    owl_rl_closure(data)
    by_fixture: dict[str, list[dict]] = {f.id: [] for f in ALL_FIXTURES}
    stray = []
    with sparql_parsed_once():
        rows = _validate(data, shapes_graph)
    for row in rows:
        match = re.match(re.escape(EX) + r"(\d+)/", str(row["focus"]))
        if not isinstance(row["focus"], rdflib.URIRef) or not match:
            stray.append(row)
            continue
        prefix = _namespace(int(match.group(1)))
        row["focus"] = rdflib.URIRef(str(row["focus"]).replace(prefix, EX))
        row["messages"] = sorted(m.replace(prefix, EX) for m in row["messages"])
        by_fixture[ALL_FIXTURES[int(match.group(1))].id].append(row)
    assert not stray, f"results whose focus node belongs to no fixture: {stray}"
    return Batch(data, by_fixture)


def _declared_severity(shapes: rdflib.Graph, shape: str) -> str:
    return str(shapes.value(rdflib.URIRef(shape), SH.severity) or SH.Violation)


def _actual(rows: list[dict]) -> set[tuple[str, str, str, str]]:
    return {(str(r["focus"]), str(r["shape"]), str(r["component"]), str(r["severity"])) for r in rows}


def _expected(fixture: Fixture, shapes: rdflib.Graph) -> set[tuple[str, str, str, str]]:
    return {(f, s, c, sev or _declared_severity(shapes, s)) for f, s, c, sev in fixture.expect}


# ---------------------------------------------------------------------------------------------------------
# The fixtures
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=[f.id for f in ALL_FIXTURES])
def test_fixture_gives_exactly_its_expected_results(
    fixture: Fixture, batch: Batch, shapes_graph: rdflib.Graph
) -> None:
    rows = batch.results[fixture.id]
    actual, expected = _actual(rows), _expected(fixture, shapes_graph)
    assert actual - expected == set(), f"{fixture.path}: results not expected"
    assert expected - actual == set(), f"{fixture.path}: expected results missing"
    for row in rows:
        assert english_message(shapes_graph, row), f"{fixture.path}: result without an English message: {row}"
    english = {(str(r["focus"]), english_message(shapes_graph, r)) for r in rows}
    for focus, message in fixture.messages:
        assert (focus, message) in english, f"{fixture.path}: no result with this message; got {english}"


def test_fixture_headers_fit_their_folder() -> None:
    assert ALL_FIXTURES, f"no fixture under {FIXTURES}"
    for fixture in ALL_FIXTURES:
        assert fixture.kind in ("valid", "invalid"), fixture.path
        if fixture.kind == "valid":
            assert not fixture.expect, f"{fixture.path}: a valid fixture expects no result"
        else:
            assert fixture.expect, f"{fixture.path}: an invalid fixture needs '# expect:' lines"
        for focus, _ in fixture.messages:
            assert any(e[0] == focus for e in fixture.expect), (
                f"{fixture.path}: message for an unexpected focus"
            )


def test_fixtures_describe_only_their_own_nodes() -> None:
    """What makes the one-run batch equal to one run per fixture: no fixture states anything about a node it
    does not own (its ex: nodes), so no fixture's triples or inferences can reach another's focus nodes."""
    for fixture in ALL_FIXTURES:
        graph = rdflib.Graph()
        graph.parse(fixture.path, format="turtle")
        foreign = {s for s in graph.subjects() if not str(s).startswith(EX)}
        assert not foreign, f"{fixture.path}: describes nodes outside {EX}: {foreign}"


def test_one_fixture_alone_from_scratch_gives_what_the_batch_gives(
    ontology_vocab_graph: rdflib.Graph, shapes_graph: rdflib.Graph, batch: Batch
) -> None:
    """The reference procedure on one fixture: ontology + vocab + fixture, OWL 2 RL, pyshacl."""
    for fixture_id in ("PartnershipShape-composition/invalid/no-workers-organisation",):
        fixture = next(f for f in ALL_FIXTURES if f.id == fixture_id)
        data = copy_graph(ontology_vocab_graph)
        data.parse(fixture.path, format="turtle")
        rows = _validate(owl_rl_closure(data), shapes_graph)
        assert _actual(rows) == _actual(batch.results[fixture.id])
        assert sorted(r["messages"] for r in rows) == sorted(r["messages"] for r in batch.results[fixture.id])


def test_the_subclass_fixture_conforms_only_because_of_reasoning(
    ontology_vocab_graph: rdflib.Graph, shapes_graph: rdflib.Graph
) -> None:
    """Without OWL 2 RL the member typed ex:NationalUnionCentre has no stakeholder group: the composition
    fails, so the valid fixture really tests that reasoning runs first."""
    path = FIXTURES / "PartnershipShape-composition/valid/workers-organisation-typed-through-a-subclass.ttl"
    data = copy_graph(ontology_vocab_graph)
    data.parse(path, format="turtle")
    rows = _validate(data, shapes_graph)
    assert (EX + "alliance", str(MSPSH["PartnershipShape-composition"])) in {
        (str(r["focus"]), str(r["shape"])) for r in rows
    }


# ---------------------------------------------------------------------------------------------------------
# The composition rule's messages (en, fr, es)
# ---------------------------------------------------------------------------------------------------------

COMPOSITION_MESSAGES = {
    "only-one-other-group": [
        "Not a multi-stakeholder partnership under the ILO definition: only 1 other group "
        "(at least 2 needed). Other groups present: Government and government-driven institutions.",
        "Pas un partenariat multipartite au sens de l'OIT : un seul autre groupe (au moins 2 requis). "
        "Autres groupes présents : Gouvernements et institutions gouvernementales.",
        "No es una alianza multiactor según la definición de la OIT: solo 1 otro grupo "
        "(se necesitan al menos 2). Otros grupos presentes: Gobiernos e instituciones gubernamentales.",
    ],
    "no-workers-organisation": [
        "Not a multi-stakeholder partnership under the ILO definition: no workers' organisation. "
        "Other groups present: Academia, Government and government-driven institutions, United Nations.",
        "Pas un partenariat multipartite au sens de l'OIT : aucune organisation de travailleurs. "
        "Autres groupes présents : Milieu universitaire, Gouvernements et institutions gouvernementales, "
        "Nations Unies.",
        "No es una alianza multiactor según la definición de la OIT: ninguna organización de trabajadores. "
        "Otros grupos presentes: Sector académico, Gobiernos e instituciones gubernamentales, "
        "Naciones Unidas.",
    ],
    "no-members": [
        "Not a multi-stakeholder partnership under the ILO definition: no employers' organisation; "
        "no workers' organisation; no other group (at least 2 needed). Other groups present: none.",
        "Pas un partenariat multipartite au sens de l'OIT : aucune organisation d'employeurs ; aucune "
        "organisation de travailleurs ; aucun autre groupe (au moins 2 requis). "
        "Autres groupes présents : aucun.",
        "No es una alianza multiactor según la definición de la OIT: ninguna organización de empleadores; "
        "ninguna organización de trabajadores; ningún otro grupo (se necesitan al menos 2). "
        "Otros grupos presentes: ninguno.",
    ],
}


@pytest.mark.parametrize("name", sorted(COMPOSITION_MESSAGES))
def test_composition_messages_say_what_is_missing(name: str, batch: Batch) -> None:
    rows = batch.results[f"PartnershipShape-composition/invalid/{name}"]
    assert len(rows) == 1
    assert rows[0]["messages"] == sorted(COMPOSITION_MESSAGES[name])


def test_conforming_msp_and_subclass_member_give_no_result(batch: Batch) -> None:
    for name in ("employers-workers-government-un", "workers-organisation-typed-through-a-subclass"):
        assert batch.results[f"PartnershipShape-composition/valid/{name}"] == []


def test_composition_other_groups_are_the_vocabulary_collection(
    shapes_graph: rdflib.Graph, ontology_vocab_graph: rdflib.Graph
) -> None:
    select = str(shapes_graph.value(MSPSH["PartnershipShape-composition-rule"], SH.select))
    in_query = {VOCAB + "stakeholder-group/" + m for m in re.findall(r"group:([\w-]+)", select)}
    in_query -= {
        VOCAB + "stakeholder-group/employers-organisations",
        VOCAB + "stakeholder-group/workers-organisations",
    }
    collection = rdflib.URIRef(VOCAB + "stakeholder-group/other-groups")
    members = {str(m) for m in ontology_vocab_graph.objects(collection, SKOS.member)}
    assert len(members) == 8
    assert in_query == members


def _composition_pieces(shapes: rdflib.Graph) -> dict[str, list[tuple[str, str]]]:
    """Language -> [(group variable, label)] in the order the composition query lists the other groups."""
    select = str(shapes.value(MSPSH["PartnershipShape-composition-rule"], SH.select))
    pieces = {}
    for lang in ("En", "Fr", "Es"):
        block = re.search(r"REPLACE\(CONCAT\(((?:(?!REPLACE).)*?)AS \?others" + lang, select, re.S)
        assert block, f"no ?others{lang} list in the composition query"
        pieces[lang.lower()] = re.findall(r'IF\(\?(\w+) > 0, "([^"]+), ", ""\)', block.group(1))
    return pieces


def test_composition_group_labels_are_the_scheme_labels_in_english_order(
    shapes_graph: rdflib.Graph, ontology_vocab_graph: rdflib.Graph
) -> None:
    """The labels written into the composition query are the scheme's skos:prefLabel (en, fr, es), one per
    other group, listed in the order of the English labels (the order of every message)."""
    select = str(shapes_graph.value(MSPSH["PartnershipShape-composition-rule"], SH.select))
    found = re.findall(r"sameTerm\(\?group, group:([\w-]+)\), 1, 0\)\) AS \?(\w+)Found", select)
    sums = {variable: group for group, variable in found}  # ?academia -> academia
    collection = rdflib.URIRef(VOCAB + "stakeholder-group/other-groups")
    members = {str(m).rsplit("/", 1)[1] for m in ontology_vocab_graph.objects(collection, SKOS.member)}
    pieces = _composition_pieces(shapes_graph)
    for lang, listed in pieces.items():
        assert [v for v, _ in listed] == [v for v, _ in pieces["en"]], f"{lang}: not in the English order"
        assert {sums[v] for v, _ in listed} == members, f"{lang}: not one piece per other group"
        for variable, label in listed:
            concept = rdflib.URIRef(VOCAB + "stakeholder-group/" + sums[variable])
            expected = {
                str(x) for x in ontology_vocab_graph.objects(concept, SKOS.prefLabel) if x.language == lang
            }
            assert expected == {label}, f"{sums[variable]}@{lang}: {label!r} is not the scheme's label"
    english = [label for _, label in pieces["en"]]
    assert english == sorted(english)


# ---------------------------------------------------------------------------------------------------------
# Coverage and discipline of the shapes
# ---------------------------------------------------------------------------------------------------------


def _named_shapes(shapes: rdflib.Graph) -> tuple[set, set]:
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(
        shapes.objects(None, SH.property)
    )
    return node_shapes, property_shapes


def _has_target(shapes: rdflib.Graph, shape) -> bool:
    targets = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)
    return any((shape, t, None) in shapes for t in targets) or (shape, RDF.type, RDFS.Class) in shapes


def _local(node: rdflib.term.Node) -> str:
    return str(node).removeprefix(str(MSPSH))


def _path_values(graph: rdflib.Graph, shapes: rdflib.Graph, path: rdflib.term.Node, focus) -> list:
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        predicates = list(rdflib.collection.Collection(shapes, alternatives))
    else:
        predicates = [path]
    return [v for p in predicates for v in graph.objects(focus, p)]


def _focus_nodes(graph: rdflib.Graph, shapes: rdflib.Graph, shape) -> set:
    nodes = set()
    for cls in shapes.objects(shape, SH.targetClass):
        nodes |= set(graph.subjects(RDF.type, cls))
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        nodes |= set(graph.objects(None, prop))
    return nodes


def test_every_shape_has_valid_and_invalid_fixtures(batch: Batch, shapes_graph: rdflib.Graph) -> None:
    """Each node shape has a folder with at least one valid and one invalid fixture; each of its property
    shapes is the source of an expected result in some invalid fixture, and has a value on its path for some
    focus node of a valid fixture (so the valid case is exercised, not vacuous)."""
    node_shapes, _ = _named_shapes(shapes_graph)
    # value shapes (no target, reached by sh:node from a property shape) are tested through that shape
    node_shapes = {s for s in node_shapes if _has_target(shapes_graph, s)}
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert folders == {_local(s) for s in node_shapes}, "one fixture folder per node shape, named after it"
    expected_shapes = {e[1] for f in ALL_FIXTURES for e in f.expect}
    for shape in node_shapes:
        name = _local(shape)
        mine = [f for f in ALL_FIXTURES if f.shape == name]
        valid = [f for f in mine if f.kind == "valid"]
        assert valid and [f for f in mine if f.kind == "invalid"], f"{name}: needs valid and invalid fixtures"
        own = {str(shape)} | {str(p) for p in shapes_graph.objects(shape, SH.property)}
        for fixture in mine:
            if fixture.kind == "invalid":
                assert own & {e[1] for e in fixture.expect}, f"{fixture.path}: expects nothing from {name}"
        namespaces = tuple(_namespace(ALL_FIXTURES.index(f)) for f in valid)
        focus_nodes = {
            n for n in _focus_nodes(batch.graph, shapes_graph, shape) if str(n).startswith(namespaces)
        }
        assert focus_nodes, f"{name}: no focus node in its valid fixtures"
        for prop in shapes_graph.objects(shape, SH.property):
            assert str(prop) in expected_shapes, (
                f"{_local(prop)}: no invalid fixture expects a result from it"
            )
            path = shapes_graph.value(prop, SH.path)
            assert any(_path_values(batch.graph, shapes_graph, path, focus) for focus in focus_nodes), (
                f"{_local(prop)}: no valid fixture of {name} has a value on its path"
            )
        if (shape, SH.sparql, None) in shapes_graph:
            assert str(shape) in expected_shapes, f"{name}: no invalid fixture expects a result from it"


def test_no_anonymous_shapes_and_each_is_documented(shapes_graph: rdflib.Graph) -> None:
    node_shapes, property_shapes = _named_shapes(shapes_graph)
    assert len(node_shapes) >= 10 and len(property_shapes) >= 30
    referenced = set(shapes_graph.objects(None, SH.node)) | set(shapes_graph.objects(None, SH.sparql))
    for shape in node_shapes | property_shapes | referenced:
        assert isinstance(shape, rdflib.URIRef) and str(shape).startswith(str(MSPSH)), f"anonymous: {shape}"
    for shape in node_shapes | property_shapes:
        name = _local(shape)
        for prop in (SH.name, SH.description):
            assert "en" in {m.language for m in shapes_graph.objects(shape, prop)}, f"{name}: no {prop} in en"
        assert shapes_graph.value(shape, RDFS.seeAlso) is not None, f"{name}: no rdfs:seeAlso to the term"
        assert shapes_graph.value(shape, SH.severity) in (SH.Violation, SH.Warning), f"{name}: no severity"
        sparql = list(shapes_graph.objects(shape, SH.sparql))
        carriers = sparql if sparql else [shape]
        for carrier in carriers:
            languages = {m.language for m in shapes_graph.objects(carrier, SH.message)}
            assert languages == {"en", "fr", "es"}, f"{name}: sh:message in {languages}, not en, fr and es"
        if sparql:
            assert shapes_graph.value(shape, SH.message) is None, (
                f"{name}: messages belong to its SPARQL constraint"
            )


def test_each_file_has_a_banner_and_one_severity(shapes_graph: rdflib.Graph) -> None:
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# msp-graph shapes: "), f"{path}: no banner"
        banner = text.split("\n\n", 1)[0]
        assert "# Covers:" in banner and "# Does not cover:" in banner, (
            f"{path}: banner says what it covers and not"
        )
        graph = rdflib.Graph()
        graph.parse(path, format="turtle")
        severities = set(graph.objects(None, SH.severity))
        expected = {SH.Warning} if path.name == "recommended.ttl" else {SH.Violation}
        assert severities in (expected, set()), f"{path}: severities {severities}"


def test_shapes_graph_is_valid_shacl() -> None:
    """The shapes graph validated against the SHACL-for-SHACL shapes (pyshacl's meta_shacl)."""
    shapes = load_turtle("shapes")
    conforms, _, text = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


def test_meta_shacl_catches_a_broken_shape() -> None:
    broken = rdflib.Graph()
    broken.add((MSPSH["PartnershipShape-level"], RDF.type, SH.PropertyShape))
    broken.add(
        (MSPSH["PartnershipShape-level"], SH.path, rdflib.URIRef("https://w3id.org/msp/ontology#level"))
    )
    broken.add((MSPSH["PartnershipShape-level"], SH.minCount, rdflib.Literal("one")))
    with pytest.raises(pyshacl.errors.ReportableRuntimeError, match="MetaSHACL"):
        pyshacl.validate(rdflib.Graph(), shacl_graph=broken, meta_shacl=True)


# ---------------------------------------------------------------------------------------------------------
# Lists copied into the shapes: concept schemes and ISO 3166-1 alpha-3
# ---------------------------------------------------------------------------------------------------------

IN_LISTS = {
    "PartnershipVocabularyShape-level": "level",
    "PartnershipVocabularyShape-formality": "formality",
    "PartnershipVocabularyShape-policyArea": "policy-area",
    "PartnershipVocabularyShape-objective": "objective",
    "PartnershipVocabularyShape-modality": "modality",
    "PartnershipVocabularyShape-contribution": "contribution",
    "OrganisationVocabularyShape-stakeholderGroup": "stakeholder-group",
    "MembershipVocabularyShape-role": "role",
    "CountryEngagementShape-engagementRole": "role",
}


@pytest.mark.parametrize("shape_name", sorted(IN_LISTS))
def test_values_are_concepts_of_the_scheme(
    shape_name: str, shapes_graph: rdflib.Graph, ontology_vocab_graph: rdflib.Graph
) -> None:
    """Each vocabulary property shape sends its values to a node shape asking skos:inScheme the scheme (so
    a concept the data adds to the scheme is accepted, issue 17), and the scheme has concepts."""
    scheme = rdflib.URIRef(VOCAB + IN_LISTS[shape_name])
    assert list(ontology_vocab_graph.subjects(SKOS.inScheme, scheme)), f"no concept in scheme {scheme}"
    value_shape = shapes_graph.value(MSPSH[shape_name], SH.node)
    assert value_shape is not None and shapes_graph.value(MSPSH[shape_name], SH["in"]) is None
    checks = {
        (shapes_graph.value(p, SH.path), shapes_graph.value(p, SH.hasValue))
        for p in shapes_graph.objects(value_shape, SH.property)
    }
    assert checks == {(SKOS.inScheme, scheme)}


COUNTRY_SHAPES = ("CountryEngagementShape-country", "OrganisationCountryShape-country")


def country_list_block() -> str:
    """The generated end of shapes/country.ttl: a sh:pattern matching the country-authority IRI of every ISO
    3166-1 alpha-3 code that pycountry knows, on each property shape of msp:country."""
    codes = sorted(c.alpha_3 for c in pycountry.countries)
    pattern = "^" + COUNTRY.replace(".", "\\\\.") + "(" + "|".join(codes) + ")$"
    lines = [
        "# BEGIN GENERATED: ISO 3166-1 alpha-3 codes from pycountry",
        f"# Generated by `python tests/test_shapes.py country-list` (sorted pycountry.countries alpha_3, "
        f"{len(codes)} codes);",
        "# tests/test_shapes.py fails when this block differs from what the installed pycountry gives.",
    ]
    lines += [f'mspsh:{name} sh:pattern "{pattern}" .' for name in COUNTRY_SHAPES]
    return "\n".join([*lines, "# END GENERATED", ""])


def test_country_pattern_is_iso_3166_alpha_3(shapes_graph: rdflib.Graph) -> None:
    codes = {c.alpha_3 for c in pycountry.countries}
    for name in COUNTRY_SHAPES:
        pattern = str(shapes_graph.value(MSPSH[name], SH.pattern))
        listed = re.search(r"\(([A-Z|]+)\)", pattern).group(1).split("|")
        assert set(listed) == codes and len(listed) == len(codes)
        assert re.search(pattern, COUNTRY + "FRA") and not re.search(pattern, COUNTRY + "UK")
        assert not re.search(pattern, COUNTRY + "FRAX") and not re.search(pattern, "https://example.org/FRA")
    text = (SHAPES_DIR / "country.ttl").read_text(encoding="utf-8")
    assert text.endswith(country_list_block()), "regenerate: python tests/test_shapes.py country-list"


if __name__ == "__main__":
    if sys.argv[1:] != ["country-list"]:
        sys.exit("usage: python tests/test_shapes.py country-list")
    sys.stdout.write(country_list_block())
