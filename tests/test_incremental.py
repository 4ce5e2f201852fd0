"""Incremental validation of a store on disk (``validation/incremental.py``) and the change log the writers
keep (``stores/changelog.py``): after any change, the report and the inferred graph equal a full run's."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runs import run

from msp_graph.loading import load_bundled, load_files
from msp_graph.stores import INFERRED_GRAPH, EmbeddedStore, changelog
from msp_graph.validation import check, in_memory_copy
from msp_graph.validation.changes import snapshot
from msp_graph.validation.footprint import Footprints
from msp_graph.validation.incremental import (
    STATE_FILE,
    _Job,
    _needs_equality,
    validate_incrementally,
)

ORG = "http://www.w3.org/ns/org#"
MSP = "https://w3id.org/msp/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SOURCE = "<http://purl.org/dc/terms/source>"
COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
ONTOLOGY = "https://w3id.org/msp/id/graph/ontology"
GAN = "https://w3id.org/msp/id/graph/source/gan"
ILO = "<https://w3id.org/msp/id/organisation/ilo>"
GAN_IRI = "<https://w3id.org/msp/id/partnership/gan>"


@pytest.fixture
def store_path(tmp_path) -> Path:
    """A store on disk of the bundled data, validated once (its state kept)."""
    path = tmp_path / "store"
    with EmbeddedStore(path) as store:
        load_bundled(store)
    _incremental(path)
    return path


def _incremental(path: Path, *, full: bool = False):
    with EmbeddedStore(path) as store:
        return validate_incrementally(store, lines=False, full=full)


def _inferred(store) -> set[str]:
    return set(store.dump(format="nt", graphs=[INFERRED_GRAPH]).decode().splitlines())


def _reference(path: Path, *, standard: bool):
    """A full run on an in-memory copy of the store: ``check`` itself (``standard``), or the full path of
    the incremental module (the same reasoning and checks, the shapes compiled once)."""
    with EmbeddedStore(path, mode="read") as store:
        copy = in_memory_copy(store)
        inferred = _inferred(store)
    if standard:
        report = check(copy, lines=False)
    else:
        from msp_graph.reasoning import reason

        job = _Job(copy, False, False)
        result = reason(copy)
        report = job._report(job._run(list(job.checks), copy), result, on=copy)[0]
    return report, _inferred(copy), inferred


def _same(report, reference) -> None:
    """The same report: every result with all its fields, the verdicts, the inconsistencies. (Results
    that tie on the report's sort key, e.g. two focus nodes of the same label and message, may come in
    either order, in a full run too.)"""
    assert snapshot(report) == snapshot(reference)
    assert (report.triples, report.reasoning.asserted) == (reference.triples, reference.reasoning.asserted)
    body, expected = json.loads(report.render("json")), json.loads(reference.render("json"))
    for one in (body, expected):
        one["results"] = sorted(one["results"], key=lambda r: json.dumps(r, sort_keys=True))
    assert body == expected


# --- the change log ---------------------------------------------------------------------------------------


def test_data_updates_are_logged_exactly_and_others_as_unknown(store_path):
    triple = f'{ILO} {LABEL} "ILO"'
    with EmbeddedStore(store_path) as store:
        assert changelog.since(store_path, _state(store_path)["store"], store.version) == []
        store.update(f"INSERT DATA {{ GRAPH <{GAN}> {{ {triple} }} }}")
    with EmbeddedStore(store_path) as store:
        touched = changelog.since(store_path, _state(store_path)["store"], store.version)
        assert touched == [[ILO, LABEL, '"ILO"', f"<{GAN}>"]]
        store.update(f"DELETE WHERE {{ GRAPH <{GAN}> {{ {ILO} {LABEL} ?o }} }}")
        assert changelog.since(store_path, _state(store_path)["store"], store.version) is None


def test_the_log_says_whether_each_quad_was_there_before_the_first_change(store_path):
    """``present_at``: a quad's presence when the state was kept, told by the first entry naming it (the
    second session's own look-up saw the first one's change); an entry that does not say (one an earlier
    version wrote) makes the answer None, and the counts are then counted."""
    kept = _state(store_path)["store"]
    there, new = (
        [GAN_IRI, LABEL, '"Global Apprenticeship Network"@en', f"<{GAN}>"],
        [ILO, LABEL, '"x"', f"<{GAN}>"],
    )
    with EmbeddedStore(store_path) as store:
        store.update(f"INSERT DATA {{ GRAPH <{GAN}> {{ {' '.join(there[:3])} . {' '.join(new[:3])} }} }}")
    with EmbeddedStore(store_path) as store:
        store.update(f"DELETE DATA {{ GRAPH <{GAN}> {{ {' '.join(new[:3])} }} }}")
        assert changelog.present_at(store_path, kept, store.version) == {
            tuple(there): True,
            tuple(new): False,
        }
        assert store.holds([there, new]) == [True, False]
    log = store_path / changelog.CHANGES_FILE
    entries = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    del entries[-1]["present"]
    log.write_text("".join(json.dumps(e) + "\n" for e in entries), "utf-8")
    with EmbeddedStore(store_path, mode="read") as store:
        assert changelog.present_at(store_path, kept, store.version) is None
        assert changelog.since(store_path, kept, store.version) is not None


def test_reloading_a_file_logs_its_difference_and_metadata(store_path, tmp_path):
    """``load`` of a changed file: the staged difference and the metadata graph's change are logged."""
    changed = tmp_path / "gan.ttl"
    text = (Path(__file__).parent.parent / "data" / "partnerships" / "gan.ttl").read_text("utf-8")
    changed.write_text(text + '\npartnership:gan rdfs:comment "changed" .\n', "utf-8")
    with EmbeddedStore(store_path) as store:
        load_files(store, [changed])
        touched = changelog.since(store_path, _state(store_path)["store"], store.version)
    assert [q for q in touched if q[1].endswith("#comment>")] == [
        ["<https://w3id.org/msp/id/partnership/gan>", "<http://www.w3.org/2000/01/rdf-schema#comment>",
         '"changed"', f"<{GAN}>"]
    ]  # fmt: skip
    assert any(q[3] == "<https://w3id.org/msp/id/graph/metadata>" for q in touched)
    done = _incremental(store_path)[1]
    assert done.kind == "incremental" and 0 < done.rerun < done.checks


