"""What the compiled checks look up in the store before they run: the subclass closure of the classes
they test membership of. Apart from ``run.py`` so that incremental validation, which reads the closures to
tell which checks a change reaches (``footprint.py``), need not import the compiler or pyshacl."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyoxigraph as ox
from rdflib import RDF, RDFS

from ...stores import RemoteStore, Store
from .terms import INSTANCE_OF, MARKED

__all__ = ["Subclasses", "select"]


def select(store: Store, query: str):
    """The solutions of a SELECT: for an endpoint, all of them however the server caps its answers."""
    return store.select(query) if isinstance(store, RemoteStore) else store.query(query)


def _path(var: str, cls: str) -> str:
    return f"{var} {INSTANCE_OF} <{cls}> ."


class Subclasses:
    """The subclass closure (``rdfs:subClassOf*``) of classes in the store's data, each read once.
    ``instance_of``: the pattern for a class whose hierarchy holds a blank node (the endpoint's dialect
    writes it; the property path by default)."""

    def __init__(self, store: Store, instance_of: Callable[[str, str], str] = _path):
        self.store = store
        self.instance_of = instance_of
        self.known: dict[str, list[str] | None] = {}

    def __call__(self, cls: str) -> list[str] | None:
        """The closure of ``cls`` as SPARQL IRIs (``cls`` first); None when it holds a blank node."""
        if cls not in self.known:
            query = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{cls}> }}"
            found = [row["c"] for row in select(self.store, query)]
            if all(isinstance(c, ox.NamedNode) for c in found):
                others = sorted({c.value for c in found} - {cls})
                self.known[cls] = [f"<{c}>" for c in (cls, *others)]
            else:  # a blank node cannot go into VALUES: the property path then
                self.known[cls] = None
        return self.known[cls]

    def expand(self, query: str) -> str:
        """``query`` with its instance-of markers replaced by patterns the store can run."""
        count = [0]

        def pattern(match: re.Match) -> str:
            var, cls = match.group(1), match.group(2)
            classes = self(cls)
            if classes is None:
                return self.instance_of(var, cls)
            count[0] += 1
            name = f"?_class{count[0]}"
            return f"VALUES {name} {{ {' '.join(classes)} }} {var} <{RDF.type}> {name} ."

        return MARKED.sub(pattern, query)
