"""The one exception family of msp-graph.

Failing validation is a value (a ``ValidationReport``), never an exception: these errors mean
"could not run". Messages follow ``where: what went wrong; what to do`` so the command line can print
them as one line. Library exceptions (rdflib, pyoxigraph, SPARQLWrapper, openpyxl) are translated at the
boundary and never cross the public API.
"""

from __future__ import annotations

__all__ = [
    "EndpointError",
    "LoadError",
    "MspGraphError",
    "QueryError",
    "ReasoningError",
    "SettingError",
    "ShapesError",
    "SpreadsheetError",
    "StoreError",
]


class MspGraphError(Exception):
    """Base of every error msp-graph raises on purpose."""


class LoadError(MspGraphError):
    """A file or payload could not be read as RDF (missing, unknown format, syntax error)."""


class StoreError(MspGraphError):
    """The store could not be opened or written (not a store, locked, corrupt)."""


class ShapesError(MspGraphError):
    """The SHACL shapes could not be loaded or are not valid shapes."""


class ReasoningError(MspGraphError):
    """The reasoner could not run."""


class QueryError(MspGraphError):
    """A query is unknown, malformed, of the wrong kind, or a parameter is invalid."""


class SpreadsheetError(MspGraphError):
    """A spreadsheet could not be imported or exported (one or more located problems)."""


class EndpointError(MspGraphError):
    """A remote SPARQL endpoint could not be reached or refused the request."""


class SettingError(MspGraphError):
    """An environment setting (a limit, a time-out) has a value that cannot be used."""
