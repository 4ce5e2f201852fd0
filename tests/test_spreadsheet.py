"""Spreadsheets: template, import (every kind of bad input), export, round trip, the officer's story."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest
import rdflib
from conftest import write_csv
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from msp_graph.cli import app
from msp_graph.loading import bundled_data_files, load_bundled, load_ontology
from msp_graph.sheets import (
    SheetImportError,
    export_sheets,
    import_sheets,
    strip_import_provenance,
    write_template,
)
from msp_graph.sheets.tables import escape, unescape
from msp_graph.stores import EmbeddedStore

FIXTURES = Path(__file__).parent / "fixtures" / "sheets"
ID = "https://w3id.org/msp/id/"
MSP = rdflib.Namespace("https://w3id.org/msp/ontology#")
GROUP = "https://w3id.org/msp/vocab/stakeholder-group/"


def _errors(paths, store=None) -> list[str]:
    with pytest.raises(SheetImportError) as caught:
        import_sheets([str(p) for p in paths], store=store, validate=False)
    return [str(p) for p in caught.value.problems if p.severity == "error"]


def _data(store: EmbeddedStore) -> rdflib.Graph:
    return strip_import_provenance(
        store.to_rdflib([g for g in store.graphs() if "/source/" in g], union=True)
    )


ORG_HEADER = ["id", "name", "stakeholder_groups"]
SOURCE = "https://www.ilo.org/example-page"
PARTNERSHIP_HEADER = ["id", "name", "levels"]


# --- template -------------------------------------------------------------------------------------


def test_template_has_every_sheet_and_imports_cleanly(tmp_path):
    paths = write_template(tmp_path)
    assert paths[0].name == "msp-template.xlsx"
    names = openpyxl.load_workbook(paths[0]).sheetnames
    assert names[0] == "about" and "memberships" in names and "country-engagements" in names
    for path in paths[1:]:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
        assert len(rows) == 2 and len(rows[1]) == len(rows[0])  # the header and the example row
    for source in (paths[0], paths[1].parent):
        store = EmbeddedStore()
        result = import_sheets([source], store=store, validate=False)
        assert result.counts["partnerships"] == 1 and result.warnings == []
        g = _data(store)
        alliance = rdflib.URIRef(ID + "partnership/example-alliance")
        assert (
            alliance,
            MSP.policyArea,
            rdflib.URIRef("https://w3id.org/msp/vocab/policy-area/employment"),
        ) in g


def test_template_command(tmp_path):
    result = CliRunner().invoke(app, ["template", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "msp-template.xlsx").is_file() and (
        tmp_path / "msp-template" / "memberships.csv"
    ).is_file()


# --- round trip -----------------------------------------------------------------------------------


def _round_trip(graph: rdflib.Graph, tmp_path: Path, name: str, fmt: str) -> rdflib.Graph:
    export_sheets(graph, tmp_path / name, format=fmt)
    store = EmbeddedStore()
    import_sheets([tmp_path / name], store=store, validate=False)
    return _data(store)


@pytest.mark.parametrize(("name", "fmt"), [("x.xlsx", "xlsx"), ("folder", "csv"), ("sheets.zip", "csv")])
def test_round_trip_fixture(tmp_path, name, fmt):
    graph = rdflib.Graph().parse(FIXTURES / "roundtrip.ttl")
    back = _round_trip(graph, tmp_path, name, fmt)
    assert isomorphic(graph, back)


@pytest.mark.parametrize(("name", "fmt"), [("data.xlsx", "xlsx"), ("data", "csv")])
def test_round_trip_bundled_data(tmp_path, name, fmt):
    files = bundled_data_files()
    if not files:
        pytest.skip("no bundled data in data/")
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path)
    back = _round_trip(graph, tmp_path, name, fmt)
    assert len(back) == len(graph)
    assert isomorphic(graph, back)
    # The known kinds land in their own sheets, not in the catch-all triples sheet.
    workbook = tmp_path / "rows.xlsx"
    export_sheets(graph, workbook, format="xlsx")
    wb = openpyxl.load_workbook(workbook)
    assert wb["partnerships"].max_row - 1 == len(set(graph.subjects(rdflib.RDF.type, MSP.Partnership)))


def test_export_command_xlsx_andwrite_csv(tmp_path):
    (tmp_path / "a.ttl").write_text((FIXTURES / "roundtrip.ttl").read_text())
    runner = CliRunner()
    out = runner.invoke(
        app, ["export", str(tmp_path / "a.ttl"), "-f", "xlsx", "-o", str(tmp_path / "a.xlsx")]
    )
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["export", str(tmp_path / "a.ttl"), "-f", "csv", "-o", str(tmp_path / "a.zip")])
    assert out.exit_code == 0, out.output
    assert "partnerships.csv" in zipfile.ZipFile(tmp_path / "a.zip").namelist()
    out = runner.invoke(app, ["export", str(tmp_path / "a.ttl"), "-f", "xlsx"])
    assert out.exit_code == 2 and "-o" in out.output


def test_formula_cells_are_neutralised_and_restored(tmp_path):
    for text in ("=1+1", "+33", "-x", "@SUM", "'=a", "'t Hooft", "plain"):
        assert unescape(escape(text)) == text
    assert escape("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    graph = rdflib.Graph().parse(FIXTURES / "roundtrip.ttl")
    export_sheets(graph, tmp_path / "x.xlsx", format="xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["partnerships"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert "'=1+1 is not a formula" in [c.value for c in cells]


# --- import: identifiers, graphs, idempotence, store ----------------------------------------------


def test_reimport_replaces_the_graph_and_dry_run_writes_nothing(tmp_path):
    folder = tmp_path / "acme"
    write_csv(folder / "organisations.csv", ORG_HEADER, ["", "Acme Union", "syndicats"])
    store = EmbeddedStore(tmp_path / "store")
    import_sheets([folder], store=store, validate=False, dry_run=True)
    assert store.graphs() == []
    import_sheets([folder], store=store, validate=False)
    first = store.count()
    import_sheets([folder], store=store, validate=False)
    assert store.count() == first
    write_csv(folder / "organisations.csv", ORG_HEADER, ["", "Acme Employers", "employers"])
    import_sheets([folder], store=store, validate=False)
    g = _data(store)
    assert (rdflib.URIRef(ID + "organisation/acme-employers"), None, None) in g
    assert (rdflib.URIRef(ID + "organisation/acme-union"), None, None) not in g
    row = store.query(
        "SELECT ?n WHERE { <https://w3id.org/msp/id/organisation/acme-employers> "
        "<http://www.w3.org/ns/prov#wasDerivedFrom> ?r . ?r <http://www.w3.org/ns/csvw#rownum> ?n }"
    )
    assert [r["n"].value for r in row] == ["2"]
    store.close()


def test_minted_id_colliding_with_another_record_in_the_store(tmp_path):
    store = EmbeddedStore()
    write_csv(tmp_path / "a" / "organisations.csv", ORG_HEADER, ["", "Acme", "un"])
    import_sheets([tmp_path / "a"], store=store, validate=False)
    write_csv(
        tmp_path / "b" / "organisations.csv",
        ["id", "name", "acronyms", "stakeholder_groups"],
        ["", "ACME!", "", "academia"],
    )
    errors = _errors([tmp_path / "b"], store)
    assert "already names another organisation" in errors[0] and "row 2" in errors[0]


def test_a_partnership_named_like_an_organisation_is_reported(tmp_path):
    """A platform that is itself a member of another alliance must not silently become a second node."""
    store = EmbeddedStore()
    load_bundled(store)
    write_csv(
        tmp_path / "organisations.csv",
        ORG_HEADER,
        ["", "Skills Platform", "private-sector"],
    )
    write_csv(
        tmp_path / "partnerships.csv",
        PARTNERSHIP_HEADER,
        ["", "International Labour Organization", "global"],
        ["ilo", "Some Other Name", "global"],
        ["", "Skills Platform", "global"],
        ["", "Unrelated Alliance", "global"],
    )
    result = import_sheets([tmp_path], store=store, validate=False, dry_run=True)
    warned = {(w.row, w.message) for w in result.warnings if "name of the organisation" in w.message}
    assert {row for row, _ in warned} == {2, 3, 4}
    by_row = dict(warned)
    assert f"<{ID}organisation/ilo>" in by_row[2] and f"<{ID}organisation/ilo>" in by_row[3]
    assert f"<{ID}organisation/skills-platform>" in by_row[4]


# --- bad input, each located ----------------------------------------------------------------------


def test_missing_required_column(tmp_path):
    path = write_csv(tmp_path / "organisations.csv", ["id", "name"], ["x", "X"])
    [error] = _errors([path])
    assert "missing required column 'stakeholder_groups'" in error and "organisations.csv" in error
    assert "row 1" in error and "column stakeholder_groups" in error


def test_unknown_column_is_a_warning(tmp_path):
    path = write_csv(tmp_path / "organisations.csv", [*ORG_HEADER, "colour"], ["x", "X", "un", "blue"])
    result = import_sheets([path], store=EmbeddedStore(), validate=False)
    [warning] = result.warnings
    assert "unknown column 'colour'" in str(warning) and "column colour" in str(warning)


def test_empty_and_duplicate_rows(tmp_path):
    path = write_csv(
        tmp_path / "organisations.csv", ORG_HEADER, ["x", "X", "un"], ["", "", ""], ["x", "X", "un"]
    )
    errors = _errors([path])
    assert any("row 4" in e and "duplicate row: repeats row 2" in e for e in errors)
    path = write_csv(
        tmp_path / "b" / "organisations.csv", ORG_HEADER, ["x", "X", "un"], ["", "", ""], ["y", "Y", "un"]
    )
    result = import_sheets([path], store=EmbeddedStore(), validate=False)
    assert ["row 3" in str(w) and "empty row" in str(w) for w in result.warnings] == [True]


def test_duplicate_identifiers(tmp_path):
    path = write_csv(tmp_path / "organisations.csv", ORG_HEADER, ["x", "X", "un"], ["x", "Other", "academia"])
    [error] = _errors([path])
    assert "duplicate id 'x'" in error and "row 3" in error and "also row 2" in error and "column id" in error


def test_bad_dates(tmp_path):
    folder = tmp_path / "f"
    write_csv(
        folder / "partnerships.csv",
        ["id", "name", "start", "end"],
        ["p", "P", "June 2019", ""],
        ["q", "Q", "2019-13", ""],
        ["r", "R", "2020", "2019"],
    )
    errors = _errors([folder])
    assert any("row 2" in e and "column start" in e and "bad date 'June 2019'" in e for e in errors)
    assert any("row 3" in e and "bad date '2019-13'" in e for e in errors)
    assert any("row 4" in e and "column end" in e and "before it starts" in e for e in errors)


def test_unknown_codes_get_a_suggestion(tmp_path):
    folder = tmp_path / "f"
    write_csv(
        folder / "partnerships.csv", ["id", "name", "levels", "policy_areas"], ["p", "P", "globall", "emploi"]
    )
    write_csv(folder / "organisations.csv", ORG_HEADER, ["o", "O", "employer organisation"])
    errors = _errors([folder])
    assert any(
        "column levels" in e and "unknown level 'globall'; did you mean 'global'?" in e for e in errors
    )
    assert any("did you mean 'employers-organisations'" in e and "organisations.csv" in e for e in errors)
    assert len(errors) == 2  # 'emploi' (French) is accepted


def test_membership_naming_a_missing_organisation_or_partnership(tmp_path):
    folder = tmp_path / "f"
    write_csv(folder / "partnerships.csv", PARTNERSHIP_HEADER, ["acme", "Acme Alliance", "global"])
    write_csv(
        folder / "organisations.csv",
        ORG_HEADER,
        ["ituc", "International Trade Union Confederation", "trade unions"],
    )
    write_csv(
        folder / "memberships.csv",
        ["partnership", "organisation"],
        ["acme", "itcu"],
        ["acme-x", "ituc"],
        ["Acme Alliance", "international trade union confederation"],
    )
    errors = _errors([folder])
    assert any(
        "memberships.csv" in e
        and "row 2" in e
        and "column organisation" in e
        and "no organisation 'itcu'" in e
        and "did you mean 'ituc'" in e
        for e in errors
    )
    assert any("row 3" in e and "column partnership" in e and "no partnership 'acme-x'" in e for e in errors)
    assert len(errors) == 2  # row 4 names both by their names
    # ... and a name found in the store resolves.
    store = EmbeddedStore()
    import_sheets([folder / "partnerships.csv", folder / "organisations.csv"], store=store, validate=False)
    other = write_csv(tmp_path / "g" / "memberships.csv", ["partnership", "organisation"], ["acme", "ITUC "])
    _ = other
    errors = _errors([tmp_path / "g"], store)
    assert "no organisation 'ITUC'" in errors[0]


def test_csv_encoding_bom_and_binary(tmp_path):
    good = tmp_path / "ok" / "organisations.csv"
    good.parent.mkdir()
    good.write_bytes("\ufeffid,name,stakeholder_groups\r\nx,Café Union,syndicats\r\n".encode())
    store = EmbeddedStore()
    import_sheets([good], store=store, validate=False)
    assert rdflib.Literal("Café Union", lang="en") in set(_data(store).objects())
    bad = tmp_path / "bad" / "organisations.csv"
    bad.parent.mkdir()
    bad.write_bytes("id,name,stakeholder_groups\r\nx,Café Union,syndicats\r\n".encode("cp1252"))
    [error] = _errors([bad])
    assert "not UTF-8" in error and "line 2" in error and "CSV UTF-8" in error
    binary = tmp_path / "organisations.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert "not a CSV file" in _errors([binary])[0]


def test_xlsx_formulas_and_merged_cells(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "organisations"
    ws.append(ORG_HEADER)
    ws.append(["x", "X", "un"])
    ws.append(["y", "=A2", "un"])
    ws.append(["z", "Z", "academia"])
    ws.merge_cells("B4:C4")
    wb.save(tmp_path / "w.xlsx")
    errors = _errors([tmp_path / "w.xlsx"])
    assert any(
        "sheet organisations" in e and "row 3" in e and "column B" in e and "formula '=A2'" in e
        for e in errors
    )
    assert any("row 4" in e and "merged cells B4:C4" in e for e in errors)


def test_empty_file_and_not_a_spreadsheet(tmp_path):
    (tmp_path / "organisations.csv").write_text("")
    assert "the file is empty" in _errors([tmp_path / "organisations.csv"])[0]
    (tmp_path / "book.xlsx").write_text("this is not a workbook")
    assert "not an .xlsx workbook" in _errors([tmp_path / "book.xlsx"])[0]
    (tmp_path / "notes.txt").write_text("hello")
    assert "not a spreadsheet" in _errors([tmp_path / "notes.txt"])[0]
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    assert "cannot tell which sheet" in _errors([tmp_path / "other.csv"])[0]


def test_a_failed_import_changes_nothing(tmp_path):
    store = EmbeddedStore()
    write_csv(tmp_path / "a" / "organisations.csv", ORG_HEADER, ["x", "X", "un"])
    import_sheets([tmp_path / "a"], store=store, validate=False)
    before = store.dump(format="nq")
    write_csv(tmp_path / "a" / "organisations.csv", ORG_HEADER, ["x", "X", "un"], ["y", "Y", "nonsense"])
    _errors([tmp_path / "a"], store)
    assert store.dump(format="nq") == before


def test_import_command_lists_every_error_and_exits_2(tmp_path):
    path = write_csv(tmp_path / "organisations.csv", ORG_HEADER, ["x", "X", "nonsense"], ["y", "Y", "dunno"])
    out = CliRunner().invoke(app, ["import", str(path), "--no-validate", "--store", str(tmp_path / "s")])
    assert out.exit_code == 2
    assert out.output.count("msp-graph: error:") == 2 and "2 errors; nothing was imported" in out.output
    assert "'nonsense'" in out.output and "'dunno'" in out.output


# --- the partnership officer ----------------------------------------------------------------------


def test_officer_fills_the_template_by_hand_and_sees_the_verdict(tmp_path):
    """Following docs/spreadsheets.md: French labels, a missing accent, a name instead of an id."""
    write_template(tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "msp-template.xlsx")
    for name in (
        "partnerships",
        "organisations",
        "memberships",
        "country-engagements",
        "outputs",
        "statements",
        "triples",
    ):
        wb[name].delete_rows(2, 1)  # the officer replaces the example row
    wb["partnerships"].append(
        [
            "",
            "Alliance pour l'emploi des jeunes en Afrique de l'Ouest",
            "AEJAO",
            "regional",
            "partiellement formel",
            "Emploi; competences",
            "",
            "partage des connaissances",
            *["", "", "", ""],
            "2024",  # start
            *["", "", ""],
            SOURCE,
        ]
    )
    orgs = wb["organisations"]
    orgs.append(["", "Confédération des employeurs de l'Ouest", "CEO", "Organisations d'employeurs"])
    orgs.append(["", "Union syndicale ouest-africaine", "USOA", "Organisations de travailleurs"])
    orgs.append(["", "Université de Dakar", "", "milieu universitaire"])
    orgs.append(
        [
            "",
            "Ministère du Travail du Sénégal",
            "",
            "gouvernements et institutions gouvernementales",
            "",
            "Sénégal",
        ]
    )
    members = wb["memberships"]
    for member, role in (
        ("CEO", "membre"),
        ("USOA", "coprésident"),
        ("Universite de Dakar", ""),
        ("Ministère du Travail du Sénégal", "hôte"),
    ):
        members.append(["", "AEJAO", member, "", role, "", "", "2024-03", "", "", "", SOURCE])
    wb["country-engagements"].append(
        ["", "AEJAO", "", "Sénégal", "pays du programme", "", "2024", "", "", "", SOURCE]
    )
    wb.save(tmp_path / "aejao.xlsx")

    store = EmbeddedStore()
    load_ontology(store)
    result = import_sheets([tmp_path / "aejao.xlsx"], store=store)
    assert result.written and result.counts["memberships"] == 4
    g = _data(store)
    roles = {
        str(o).rsplit("/", 1)[-1] for o in g.objects(None, rdflib.URIRef("http://www.w3.org/ns/org#role"))
    }
    assert roles == {"member", "co-chair", "host"}
    [alliance] = result.partnerships
    assert alliance == ID + "partnership/aejao"
    report = result.report
    assert alliance in report.meeting_composition
    from msp_graph.cli.sheets import report_lines

    lines, violations = report_lines(result)
    assert violations == 0, lines
    assert any(
        "aejao.xlsx, sheet partnerships, row 2" in line and "meets the MSP composition rule" in line
        for line in lines
    )
    # Without the workers' union the verdict changes and says what is missing, pointing at the row.
    wb["memberships"].delete_rows(3, 1)
    wb.save(tmp_path / "aejao.xlsx")
    result = import_sheets([tmp_path / "aejao.xlsx"], store=store)
    lines, violations = report_lines(result)
    assert violations >= 1
    assert any("sheet partnerships, row 2" in line and "workers" in line.lower() for line in lines)


def test_docs_describe_every_sheet_and_column():
    from msp_graph.sheets.layout import SHEETS

    text = (Path(__file__).parent.parent / "docs" / "spreadsheets.md").read_text(encoding="utf-8")
    for sheet in SHEETS:
        section = text.split(f"### `{sheet.name}`", 1)[1].split("###", 1)[0]
        for column in sheet.columns:
            assert f"| `{column.name}` |" in section, (sheet.name, column.name)


def test_import_command_into_a_store(tmp_path):
    path = write_csv(tmp_path / "acme" / "organisations.csv", ORG_HEADER, ["", "Acme Union", "syndicats"])
    runner = CliRunner()
    args = ["import", str(path.parent), "--no-validate", "--store", str(tmp_path / "db")]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "imported 1 organisations" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0
    with EmbeddedStore(tmp_path / "db") as store:
        graphs = [g for g in store.graphs() if "sheet-acme" in g]
        assert graphs == ["https://w3id.org/msp/id/graph/source/sheet-acme-organisations"]


def test_import_writes_its_graphs_through_the_stores_one_replace(tmp_path, monkeypatch):
    write_csv(tmp_path / "acme" / "organisations.csv", ORG_HEADER, ["", "Acme Union", "syndicats"])
    write_csv(tmp_path / "acme" / "partnerships.csv", PARTNERSHIP_HEADER, ["", "Alliance", "global"])
    calls = []
    real = EmbeddedStore.replace_graphs

    def recorded(self, sources, **options):
        calls.append(([graph for graph, _, _ in sources], options.get("then", "")))
        return real(self, sources, **options)

    monkeypatch.setattr(EmbeddedStore, "replace_graphs", recorded)
    store = EmbeddedStore(tmp_path / "store")
    result = import_sheets([tmp_path / "acme"], store=store, validate=False)
    assert len(calls) == 1  # every graph and its metadata in one transaction, no staging graph
    assert sorted(calls[0][0]) == sorted(result.graphs) and len(result.graphs) == 2
    assert all(graph in calls[0][1] for graph in result.graphs)  # described in the same transaction
    assert sorted(g for g in store.graphs() if "/sheet-" in g) == sorted(result.graphs)
    store.close()


def test_import_draws_its_write_as_a_progress_bar_on_a_terminal(tmp_path):
    from test_loading import _on_a_terminal

    rows = [["", f"Organisation {i}", "employers"] for i in range(300)]
    path = write_csv(tmp_path / "acme" / "organisations.csv", ORG_HEADER, *rows)
    status, drawn = _on_a_terminal(["import", str(path), "--store", str(tmp_path / "db"), "--no-validate"])
    assert status == 0, drawn
    assert "100%" in drawn and "triples/s" in drawn
    assert "imported 300 organisations" in drawn


def test_membership_ids_keep_every_word_of_a_hyphenated_partnership_id(tmp_path):
    """Was ``membership/deal--ilo`` for ``global-deal``: the first word of the partnership id was dropped."""
    write_csv(
        tmp_path / "partnerships.csv",
        ["id", "name", "levels", "sources"],
        ["global-deal-test", "Global Deal Test", "global", "https://www.example.org/"],
    )
    write_csv(
        tmp_path / "organisations.csv",
        ["id", "name", "stakeholder_groups", "sources"],
        ["acme-union", "Acme Union", "workers-organisations", "https://www.example.org/"],
    )
    write_csv(
        tmp_path / "memberships.csv",
        ["partnership", "organisation", "roles", "sources"],
        ["global-deal-test", "acme-union", "member", "https://www.example.org/"],
    )
    store = EmbeddedStore()
    load_ontology(store)
    import_sheets([str(tmp_path)], store=store, validate=False)
    ids = {str(s) for s in _data(store).subjects() if "/membership/" in str(s)}
    assert ids and all("/membership/global-deal-test--acme-union" in i for i in ids), ids


def test_an_imported_file_is_named_without_its_folder(tmp_path):
    """The import's provenance (csvw:url) and metadata name the file, never the disk it was read from."""
    from msp_graph.export import export

    store = EmbeddedStore()
    load_ontology(store)
    write_csv(tmp_path / "organisations.csv", ORG_HEADER, ["acme", "Acme", "un"])
    import_sheets([tmp_path], store=store, validate=False)
    for fmt in ("trig", "nquads", "jsonld"):
        text = export(store, format=fmt, load_times=True).decode("utf-8")
        assert str(tmp_path) not in text and "file:" not in text, fmt
        assert "organisations.csv" in text
    assert str(tmp_path) not in store.dump(format="nq").decode("utf-8")
