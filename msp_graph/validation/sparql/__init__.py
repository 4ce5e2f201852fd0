"""The fast SHACL engine: shapes compiled to SPARQL, each constraint one query over all its focus nodes.

``compile.py`` writes the queries (shapes to a plan of checks), ``run.py`` runs them on a store and reads the
rows as results, ``report_graph.py`` makes the SHACL report graph, in pyshacl's form. The compiled queries
run in the embedded Oxigraph store: a remote store is validated on a local copy made by
``msp_graph.validation.validate``. Shapes the engine does not compile are validated by pyshacl, in this
process, on an rdflib copy of the data.
"""

from .compile import COMPILED, compile_shapes
from .run import ValidationNotes, validate_store

__all__ = ["COMPILED", "ValidationNotes", "compile_shapes", "validate_store"]
