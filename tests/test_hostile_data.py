"""Hostile but parseable data: ill-typed literals are data problems (one check, both reasoners), RDF exports
keep every character or refuse what the format cannot hold, and reasoning and validation end cleanly on
cycles, many members, big literals and long IRIs (issue 14)."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from test_rules import assert_paths_agree, assert_same_as_owlrl

from msp_graph.errors import MspGraphError
from msp_graph.export import EXPORT_FORMATS, export
from msp_graph.loading import load_ontology, open_store
from msp_graph.reasoning import reason
from msp_graph.reasoning import reference as owlrl_engine
from msp_graph.reasoning import rules as rules_engine
from msp_graph.reasoning.reference import closure
from msp_graph.validation import check, validate

XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/"
MEMBERSHIP = "https://w3id.org/msp/id/membership/gan--tisk--member"
PREFIXES = """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def _cli(*args: object, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """``msp-graph ARGS`` in a fresh process (logging and warnings as a user gets them)."""
    command = [sys.executable, "-m", "msp_graph.cli", *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _store(turtle: str, *, ontology: bool = False):
    store = open_store()
    if ontology:
        load_ontology(store)
    store.load((PREFIXES + turtle).encode(), graph="https://w3id.org/msp/id/graph/source/test", format="ttl")
    return store


# --- ill-typed literals -------------------------------------------------------------------------------------

# (datatype, ill-typed lexical forms, well-typed ones): each ill-typed one is reported, no well-typed one.
LEXICAL = [
    ("date", ["2020-13-45", "2019-02-29", "20-01-01"],
     ["2020-05-31", "2020-02-29", "-0044-03-15", "1999-12-31Z"]),
    ("integer", ["abc", "1.0", " 12", ""], ["12", "+3", "-0", "99999999999999999999999"]),
    ("boolean", ["maybe", "TRUE", "yes"], ["true", "false", "1", "0"]),
    ("decimal", ["abc", "1e5", "1,5", "."], ["1.5", "-.5", "2.", "0.1234567890123456789012345678901"]),
    ("dateTime", ["2020-01-01T25:00:00", "2020-01-01", "2020-01-01T10:00:00+15:00"],
     ["2020-01-01T10:00:00", "2020-12-31T24:00:00", "2020-01-01T10:00:00.5-14:00"]),
    ("gYear", ["abc", "99", "2020-"], ["2020", "20200", "-0044", "2020Z", "0000"]),
]  # fmt: skip


def _lexical_data() -> tuple[str, set[tuple[str, str, str]]]:
    """Turtle with each form of ``LEXICAL`` on its own subject, and the triples holding the ill-typed ones."""
    lines, bad = [], set()
    for kind, ill, well in LEXICAL:
        for i, text in enumerate(ill + well):
            subject, literal = f"{EX}{kind}-{i}", ox.Literal(text, datatype=ox.NamedNode(XSD + kind))
            lines.append(f"<{subject}> ex:value {literal} .")
            if i < len(ill):
                bad.add((subject, EX + "value", str(literal)))
    return "\n".join(lines) + "\n", bad


def test_both_reasoners_report_each_ill_typed_literal_as_dt_not_type_naming_its_triple() -> None:
    data, bad = _lexical_data()
    by_rules = rules_engine.materialise(_store(data)).inconsistencies
    by_owlrl = owlrl_engine.materialise(_store(data)).inconsistencies
    assert {i.rule for i in by_rules} == {"dt-not-type"}
    assert {t for i in by_rules for t in i.triples} == bad
    assert {(i.rule, i.message, i.triples) for i in by_rules} == {
        (i.rule, i.message, i.triples) for i in by_owlrl
    }
    assert all(len(i.triples) == 1 and i.triples[0][1] in i.message for i in by_rules)


def test_well_typed_literals_are_consistent_for_both_reasoners() -> None:
    data = "".join(
        f'ex:s{i} ex:value "{text}"^^xsd:{kind} .\n'
        for i, (kind, _, well) in enumerate(LEXICAL)
        for text in well
    )
    assert rules_engine.materialise(_store(data)).consistent
    assert owlrl_engine.materialise(_store(data)).consistent


def test_closure_of_an_rdflib_graph_names_the_ill_typed_triple() -> None:
    graph = rdflib.Graph().parse(data=PREFIXES + 'ex:a ex:when "2020-13-45"^^xsd:date .', format="turtle")
    _, problems = closure(graph)
    assert [(i.rule, i.triples) for i in problems] == [
        ("dt-not-type", ((EX + "a", EX + "when", f'"2020-13-45"^^<{XSD}date>'),))
    ]


def test_ill_typed_literals_make_rdflib_log_and_warn_nothing(caplog) -> None:
    data, _ = _lexical_data()
    data += 'ex:i time:hasBeginning ex:t . ex:t time:inXSDDate "2020-13-45"^^xsd:date .\n'
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("error")
        # rdflib < 7.6 calls pyparsing names deprecated in pyparsing 3.3, once, on import
        warnings.filterwarnings(
            "ignore", category=DeprecationWarning, module=r"rdflib\.plugins\.sparql\.parser"
        )
        store = _store(data, ontology=True)
        report = check(store, reasoner="owlrl")
        validate(store, engine="pyshacl")
        validate(store)
    assert not [r for r in caplog.records if r.name.startswith("rdflib")]
    assert any(r.source_shape.endswith("InstantShape-inXSDDate") for r in report.results)
    assert {i.rule for i in report.inconsistencies} == {"dt-not-type"}


def test_validate_reports_an_ill_typed_date_as_a_data_problem_without_a_traceback(tmp_path) -> None:
    (tmp_path / "bad.ttl").write_text(
        PREFIXES + f'<{MEMBERSHIP}> msp:startDate "2020-13-45"^^xsd:date .\n'
        "<https://w3id.org/msp/id/interval/membership-gan--tisk--member> time:hasBeginning ex:start .\n"
        'ex:start time:inXSDDate "2020-13-45"^^xsd:date .\n',
        encoding="utf-8",
    )
    done = _cli("validate", "bad.ttl", "--with-bundled", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Failed to convert" not in done.stderr
    dt_lines = [line for line in done.stdout.splitlines() if "dt-not-type" in line]
    assert len(dt_lines) == 2 and any(MEMBERSHIP in line and "startDate" in line for line in dt_lines)
    assert "time:inXSDDate needs an xsd:date" in done.stdout


def test_reason_json_names_the_ill_typed_triple(tmp_path) -> None:
    (tmp_path / "bad.ttl").write_text(PREFIXES + 'ex:a ex:n "abc"^^xsd:integer .\n', encoding="utf-8")
    done = _cli("reason", "bad.ttl", "-f", "json", cwd=tmp_path)
    assert done.returncode == 1 and not done.stderr.strip(), done.stderr
    assert f'"{EX}a"' in done.stdout and '"dt-not-type"' in done.stdout


# --- RDF exports: every character kept, or refused ----------------------------------------------------------

HARD_TEXT = [
    "carriage\rreturn",
    "windows\r\nline",
    "unix\nline",
    "tab\there",
    "trailing cr\r",
    "quotes \" and '",
    "back\\slash \\n \\u0041",
    "non-BMP \U0001f600 \U00010348",
    "markup & < > ]]> &amp;",
    "C1 \x85 and DEL \x7f",
]
RDFLIB_FORMATS = {"turtle": "turtle", "nt": "nt", "rdfxml": "xml", "trig": "trig", "nquads": "nquads",
                  "jsonld": "json-ld"}  # fmt: skip


def _hard_store():
    store = open_store()
    quads = []
    for i, text in enumerate(HARD_TEXT):
        s, g = ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "graph")
        quads += [
            ox.Quad(s, ox.NamedNode(EX + "plain"), ox.Literal(text), g),
            ox.Quad(s, ox.NamedNode(EX + "tagged"), ox.Literal(text, language="en"), g),
            ox.Quad(s, ox.NamedNode(EX + "typed"), ox.Literal(text, datatype=ox.NamedNode(EX + "type")), g),
        ]
    store.load(ox.serialize(quads, format=ox.RdfFormat.N_QUADS), graph=EX + "graph", format="nq")
    return store


def _literals(terms) -> set[tuple[str, str, str, str]]:
    """(subject, predicate, text, language or datatype) of each literal statement."""
    out = set()
    for s, p, o in terms:
        if isinstance(o, ox.Literal):
            out.add((s.value, p.value, o.value, o.language or o.datatype.value))
        elif isinstance(o, rdflib.Literal):
            out.add((str(s), str(p), str(o), o.language or str(o.datatype or XSD + "string")))
    return out


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_character_survives_an_export_and_a_reload_in_every_format(fmt: str) -> None:
    store = _hard_store()
    expected = _literals(q.triple for q in ox.parse(store.dump(format="nt"), format=ox.RdfFormat.N_TRIPLES))
    assert len(expected) == 3 * len(HARD_TEXT)
    data = export(store, format=fmt, include_ontology=False)
    back = open_store()
    back.load(data, graph=EX + "back", format=fmt)
    reloaded = ox.parse(back.dump(format="nt"), format=ox.RdfFormat.N_TRIPLES)
    assert _literals(q.triple for q in reloaded) == expected  # msp-graph's own reader (Oxigraph)
    parsed = rdflib.Dataset()
    parsed.parse(data=data, format=RDFLIB_FORMATS[fmt])  # another reader: a conforming XML parser for RDF/XML
    assert _literals((s, p, o) for s, p, o, _ in parsed.quads()) == expected


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f", "\ufffe", "\uffff"], ids=ascii
)
def test_rdfxml_refuses_a_character_xml_cannot_hold_naming_subject_and_predicate(char: str) -> None:
    store = open_store()
    quad = ox.Quad(ox.NamedNode(EX + "thing"), ox.NamedNode(EX + "note"), ox.Literal(f"a{char}b"))
    store.load(ox.serialize([quad], format=ox.RdfFormat.N_QUADS), graph=EX + "g", format="nq")
    with pytest.raises(MspGraphError) as raised:
        export(store, format="rdfxml")
    message = str(raised.value)
    assert f"<{EX}thing> <{EX}note>" in message and f"U+{ord(char):04X}" in message and "\n" not in message
    for fmt in ("turtle", "nt", "trig", "nquads", "jsonld"):  # the formats the message suggests hold it
        back = open_store()
        back.load(export(store, format=fmt), graph=EX + "back", format=fmt)
        assert f"a{char}b" in {o.value for o in _objects(back)}


def _objects(store) -> list:
    return [q.object for q in ox.parse(store.dump(format="nt"), format=ox.RdfFormat.N_TRIPLES)]


def test_rdfxml_refuses_a_predicate_it_cannot_name() -> None:
    store = open_store()
    store.load(f'<{EX}thing> <{EX}123> "x" .'.encode(), graph=EX + "g", format="nt")
    with pytest.raises(MspGraphError, match=f"<{EX}thing> <{EX}123>: RDF/XML cannot name this predicate"):
        export(store, format="rdfxml")


def test_export_refusing_rdfxml_is_one_line_exit_2_and_writes_nothing(tmp_path) -> None:
    (tmp_path / "nul.nt").write_text(f'<{EX}thing> <{EX}note> "a\\u0000b" .\n', encoding="utf-8")
    done = _cli("export", "nul.nt", "-f", "rdfxml", "-o", "out.rdf", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("msp-graph: error: export -f rdfxml: ") and done.stderr.count("\n") == 1
    assert "U+0000" in done.stderr and not (tmp_path / "out.rdf").exists()


# --- reasoning and validation on hostile data ---------------------------------------------------------------


def _hostile(kind: str) -> str:
    if kind == "subclass cycle":
        chain = "".join(f"ex:C{i} rdfs:subClassOf ex:C{(i + 1) % 50} .\n" for i in range(50))
        return chain + "ex:x a ex:C7 . ex:C3 owl:equivalentClass msp:Partnership .\n"
    if kind == "sameAs cycle":  # 60 nodes equal to a partnership: 250 s of reasoning before, 6 s now
        ring = "".join(f"ex:n{i} owl:sameAs ex:n{(i + 1) % 60} .\n" for i in range(60))
        return ring + "<https://w3id.org/msp/id/partnership/gan> owl:sameAs ex:n0 .\n"
    if kind == "many members":
        return "".join(
            f"ex:m{i} a org:Membership ; org:organization <https://w3id.org/msp/id/partnership/gan> ; "
            f"org:member ex:o{i} . ex:o{i} rdfs:label 'O{i}' .\n"
            for i in range(2000)
        )
    if kind == "big literal":
        return f'<https://w3id.org/msp/id/partnership/gan> rdfs:comment "{"x" * (10 * 1024 * 1024)}" .\n'
    iri = "https://w3id.org/msp/id/organisation/" + "o" * (100 * 1024)
    return (
        f"ex:m a org:Membership ; org:organization <https://w3id.org/msp/id/partnership/gan> ; "
        f"org:member <{iri}> .\n"
        f'<{iri}> rdfs:label "long" ; msp:startDate "2020-13-45"^^xsd:date .\n'
    )


@pytest.mark.parametrize(
    "kind", ["subclass cycle", "sameAs cycle", "many members", "big literal", "long IRIs"]
)
def test_reason_and_validate_end_cleanly_on_hostile_data(kind: str, tmp_path) -> None:
    (tmp_path / "hostile.ttl").write_text(PREFIXES + _hostile(kind), encoding="utf-8")
    for command in (["reason", "hostile.ttl"], ["validate", "hostile.ttl", "--with-bundled", "-f", "json"]):
        done = _cli(*command, cwd=tmp_path)
        assert done.returncode in (0, 1), done.stderr
        assert "Traceback" not in done.stderr and "Failed to convert" not in done.stderr


RING = """
    ex:a owl:sameAs ex:b . ex:b owl:sameAs ex:c . ex:c owl:sameAs ex:d . ex:d owl:sameAs ex:a .
    ex:e owl:sameAs ex:f . ex:f owl:sameAs ex:b .
    ex:a ex:knows ex:z ; a ex:Person . ex:c ex:name "C" . ex:y ex:likes ex:d , ex:e . ex:x ex:d ex:w .
    ex:z owl:sameAs ex:z2 . ex:knows rdfs:domain ex:Agent . ex:Person rdfs:subClassOf ex:Agent ."""


def test_equality_through_representatives_gives_owlrls_entailments() -> None:
    store = open_store()
    store.load((PREFIXES + RING).encode(), graph="https://w3id.org/msp/id/graph/source/ring", format="ttl")
    assert_same_as_owlrl(store)
    assert_paths_agree(lambda: _store(RING))


def test_owlrl_reasons_over_cycles_and_long_iris() -> None:
    for kind in ("subclass cycle", "sameAs cycle", "long IRIs"):
        result = reason(_store(_hostile(kind)), engine="owlrl")
        assert result.consistent == (kind != "long IRIs")


HUGE = [
    "sh:minCount 99999999999999999999999",
    "sh:maxCount 99999999999999999999999",
    "sh:qualifiedValueShape [ sh:datatype xsd:integer ] ; sh:qualifiedMinCount 99999999999999999999999",
    "sh:minLength 99999999999999999999999",
    "sh:maxLength 99999999999999999999999",
    "sh:maxInclusive 99999999999999999999999",
    "sh:minExclusive -99999999999999999999999",
    "sh:minExclusive -9999999999999999999999.5",
    "sh:maxInclusive 1.00000000000000000000001",
]


@pytest.mark.parametrize("constraint", HUGE)
def test_numbers_beyond_64_bits_in_shapes_give_pyshacls_report(constraint: str, tmp_path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        PREFIXES + "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        f"ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:property [ sh:path ex:p ; {constraint} ] .\n",
        encoding="utf-8",
    )
    store = _store('ex:x ex:p 5, -7, 1.5, "abc" .\n')
    found = {
        engine: {
            (r.focus_node, r.value, r.constraint_component)
            for r in validate(store, shapes=[shapes], engine=engine).results
        }
        for engine in ("sparql", "pyshacl")
    }
    assert found["sparql"] == found["pyshacl"]
