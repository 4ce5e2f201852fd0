"""The benchmark harness runs and its parity check works (timings are never asserted here)."""

from __future__ import annotations

import io
import json

import pytest

from bench import jena
from bench import run as bench_run
from bench.generate import DEFECTS, generate

SH = "http://www.w3.org/ns/shacl#"
SHAPE = "https://w3id.org/msp/shapes#PartnershipShape-composition"


def test_generator_is_deterministic_and_counts_what_it_writes():
    first, second = io.StringIO(), io.StringIO()
    manifest = generate(20_000, seed=7, out=first)
    generate(20_000, seed=7, out=second)
    assert first.getvalue() == second.getvalue()
    lines = first.getvalue().splitlines()
    assert len(lines) == manifest["triples"] >= 20_000
    assert set(manifest["defects"]) == set(DEFECTS)
    assert all(count > 0 for count in manifest["defects"].values()), manifest["defects"]
    other = io.StringIO()
    generate(20_000, seed=8, out=other)
    assert other.getvalue() != first.getvalue()


def test_generator_writes_the_model_terms():
    out = io.StringIO()
    generate(3_000, seed=1, out=out)
    text = out.getvalue()
    for term in (
        "<http://www.w3.org/ns/org#Membership>",
        "<http://www.w3.org/2006/time#hasBeginning>",
        "<https://w3id.org/msp/ontology#CountryEngagement>",
        "<http://publications.europa.eu/resource/authority/country/",
        "<https://w3id.org/msp/vocab/stakeholder-group/workers-organisations>",
    ):
        assert term in text


def test_generator_rejects_a_size_below_one():
    with pytest.raises(ValueError, match="triples: must be at least 1"):
        generate(0, out=None)


def _result(focus: str, component: str = "SPARQLConstraintComponent") -> tuple[str, str, str, str]:
    return (focus, SH + component, SHAPE, SH + "Violation")


def test_compare_reports_agrees_and_disagrees():
    same = [_result("ex:a"), _result("ex:b")]
    agree, lines = bench_run.compare_reports({"msp-graph": same, "pyshacl": list(same)})
    assert agree
    assert lines[-1].split()[-2:] == ["2", "2"]
    agree, lines = bench_run.compare_reports({"msp-graph": same, "jena": [_result("ex:a")]})
    assert not agree
    assert any("differs" in line for line in lines)
    assert any("1 results missing" in line for line in lines)
    # Same counts per shape and component, different focus nodes: still a disagreement.
    agree, _ = bench_run.compare_reports({"msp-graph": same, "jena": [_result("ex:a"), _result("ex:c")]})
    assert not agree


def test_run_exits_1_when_the_validators_disagree(monkeypatch, tmp_path):
    files = {"data": "d", "ontology": "o", "inferred": "i", "closure": "c", "shapes": "s", "query": "q"}
    monkeypatch.setattr(
        bench_run, "prepare", lambda size, **_: {"files": files, "manifest": {"triples": size, "defects": {}}}
    )

    def fake_step(name, files, *, timeout, profile=None):
        report = [_result("ex:a")] if name == "validate:jena" else [_result("ex:a"), _result("ex:b")]
        return {"status": "ok", "seconds": 0.5, "peak_mib": 10.0, "results": len(report), "report": report}

    monkeypatch.setattr(bench_run, "run_step", fake_step)
    code = bench_run.main(
        ["--sizes", "1000", "--repeat", "1", "--only", "validate", "--results", str(tmp_path)]
    )
    assert code == 1
    (record,) = tmp_path.glob("*.json")
    parity = json.loads(record.read_text())["parity"]["1000"]
    assert parity["agree"] is False


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--sizes", "lots"], "not a number of triples"),
        (["--sizes", "10"], "size must be a whole number of triples >= 100"),
        (["--repeat", "0"], "must be positive"),
        (["--references", "virtuoso"], "unknown engine 'virtuoso'"),
    ],
)
def test_bad_options_are_one_line_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench_run.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not jena.available(), reason="needs java and Debian's libapache-jena-java")
def test_harness_runs_on_a_tiny_graph_and_the_engines_agree(tmp_path):
    code = bench_run.main(
        [
            "--sizes",
            "300",
            "--repeat",
            "1",
            "--only",
            "load",
            "validate",
            "query",
            "--references",
            "rdflib",
            "jena",
            "--results",
            str(tmp_path),
        ]
    )
    assert code == 0
    (record,) = tmp_path.glob("*.json")
    data = json.loads(record.read_text())
    steps = {(r["operation"], r["reference"]["engine"]): r for r in data["rows"]}
    assert set(steps) == {("load", "rdflib"), ("validate", "jena"), ("query", "rdflib")}
    for row in data["rows"]:
        assert row["ours"]["status"] == "ok", row["ours"]
        assert row["reference"]["status"] == "ok", row["reference"]
        assert row["ours"]["peak_mib"] > 0
    assert data["parity"]["300"]["agree"] is True
    query = steps[("query", "rdflib")]
    assert query["ours"]["info"]["rows"] == query["reference"]["info"]["rows"] > 0
    # The generated graph breaks the composition rule somewhere: the validators had something to agree on.
    assert steps[("validate", "jena")]["reference"]["info"]["results"] > 0
    assert (tmp_path / record.name.replace(".json", ".md")).read_text().startswith("| triples |")


