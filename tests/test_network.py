"""The partner network (issue 16): a picture readable at a glance (no two labels overlap, no marker covers a
label, every partner named), SVG text as text with a tooltip per node, a self-contained HTML page that no
name can break out of, GraphML with weights and the partner-partner projection, no matplotlib needed for
html and graphml, the same bytes for the same data."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from itertools import combinations
from pathlib import Path
from shutil import which

import networkx as nx
import numpy as np
import pytest
from cli_runs import one_line_error, run

from msp_graph import MspGraphError, get_query, run_query
from msp_graph.loading import open_workspace
from msp_graph.network import draw, figure, network, network_html, render_network
from msp_graph.reasoning import reason_if_missing

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "</script><script>alert(1)</script>"
HOSTILE_TTL = """
@prefix msp: <https://w3id.org/msp/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix group: <https://w3id.org/msp/vocab/stakeholder-group/> .
@prefix ex: <https://example.org/> .
ex:p a msp:Partnership ; rdfs:label "Costs $5 & $6 <b>\\"bold\\"</b> ]]> __MSP_DATA__"@en .
ex:x a org:Organization ; rdfs:label "</script><script>alert(1)</script>"@en ; msp:stakeholderGroup group:un .
ex:y a org:Organization ; rdfs:label "bell\\u0007 and $\\\\frac{1}{0}$ 中文"@en .
ex:m1 a org:Membership ; org:member ex:x ; org:organization ex:p .
ex:m2 a org:Membership ; org:member ex:y ; org:organization ex:p .
"""


@pytest.fixture(scope="module")
def bundled():
    store = open_workspace()
    reason_if_missing(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def graph(bundled):
    return network(bundled)


@pytest.fixture
def hostile(tmp_path) -> Path:
    path = tmp_path / "hostile.ttl"
    path.write_text(HOSTILE_TTL, encoding="utf-8")
    return path


def _partners(graph):
    return [n for n, kind in graph.nodes(data="kind") if kind == "partner"]


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


# --- the picture ----------------------------------------------------------------------------------------


def test_no_two_labels_overlap_and_every_node_is_named_on_the_bundled_data(graph):
    fig = figure(graph)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    texts = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts}
    assert len(ax.texts) == graph.number_of_nodes() == len(texts)
    joined = " ".join(" ".join(text.split()) for text in texts)
    assert all(" ".join(graph.nodes[n]["label"].split()) in joined for n in graph)
    clashes = [(a, b) for (a, box_a), (b, box_b) in combinations(texts.items(), 2) if _overlap(box_a, box_b)]
    assert clashes == []


def test_no_marker_covers_a_label_on_the_bundled_data(graph):
    fig = figure(graph)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    labels = [t.get_window_extent(renderer) for t in ax.texts]
    markers = [c for c in ax.collections if c.get_gid()]
    assert len(markers) == graph.number_of_nodes()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    covered, drawn = 0, 0
    for marker in markers:
        (x, y), half = ax.transData.transform(marker.get_offsets()[0]), marker.get_sizes()[0] ** 0.5 / 2
        half *= fig.dpi / 72
        box = type(labels[0]).from_extents(x - half, y - half, x + half, y + half)
        covered += sum(_overlap(box, label) for label in labels)
        # the marker is drawn there: its centre has its face colour (partnerships #333333)
        if tuple(marker.get_facecolor()[0][:3]) == (0.2, 0.2, 0.2):
            drawn += tuple(pixels[pixels.shape[0] - 1 - round(y), round(x)][:3]) == (0x33, 0x33, 0x33)
    assert covered == 0 and drawn == len([n for n, k in graph.nodes(data="kind") if k == "partnership"])


def test_the_svg_keeps_names_as_text_with_a_tooltip_per_node(graph):
    root = ET.fromstring(draw(graph, format="svg"))
    texts = " ".join(" ".join("".join(t.itertext()).split()) for t in root.iter(f"{SVG}text"))
    missing = [graph.nodes[n]["label"] for n in _partners(graph) if graph.nodes[n]["label"] not in texts]
    assert missing == [] and len(_partners(graph)) == 119
    titles = ["".join(t.itertext()) for t in root.iter(f"{SVG}title")]
    assert len(titles) == graph.number_of_nodes()
    ilo = next(t for t in titles if t.startswith("International Labour Organization\n"))
    assert (
        "United Nations" in ilo
        and f"member of {graph.degree('https://w3id.org/msp/id/organisation/ilo')} " in ilo
    )


def test_hostile_names_are_written_as_given_in_the_svg(hostile):
    store = open_workspace(None, [hostile])
    root = ET.fromstring(render_network(store, format="svg"))
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert HOSTILE in texts and "$5 & $6" in texts and "frac{1}{0}" in texts and "bell\ufffd" in texts
    assert any(HOSTILE in "".join(t.itertext()) for t in root.iter(f"{SVG}title"))


# --- the page -------------------------------------------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.in_script = tag == "script"
        if self.in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            self.scripts[-1] += data


def _page(data: bytes) -> tuple[_Elements, dict]:
    parser = _Elements()
    parser.feed(data.decode("utf-8"))
    payload = re.search(rb'<script type="application/json" id="msp-data">(.*?)</script>', data, re.S)
    return parser, json.loads(payload.group(1))


def test_the_html_page_cannot_be_broken_out_of_by_a_name(hostile):
    page = render_network(open_workspace(None, [hostile]), format="html")
    parser, payload = _page(page)
    assert [tag for tag, _ in parser.tags].count("script") == 2 and page.count(b"</script>") == 2
    labels = {node["label"] for node in payload["nodes"]}
    assert HOSTILE in labels and 'Costs $5 & $6 <b>"bold"</b> ]]> __MSP_DATA__' in labels
    assert b"alert(1)</script>" not in page and page.isascii()  # the JSON is written in ASCII


def test_the_html_page_fetches_nothing_and_its_script_parses(graph, tmp_path):
    page = network_html(graph)
    parser, payload = _page(page)
    assert (
        len(payload["nodes"]) == graph.number_of_nodes() and len(payload["edges"]) == graph.number_of_edges()
    )
    assert not [attrs for _, attrs in parser.tags if {"src", "href"} & set(attrs)]
    assert b"default-src 'none'" in page and b"url(" not in page and b"@import" not in page
    assert all("lines" in node for node in payload["nodes"])  # every name written


# Just enough of a DOM for the page's script: elements that keep attributes, children, classes, listeners.
FAKE_DOM = """
function El() { this.children = []; this.attrs = {}; this.style = {}; this.textContent = ""; this.on = {};
  var set = new Set(); this.classes = set;
  this.classList = {toggle: function (c, yes) { if (yes) set.add(c); else set.delete(c); },
                    add: function (c) { set.add(c); }, remove: function (c) { set.delete(c); }}; }
