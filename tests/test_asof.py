"""Verdicts as of a date (``validate --as-of``) and over time (``history``): docs/model.md, "Periods and the
as-of view"."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from cli_runs import one_line_error, run

from msp_graph.loading import load_bundled, load_files, open_store
from msp_graph.validation.asof import as_of_view, parse_date, periods

DATA = Path(__file__).parent.parent / "data"
MSP = "https://w3id.org/msp/id/partnership/"
COMPOSITION = "https://w3id.org/msp/shapes#PartnershipShape-composition"
# ITUC, the only workers' organisation of Alliance 8.7, leaves on 2021-06-30 (its last day in force).
ITUC_LEAVES = """
membership:alliance-8-7--ituc--member org:memberDuring interval:ituc-in-alliance .
interval:ituc-in-alliance a time:Interval ; time:hasEnd instant:ituc-leaves-alliance .
instant:ituc-leaves-alliance a time:Instant ; time:inXSDDate "2021-06-30"^^xsd:date .
"""


def composition(*args) -> dict[str, str]:
    """Partnership slug -> its composition message, for the partnerships that fail the rule."""
    result = run("validate", "-f", "json", "-q", *args)
    assert result.exit_code == 1, result.stderr
    body = json.loads(result.stdout)
    found = {r["focus_node"].removeprefix(MSP): r["message"] for r in body["results"]}
    failing = {r["focus_node"] for r in body["results"] if r["source_shape"] == COMPOSITION}
    assert {MSP + p for p in ("alliance-8-7", "ca4j")}.isdisjoint(failing)
    assert sorted(p.removeprefix(MSP) for p in body["meeting_composition_rule"]) == ["alliance-8-7", "ca4j"]
    return {p.removeprefix(MSP): found[p.removeprefix(MSP)] for p in failing}


def _missing(message: str) -> str:
    """What the composition message says is missing (before "Other groups present")."""
    return message.split(": ", 1)[1].split(". Other groups", 1)[0]


@pytest.fixture(scope="module")
def timeless() -> dict[str, str]:
    return composition()


def test_as_of_three_dates_on_the_bundled_data(timeless):
    # Derived by hand from data/partnerships/*.ttl (a membership without a period is in force at every date):
    # * Alliance 8.7 and CA4J meet the rule at all three dates: their employers' (IOE) and workers' (ITUC)
    #   organisations, and members of two other groups (Alliance 8.7: the governments of Mexico, Australia
    #   and Chile, civil society; CA4J: the Government of Samoa, the ILO), have no period.
    # * GCSJ: only the ILO (UN, no period) before 2024; RIPESS and IOSH (civil society, 2024), ITUC (2024) and
    #   IndustriALL (2024-02-20, workers) join in 2024: on 2014-06-30 and 2019-06-30 no employers', no
    #   workers', only 1 other group; on 2024-06-30 only the employers' organisation is missing.
    # * Decent Jobs for Youth: its 18 other memberships begin in 2015, the ILO's has no period: on 2014-06-30
    #   only 1 other group (UN); from 2015 also the World Bank Group (multilateral): 2 other groups.
    # * On 2024-06-30 every dated membership has begun; those that ended (Argentina and France in Alliance
    #   8.7, 2023-05; Denmark in Better Work, 2016 and 2022) leave a government in their partnership: every
    #   verdict and message is the timeless one.
    both_missing = "no employers' organisation; no workers' organisation"
    few = both_missing + "; only 1 other group (at least 2 needed)"
    early, middle, late = (composition("--as-of", d) for d in ("2014-06-30", "2019-06-30", "2024-06-30"))
    assert early.keys() == middle.keys() == late.keys() == timeless.keys()
    assert _missing(early["gcsj"]) == _missing(middle["gcsj"]) == few
    assert _missing(late["gcsj"]) == "no employers' organisation"
    assert _missing(early["decent-jobs-for-youth"]) == few
    assert _missing(middle["decent-jobs-for-youth"]) == both_missing
    assert late == timeless


def _alliance_without_ituc_from(tmp_path: Path) -> list[Path]:
    """The real Alliance 8.7 file, ITUC's membership given an end, and the organisations it needs."""
    changed = tmp_path / "alliance-8-7.ttl"
    changed.write_text((DATA / "partnerships" / "alliance-8-7.ttl").read_text("utf-8") + ITUC_LEAVES, "utf-8")
    return [changed, DATA / "organisations.ttl"]


