"""The W3C SPARQL 1.1 Protocol tests (``fixtures/sparql-protocol/manifest.ttl``) against ``/sparql``.

Each test of the manifest is an ``mf:ProtocolTest`` whose comment holds the HTTP exchange: one or more
requests (method, target, headers, body) and the response each must get (``2xx or 3xx`` or ``4xx``, the
media types allowed, ``true``/``false`` for an ASK). The requests are read out of the comments as written
and sent to the application (Starlette's TestClient) serving the bundled data, read only, as
``msp-graph serve`` does.

The tests that do not apply to a read-only service that never fetches other URLs are listed in
``NOT_APPLICABLE`` with the reason; they are not skipped silently: each one's first request must be
refused (4xx) and change nothing, and every entry of the manifest is either run or listed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from msp_graph.loading import load_bundled, open_store
from msp_graph.serve import create_app

MANIFEST = Path(__file__).parent / "fixtures" / "sparql-protocol" / "manifest.ttl"
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")

_UPDATE = "an update: the endpoint is read only (`msp-graph serve` without --allow-update refuses updates)"
_DATASET = (
    "a protocol dataset (default-graph-uri / named-graph-uri, or FROM with them): its graphs are documents "
    "on kasei.us the service would fetch, and the endpoint never fetches other URLs; a dataset is refused "
    "with 400 (docs/serve.md)"
)
#: The manifest's tests that do not apply to this endpoint, and why.
NOT_APPLICABLE = {
    "query_dataset_default_graphs_get": _DATASET,
    "query_dataset_default_graphs_post": _DATASET,
    "query_dataset_named_graphs_post": _DATASET,
    "query_dataset_named_graphs_get": _DATASET,
    "query_dataset_full": _DATASET,
    "query_multiple_dataset": _DATASET,
    "update_dataset_default_graph": _UPDATE,
    "update_dataset_default_graphs": _UPDATE,
    "update_dataset_named_graphs": _UPDATE,
    "update_dataset_full": _UPDATE,
    "update_post_form": _UPDATE,
    "update_post_direct": _UPDATE,
    "update_base_uri": _UPDATE,
}


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: str


@dataclass(frozen=True)
class Response:
    status: str  # "2xx or 3xx" or "4xx"
    media_types: tuple[str, ...]
    body: str


def _dedent(block: str) -> list[str]:
    return [line[4:] if line.startswith("    ") else line for line in block.split("\n")]


def _request(block: str) -> Request:
    lines = _dedent(block.strip("\n"))
    method, target = lines[0].split()[:2]
    headers, at = [], 1
    while at < len(lines) and lines[at].strip():
        name, _, value = lines[at].partition(":")
        headers.append((name.strip(), value.strip()))
        at += 1
    return Request(method, target, tuple(headers), "\n".join(lines[at + 1 :]).strip())


def _response(block: str) -> Response:
    lines = [line.strip() for line in _dedent(block) if line.strip()]
    status = "4xx" if lines[0].startswith("4xx") else "2xx or 3xx"
    types = [line for line in lines[1:] if line.startswith("Content-Type:")]
    media = tuple(re.findall(r"[a-z]+/[a-z0-9.+-]+", types[0])) if types else ()
    body = " ".join(line for line in lines[1:] if not line.startswith("Content-Type:"))
    return Response(status, media, body)


def exchanges(comment: str) -> list[tuple[Request, Response]]:
    """The (request, expected response) pairs of a test's comment, in order."""
    parts = re.split(r"^#### (Request|Response)\s*$", comment, flags=re.MULTILINE)
    pairs, pending = [], None
    for heading, block in zip(parts[1::2], parts[2::2], strict=True):
        block = block.split("\nfollowed by")[0]
        if heading == "Request":
            pending = _request(block)
        else:
            pairs.append((pending, _response(block)))
    return pairs


def _manifest() -> dict[str, dict]:
    graph = Graph().parse(MANIFEST, format="turtle")
    (manifest,) = graph.subjects(RDF.type, MF.Manifest)
    entries = Collection(graph, graph.value(manifest, MF.entries))
    return {
        str(entry).removeprefix(BASE): {
            "name": str(graph.value(entry, MF.name)),
            "exchanges": exchanges(str(graph.value(entry, RDFS.comment))),
        }
        for entry in entries
    }


