"""Where a validation result's focus node comes from, so that CI can point at the line to fix: the source
file of the graph that describes it (as the store's metadata names it) and, for imported spreadsheets, the
sheet and row (the import's ``prov:wasDerivedFrom`` row record).

A node described in several source graphs (an organisation listed in ``organisations.ttl`` and named in a
partnership file) gets all of them, sorted and joined with ``; ``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from ..loading import METADATA_GRAPH
from ..stores import Store, source_graph

__all__ = ["Origin", "origins"]

_DCT = "http://purl.org/dc/terms/"
_PROV = "http://www.w3.org/ns/prov#"
_CSVW = "http://www.w3.org/ns/csvw#"


@dataclass(frozen=True)
class Origin:
    """The source (file name, else graph IRI) of a node, and the spreadsheet sheet and row it came from."""

    source: str | None = None
    sheet: str | None = None
    row: int | None = None


def origins(store: Store, nodes: Iterable[str], *, chunk: int = 2000) -> dict[str, Origin]:
    """The ``Origin`` of each IRI of ``nodes`` that some source graph describes (as a subject)."""
    iris = sorted(n for n in set(nodes) if _is_iri(n))  # a literal or blank focus node has no source
    found: dict[str, dict[str, set]] = {}
    for start in range(0, len(iris), chunk):
        values = " ".join(f"<{n}>" for n in iris[start : start + chunk])
        query = f"""
            SELECT DISTINCT ?s ?g ?source ?sheet ?row WHERE {{
                VALUES ?s {{ {values} }}
                GRAPH ?g {{ ?s ?p ?o }}
                FILTER (STRSTARTS(STR(?g), "{source_graph("")}"))
                OPTIONAL {{ GRAPH <{METADATA_GRAPH}> {{ ?g <{_DCT}source> ?source }} }}
                OPTIONAL {{ GRAPH ?g {{ ?s <{_PROV}wasDerivedFrom> ?record .
                    ?record <{_CSVW}rownum> ?row ; <{_DCT}isPartOf> ?table .
                    ?table <{_DCT}title> ?sheet }} }}
            }}"""
        for row in store.query(query):
            entry = found.setdefault(row["s"].value, {"source": set(), "at": set()})
            source = row["source"] if row["source"] is not None else row["g"]
            entry["source"].add(source.value)
            if row["sheet"] is not None:
                entry["at"].add((row["sheet"].value, int(row["row"].value)))
    return {iri: _origin(entry) for iri, entry in found.items()}


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)  # refuses literals' text and blank node labels alike
    except ValueError:
        return False
    return True


def _origin(entry: dict[str, set]) -> Origin:
    # A record imported from one row: that row. Several rows (the same id twice): the first, by sheet name.
    at = min(entry["at"]) if entry["at"] else (None, None)
    return Origin(source="; ".join(sorted(entry["source"])), sheet=at[0], row=at[1])
