"""The template and the export as an officer opens them (issues 16 and 17): no help row among the records,
the help in header notes and the ``about`` sheet, drop-down lists from the concept schemes in en/fr/es, and
required/recommended marks read from the bundled shapes."""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import openpyxl
import pandas
import pytest
import rdflib
from cli_runs import one_line_error, run
from conftest import load_turtle, write_csv
from openpyxl.utils.cell import range_boundaries
from rdflib.namespace import RDF, RDFS, SKOS

from msp_graph.cli.sheets import LIST_LANGUAGES
from msp_graph.loading import bundled_data_files, load_ontology
from msp_graph.sheets import LANGUAGES, export_sheets, import_sheets, write_template
from msp_graph.sheets.layout import SHEETS, column_mark, sheet_named
from msp_graph.stores import EmbeddedStore

ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
MSP = rdflib.Namespace("https://w3id.org/msp/ontology#")
VOCAB = "https://w3id.org/msp/vocab/"
DOCS = Path(__file__).parent.parent / "docs" / "spreadsheets.md"


@functools.cache
def _bundled_data() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in bundled_data_files():
        graph.parse(path)
    return graph


# --- the help out of the data rows (issue 16) -------------------------------------------------------


def test_an_export_of_the_bundled_data_reads_as_its_records_in_pandas(tmp_path):
    """pandas (or sqlite-utils) reads each sheet as its records: no description row counted as one."""
    graph = _bundled_data()
    if not len(graph):
        pytest.skip("no bundled data in data/")
    export_sheets(graph, tmp_path / "csv", format="csv")
    export_sheets(graph, tmp_path / "data.xlsx", format="xlsx")
    for name, cls in (("memberships", ORG.Membership), ("partnerships", MSP.Partnership)):
        records = len(set(graph.subjects(RDF.type, cls)))
        assert records > 0
        assert len(pandas.read_csv(tmp_path / "csv" / f"{name}.csv")) == records, name
        assert len(pandas.read_excel(tmp_path / "data.xlsx", sheet_name=name)) == records, name
        sheet = openpyxl.load_workbook(tmp_path / "data.xlsx")[name]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert len(rows) == records and not any(str(row[0] or "").startswith("#") for row in rows)
    assert not (tmp_path / "csv" / "about.csv").exists()


def test_the_help_is_in_header_notes_and_the_about_sheet(tmp_path):
    paths = write_template(tmp_path)
    workbook = openpyxl.load_workbook(paths[0])
    about = {(r[0], r[1]): r[2] for r in workbook["about"].iter_rows(min_row=2, values_only=True) if r[1]}
    for sheet in SHEETS:
        ws = workbook[sheet.name]
        assert ws.max_row == 2, sheet.name  # the header and the example row
        for cell, column in zip(ws[1], sheet.columns, strict=True):
            mark = column_mark(sheet, column)
            assert cell.value == column.name and cell.comment is not None
            assert column.doc in cell.comment.text and f"({mark}; " in cell.comment.text
            assert about[(sheet.name, column.name)] == mark
        rows = list(csv.reader((tmp_path / "msp-template" / f"{sheet.name}.csv").open(encoding="utf-8-sig")))
        assert rows == [[c.name for c in sheet.columns], [c.example for c in sheet.columns]]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_files_with_the_old_description_row_still_import(tmp_path, kind):
    """Officers keep templates from before: the '#' row under the header is a comment, not a record."""
    header = ["id", "name", "stakeholder_groups"]
    old = ["# The record's identifier (optional; an id)", "The name (required; text)", "(required; a code)"]
    row = ["acme", "Acme Union", "workers-organisations"]
    if kind == "csv":
        path = write_csv(tmp_path / "old" / "organisations.csv", header, old, row)
    else:
        workbook = openpyxl.Workbook()
        workbook.active.title = "about"
        workbook.active.append(["sheet", "column", "required"])
        ws = workbook.create_sheet("organisations")
        for values in (header, old, row):
            ws.append(values)
        path = tmp_path / "old.xlsx"
        workbook.save(path)
    result = import_sheets([path], validate=False)
    assert result.counts == {"organisations": 1} and result.warnings == []


# --- drop-down lists (issue 16) -----------------------------------------------------------------------


