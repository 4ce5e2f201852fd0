"""The partner-alliance network: a bipartite networkx graph, drawn, made an HTML page or saved for Gephi.

Nodes are partners (``kind="partner"``, with their stakeholder group) and partnerships
(``kind="partnership"``); an edge joins a partner to a partnership it is a member of (any role), with the
roles and a ``weight`` (how many roles, at least 1). ``partner_projection`` is the partner-partner graph,
weighted by the partnerships two partners share.

The picture (SVG, PNG) and the HTML page share one layout (``layout``): partnerships on a circle, the
partners of a single partnership in a fan outside it, the partners of several inside, near the partnerships
they belong to; then each label is put in the first free place near its node (``place_labels``), so that no
two labels overlap and no label covers a marker.

>>> from msp_graph.loading import open_store
>>> g = network(open_store())
>>> g.number_of_nodes()
0
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import textwrap
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from importlib import resources
from typing import TYPE_CHECKING

from .errors import LoadError, MspGraphError
from .stores import Store

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "NETWORK_FORMATS",
    "draw",
    "figure",
    "label_order",
    "layout",
    "network",
    "network_format",
    "network_html",
    "partner_projection",
    "place_labels",
    "render_network",
]

NETWORK_FORMATS = ("svg", "png", "html", "graphml")

_QUERY = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX msp: <https://w3id.org/msp/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?partner ?partnership ?group ?groupLabel ?role WHERE {
  ?m org:member ?partner ; org:organization ?partnership .
  ?partnership a msp:Partnership .
  OPTIONAL { ?m org:role ?role }
  OPTIONAL {
    ?partner msp:stakeholderGroup ?group .
    OPTIONAL { ?group skos:prefLabel ?groupLabel . FILTER (LANG(?groupLabel) = "en") }
  }
}
"""
# The display label of docs/model.md: skos:prefLabel, else an rdfs:label that is not also an altLabel or
# hiddenLabel (after reasoning every acronym is an rdfs:label too); English or untagged; the smallest.
_LABELS = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?node (MIN(STR(?name)) AS ?label) WHERE {
  { SELECT DISTINCT ?node WHERE { { ?m org:member ?node } UNION { ?m org:organization ?node } } }
  {
    { ?node skos:prefLabel ?name }
    UNION
    {
      ?node rdfs:label ?name .
      FILTER NOT EXISTS { ?node skos:altLabel|skos:hiddenLabel ?name }
      FILTER NOT EXISTS {
        ?node skos:prefLabel ?pref . FILTER (LANG(?pref) = "" || LANGMATCHES(LANG(?pref), "en"))
      }
    }
  }
  FILTER (LANG(?name) = "" || LANGMATCHES(LANG(?name), "en"))
}
GROUP BY ?node
"""
_NO_GROUP = "no stakeholder group recorded"
# tab10 then Set3 (matplotlib's colour maps), written out so that the HTML page needs no matplotlib.
PALETTE = (
    *("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"),
    *("#17becf", "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5"),
    *("#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"),
)
#: Font size and marker size (square side, circle diameter), in points, by kind of node.
FONT = {"partnership": 8.0, "partner": 6.5}
MARKER = {"partnership": 12.0, "partner": 7.0}
#: Partner names are written beside their nodes up to this many partners; past it, only on hover (the
#: SVG's and the page's tooltips): thousands of names cannot be read on one picture anyway.
LABELLED_PARTNERS = 400
_WRAP = 32
# What XML 1.0 cannot hold (SVG, GraphML): shown as U+FFFD in a label.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _value(solution, name: str) -> str | None:
    term = solution[name]
    return None if term is None else term.value


def network(store: Store) -> nx.Graph:
    """The bipartite partner-partnership graph of ``store`` (memberships of every role)."""
    import networkx as nx  # networkx and matplotlib: only for the commands that draw

    graph = nx.Graph()
    groups: dict[str, set[str]] = defaultdict(set)
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    labels = {row["node"].value: row["label"].value for row in store.query(_LABELS)}
    for row in store.query(_QUERY):
        partner, partnership = _value(row, "partner"), _value(row, "partnership")
        graph.add_node(
            partnership, kind="partnership", bipartite=1, label=labels.get(partnership, partnership)
        )
        graph.add_node(partner, kind="partner", bipartite=0, label=labels.get(partner, partner))
        group = _value(row, "groupLabel") or _value(row, "group")
        if group:
            groups[partner].add(group)
        role = _value(row, "role")
        if role:
            roles[(partner, partnership)].add(role.rsplit("/", 1)[-1])
        graph.add_edge(partner, partnership, weight=1)
    for node, data in graph.nodes(data=True):
        if data["kind"] == "partner":
            data["group"] = "; ".join(sorted(groups[node])) or _NO_GROUP
    for (partner, partnership), found in roles.items():
        graph.edges[partner, partnership].update(roles=" ".join(sorted(found)), weight=len(found))
    return graph


def partner_projection(graph: nx.Graph) -> nx.Graph:
    """The partner-partner graph of a ``network()``: an edge joins two partners that share a partnership,
    ``weight`` = how many they share, ``partnerships`` = their labels ("; "-separated, sorted).

    >>> import networkx as nx
    >>> g = nx.Graph([("a", "P"), ("b", "P"), ("a", "Q"), ("b", "Q"), ("c", "Q")])
    >>> nx.set_node_attributes(g, {n: "partnership" if n.isupper() else "partner" for n in g}, "kind")
    >>> nx.set_node_attributes(g, {n: n for n in g}, "label")
    >>> sorted(partner_projection(g).edges(data="weight"))
    [('a', 'b', 2), ('a', 'c', 1), ('b', 'c', 1)]
    """
    import networkx as nx

    projection = nx.Graph()
    partners = sorted(n for n, kind in graph.nodes(data="kind") if kind == "partner")
    for partner in partners:
        data = graph.nodes[partner]
        projection.add_node(partner, label=data["label"], group=data.get("group", _NO_GROUP))
        projection.nodes[partner]["partnerships"] = graph.degree(partner)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for partnership in sorted(n for n, kind in graph.nodes(data="kind") if kind == "partnership"):
        members = sorted(graph[partnership])
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                shared[(a, b)].append(graph.nodes[partnership]["label"])
    for (a, b), names in sorted(shared.items()):
        projection.add_edge(a, b, weight=len(names), partnerships="; ".join(sorted(names)))
    return projection


def _graphml(graph: nx.Graph) -> bytes:
    """GraphML of ``graph`` with nodes and edges in a fixed order (same data, same bytes)."""
    import networkx as nx

    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(graph.nodes(data=True)))
    ordered.add_edges_from(sorted((min(a, b), max(a, b), d) for a, b, d in graph.edges(data=True)))
    for data in (*(d for _, d in ordered.nodes(data=True)), *(d for _, _, d in ordered.edges(data=True))):
        data.update({k: _NOT_XML.sub("\ufffd", v) for k, v in data.items() if isinstance(v, str)})
    out = io.BytesIO()
    nx.write_graphml(ordered, out)
    return out.getvalue()


# --- layout --------------------------------------------------------------------------------------------


def _display(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _lines(graph: nx.Graph, node: str) -> list[str]:
    """A node's label as the lines it is written in (long names wrapped)."""
    label = " ".join(_display(graph.nodes[node]["label"]).split()) or node
    return textwrap.wrap(label, _WRAP, break_long_words=False, break_on_hyphens=False) or [label]


