"""The public API: what __all__ lists exists, the error family is one family, the docstrings run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import types
from pathlib import Path

import msp_graph
from msp_graph import errors

FIXTURES = Path(__file__).parent / "fixtures" / "cli"


def test_all_names_exist_and_cover_the_documented_api():
    for name in msp_graph.__all__:
        assert hasattr(msp_graph, name), name
    for name in ("open_store", "load_bundled", "reason", "validate", "check", "run_query", "export",
                 "ValidationReport", "ValidationResult", "QueryResult", "MspGraphError"):  # fmt: skip
        assert name in msp_graph.__all__


def test_everything_public_at_the_top_is_listed_in_all():
    """The other direction: a public name bound in ``msp_graph`` (not a submodule) is in ``__all__``."""
    public = {
        name
        for name, value in vars(msp_graph).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public - {"annotations"} == set(msp_graph.__all__) - {"__version__"}


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(msp_graph.__path__, "msp_graph."))


def test_one_error_family():
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), msp_graph.MspGraphError)


def test_api_workflow_on_a_small_file():
    store = msp_graph.open_store()
    msp_graph.load_bundled(store, data=False)
    msp_graph.load_files(store, [FIXTURES / "small.ttl"])
    assert msp_graph.reason(store).consistent
    report = msp_graph.check(store, shapes=[FIXTURES / "composition-mini.ttl"])
    assert isinstance(report, msp_graph.ValidationReport) and not report.conforms
    result = msp_graph.run_query(
        store,
        "PREFIX msp: <https://w3id.org/msp/ontology#> SELECT (COUNT(*) AS ?n) WHERE { ?p a msp:Partnership }",
    )
    assert isinstance(result, msp_graph.QueryResult) and result.rows[0]["n"].value == "2"
    assert b"Good Alliance" in msp_graph.export(store, format="turtle")


def test_every_module_imports_and_its_docstring_examples_run():
    names = _modules()
    assert {"msp_graph.stores.base", "msp_graph.validation.report", "msp_graph.cli"} <= set(names)
    for name in names:
        module = importlib.import_module(name)
        failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failures == 0, module.__name__
