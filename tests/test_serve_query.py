"""The query page of ``msp-graph serve`` (``/query``: the named queries as forms, an editor for ad-hoc SPARQL,
results as a table with download links, refusals on the page) and of ``msp-graph publish`` (``query.html``:
the named queries that need no parameter, run in advance)."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from msp_graph.prefixes import PREFIXES
from msp_graph.queries import get_query, list_queries, run_query
from msp_graph.serve import Limits, create_app
from msp_graph.serve import publish as site
from msp_graph.serve.query_page import EXAMPLE, RESERVED

ID = "https://w3id.org/msp/id/"
CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PARTNERSHIPS = "SELECT ?p WHERE { ?p a msp:Partnership } ORDER BY ?p"


@pytest.fixture(scope="module")
def published(bundled, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("publish") / "site"
    site.publish(bundled[0], bundled[1], site.checked_target(target, False))
    return target


def count_line(page: str) -> str:
    """The row count the page shows above its table ("118 rows")."""
    return re.search(r'<p class="count"><strong>([^<]*)</strong>', page)[1]


def error_line(page: str) -> str:
    return html.unescape(re.search(r'<span class="error">([^<]*)</span>', page)[1])


def table(page: str) -> list[list[str]]:
    """The result table's cells, as the page shows them (links as ``text -> href``)."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body):
        cells = []
        for cell in re.findall(r"<td>(.*?)</td>", row):
            link = re.fullmatch(r'<a href="([^"]*)">(.*)</a>', cell)
            cells.append(html.unescape(f"{link[2]} -> {link[1]}" if link else cell))
        rows.append(cells)
    return rows


# --- the page and its forms -----------------------------------------------------------------------------


def test_the_page_offers_every_named_query_with_its_parameters(client):
    page = client.get("/query").text
    for query in list_queries():
        section = page[page.index(f'<section id="q-{query.name}">') :]
        section = section[: section.index("</section>")]
        assert query.summary in html.unescape(section)
        assert '<form method="get" action="/query#results">' in section
        assert f'<input type="hidden" name="name" value="{query.name}">' in section
        for param in query.params:
            field = re.search(rf'<input id="{query.name}-{param.name}" name="{param.name}"[^>]*>', section)
            assert field, (query.name, param.name)
            assert (" required" in field[0]) is (not param.optional)
    assert '<textarea id="query" name="query"' in page
    # the only scripts are the editor's, from this server; the main part links nowhere else (the editor's
    # prefixes, in its data attributes, are no links)
    scripts = re.findall(r"<script[^>]*>", page)
    assert [re.search(r'src="([^"?]*)', s)[1] for s in scripts] == [
        "/assets/yasgui/yasgui.min.js",
        "/assets/yasgui/msp-query.js",
    ]
    main = re.sub(r'<div id="yasgui"[^>]*>', "", page.split("<main>")[1].split("</main>")[0])
    assert "http://" not in main


def test_every_page_links_to_the_query_page(client):
    for path in ("/", "/validation", "/page/partnership/alliance-8-7", "/ontology"):
        assert '<a href="/query?lang=en">Queries</a>' in client.get(path, params={"lang": "en"}).text


def test_no_query_parameter_is_a_word_of_the_page_address():
    assert not {p.name for q in list_queries() for p in q.params} & set(RESERVED)


def test_a_named_query_runs_with_its_parameters_and_keeps_them_in_the_form(client, bundled):
    params = {"name": "partners-sharing-alliances", "partner": "organisation:ilo", "lang": "fr"}
    response = client.get("/query", params=params)
    assert response.status_code == 200
    expected = run_query(
        bundled[0], get_query("partners-sharing-alliances"), params={"partner": ID + "organisation/ilo"}
    )
    assert count_line(response.text) == f"{len(expected)} rows"
    rows = table(response.text)
    assert len(rows) == len(expected)
    assert rows[0][0] == "organisation:ilo -> /id/organisation/ilo?lang=fr"
    assert rows[0][1] == expected.rows[0]["partnerALabel"].value
    assert 'name="partner" type="text" size="36" value="organisation:ilo"' in response.text
    assert '<input type="hidden" name="lang" value="fr">' in response.text