def _sort_key(graph: nx.Graph) -> Callable[[str], tuple]:
    return lambda node: (graph.nodes[node]["label"].casefold(), node)


def layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """Node positions in points (y upwards), the same for the same graph: partnerships on a circle, in
    arcs sized by their own partners; a partner of one partnership in its fan, outside the circle; a
    partner of several inside, between its partnerships, moved aside until it touches no other node."""
    key = _sort_key(graph)
    partnerships = sorted((n for n, kind in graph.nodes(data="kind") if kind == "partnership"), key=key)
    own = {p: sorted((m for m in graph[p] if graph.degree(m) == 1), key=key) for p in partnerships}
    slots = [len(own[p]) + 2 for p in partnerships]
    total = sum(slots) or 1
    outer = max(160.0, 14.0 * total / math.tau)
    position: dict[str, tuple[float, float]] = {}
    start = 0
    for p, slot in zip(partnerships, slots, strict=True):
        position[p] = _polar(0.62 * outer, (start + slot / 2) / total)
        for i, member in enumerate(own[p]):
            position[member] = _polar(outer, (start + i + 1.5) / total)
        start += slot
    shared = sorted((n for n in graph if n not in position), key=lambda n: (-graph.degree(n), *key(n)))
    inside: list[tuple[float, float]] = [position[p] for p in partnerships]
    for member in shared:
        x = 0.45 * sum(position[p][0] for p in graph[member]) / graph.degree(member)
        y = 0.45 * sum(position[p][1] for p in graph[member]) / graph.degree(member)
        position[member] = _free_spot(x, y, inside, 2 * MARKER["partnership"])
        inside.append(position[member])
    return position


