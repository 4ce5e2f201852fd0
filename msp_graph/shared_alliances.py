"""The named query ``partners-sharing-alliances`` evaluated as a pair join in Python: the same rows, sooner.

Its SPARQL text (``queries/partners-sharing-alliances.rq``) pairs every two members of an alliance, groups
the pairs, concatenates the alliances' names and sorts the groups by count and labels. At 10^6 triples that
is 386,828 groups from 442,209 (partner, partner, alliance) rows, and Oxigraph takes 8 s, 3.5 s of them in
ORDER BY. Here the store answers only what is per partner or per alliance (the distinct (partner,
alliance) pairs, 67,279 at 10^6, and the display labels by the rule of docs/model.md, in SPARQL), and the
pairs are made, grouped and sorted in Python: 2.5 s at 10^6, rows made.

``rows`` gives the rows ``queries.run_query`` gives for the SPARQL text: the same order, the same terms, the
list column's items sorted. It declines (None) where the text's semantics need more than a comparison of
IRIs: a member or alliance that is a blank node or a literal (STR, "<" and ORDER BY then follow SPARQL's
rules on mixed terms). The caller then runs the text.
``tests/test_shared_alliances.py`` compares both on bundled, generated and random data, and on servers.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

__all__ = ["VARIABLES", "rows"]

VARIABLES = ["partnerA", "partnerALabel", "partnerB", "partnerBLabel", "sharedCount", "sharedAlliances"]

_SEPARATOR = "; "
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

_PAIRS = """PREFIX org: <http://www.w3.org/ns/org#>
SELECT DISTINCT ?partner ?alliance WHERE { ?membership org:organization ?alliance ; org:member ?partner }"""

# The display-label rule, as the query file writes it: one per node, as a plain string (MIN of STR). For
# every labelled node, members or not: on disk, 0.7 s at 10^6 against 2.5 s when joined to the members.
_LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?node (MIN(STR(?name)) AS ?label)
WHERE {
    { ?node skos:prefLabel ?name }
    UNION
    {
        ?node rdfs:label ?name .
        FILTER NOT EXISTS { ?node skos:altLabel|skos:hiddenLabel ?name }
        FILTER NOT EXISTS {
            ?node skos:prefLabel ?pref .
            FILTER (LANG(?pref) = "" || LANGMATCHES(LANG(?pref), "en"))
        }
    }
    FILTER (LANG(?name) = "" || LANGMATCHES(LANG(?name), "en"))
}
GROUP BY ?node"""


def rows(store, *, partner: ox.NamedNode | None = None, min_shared: int = 1) -> list[dict] | None:
    """The query's rows on ``store`` as ``run_query`` gives them (None where unbound), or None when
    the data holds a member or alliance that is not an IRI (then run the SPARQL text instead).

    ``partner`` and ``min_shared`` are the query's parameters: with ``partner``, only its pairs, with it
    always as partnerA; ``min_shared`` keeps the pairs that share at least that many alliances.
    """
    # A solution decodes its terms each time it is read (from RocksDB on disk): read each once.
    found = [tuple(solution) for solution in store.query(_PAIRS)]
    if not all(isinstance(term, ox.NamedNode) for pair in found for term in pair):
        return None
    if not found:
        return []
    labels = {node: label.value for node, label in store.query(_LABELS) if label is not None}
    # Nodes are numbered in IRI order, so that STR(?partnerA) < STR(?partnerB) compares two ints.
    nodes = sorted({term for pair in found for term in pair}, key=lambda node: node.value)
    number = {node: i for i, node in enumerate(nodes)}
    members: dict[int, list[int]] = defaultdict(list)
    for member, alliance in found:
        members[number[alliance]].append(number[member])
    shared = _pairs(members, len(nodes), None if partner is None else number.get(partner, -1))
    return _ordered(shared, nodes, [labels.get(node) for node in nodes], min_shared)


def _pairs(members: dict[int, list[int]], n: int, partner: int | None) -> dict[int, list[int]]:
    """partnerA * n + partnerB -> each alliance both are members of (with ``partner``, only its pairs)."""
    shared: dict[int, list[int]] = defaultdict(list)
    for alliance, found in members.items():
        if partner is not None:
            if partner in found:
                for other in found:
                    if other != partner:
                        shared[partner * n + other].append(alliance)
            continue
        found.sort()
        for i, first in enumerate(found):
            row = first * n
            for second in found[i + 1 :]:
                shared[row + second].append(alliance)
    return shared


def _ordered(shared: dict[int, list[int]], nodes: list, labels: list, min_shared: int) -> list[dict]:
    """The groups as rows, ORDER BY DESC(count) labelA labelB partnerA partnerB (unbound labels first);
    a pair's alliances named by label, else IRI, each name once (GROUP_CONCAT DISTINCT), counted each."""
    n = len(nodes)
    ranks = {label: rank for rank, label in enumerate(sorted({x for x in labels if x is not None}), 1)}
    rank = [0 if label is None else ranks[label] for label in labels]
    kept = [(pair, alliances) for pair, alliances in shared.items() if len(alliances) >= min_shared]
    most = max((len(alliances) for _, alliances in kept), default=0)
    width = len(ranks) + 1
    # One int per row as its sort key: count (descending), then the two label ranks, then the two IRIs.
    kept.sort(
        key=lambda item: (
            ((((most - len(item[1])) * width + rank[item[0] // n]) * width + rank[item[0] % n]) * n * n)
            + item[0]
        )
    )
    names = [nodes[i].value if label is None else label for i, label in enumerate(labels)]
    terms = [None if label is None else ox.Literal(label) for label in labels]
    counts: dict[int, ox.Literal] = {}
    out = []
    for pair, alliances in kept:
        first, second = divmod(pair, n)
        count = len(alliances)
        if count not in counts:
            counts[count] = ox.Literal(str(count), datatype=_INTEGER)
        # GROUP_CONCAT(DISTINCT), then its items sorted as run_query sorts a list column (split at the
        # separator, which a name may hold too).
        items = sorted(item for name in {names[a] for a in alliances} for item in name.split(_SEPARATOR))
        out.append(
            {
                "partnerA": nodes[first],
                "partnerALabel": terms[first],
                "partnerB": nodes[second],
                "partnerBLabel": terms[second],
                "sharedCount": counts[count],
                "sharedAlliances": ox.Literal(_SEPARATOR.join(items)),
            }
        )
    return out
