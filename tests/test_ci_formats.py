"""The validation report for CI (issue 16): JUnit XML checked against the Jenkins JUnit schema, SARIF 2.1.0
against the OASIS schema (both vendored in tests/fixtures/schemas, see its README), GitHub Actions workflow
commands (shape and escaping), the line of a focus node in its source file, ``-o`` extensions,
reproducible bytes, and the pre-commit hook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from lxml import etree
from typer.testing import CliRunner

from msp_graph.cli import app
from msp_graph.loading import load_bundled, load_files, load_ontology
from msp_graph.reasoning import Inconsistency
from msp_graph.stores import EmbeddedStore
from msp_graph.validation import ValidationReport, ValidationResult, check
from msp_graph.validation.ci_formats import escape_data, escape_property, location
from msp_graph.validation.origin import subject_lines

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "schemas"
ID = "https://w3id.org/msp/id/"
HEAD = (
    "@prefix msp: <https://w3id.org/msp/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
)
LONELY = HEAD + (
    f"\n# a partnership with no members\n<{ID}partnership/lonely> a msp:Partnership ;\n"
    '  rdfs:label "Lonely"@en .\n'
)


@pytest.fixture(scope="module")
def bundled() -> ValidationReport:
    store = EmbeddedStore()
    load_bundled(store)
    return check(store)


def _result(**given) -> ValidationResult:
    fields = dict(
        focus_node=f"{ID}partnership/x",
        focus_label="X, Y: 100%",
        path="msp:policyArea",
        value=None,
        severity="violation",
        constraint_component="http://www.w3.org/ns/shacl#MinCountConstraintComponent",
        source_shape="https://w3id.org/msp/shapes#PartnershipShape-policyArea",
        message="no policy area\nrecorded",
        source="data/a,b:c.ttl",
        line=7,
    )
    return ValidationResult(**(fields | given))


# --- JUnit ------------------------------------------------------------------------------------------------


def test_junit_is_valid_jenkins_junit_xml_with_a_failure_per_violation(bundled):
    text = bundled.render("junit")
    document = etree.fromstring(text.encode("utf-8"))
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))
    assert schema.validate(document), schema.error_log
    suites = document.findall("testsuite")
    assert [s.get("name") for s in suites] == sorted(bundled.partnerships.values(), key=str.lower)
    assert len(document.findall(".//failure")) == bundled.count("violation")
    failing = {s.get("name") for s in suites if int(s.get("failures"))}
    violated = {r.partnership_label for r in bundled.results if r.severity == "violation"}
    assert failing == violated
    # a test case with warnings only passes: its warnings are its output
    warned = [c for c in document.iter("testcase") if c.find("system-out") is not None]
    assert warned and any(c.find("failure") is None for c in warned)
    assert "at: partnerships/alliance-8-7.ttl:" in text
    assert int(document.get("tests")) == sum(int(s.get("tests")) for s in suites)


def test_junit_escapes_what_xml_cannot_hold():
    report = ValidationReport(
        conforms=False,
        results=[_result(message="bad \x01 value <&>", partnership=None)],
        partnerships={},
        inconsistencies=[Inconsistency(rule="cax-dw", message="disjoint \x02 classes", triples=[])],
    )
    document = etree.fromstring(report.render("junit").encode("utf-8"))
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))
    assert schema.validate(document), schema.error_log
    assert [s.get("name") for s in document.findall("testsuite")] == [
        "Other resources",
        "OWL 2 RL consistency",
    ]
    assert document.find(".//failure").get("message") == "bad \\x01 value <&>"


# --- SARIF ------------------------------------------------------------------------------------------------


def _valid_sarif(text: str) -> dict:
    """The SARIF log ``text``, checked against the OASIS SARIF 2.1.0 schema."""
    log = json.loads(text)
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(log)
    return log


def test_sarif_is_valid_sarif_2_1_0_with_rules_levels_and_locations(bundled):
    log = _valid_sarif(bundled.render("sarif"))
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "msp-graph"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    assert len(run["results"]) == len(bundled.results)
    levels = {"violation": "error", "warning": "warning", "info": "note"}
    for result, source in zip(run["results"], bundled.results, strict=True):
        assert result["level"] == levels[source.severity]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        where = result["locations"][0]
        assert where["logicalLocations"][0]["fullyQualifiedName"] == source.focus_node
        assert where["physicalLocation"]["artifactLocation"]["uri"] == source.source.split("; ")[0]
        assert where["physicalLocation"]["region"]["startLine"] == source.line > 0


def test_sarif_rules_are_named_and_described_by_their_shapes(bundled):
    """A rule shows the shape's English ``sh:name`` and ``sh:description`` (read here from the shapes)."""
    import rdflib
    from rdflib.namespace import SH

    shapes = rdflib.Graph()
    for path in sorted((Path(__file__).parent.parent / "shapes").glob("*.ttl")):
        shapes.parse(path)
    rules = _valid_sarif(bundled.render("sarif"))["runs"][0]["tool"]["driver"]["rules"]
    assert rules
    for rule in rules:
        shape = rdflib.URIRef(rule["properties"]["shape"])
        (name,) = [o for o in shapes.objects(shape, SH.name) if o.language == "en"]
        (description,) = [o for o in shapes.objects(shape, SH.description) if o.language == "en"]
        assert rule["name"] == str(name)
        assert rule["shortDescription"]["text"] == str(description)