def _polar(radius: float, turns: float) -> tuple[float, float]:
    """The point at ``radius`` and ``turns`` of a full turn clockwise from the top."""
    angle = math.pi / 2 - math.tau * turns
    return radius * math.cos(angle), radius * math.sin(angle)


def _free_spot(x: float, y: float, taken: list[tuple[float, float]], gap: float) -> tuple[float, float]:
    """``(x, y)``, or the first point of a spiral around it at least ``gap`` from every point taken."""
    for step in range(10_000):
        angle, radius = step * 2.4, gap * math.sqrt(step)  # the golden-angle spiral: even, no repeats
        px, py = x + radius * math.cos(angle), y + radius * math.sin(angle)
        if all(math.hypot(px - tx, py - ty) >= gap for tx, ty in taken):
            return px, py
    return x, y


Box = tuple[float, float, float, float]


def place_labels(
    position: dict[str, tuple[float, float]],
    sizes: dict[str, tuple[float, float]],
    markers: dict[str, float],
    order: list[str],
) -> dict[str, Box]:
    """Label boxes ``(x0, y0, x1, y1)`` for the nodes of ``order``, in that order: each in the first of its
    candidate places (``_candidates``) that overlaps no label placed before and no node's marker
    (``markers``: a node's marker size); a 1-point gap is kept around every box. A label that finds no
    free place (a crowd of thousands) takes its first place."""
    cells: dict[tuple[int, int], list[Box]] = defaultdict(list)
    cell = 24.0

    def keys(box: Box) -> Iterator[tuple[int, int]]:
        for i in range(math.floor(box[0] / cell), math.floor(box[2] / cell) + 1):
            for j in range(math.floor(box[1] / cell), math.floor(box[3] / cell) + 1):
                yield i, j

    def free(box: Box) -> bool:
        return not any(_overlap(box, other) for k in keys(box) for other in cells.get(k, ()))

    def take(box: Box) -> None:
        for k in keys(box):
            cells[k].append(box)

    for node, (x, y) in position.items():
        half = markers[node] / 2 + 1.0
        take((x - half, y - half, x + half, y + half))
    placed: dict[str, Box] = {}
    for node in order:
        x, y = position[node]
        width, height = sizes[node]
        boxes = (
            (x0 - 1.0, y0 - 1.0, x0 + width + 1.0, y0 + height + 1.0)
            for x0, y0 in _candidates(x, y, markers[node] / 2 + 2.0, width, height)
        )
        first = None
        for box in boxes:
            first = first or box
            if free(box):
                break
        else:
            box = first
        take(box)
        placed[node] = (box[0] + 1.0, box[1] + 1.0, box[2] - 1.0, box[3] - 1.0)
    return placed


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _candidates(x: float, y: float, gap: float, width: float, height: float) -> Iterator[tuple[float, float]]:
    """Lower-left corners of a label's places, nearest first: beside the node on the side away from the
    centre, the other side, above, below; then moved outwards and up or down, step by step."""
    side = 1.0 if x >= 0 else -1.0
    near = x + gap if side > 0 else x - gap - width
    far = x - gap - width if side > 0 else x + gap
    bases = [
        (near, y - height / 2),
        (far, y - height / 2),
        (x - width / 2, y + gap),
        (x - width / 2, y - gap - height),
    ]
    yield from bases
    for k in range(1, 80):
        rise = k * (height / 2 + 1.0)
        for bx, by in bases[:2]:
            outwards = side * k * 6.0 if bx == near else -side * k * 6.0
            yield bx, by + rise
            yield bx, by - rise
            yield bx + outwards, by + rise
            yield bx + outwards, by - rise


