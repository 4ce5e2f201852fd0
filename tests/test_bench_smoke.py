"""The benchmark harness runs and its parity check works (timings are never asserted here)."""

from __future__ import annotations

import collections
import hashlib
import io
import json

import pyoxigraph as ox
import pytest

from bench import generate as bench_generate
from bench import jena
from bench import run as bench_run
from bench.generate import DEFECTS, PROFILES, generate

SH = "http://www.w3.org/ns/shacl#"
SHAPE = "https://w3id.org/msp/shapes#PartnershipShape-composition"
# sha256 of generate(2_000, seed=1) as generator version 1 wrote it, before profiles: ``standard`` keeps it.
STANDARD_2000_SEED_1 = "010eccf495ab0a4a5cb232262d62e14f1966cc496e08cd78371d63827ed9a1b5"
MSP = "https://w3id.org/msp/ontology#"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def test_generator_is_deterministic_and_counts_what_it_writes():
    first, second = io.StringIO(), io.StringIO()
    manifest = generate(20_000, seed=7, out=first)
    generate(20_000, seed=7, out=second)
    assert first.getvalue() == second.getvalue()
    lines = first.getvalue().splitlines()
    assert len(lines) == manifest["triples"] >= 20_000
    assert manifest["profile"] == "standard"
    assert set(manifest["defects"]) == set(PROFILES["standard"].defect_rate) <= set(DEFECTS)
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
    with pytest.raises(ValueError, match="profile: unknown 'tall'; known: standard, wide"):
        generate(100, out=None, profile="tall")


def test_standard_profile_writes_the_bytes_it_wrote_before_profiles_existed():
    for kwargs in ({}, {"profile": "standard"}):
        out = io.StringIO()
        generate(2_000, seed=1, out=out, **kwargs)
        assert hashlib.sha256(out.getvalue().encode()).hexdigest() == STANDARD_2000_SEED_1


def _wide(triples: int, seed: int) -> tuple[dict, str]:
    out = io.StringIO()
    manifest = generate(triples, seed=seed, out=out, profile="wide")
    return manifest, out.getvalue()


def test_wide_profile_is_deterministic_and_valid_n_triples():
    manifest, text = _wide(15_000, 3)
    assert _wide(15_000, 3) == (manifest, text)
    assert _wide(15_000, 4)[1] != text
    assert manifest["profile"] == "wide"
    assert len(list(ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES))) == manifest["triples"] >= 15_000
    assert set(manifest["defects"]) == set(PROFILES["wide"].defect_rate) <= set(DEFECTS)
    # Its own defect mix: kinds the standard profile never draws.
    assert set(manifest["defects"]) - set(PROFILES["standard"].defect_rate) == {
        "two-formalities",
        "no-stakeholder-group",
        "engagement-without-role",
        "engagement-without-source",
    }


def test_wide_profile_has_long_member_lists_many_countries_and_deep_chains():
    manifest, text = _wide(30_000, 5)
    parsed = ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES)
    triples = [(q.subject.value, q.predicate.value, q.object.value) for q in parsed]
    members = collections.Counter(o for s, p, o in triples if p == ORG + "organization")
    engagements = collections.defaultdict(set)
    for s, p, o in triples:
        if p == MSP + "hasCountryEngagement":
            engagements[s].add(o)
    country = {s: o.rsplit("/", 1)[1] for s, p, o in triples if p == MSP + "country" and "/engagement/" in s}
    assert len(members) == manifest["partnerships"] >= 5
    assert all(50 <= n <= 400 for n in members.values()), members
    assert min(members.values()) == manifest["members_per_partnership"]["min"]
    assert max(members.values()) == manifest["members_per_partnership"]["max"]
    assert sum(members.values()) == manifest["memberships"]
    for partnership, nodes in engagements.items():
        assert 20 <= len(nodes) <= 150, partnership
        codes = [country[e] for e in nodes if len(country[e]) == 3]  # not the bad-country defects (alpha-2)
        assert len(codes) == len(set(codes)), partnership
    assert sum(len(nodes) for nodes in engagements.values()) == manifest["country_engagements"]
    # Deep chains: every generated class climbs to one of msp's group classes, the deepest in 8 steps, and
    # partners typed with one state neither org:Organization nor a group: reasoning has to close the chain.
    parent = {s: o for s, p, o in triples if p == SUBCLASS}
    assert len(parent) == manifest["classes"] == 10 * 8

    def depth(cls: str) -> int:
        steps = 0
        while not cls.startswith(MSP):
            cls, steps = parent[cls], steps + 1
        return steps

    typed = {s: o for s, p, o in triples if p == RDF_TYPE and o in parent}
    assert len(typed) == manifest["class_typed_organisations"] > len(members)
    assert max(map(depth, typed.values())) == manifest["class_depth"] == 8
    stated = {s for s, p, o in triples if p == MSP + "stakeholderGroup" or o == ORG + "Organization"}
    assert not stated & set(typed)


