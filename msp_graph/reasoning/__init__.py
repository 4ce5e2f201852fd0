"""OWL 2 RL reasoning: one function, ``reason``, and two engines behind it.

* ``rules`` (the default, ``msp_graph.reasoning.rules``): the OWL 2 RL rules the schema needs, compiled
  into tables run in Python over the embedded store's triples, property paths as SPARQL updates; for a
  remote store the same rules as SPARQL updates run in the endpoint (``in_endpoint``), or, with
  ``RemoteStore.local_copy`` (``--local-copy``), on a local embedded copy of its asserted graphs, only the
  inferred graph written back (docs/endpoints.md);
* ``owlrl`` (the reference, ``msp_graph.reasoning.reference``): owlrl on an rdflib copy of the asserted
  graphs.

Either way only the new triples are written, into ``INFERRED_GRAPH``, which is replaced as a whole on every
run, so it can always be recomputed and is never exported as if asserted. Trivial entailments are left out:
reflexive ``owl:sameAs`` and triples about literals. Entailments that mention a blank node are not stored
either: a blank node is local to the graph it was loaded into (the data names its nodes with IRIs, see
``docs/model.md``). Inconsistencies are values (``Inconsistency``), and commands that meet one exit 1.
Nothing else in msp-graph reasons behind the caller's back: validation validates the store as it stands.

>>> from msp_graph.loading import open_store, load_bundled
>>> store = open_store()
>>> _ = load_bundled(store)
>>> reason(store).consistent
True
"""

from __future__ import annotations

import warnings

from ..errors import ReasoningError
from ..stores import INFERRED_GRAPH, RemoteStore, Store
from . import in_endpoint, rules
from .result import Entailments, Inconsistency, ReasoningResult

__all__ = [
    "ENGINES",
    "Entailments",
    "Inconsistency",
    "ReasoningResult",
    "check_engine",
    "closure",
    "reason",
    "reason_if_missing",
]

ENGINES = ("rules", "owlrl")
"""``rules``: ``msp_graph.reasoning.rules`` (the default); ``owlrl``: the reference."""


def check_engine(engine: str) -> None:
    """``ReasoningError`` unless ``engine`` names a reasoner (commands check it before they load anything)."""
    if engine not in ENGINES:
        raise ReasoningError(f"reasoner {engine!r}: unknown; use one of: {', '.join(ENGINES)}")


def reason(store: Store, *, engine: str = "rules", only: Entailments | None = None) -> ReasoningResult:
    """Materialise the OWL 2 RL closure of ``store``'s asserted graphs into ``INFERRED_GRAPH``.

    The inferred graph is replaced as a whole (atomically); the inconsistencies are returned.
    ``engine="rules"`` falls back to owlrl, with a warning, when the schema uses a construct it lacks.
    ``only``: for an in-memory store that one stage reads and then throws away, the entailments that stage
    reads (``Entailments``): the rules engine stores only those (and what it reads back itself), and counts
    the others; every other case stores all of them.
    """
    check_engine(engine)
    if engine == "rules":
        missing = rules.unsupported(store)
        if not missing and isinstance(store, RemoteStore) and not store.local_copy:
            return in_endpoint.materialise(store)  # in the endpoint, unless --local-copy
        if not missing:
            return rules.materialise(store, only=only)
        warnings.warn(f"rules reasoner: {'; '.join(missing)}; using owlrl instead", stacklevel=2)
    from . import reference  # owlrl and rdflib: only when the reference runs

    return reference.materialise(store)


def __getattr__(name: str):
    # ``closure`` (owlrl's closure of an rdflib graph) comes from the reference module, imported on first use.
    if name == "closure":
        from .reference import closure

        return closure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def reason_if_missing(store: Store) -> ReasoningResult | None:
    """``reason`` when the store holds no inferred graph yet (a stage that needs entailments, e.g. the
    stakeholder groups implied by member classes); ``None`` when one is there already."""
    if INFERRED_GRAPH in store.graphs():
        return None
    return reason(store)