TESTS = _manifest()
APPLICABLE = [name for name in TESTS if name not in NOT_APPLICABLE]


@pytest.fixture(scope="module")
def store():
    store = open_store()
    load_bundled(store)
    return store


@pytest.fixture(scope="module")
def client(store):
    return TestClient(create_app(store))


def send(client: TestClient, request: Request):
    """``request`` as the manifest writes it, to the endpoint (``/sparql`` or ``/sparql/``: the service's
    address), with the body in the charset its Content-Type names."""
    target = urlsplit(request.target)
    headers = {k: v for k, v in request.headers if k.lower() not in ("host", "content-length")}
    charset = re.search(r"charset=([\w-]+)", headers.get("Content-Type", ""), re.IGNORECASE)
    body = request.body.encode(charset[1] if charset else "utf-8")
    url = "/sparql" + (f"?{target.query}" if target.query else "")
    return client.request(request.method, url, headers=headers, content=body or None)


def _boolean(response) -> bool:
    media = response.headers["content-type"].split(";")[0]
    if media.endswith("json"):
        return json.loads(response.text)["boolean"]
    found = ElementTree.fromstring(response.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
    return found.text.strip() == "true"


def check(response, expected: Response) -> None:
    low, high = (400, 500) if expected.status == "4xx" else (200, 400)
    assert low <= response.status_code < high, (response.status_code, response.text)
    if expected.media_types:
        assert response.headers["content-type"].split(";")[0].strip() in expected.media_types
    if expected.body in ("true", "false"):
        assert _boolean(response) is (expected.body == "true")
    else:
        assert not expected.body, f"an expectation this runner does not read: {expected.body}"


@pytest.mark.parametrize("name", APPLICABLE)
def test_protocol(client, name):
    assert TESTS[name]["exchanges"], "no request found in the test's comment"
    for request, expected in TESTS[name]["exchanges"]:
        check(send(client, request), expected)


@pytest.mark.parametrize("name", sorted(NOT_APPLICABLE))
def test_not_applicable_requests_are_refused_and_change_nothing(store, client, name):
    before = (store.graphs(), store.count())
    request = TESTS[name]["exchanges"][0][0]
    response = send(client, request)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert (store.graphs(), store.count()) == before


def _is_update(request: Request) -> bool:
    return "sparql-update" in dict(request.headers).get("Content-Type", "") or "update=" in request.body


def _names_a_dataset(request: Request) -> bool:
    text = request.target + " " + request.body
    return "default-graph-uri=" in text or "named-graph-uri=" in text


def test_every_entry_is_run_or_excluded_with_its_reason():
    assert len(TESTS) == 34
    assert set(NOT_APPLICABLE) <= set(TESTS), "an exclusion names no test of the manifest"
    assert set(APPLICABLE) | set(NOT_APPLICABLE) == set(TESTS)
    for name, reason in NOT_APPLICABLE.items():
        first = TESTS[name]["exchanges"][0][0]
        expected = TESTS[name]["exchanges"][0][1]
        assert expected.status == "2xx or 3xx", f"{name} expects a refusal: it applies, run it"
        if reason == _UPDATE:
            assert _is_update(first), name
        else:
            assert reason == _DATASET and _names_a_dataset(first) and not _is_update(first), name


# --- what the manifest's tests brought to light ----------------------------------------------------------


def test_relative_iris_resolve_against_the_data_namespace(client):
    """The base IRI is the service's to define (update_base_uri: "which MAY be the service endpoint"):
    the data's namespace, the same on every host."""
    response = client.get("/sparql", params={"query": "ASK { <id/organisation/ilo> ?p ?o }"})
    assert response.status_code == 200 and response.json()["boolean"] is True
    construct = client.get("/sparql", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"})
    assert "<https://w3id.org/msp/s> <https://w3id.org/msp/p> 1" in construct.text


def test_a_syntax_error_names_the_position_in_the_query_as_sent(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400 and response.text.startswith("query:1:25: ")


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_a_dataset_in_the_url_of_a_direct_post_is_refused(client, parameter):
    response = client.post(
        f"/sparql?{parameter}=urn:g", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 400 and "dataset" in response.text
