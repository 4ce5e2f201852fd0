"""The network around a partnership as a picture on its page: inline SVG drawn by ``msp_graph.network``
(the partnership, its members, the other partnerships they are members of), nothing loaded from elsewhere,
the same bytes for the same data (across processes too), the same in the published site."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("matplotlib")
from starlette.testclient import TestClient

from msp_graph.errors import MspGraphError
from msp_graph.loading import open_workspace
from msp_graph.serve import create_app, pages
from msp_graph.serve import publish as site

ID = "https://w3id.org/msp/id/"
DATA = """\
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/msp/id/> .
@prefix group: <https://w3id.org/msp/vocab/stakeholder-group/> .

<https://w3id.org/msp/id/partnership/p1> a msp:Partnership ; rdfs:label "First alliance"@en .
<https://w3id.org/msp/id/partnership/p2> a msp:Partnership ; rdfs:label "Second alliance"@en .
<https://w3id.org/msp/id/partnership/p3> a msp:Partnership ; rdfs:label "Third alliance"@en .
<https://w3id.org/msp/id/organisation/a> rdfs:label "Org A"@en ; msp:stakeholderGroup group:civil-society .
<https://w3id.org/msp/id/organisation/b> rdfs:label "<script>alert(1)</script> B"@en ;
    msp:stakeholderGroup group:workers-organisations .
<https://w3id.org/msp/id/organisation/c> rdfs:label "Org C"@en .
<https://w3id.org/msp/id/organisation/d> rdfs:label "Org D"@en .
<https://w3id.org/msp/id/membership/1> org:organization id:partnership\\/p1 ; org:member id:organisation\\/a .
<https://w3id.org/msp/id/membership/2> org:organization id:partnership\\/p1 ; org:member id:organisation\\/b .
<https://w3id.org/msp/id/membership/3> org:organization id:partnership\\/p2 ; org:member id:organisation\\/b .
<https://w3id.org/msp/id/membership/4> org:organization id:partnership\\/p2 ; org:member id:organisation\\/c .
<https://w3id.org/msp/id/membership/5> org:organization id:partnership\\/p3 ; org:member id:organisation\\/d .
"""


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("picture") / "small.ttl"
    path.write_text(DATA, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def store(data_file):
    with open_workspace(files=[data_file]) as opened:
        yield opened


def svg_of(page: str) -> str:
    found = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(found) == 1, "one picture"
    return found[0]


def test_the_partnership_page_shows_the_network_around_it(store):
    page = TestClient(create_app(store)).get("/page/partnership/p1").text
    svg = svg_of(page)
    shown = set(re.findall(r"https://w3id\.org/msp/id/[a-z]+/[a-z0-9]+", svg))  # each node's tooltip
    # the partnership, its members, the other partnership one member shares; not that one's other members
    assert shown == {
        ID + "partnership/p1",
        ID + "organisation/a",
        ID + "organisation/b",
        ID + "partnership/p2",
    }
    assert "First alliance" in svg and "Second alliance" in svg and "Org A" in svg
    assert page.index('<h2 id="network">') < page.index("<svg")


def test_the_picture_loads_nothing_and_escapes_names(store):
    svg = svg_of(TestClient(create_app(store)).get("/page/partnership/p1").text)
    assert "<script" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt; B" in svg
    links = re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', svg)
    assert all(link.startswith("#") for link in links), links  # only references inside the picture
    assert "<?xml" not in svg and "<metadata" not in svg and "@import" not in svg and "url(http" not in svg


def test_the_same_data_gives_the_same_picture_in_another_process(store, data_file):
    here = hashlib.sha256(svg_of(TestClient(create_app(store)).get("/page/partnership/p1").text).encode())
    script = (
        "import hashlib, re, sys\n"
        "from starlette.testclient import TestClient\n"
        "from msp_graph.loading import open_workspace\n"
        "from msp_graph.serve import create_app\n"
        "with open_workspace(files=[sys.argv[1]]) as store:\n"
        "    page = TestClient(create_app(store)).get('/page/partnership/p1').text\n"
        "print(hashlib.sha256(re.search(r'<svg\\b.*?</svg>', page, re.S).group(0).encode()).hexdigest())\n"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(data_file)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == here.hexdigest()


def test_a_partnership_without_members_or_matplotlib_has_no_picture(store, monkeypatch):
    lonely = TestClient(create_app(store)).get("/page/partnership/p3").text
    assert "<svg" in lonely  # p3 has a member
    client = TestClient(create_app(store))

    def no_matplotlib(*args, **kwargs):
        raise MspGraphError("drawing the network as svg: matplotlib is not installed")

    monkeypatch.setattr(pages, "draw", no_matplotlib)
    page = client.get("/page/partnership/p1")
    assert page.status_code == 200 and "<svg" not in page.text and 'id="network"' not in page.text
    assert "Org A" in page.text


def test_the_published_page_holds_the_same_picture(store, tmp_path):
    served = svg_of(TestClient(create_app(store)).get("/page/partnership/p1", params={"lang": "fr"}).text)
    site.publish(store, None, site.checked_target(tmp_path / "site", False))
    assert svg_of((tmp_path / "site/page/partnership/p1.fr.html").read_text(encoding="utf-8")) == served