def test_reasoning_closes_the_wide_profiles_chains():
    """Every partner typed only with a generated class gets org:Organization and its group from msp's
    owl:hasValue restriction, through up to eight rdfs:subClassOf steps."""
    from msp_graph.loading import load_bundled, open_store
    from msp_graph.reasoning import reason
    from msp_graph.stores import source_graph

    manifest, text = _wide(8_000, 2)
    store = open_store()
    load_bundled(store, data=False)
    store.load(text.encode(), graph=source_graph("generated"), format="nt")
    reason(store, engine="rules")
    defined_by = "http://www.w3.org/2000/01/rdf-schema#isDefinedBy"
    rows = store.query(
        f"""SELECT (COUNT(DISTINCT ?org) AS ?n) WHERE {{
            ?org a ?class . ?class <{defined_by}> <{bench_generate.BENCH_ONTOLOGY}> .
            ?org a <{ORG}Organization> ; <{MSP}stakeholderGroup> ?group . }}"""
    )
    assert int(next(iter(rows))["n"].value) == manifest["class_typed_organisations"] > 0


def test_generator_command_line_takes_a_profile(tmp_path, capsys):
    path = tmp_path / "wide.nt"
    assert bench_generate.main(["3e3", "--profile", "wide", "-o", str(path)]) == 0
    manifest = json.loads(capsys.readouterr().err)
    assert manifest["profile"] == "wide"
    assert len(path.read_text(encoding="utf-8").splitlines()) == manifest["triples"]
    with pytest.raises(SystemExit):
        bench_generate.main(["3e3", "--profile", "tall"])
    assert "invalid choice: 'tall'" in capsys.readouterr().err


def test_cache_is_keyed_by_profile(monkeypatch, tmp_path):
    monkeypatch.setattr(bench_generate, "CACHE", tmp_path)
    standard, standard_manifest = bench_generate.cached(500, seed=2)
    wide, wide_manifest = bench_generate.cached(500, seed=2, profile="wide")
    assert standard != wide
    assert standard.name == f"msp-standard-500-s2-v{bench_generate.GENERATOR_VERSION}.nt"
    assert (standard_manifest["profile"], wide_manifest["profile"]) == ("standard", "wide")
    assert standard.read_bytes() != wide.read_bytes()
    assert bench_generate.cached(500, seed=2, profile="wide") == (wide, wide_manifest)


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


@pytest.mark.slow
def test_validating_a_store_again_after_a_change_is_timed_against_a_full_run(tmp_path):
    """The two change steps run on a validated store on disk; the incremental run writes the full run's
    report (the step fails otherwise) and both are timed."""
    argv = ["--sizes", "2000", "--repeat", "1", "--only", "command-revalidate", "command-revalidate-members"]
    code = bench_run.main([*argv, "--references", "msp-graph-full", "--results", str(tmp_path)])
    assert code == 0
    (record,) = tmp_path.glob("*.json")
    rows = {r["operation"]: r for r in json.loads(record.read_text())["rows"]}
    assert set(rows) == {"command-revalidate", "command-revalidate-members"}
    for row in rows.values():
        assert row["ours"]["status"] == row["reference"]["status"] == "ok", row
        assert row["reference"]["engine"] == "msp-graph-full" and row["ratio"] > 0
        assert row["ours"]["info"]["results"] == row["reference"]["info"]["results"] > 0


