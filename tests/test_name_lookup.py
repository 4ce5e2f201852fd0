"""Names as officers type them (issue 17): "Name (ACRONYM)", British and American spellings, initials with
dots, "&"; suggestions from the names of the records in the file and the store, shown with their ids."""

from __future__ import annotations

import pytest
from conftest import write_csv

from msp_graph.loading import load_bundled
from msp_graph.sheets import SheetImportError, import_sheets
from msp_graph.sheets.vocab import name_key, name_parts
from msp_graph.stores import EmbeddedStore

ORG = "https://w3id.org/msp/id/organisation/"


@pytest.fixture(scope="module")
def bundled() -> EmbeddedStore:
    store = EmbeddedStore()
    load_bundled(store)
    return store


def _member(tmp_path, bundled, *organisations: str, extra=None):
    """Import memberships of GAN (bundled) naming ``organisations``; the IRIs of the members."""
    paths = [
        write_csv(
            tmp_path / "memberships.csv",
            ["partnership", "organisation"],
            *[["gan", o] for o in organisations],
        )
    ]
    if extra is not None:
        paths.append(extra)
    result = import_sheets(paths, store=bundled, dry_run=True, validate=False)
    return sorted(i.rsplit("--", 1)[-1] for i in result.records if "/membership/" in i)


def _error(tmp_path, bundled, organisation: str, extra=None) -> str:
    with pytest.raises(SheetImportError) as caught:
        _member(tmp_path, bundled, organisation, extra=extra)
    return str(caught.value)


@pytest.mark.parametrize(
    ("typed", "member"),
    [
        ("International Labour Organization (ILO)", "ilo"),
        ("International Trade Union Confederation (ITUC)", "ituc"),
        ("International Organization of Employers (IOE)", "ioe"),
        ("International Labour Organisation", "ilo"),
        ("International Labor Organization", "ilo"),
        ("U.N. Women", "un-women"),
        ("I.L.O.", "ilo"),
        ("Union Industrial Argentina", "uia"),  # the record is written with its accent
        ("UNIÓN INDUSTRIAL ARGENTINA", "uia"),
    ],
)
def test_names_as_sources_write_them_name_the_bundled_record(tmp_path, bundled, typed, member):
    assert _member(tmp_path, bundled, typed) == [member]


def test_name_and_acronym_naming_two_records_is_an_error_listing_both(tmp_path, bundled):
    message = _error(tmp_path, bundled, "International Labour Organization (ITUC)")
    assert "names several organisations: ilo, ituc" in message


def test_one_matching_part_is_enough(tmp_path, bundled):
    assert _member(tmp_path, bundled, "Unknown Name (ILO)") == ["ilo"]


def test_a_file_record_is_found_by_the_parts_of_its_name(tmp_path, bundled):
    organisations = write_csv(
        tmp_path / "organisations.csv",
        ["name", "stakeholder_groups"],
        ["Centre for Labour Studies (CLS)", "academia"],
    )
    assert _member(tmp_path, bundled, "Center for Labor Studies", extra=organisations) == [
        "centre-for-labour-studies-cls"
    ]


def test_suggestion_names_the_record_and_its_id(tmp_path, bundled):
    message = _error(tmp_path, bundled, "Internatonal Labour Organization")
    assert "did you mean 'ilo' (International Labour Organization, ILO)" in message
    assert "equal pay" not in message.casefold()


def test_suggestion_from_a_record_of_the_file(tmp_path, bundled):
    organisations = write_csv(
        tmp_path / "organisations.csv", ["id", "name", "stakeholder_groups"], ["acme", "Acme Workers", "un"]
    )
    message = _error(tmp_path, bundled, "Acme Workerz", extra=organisations)
    assert "did you mean 'acme' (Acme Workers)" in message


def test_name_key_is_one_key_for_the_ways_a_name_is_written():
    assert name_key("Organisation internationale & Co.") == name_key("organization Internationale and co")
    assert name_key("Programme Centre") == name_key("program center")
    assert name_key("Mobilisation") == "mobilization" and name_key("Enterprise") == "enterprise"
    assert name_key("Alliance 8.7") == "alliance 8.7"
    assert name_parts("Global Deal (GD)") == ("Global Deal", "GD") and name_parts("GD") is None


# --- msp-graph organisations: the ids a sheet accepts, found by the same key ---------------------------


def test_organisations_lists_ids_the_sheets_accept_by_group_and_match():
    import csv
    import json

    from cli_runs import run

    listed = run("organisations", "--group", "Organisations de travailleurs", "-f", "csv")
    assert listed.exit_code == 0, listed.stderr
    rows = list(csv.DictReader(listed.stdout.splitlines()))
    assert list(rows[0]) == ["id", "name", "acronyms", "groups", "countries"]
    ituc = next(r for r in rows if r["id"] == "organisation/ituc")
    assert ituc["name"] == "International Trade Union Confederation" and ituc["acronyms"] == "ITUC"
    assert all(r["groups"] == "workers-organisations" for r in rows)
    for typed, found in (
        ("International Labour Organisation", "organisation/ilo"),
        ("U.N. Women", "organisation/un-women"),
    ):
        matched = run("organisations", "--match", typed, "-f", "json")
        assert [r["id"] for r in json.loads(matched.stdout)] == [found], matched.stderr
    again = run("organisations", "--group", "workers-organisations", "-f", "csv")
    assert again.stdout == listed.stdout  # the code and a label are one group; the same bytes


def test_organisations_refuses_an_unknown_group_in_one_line():
    from cli_runs import one_line_error, run

    one_line_error(run("organisations", "--group", "trade unionz"), "--group", "unknown stakeholder group")


def test_organisations_with_no_match_suggests_the_closest_names():
    from cli_runs import run

    listed = run("organisations", "--match", "Internatonal Labour Organisaton", "-f", "csv")
    assert listed.exit_code == 0, listed.stderr
    assert listed.stdout.splitlines() == ["id,name,acronyms,groups,countries"]
    assert "0 organisations; did you mean 'International Labour Organization (organisation/ilo)'" in (
        listed.stderr
    )
