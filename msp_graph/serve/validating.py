"""The validation report the pages show: made at start-up and, with ``--allow-update``, after each update."""

from __future__ import annotations

from ..stores import INFERRED_GRAPH, EmbeddedStore, Store
from ..validation import ValidationReport, check, in_memory_copy

__all__ = ["validated"]


def validated(store: Store, *, copy: bool = False) -> ValidationReport:
    """The report of ``check`` (reason, then validate with the bundled shapes) on ``store``'s data; the
    store ends as it began. A store in memory (a command's own, of FILES) is checked in place and its new
    inferred graph dropped afterwards (copying it took longer than checking at 10^5 triples), unless
    ``copy`` (a store being served: its visitors must never see the inferred graph); any other is checked
    on an in-memory copy, so a store on disk is never written."""
    if not copy and isinstance(store, EmbeddedStore) and store.path is None:
        had = INFERRED_GRAPH in store.graphs()
        report = check(store, lines=False, transient=not had)  # the pages show no source line
        if not had:
            store.drop(INFERRED_GRAPH)
    else:
        with in_memory_copy(store) as copied:
            report = check(copied, lines=False, transient=True)
    report.graph = None  # the SHACL report graph is not shown; the results are
    return report