def _fake_sizes(monkeypatch, seen_profiles: list | None = None):
    """``prepare`` without files: the size travels in ``files`` so a fake step can scale with it."""

    def prepare(size, *, profile="standard", **_):
        if seen_profiles is not None:
            seen_profiles.append(profile)
        files = {"data": str(size), "ontology": "o", "inferred": "i", "closure": "c", "shapes": "s"}
        return {"files": files, "manifest": {"triples": size, "profile": profile, "defects": {}}}

    monkeypatch.setattr(bench_run, "prepare", prepare)


def test_scaling_check_flags_a_quadratic_step_not_a_linear_one(monkeypatch, tmp_path, capsys):
    _fake_sizes(monkeypatch)
    # At 10^4 triples: reason 1 s, validate 1 s, query 0.001 s; then linear, quadratic, quadratic but tiny.
    growth = {"validate:msp-graph": 1, "reason:msp-graph": 2, "query:msp-graph": 2}
    base = {"validate:msp-graph": 1.0, "reason:msp-graph": 1.0, "query:msp-graph": 0.001}

    def fake_step(name, files, *, timeout, profile=None):
        scale = int(files["data"]) / 10_000
        return {"status": "ok", "seconds": base[name] * scale ** growth[name], "peak_mib": 10.0}

    monkeypatch.setattr(bench_run, "run_step", fake_step)
    argv = ["--sizes", "1e4", "1e5", "1e6", "--repeat", "1", "--only", "reason", "validate", "query"]
    assert bench_run.main([*argv, "--references", "none", "--results", str(tmp_path)]) == 0
    (record,) = tmp_path.glob("*.json")
    scaling = json.loads(record.read_text())["scaling"]
    assert scaling["flagged"] == ["query:msp-graph", "reason:msp-graph"]
    rows = {(r["step"], r["triples"][0]): r for r in scaling["steps"]}
    assert len(rows) == 3 * 2
    assert rows[("validate:msp-graph", 10_000)]["exponent"] == pytest.approx(1.0)
    assert rows[("reason:msp-graph", 100_000)]["exponent"] == pytest.approx(2.0)
    assert rows[("reason:msp-graph", 10_000)]["flagged"] and rows[("reason:msp-graph", 100_000)]["flagged"]
    assert not rows[("validate:msp-graph", 100_000)]["flagged"]
    # Quadratic, but 0.001 s -> 0.1 s: below the noise floor at 10^5, flagged at 10^6 (10 s).
    assert not rows[("query:msp-graph", 10_000)]["flagged"]
    assert rows[("query:msp-graph", 100_000)]["flagged"] is True
    assert rows[("reason:msp-graph", 10_000)]["nlogn_exponent"] == pytest.approx(1.097, abs=1e-3)
    err = capsys.readouterr().err
    assert "worse than n log n: query:msp-graph, reason:msp-graph" in err
    table = (tmp_path / record.name.replace(".json", ".md")).read_text()
    flagged_lines = [line for line in table.splitlines() if "worse than n log n**" in line]
    assert [line.split(" | ")[0] for line in flagged_lines] == [
        "| reason:msp-graph",
        "| reason:msp-graph",
        "| query:msp-graph",
    ]


def test_scaling_check_bounds_a_step_that_did_not_finish():
    timings = {
        "query:rdflib": {
            10_000: {"status": "ok", "seconds": 7.5},
            100_000: {"status": "timeout", "limit": 120.0},
        },
        "load:rdflib": {10_000: {"status": "ok", "seconds": 0.3}, 100_000: {"status": "failed"}},
    }
    (row,) = bench_run.growth(timings, {10_000: 10_000, 100_000: 100_000})
    assert row["step"] == "query:rdflib" and row["lower_bound"] is True
    assert row["exponent"] == pytest.approx(1.204, abs=1e-3)  # log10(120 / 7.5): not over the limit
    assert row["flagged"] is False


