"""The dataset's description at ``/.well-known/void`` (the well-known location of the VoID specification,
section 7) in VoID and DCAT: title, licences (CC BY 4.0 for the data, as ``dct:license``; both it and MIT,
the code's, named in ``dct:rights``), triple count, URI space, vocabulary, the SPARQL endpoint as a
``dcat:DataService`` (a server) or the dumps as ``void:dataDump`` and ``dcat:Distribution`` (a published
site), and example resources (partnerships first)."""

from __future__ import annotations

import pyoxigraph as ox

from ..queries import run_query
from ..stores import Store
from .pages import ID

__all__ = ["CODE_LICENCE", "DATASET", "DATA_LICENCE", "RIGHTS", "void_statements"]

DATASET = "https://w3id.org/msp/dataset"
DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
CODE_LICENCE = "https://opensource.org/license/mit"
RIGHTS = (
    f"The data is licensed under CC BY 4.0 ({DATA_LICENCE}): attribute msp-graph contributors and the "
    f"sources each statement cites (dct:source). The code of msp-graph is licensed under MIT "
    f"({CODE_LICENCE})."
)
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


def void_statements(
    store: Store, triples: int, *, endpoint: str | None, dumps: dict[str, str] | None = None
) -> list[ox.Triple]:
    """The description's triples; ``triples`` is the store's size, ``endpoint`` the served /sparql URL (None:
    no endpoint), ``dumps`` the whole dataset's files (URL -> media type)."""
    dataset = ox.NamedNode(DATASET)

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
        about(dataset, _DCT + "rights", ox.Literal(RIGHTS, language="en")),
        about(dataset, _VOID + "triples", ox.Literal(str(triples), datatype=ox.NamedNode(_XSD_INTEGER))),
        about(dataset, _VOID + "uriSpace", ox.Literal(ID)),
        about(dataset, _VOID + "vocabulary", ox.NamedNode("https://w3id.org/msp/ontology#")),
    ]
    if endpoint is not None:
        service = ox.NamedNode(endpoint)
        out += [
            about(dataset, _VOID + "sparqlEndpoint", service),
            about(dataset, _DCAT + "accessService", service),
            ox.Triple(service, _RDF_TYPE, ox.NamedNode(_DCAT + "DataService")),
            about(service, _DCAT + "endpointURL", service),
            about(service, _DCAT + "servesDataset", dataset),
            about(service, _DCT + "conformsTo", ox.NamedNode("https://www.w3.org/TR/sparql11-protocol/")),
        ]
    for url, media_type in sorted((dumps or {}).items()):
        dump = ox.NamedNode(url)
        out += [
            about(dataset, _VOID + "dataDump", dump),
            about(dataset, _DCAT + "distribution", dump),
            ox.Triple(dump, _RDF_TYPE, ox.NamedNode(_DCAT + "Distribution")),
            about(dump, _DCAT + "downloadURL", dump),
            about(dump, _DCAT + "mediaType", ox.Literal(media_type)),
            about(dump, _DCT + "license", ox.NamedNode(DATA_LICENCE)),
        ]
    examples = run_query(store, _EXAMPLES, where="void").rows
    out += [about(dataset, _VOID + "exampleResource", row["node"]) for row in examples]
    return out


_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
