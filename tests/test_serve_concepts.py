"""Concepts and concept schemes as linked data: ``/vocab/...`` IRIs answer 303 See Other by ``Accept`` as
``/id/...`` do; the concept page (labels, alternative labels and definitions in en/fr/es, scheme, broader and
narrower, the partnerships and organisations that use it) and the scheme page (its concepts); the ontology's
IRI negotiated (documentation, Turtle, RDF/XML); the same pages and data documents in a published site."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from msp_graph.loading import open_workspace
from msp_graph.queries import run_query
from msp_graph.serve import create_app
from msp_graph.serve import publish as site

VOCAB = "https://w3id.org/msp/vocab/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# A narrower concept of a bundled one, used by a membership of a small partnership (besides the bundled data).
EXTRA = """\
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix area: <https://w3id.org/msp/vocab/policy-area/> .

area:migration-statistics a skos:Concept ;
    skos:prefLabel "Migration statistics"@en, "Statistiques des migrations"@fr ;
    skos:altLabel "labour migration data"@en ;
    skos:definition "Counting migrant workers."@en ;
    skos:inScheme <https://w3id.org/msp/vocab/policy-area> ;
    skos:broader area:migration .
<https://w3id.org/msp/id/partnership/zz-test> a msp:Partnership ; rdfs:label "ZZ test alliance"@en ;
    msp:policyArea area:migration-statistics .
<https://w3id.org/msp/id/membership/zz-1> org:organization <https://w3id.org/msp/id/partnership/zz-test> ;
    org:member <https://w3id.org/msp/id/organisation/zz-union> ;
    org:role <https://w3id.org/msp/vocab/role/co-chair> .
<https://w3id.org/msp/id/organisation/zz-union> rdfs:label "ZZ union"@en .
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("concepts") / "extra.ttl"
    path.write_text(EXTRA, encoding="utf-8")
    with open_workspace(files=[path], with_bundled=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(store):
    return TestClient(create_app(store), follow_redirects=False)


@pytest.fixture(scope="module")
def published(store, tmp_path_factory):
    target = tmp_path_factory.mktemp("publish") / "site"
    site.publish(store, None, site.checked_target(target, False), base_url="https://example.org/msp/")
    return target


def main_text(page: str) -> str:
    main = page[page.index("<main>") : page.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.replace("&#39;", "'"))).strip()


def section(page: str, heading: str) -> str:
    """The HTML from the <h2> starting with ``heading`` to the next <h2> (or the end of <main>)."""
    start = page.index(f"<h2>{heading}")
    ends = [i for i in (page.find("<h2>", start + 4), page.find("</main>", start)) if i > 0]
    return page[start : min(ends)]


# --- /vocab/... IRIs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept", "location"),
    [
        ("/vocab/policy-area/migration", BROWSER, "/page/vocab/policy-area/migration"),
        ("/vocab/policy-area/migration", "", "/page/vocab/policy-area/migration"),
        ("/vocab/policy-area/migration", "text/turtle", "/data/vocab/policy-area/migration.ttl"),
        ("/vocab/policy-area/migration", "application/ld+json", "/data/vocab/policy-area/migration.jsonld"),
        ("/vocab/level/global", "application/n-triples", "/data/vocab/level/global.nt"),
        ("/vocab/level/global", "text/html;q=0.5, application/rdf+xml", "/data/vocab/level/global.rdf"),
        ("/vocab/policy-area", BROWSER, "/page/vocab/policy-area"),
        ("/vocab/policy-area", "text/turtle", "/data/vocab/policy-area.ttl"),
        ("/vocab/policy-area/migration?lang=fr", BROWSER, "/page/vocab/policy-area/migration?lang=fr"),
    ],
)  # fmt: skip
def test_concept_iris_answer_303_by_accept(client, path, accept, location):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert response.headers["vary"] == "Accept"