def label_order(graph: nx.Graph) -> list[str]:
    """The nodes whose labels are written, most important first: partnerships, then partners by number
    of partnerships (every partner up to ``LABELLED_PARTNERS`` partners, else none)."""
    key = _sort_key(graph)
    kinds = dict(graph.nodes(data="kind"))
    partnerships = sorted((n for n in graph if kinds[n] == "partnership"), key=key)
    partners = sorted((n for n in graph if kinds[n] == "partner"), key=lambda n: (-graph.degree(n), *key(n)))
    return partnerships + (partners if len(partners) <= LABELLED_PARTNERS else [])


def _colours(graph: nx.Graph) -> dict[str, str]:
    """The colour of each stakeholder group (a partner in several groups counts in its first, sorted)."""
    groups = sorted({_first_group(d) for _, d in graph.nodes(data=True) if d["kind"] == "partner"})
    return {group: PALETTE[i % len(PALETTE)] for i, group in enumerate(groups)}


def _first_group(data: dict) -> str:
    return data["group"].split("; ")[0]


def _tooltip(graph: nx.Graph, node: str) -> str:
    data = graph.nodes[node]
    if data["kind"] == "partnership":
        return f"{_display(data['label'])}\npartnership, {graph.degree(node)} partners\n{node}"
    count = graph.degree(node)
    return (
        f"{_display(data['label'])}\n{_display(data['group'])}\n"
        f"member of {count} partnership{'s' if count != 1 else ''}\n{node}"
    )


# --- the picture ---------------------------------------------------------------------------------------


def draw(graph: nx.Graph, *, format: str = "svg", title: str = "Partners and partnerships") -> bytes:
    """The picture of a network from ``network()`` as SVG or PNG bytes (matplotlib, Agg backend; the
    ``picture`` extra: ``MspGraphError`` naming it when matplotlib is not installed). The SVG keeps its
    text as text and gives each node a tooltip (``<title>``: name, group, number of partnerships)."""
    try:
        import matplotlib
    except ImportError:
        raise MspGraphError(
            f"drawing the network as {format}: matplotlib is not installed; "
            "pip install 'msp-graph[picture]' (html and graphml need nothing more)"
        ) from None
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rc = {"svg.fonttype": "none", "svg.hashsalt": "msp-graph", "path.simplify": False}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs: the SVG keeps the text, the PNG a box
        fig = figure(graph, title=title)
        try:
            out = io.BytesIO()
            metadata = {"Date": None} if format == "svg" else {}
            fig.savefig(out, format=format, bbox_inches="tight", metadata=metadata, dpi=150)
        finally:
            plt.close(fig)
    if format != "svg":
        return out.getvalue()
    return _svg_tooltips(out.getvalue().decode("utf-8"), graph).encode("utf-8")


def _svg_tooltips(svg: str, graph: nx.Graph) -> str:
    """Each node's group (``<g id="msp-node-N">``, from its artist's gid) gets a ``<title>``."""
    nodes = sorted(graph)

    def titled(found: re.Match) -> str:
        tip = html.escape(_tooltip(graph, nodes[int(found.group(1))]), quote=False)
        return f"{found.group(0)}\n   <title>{tip}</title>"

    return re.sub(r'<g id="msp-node-(\d+)">', titled, svg)