def test_data_profile_reaches_every_size_and_the_record(monkeypatch, tmp_path):
    seen: list = []
    _fake_sizes(monkeypatch, seen)
    monkeypatch.setattr(
        bench_run, "run_step", lambda name, files, **_: {"status": "ok", "seconds": 0.5, "peak_mib": 1.0}
    )
    argv = ["--sizes", "1000", "2000", "--repeat", "1", "--only", "load", "--references", "none"]
    assert bench_run.main([*argv, "--data-profile", "wide", "--results", str(tmp_path)]) == 0
    assert seen == ["wide", "wide"]
    (record,) = tmp_path.glob("*.json")
    data = json.loads(record.read_text())
    assert data["data_profile"] == data["options"]["data_profile"] == "wide"
    assert "Data profile: `wide`" in (tmp_path / record.name.replace(".json", ".md")).read_text()


@pytest.mark.slow
@pytest.mark.skipif(not jena.available(), reason="needs java and Debian's libapache-jena-java")
def test_the_logical_shape_set_runs_and_agrees_with_jena(tmp_path):
    argv = ["--sizes", "2000", "--repeat", "1", "--only", "validate", "command-validate"]
    argv += ["--references", "jena", "--shapes-set", "logical", "--results", str(tmp_path)]
    assert bench_run.main(argv) == 0
    (record,) = tmp_path.glob("*.json")
    data = json.loads(record.read_text())
    assert data["options"]["shapes_set"] == "logical"
    assert data["parity"]["2000"]["agree"] is True
    results = {r["operation"]: r["ours"]["info"]["results"] for r in data["rows"]}
    assert results["validate"] == results["command-validate"] > 0


@pytest.mark.slow
@pytest.mark.servers
def test_validation_in_virtuoso_is_timed_and_agrees_with_the_embedded_store(tmp_path):
    """The endpoint operations start their own Virtuoso, push the data, time the client process and check
    parity with ``msp-graph validate FILE`` (the reference's place in the table: command-validate's)."""
    import os

    from servers import VIRTUOSO, missing

    if not os.access(VIRTUOSO, os.X_OK):
        missing("Virtuoso (Debian package virtuoso-opensource)")
    argv = ["--sizes", "1000", "--repeat", "1", "--timeout", "300", "--references", "none"]
    argv += ["--only", "command-validate-endpoint", "command-validate-endpoint-local-copy"]
    assert bench_run.main([*argv, "--endpoint-server", "virtuoso", "--results", str(tmp_path)]) == 0
    (record,) = tmp_path.glob("*.json")
    data = json.loads(record.read_text())
    assert data["options"]["endpoint_server"] == "virtuoso"
    load = data["sizes"]["1000"]["endpoint"]
    assert load["server"] == "virtuoso" and load["load"]["seconds"] > 0 and load["load"]["peak_mib"] > 0
    rows = {r["operation"]: r["ours"] for r in data["rows"]}
    assert set(rows) == {
        "command-validate",
        "command-validate-endpoint",
        "command-validate-endpoint-local-copy",
    }
    for operation in ("command-validate-endpoint", "command-validate-endpoint-local-copy"):
        ours = rows[operation]
        assert ours["status"] == "ok", ours
        assert ours["seconds"] > 0 and ours["peak_mib"] > 20  # the msp-graph process's own peak
        assert ours["info"]["server"] == "virtuoso"
        assert ours["info"]["results"] == rows["command-validate"]["info"]["results"] > 0
    parity = data["parity"]["1000"]
    assert parity["agree"] is True
    assert "command-validate-endpoint:msp-graph" in parity["table"][0]


# A node shape used by sh:node: pyshacl and pyrudof nest its results under the sh:node result (sh:detail).
NESTED_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:M> a sh:NodeShape ; sh:targetSubjectsOf <urn:member> ;
    sh:property [ sh:path <urn:member> ; sh:node <urn:P> ] .
<urn:P> a sh:NodeShape ; sh:targetObjectsOf <urn:member> ;
    sh:property [ sh:path <urn:country> ; sh:not [ sh:pattern "^[A-Z]{2}$" ] ] .
