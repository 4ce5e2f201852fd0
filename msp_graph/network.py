"""The partner-alliance network: a bipartite networkx graph, drawn or saved for Gephi.

Nodes are partners (``kind="partner"``, with their stakeholder group) and partnerships
(``kind="partnership"``); an edge joins a partner to a partnership it is a member of (any role), with the
roles as an attribute. The picture colours partners by stakeholder group, with a legend.

>>> from msp_graph.loading import open_store
>>> g = network(open_store())
>>> g.number_of_nodes()
0
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import TYPE_CHECKING

from .errors import LoadError, MspGraphError
from .stores import Store

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["NETWORK_FORMATS", "draw", "network", "render_network"]

NETWORK_FORMATS = ("svg", "png", "graphml")

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
        graph.add_edge(partner, partnership)
    for node, data in graph.nodes(data=True):
        if data["kind"] == "partner":
            data["group"] = "; ".join(sorted(groups[node])) or _NO_GROUP
    for (partner, partnership), found in roles.items():
        graph.edges[partner, partnership]["roles"] = " ".join(sorted(found))
    return graph


def draw(graph: nx.Graph, *, format: str = "svg", title: str = "Partners and partnerships") -> bytes:
    """The picture of a network from ``network()`` as SVG or PNG bytes (matplotlib, Agg backend; the
    ``picture`` extra: ``MspGraphError`` naming it when matplotlib is not installed)."""
    try:
        import matplotlib
    except ImportError:
        raise MspGraphError(
            f"drawing the network as {format}: matplotlib is not installed; "
            "pip install 'msp-graph[picture]' (GraphML needs nothing more)"
        ) from None
    import networkx as nx

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.lines import Line2D

    partners = [n for n, d in graph.nodes(data=True) if d["kind"] == "partner"]
    partnerships = [n for n, d in graph.nodes(data=True) if d["kind"] == "partnership"]
    # A partner in several groups is coloured by its first group (sorted); the legend says so.
    first_group = {n: graph.nodes[n]["group"].split("; ")[0] for n in partners}
    palette = matplotlib.colormaps["tab10"].colors + matplotlib.colormaps["Set3"].colors
    colours = {g: palette[i % len(palette)] for i, g in enumerate(sorted(set(first_group.values())))}
    size = max(8.0, min(30.0, 2.0 + 0.25 * graph.number_of_nodes()))
    fig, ax = plt.subplots(figsize=(size, size * 0.75))
    try:
        layout = nx.spring_layout(graph, seed=7, k=1.5 / max(1, graph.number_of_nodes()) ** 0.5)
        nx.draw_networkx_edges(graph, layout, ax=ax, alpha=0.3, width=0.6)
        nx.draw_networkx_nodes(
            graph, layout, nodelist=partners, ax=ax, node_size=60,
            node_color=[colours[first_group[n]] for n in partners],
        )  # fmt: skip
        nx.draw_networkx_nodes(
            graph, layout, nodelist=partnerships, ax=ax, node_size=260, node_shape="s", node_color="#333333"
        )
        nx.draw_networkx_labels(
            graph, layout, labels={n: graph.nodes[n]["label"] for n in partnerships}, ax=ax, font_size=8,
            verticalalignment="bottom",
        )  # fmt: skip
        handles = [
            Line2D([], [], marker="s", linestyle="", color="#333333", markersize=9, label="partnership")
        ] + [
            Line2D([], [], marker="o", linestyle="", color=colour, markersize=7, label=group)
            for group, colour in colours.items()
        ]
        ax.legend(handles=handles, loc="upper left", fontsize=8, title="stakeholder group", frameon=False)
        ax.set_title(title)
        ax.set_axis_off()
        out = io.BytesIO()
        metadata = {"Date": None} if format == "svg" else {}
        fig.savefig(out, format=format, bbox_inches="tight", metadata=metadata)
        return out.getvalue()
    finally:
        plt.close(fig)


def render_network(store: Store, *, format: str = "svg") -> bytes:
    """The network of ``store`` as ``svg``, ``png`` or ``graphml`` (for Gephi) bytes."""
    fmt = format.lower()
    if fmt not in NETWORK_FORMATS:
        raise LoadError(f"{format}: unknown network format; use one of: {', '.join(NETWORK_FORMATS)}")
    graph = network(store)
    if fmt == "graphml":
        out = io.BytesIO()
        import networkx as nx

        nx.write_graphml(graph, out)
        return out.getvalue()
    return draw(graph, format=fmt)