def test_verdict_flips_when_the_workers_organisation_leaves(tmp_path):
    files = _alliance_without_ituc_from(tmp_path)
    last_day = run("validate", "-f", "json", "-q", "--as-of", "2021-06-30", *files)
    assert json.loads(last_day.stdout)["meeting_composition_rule"] == [MSP + "alliance-8-7"]
    after = run("validate", "-f", "json", "-q", "--as-of", "2021-07-01", *files)
    assert after.exit_code == 1
    body = json.loads(after.stdout)
    assert body["meeting_composition_rule"] == []
    [message] = [r["message"] for r in body["results"] if r["source_shape"] == COMPOSITION]
    assert _missing(message) == "no workers' organisation"
    # ITUC's membership and its triples are gone from the view, not only its period
    assert not any("ituc" in r["focus_node"] for r in body["results"])


def test_history_lists_the_flip(tmp_path):
    files = _alliance_without_ituc_from(tmp_path)
    result = run("history", "alliance-8-7", *files, "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Alliance 8.7  <{MSP}alliance-8-7>",
        "  from the start: meets the MSP composition rule",
        "  from 2021-07-01: does not meet the MSP composition rule",
        "    left:   International Trade Union Confederation",
        "    why: Not a multi-stakeholder partnership under the ILO definition: no workers' organisation. "
        "Other groups present: Civil society actors, Government and government-driven institutions, "
        "Multilateral organisations, Private sector, United Nations.",
    ]
    body = json.loads(run("history", "Alliance 8.7", *files, "-q", "-f", "json").stdout)
    assert [(c["date"], c["meets_composition_rule"], c["left"]) for c in body["changes"]] == [
        (None, True, []),
        ("2021-07-01", False, ["International Trade Union Confederation"]),
    ]


def test_history_of_a_partnership_whose_verdict_never_changes():
    result = run("history", f"{MSP}gcsj", "-f", "json", "-q")
    assert result.exit_code == 0, result.stderr
    [only] = json.loads(result.stdout)["changes"]
    assert only["date"] is None and only["meets_composition_rule"] is False
    assert "no employers' organisation" in only["message"]


def test_when_a_membership_is_in_force(tmp_path):
    """Beginnings from the first day of the day, month or year they name; ends to its last day; open ends."""
    rows = [
        ("y", 'time:hasBeginning [ time:inXSDgYear "2015"^^xsd:gYear ]'),
        ("ye", 'time:hasEnd [ time:inXSDgYear "2018"^^xsd:gYear ]'),
        ("m", 'time:hasBeginning [ time:inXSDgYearMonth "2020-09"^^xsd:gYearMonth ]'),
        ("me", 'time:hasEnd [ time:inXSDgYearMonth "2023-12"^^xsd:gYearMonth ]'),
        (
            "d",
            'time:hasBeginning [ time:inXSDDate "2022-04-11"^^xsd:date ] ; '
            'time:hasEnd [ time:inXSDDate "2022-04-12"^^xsd:date ]',
        ),
        ("open", ""),
    ]
    text = "@prefix org: <http://www.w3.org/ns/org#> . @prefix time: <http://www.w3.org/2006/time#> .\n"
    text += "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix : <https://example.org/> .\n"
    for name, period in rows:
        text += f":{name} org:organization :p ; org:member :o ; org:memberDuring [ {period} ] .\n"
    path = tmp_path / "periods.ttl"
    path.write_text(text, "utf-8")
    with open_store() as store:
        load_files(store, [path])
        found = {p.membership.rsplit("/", 1)[1].rstrip(">"): p for p in periods(store)}

    def days(name: str) -> tuple:
        return found[name].start, found[name].end

    d = datetime.date
    assert days("y") == (d(2015, 1, 1), None)
    assert days("ye") == (None, d(2019, 1, 1))  # in force until the end of 2018
    assert days("m") == (d(2020, 9, 1), None)
    assert days("me") == (None, d(2024, 1, 1))
    assert days("d") == (d(2022, 4, 11), d(2022, 4, 13))
    assert days("open") == (None, None)
    assert found["ye"].in_force(d(2018, 12, 31)) and not found["ye"].in_force(d(2019, 1, 1))
    assert not found["y"].in_force(d(2014, 12, 31)) and found["y"].in_force(d(2015, 1, 1))
    assert found["open"].in_force(d(1, 1, 1))


