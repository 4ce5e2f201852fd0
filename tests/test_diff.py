"""What changed since the last validation: the report ``validate --store`` keeps, ``diff``,
``--fail-on new``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runs import one_line_error, run

from msp_graph.stores import EmbeddedStore
from msp_graph.validation.changes import REPORT_FILE

DATA = Path(__file__).parent.parent / "data"
SHAPES = Path(__file__).parent / "fixtures" / "cli" / "composition-mini.ttl"
MSP = "https://w3id.org/msp/id/partnership/"
COMPOSITION = "https://w3id.org/msp/shapes#PartnershipShape-composition"
ITUC = "membership:alliance-8-7--ituc--member"
# GCSJ gains an employers' organisation (the IOE): its only missing group.
IOE_JOINS_GCSJ = """
membership:gcsj--ioe--member a org:Membership ;
    org:member organisation:ioe ;
    org:organization partnership:gcsj ;
    org:role role:member ;
    dct:source <https://example.org/news> .
"""


def _without_ituc(folder: Path) -> Path:
    """The real Alliance 8.7 file without ITUC's membership (its only workers' organisation)."""
    text = (DATA / "partnerships" / "alliance-8-7.ttl").read_text("utf-8")
    start = text.index(f"{ITUC}\n")
    end = text.index(" .\n", start) + 3
    changed = folder / "alliance-8-7.ttl"
    changed.write_text(text[:start] + text[end:], "utf-8")
    return changed


def _with_ioe(folder: Path) -> Path:
    changed = folder / "gcsj.ttl"
    changed.write_text((DATA / "partnerships" / "gcsj.ttl").read_text("utf-8") + IOE_JOINS_GCSJ, "utf-8")
    return changed


@pytest.fixture
def validated(tmp_path) -> Path:
    """A store of the bundled data, validated once (its report kept)."""
    store = tmp_path / "store"
    assert run("load", "--store", store, "-q").exit_code == 0
    assert run("validate", "--store", store, "-q").exit_code == 1
    assert (store / REPORT_FILE).is_file()
    return store


def test_diff_after_loading_changed_files(validated, tmp_path):
    changes = tmp_path / "changes"
    changes.mkdir()
    assert run("load", "--store", validated, _without_ituc(changes), _with_ioe(changes), "-q").exit_code == 0
    text = run("diff", "--store", validated, "-q")
    assert text.exit_code == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[:4] == [
        "Verdicts changed (the MSP composition rule)",
        f"  Alliance 8.7  <{MSP}alliance-8-7>: meets -> does not meet",
        f"  Global Coalition for Social Justice  <{MSP}gcsj>: does not meet -> meets",
        "",
    ]
    assert lines[4] == "New results (1)"
    assert lines[5].startswith("  violation  Alliance 8.7: Not a multi-stakeholder partnership")
    assert "no workers' organisation" in lines[5]
    assert lines[7] == "Gone results (1)"
    assert lines[-1] == "1 new result, 1 gone, 2 verdicts changed"
    body = json.loads(run("diff", "--store", validated, "-q", "-f", "json").stdout)
    assert body["verdicts"] == [
        {
            "partnership": MSP + "alliance-8-7",
            "name": "Alliance 8.7",
            "before": "meets",
            "after": "does not meet",
        },
        {
            "partnership": MSP + "gcsj",
            "name": "Global Coalition for Social Justice",
            "before": "does not meet",
            "after": "meets",
        },
    ]
    assert [(r["focus_node"], r["source_shape"]) for r in body["new"]] == [
        (MSP + "alliance-8-7", COMPOSITION)
    ]
    assert [(r["focus_node"], r["source_shape"]) for r in body["gone"]] == [(MSP + "gcsj", COMPOSITION)]
    # diff leaves the kept report as it was: the same differences again
    assert json.loads(run("diff", "--store", validated, "-q", "-f", "json").stdout) == body


def test_fail_on_new_exits_1_only_on_new_violations(validated, tmp_path):
    changes = tmp_path / "changes"
    changes.mkdir()
    # violations remain, none new: exit 0
    assert run("validate", "--store", validated, "--fail-on", "new", "-q").exit_code == 0
    assert run("load", "--store", validated, _with_ioe(changes), "-q").exit_code == 0
    assert run("validate", "--store", validated, "--fail-on", "new", "-q").exit_code == 0
    # a violation appears: exit 1, and the report is kept: the next run finds nothing new
    assert run("load", "--store", validated, _without_ituc(changes), "-q").exit_code == 0
    first = run("validate", "--store", validated, "--fail-on", "new", "-f", "json")
    assert first.exit_code == 1
    assert "1 new violation(s) since the last validation" in first.stderr
    assert run("validate", "--store", validated, "--fail-on", "new", "-q").exit_code == 0
    assert run("diff", "--store", validated, "-q").stdout.splitlines()[-1].startswith("no change")


def test_the_kept_report_is_no_graph(validated):
    with EmbeddedStore(validated, mode="read") as store:
        before = store.graphs(), store.count()
    assert run("validate", "--store", validated, "-q").exit_code == 1
    with EmbeddedStore(validated, mode="read") as store:
        assert (store.graphs(), store.count()) == before
    assert json.loads((validated / REPORT_FILE).read_text("utf-8"))["meeting_composition"] == [
        MSP + "alliance-8-7",
        MSP + "ca4j",
    ]


def test_the_first_fail_on_new_counts_every_violation_as_new(tmp_path):
    store = tmp_path / "store"
    assert run("load", "--store", store, "-q").exit_code == 0
    assert run("validate", "--store", store, "--fail-on", "new", "-q").exit_code == 1
    assert run("validate", "--store", store, "--fail-on", "new", "-q").exit_code == 0


def test_diff_with_no_kept_report_is_one_line(tmp_path):
    store = tmp_path / "store"
    assert run("load", "--store", store, "-q").exit_code == 0
    one_line_error(run("diff", "--store", store), "no validation report kept", "msp-graph validate --store")
    one_line_error(run("diff"), "give --store DIR")


def test_fail_on_new_needs_a_store_and_no_as_of(validated):
    one_line_error(run("validate", "--fail-on", "new"), "--fail-on new", "--store")
    one_line_error(run("validate", "--store", validated, "--fail-on", "new", "--shapes", SHAPES), "--shapes")
    one_line_error(
        run("validate", "--store", validated, "--fail-on", "new", "--as-of", "2019-01-01"), "--as-of"
    )
    one_line_error(run("validate", "--fail-on", "newest"), "--fail-on newest")


def test_a_broken_kept_report_is_one_line(validated):
    (validated / REPORT_FILE).write_text("{not json", "utf-8")
    one_line_error(run("diff", "--store", validated), REPORT_FILE, "delete it and validate again")


def test_a_view_or_other_shapes_keep_no_report(validated, tmp_path):
    kept = (validated / REPORT_FILE).read_bytes()
    changes = tmp_path / "changes"
    changes.mkdir()
    assert run("load", "--store", validated, _without_ituc(changes), "-q").exit_code == 0
    assert run("validate", "--store", validated, "--as-of", "2019-06-30", "-q").exit_code == 1
    assert run("validate", "--store", validated, "--shapes", SHAPES, "--reason", "-q").exit_code == 1
    assert (validated / REPORT_FILE).read_bytes() == kept


PARTNERSHIP_CSV = """id,name,levels,formality,policy_areas,sources
example-alliance,Example Alliance,global,formal,child labour,https://example.org/alliance
"""
MEMBERS = {
    "ioe": "employers",
    "ituc": "workers",
    "ilo": "UN agency",
    "government-of-france": "government",
}


def _sheets(folder: Path, members) -> Path:
    """An officer's CSV files: one partnership and its members (organisations already in the store)."""
    folder.mkdir(exist_ok=True)
    (folder / "partnerships.csv").write_text(PARTNERSHIP_CSV, "utf-8")
    rows = ["partnership,organisation,roles,sources"] + [
        f"example-alliance,{member},member,https://example.org/alliance" for member in members
    ]
    (folder / "memberships.csv").write_text("\n".join(rows) + "\n", "utf-8")
    return folder