def test_references_none_runs_only_msp_graph(monkeypatch, tmp_path):
    files = {"data": "d", "ontology": "o", "inferred": "i", "closure": "c", "shapes": "s", "query": "q"}
    monkeypatch.setattr(
        bench_run, "prepare", lambda size, **_: {"files": files, "manifest": {"triples": size, "defects": {}}}
    )
    ran = []

    def fake_step(name, files, *, timeout, profile=None):
        ran.append(name)
        return {"status": "ok", "seconds": 0.5, "peak_mib": 10.0}

    monkeypatch.setattr(bench_run, "run_step", fake_step)
    argv = ["--sizes", "1000", "--repeat", "1", "--references", "none", "--results", str(tmp_path)]
    code = bench_run.main(argv)
    assert code == 0
    assert ran and all(name.endswith(":msp-graph") for name in ran)
    assert {name.split(":")[0] for name in ran} == set(bench_run.OPERATIONS)


def test_a_reference_projected_over_the_limit_is_not_run(monkeypatch, tmp_path):
    files = {"data": "d", "ontology": "o", "inferred": "i", "closure": "c", "shapes": "s", "query": "q"}
    monkeypatch.setattr(
        bench_run, "prepare", lambda size, **_: {"files": files, "manifest": {"triples": size, "defects": {}}}
    )
    ran = []
    seconds = {"reason:owlrl": 30.0, "load:rdflib": 5.0}

    def fake_step(name, files, *, timeout, profile=None):
        ran.append(name)
        return {"status": "ok", "seconds": seconds.get(name, 0.5), "peak_mib": 10.0}

    monkeypatch.setattr(bench_run, "run_step", fake_step)
    argv = ["--sizes", "1000", "1e4", "--repeat", "1", "--only", "load", "reason", "--timeout", "120"]
    code = bench_run.main([*argv, "--references", "owlrl", "rdflib", "--results", str(tmp_path)])
    assert code == 0
    # owlrl: 30 s at 1,000 -> at least 300 s at 10^4, over 120 s; rdflib's 5 s -> 50 s still runs.
    assert ran.count("reason:owlrl") == 1 and ran.count("load:rdflib") == 2
    assert ran.count("reason:msp-graph") == 2
    (record,) = tmp_path.glob("*.json")
    rows = {(r["size"], r["operation"]): r for r in json.loads(record.read_text())["rows"]}
    skipped = rows[(10_000, "reason")]["reference"]
    assert skipped["status"] == "skipped"
    assert skipped["reason"] == "would exceed the 120 s limit (30 s at 10^3)"
    assert rows[(10_000, "reason")]["ours"]["status"] == "ok"
    table = (tmp_path / record.name.replace(".json", ".md")).read_text()
    assert "not run: would exceed the 120 s limit (30 s at 10^3)" in table
    assert bench_run._size_name(100_000) == "10^5" and bench_run._size_name(12_000) == "12,000"


@pytest.mark.slow
@pytest.mark.skipif(not jena.available(), reason="needs java and Debian's libapache-jena-java")
def test_whole_commands_are_timed_as_processes_and_agree_with_jena(tmp_path):
    argv = ["--sizes", "300", "--repeat", "1", "--only", "command-start", "command-validate"]
    code = bench_run.main([*argv, "--references", "jena", "python", "--results", str(tmp_path)])
    assert code == 0
    (record,) = tmp_path.glob("*.json")
    data = json.loads(record.read_text())
    steps = {(r["operation"], r["reference"]["engine"]): r for r in data["rows"]}
    assert set(steps) == {("command-start", "python"), ("command-validate", "jena")}
    validate = steps[("command-validate", "jena")]
    assert validate["ours"]["info"]["results"] == validate["reference"]["info"]["results"] > 0
    assert data["parity"]["300"]["agree"] is True
    # The command's own peak, not the harness's: a Python process that imported pyoxigraph at least.
    assert validate["ours"]["peak_mib"] > 20