def test_sarif_of_results_without_a_file_and_inconsistencies_is_valid():
    report = ValidationReport(
        conforms=False,
        results=[_result(source="https://example.org/graph", line=None, severity="info")],
        partnerships={},
        inconsistencies=[Inconsistency(rule="cax-dw", message="disjoint classes", triples=[])],
    )
    log = _valid_sarif(report.render("sarif"))
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == [
        "PartnershipShape-policyArea/MinCount",
        "owl-rl/cax-dw",
    ]
    first, owl = log["runs"][0]["results"]
    assert "physicalLocation" not in first["locations"][0] and first["level"] == "note"
    assert owl["ruleId"] == "owl-rl/cax-dw" and owl["level"] == "error"


# --- GitHub Actions ---------------------------------------------------------------------------------------


def test_github_escapes_data_and_properties_as_the_runner_reads_them():
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


def test_github_one_command_per_result_with_file_line_and_title():
    report = ValidationReport(
        conforms=False,
        results=[_result(), _result(severity="warning", line=None, row=3, sheet="partnerships"), _result(
            severity="info", source=f"{ID}graph/source/x", line=None)],
        partnerships={},
    )  # fmt: skip
    lines = report.render("github").splitlines()
    assert lines[0] == (
        "::error file=data/a%2Cb%3Ac.ttl,line=7,title=violation%3A PartnershipShape-policyArea/MinCount"
        "::X, Y: 100%25: no policy area%0Arecorded"
    )
    assert lines[1].startswith("::warning file=data/a%2Cb%3Ac.ttl,line=3,title=warning%3A ")
    assert lines[2].startswith("::notice title=info%3A PartnershipShape-policyArea/MinCount::")
    assert lines[3] == report.summary() and len(lines) == 4


def test_location_is_the_first_file_and_the_row_of_a_spreadsheet():
    assert location(_result(source="b.ttl; c.ttl")) == ("b.ttl", 7)
    assert location(_result(source="sheets/book.xlsx", line=None, sheet="partnerships", row=5)) == (
        "sheets/book.xlsx",
        5,
    )
    assert location(_result(source="stdin")) == (None, None)
    assert location(_result(source=None)) == (None, None)


# --- the line of a focus node ----------------------------------------------------------------------------


def test_subject_lines_finds_statements_not_objects(tmp_path):
    path = tmp_path / "a.ttl"
    path.write_text(
        "@prefix ex: <http://ex.org/> .\n"
        "PREFIX p: <http://ex.org/p/>\n"
        "# ex:c ex:p 1 .\n"
        "ex:a ex:p\n"
        "    ex:b ,  # ex:b is an object here\n"
        "    p:c .\n"
        "<http://ex.org/b> ex:p 1 .\n"
        "p:c\\.d ex:p 2 .  # escaped local name\n"
        "ex:a ex:q 3 .\n",
        encoding="utf-8",
    )
    wanted = {"http://ex.org/a", "http://ex.org/b", "http://ex.org/p/c.d", "http://ex.org/p/c", "urn:none"}
    assert subject_lines(path, wanted) == {
        "http://ex.org/a": 4,
        "http://ex.org/b": 7,
        "http://ex.org/p/c.d": 8,
    }
    nt = tmp_path / "a.nt"  # every line a statement; runs of one subject; no line end at the end
    nt.write_text(
        "<http://ex.org/x> <http://ex.org/p> <http://ex.org/a> .\n"
        "# <http://ex.org/b> <http://ex.org/p> 0 .\n"
        "<http://ex.org/a> <http://ex.org/p> 1 .\n<http://ex.org/a> <http://ex.org/p> 2 .\n"
        "<http://ex.org/b> <http://ex.org/p> 3 .",
        encoding="utf-8",
    )
    assert subject_lines(nt, {"http://ex.org/a", "http://ex.org/b"}) == {
        "http://ex.org/a": 3,
        "http://ex.org/b": 5,
    }


def test_results_name_the_line_only_while_the_file_is_the_one_loaded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    data = tmp_path / "data" / "mine.ttl"
    data.write_text(LONELY, encoding="utf-8")
    store = EmbeddedStore()
    load_ontology(store)
    load_files(store, [data])
    lonely = [r for r in check(store).results if r.focus_node == f"{ID}partnership/lonely"]
    assert lonely and {(r.source, r.line) for r in lonely} == {("data/mine.ttl", 5)}
    data.write_text("\n" + LONELY, encoding="utf-8")  # changed since it was loaded: no line
    assert {r.line for r in check(store).results if r.focus_node == f"{ID}partnership/lonely"} == {None}