"""


def test_results_nested_in_others_are_not_counted():
    """pyshacl gives a ``sh:node`` result the results of the node shape as ``sh:detail``, typed
    ``sh:ValidationResult`` too: only the results the report lists are results."""
    import pyshacl
    import rdflib

    from bench.steps import results_from_report_graph

    triples = "<urn:m> <urn:member> <urn:x> . <urn:x> <urn:country> 'FR' ."
    data = rdflib.Graph().parse(data=triples, format="turtle")
    shapes = rdflib.Graph().parse(
        data=NESTED_SHAPES,
        format="turtle",
    )
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes)
    nodes = set(
        report.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))
    )
    assert len(nodes) == 3  # the sh:node result, its detail, the partner's own result
    assert sorted(k[0] for k in results_from_report_graph(report)) == ["urn:m", "urn:x"]


# --- the Rust references: reasonable (reason) and pyrudof (validate), issue 12 ---------------------------


def _record(tmp_path) -> dict:
    (record,) = tmp_path.glob("*.json")
    return json.loads(record.read_text())


def test_reasonable_and_pyrudof_run_beside_msp_graph_and_pyrudof_agrees(tmp_path):
    argv = ["--sizes", "2000", "--repeat", "1", "--only", "reason", "validate"]
    assert bench_run.main([*argv, "--references", "reasonable", "pyrudof", "--results", str(tmp_path)]) == 0
    data = _record(tmp_path)
    rows = {(r["operation"], r["reference"]["engine"]): r for r in data["rows"]}
    assert set(rows) == {("reason", "reasonable"), ("validate", "pyrudof")}
    for row in rows.values():
        assert row["ours"]["status"] == row["reference"]["status"] == "ok", row
        assert row["reference"]["seconds"] > 0 and row["reference"]["peak_mib"] > 0 and row["ratio"] > 0
    reasoned = rows[("reason", "reasonable")]["reference"]["info"]
    assert reasoned["triples"] > reasoned["inferred"] > 0
    validated = rows[("validate", "pyrudof")]
    # The bundled shapes' SPARQL constraints (composition rule, period order) run in pyrudof: same results.
    assert validated["reference"]["info"]["results"] == validated["ours"]["info"]["results"] > 0
    parity = data["parity"]["2000"]
    assert parity["agree"] is True
    assert "validate:pyrudof" in parity["table"][0]
    assert any("SPARQLConstraintComponent" in line for line in parity["table"])
    assert data["machine"]["versions"]["pyrudof"] and data["machine"]["versions"]["reasonable"]


def test_pyrudof_agrees_on_the_logical_shape_set(tmp_path):
    argv = ["--sizes", "2000", "--repeat", "1", "--only", "validate", "--shapes-set", "logical"]
    assert bench_run.main([*argv, "--references", "pyrudof", "--results", str(tmp_path)]) == 0
    data = _record(tmp_path)
    (row,) = data["rows"]
    assert row["reference"]["engine"] == "pyrudof" and row["reference"]["status"] == "ok", row
    assert row["reference"]["info"]["results"] == row["ours"]["info"]["results"] > 0
    assert data["parity"]["2000"]["agree"] is True


# A shape pyrudof 0.3.35 reads and then ignores: its SHACL-AF SPARQL target selects every partnership.
SPARQL_TARGET_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:bench:PartnershipNote> a sh:NodeShape ;
    sh:target [ a sh:SPARQLTarget ;
        sh:select "SELECT ?this WHERE { ?this a <https://w3id.org/msp/ontology#Partnership> }" ] ;
    sh:property <urn:bench:PartnershipNote-note> .
<urn:bench:PartnershipNote-note> a sh:PropertyShape ; sh:path <urn:bench:note> ; sh:minCount 1 .
"""