El.prototype.setAttribute = function (k, v) { this.attrs[k] = String(v); };
El.prototype.appendChild = function (c) { this.children.push(c); return c; };
El.prototype.addEventListener = function (n, f) { (this.on[n] = this.on[n] || []).push(f); };
El.prototype.createSVGPoint = function () {
  return {x: 0, y: 0, matrixTransform: function () { return this; }}; };
El.prototype.getScreenCTM = function () { return {inverse: function () { return {}; }}; };
var els = {};
global.document = {
  getElementById: function (id) { if (!els[id]) { els[id] = new El(); } return els[id]; },
  createElementNS: function () { return new El(); }, createElement: function () { return new El(); },
  createTextNode: function (t) { return {text: t}; }};
document.getElementById("msp-data").textContent = require("fs").readFileSync(process.argv[2], "utf8");
"""
AFTER = """
var nodes = els.nodes.children, lit = function () { return nodes.filter(n => n.classes.has("on")).length; };
nodes[WANTED].on.mouseenter[0]();
var hovered = lit();
nodes[WANTED].on.mouseleave[0]();
els.find.on.input[0]({target: {value: "government of"}});
console.log(JSON.stringify({hovered: hovered, after: lit(), found: els.found.textContent,
  matches: nodes.filter(n => n.classes.has("match")).length, edges: els.edges.children.length,
  titles: nodes.map(n => n.children[0].textContent)}));
