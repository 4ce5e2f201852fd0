"""msp-graph: a knowledge graph and toolkit of multi-stakeholder partnerships (MSPs).

The public API: open a store, load the bundled ontology and data (or your own files), reason, validate,
query and export. Everything else is internal and may change.

>>> import msp_graph
>>> store = msp_graph.open_store()
>>> _ = msp_graph.load_bundled(store)
>>> report = msp_graph.check(store)          # reason, then validate
>>> isinstance(report, msp_graph.ValidationReport)
True
>>> rows = msp_graph.run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
>>> int(rows[0]["n"].value) > 0
True
>>> msp_graph.export(store, format="turtle")[:7]
b'@prefix'
>>> msp_graph.network(store).number_of_nodes() > 0      # partners and partnerships, for networkx
True

See docs/api.md for a researcher's tour (DataFrames, rdflib, networkx).
"""

import importlib as _importlib
import typing as _typing

from .errors import (
    EndpointError,
    LoadError,
    MspGraphError,
    QueryError,
    ReasoningError,
    SettingError,
    ShapesError,
    SpreadsheetError,
    StoreError,
)
from .export import export
from .loading import load_bundled, load_files, open_store

# Bound here, not lazily: the submodule msp_graph.network, once imported, would otherwise hide the function.
from .network import network
from .queries import QueryResult, get_query, list_queries, run_query, run_update
from .stores import INFERRED_GRAPH, ONTOLOGY_GRAPH, EmbeddedStore, RemoteStore, Store, source_graph

# Reasoning and validation are imported on first use (PEP 562): they bring rdflib, owlrl and pyshacl, which
# cost a commands' start-up more than everything else together, and most commands never reason or validate.
_LAZY = {
    "Inconsistency": "reasoning",
    "ReasoningResult": "reasoning",
    "reason": "reasoning",
    "ValidationReport": "validation",
    "ValidationResult": "validation",
    "check": "validation",
    "validate": "validation",
}

if _typing.TYPE_CHECKING:
    from .reasoning import Inconsistency, ReasoningResult, reason
    from .validation import ValidationReport, ValidationResult, check, validate


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "INFERRED_GRAPH",
    "ONTOLOGY_GRAPH",
    "EmbeddedStore",
    "EndpointError",
    "Inconsistency",
    "LoadError",
    "MspGraphError",
    "QueryError",
    "QueryResult",
    "ReasoningError",
    "ReasoningResult",
    "RemoteStore",
    "SettingError",
    "ShapesError",
    "SpreadsheetError",
    "Store",
    "StoreError",
    "ValidationReport",
    "ValidationResult",
    "__version__",
    "check",
    "export",
    "get_query",
    "list_queries",
    "load_bundled",
    "load_files",
    "network",
    "open_store",
    "reason",
    "run_query",
    "run_update",
    "source_graph",
    "validate",
]
