"""``msp-graph serve``: the SPARQL 1.1 Protocol, Cool-URI redirects and content negotiation, ETags, the HTML
pages, VoID; in process through Starlette's TestClient, plus one run of the real command on a free port."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import time
import urllib.request

import pyoxigraph as ox
import pytest

pytest.importorskip("starlette")
from cli_runs import one_line_error, run
from starlette.testclient import TestClient

from msp_graph.export import context
from msp_graph.loading import load_bundled, open_store, open_workspace
from msp_graph.queries import get_query, run_query
from msp_graph.serve import Limits, create_app, validated

ID = "https://w3id.org/msp/id/"
PARTNERSHIPS = "SELECT ?p WHERE { ?p a <https://w3id.org/msp/ontology#Partnership> } ORDER BY ?p"
CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL = (
    "@prefix msp: <https://w3id.org/msp/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    '<https://w3id.org/msp/id/partnership/x> a msp:Partnership ; rdfs:label "X"@en .\n'
)
SRX = "application/sparql-results+xml"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def bounded(bundled, **limits) -> TestClient:
    return TestClient(create_app(bundled[0], limits=Limits(**limits)))


def select_rows(response) -> list[dict]:
    return response.json()["results"]["bindings"]


# --- SPARQL 1.1 Protocol --------------------------------------------------------------------------------


def test_get_query_answers_sparql_json(client):
    response = client.get("/sparql", params={"query": PARTNERSHIPS})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert len(select_rows(response)) == 14


def test_post_form_and_post_query_body_answer_as_get(client):
    got = client.get("/sparql", params={"query": PARTNERSHIPS})
    form = client.post("/sparql", data={"query": PARTNERSHIPS})
    body = client.post(
        "/sparql", content=PARTNERSHIPS.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert form.status_code == body.status_code == 200
    assert select_rows(form) == select_rows(body) == select_rows(got)


@pytest.mark.parametrize(
    ("accept", "media", "check"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml", lambda t: "<sparql" in t),
        ("text/csv", "text/csv", lambda t: t.splitlines()[0] == "p" and len(t.splitlines()) == 15),
        ("text/tab-separated-values", "text/tab-separated-values", lambda t: t.splitlines()[0] == "?p"),
        ("application/json", "application/json", lambda t: "bindings" in json.loads(t)["results"]),
        ("text/csv;q=0.5, " + SRX, SRX, lambda t: "<sparql" in t),
        ("text/*", "text/csv", lambda t: t.startswith("p")),
    ],
)  # fmt: skip
def test_select_results_by_accept(client, accept, media, check):
    response = client.get("/sparql", params={"query": PARTNERSHIPS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert check(response.text)


@pytest.mark.parametrize(
    ("accept", "format"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_results_by_accept(client, accept, format):
    query = (
        "CONSTRUCT { ?p a ?t } WHERE { VALUES ?t { <https://w3id.org/msp/ontology#Partnership> } ?p a ?t }"
    )
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    assert len(list(ox.parse(response.content, format=format))) == 14


def test_ask_and_unacceptable_type(client):
    assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert response.status_code == 406


@pytest.mark.parametrize(
    "request_",
    [
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": {"update": "CLEAR ALL"}},
        {"method": "POST", "content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
    ],
)
def test_updates_are_refused_and_change_nothing(bundled, client, request_):
    before = bundled[0].count()
    response = client.request(url="/sparql", **request_)
    assert response.status_code == 403
    assert "read-only" in response.text
    assert bundled[0].count() == before


def test_an_update_sent_as_a_query_is_malformed(bundled, client):
    before = bundled[0].count()
    response = client.get("/sparql", params={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert response.status_code == 400
    assert bundled[0].count() == before


def test_service_is_refused(client):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in response.text


def test_malformed_query_is_400_with_one_line(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert len(response.text.strip().splitlines()) == 1
    assert re.search(r"\d+:\d+", response.text)


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        ({"method": "GET"}, 400),  # no query
        ({"method": "GET", "params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
        ({"method": "POST", "content": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
        (
            {"method": "POST", "content": b"\xff", "headers": {"Content-Type": "application/sparql-query"}},
            400,
        ),
        ({"method": "PUT", "content": b"ASK {}"}, 405),
        # a dataset the store would ignore (it queries the union of all graphs): refused, not answered wrongly
        ({"method": "GET", "params": {"query": "ASK {}", "default-graph-uri": "urn:g"}}, 400),
        ({"method": "GET", "params": {"query": "SELECT * FROM <urn:g> WHERE { ?s ?p ?o }"}}, 400),
        ({"method": "POST", "data": {"query": "ASK {}", "named-graph-uri": "urn:g"}}, 400),
    ],
)
def test_protocol_errors(client, request_, status):
    assert client.request(url="/sparql", **request_).status_code == status


def test_an_oversized_body_is_refused_before_it_is_read(client, monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_MAX_QUERY_BYTES", "100")
    response = client.post(
        "/sparql", content=b"#" * 5000, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413


def test_row_limit(bundled):
    limited = bounded(bundled, max_rows=5)
    response = limited.get("/sparql", params={"query": PARTNERSHIPS})
    assert response.status_code == 400
    assert "row limit" in response.text
    assert limited.get("/sparql", params={"query": PARTNERSHIPS + " LIMIT 5"}).status_code == 200


def test_time_limit(bundled):
    response = bounded(bundled, timeout=0.2, max_rows=10**12).get("/sparql", params={"query": CROSS})
    assert response.status_code == 503
    assert "time limit" in response.text


def test_busy_server_says_when_to_retry(bundled):
    limited = bounded(bundled, concurrent=1)
    slots = limited.app.state.site.runner._slots
    slots.acquire()
    try:
        response = limited.get("/sparql", params={"query": "ASK {}"})
    finally:
        slots.release()
    assert response.status_code == 503 and response.headers["retry-after"]
    assert limited.get("/sparql", params={"query": "ASK {}"}).status_code == 200


# --- Cool URIs: 303, content negotiation, ETag ----------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        (None, "/page/partnership/alliance-8-7"),
        (BROWSER, "/page/partnership/alliance-8-7"),
        ("text/turtle", "/data/partnership/alliance-8-7.ttl"),
        ("application/ld+json", "/data/partnership/alliance-8-7.jsonld"),
        ("application/n-triples", "/data/partnership/alliance-8-7.nt"),
        ("application/rdf+xml", "/data/partnership/alliance-8-7.rdf"),
        ("text/html;q=0.5, text/turtle", "/data/partnership/alliance-8-7.ttl"),
    ],
)
def test_identifiers_see_other_by_accept(client, accept, location):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/partnership/alliance-8-7", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert response.headers["vary"] == "Accept"


@pytest.mark.parametrize(
    ("ext", "format"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "jsonld"), ("rdf", "rdfxml")]
)
def test_data_documents_describe_the_resource(client, ext, format):
    response = client.get(f"/data/partnership/alliance-8-7.{ext}")
    assert response.status_code == 200
    oxformat = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML,
                "jsonld": ox.RdfFormat.JSON_LD}[format]  # fmt: skip
    found = {
        (str(q.subject), str(q.predicate), str(q.object)) for q in ox.parse(response.content, format=oxformat)
    }
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    assert (f"<{ID}partnership/alliance-8-7>", label, '"Alliance 8.7"@en') in found
    # the names of what it points to come along: the policy area's French label
    area = "<https://w3id.org/msp/vocab/policy-area/child-and-forced-labour>"
    assert (
        area,
        "<http://www.w3.org/2004/02/skos/core#prefLabel>",
        '"Travail des enfants et travail forcé"@fr',
    ) in found


def test_jsonld_document_uses_the_shipped_context(client):
    document = client.get("/data/organisation/ilo.jsonld").json()
    assert document["@context"] == context()


def test_etag_is_a_hash_of_the_bytes_and_gives_304(bundled, client):
    first = client.get("/data/organisation/ilo.ttl")
    tag = first.headers["etag"]
    assert tag == '"' + hashlib.sha256(first.content).hexdigest()[:32] + '"'
    assert "last-modified" not in first.headers
    again = TestClient(create_app(bundled[0])).get("/data/organisation/ilo.ttl")  # a new server, same bytes
    assert again.headers["etag"] == tag and again.content == first.content
    cached = client.get("/data/organisation/ilo.ttl", headers={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.content == b""
    assert client.get("/data/organisation/ilo.ttl", headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/id/partnership/no-such-thing", "/page/organisation/no-such-thing", "/data/organisation/nope.ttl"],
)
def test_unknown_iri_is_a_helpful_404(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/?q=no' in response.text and "Not found" in response.text


# --- HTML pages -----------------------------------------------------------------------------------------


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("&#39;", "'")))


def test_partnership_page_shows_verdict_members_by_group_countries_sources(client):
    response = client.get("/id/partnership/alliance-8-7", headers={"Accept": BROWSER})
    assert response.status_code == 200
    text = _text(response.text)
    assert "Meets the MSP composition rule" in text
    assert "Members (19) by stakeholder group" in text
    workers = text.split("Workers' organisations (1)")[1]
    assert workers.split("Sources")[0].strip().startswith("International Trade Union Confederation")
    assert "Malawi Pathfinder country since 2020" in text
    assert 'href="https://www.alliance87.org/about/"' in response.text
    assert "Child and forced labour" in text


def test_failing_partnership_page_says_what_is_missing(bundled, client):
    report = bundled[1]
    failing = sorted(set(report.partnerships) - set(report.meeting_composition))[0]
    messages = {r.message for r in report.results if r.partnership == failing and r.severity == "violation"}
    text = _text(client.get("/page/" + failing[len(ID) :]).text)
    assert "Does not meet the MSP composition rule" in text
    assert messages and all(_text(m).strip() in text for m in messages)


def test_organisation_page_lists_alliances_and_shared_partners(bundled, client):
    text = _text(client.get("/page/organisation/ilo").text)
    assert "Alliance 8.7" in text and "(Secretariat)" in text
    shared = run_query(
        bundled[0], get_query("partners-sharing-alliances"), params={"partner": ID + "organisation/ilo"}
    )
    assert f"Shares partnerships with ({len(shared)})" in text
    assert shared.rows[0]["partnerBLabel"].value in text


def test_labels_follow_lang_and_accept_language(client):
    french = client.get("/page/partnership/alliance-8-7", params={"lang": "fr"})
    assert "Travail des enfants et travail forcé" in french.text
    assert french.headers["content-language"] == "fr"
    spanish = client.get("/page/partnership/alliance-8-7", headers={"Accept-Language": "es-ES, en;q=0.5"})
    assert "Trabajo infantil y trabajo forzoso" in spanish.text
    assert spanish.headers["content-language"] == "es"
    assert "Child and forced labour" in client.get("/page/partnership/alliance-8-7").text


def test_index_lists_and_searches_by_name(client):
    text = _text(client.get("/").text)
    assert "Partnerships (14)" in text
    found = _text(client.get("/", params={"q": "alliance 8"}).text)
    assert "Partnerships (1)" in found and "Alliance 8.7" in found


def test_other_resources_get_a_page(client):
    response = client.get("/page/membership/alliance-8-7--ilo--secretariat")
    assert response.status_code == 200
    assert 'href="/id/organisation/ilo?lang=en"' in response.text


def test_a_label_holding_a_script_is_escaped(tmp_path):
    data = tmp_path / "hostile.ttl"
    source = " ; <http://purl.org/dc/terms/source> <javascript:alert(2)> ."
    data.write_text(SMALL.replace('"X"@en .', '"<script>alert(1)</script>"@en' + source))
    with open_workspace(files=[data]) as store:
        hostile = TestClient(create_app(store))
        for path in ("/", "/page/partnership/x"):
            response = hostile.get(path)
            assert (
                "<script>" not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
            )
            assert "default-src 'none'" in response.headers["content-security-policy"]
        page = hostile.get("/page/partnership/x").text
        assert "javascript:alert(2)" in page and 'href="javascript' not in page


# --- dataset description --------------------------------------------------------------------------------


def test_void_describes_the_dataset(bundled, client):
    response = client.get("/.well-known/void")
    assert response.headers["content-type"].startswith("text/turtle")
    triples = {
        (str(t.subject), str(t.predicate), str(t.object))
        for t in ox.parse(response.content, format=ox.RdfFormat.TURTLE)
    }
    dataset, void = "<https://w3id.org/msp/dataset>", "http://rdfs.org/ns/void#"
    assert (
        dataset,
        f"<{void}triples>",
        f'"{bundled[0].count()}"^^<http://www.w3.org/2001/XMLSchema#integer>',
    ) in triples
    assert (
        dataset,
        "<http://purl.org/dc/terms/license>",
        "<https://creativecommons.org/licenses/by/4.0/>",
    ) in triples
    assert (dataset, f"<{void}sparqlEndpoint>", "<http://testserver/sparql>") in triples
    assert any(p == f"<{void}exampleResource>" for _, p, _ in triples)
    as_jsonld = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert len(list(ox.parse(as_jsonld.content, format=ox.RdfFormat.JSON_LD))) == len(triples)


def test_context_is_the_shipped_one(client):
    assert client.get("/context.jsonld").json() == {"@context": context()}


def test_validation_at_start_up_leaves_the_served_store_as_it_was(bundled, tmp_path):
    memory = open_store()
    load_bundled(memory)
    before = (memory.graphs(), memory.count())
    assert validated(memory).summary() == bundled[1].summary()
    assert (memory.graphs(), memory.count()) == before
    with open_store(tmp_path / "store") as disk:
        load_bundled(disk)
        before = (disk.graphs(), disk.count())
    with open_store(tmp_path / "store", mode="auto") as disk:  # as open_workspace opens it
        assert validated(disk).summary() == bundled[1].summary()
    with open_store(tmp_path / "store", mode="read") as disk:
        assert (disk.graphs(), disk.count()) == before


# --- the command ----------------------------------------------------------------------------------------


def test_the_command_serves_on_a_free_port_and_stops(tmp_path):
    data = tmp_path / "small.ttl"
    data.write_text(SMALL)
    command = [sys.executable, "-m", "msp_graph.cli", "serve", str(data), "--port", "0"]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        port, started = None, time.monotonic()
        while port is None and time.monotonic() - started < 60:
            line = server.stderr.readline()
            if not line and server.poll() is not None:
                break
            port = (re.search(r"http://127\.0\.0\.1:(\d+)/", line) or [None, None])[1]
        assert port, "the server did not say where it listens"
        query = urllib.request.quote(PARTNERSHIPS)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query={query}", timeout=30) as answer:
            rows = json.loads(answer.read())["results"]["bindings"]
        assert [r["p"]["value"] for r in rows] == ["https://w3id.org/msp/id/partnership/x"]
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        server.kill()
        server.wait(timeout=10)
        server.stderr.close()


def test_serve_without_the_extra_names_it():
    probe = (
        "import sys; sys.modules['uvicorn'] = None; sys.argv = ['msp-graph', 'serve', '--port', '0'];"
        "from msp_graph.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "msp-graph: error: serve: the serve extra (Starlette, uvicorn, Jinja2) is not installed; "
        "pip install 'msp-graph[serve]'"
    ]


def test_a_busy_port_is_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        one_line_error(run("serve", tmp_path / "none.ttl", "--port", port), f"--port {port}", "cannot listen")


def test_endpoint_is_refused():
    one_line_error(run("serve", "--endpoint", "http://127.0.0.1:9/sparql", "--port", "0"), "--endpoint")


def test_csv_results_are_sparql_csv(client):
    response = client.get("/sparql", params={"query": PARTNERSHIPS}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["p"] and rows[1][0].startswith(ID + "partnership/")
