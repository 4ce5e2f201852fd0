"""Stores: the ``Store`` interface, the embedded store (pyoxigraph) and the remote store (SPARQL 1.1
Protocol + Graph Store Protocol). The lowest stage of the flow: nothing here imports the loader, the
reasoner, the validator or the command line.
"""

from .base import (
    GRAPH_BASE,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    STAGING_PREFIX,
    Store,
    source_graph,
)
from .embedded import EmbeddedStore
from .remote import RemoteStore, credentials_for, open_remote
from .terms import FORMATS, RdfFormat, file_source, format_name, format_named, rdf_format, read_source, term

__all__ = [
    "FORMATS",
    "GRAPH_BASE",
    "INFERRED_GRAPH",
    "ONTOLOGY_GRAPH",
    "SHAPES_GRAPH",
    "STAGING_PREFIX",
    "EmbeddedStore",
    "RdfFormat",
    "RemoteStore",
    "Store",
    "credentials_for",
    "file_source",
    "format_name",
    "format_named",
    "open_remote",
    "rdf_format",
    "read_source",
    "source_graph",
    "term",
]
