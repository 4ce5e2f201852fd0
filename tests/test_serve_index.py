"""The index page's filters: stakeholder group, policy area and country (``?group=``, ``?area=``,
``?country=``), combinable with the name search (``?q=``), as <select> controls of a GET form; the count line
for the current filter; the static index of ``publish`` (everything, no form)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from msp_graph.loading import open_workspace
from msp_graph.serve import create_app
from msp_graph.serve import publish as site

DATA = """\
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/msp/id/> .
@prefix group: <https://w3id.org/msp/vocab/stakeholder-group/> .
@prefix area: <https://w3id.org/msp/vocab/policy-area/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .

<https://w3id.org/msp/id/partnership/alpha> a msp:Partnership ; rdfs:label "Alpha"@en ;
    msp:policyArea area:migration .
<https://w3id.org/msp/id/partnership/beta> a msp:Partnership ; rdfs:label "Beta"@en ;
    msp:policyArea area:employment .
<https://w3id.org/msp/id/organisation/w> rdfs:label "Union W"@en ;
    msp:stakeholderGroup group:workers-organisations .
<https://w3id.org/msp/id/organisation/u> a msp:UnitedNationsEntity ; rdfs:label "Agency U"@en .
<https://w3id.org/msp/id/organisation/c> rdfs:label "Civic C"@en ; msp:stakeholderGroup group:civil-society .
<https://w3id.org/msp/id/membership/1> org:organization <https://w3id.org/msp/id/partnership/alpha> ;
    org:member <https://w3id.org/msp/id/organisation/w> .
<https://w3id.org/msp/id/membership/2> org:organization <https://w3id.org/msp/id/partnership/alpha> ;
    org:member <https://w3id.org/msp/id/organisation/u> .
<https://w3id.org/msp/id/membership/3> org:organization <https://w3id.org/msp/id/partnership/beta> ;
    org:member <https://w3id.org/msp/id/organisation/u> .
<https://w3id.org/msp/id/membership/4> org:organization <https://w3id.org/msp/id/partnership/beta> ;
    org:member <https://w3id.org/msp/id/organisation/c> .
<https://w3id.org/msp/id/engagement/1> msp:engagementOf <https://w3id.org/msp/id/partnership/alpha> ;
    msp:country country:FRA .
<https://w3id.org/msp/id/engagement/2> msp:engagementOf <https://w3id.org/msp/id/partnership/beta> ;
    msp:country country:SEN .
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("index") / "small.ttl"
    path.write_text(DATA, encoding="utf-8")
    with open_workspace(files=[path]) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(store):
    return TestClient(create_app(store))


def listed(page: str) -> tuple[list[str], list[str]]:
    """The names listed under 'Partnerships' and under 'Organisations'."""
    main = page[page.index("<main>") : page.index("</main>")]
    _, partnerships, organisations = re.split(r"<h2>(?:Partnerships|Organisations) \(\d+\)</h2>", main)
    names = lambda part: re.findall(r"<li><a [^>]*>([^<]*)</a></li>", part)  # noqa: E731
    return names(partnerships), names(organisations)


def count_line(page: str) -> str:
    return re.search(r'<p id="count"><strong>([^<]*)</strong>', page).group(1)


@pytest.mark.parametrize(
    ("params", "partnerships", "organisations"),
    [
        ({}, ["Alpha", "Beta"], ["Agency U", "Civic C", "Union W"]),
        ({"group": "workers-organisations"}, ["Alpha"], ["Union W"]),
        # a group given by the organisation's class (msp:UnitedNationsEntity), as on the partnership page
        ({"group": "un"}, ["Alpha", "Beta"], ["Agency U"]),
        ({"area": "migration"}, ["Alpha"], ["Agency U", "Union W"]),
        ({"country": "SEN"}, ["Beta"], ["Agency U", "Civic C"]),
        ({"country": "SEN", "area": "employment", "group": "civil-society"}, ["Beta"], ["Civic C"]),
        ({"country": "SEN", "area": "migration"}, [], []),
        ({"area": "migration", "q": "agency"}, [], ["Agency U"]),
        ({"q": "BET"}, ["Beta"], []),
        ({"country": "http://publications.europa.eu/resource/authority/country/FRA"}, ["Alpha"], None),
    ],
)
def test_the_filters_narrow_the_lists_and_the_count(client, params, partnerships, organisations):
    page = client.get("/", params=params)
    assert page.status_code == 200
    shown = listed(page.text)
    assert shown[0] == partnerships
    if organisations is not None:
        assert shown[1] == organisations
    assert count_line(page.text) == f"{len(shown[0])} partnerships, {len(shown[1])} organisations"


@pytest.mark.parametrize("value", ["not-in-it", "'; DROP ALL", "<urn:x> } ?s ?p ?o {", "a b", "é" * 400])
def test_a_value_not_in_the_data_matches_nothing(client, value):
    for name in ("group", "area", "country"):
        page = client.get("/", params={name: value})
        assert page.status_code == 200
        assert count_line(page.text) == "0 partnerships, 0 organisations"


def test_the_form_offers_the_values_in_the_data_in_the_pages_language(client):
    page = client.get("/", params={"lang": "fr", "area": "migration"}).text
    form = page[page.index("<form") : page.index("</form>")]
    assert 'method="get"' in form and "<script" not in page.lower()
    selects = dict(re.findall(r'<select id="(\w+)" name="\1">(.*?)</select>', form, re.S))
    assert set(selects) == {"group", "area", "country"}
    options = {name: re.findall(r'<option value="([^"]*)"', body) for name, body in selects.items()}
    assert options["area"] == ["", "employment", "migration"]  # Emploi, Migrations
    assert options["group"] == ["", "civil-society", "un", "workers-organisations"]
    assert options["country"] == ["", "FRA", "SEN"]  # France, Sénégal
    assert '<option value="migration" selected>Migrations</option>' in selects["area"]
    assert "Acteurs de la société civile" in selects["group"] and "Sénégal" in selects["country"]


def test_the_static_index_lists_everything_without_a_form(store, tmp_path):
    site.publish(store, None, site.checked_target(tmp_path / "site", False))
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<form" not in page and "<select" not in page
    assert listed(page) == (["Alpha", "Beta"], ["Agency U", "Civic C", "Union W"])
    assert count_line(page) == "2 partnerships, 3 organisations"
