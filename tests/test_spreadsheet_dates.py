"""Uncertain facts in spreadsheets (issue 17): approximate dates (``2010/2012``, ``c. 2011``) as OWL-Time
instants the as-of view reads at their widest, written back as typed; confidence and basis of partnerships."""

from __future__ import annotations

import csv
import datetime

import pytest
import rdflib
from conftest import write_csv
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from msp_graph.loading import load_bundled
from msp_graph.sheets import SheetImportError, export_sheets, import_sheets, strip_import_provenance
from msp_graph.sheets.layout import TIME, ApproximateDate, CellError, instant_text, parse_date
from msp_graph.stores import EmbeddedStore
from msp_graph.validation.asof import as_of_view, periods

MSP = rdflib.Namespace("https://w3id.org/msp/ontology#")
INSTANT = "https://w3id.org/msp/id/instant/membership-gan--ilo-"
HEADER = ["partnership", "organisation", "start", "end"]


def _year(text: str) -> rdflib.Literal:
    return rdflib.Literal(text, datatype=XSD.gYear)


@pytest.fixture
def bundled() -> EmbeddedStore:
    store = EmbeddedStore()
    load_bundled(store)
    return store


def _data(store: EmbeddedStore) -> rdflib.Graph:
    return strip_import_provenance(store.to_rdflib([g for g in store.graphs() if "/sheet-" in g], union=True))


@pytest.mark.parametrize(
    ("typed", "earliest", "latest", "circa", "shown"),
    [
        ("2010/2012", "2010", "2012", False, "2010/2012"),
        ("2010-03 / 2012", "2010-03", "2012", False, "2010-03/2012"),
        ("c. 2011", "2011", "2011", True, "c. 2011"),
        ("ca. 2011", "2011", "2011", True, "c. 2011"),
        ("Circa 2011-06", "2011-06", "2011-06", True, "c. 2011-06"),
    ],
)
def test_approximate_dates_are_read(typed, earliest, latest, circa, shown):
    date = parse_date(typed)
    assert isinstance(date, ApproximateDate)
    assert (str(date.earliest), str(date.latest), date.circa, str(date)) == (earliest, latest, circa, shown)


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("2012/2010", "ends before it begins"),
        ("c. 2011/2012", "a range (2010/2012: somewhere in it) or c. 2011"),
        ("about 2011", "a range (2010/2012: somewhere in it) or c. 2011"),
        ("2010/", "a range (2010/2012: somewhere in it) or c. 2011"),
    ],
)
def test_unreadable_or_reversed_ranges_are_refused_saying_what_to_write(typed, why):
    with pytest.raises(CellError, match="bad date") as caught:
        parse_date(typed)
    assert why in str(caught.value)
    assert parse_date("2011") == _year("2011")


def test_approximate_bounds_become_instants_the_as_of_view_reads_at_their_widest(tmp_path, bundled):
    path = write_csv(tmp_path / "memberships.csv", HEADER, ["gan", "ILO", "2010/2012", "c. 2020"])
    import_sheets([path], store=bundled, validate=False)
    data = _data(bundled)
    start, end = rdflib.URIRef(INSTANT + "start"), rdflib.URIRef(INSTANT + "end")
    assert (start, TIME.inXSDgYear, _year("2010")) in data
    assert (start, MSP.earliest, _year("2010")) in data and (start, MSP.latest, _year("2012")) in data
    assert (end, TIME.inXSDgYear, _year("2020")) in data
    assert (end, MSP.approximate, rdflib.Literal(True)) in data
    assert (instant_text(data, start), instant_text(data, end)) == ("2010/2012", "c. 2020")
    found = [p for p in periods(bundled) if p.membership.strip("<>").endswith("/gan--ilo")]
    assert [(p.start, p.end) for p in found] == [(datetime.date(2010, 1, 1), datetime.date(2021, 1, 1))]
    view = as_of_view(bundled, datetime.date(2010, 6, 1))
    assert view.query(f"ASK {{ {found[0].membership} ?p ?o }}")


def test_end_before_start_compares_the_latest_end_with_the_earliest_start(tmp_path, bundled):
    fine = write_csv(tmp_path / "a" / "memberships.csv", HEADER, ["gan", "ILO", "2015/2018", "2016"])
    import_sheets([fine], store=bundled, validate=False, dry_run=True)
    wrong = write_csv(tmp_path / "b" / "memberships.csv", HEADER, ["gan", "ILO", "2017/2018", "2015/2016"])
    with pytest.raises(SheetImportError, match=r"ends \(2015/2016\) before it starts \(2017/2018\)"):
        import_sheets([wrong], store=bundled, validate=False, dry_run=True)


def test_approximate_dates_and_partnership_confidence_survive_export_and_import(tmp_path):
    folder = tmp_path / "in"
    write_csv(
        folder / "partnerships.csv",
        ["id", "name", "start", "end", "confidence", "basis"],
        [
            "sda",
            "Social Dialogue Alliance",
            "c. 2011",
            "2019/2020",
            "medium",
            "formality: a charter; level: x",
        ],
    )
    write_csv(
        folder / "organisations.csv", ["id", "name", "stakeholder_groups"], ["acme", "Acme", "academia"]
    )
    write_csv(folder / "memberships.csv", HEADER, ["sda", "acme", "2010-05/2011", ""])
    store = EmbeddedStore()
    import_sheets([folder], store=store, validate=False)
    before = _data(store)
    alliance = rdflib.URIRef("https://w3id.org/msp/id/partnership/sda")
    assert (alliance, MSP.confidence, rdflib.URIRef("https://w3id.org/msp/vocab/confidence/medium")) in before
    assert {str(b) for b in before.objects(alliance, MSP.basis)} == {"formality: a charter", "level: x"}
    for fmt, target in (("csv", tmp_path / "out"), ("xlsx", tmp_path / "out.xlsx")):
        written = export_sheets(store, target, format=fmt)
        again = EmbeddedStore()
        import_sheets([target if fmt == "xlsx" else written[0].parent], store=again, validate=False)
        assert isomorphic(_data(again), before), fmt
    # The cells read as the officer typed them, not as the widest plain date.
    rows = {
        r["id"]: r for r in csv.DictReader((tmp_path / "out" / "partnerships.csv").open(encoding="utf-8-sig"))
    }
    assert (rows["sda"]["start"], rows["sda"]["end"]) == ("c. 2011", "2019/2020")
    (membership,) = csv.DictReader((tmp_path / "out" / "memberships.csv").open(encoding="utf-8-sig"))
    assert membership["start"] == "2010-05/2011"