def test_a_writer_that_logs_nothing_known_makes_the_next_run_full(store_path):
    with EmbeddedStore(store_path) as store:
        store._store.add(__import__("pyoxigraph").Quad(*_terms(ILO, LABEL, '"x"'), _node(f"<{GAN}>")))
    assert _incremental(store_path)[1].kind == "full"


def test_a_writer_killed_after_its_change_makes_the_next_run_full(store_path):
    """A crash (the process ends without closing the store) leaves a log that the next run cannot follow:
    the store's recovery gives it a version no entry names."""
    code = (
        "import os, sys\nfrom msp_graph.stores import EmbeddedStore\n"
        "store = EmbeddedStore(sys.argv[1])\n"
        f"store.update('INSERT DATA {{ GRAPH <{GAN}> {{ {ILO} {LABEL} \"killed\" }} }}')\n"
        "os._exit(9)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(store_path)], timeout=60, check=False)
    assert done.returncode == 9
    report, kind = _incremental(store_path)
    assert kind.kind == "full"
    reference, _, _ = _reference(store_path, standard=False)
    _same(report, reference)


def test_a_run_that_runs_no_check_neither_compiles_the_shapes_nor_imports_pyshacl(store_path):
    """A comment added: no check can see it. The kept state names the checks and holds their queries, so
    the run tells that from the state alone (compiling imports pyshacl: 0.2 s of a 0.7 s run at 10^6)."""
    update = f'INSERT DATA {{ GRAPH <{GAN}> {{ {GAN_IRI} {COMMENT} "a note" }} }}'
    assert run("update", "--store", store_path, update, "-q").exit_code == 0
    code = (
        "import sys\nfrom msp_graph.stores import EmbeddedStore\n"
        "from msp_graph.validation import incremental\n"
        "with EmbeddedStore(sys.argv[1]) as store:\n"
        "    report, done = incremental.validate_incrementally(store, lines=False, graph=False)\n"
        "print(done.line(), 'pyshacl' in sys.modules, incremental._plan.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(store_path)], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split()[-2:] == ["False", "0"], done.stdout
    assert "0 of " in done.stdout and "reasoning not needed" in done.stdout
    report, _ = _incremental(store_path, full=True)
    with EmbeddedStore(store_path) as store:
        store.update(f'DELETE DATA {{ GRAPH <{GAN}> {{ {GAN_IRI} {COMMENT} "a note" }} }}')
        store.update(f'INSERT DATA {{ GRAPH <{GAN}> {{ {GAN_IRI} {COMMENT} "a note" }} }}')
    again, kind = _incremental(store_path)
    assert kind.kind == "incremental" and kind.rerun == 0
    _same(again, report)


def test_a_state_kept_by_other_code_or_shapes_is_not_used(store_path, monkeypatch):
    """The state is named by the bundled shapes, the package's code and the libraries' versions: kept under
    another name (an upgrade, an edited shape), it would hold other checks, so the run is full."""
    from msp_graph.validation import incremental

    monkeypatch.setattr(incremental, "_fingerprint", lambda: "another version")
    assert _incremental(store_path)[1].kind == "full"
    assert _incremental(store_path)[1].kind == "incremental"
    monkeypatch.undo()
    assert _incremental(store_path)[1].kind == "full"


def test_the_fingerprint_names_a_library_installed_without_its_metadata(monkeypatch):
    """A library vendored or installed without its distribution metadata: its module's version stands in,
    instead of an error on every ``validate --store``."""
    import importlib.metadata

    from msp_graph.validation import incremental

    def version(name: str) -> str:
        if name == "pyoxigraph":
            raise importlib.metadata.PackageNotFoundError(name)
        return "1"

    monkeypatch.setattr(importlib.metadata, "version", version)
    found = incremental._fingerprint.__wrapped__()
    assert len(found) == 64 and found != incremental._fingerprint()


def test_a_full_run_reads_the_copy_reasoned_in_with_every_graph_of_the_store(store_path):
    """A full run validates the in-memory copy the rules reasoned in: it must hold what the store holds,
    the default graph (which reasoning does not read, and the checks do) and the metadata graph included."""
    partnership = "<https://example.org/unnamed>"
    update = f"INSERT DATA {{ {partnership} a <{MSP}Partnership> }}"  # no GRAPH: the default graph
    assert run("update", "--store", store_path, update, "-q").exit_code == 0
    report, done = _incremental(store_path, full=True)
    assert done.kind == "full"
    assert any(r.focus_node == partnership[1:-1] for r in report.results)
    with EmbeddedStore(store_path) as store:  # ``check`` on the store itself: its checks read RocksDB
        _same(report, check(store, lines=False))


def test_a_member_leaving_is_reasoned_again_and_equals_a_full_run(store_path):
    """One ``org:member`` link removed: what is inferred from it (``org:hasMember``, the member's types)
    goes, and the composition verdict of its partnership may change."""
    with EmbeddedStore(store_path) as store:
        row = next(
            iter(store.query(f"SELECT ?m ?o ?g WHERE {{ GRAPH ?g {{ ?m <{ORG}member> ?o }} }} ORDER BY ?m"))
        )
        store.update(f"DELETE DATA {{ GRAPH {row['g']} {{ {row['m']} <{ORG}member> {row['o']} }} }}")
    report, done = _incremental(store_path)
    assert (done.kind, done.reasoned, done.changes) == ("incremental", True, 1)
    reference, inferred, kept = _reference(store_path, standard=True)
    assert kept == inferred
    _same(report, reference)


FUNCTIONAL = "https://example.org/functional"


@pytest.mark.parametrize(
    "extra, expected",
    [
        ("", False),
        (f"{ILO} <http://www.w3.org/2002/07/owl#sameAs> <https://example.org/ilo> .", True),
        (
            f"<{FUNCTIONAL}> a <http://www.w3.org/2002/07/owl#FunctionalProperty> . "
            f"{ILO} <{FUNCTIONAL}> <https://example.org/x1> , <https://example.org/x2> .",
            True,
        ),
        (
            f"<{FUNCTIONAL}> a <http://www.w3.org/2002/07/owl#FunctionalProperty> . "
            f"{ILO} <{FUNCTIONAL}> 1, 2 .",
            False,
        ),
    ],
    ids=["none", "sameAs", "functional", "functional-literals"],
)
def test_the_state_says_whether_equality_is_needed_as_the_store_does(tmp_path, extra, expected):
    """The kept flag comes from the rules' own finding now (no query of the store on disk): it must be what
    asking the store gives."""
    path = tmp_path / "store"
    with EmbeddedStore(path) as store:
        load_bundled(store)
        if extra:
            store.update(f"INSERT DATA {{ GRAPH <{GAN}> {{ {extra} }} }}")
    _incremental(path, full=True)
    assert json.loads((path / STATE_FILE).read_text(encoding="utf-8"))["equality"] is expected
    with EmbeddedStore(path, mode="read") as store:
        assert _needs_equality(store) is expected


def test_a_check_runs_again_when_a_changed_triple_can_match_one_of_its_patterns():
    prints = Footprints(EmbeddedStore())
    one = prints.of("SELECT ?this WHERE { ?this <urn:p> ?v }")
    assert one.touched("<urn:s>", "<urn:p>", '"x"') and not one.touched("<urn:s>", "<urn:q>", '"x"')
    for query in ("SELECT * WHERE { <urn:s> ?p <urn:o> }", "SELECT ?x WHERE { ?x <urn:p> [ ?p 1 ] }"):
        assert prints.of(query).touched("<urn:a>", "<urn:q>", "<urn:b>"), query
    typed = prints.of("PREFIX ex: <urn:> SELECT ?x WHERE { ?x a ex:C }")
    assert typed.touched("<urn:x>", RDF_TYPE, "<urn:C>") and not typed.touched("<urn:x>", RDF_TYPE, "<urn:D>")
    assert prints.of("SELECT ?x WHERE { ?x a ?c }").touched("<urn:x>", RDF_TYPE, "<urn:D>")


def test_full_forces_a_full_run_and_the_cli_says_which_kind(store_path):
    assert _incremental(store_path)[1].kind == "incremental"
    assert _incremental(store_path, full=True)[1].kind == "full"
    update = f'DELETE DATA {{ GRAPH <{GAN}> {{ <https://w3id.org/msp/id/partnership/gan> {LABEL} "x" }} }}'
    assert run("update", "--store", store_path, update, "-q").exit_code == 0
    first = run("validate", "--store", store_path, "-f", "json")
    assert "incremental: 1 change, " in first.stderr
    again = run("validate", "--store", store_path, "-f", "json", "--full")
    assert again.stderr.splitlines()[0] == "full" or "\nfull\n" in again.stderr
    assert first.stdout == again.stdout and first.exit_code == again.exit_code == 1


@pytest.mark.parametrize("format", ["text", "json", "turtle", "sarif"])
def test_each_format_of_an_incremental_run_is_the_full_runs(store_path, format):
    """The kept report's parts serve every format: lines (json, sarif) and the SHACL report graph (turtle)
    are made for the run that asks for them; after a rename, a comment and a triple stated in a second
    source graph (its subject's origin changes), the incremental output is the full run's, byte for byte."""
    gan = "<https://w3id.org/msp/id/partnership/gan>"
    edits = [
        f'DELETE DATA {{ GRAPH <{GAN}> {{ {gan} {LABEL} "Global Apprenticeship Network"@en }} }} ; '
        f'INSERT DATA {{ GRAPH <{GAN}> {{ {gan} {LABEL} "GAN, renamed"@en }} }}',
        f'INSERT DATA {{ GRAPH <{GAN}> {{ {ILO} {COMMENT} "a comment" }} }}',
    ]
    focus = json.loads(run("validate", "--store", store_path, "-f", "json").stdout)["results"][0]
    extra = "https://w3id.org/msp/id/graph/source/extra"
    edits.append(f'INSERT DATA {{ GRAPH <{extra}> {{ <{focus["focus_node"]}> {COMMENT} "x" }} }}')
    for edit in edits:
        assert run("update", "--store", store_path, edit, "-q").exit_code == 0
        first = run("validate", "--store", store_path, "-f", format)
        assert "incremental: " in first.stderr, first.stderr
        again = run("validate", "--store", store_path, "-f", format, "--full")
        assert first.stdout == again.stdout and first.exit_code == again.exit_code, edit
    if format == "json":
        sources = {
            r["source"] for r in json.loads(first.stdout)["results"] if r["focus_node"] == focus["focus_node"]
        }
        assert sources and all(extra in s for s in sources), sources


def _state(path: Path) -> dict:
    return json.loads((path / STATE_FILE).read_text("utf-8"))


def _terms(*texts: str):
    from msp_graph.stores.terms import parse_term

    return [parse_term(t) for t in texts]


def _node(text: str):
    return _terms(text)[0]


# --- random edits: incremental equals full ----------------------------------------------------------------


class _Editor:
    """Random edits of the kind curators make, as the commands make them (updates, a file re-loaded)."""

    def __init__(self, store: EmbeddedStore, rng: random.Random, folder: Path):
        self.store, self.rng, self.folder = store, rng, folder
        rows = store.query(
            f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g NOT IN (<{ONTOLOGY}>, "
            f"<{INFERRED_GRAPH}>, <https://w3id.org/msp/id/graph/metadata>)) }}"
        )
        self.quads = sorted((str(r["s"]), str(r["p"]), str(r["o"]), str(r["g"])) for r in rows)
        self.of = {}
        for quad in self.quads:
            self.of.setdefault(quad[1], []).append(quad)

    def pick(self, predicate: str | None = None) -> tuple[str, str, str, str]:
        return self.rng.choice(self.of.get(predicate, self.quads) if predicate else self.quads)

    def data(self, verb: str, quads) -> str:
        return f"{verb} DATA {{ " + " ".join(f"GRAPH {g} {{ {s} {p} {o} }}" for s, p, o, g in quads) + " }"

    def edit(self, n: int, *, plain: bool = False) -> None:
        """One edit; ``plain``: one no reasoning reads or writes (a comment, a link; the ontology gives
        nearly every other property a domain, a range or a super-property)."""
        if plain:
            getattr(self, self.rng.choice(["comment", "uncomment"]))(n)
            return
        kind = self.rng.choice(
            [
                "remove",
                "copy",
                "add_member",
                "remove_member",
                "group",
                "type",
                "partnership",
                "label",
                "restate",
                "drop_source",
                "ill_typed",
                "reload",
                "unknown",
            ]
        )
        if kind in ("unknown", "reload") and self.rng.random() < 0.7:
            kind = "copy"  # full runs are rarer
        getattr(self, kind)(n)

    def remove(self, n: int) -> None:
        self.store.update(self.data("DELETE", [self.pick()]))

    def copy(self, n: int) -> None:
        """A triple whose object is another triple's of the same predicate (a new member, group, type...)."""
        s, p, _, g = self.pick()
        self.store.update(self.data("INSERT", [(s, p, self.pick(p)[2], g)]))

    def add_member(self, n: int) -> None:
        node, g = f"<urn:x:membership-{n}>", self.pick()[3]
        org, partnership = self.pick(f"<{ORG}member>")[2], self.pick(f"<{ORG}organization>")[2]
        role = self.pick(f"<{ORG}role>")[2]
        quads = [(node, RDF_TYPE, f"<{ORG}Membership>", g), (node, f"<{ORG}member>", org, g),
                 (node, f"<{ORG}organization>", partnership, g), (node, f"<{ORG}role>", role, g)]  # fmt: skip
        self.store.update(self.data("INSERT", quads))

    def remove_member(self, n: int) -> None:
        """A membership removed, or only its member link."""
        link = self.pick(f"<{ORG}member>")
        gone = [q for q in self.quads if q[0] == link[0]] if self.rng.random() < 0.5 else [link]
        self.store.update(self.data("DELETE", gone))

    def group(self, n: int) -> None:
        old = self.pick(f"<{MSP}stakeholderGroup>")
        new = (old[0], old[1], self.pick(old[1])[2], old[3])
        self.store.update(self.data("DELETE", [old]) + " ; " + self.data("INSERT", [new]))

    def type(self, n: int) -> None:
        old = self.pick(RDF_TYPE)
        new = (old[0], old[1], self.pick(RDF_TYPE)[2], old[3])
        self.store.update(self.data("DELETE", [old]) + " ; " + self.data("INSERT", [new]))

    def partnership(self, n: int) -> None:
        node, g = f"<urn:x:partnership-{n}>", self.pick()[3]
        quads = [(node, RDF_TYPE, f"<{MSP}Partnership>", g), (node, LABEL, f'"Partnership {n}"@en', g)]
        for k in range(self.rng.randint(0, 3)):
            member = f"<urn:x:membership-{n}-{k}>"
            quads += [(member, RDF_TYPE, f"<{ORG}Membership>", g), (member, f"<{ORG}organization>", node, g),
                      (member, f"<{ORG}member>", self.pick(f"<{ORG}member>")[2], g)]  # fmt: skip
        self.store.update(self.data("INSERT", quads))

    def label(self, n: int) -> None:
        old = self.pick(LABEL)
        self.store.update(
            self.data("DELETE", [old]) + " ; " + self.data("INSERT", [(*old[:2], f'"renamed {n}"', old[3])])
        )

    def restate(self, n: int) -> None:
        """A triple stated in another source graph too (its subject's origin names both), or only there."""
        s, p, o, g = self.pick()
        other = self.rng.choice(sorted({q[3] for q in self.quads} - {g}) or [g])
        moved = self.data("INSERT", [(s, p, o, other)])
        self.store.update(
            moved if self.rng.random() < 0.5 else self.data("DELETE", [(s, p, o, g)]) + " ; " + moved
        )

    def comment(self, n: int) -> None:
        s, _, _, g = self.pick(LABEL)
        predicate = self.rng.choice([COMMENT, "<http://www.w3.org/2000/01/rdf-schema#seeAlso>"])
        value = f'"edit {n}"' if predicate == COMMENT else f"<https://example.org/{n}>"
        self.store.update(self.data("INSERT", [(s, predicate, value, g)]))

    def uncomment(self, n: int) -> None:
        if COMMENT not in self.of:
            return self.comment(n)
        self.store.update(self.data("DELETE", [self.pick(COMMENT)]))

    def drop_source(self, n: int) -> None:
        node = self.pick(SOURCE)[0]
        self.store.update(self.data("DELETE", [q for q in self.quads if q[0] == node and q[1] == SOURCE]))

    def ill_typed(self, n: int) -> None:
        s, _, _, g = self.pick()
        value = self.rng.choice(
            [
                '"x"^^<http://www.w3.org/2001/XMLSchema#integer>',
                '"2020-13-45"^^<http://www.w3.org/2001/XMLSchema#date>',
            ]
        )
        self.store.update(self.data("INSERT", [(s, self.pick()[1], value, g)]))

    def reload(self, n: int) -> None:
        """A source file changed and loaded again (``load``): one of its triples left out."""
        graph = self.pick()[3][1:-1]
        slug = graph.rsplit("/", 1)[1]
        text = self.store.dump(format="nt", graphs=[graph]).decode().splitlines(keepends=True)
        text.pop(self.rng.randrange(len(text)))
        path = self.folder / f"{slug}.nt"
        path.write_text("".join(text), "utf-8")
        load_files(self.store, [path])

    def unknown(self, n: int) -> None:
        s, p, _, g = self.pick()
        self.store.update(f"DELETE WHERE {{ GRAPH {g} {{ {s} {p} ?o }} }}")


def test_random_edits_incremental_equals_full(tmp_path):
    """Batches of random edits (a third of them touching nothing reasoning reads); after each, the
    incremental run's report and inferred graph equal a full run's (the incremental module's full path
    each time, ``check`` itself every fifth batch)."""
    path, data = tmp_path / "store", Path(__file__).parent.parent / "data"
    with EmbeddedStore(path) as store:
        load_bundled(store, data=False)
        files = ["organisations.ttl", "seed.ttl", *(f"partnerships/{n}.ttl" for n in ("gan", "gcsj", "ca4j"))]
        load_files(store, [data / name for name in files])
    _incremental(path)
    rng, kinds, edits = random.Random(20261202), [], 0
    for batch in range(36):
        with EmbeddedStore(path) as store:
            editor = _Editor(store, rng, tmp_path)
            plain = rng.random() < 0.3
            for _ in range(1 if rng.random() < 0.4 else rng.randint(2, 12)):
                editor.edit(edits, plain=plain)
                edits += 1
        report, done = _incremental(path)
        kinds.append((done.kind, done.reasoned))
        reference, inferred, kept = _reference(path, standard=batch % 5 == 4)
        assert kept == inferred, batch
        _same(report, reference)
    assert edits >= 80 and kinds.count(("incremental", False)) >= 3, (edits, kinds)
    assert kinds.count(("incremental", True)) >= 8, kinds


def test_a_reload_bigger_than_the_log_keeps_is_logged_as_unknown(tmp_path, monkeypatch):
    """A re-load's difference is read into the log only up to ``MOST`` quads: past it, the entry is
    unknown (the next validation is full), and the staged graph is not read whole into memory."""
    monkeypatch.setattr(changelog, "MOST", 100)
    data, path = tmp_path / "data.ttl", tmp_path / "store"
    read: list[int] = []
    texts = changelog.quad_texts
    monkeypatch.setattr(
        changelog, "quad_texts", lambda quads: read.append(len(found := texts(quads))) or found
    )

    def reload(objects: int) -> tuple[str, str]:
        data.write_text("".join(f"<urn:x:a> <urn:x:p> <urn:x:b{i}> .\n" for i in range(objects)))
        with EmbeddedStore(path) as store:
            before = store.version
        with EmbeddedStore(path) as store:
            load_files(store, [data])
            return before, store.version

    reload(1)
    small = changelog.since(path, *reload(10))
    assert small is not None and ["<urn:x:a>", "<urn:x:p>", "<urn:x:b9>"] in [q[:3] for q in small]
    assert changelog.since(path, *reload(500)) is None
    assert max(read) <= 101