@functools.cache
def _labels(lang: str) -> dict[str, dict[str, str]]:
    """Per scheme (by its last path segment) and ``output-type``: each label in ``lang`` -> its concept."""
    graph = load_turtle("vocab") + load_turtle("ontology")
    rows = graph.query(
        """SELECT ?scheme ?label ?concept WHERE {
             { ?concept skos:inScheme ?s ; skos:prefLabel ?label . BIND(STR(?s) AS ?scheme) }
             UNION
             { ?concept rdfs:subClassOf* msp:Output ; rdfs:label ?label . BIND("output-type" AS ?scheme) }
             FILTER(LANG(?label) = ?lang) }""",
        initNs={"skos": SKOS, "rdfs": RDFS, "msp": MSP},
        initBindings={"lang": rdflib.Literal(lang)},
    )
    labels: dict[str, dict[str, str]] = {}
    for scheme, label, concept in rows:
        labels.setdefault(str(scheme).rsplit("/", 1)[-1], {})[str(label)] = str(concept)
    return labels


LISTED = ("concept", "coverage", "class")


def _list_of(column) -> str | None:
    """The list a column should offer: its scheme (a scheme of the vocabularies), or the output types."""
    name = "output-type" if column.kind == "class" else column.scheme
    return name if column.kind in LISTED and name in _labels("en") else None


def _drop_down(ws, column_index: int):
    """The list validation covering the column's cells under the header (rows 2 and 10,000), or None."""
    found = []
    for validation in ws.data_validations.dataValidation:
        for cells in validation.sqref.ranges:
            low_col, low_row, high_col, high_row = range_boundaries(cells.coord)
            if low_col <= column_index <= high_col and low_row <= 2 and high_row >= 10_000:
                found.append(validation)
    assert len(found) <= 1
    return found[0] if found else None