def test_diff_and_fail_on_new_after_importing_a_changed_spreadsheet(validated, tmp_path):
    """The officer's cycle: import, validate (report kept), import the sheet again without the workers'
    organisation, then ``diff`` names the flipped verdict and ``--fail-on new`` fails once."""
    sheets = tmp_path / "sheets"
    imported = run("import", _sheets(sheets, MEMBERS), "--store", validated, "-q")
    assert imported.exit_code == 0, imported.stderr
    assert run("validate", "--store", validated, "-q").exit_code == 1  # the bundled data's violations
    assert run("diff", "--store", validated, "-q").stdout.splitlines()[-1].startswith("no change")

    without_workers = [m for m, group in MEMBERS.items() if group != "workers"]
    assert run("import", _sheets(sheets, without_workers), "--store", validated, "-q").exit_code == 1
    text = run("diff", "--store", validated, "-q")
    assert text.exit_code == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[:3] == [
        "Verdicts changed (the MSP composition rule)",
        f"  Example Alliance  <{MSP}example-alliance>: meets -> does not meet",
        "",
    ]
    assert lines[3] == "New results (1)"
    assert lines[4].startswith("  violation  Example Alliance: Not a multi-stakeholder partnership")
    assert "no workers' organisation" in lines[4]
    assert lines[-1] == "1 new result, 0 gone, 1 verdict changed"
    body = json.loads(run("diff", "--store", validated, "-q", "-f", "json").stdout)
    assert [(v["partnership"], v["before"], v["after"]) for v in body["verdicts"]] == [
        (MSP + "example-alliance", "meets", "does not meet")
    ]
    assert [(r["focus_node"], r["source_shape"]) for r in body["new"]] == [
        (MSP + "example-alliance", COMPOSITION)
    ]
    first = run("validate", "--store", validated, "--fail-on", "new", "-f", "json")
    assert first.exit_code == 1
    assert "1 new violation(s) since the last validation" in first.stderr
    assert run("validate", "--store", validated, "--fail-on", "new", "-q").exit_code == 0
