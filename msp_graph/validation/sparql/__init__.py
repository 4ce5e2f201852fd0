"""The fast SHACL engine: shapes compiled to SPARQL, each constraint one query over all its focus nodes.

``compile.py`` writes the queries (shapes to a plan of checks; nested shapes become violation patterns),
with one compiler per constraint component in ``components.py`` (value-based Core components),
``shape_based.py`` (``sh:node``, the logical components, qualified value shapes) and ``sparql_based.py``
(SHACL-SPARQL); ``plan.py`` and ``terms.py`` hold what they share. ``run.py`` runs the queries on a store
and reads the rows as results, ``report_graph.py`` makes the SHACL report graph, in pyshacl's form. The
compiled queries run in the embedded Oxigraph store: a remote store is validated on a local copy made by
``msp_graph.validation.validate``. The few shapes the engine does not compile (docs/validation-engines.md)
are validated by pyshacl, in this process, on an rdflib copy of the data, and named in the run's notes.
"""

from typing import TYPE_CHECKING

__all__ = ["COMPILED", "ValidationNotes", "compile_shapes", "validate_store"]

if TYPE_CHECKING:
    from .compile import COMPILED, compile_shapes
    from .run import ValidationNotes, validate_store


def __getattr__(name: str):
    # The compiler reads shapes with pyshacl (0.2 s to import): loaded when it is first asked for, so that
    # a submodule that needs neither (``lookups``, ``report_graph``) can be imported without it.
    if name in ("COMPILED", "compile_shapes"):
        from . import compile

        return getattr(compile, name)
    if name in ("ValidationNotes", "validate_store"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