def test_an_optional_parameter_left_blank_is_left_out(client, bundled):
    response = client.get("/query", params={"name": "alliances-by-level", "level": ""})
    assert count_line(response.text) == f"{len(run_query(bundled[0], get_query('alliances-by-level')))} rows"


def test_iris_outside_the_data_are_plain_text(client):
    rows = table(client.get("/query", params={"name": "alliances-by-country", "country": "country:BRA"}).text)
    assert rows and all(row[0] == "country:BRA" for row in rows)  # a country of the EU table: no page
    assert all(row[2].endswith("?lang=en") and " -> /id/partnership/" in row[2] for row in rows)


def test_an_ad_hoc_query_runs_and_stays_in_the_editor(client):
    response = client.get("/query", params={"query": PARTNERSHIPS})
    assert response.status_code == 200
    assert count_line(response.text) == "14 rows"
    assert [r[0].split(" -> ")[1] for r in table(response.text)][:1] == [
        "/id/partnership/alliance-8-7?lang=en"
    ]
    editor = re.search(r"<textarea[^>]*>(.*?)</textarea>", response.text, re.S)[1]
    assert html.unescape(editor) == PARTNERSHIPS


def test_construct_and_ask_show_triples_and_the_answer(client):
    construct = client.get("/query", params={"name": "construct-direct-members"}).text
    assert count_line(construct) == "170 triples"
    assert table(construct)[0][1] == "org:hasMember"
    ask = client.get("/query", params={"query": "ASK { ?p a msp:Partnership }"}).text
    assert count_line(ask) == "1 row" and table(ask) == [["true"]]


def test_the_text_of_a_query_is_escaped(client):
    text = 'SELECT ("</textarea><script>alert(1)</script>" AS ?x) WHERE {}'
    page = client.get("/query", params={"query": text}).text
    assert "<script>" not in page
    assert table(page) == [["</textarea><script>alert(1)</script>"]]


# --- downloads ------------------------------------------------------------------------------------------


def download_links(page: str) -> dict[str, str]:
    found = re.findall(r'<a href="([^"]*)" download>([^<]*)</a>', page)
    return {label: html.unescape(href) for href, label in found}


def test_select_results_download_as_csv_tsv_json_and_xml(client, bundled):
    page = client.get("/query", params={"name": "organisations", "group": "group:workers-organisations"}).text
    links = download_links(page)
    assert list(links) == ["CSV", "TSV", "JSON", "XML"]
    expected = run_query(
        bundled[0], get_query("organisations"), params={"group": "group:workers-organisations"}
    )
    for label, fmt, media in [
        ("CSV", "csv", "text/csv"),
        ("TSV", "tsv", "text/tab-separated-values"),
        ("JSON", "srj", "application/sparql-results+json"),
        ("XML", "srx", "application/sparql-results+xml"),
    ]:
        response = client.get(links[label])
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media
        assert response.headers["content-disposition"] == f'attachment; filename="organisations.{fmt}"'
        assert response.text == expected.render(fmt)
    rows = list(csv.reader(io.StringIO(client.get(links["CSV"]).text)))
    assert len(rows) - 1 == len(expected) > 0
    assert len(json.loads(client.get(links["JSON"]).text)["results"]["bindings"]) == len(expected)


@pytest.mark.parametrize(
    ("label", "format"),
    [
        ("Turtle", ox.RdfFormat.TURTLE),
        ("N-Triples", ox.RdfFormat.N_TRIPLES),
        ("JSON-LD", ox.RdfFormat.JSON_LD),
    ],
)
def test_construct_results_download_as_rdf(client, label, format):
    page = client.get("/query", params={"name": "construct-direct-members"}).text
    links = download_links(page)
    assert list(links) == ["Turtle", "N-Triples", "JSON-LD"]
    response = client.get(links[label])
    assert response.status_code == 200
    assert len(list(ox.parse(response.content, format=format))) == 170