def test_unknown_concepts_get_the_404_page_and_unacceptable_types_406(client):
    for path in ("/vocab/policy-area/no-such-area", "/vocab/nothing", "/page/vocab/policy-area/nope"):
        response = client.get(path, headers={"Accept": BROWSER})
        assert response.status_code == 404 and "Not found" in response.text
    assert client.get("/data/vocab/policy-area/migration.xyz").status_code == 404
    assert client.get("/vocab/level/global", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize(
    ("ext", "fmt"),
    [("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD), ("nt", ox.RdfFormat.N_TRIPLES),
     ("rdf", ox.RdfFormat.RDF_XML)],
)  # fmt: skip
def test_concept_data_documents_describe_the_concept(client, ext, fmt):
    response = client.get(f"/data/vocab/policy-area/migration.{ext}")
    assert response.status_code == 200 and "etag" in response.headers
    triples = {
        (t.subject.value, t.predicate.value, t.object.value) for t in ox.parse(response.content, format=fmt)
    }
    migration, skos = VOCAB + "policy-area/migration", "http://www.w3.org/2004/02/skos/core#"
    assert (migration, skos + "prefLabel", "Migrations") in triples
    assert (migration, skos + "inScheme", VOCAB + "policy-area") in triples
    if ext == "jsonld":  # the graph is named by the data document
        assert "https://w3id.org/msp/data/vocab/policy-area/migration" in response.text


# --- the pages ------------------------------------------------------------------------------------------


def test_the_concept_page_shows_labels_definitions_scheme_and_hierarchy(client):
    page = client.get("/page/vocab/policy-area/migration", params={"lang": "es"}).text
    text = main_text(page)
    assert page.count("<h1>Migración</h1>") == 1
    for words in ("Label (en) Migration", "Label (fr) Migrations", "Label (es) Migración"):
        assert words in text
    assert (
        "Also called (en) labour migration" in text and "Also called (fr) migration de main-d'œuvre" in text
    )
    assert "Definition (en) Policies on labour migration" in text
    assert '<a href="/vocab/policy-area?lang=es">Ámbitos de política</a>' in page  # its scheme
    # narrower: stated only as skos:broader on the other concept
    assert (
        '<a href="/vocab/policy-area/migration-statistics?lang=es">Statistiques des migrations</a>'
        not in page
    )
    assert 'href="/vocab/policy-area/migration-statistics?lang=es">Migration statistics</a>' in page
    narrower = client.get("/page/vocab/policy-area/migration-statistics", params={"lang": "fr"}).text
    assert "<h1>Statistiques des migrations</h1>" in narrower
    assert 'Broader</th><td><a href="/vocab/policy-area/migration?lang=fr">Migrations</a>' in narrower


def test_the_concept_page_lists_who_uses_it(client, store):
    page = client.get("/page/vocab/policy-area/migration").text
    expected = run_query(
        store,
        "SELECT ?p WHERE { ?p a <https://w3id.org/msp/ontology#Partnership> ; "
        "<https://w3id.org/msp/ontology#policyArea> <https://w3id.org/msp/vocab/policy-area/migration> }",
    ).rows
    listed = re.findall(r'<li><a href="/id/partnership/([^"?]+)', section(page, "Partnerships"))
    assert sorted(listed) == sorted(r["p"].value.rsplit("/", 1)[1] for r in expected) and len(listed) == 3
    # a role used by a membership: its partnership and its member
    role = client.get("/page/vocab/role/co-chair").text
    assert 'href="/id/partnership/zz-test?lang=en"' in section(role, "Partnerships")
    assert 'href="/id/organisation/zz-union?lang=en"' in section(role, "Organisations")


def test_a_stakeholder_group_lists_organisations_typed_by_class_too(client, store):
    un = client.get("/page/vocab/stakeholder-group/un").text
    organisations = re.findall(r'href="/id/organisation/([^"?]+)', section(un, "Organisations"))
    # the ILO is typed msp:UnitedNationsEntity in the data, with or without msp:stakeholderGroup
    assert "ilo" in organisations
    typed = run_query(
        store,
        "SELECT DISTINCT ?o WHERE { ?o a <https://w3id.org/msp/ontology#UnitedNationsEntity> . "
        "?m <http://www.w3.org/ns/org#member> ?o }",
    ).rows
    assert {r["o"].value.rsplit("/", 1)[1] for r in typed} <= set(organisations)


def test_the_scheme_page_lists_its_concepts(client, store):
    page = client.get("/page/vocab/stakeholder-group", params={"lang": "fr"}).text
    concepts = run_query(
        store,
        "SELECT ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#inScheme> "
        "<https://w3id.org/msp/vocab/stakeholder-group> }",
    ).rows
    listed = re.findall(
        r'<li><a href="/vocab/stakeholder-group/([^"?]+)\?lang=fr"', section(page, "Concepts")
    )
    assert sorted(listed) == sorted(r["c"].value.rsplit("/", 1)[1] for r in concepts) and len(listed) == 10
    assert "Concept scheme" in main_text(page) and "Organisations de travailleurs" in page


def test_partnership_pages_link_their_concepts(client):
    page = client.get("/page/partnership/gan", params={"lang": "fr"}).text
    assert '<a href="/vocab/policy-area/skills?lang=fr">Compétences</a>' in page
    assert 'href="/vocab/level/global?lang=fr"' in page


def test_the_page_language_follows_accept_language(client):
    page = client.get("/page/vocab/level/global", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert page.headers["content-language"] == "es"
    assert "<h1>Mundial</h1>" in page.text
    assert (
        "<h1>Mondial</h1>" in client.get("/page/vocab/level/global", headers={"Accept-Language": "fr"}).text
    )


# --- the ontology's IRI ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "status", "location"),
    [
        ("text/turtle", 303, "/ontology/msp.ttl"),
        ("application/rdf+xml", 303, "/ontology/msp.owl"),
        ("text/html;q=0.2, text/turtle", 303, "/ontology/msp.ttl"),
        (BROWSER, 200, None),
        ("image/png", 406, None),
    ],
)
def test_the_ontology_iri_is_negotiated(client, accept, status, location):
    response = client.get("/ontology", headers={"Accept": accept})
    assert response.status_code == status
    assert response.headers.get("location") == location
    if status != 406:
        assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]
    if status == 303:
        assert client.get(location).status_code == 200


# --- the published site ---------------------------------------------------------------------------------


def test_the_site_holds_the_concept_pages_and_data(client, published):
    for path in ("vocab/policy-area/migration", "vocab/policy-area", "vocab/stakeholder-group/un"):
        for lang, suffix in (("en", ".html"), ("fr", ".fr.html"), ("es", ".es.html")):
            served = client.get(f"/page/{path}", params={"lang": lang}).text
            assert main_text((published / f"page/{path}{suffix}").read_text()) == main_text(served)
        for ext in ("ttl", "jsonld", "nt", "rdf"):
            assert (published / f"data/{path}.{ext}").read_bytes() == client.get(
                f"/data/{path}.{ext}"
            ).content
    static = (published / "page/vocab/policy-area/migration.fr.html").read_text()
    assert 'href="../../../page/partnership/knomad.fr.html"' in static
    assert 'href="../../../page/vocab/policy-area.fr.html"' in static
    gan = (published / "page/partnership/gan.html").read_text()
    assert 'href="../../page/vocab/policy-area/skills.html"' in gan


def test_the_ontology_page_lists_the_concept_schemes_with_links(client, published):
    page = client.get("/ontology", params={"lang": "es"}, headers={"Accept": BROWSER}).text
    schemes = page[page.index('<h2 id="concept-schemes">') :]
    for scheme, label in (("stakeholder-group", "Grupos de actores"), ("policy-area", "Ámbitos de política")):
        assert f'<a href="/vocab/{scheme}?lang=es">' in schemes and label in schemes
    assert len(re.findall(r'<a href="/vocab/[a-z-]+\?lang=es">', schemes)) == 11  # every vocab/*.ttl
    static = (published / "ontology/index.fr.html").read_text()
    assert '<a href="../page/vocab/policy-area.fr.html">' in static