def test_pyrudof_is_not_run_on_shapes_it_would_ignore_and_says_why(monkeypatch, tmp_path):
    """Run on these shapes, pyrudof reports nothing where msp-graph reports every partnership: the step
    stops before validating, the run names the feature, and parity is left to the validators that ran."""
    shapes = tmp_path / "targets.ttl"
    shapes.write_text(SPARQL_TARGET_SHAPES, encoding="utf-8")
    monkeypatch.setitem(bench_run.SHAPE_SETS, "sparql-target", (shapes,))
    monkeypatch.setattr(bench_run, "CACHE", tmp_path / "cache")  # its shapes file and closure, not bench's
    argv = ["--sizes", "300", "--repeat", "1", "--only", "validate", "--shapes-set", "sparql-target"]
    results = tmp_path / "results"
    assert bench_run.main([*argv, "--references", "pyrudof", "--results", str(results)]) == 0
    data = _record(results)
    (row,) = data["rows"]
    assert row["ours"]["status"] == "ok" and row["ours"]["info"]["results"] > 0
    assert row["reference"]["status"] == "failed"
    assert "ignores sh:target (SHACL-AF targets" in row["reference"]["error"]
    assert "not run on these shapes" in row["reference"]["error"]
    assert data["parity"] == {}  # one report: nothing to compare, and no false agreement


RUDOF_IGNORES_CASES = {
    "sh:target": SPARQL_TARGET_SHAPES,
    "sh:nodeValidator": """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/ns#> .
        ex:Flagged a sh:ConstraintComponent ; sh:parameter [ sh:path ex:flag ] ;
            sh:nodeValidator [ a sh:SPARQLSelectValidator ; sh:select "SELECT $this { FILTER($flag) }" ] .
        ex:S a sh:NodeShape ; sh:targetClass <https://w3id.org/msp/ontology#Partnership> ; ex:flag true .""",
    "sh:rule": """@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:S> a sh:NodeShape ; sh:targetClass <https://w3id.org/msp/ontology#Partnership> ;
            sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate <urn:q> ; sh:object 1 ] ;
            sh:property [ sh:path <urn:q> ; sh:maxCount 0 ] .""",
}


@pytest.mark.parametrize("feature", list(RUDOF_IGNORES_CASES))
def test_pyrudof_still_ignores_what_the_step_refuses(feature, tmp_path):
    """pyshacl reports a result that pyrudof leaves out, and the step names the feature. When a pyrudof
    release checks it, the first assertion fails: take the feature out of ``bench.steps._RUDOF_IGNORES``."""
    import pyrudof
    import pyshacl
    import rdflib

    from bench.steps import results_from_report_graph, rudof_unsupported

    shapes = RUDOF_IGNORES_CASES[feature]
    data = f"<urn:p> a <{MSP}Partnership> ."
    _, report, _ = pyshacl.validate(
        rdflib.Graph().parse(data=data, format="turtle"),
        shacl_graph=rdflib.Graph().parse(data=shapes, format="turtle"),
        advanced=True,
    )
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(data, reader_mode=pyrudof.ReaderMode.Strict)
    rudof.read_shacl(shapes, reader_mode=pyrudof.ReaderMode.Strict)
    assert (len(results_from_report_graph(report)), len(rudof.validate_shacl())) == (1, 0)
    path = tmp_path / "shapes.ttl"
    path.write_text(shapes, encoding="utf-8")
    (found,) = rudof_unsupported(str(path))
    assert found.startswith(f"{feature} (") and found.endswith(": 1 use"), found


def test_the_pyrudof_step_counts_only_the_results_its_report_lists(tmp_path):
    """pyrudof's report graph nests the node shape's results under the ``sh:node`` result (``sh:detail``),
    as pyshacl's does: the step counts the two results ``sh:result`` lists, not the three."""
    import rdflib

    from bench.steps import STEPS

    closure = tmp_path / "closure.nt"
    closure.write_text('<urn:m> <urn:member> <urn:x> .\n<urn:x> <urn:country> "FR" .\n', encoding="utf-8")
    shapes = tmp_path / "shapes.nt"
    rdflib.Graph().parse(
        data=NESTED_SHAPES,
        format="turtle",
    ).serialize(shapes, format="nt", encoding="utf-8")
    args = {"closure": str(closure), "shapes": str(shapes), "report": str(tmp_path / "report.json")}
    result = STEPS["validate:pyrudof"].fn(args)
    keys = json.loads((tmp_path / "report.json").read_text())
    assert result["results"] == len(keys) == 2 and result["conforms"] is False
    assert sorted((k[0], k[1].removeprefix(SH), k[2]) for k in keys) == [
        ("urn:m", "NodeConstraintComponent", "_:"),
        ("urn:x", "NotConstraintComponent", "_:"),
    ]
