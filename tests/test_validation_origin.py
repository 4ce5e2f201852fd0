"""Each validation result names where its focus node comes from: the source file, and the sheet and row of
an imported spreadsheet (so that CI output points at the line to fix)."""

from __future__ import annotations

import csv
import io
import json

from conftest import write_csv
from typer.testing import CliRunner

from msp_graph.cli import app
from msp_graph.loading import load_bundled, load_ontology
from msp_graph.sheets import import_sheets
from msp_graph.stores import EmbeddedStore
from msp_graph.validation import check, validate

ID = "https://w3id.org/msp/id/"


def test_results_on_bundled_data_name_the_partnership_file():
    store = EmbeddedStore()
    load_bundled(store)
    report = check(store)
    accelerator = f"{ID}engagement/global-accelerator--"
    engagements = [r for r in report.results if r.focus_node.startswith(accelerator)]
    assert engagements, "the bundled Global Accelerator data has country engagement warnings"
    for result in engagements + [r for r in report.results if r.focus_node == f"{ID}partnership/gan"]:
        slug = result.partnership.rsplit("/", 1)[1]
        assert result.source is not None and result.source.endswith(f"{slug}.ttl"), result
        assert result.sheet is None and result.row is None
    assert all(r.source for r in report.results if not r.focus_node.startswith("_:"))


def test_both_engines_name_the_same_sources():
    store = EmbeddedStore()
    load_bundled(store)
    fast = check(store)
    reference = validate(store, engine="pyshacl")
    assert sorted((r.focus_node, r.source) for r in fast.results) == sorted(
        (r.focus_node, r.source) for r in reference.results
    )


def test_imported_rows_are_named_in_json_andwrite_csv(tmp_path):
    store = EmbeddedStore()
    load_ontology(store)
    write_csv(tmp_path / "organisations.csv", ["id", "name", "stakeholder_groups"], ["acme", "Acme", "un"])
    write_csv(tmp_path / "partnerships.csv", ["id", "name", "levels"], ["solo", "Solo Alliance", "global"])
    write_csv(tmp_path / "memberships.csv", ["partnership", "organisation"], ["solo", "acme"])
    import_sheets([tmp_path], store=store, validate=False)
    report = check(store)
    solo = [r for r in report.results if r.focus_node == f"{ID}partnership/solo"]
    assert solo and all(r.sheet == "partnerships" and r.row == 2 for r in solo), solo
    membership = [r for r in report.results if r.focus_node.startswith(f"{ID}membership/")]
    assert membership and all(r.sheet == "memberships" and r.row == 2 for r in membership)
    rows = list(csv.DictReader(io.StringIO(report.render("csv"))))
    assert {"source", "sheet", "row"} <= set(rows[0])
    assert any(r["sheet"] == "partnerships" and r["row"] == "2" for r in rows)
    results = json.loads(report.render("json"))["results"]
    assert any(r["sheet"] == "memberships" and r["row"] == 2 for r in results)


def test_validate_command_json_names_the_file(tmp_path):
    data = tmp_path / "mine.ttl"
    data.write_text(
        "@prefix msp: <https://w3id.org/msp/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<{ID}partnership/lonely> a msp:Partnership ; rdfs:label "Lonely"@en .\n',
        encoding="utf-8",
    )
    out = CliRunner().invoke(app, ["validate", str(data), "-f", "json"])
    assert out.exit_code == 1, out.output
    results = json.loads(out.stdout)["results"]
    lonely = [r for r in results if r["focus_node"] == f"{ID}partnership/lonely"]
    assert lonely and all(r["source"].endswith("mine.ttl") for r in lonely)
