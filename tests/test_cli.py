"""The msp-graph command: output and exit codes of every command, and bad input (one line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import rdflib
from cli_runs import one_line_error, run

from msp_graph.loading import source_graph
from msp_graph.stores import EmbeddedStore

FIXTURES = Path(__file__).parent / "fixtures" / "cli"
SMALL = str(FIXTURES / "small.ttl")
SHAPES = ["--shapes", str(FIXTURES / "composition-mini.ttl")]


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("validate", "query", "queries", "export", "load", "reason", "stats", "network"):
        assert command in result.stdout


# --- validate ------------------------------------------------------------------------------------------


def test_validate_text_report_groups_by_partnership_and_exits_1():
    result = run("validate", SMALL, *SHAPES, "--reason")
    assert result.exit_code == 1
    out = result.stdout
    assert "Bad Alliance  <https://example.org/bad>  (does not meet the MSP composition rule)" in out
    assert "no workers' organisation recorded" in out
    # the membership warnings are grouped under the partnership, several on one line
    assert (
        "(4: ILO in Good Alliance, IOE in Good Alliance, ITUC in Good Alliance, World Bank in Good Alliance)"
        in out
    )
    assert out.strip().splitlines()[-1] == (
        "1 of 2 partnerships meet the MSP composition rule; 1 violation, 5 warnings"
    )
    assert "validated" in result.stderr  # messages go to stderr


def test_validate_fail_on_warning_and_conforming_data(tmp_path):
    good = tmp_path / "good.ttl"
    good.write_text(
        Path(SMALL).read_text().split("ex:bad a")[0]
        + "\n".join(
            line for line in Path(SMALL).read_text().splitlines() if line.startswith(("ex:i", "ex:w"))
        )
        + "\n"
        + "\n".join(
            line.replace(" .", " ; <http://purl.org/dc/terms/source> <https://example.org/page> .")
            for line in Path(SMALL).read_text().splitlines()
            if line.startswith("ex:m") and "ex:bad" not in line
        )
        + "\n"
    )
    result = run("validate", good, *SHAPES, "--reason", "-q")
    assert result.exit_code == 0, result.stdout
    assert result.stderr == ""
    assert "1 of 1 partnership meets the MSP composition rule; 0 violations, 0 warnings" in result.stdout
    warn_only = run("validate", SMALL, *SHAPES, "--reason", "--fail-on", "warning", "-q")
    assert warn_only.exit_code == 1


@pytest.mark.parametrize("fmt", ["json", "csv", "turtle", "table"])
def test_validate_formats(fmt):
    result = run("validate", SMALL, *SHAPES, "--reason", "-f", fmt, "-q")
    assert result.exit_code == 1
    if fmt == "json":
        body = json.loads(result.stdout)
        assert body["violations"] == 1 and body["warnings"] == 4 + 1
        assert body["results"][0]["partnership"] == "https://example.org/bad"
    elif fmt == "csv":
        header = result.stdout.splitlines()[0]
        assert header.startswith("focus_node,focus_label,path,value,severity")
        assert len(result.stdout.strip().splitlines()) == 1 + 6
    elif fmt == "turtle":
        graph = rdflib.Graph().parse(data=result.stdout, format="turtle")
        sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
        assert len(set(graph.subjects(rdflib.RDF.type, sh.ValidationResult))) == 6
    else:
        assert "Bad Alliance" in result.stdout and "severity" in result.stdout


def test_validate_without_reasoning_misses_the_inferred_workers_organisation():
    result = run("validate", SMALL, *SHAPES, "--no-reason", "-f", "json", "-q")
    body = json.loads(result.stdout)
    assert body["violations"] == 2  # Good Alliance's ITUC is a workers' organisation only by inference


def test_validate_writes_output_file(tmp_path):
    target = tmp_path / "report.json"
    result = run("validate", SMALL, *SHAPES, "--reason", "-f", "json", "-o", target)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text())["conforms"] is False


# --- bad input -----------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    one_line_error(run("validate", tmp_path / "nope.ttl"), "nope.ttl", "no such file")


def test_malformed_turtle_names_file_line_column():
    one_line_error(run("validate", FIXTURES / "malformed.ttl"), "malformed.ttl:4:11:")


def test_unknown_format(tmp_path):
    one_line_error(run("validate", SMALL, "-f", "xml"), "-f xml", "unknown format")
    one_line_error(run("export", SMALL, "-f", "yaml"), "yaml", "unknown export format")
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    one_line_error(
        run("load", "--store", tmp_path / "store", tmp_path / "data.csv"), "data.csv", "unknown RDF format"
    )
    assert not (tmp_path / "store").exists()  # nothing written, not even an empty store


def test_unknown_query_name():
    one_line_error(run("query", "partners-sharing-aliances"), "unknown query", "did you mean")


def test_parameter_that_is_not_an_iri():
    one_line_error(
        run("query", "partners-sharing-alliances", "-p", "partner=not an iri"), "parameter 'partner'"
    )


def test_sparql_syntax_error_line_column():
    one_line_error(
        run("query", "-e", "SELECT * WHERE {\n  ?s ?p \n}", SMALL), "query:3:", "SPARQL syntax error"
    )


def test_update_sent_to_query():
    one_line_error(run("query", "-e", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"), "this is an update")


def test_directory_that_is_not_a_store(tmp_path):
    (tmp_path / "notes.txt").write_text("not a database")
    one_line_error(run("stats", "--store", tmp_path), str(tmp_path), "not an msp-graph store")


def test_store_locked_by_another_process(tmp_path):
    store = tmp_path / "store"
    assert run("load", SMALL, "--store", store, "-q").exit_code == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, pyoxigraph
                s = pyoxigraph.Store({str(store)!r})
                print("ready", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        # A second writer is refused; readers (stats, query...) read beside the writer (test_hostile_store).
        one_line_error(run("load", SMALL, "--store", store), str(store), "locked by another process")
    finally:
        holder.communicate("")


def test_bad_load_leaves_the_store_unchanged(tmp_path):
    store = tmp_path / "store"
    assert run("load", SMALL, "--store", store, "-q").exit_code == 0
    with EmbeddedStore(store) as s:
        before = sorted(s.dump(format="nquads").splitlines())
    good_copy = tmp_path / "small.ttl"
    good_copy.write_text("<https://example.org/x> <https://example.org/y> 1 .\n")
    result = run("load", good_copy, FIXTURES / "malformed.ttl", "--store", store)
    one_line_error(result, "malformed.ttl:4:11")
    with EmbeddedStore(store) as s:
        assert sorted(s.dump(format="nquads").splitlines()) == before


def test_traceback_only_with_vv(tmp_path):
    quiet = run("validate", tmp_path / "nope.ttl")
    assert "Traceback" not in quiet.stderr
    loud = run("validate", tmp_path / "nope.ttl", "-vv")
    assert loud.exit_code == 2 and "Traceback" in loud.stderr


# --- query, queries ------------------------------------------------------------------------------------


def test_query_named_with_parameter_and_csv():
    result = run(
        "query", "partners-sharing-alliances", SMALL, "--reason", "-p", "partner=https://example.org/ilo",
        "-f", "csv", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = result.stdout.strip().splitlines()
    assert len(rows) == 1 + 3  # ILO shares Good Alliance with IOE, ITUC and the World Bank
    assert all("https://example.org/ilo" in row for row in rows[1:])


def test_query_ad_hoc_json():
    text = "PREFIX msp: <https://w3id.org/msp/ontology#> SELECT ?p WHERE { ?p a msp:Partnership } ORDER BY ?p"
    result = run("query", "-e", text, SMALL, "-f", "json", "-q")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [{"p": "https://example.org/bad"}, {"p": "https://example.org/good"}]


def test_query_from_file(tmp_path):
    path = tmp_path / "partnerships.rq"
    path.write_text(
        "#+ summary: Partnerships.\nPREFIX msp: <https://w3id.org/msp/ontology#>\n"
        "SELECT ?p WHERE { ?p a msp:Partnership } ORDER BY ?p\n",
        encoding="utf-8",
    )
    result = run("query", "--file", path, SMALL, "-f", "csv", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["p", "https://example.org/bad", "https://example.org/good"]
    one_line_error(run("query", "--file", tmp_path / "missing.rq"), "missing.rq", "no such file")


def test_query_needs_exactly_one_query():
    one_line_error(run("query", SMALL), "unknown query")
    one_line_error(run("query"), "give a query NAME")
    one_line_error(run("query", "-e", "ASK {}", "--file", "x.rq"), "not both")


def test_queries_lists_the_catalogue():
    result = run("queries")
    assert result.exit_code == 0
    assert "partners-sharing-alliances" in result.stdout
    listed = json.loads(run("queries", "-f", "json").stdout)
    assert all(q["summary"] for q in listed)


# --- load, stats, reason, export, network --------------------------------------------------------------


def test_load_then_reuse_the_store(tmp_path):
    store = tmp_path / "store"
    assert run("load", SMALL, "--store", store, "-q").exit_code == 0
    stats = json.loads(run("stats", "--store", store, "-f", "json").stdout)
    assert source_graph("small") in stats["graphs"]
    assert stats["classes"]["https://w3id.org/msp/ontology#Partnership"] == 2
    # a second load of another file adds a graph; the first is kept
    other = tmp_path / "other.ttl"
    other.write_text("<https://example.org/x> a <https://w3id.org/msp/ontology#Partnership> .\n")
    assert run("load", other, "--store", store, "-q").exit_code == 0
    stats = json.loads(run("stats", "--store", store, "-f", "json").stdout)
    assert stats["classes"]["https://w3id.org/msp/ontology#Partnership"] == 3
    # --replace: the files given replace the data
    assert run("load", other, "--store", store, "--replace", "-q").exit_code == 0
    stats = json.loads(run("stats", "--store", store, "-f", "json").stdout)
    assert source_graph("small") not in stats["graphs"]
    assert "https://w3id.org/msp/id/graph/metadata" in stats["graphs"]


def test_stats_table_and_csv():
    table = run("stats", SMALL, "-q")
    assert table.exit_code == 0 and "https://w3id.org/msp/ontology#Partnership" in table.stdout
    csv_out = run("stats", SMALL, "-f", "csv", "-q").stdout.splitlines()
    assert csv_out[0] == "kind,iri,count"
    assert "class,http://www.w3.org/ns/org#Membership,5" in csv_out


@pytest.mark.parametrize(
    "reasoner",
    ["owlrl", "rules"],
)
def test_reason_reports_inconsistencies_and_exits_1(reasoner):
    result = run("reason", FIXTURES / "inconsistent.ttl", "--reasoner", reasoner, "-f", "json", "-q")
    assert result.exit_code == 1
    rules = {i["rule"] for i in json.loads(result.stdout)["inconsistencies"]}
    assert {"cls-nothing2", "eq-diff1", "cax-dw"} <= rules
    clean = run("reason", SMALL, "--reasoner", reasoner, "-q")
    assert clean.exit_code == 0 and "consistent" in clean.stdout


def test_reason_writes_the_inferred_graph_into_the_store(tmp_path):
    store = tmp_path / "store"
    assert run("reason", SMALL, "--store", store, "-q").exit_code == 0
    with EmbeddedStore(store) as s:
        assert "https://w3id.org/msp/id/graph/inferred" in s.graphs()


def test_export_to_stdout_and_file(tmp_path):
    result = run("export", SMALL, "-f", "nt", "--no-ontology", "-q")
    assert result.exit_code == 0
    graph = rdflib.Graph().parse(data=result.stdout, format="nt")
    assert (rdflib.URIRef("https://example.org/bad"), rdflib.RDF.type, None) in graph
    target = tmp_path / "out.trig"
    assert run("export", SMALL, "-f", "trig", "-o", target, "-q").exit_code == 0
    assert rdflib.Dataset().parse(target, format="trig")


@pytest.mark.parametrize("fmt", ["svg", "graphml"])
def test_network(fmt, tmp_path):
    target = tmp_path / f"net.{fmt}"
    result = run("network", SMALL, "-f", fmt, "-o", target, "-q")
    assert result.exit_code == 0, result.stderr
    text = target.read_text()
    assert ("<svg" in text) if fmt == "svg" else ("Good Alliance" in text and "United Nations" in text)


def test_export_draws_the_network_like_the_network_command(tmp_path):
    result = run("export", SMALL, "-f", "graphml", "-o", tmp_path / "n.graphml", "-q")
    assert result.exit_code == 0, result.stderr
    same = run("network", SMALL, "-f", "graphml", "-o", tmp_path / "m.graphml", "-q")
    assert same.exit_code == 0, same.stderr
    assert (tmp_path / "n.graphml").read_bytes() == (tmp_path / "m.graphml").read_bytes()
    assert b"<graphml" in (tmp_path / "n.graphml").read_bytes()


# --- the data options, the same on every reading command -----------------------------------------------

READING = ["validate", "query", "export", "network", "reason", "stats"]


def _reading(command: str, *args) -> list:
    return [command, *(["partners-sharing-alliances"] if command == "query" else []), *args]


@pytest.mark.parametrize("command", READING)
def test_files_or_a_store_with_an_endpoint_are_refused(command, tmp_path):
    endpoint = ["--endpoint", "http://127.0.0.1:9/query"]
    one_line_error(run(*_reading(command, SMALL, *endpoint)), "FILES with --endpoint", "push them first")
    one_line_error(run(*_reading(command, "--store", tmp_path / "s", *endpoint)), "--store and --endpoint")
    assert not (tmp_path / "s").exists()


def test_export_spreadsheets_and_network_read_the_files_given(tmp_path):
    result = run("export", SMALL, "-f", "csv", "-o", tmp_path / "sheets", "-q")
    assert result.exit_code == 0, result.stderr
    assert "Good Alliance" in (tmp_path / "sheets" / "partnerships.csv").read_text(encoding="utf-8")
    result = run("export", SMALL, "-f", "svg", "-q")
    assert result.exit_code == 0 and "<svg" in result.stdout


def test_quiet_and_verbose_on_the_spreadsheet_commands(tmp_path):
    quiet = run("template", "-o", tmp_path, "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    plain = run("import", tmp_path / "missing.csv")
    loud = run("import", tmp_path / "missing.csv", "-v")
    assert plain.exit_code == loud.exit_code == 2
    assert "nothing was imported" in plain.stderr and "loading" not in plain.stderr
    assert "loading" in loud.stderr  # -v reaches the import's progress messages
