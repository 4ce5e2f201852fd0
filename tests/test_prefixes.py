"""The prefix table is the one place IRIs of namespaces are spelt: the JSON-LD context agrees with it."""

import json
from pathlib import Path

import pytest
import rdflib

from msp_graph.prefixes import PREFIXES, select

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("context", ["msp_graph/context.jsonld", "docs/context.jsonld"])
def test_jsonld_context_prefixes_are_those_of_the_table(context):
    terms = json.loads((REPO / context).read_text(encoding="utf-8"))["@context"]
    prefixes = {
        name: value for name, value in terms.items() if isinstance(value, str) and value.endswith(("/", "#"))
    }
    assert prefixes
    assert {name: PREFIXES.get(name) for name in prefixes} == prefixes


def test_select_keeps_order_and_names_a_missing_prefix():
    assert list(select("role", "msp")) == ["role", "msp"]
    with pytest.raises(KeyError, match="nope"):
        select("nope")


def test_scheme_prefixes_are_the_concept_schemes():
    from msp_graph.namespaces import SCHEMES as SCHEME_IRIS
    from msp_graph.prefixes import SCHEMES

    assert {PREFIXES[name].rstrip("/") for name in SCHEMES} == {str(iri) for iri in SCHEME_IRIS.values()}


def test_prefixes_command_lists_the_table_in_every_format(tmp_path):
    from typer.testing import CliRunner

    from msp_graph.cli import app

    runner = CliRunner()
    table = runner.invoke(app, ["prefixes"])
    assert table.exit_code == 0
    lines = [line.split() for line in table.stdout.splitlines()]
    assert ["organisation:", PREFIXES["organisation"]] in lines
    sparql = runner.invoke(app, ["prefixes", "-f", "sparql"]).stdout.splitlines()
    assert sparql[0] == f"PREFIX rdf: <{PREFIXES['rdf']}>" and len(sparql) == len(PREFIXES)
    assert runner.invoke(app, ["prefixes", "-o", str(tmp_path / "p.json")]).exit_code == 0
    assert json.loads((tmp_path / "p.json").read_text()) == PREFIXES
    turtle = runner.invoke(app, ["prefixes", "-f", "turtle"]).stdout
    assert rdflib.Graph().parse(data=turtle + "<urn:a> <urn:b> msp:c .", format="turtle")