def test_a_format_that_does_not_fit_is_one_line(client):
    response = client.get("/query", params={"name": "construct-direct-members", "format": "csv"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.count("\n") == 1 and "turtle, nt, jsonld" in response.text


# --- the editor (YASGUI, vendored) ----------------------------------------------------------------------

YASGUI = Path(__file__).resolve().parents[1] / "msp_graph" / "assets" / "yasgui"


def test_the_vendored_files_are_those_the_readme_names():
    """msp_graph/assets/yasgui/README.md gives each file taken from npm with its sha256: a partial or
    hand-made update fails here (tools/vendor_yasgui.sh writes both)."""
    readme = (YASGUI / "README.md").read_text()
    listed = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M))
    assert set(listed) == {"yasgui.min.js", "yasgui.min.css", "package.json"}
    for name, digest in listed.items():
        assert hashlib.sha256((YASGUI / name).read_bytes()).hexdigest() == digest, name
    package = json.loads((YASGUI / "package.json").read_text())
    assert (package["name"], package["license"]) == ("@zazuko/yasgui", "MIT")
    assert f"version **{package['version']}**" in readme
    assert {p.name for p in YASGUI.iterdir()} == {*listed, "README.md", "msp-query.js"}


def test_the_editor_files_are_served_to_be_kept(client):
    page = client.get("/query").text
    addresses = re.findall(r'(?:src|href)="(/assets/yasgui/[^"]+)"', page)
    assert [a.split("?")[0].rsplit("/", 1)[1] for a in addresses] == [
        "yasgui.min.css",
        "yasgui.min.js",
        "msp-query.js",
    ]
    for address in addresses:
        response = client.get(address)
        name = address.split("?")[0].rsplit("/", 1)[1]
        assert response.status_code == 200 and response.content == (YASGUI / name).read_bytes()
        # the address changes with the bytes, so the browser may keep them
        assert address.endswith("?v=" + hashlib.sha256(response.content).hexdigest()[:16])
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(kind)
        again = client.get(address, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
    for other in ("package.json", "README.md", "..%2Fapp.py", "nothing.js"):
        assert client.get(f"/assets/yasgui/{other}").status_code == 404


def test_only_the_query_page_may_run_a_script_and_only_this_servers(client):
    def policy(path: str) -> dict[str, str]:
        header = client.get(path).headers["content-security-policy"]
        return dict((part.strip() + " ").split(" ", 1) for part in header.split(";"))

    query = policy("/query")
    assert query["script-src"].strip() == "'self'" and query["connect-src"].strip() == "'self'"
    assert query["default-src"].strip() == "'none'"
    assert policy("/query?query=ASK+%7B%7D")["script-src"].strip() == "'self'"
    for path in ("/", "/validation", "/page/partnership/alliance-8-7", "/ontology"):
        assert "script-src" not in policy(path) and "connect-src" not in policy(path), path


def test_the_editor_opens_with_the_project_prefixes_and_sends_to_sparql(client):
    def holder(page: str) -> dict[str, str]:
        tag = re.search(r'<div id="yasgui"[^>]*>', page)[0]
        return {k: html.unescape(v) for k, v in re.findall(r'data-([a-z]+)="([^"]*)"', tag)}

    opening = holder(client.get("/query").text)
    assert opening["endpoint"] == "/sparql"
    lines = [line for line in opening["query"].splitlines() if line.startswith("PREFIX ")]
    assert lines == [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items()]
    assert opening["query"].endswith(EXAMPLE) and json.loads(opening["prefixes"]) == PREFIXES
    assert holder(client.get("/query", params={"query": PARTNERSHIPS}).text)["query"] == PARTNERSHIPS


def test_the_published_query_page_has_no_editor(published):
    for name in ("query.html", "query.fr.html", "query/organisations.html"):
        page = (published / name).read_text()
        assert "<script" not in page and 'id="yasgui"' not in page and "assets/yasgui" not in page


# --- refusals: the status /sparql gives, the message on the page ----------------------------------------


@pytest.mark.parametrize(
    ("params", "status", "fragment"),
    [
        ({"query": "SELECT * WHERE { ?s ?p }"}, 400, "1:25: SPARQL syntax error"),
        ({"query": "DELETE WHERE { ?s ?p ?o }"}, 400, "this is an update"),
        ({"query": "SELECT * FROM <urn:g> WHERE { ?s ?p ?o }"}, 400, "GRAPH <iri>"),
        (
            {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
            403,
            "SERVICE is refused",
        ),
        ({"name": "no-such-query"}, 400, "unknown query 'no-such-query'"),
        ({"name": "partners-sharing-alliance"}, 400, "did you mean 'partners-sharing-alliances'"),
        ({"name": "alliances-of-partner"}, 400, "needs parameter 'partner'"),
        ({"name": "alliances-of-partner", "partner": "not an iri"}, 400, "parameter 'partner'"),
        ({"name": "most-connected-partners", "min_alliances": "two"}, 400, "parameter 'min_alliances'"),
        ({"name": "alliances-by-level", "query": "ASK {}"}, 400, "not both"),
    ],
)
def test_a_refusal_is_shown_on_the_page_with_the_status_of_sparql(client, params, status, fragment):
    response = client.get("/query", params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    message = error_line(response.text)
    assert fragment in message and "\n" not in message
    assert '<section id="q-alliances-by-level">' in response.text  # the forms are still there
    if "query" in params and "name" not in params:
        assert client.get("/sparql", params={"query": params["query"]}).text.strip() == message


def test_the_row_limit(bundled):
    limited = TestClient(create_app(bundled[0], limits=Limits(max_rows=5)))
    response = limited.get("/query", params={"query": PARTNERSHIPS})
    assert response.status_code == 400 and "row limit" in error_line(response.text)
    assert count_line(limited.get("/query", params={"query": PARTNERSHIPS + " LIMIT 5"}).text) == "5 rows"
    download = limited.get("/query", params={"query": PARTNERSHIPS, "format": "csv"})
    assert download.status_code == 400 and "row limit" in download.text


def test_the_time_limit(bundled):
    limited = TestClient(create_app(bundled[0], limits=Limits(timeout=0.2, max_rows=10**12)))
    response = limited.get("/query", params={"query": CROSS})
    assert response.status_code == 503 and "time limit" in error_line(response.text)


def test_a_busy_server_says_when_to_retry(bundled):
    limited = TestClient(create_app(bundled[0], limits=Limits(concurrent=1)))
    slots = limited.app.state.site.runner._slots
    slots.acquire()
    try:
        response = limited.get("/query", params={"name": "alliances-by-level"})
    finally:
        slots.release()
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "busy" in error_line(response.text)


# --- the published site ---------------------------------------------------------------------------------


def test_the_site_runs_the_queries_that_need_no_parameter(bundled, client, published):
    runnable = [q.name for q in list_queries() if all(p.optional for p in q.params)]
    assert "alliances-of-partner" not in runnable and len(runnable) == len(list_queries()) - 1
    index = (published / "query.html").read_text()
    assert "msp-graph serve" in index and "<form" not in index and "<textarea" not in index
    assert re.findall(r'<section id="q-([a-z0-9-]+)">', index) == runnable
    for name in runnable:
        fmt, ext = ("turtle", "ttl") if name.startswith("construct-") else ("csv", "csv")
        served = client.get("/query", params={"name": name, "format": fmt})
        assert (published / f"query/{name}.{ext}").read_bytes() == served.content
        page = (published / f"query/{name}.fr.html").read_text()
        assert count_line(page) == count_line(client.get("/query", params={"name": name}).text)
        assert f'<a href="query/{name}.html">' in index
    assert not (published / "query/alliances-of-partner.html").exists()
    rows = table((published / "query/partners-sharing-alliances.html").read_text())
    assert rows[0][0].endswith(" -> ../page/organisation/" + rows[0][0].split(":")[1].split(" ")[0] + ".html")


def test_every_page_of_the_site_links_to_its_query_page(published):
    assert '<a href="query.es.html">Queries</a>' in (published / "index.es.html").read_text()
    assert '<a href="../../query.html">Queries</a>' in (published / "page/organisation/ilo.html").read_text()
    assert (
        '<a href="../query.html">All named queries</a>'
        in (published / "query/organisations.html").read_text()
    )