def test_the_view_leaves_the_store_as_it_was():
    with open_store() as store:
        load_bundled(store)
        before = store.count()
        with as_of_view(store, parse_date("2014-06-30")) as view:
            assert view.count() < before
        assert store.count() == before


@pytest.mark.parametrize("date", ["2019-6-30", "yesterday", "2019-02-30", "2019-06-30T00:00"])
def test_a_bad_date_is_one_line(date):
    one_line_error(run("validate", "--as-of", date), "--as-of", "YYYY-MM-DD")


def test_an_unknown_partnership_is_one_line():
    one_line_error(run("history", "no-such-alliance"), "unknown partnership 'no-such-alliance'")


def test_as_of_on_a_store_leaves_it_as_it_was(tmp_path):
    store = tmp_path / "store"
    assert run("load", "--store", store, "-q").exit_code == 0
    with open_store(store, mode="read") as opened:
        before = opened.graphs(), opened.count()
    on_store = run("validate", "--store", store, "--as-of", "2014-06-30", "-f", "json", "-q")
    assert json.loads(on_store.stdout) == json.loads(
        run("validate", "--as-of", "2014-06-30", "-f", "json", "-q").stdout
    )
    with open_store(store, mode="read") as opened:
        assert (opened.graphs(), opened.count()) == before


def test_a_blank_membership_to_drop_is_one_line(tmp_path):
    path = tmp_path / "blank.ttl"
    path.write_text(
        "@prefix org: <http://www.w3.org/ns/org#> . @prefix time: <http://www.w3.org/2006/time#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix : <https://example.org/> .\n"
        "[] org:organization :p ; org:member :o ;\n"
        '    org:memberDuring [ time:hasEnd [ time:inXSDgYear "2010"^^xsd:gYear ] ] .\n',
        "utf-8",
    )
    assert run("validate", path, "--as-of", "2009-12-31", "-q").exit_code in (
        0,
        1,
    )  # in force: nothing to drop
    one_line_error(run("validate", path, "--as-of", "2011-01-01"), "blank node", "IRIs")


def _composition_rows(*args) -> dict[str, dict]:
    result = run("query", "composition-status", "-f", "json", "-q", *args)
    assert result.exit_code == 0, result.stderr
    return {row["partnership"].removeprefix(MSP): row for row in json.loads(result.stdout)}


def test_the_named_queries_take_as_of_too(tmp_path):
    """``query --as-of``: the same selected data as ``validate --as-of``. Before GCSJ's dated members join
    (see the derivation above), the query sees one other group and no workers' organisation."""
    now, then = _composition_rows(), _composition_rows("--as-of", "2014-06-30")
    assert set(now) == set(then)
    assert (then["gcsj"]["otherGroups"], then["gcsj"]["otherGroupCount"]) == ("United Nations", 1)
    assert now["gcsj"]["otherGroupCount"] == 2
    store = tmp_path / "store"
    assert run("load", "--store", store, "-q").exit_code == 0
    assert run("reason", "--store", store, "-q").exit_code == 0  # the view is reasoned again for its date
    assert _composition_rows("--store", store, "--as-of", "2014-06-30") == then
    one_line_error(run("query", "composition-status", "--as-of", "2014-13-01"), "--as-of", "YYYY-MM-DD")