def _choices(workbook, formula: str) -> list[str]:
    sheet, cells = formula.split("!")
    low_col, low_row, high_col, high_row = range_boundaries(cells.replace("$", ""))
    assert low_col == high_col
    ws = workbook[sheet]
    return [ws.cell(row, low_col).value for row in range(low_row, high_row + 1)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_coded_columns_offer_the_schemes_labels_in_the_chosen_language(tmp_path, lang):
    write_template(tmp_path, lang=lang)
    workbook = openpyxl.load_workbook(tmp_path / "msp-template.xlsx")
    assert workbook["lists"].sheet_state == "hidden"
    listed = 0
    for sheet in SHEETS:
        ws = workbook[sheet.name]
        for index, column in enumerate(sheet.columns, start=1):
            validation = _drop_down(ws, index)
            name = _list_of(column)
            if column.kind not in LISTED:
                assert validation is None, (sheet.name, column.name)
            if name is None:
                continue
            listed += 1
            assert validation is not None and validation.type == "list", (sheet.name, column.name)
            assert sorted(_choices(workbook, validation.formula1)) == sorted(_labels(lang)[name])
            if column.multi:  # "a; b" must stay possible: the list only suggests
                assert not validation.showErrorMessage
            else:  # a code or another language's label is read too: a warning the officer may overrule
                assert validation.showErrorMessage and validation.errorStyle == "warning"
    assert listed >= 12


def test_an_export_has_the_drop_down_lists_too(tmp_path):
    graph = rdflib.Graph().parse(Path(__file__).parent / "fixtures" / "sheets" / "roundtrip.ttl")
    export_sheets(graph, tmp_path / "x.xlsx", format="xlsx", lang="es")
    workbook = openpyxl.load_workbook(tmp_path / "x.xlsx")
    sheet = sheet_named("partnerships")
    index = [c.name for c in sheet.columns].index("formality") + 1
    validation = _drop_down(workbook["partnerships"], index)
    assert sorted(_choices(workbook, validation.formula1)) == sorted(_labels("es")["formality"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_template_filled_from_its_lists_imports_without_a_warning(tmp_path, lang):
    """The officer picks from the drop-downs (every label of a multi-valued list at once, '; '-separated):
    each label reads back as its concept, and the ``lists`` sheet is no 'unknown sheet'."""
    write_template(tmp_path, lang=lang)
    workbook = openpyxl.load_workbook(tmp_path / "msp-template.xlsx")
    expected = {}
    for sheet in SHEETS:
        for index, column in enumerate(sheet.columns, start=1):
            validation = _drop_down(workbook[sheet.name], index)
            if validation is None or _list_of(column) is None:
                continue
            choices = _choices(workbook, validation.formula1)
            picked = choices if column.multi else choices[-1:]
            workbook[sheet.name].cell(2, index).value = "; ".join(picked)
            concepts = {_labels(lang)[_list_of(column)][label] for label in picked}
            expected[(sheet.name, column.name)] = (column.predicate, concepts)
    workbook.save(tmp_path / "filled.xlsx")
    store = EmbeddedStore()
    result = import_sheets([tmp_path / "filled.xlsx"], store=store, validate=False)
    assert result.warnings == []
    graph = store.to_rdflib(result.graphs, union=True)
    for (sheet, column), (predicate, concepts) in expected.items():
        found = {str(o) for o in graph.objects(None, predicate)}
        assert concepts <= found if predicate == RDF.type else concepts == found, (sheet, column)


def test_template_command_chooses_the_language_of_the_lists(tmp_path):
    assert LIST_LANGUAGES == LANGUAGES
    assert run("template", "-o", tmp_path, "--lang", "fr").exit_code == 0
    workbook = openpyxl.load_workbook(tmp_path / "msp-template.xlsx")
    index = [c.name for c in sheet_named("memberships").columns].index("roles") + 1
    validation = _drop_down(workbook["memberships"], index)
    assert "Coprésident" in _choices(workbook, validation.formula1)
    bad = run("template", "-o", tmp_path / "de", "--lang", "de")
    one_line_error(bad, "'de'", "en, fr, es")
    assert not (tmp_path / "de" / "msp-template.xlsx").exists()


# --- marks from the shapes (issue 17) -----------------------------------------------------------------

NEEDS = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT DISTINCT ?kind ?target ?path ?severity WHERE {
  { ?shape sh:targetClass ?target . BIND("class" AS ?kind) }
  UNION { ?shape sh:targetObjectsOf ?target . BIND("objects" AS ?kind) }
  ?shape sh:property? ?property .
  ?property sh:path ?path ; sh:minCount ?least .
  FILTER(isIRI(?path) && ?least >= 1)
  FILTER NOT EXISTS { ?shape sh:deactivated true }
  FILTER NOT EXISTS { ?property sh:deactivated true }
  OPTIONAL { ?property sh:severity ?given }
  BIND(COALESCE(?given, sh:Violation) AS ?severity)
}"""


def _shape_marks() -> dict[tuple[str, str], str]:
    """What the shapes alone ask of each (sheet, column), read with SPARQL: 'required', 'recommended' or
    'optional' (the import's own needs left aside)."""
    shapes, ontology = load_turtle("shapes"), load_turtle("ontology")
    needs = {}
    for kind, target, path, severity in shapes.query(NEEDS):
        needs.setdefault((str(kind), target, path), set()).add(severity.fragment)
    marks = {}
    for sheet in SHEETS:
        cls = sheet.rdf_type or MSP.Output
        supers = {row[0] for row in ontology.query(f"SELECT ?c WHERE {{ <{cls}> <{RDFS.subClassOf}>* ?c }}")}
        targets = [("class", c) for c in supers]
        targets += [("objects", c.predicate) for s in SHEETS for c in s.columns if c.ref == sheet.name]
        for column in sheet.columns:
            found = set()
            if column.predicate is not None and column.kind != "end":  # a period's need is on its start
                for kind, target in targets:
                    found |= needs.get((kind, target, column.predicate), set())
            marks[(sheet.name, column.name)] = (
                "required" if "Violation" in found else "recommended" if found else "optional"
            )
    return marks


def test_the_marks_say_what_the_shapes_and_the_import_need():
    shapes = _shape_marks()
    for sheet in SHEETS:
        for column in sheet.columns:
            expected = "required" if column.required else shapes[(sheet.name, column.name)]
            assert column_mark(sheet, column) == expected, (sheet.name, column.name)
    partnerships = sheet_named("partnerships")
    for name in ("formality", "policy_areas", "levels"):  # violations when missing, the import reads rows
        assert column_mark(partnerships, partnerships.column(name)) == "required", name
        assert not partnerships.column(name).required
    assert column_mark(partnerships, partnerships.column("objectives")) == "recommended"
    engagements = sheet_named("country-engagements")
    assert column_mark(engagements, engagements.column("roles")) == "required"


def test_a_row_without_a_column_the_shapes_require_still_imports_and_validation_reports_it(tmp_path):
    """The mark is no import error: a partnership without formality or policy area is read, and the
    shapes report it when the import validates."""
    path = write_csv(tmp_path / "p" / "partnerships.csv", ["id", "name", "levels"], ["x", "X", "global"])
    store = EmbeddedStore()
    load_ontology(store)
    result = import_sheets([path.parent], store=store)
    assert result.counts == {"partnerships": 1}
    paths = {str(r.path) for r in result.report.results if r.severity == "violation"}
    assert {"msp:formality", "msp:policyArea"} <= paths


def test_the_docs_tables_show_the_marks():
    text = DOCS.read_text(encoding="utf-8")
    for sheet in SHEETS:
        if f"### `{sheet.name}`" not in text:  # test_spreadsheet.py fails on an undocumented sheet
            continue
        section = text.split(f"### `{sheet.name}`", 1)[1].split("\n### ", 1)[0]
        for column in sheet.columns:
            row = re.search(rf"^\| `{re.escape(column.name)}` \| ([a-z]+) \|", section, re.MULTILINE)
            assert row is not None and row[1] == column_mark(sheet, column), (sheet.name, column.name)