def test_lines_are_looked_up_only_when_asked(tmp_path, monkeypatch):
    """The text report shows no line: the command asks for none, and no source file is read for it."""
    import msp_graph.validation.origin as origin

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    data = tmp_path / "data" / "mine.ttl"
    data.write_text(LONELY, encoding="utf-8")
    store = EmbeddedStore()
    load_ontology(store)
    load_files(store, [data])
    read: list = []
    monkeypatch.setattr(origin, "subject_lines", lambda path, iris: read.append(path) or {})
    plain = [r for r in check(store, lines=False).results if r.focus_node == f"{ID}partnership/lonely"]
    assert plain and {(r.source, r.line) for r in plain} == {("data/mine.ttl", None)}
    assert read == []
    check(store)
    assert read


# --- the command ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "format"), [("report.xml", "junit"), ("report.sarif", "sarif")])
def test_output_extension_names_the_format_and_bytes_are_reproducible(tmp_path, monkeypatch, name, format):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.ttl").write_text(LONELY, encoding="utf-8")
    runner = CliRunner()
    by_extension = runner.invoke(app, ["validate", "mine.ttl", "-q", "-o", name])
    assert by_extension.exit_code == 1, by_extension.output
    first = (tmp_path / name).read_bytes()
    named = runner.invoke(app, ["validate", "mine.ttl", "-q", "-f", format])
    assert named.exit_code == 1 and named.stdout_bytes == first
    assert str(tmp_path).encode() not in first and b"mine.ttl" in first


def test_github_format_exit_codes_are_unchanged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.ttl").write_text(LONELY, encoding="utf-8")
    (tmp_path / "empty.ttl").write_text(HEAD, encoding="utf-8")
    runner = CliRunner()
    bad = runner.invoke(app, ["validate", "mine.ttl", "-q", "-f", "github"])
    assert bad.exit_code == 1 and "::error file=mine.ttl,line=5,title=violation%3A " in bad.stdout
    again = runner.invoke(app, ["validate", "mine.ttl", "-q", "-f", "github"])
    assert again.stdout_bytes == bad.stdout_bytes
    good = runner.invoke(app, ["validate", "empty.ttl", "-q", "-f", "github"])
    assert good.exit_code == 0 and "::error" not in good.stdout


# --- pre-commit -------------------------------------------------------------------------------------------


def test_pre_commit_hook_validates_the_files_it_is_given(tmp_path):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "msp-graph-validate" and hook["language"] == "python" and hook["pass_filenames"]
    assert hook["files"] == r"\.(ttl|nt|nq|trig|jsonld)$"
    program, *words = hook["entry"].split()
    assert program == "msp-graph" and words == ["validate"]
    command = [str(Path(sys.executable).parent / program), *words, *hook["args"]]
    (tmp_path / "mine.ttl").write_text(LONELY, encoding="utf-8")
    (tmp_path / "empty.ttl").write_text(HEAD, encoding="utf-8")
    (tmp_path / "other.nt").write_text("", encoding="utf-8")

    def run(*files: str) -> int:
        return subprocess.run([*command, *files], cwd=tmp_path, capture_output=True, timeout=120).returncode

    assert run("empty.ttl", "other.nt") == 0
    assert run("empty.ttl", "mine.ttl") == 1


def test_format_against_the_output_extension_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.ttl").write_text(LONELY, encoding="utf-8")
    done = CliRunner().invoke(app, ["validate", "mine.ttl", "-q", "-f", "junit", "-o", "report.sarif"])
    assert done.exit_code == 2 and "its extension means sarif" in done.stderr
    assert not (tmp_path / "report.sarif").exists()


def test_blank_nodes_are_named_the_same_in_every_run(tmp_path, monkeypatch):
    """A blank node's name changes from run to run: the CI formats never write it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shapes.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://ex.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .\n",
        encoding="utf-8",
    )
    (tmp_path / "data.ttl").write_text(
        "@prefix ex: <http://ex.org/> .\nex:a a ex:C .\n[] a ex:C ; ex:q [ a ex:C ] .\n", encoding="utf-8"
    )
    command = ["validate", "data.ttl", "--shapes", "shapes.ttl", "-q", "-f"]
    runner = CliRunner()
    for format in ("junit", "sarif", "github"):
        first, second = (runner.invoke(app, [*command, format]) for _ in range(2))
        assert first.exit_code == 1 and first.stdout_bytes == second.stdout_bytes, format
        assert "a blank node" in first.stdout and "_:" not in first.stdout, format
    assert "::error file=data.ttl,line=2,title=violation%3A anonymous[" in first.stdout
    _valid_sarif(runner.invoke(app, [*command, "sarif"]).stdout)
