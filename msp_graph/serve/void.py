"""The dataset's description at ``/.well-known/void`` (the well-known location of the VoID specification,
section 7) in VoID and DCAT: title, licence (CC BY 4.0 for the data), triple count, URI space, vocabulary,
the SPARQL endpoint as a ``dcat:DataService``, and example resources (partnerships first)."""

from __future__ import annotations

import pyoxigraph as ox

from ..queries import run_query
from ..stores import Store
from .pages import ID

__all__ = ["DATASET", "DATA_LICENCE", "void_statements"]

DATASET = "https://w3id.org/msp/dataset"
DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
_VOID = "http://rdfs.org/ns/void#"
_DCAT = "http://www.w3.org/ns/dcat#"
_DCT = "http://purl.org/dc/terms/"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_EXAMPLES = """
PREFIX msp: <https://w3id.org/msp/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?node (MIN(?rank) AS ?first) WHERE {
  { ?node a msp:Partnership BIND (0 AS ?rank) } UNION { ?m org:member ?node BIND (1 AS ?rank) }
  FILTER isIRI(?node)
}
GROUP BY ?node ORDER BY ?first ?node LIMIT 3
"""


def void_statements(store: Store, triples: int, *, endpoint: str) -> list[ox.Triple]:
    """The description's triples; ``triples`` is the store's size, ``endpoint`` the served /sparql URL."""
    dataset, service = ox.NamedNode(DATASET), ox.NamedNode(endpoint)

    def about(subject, predicate: str, value) -> ox.Triple:
        return ox.Triple(subject, ox.NamedNode(predicate), value)

    out = [
        ox.Triple(dataset, _RDF_TYPE, ox.NamedNode(_VOID + "Dataset")),
        ox.Triple(dataset, _RDF_TYPE, ox.NamedNode(_DCAT + "Dataset")),
        about(
            dataset,
            _DCT + "title",
            ox.Literal("Multi-stakeholder partnerships knowledge graph", language="en"),
        ),
        about(dataset, _DCT + "license", ox.NamedNode(DATA_LICENCE)),
        about(dataset, _VOID + "triples", ox.Literal(str(triples), datatype=ox.NamedNode(_XSD_INTEGER))),
        about(dataset, _VOID + "uriSpace", ox.Literal(ID)),
        about(dataset, _VOID + "vocabulary", ox.NamedNode("https://w3id.org/msp/ontology#")),
        about(dataset, _VOID + "sparqlEndpoint", service),
        about(dataset, _DCAT + "accessService", service),
        ox.Triple(service, _RDF_TYPE, ox.NamedNode(_DCAT + "DataService")),
        about(service, _DCAT + "endpointURL", service),
        about(service, _DCAT + "servesDataset", dataset),
        about(service, _DCT + "conformsTo", ox.NamedNode("https://www.w3.org/TR/sparql11-protocol/")),
    ]
    examples = run_query(store, _EXAMPLES, where="void").rows
    out += [about(dataset, _VOID + "exampleResource", row["node"]) for row in examples]
    return out


_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
