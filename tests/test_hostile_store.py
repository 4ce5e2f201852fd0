"""The store on disk (``--store DIR``) beside other processes and under faults.

* Readers beside a writer: 8 ``query`` processes and a ``load`` on one store all succeed, and each reader
  sees the old count or the new, never a part; a second writer is refused in one line; a store in a
  read-only directory can be read.
* Old or new, never a mix: ``load``, ``import`` and ``reason`` are killed (SIGKILL) at several moments; the
  store then opens, a reader sees exactly the old or the new data (no staging graph), and the next writer
  removes whatever the killed one left. The moments are hit by the command's own progress lines (``-v``:
  "loading FILE", "replacing N graph(s) in one transaction"; ``import``: "writing N graphs" too) or by
  polling the store read-only for what the command has written so far (``reason`` prints no such lines);
  a killed command must end with -9, so a moment that was missed fails the test instead of passing it
  silently.
* Re-loading a graph stages only the difference (so an unchanged file writes nothing to it).
* ``-o`` with a long file name the folder accepts is written (the temporary file's name used to be too long).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from msp_graph.loading import load_files
from msp_graph.stores import INFERRED_GRAPH, STAGING_PREFIX, EmbeddedStore, source_graph
from msp_graph.stores.embedded import SESSION_PREFIX

MSP = [sys.executable, "-m", "msp_graph.cli"]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
QUADS = (
    "SELECT ?g ?s ?p ?o WHERE { { GRAPH ?g { ?s ?p ?o } "
    "FILTER (?p != <http://www.w3.org/ns/prov#generatedAtTime>) } UNION { ?s ?p ?o } }"
)


def msp(*args, timeout: float = 180, **options) -> subprocess.CompletedProcess:
    return subprocess.run([*MSP, *map(str, args)], capture_output=True, text=True, timeout=timeout, **options)


def nt(path: Path, n: int, *, tag: str = "v1", start: int = 0) -> Path:
    """``n`` triples, no blank nodes (so two stores' dumps compare line by line)."""
    lines = (
        f'<https://example.org/{tag}/s{i}> <https://example.org/p{i % 7}> "{tag} value {i}" .\n'
        for i in range(start, start + n)
    )
    path.write_text("".join(lines), encoding="utf-8")
    return path


def view(path: Path) -> dict:
    """What a user's query sees: every quad of every named graph (load times left out: they differ between
    runs) and how many triples the union default graph holds. Asked through ``msp-graph query``, so a
    staging graph a crash left, or a graph half written, shows here as it would to the user."""
    done = msp("query", "-e", QUADS, "--store", path, "-f", "tsv", "-q")
    assert done.returncode == 0, done.stderr
    rows = [re.sub(r"_:\w+", "_:b", row) for row in done.stdout.splitlines()[1:]]  # two runs' blank nodes
    return {
        "quads": frozenset(Counter(row for row in rows if not row.startswith("\t")).items()),
        "union": sum(1 for row in rows if row.startswith("\t")),
    }


def assert_clean(path: Path) -> None:
    """After a writer opened and closed the store: no staging triple, no session, no scratch store."""
    with EmbeddedStore(path):
        pass
    raw = ox.Store.read_only(str(path))
    try:
        ours = [g.value for g in raw.named_graphs() if g.value.startswith((STAGING_PREFIX, SESSION_PREFIX))]
        assert [g for g in ours if not g.startswith(f"{SESSION_PREFIX}version/")] == []
        assert [
            q for q in raw if str(q.graph_name).startswith((f"<{STAGING_PREFIX}", f"<{SESSION_PREFIX}"))
        ] == []
    finally:
        del raw
    assert list(path.glob(".msp-graph-scratch-*")) == []


def expected_after(store: Path, tmp_path: Path, *args) -> dict:
    """The new state: the same command run to its end on a copy of the store."""
    copy = tmp_path / f"copy-{len(list(tmp_path.glob('copy-*')))}"
    shutil.copytree(store, copy, ignore=shutil.ignore_patterns(".msp-graph-readers"))
    done = msp(*[copy if a == store else a for a in args])
    assert done.returncode in (0, 1), done.stderr
    return view(copy)


def kill(
    args, *, line: str | None = None, when: Callable[[], bool] | None = None, timeout: float = 120
) -> int:
    """Run ``msp-graph args`` and SIGKILL it when its stderr shows ``line`` or ``when()`` holds; its exit
    status (-9 when it was killed while it ran)."""
    proc = subprocess.Popen(
        [*MSP, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True).start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if line is not None:
                try:
                    if line in lines.get(timeout=0.05):
                        break
                except queue.Empty:
                    continue
            elif when():
                break
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def hold_the_lock(store: Path) -> subprocess.Popen:
    """Another process that opens ``store`` for writing and keeps it until its stdin closes (after "ok")."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys, msp_graph as m; s = m.open_store({str(store)!r}); print('ok', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ok"
    return holder


def hidden(path: Path) -> set[str]:
    """Graphs holding triples that readers do not see (a writer's staging or unpublished graphs)."""
    try:
        with EmbeddedStore(path, mode="read") as store:
            return set(store._unpublished)
    except Exception:  # the writer is creating the store: nothing to see yet
        return set()


# --- readers beside a writer ---------------------------------------------------------------------------


def test_eight_readers_and_a_writer_all_succeed_and_see_old_or_new(tmp_path):
    store = tmp_path / "store"
    assert msp("load", nt(tmp_path / "old.nt", 500), "--store", store, "-q").returncode == 0
    old = view(store)["union"]
    files = [nt(tmp_path / f"new{i}.nt", 1000, tag=f"n{i}") for i in range(3)]
    reader = [*MSP, "query", "-e", COUNT, "--store", str(store), "-f", "csv", "-q"]
    writer = subprocess.Popen(
        [*MSP, "load", *map(str, files), "--store", str(store), "-q"], stderr=subprocess.PIPE
    )
    # Eight readers at all times while the writer runs (a reader that ends is replaced), then let them end.
    results: list[subprocess.Popen] = []
    running: list[subprocess.Popen] = []
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and (writer.poll() is None or running):
        results += [p for p in running if p.poll() is not None]
        running = [p for p in running if p.poll() is None]
        while writer.poll() is None and len(running) < 8:
            running.append(
                subprocess.Popen(reader, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            )
        time.sleep(0.05)
    assert writer.wait(timeout=60) == 0, writer.stderr.read()
    new = view(store)["union"]
    assert new == old + 3000 + 3 * 4  # and four metadata triples a file
    seen = []
    for p in results:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        seen.append(int(out.split()[-1]))
    assert len(results) >= 8
    assert set(seen) <= {old, new}, seen


def test_a_second_writer_is_refused_in_one_line_and_readers_go_on(tmp_path):
    store = tmp_path / "store"
    small = nt(tmp_path / "small.nt", 10)
    assert msp("load", small, "--store", store, "-q").returncode == 0
    holder = hold_the_lock(store)
    try:
        second = msp("load", small, "--store", store)
        assert second.returncode == 2
        assert second.stderr.count("\n") == 1 and "locked by another process" in second.stderr
        for command in (
            ("stats",),
            ("query", "-e", COUNT),
            ("export", "-f", "nt"),
            ("validate", "--no-reason"),
        ):
            done = msp(*command, "--store", store)
            assert done.returncode in (0, 1), (command, done.stderr)
            assert "Traceback" not in done.stderr
    finally:
        holder.communicate("", timeout=60)


def test_a_store_in_a_read_only_directory_can_be_read(tmp_path):
    folder = tmp_path / "ro"
    store = folder / "store"
    folder.mkdir()
    assert msp("load", nt(tmp_path / "small.nt", 10), "--store", store, "-q").returncode == 0
    expected = view(store)["union"]
    prefix = []
    if os.geteuid() == 0:  # root writes anywhere: take away the capabilities that let it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: no way to make a directory read-only")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    for path in [folder, store, *store.iterdir()]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        read = subprocess.run(
            [*prefix, *MSP, "query", "-e", COUNT, "--store", str(store), "-f", "csv"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert read.returncode == 0, read.stderr
        assert read.stdout.split()[-1] == str(expected)
        write = subprocess.run(
            [*prefix, *MSP, "load", str(tmp_path / "small.nt"), "--store", str(store)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert write.returncode == 2 and write.stderr.count("\n") == 1, write.stderr
        assert "permission denied" in write.stderr
    finally:
        for path in [folder, store, *store.iterdir()]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_staging_graphs_a_crash_left_are_never_seen_and_removed_by_the_next_writer(tmp_path):
    store = tmp_path / "store"
    assert msp("load", nt(tmp_path / "data.nt", 100), "--store", store, "-q").returncode == 0
    before = view(store)
    raw = ox.Store(str(store))  # what a killed load of the previous version left: a full staging copy
    staging = ox.NamedNode(f"{STAGING_PREFIX}0123456789abcdef")
    raw.extend(
        ox.Quad(q.subject, q.predicate, q.object, staging)
        for q in raw.quads_for_pattern(None, None, None, ox.NamedNode(source_graph("data")))
    )
    raw.flush()
    del raw
    assert view(store) == before  # the union count does not double
    assert msp("query", "-e", COUNT, "--store", store, "-f", "csv").stdout.split()[-1] == str(before["union"])
    assert_clean(store)
    assert view(store) == before


# --- old or new, never a mix: kill -9 ----------------------------------------------------------------


@pytest.fixture
def two_files(tmp_path):
    """A store holding a.nt (old), and a load that replaces a.nt (other triples) and adds b.nt."""
    store = tmp_path / "store"
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    assert (
        msp("load", nt(tmp_path / "old" / "a.nt", 20_000, tag="a1"), "--store", store, "-q").returncode == 0
    )
    new = [nt(tmp_path / "new" / "a.nt", 20_000, tag="a2"), nt(tmp_path / "new" / "b.nt", 40_000, tag="b")]
    return store, ["load", "-v", *new, "--store", store]


@pytest.mark.parametrize(
    "moment, line",
    [
        ("during the first file", "loading "),
        ("during the second file", "b.nt"),
        ("during the transaction", "in one transaction"),
    ],
)
def test_load_killed_leaves_the_old_data_or_the_new(tmp_path, two_files, moment, line):
    store, args = two_files
    old = view(store)
    new = expected_after(store, tmp_path, *args)
    assert new != old
    assert kill(args, line=line) == -signal.SIGKILL, f"the load ended before {moment}"
    seen = view(store)
    if moment != "during the transaction":
        assert seen == old  # a multi-file load killed during the second file keeps nothing of the first
    assert seen in (old, new)
    assert_clean(store)
    assert view(store) == seen


def test_load_into_a_new_store_killed_leaves_an_empty_store(tmp_path):
    store = tmp_path / "store"
    args = [
        "load",
        "-v",
        nt(tmp_path / "a.nt", 30_000),
        nt(tmp_path / "b.nt", 30_000, tag="b"),
        "--store",
        store,
    ]
    assert kill(args, line="b.nt") == -signal.SIGKILL
    with EmbeddedStore(store, mode="read") as reader:
        assert reader.graphs() == [] and reader.count() == 0
    assert_clean(store)
    raw = ox.Store.read_only(str(store))
    try:
        assert len(raw) == 0  # the ontology and a.nt, never published, are gone
    finally:
        del raw


@pytest.mark.parametrize(
    "moment, line",
    [
        ("before the write", "writing 1 graph"),  # every row read and checked, the write about to begin
        ("during the write", "msp-graph-import-"),  # "loading" its N-Triples file: loaded, not published
        ("at the transaction", "in one transaction"),  # publishing it: killed just before or after
    ],
)
def test_import_killed_leaves_the_old_data_or_the_new(tmp_path, moment, line):
    store = tmp_path / "store"
    assert msp("load", "--store", store, "-q").returncode == 0  # the bundled data
    sheet = tmp_path / "sheets" / "organisations.csv"
    sheet.parent.mkdir()
    rows = [f"org-{i},Organisation number {i},O{i},employers,,FRA,,https://www.ilo.org/" for i in range(2000)]
    sheet.write_text(
        "id,name,acronyms,stakeholder_groups,stated_kind,country,homepage,sources\n" + "\n".join(rows) + "\n"
    )
    args = ["import", "-v", sheet, "--store", store, "--no-validate"]
    old = view(store)
    new = expected_after(store, tmp_path, *args)
    assert new != old
    assert kill(args, line=line) == -signal.SIGKILL, f"the import ended before {moment}"
    seen = view(store)
    assert seen in (old, new)  # the write of a small sheet may end between the moment and the kill
    assert_clean(store)
    assert view(store) == seen


@pytest.mark.parametrize("again", [False, True], ids=["first-reasoning", "reasoning-again"])
def test_reason_killed_leaves_the_old_inferred_graph_or_the_new(tmp_path, again):
    # The write is short (the reasoner writes its graph as one text): the watcher, which opens a snapshot
    # each time it looks, may miss it on a small graph; then the same is tried on a larger one.
    for size in (20_000, 60_000, 180_000):
        if _reason_killed_while_writing(tmp_path / str(size), size, again):
            return
    pytest.fail("reasoning ended before it wrote, at every size tried")


def _reason_killed_while_writing(tmp_path: Path, size: int, again: bool) -> bool:
    """Kill ``reason --store`` while its inferred graph is written but not published; then old or new, and a
    clean store. False when the command ended before the watcher saw it write."""
    from bench.generate import generate

    tmp_path.mkdir()
    store = tmp_path / "store"
    data = tmp_path / "data.nt"
    with data.open("w", encoding="utf-8") as out:
        generate(size, seed=3, out=out)
    assert msp("load", data, "--store", store, "-q").returncode == 0
    if again:  # an inferred graph that the next reasoning replaces with another
        assert msp("reason", "--store", store, "-q").returncode in (0, 1)
        more = tmp_path / "more.nt"  # owl:sameAs is symmetric: the next inferred graph differs
        more.write_text(
            "<https://example.org/o1> <http://www.w3.org/2002/07/owl#sameAs> <https://example.org/o2> .\n"
        )
        assert msp("load", more, "--store", store, "-q").returncode == 0
    args = ["reason", "--store", store]
    old = view(store)
    new = expected_after(store, tmp_path, *args)
    inferred = [{q for q, _ in state["quads"] if q.startswith(f"<{INFERRED_GRAPH}>")} for state in (old, new)]
    assert inferred[0] != inferred[1]

    def writing() -> bool:
        return bool(hidden(store))  # the inferred graph, unpublished, or its staging copy holds triples

    if kill(args, when=writing) != -signal.SIGKILL:
        return False
    seen = view(store)
    assert seen in (old, new)
    assert_clean(store)
    assert view(store) == seen
    return True


# --- re-loading writes only the difference ---------------------------------------------------------------


def _staged_quads(monkeypatch) -> list[int]:
    staged: list[int] = []
    real = EmbeddedStore._stage_quads

    def counted(self, quads, graph, work):
        staged.append(real(self, quads, graph, work))
        return staged[-1]

    monkeypatch.setattr(EmbeddedStore, "_stage_quads", counted)
    return staged


def test_reloading_stages_only_the_difference(tmp_path, monkeypatch):
    path = nt(tmp_path / "data.nt", 2000)
    with EmbeddedStore(tmp_path / "store") as store:
        load_files(store, [path])
        staged = _staged_quads(monkeypatch)
        load_files(store, [path])
        assert sum(staged) == 0  # unchanged: nothing to add or remove
        text = path.read_text().replace('"v1 value 7"', '"v1 value seven"').replace('"v1 value 9"', '"nine"')
        path.write_text(text)
        staged.clear()
        load_files(store, [path])
        assert sum(staged) == 4  # two triples out, two in
        assert store.count(source_graph("data")) == 2000
        held = store.dump(format="nt", graphs=[source_graph("data")]).decode().splitlines()
        assert sorted(held) == sorted(line.strip() for line in text.splitlines())


def test_reloading_replaces_blank_nodes_and_named_graphs_exactly(tmp_path):
    first = tmp_path / "data.trig"
    first.write_text(
        '<urn:x:a> <urn:x:p> [ <urn:x:q> "1" ] .\nGRAPH <urn:x:g> { <urn:x:a> <urn:x:p> "in g" }\n'
    )
    with EmbeddedStore(tmp_path / "store") as store:
        load_files(store, [first])
        load_files(store, [first])  # again: the blank node is a new one, the old one goes
        assert store.count(source_graph("data")) == 2
        assert store.count("urn:x:g") == 1  # named graphs of the file are added to, not doubled
        first.write_text("")
        load_files(store, [first])
        assert store.count(source_graph("data")) == 0
        assert store.count("urn:x:g") == 1


# --- -o ---------------------------------------------------------------------------------------------------


def test_output_with_a_long_file_name_is_written(tmp_path):
    target = tmp_path / ("a" * 245 + ".ttl")  # a legal name; the temporary one beside it was not
    done = msp("prefixes", "-f", "turtle", "-o", target)
    assert done.returncode == 0, done.stderr
    assert target.read_text().startswith("@prefix")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


# --- one line for a usage error ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, says",
    [
        (("load", "x.nt"), "load: missing option '--store'; see msp-graph load -h"),
        (("queries", "extra"), "queries: got unexpected extra argument"),
        (("query", "--bogus"), "query: no such option: --bogus"),
        (("no-such-command",), "no such command 'no-such-command'"),
        (("stats", "--store", ""), "stats: invalid value for '--store': empty"),
        (("stats", "--endpoint", ""), "stats: invalid value for '--endpoint': empty"),
    ],
)
def test_a_usage_error_is_one_line(tmp_path, args, says):
    done = msp(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("msp-graph: error: "), done.stderr
    assert says in done.stderr
    assert list(tmp_path.iterdir()) == []  # --store '' made no store in the current folder


def test_a_bad_output_is_refused_before_files_are_loaded_into_the_store(tmp_path):
    store = tmp_path / "store"
    assert msp("load", nt(tmp_path / "a.nt", 10), "--store", store, "-q").returncode == 0
    before = view(store)
    extra = nt(tmp_path / "extra.nt", 10, tag="extra")
    for command in (("export",), ("query", "-e", COUNT), ("stats",)):
        done = msp(*command, extra, "--store", store, "-o", tmp_path / "missing" / "out.txt")
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert f"no such folder {tmp_path / 'missing'}" in done.stderr
    assert view(store) == before


def test_validate_beside_a_writer_reasons_on_a_copy_and_gives_the_same_report(tmp_path):
    """validate reasons, which writes the inferred graph: beside another writer it works on an in-memory
    copy instead (it used to exit 2, "locked by another process"), with the same report, and the store
    keeps no inferred graph from it."""
    store = tmp_path / "store"
    assert msp("load", "--store", store, "-q").returncode == 0
    alone = tmp_path / "alone"
    shutil.copytree(store, alone)
    expected = msp("validate", "--store", alone, "-f", "json", "-q")
    assert expected.returncode == 1, expected.stderr
    holder = hold_the_lock(store)
    try:
        beside = msp("validate", "--store", store, "-f", "json", "-q")
    finally:
        holder.communicate("", timeout=60)
    assert beside.returncode == 1, beside.stderr
    assert beside.stdout == expected.stdout
    with EmbeddedStore(store, mode="read") as after:
        assert INFERRED_GRAPH not in after.graphs()