def figure(graph: nx.Graph, *, title: str = "Partners and partnerships"):
    """The matplotlib figure ``draw`` saves: one data unit is one point; every label measured, then
    placed by ``place_labels``; a leader line joins a label put away from its node."""
    from matplotlib import pyplot as plt
    from matplotlib.collections import LineCollection

    position = layout(graph)
    kinds = dict(graph.nodes(data="kind"))
    order = label_order(graph)
    fig = plt.figure(figsize=(4, 3))
    sizes = _measure(fig, graph, order)
    markers = {n: MARKER[kinds[n]] for n in graph}
    boxes = place_labels(position, sizes, markers, order)
    x0, y0, x1, y1 = _extent(position, boxes)
    width, height = max(288.0, x1 - x0), max(216.0, y1 - y0)  # points; one data unit is one point
    fig.set_size_inches(width / 72, height / 72)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim((x0 + x1 - width) / 2, (x0 + x1 + width) / 2)
    ax.set_ylim((y0 + y1 - height) / 2, (y0 + y1 + height) / 2)
    ax.set_axis_off()
    segments = [(position[a], position[b]) for a, b in sorted(tuple(sorted(e)) for e in graph.edges)]
    ax.add_collection(LineCollection(segments, colors="#999999", linewidths=0.5, alpha=0.5, zorder=1))
    leaders = [
        (position[n], _nearest(position[n], boxes[n]))
        for n in order
        if _away(position[n], boxes[n], n, kinds)
    ]
    ax.add_collection(LineCollection(leaders, colors="#555555", linewidths=0.4, zorder=2))
    _draw_nodes(ax, graph, position)
    for node in order:
        ax.text(
            boxes[node][0], boxes[node][1], "\n".join(_lines(graph, node)), fontsize=FONT[kinds[node]],
            ha="left", va="bottom", zorder=4, parse_math=False, linespacing=1.1,
            fontweight="bold" if kinds[node] == "partnership" else "normal",
        )  # fmt: skip
    for artist in ax.get_children():  # all inside the axes: the tight box need not measure each
        artist.set_in_layout(False)
    _legend(fig, graph, title)
    return fig


def _measure(fig, graph: nx.Graph, order: list[str]) -> dict[str, tuple[float, float]]:
    """Each label's width and height in points, as matplotlib lays it out."""
    renderer = fig.canvas.get_renderer()
    kinds = dict(graph.nodes(data="kind"))
    sizes = {}
    for node in order:
        text = fig.text(
            0, 0, "\n".join(_lines(graph, node)), fontsize=FONT[kinds[node]], parse_math=False,
            linespacing=1.1, fontweight="bold" if kinds[node] == "partnership" else "normal",
        )  # fmt: skip
        extent = text.get_window_extent(renderer)
        sizes[node] = (extent.width * 72 / fig.dpi, extent.height * 72 / fig.dpi)
        text.remove()
    return sizes


def _extent(position: dict, boxes: dict) -> Box:
    xs = [x for x, _ in position.values()] + [v for b in boxes.values() for v in (b[0], b[2])]
    ys = [y for _, y in position.values()] + [v for b in boxes.values() for v in (b[1], b[3])]
    if not xs:
        return (-100.0, -75.0, 100.0, 75.0)
    return (min(xs) - 12, min(ys) - 12, max(xs) + 12, max(ys) + 12)


def _away(point: tuple[float, float], box: Box, node: str, kinds: dict) -> bool:
    """Whether a label was put away from its node (more than its marker's reach)."""
    nx_, ny = _nearest(point, box)
    return math.hypot(point[0] - nx_, point[1] - ny) > MARKER[kinds[node]] / 2 + 3.5


def _nearest(point: tuple[float, float], box: Box) -> tuple[float, float]:
    return (min(max(point[0], box[0]), box[2]), min(max(point[1], box[1]), box[3]))


def _draw_nodes(ax, graph: nx.Graph, position: dict) -> None:
    """One artist per node (its gid ``msp-node-N``, N its rank in sorted order), for the SVG tooltips;
    made as ``scatter`` makes them, less its bounds computation (the limits are set already)."""
    from matplotlib.collections import PathCollection
    from matplotlib.markers import MarkerStyle
    from matplotlib.transforms import IdentityTransform

    colours = _colours(graph)
    paths = {}
    for marker in ("s", "o"):
        style = MarkerStyle(marker)
        paths[marker] = style.get_path().transformed(style.get_transform())
    for i, node in enumerate(sorted(graph)):
        data = graph.nodes[node]
        partnership = data["kind"] == "partnership"
        colour = "#333333" if partnership else colours[_first_group(data)]
        artist = PathCollection(
            [paths["s" if partnership else "o"]], sizes=[MARKER[data["kind"]] ** 2], offsets=[position[node]],
            offset_transform=ax.transData, facecolors=[colour], edgecolors="white", linewidths=0.4, zorder=3,
        )  # fmt: skip
        artist.set_transform(IdentityTransform())  # sizes in points, as scatter's
        artist.set_gid(f"msp-node-{i}")
        ax.add_collection(artist, autolim=False)