"""


@pytest.mark.skipif(which("node") is None, reason="needs Node.js to run the page's script")
def test_the_page_script_lights_neighbours_and_finds_names(graph, tmp_path):
    page = network_html(graph)
    parser, _ = _page(page)
    data = re.search(rb'<script type="application/json" id="msp-data">(.*?)</script>', page, re.S).group(1)
    (tmp_path / "data.json").write_bytes(data)
    ilo = sorted(graph).index("https://w3id.org/msp/id/organisation/ilo")
    script = FAKE_DOM + parser.scripts[-1] + AFTER.replace("WANTED", str(ilo))
    (tmp_path / "page.js").write_text(script, encoding="utf-8")
    ran = subprocess.run(
        ["node", str(tmp_path / "page.js"), str(tmp_path / "data.json")], capture_output=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)
    government = [n for n in graph if graph.nodes[n]["label"].lower().find("government of") >= 0]
    assert seen["hovered"] == 1 + graph.degree(sorted(graph)[ilo]) and seen["after"] == 0
    assert seen["matches"] == len(government) > 20 and seen["found"] == f"{len(government)} found"
    assert seen["edges"] == graph.number_of_edges() and len(seen["titles"]) == graph.number_of_nodes()
    assert seen["titles"][ilo].startswith("International Labour Organization\n")


def test_html_and_graphml_need_no_matplotlib(bundled, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert b"<graphml" in render_network(bundled, format="graphml")
    assert b"msp-data" in render_network(bundled, format="html")
    with pytest.raises(MspGraphError, match=r"msp-graph\[picture\].*html and graphml"):
        render_network(bundled, format="svg")


# --- GraphML --------------------------------------------------------------------------------------------


def test_graphml_edges_carry_a_weight(bundled):
    graph = nx.read_graphml(io.BytesIO(render_network(bundled, format="graphml")))
    weights = {frozenset(e): w for *e, w in graph.edges(data="weight")}
    assert None not in weights.values() and set(weights.values()) == {1, 2}
    giz = "https://w3id.org/msp/id/organisation/giz"
    sp = next(
        n for n, label in graph.nodes(data="label") if label.startswith("Social Protection Inter-Agency")
    )
    assert weights[frozenset((giz, sp))] == 2 and graph.edges[giz, sp]["roles"] == "member technical-partner"


def test_the_partner_graph_weights_are_the_shared_alliances_sparql_counts(bundled, tmp_path):
    target = tmp_path / "partners.graphml"
    assert run("network", "--partners", "-o", target, "-q").exit_code == 0
    graph = nx.read_graphml(target)
    rows = run_query(bundled, get_query("partners-sharing-alliances")).rows
    expected = {
        frozenset((r["partnerA"].value, r["partnerB"].value)): int(r["sharedCount"].value) for r in rows
    }
    assert {frozenset(e): w for *e, w in graph.edges(data="weight")} == expected
    assert len(expected) > 1000 and max(expected.values()) >= 3
    assert all(graph.nodes[n]["partnerships"] >= 1 for n in graph) and graph.number_of_nodes() == 119


def test_partners_only_with_graphml():
    one_line_error(run("network", "--partners", "-f", "svg"), "--partners", "graphml")


# --- the commands, empty data, same bytes ---------------------------------------------------------------


def test_html_by_extension_and_through_export(tmp_path):
    assert run("network", "-o", tmp_path / "net.html", "-q").exit_code == 0
    assert run("export", "-f", "html", "-o", tmp_path / "export.html", "-q").exit_code == 0
    page = (tmp_path / "net.html").read_bytes()
    assert page.startswith(b"<!DOCTYPE html>") and page == (tmp_path / "export.html").read_bytes()


@pytest.mark.parametrize("fmt", ["svg", "html", "graphml", "png"])
def test_no_memberships_give_an_empty_but_valid_file(fmt, tmp_path):
    data = tmp_path / "none.ttl"
    data.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    target = tmp_path / f"net.{fmt}"
    result = run("network", data, "-o", target, "-q")
    assert result.exit_code == 0, result.stderr
    written = target.read_bytes()
    if fmt == "html":
        assert _page(written)[1]["nodes"] == []
    elif fmt == "png":
        assert written.startswith(b"\x89PNG")
    else:
        assert ET.fromstring(written).tag.endswith("svg" if fmt == "svg" else "graphml")


def test_the_same_data_gives_the_same_bytes_in_another_process(tmp_path):
    for fmt in ("svg", "html"):
        outputs = []
        for seed in ("1", "2"):
            target = tmp_path / f"{seed}.{fmt}"
            subprocess.run(
                [sys.executable, "-m", "msp_graph.cli", "network", "-o", str(target), "-q"],
                env={**os.environ, "PYTHONHASHSEED": seed}, check=True, timeout=120, cwd=tmp_path,
            )  # fmt: skip
            outputs.append(target.read_bytes())
        assert outputs[0] == outputs[1], fmt
        assert b"<dc:date>" not in outputs[0]
