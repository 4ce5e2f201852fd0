"""The one table of namespace prefixes msp-graph knows, from which every module picks what it needs.

Queries accept these prefixes in parameter values, reports and tables shorten IRIs with them, the
spreadsheet importer reads them in cells and the data converter writes them; keeping one table means an
IRI is spelt in one place.
"""

from __future__ import annotations

__all__ = ["PREFIXES", "SCHEMES", "select"]

PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "csvw": "http://www.w3.org/ns/csvw#",
    "sh": "http://www.w3.org/ns/shacl#",
    "mspsh": "https://w3id.org/msp/shapes#",
    "msp": "https://w3id.org/msp/ontology#",
    "group": "https://w3id.org/msp/vocab/stakeholder-group/",
    "area": "https://w3id.org/msp/vocab/policy-area/",
    "objective": "https://w3id.org/msp/vocab/objective/",
    "level": "https://w3id.org/msp/vocab/level/",
    "formality": "https://w3id.org/msp/vocab/formality/",
    "modality": "https://w3id.org/msp/vocab/modality/",
    "role": "https://w3id.org/msp/vocab/role/",
    "contribution": "https://w3id.org/msp/vocab/contribution/",
    "confidence": "https://w3id.org/msp/vocab/confidence/",
    "process": "https://w3id.org/msp/vocab/un-process/",
    "region": "https://w3id.org/msp/vocab/region/",
    "country": "http://publications.europa.eu/resource/authority/country/",
    "sdg": "http://metadata.un.org/sdg/",
    "partnership": "https://w3id.org/msp/id/partnership/",
    "organisation": "https://w3id.org/msp/id/organisation/",
    "membership": "https://w3id.org/msp/id/membership/",
    "engagement": "https://w3id.org/msp/id/engagement/",
    "output": "https://w3id.org/msp/id/output/",
    "claim": "https://w3id.org/msp/id/claim/",
    "conflict": "https://w3id.org/msp/id/conflict/",
    "statement": "https://w3id.org/msp/id/statement/",
    "interval": "https://w3id.org/msp/id/interval/",
    "instant": "https://w3id.org/msp/id/instant/",
    "source": "https://w3id.org/msp/id/source/",
}

SCHEMES = (
    "group",
    "area",
    "objective",
    "level",
    "formality",
    "modality",
    "role",
    "contribution",
    "confidence",
    "process",
    "region",
)
"""The prefixes of the concept schemes (``vocab/``), in the order of ``docs/model.md``."""


def select(*names: str) -> dict[str, str]:
    """The prefixes ``names``, in that order (a ``KeyError`` names a prefix the table lacks).

    >>> select("msp", "role")["role"]
    'https://w3id.org/msp/vocab/role/'
    """
    return {name: PREFIXES[name] for name in names}