def _legend(fig, graph: nx.Graph, title: str) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="s", linestyle="", color="#333333", markersize=9, label="partnership")]
    handles += [
        Line2D([], [], marker="o", linestyle="", color=colour, markersize=7, label=_display(group))
        for group, colour in _colours(graph).items()
    ]
    fig.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
        title="stakeholder group (a partner in several: its first)",
    )  # fmt: skip
    fig.suptitle(_display(title), x=0.0, ha="left", y=1.02)


# --- the page ------------------------------------------------------------------------------------------


def network_html(graph: nx.Graph, *, title: str = "Partners and partnerships") -> bytes:
    """A self-contained HTML page of a network from ``network()``: the nodes and edges as JSON inside it, a
    small script (no library, nothing fetched: its Content-Security-Policy forbids it) to pan, zoom, find
    a name and light up a node's neighbours. Labels are placed as in the picture, their sizes estimated."""
    position = layout(graph)
    kinds = dict(graph.nodes(data="kind"))
    order = label_order(graph)
    lines = {n: _lines(graph, n) for n in order}
    sizes = {
        n: (0.62 * FONT[kinds[n]] * max(map(len, lines[n])), 1.2 * FONT[kinds[n]] * len(lines[n]))
        for n in order
    }
    boxes = place_labels(position, sizes, {n: MARKER[kinds[n]] for n in graph}, order)
    nodes = sorted(graph)
    index = {node: i for i, node in enumerate(nodes)}
    colours = _colours(graph)
    records = []
    for node in nodes:
        data, (x, y) = graph.nodes[node], position[node]
        record = {"kind": data["kind"], "label": _display(data["label"]), "tip": _tooltip(graph, node)}
        record.update(x=round(x, 1), y=round(-y, 1), size=MARKER[data["kind"]])
        record["colour"] = "#333333" if data["kind"] == "partnership" else colours[_first_group(data)]
        if node in boxes:
            box = boxes[node]
            record.update(
                lines=lines[node], font=FONT[data["kind"]], lx=round(box[0], 1), ly=round(-box[3], 1)
            )
            if _away((x, y), box, node, kinds):
                end = _nearest((x, y), box)
                record["leader"] = [round(end[0], 1), round(-end[1], 1)]
        records.append(record)
    edges = sorted(
        [min(index[a], index[b]), max(index[a], index[b]), d.get("weight", 1)]
        for a, b, d in graph.edges(data=True)
    )
    x0, y0, x1, y1 = _extent(position, boxes)
    payload = {
        "title": _display(title),
        "box": [round(x0, 1), round(-y1, 1), round(x1 - x0, 1), round(y1 - y0, 1)],
        "groups": [[_display(g), c] for g, c in colours.items()],
        "nodes": records,
        "edges": edges,
    }
    return _page(payload, title)


def _page(payload: dict, title: str) -> bytes:
    """The page template (``assets/network.html``) with the data inside: JSON in ASCII, with ``<``, ``>``
    and ``&`` escaped, so that no name can end the script element it sits in."""
    text = json.dumps(payload, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    template = resources.files(__package__).joinpath("assets", "network.html").read_text("utf-8")
    page = template.replace("__MSP_TITLE__", html.escape(_display(title)))
    return page.replace("__MSP_DATA__", text).encode("utf-8")


def network_format(format: str, *, projection: bool = False) -> str:
    """``format`` checked (lower case) for ``render_network``: ``LoadError`` if unknown, ``MspGraphError``
    if ``projection`` is asked for with another format than GraphML."""
    fmt = format.lower()
    if fmt not in NETWORK_FORMATS:
        raise LoadError(f"{format}: unknown network format; use one of: {', '.join(NETWORK_FORMATS)}")
    if projection and fmt != "graphml":
        raise MspGraphError(f"--partners: a GraphML graph; not with -f {fmt} (use -f graphml)")
    return fmt


def render_network(store: Store, *, format: str = "svg", projection: bool = False) -> bytes:
    """The network of ``store`` as ``svg``, ``png``, ``html`` or ``graphml`` (for Gephi) bytes; with
    ``projection``, the GraphML of ``partner_projection`` instead (partners only, edges weighted by the
    partnerships they share)."""
    fmt = network_format(format, projection=projection)
    graph = network(store)
    if fmt == "graphml":
        return _graphml(partner_projection(graph) if projection else graph)
    if fmt == "html":
        return network_html(graph)
    return draw(graph, format=fmt)
