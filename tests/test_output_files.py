"""``-o``: how output files are written (atomically, with open()'s mode, through links, FIFOs and devices,
``-`` for stdout) and the format taken from ``-o``'s extension when ``-f`` is absent (issue 11, items 4-5)."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
import rdflib
from typer.testing import CliRunner

from msp_graph.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "cli"
SMALL = str(FIXTURES / "small.ttl")
SHAPES = ["--shapes", str(FIXTURES / "composition-mini.ttl")]
PARTNERSHIPS = (
    "PREFIX msp: <https://w3id.org/msp/ontology#> SELECT ?p WHERE { ?p a msp:Partnership } ORDER BY ?p"
)
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(result, *fragments: str) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("msp-graph: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert result.stdout == ""
    return lines[0]


def export_nt(*args):
    """``export SMALL -f nt --no-ontology -q`` with more arguments; exit 0 expected."""
    result = run("export", SMALL, "--no-ontology", "-q", *args)
    assert result.exit_code == 0, result.stderr
    return result


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


# --- how files are written -----------------------------------------------------------------------------


def test_a_new_file_gets_the_mode_open_gives_under_the_umask(tmp_path, umask_022):
    export_nt("-f", "nt", "-o", tmp_path / "new.nt")
    assert mode(tmp_path / "new.nt") == 0o644  # was 0600 whatever the umask
    os.umask(0o027)
    export_nt("-f", "nt", "-o", tmp_path / "strict.nt")
    assert mode(tmp_path / "strict.nt") == 0o640
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kept", [0o644, 0o600, 0o640])
def test_an_existing_file_keeps_its_mode(tmp_path, umask_022, kept):
    target = tmp_path / "out.nt"
    target.write_text("old\n")
    target.chmod(kept)
    before = os.stat(target)
    export_nt("-f", "nt", "-o", target)
    assert mode(target) == kept
    assert os.stat(target).st_gid == before.st_gid
    assert "https://example.org/bad" in target.read_text()
    assert leftovers(tmp_path) == []


def test_an_existing_file_is_replaced_atomically(tmp_path):
    target = tmp_path / "out.nt"
    target.write_text("old\n")
    kept_open = target.open()  # a reader of the old file keeps the old content: a new inode took its name
    export_nt("-f", "nt", "-o", target)
    assert kept_open.read() == "old\n"
    kept_open.close()
    assert "https://example.org/bad" in target.read_text()


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path, umask_022):
    target = tmp_path / "data" / "real.nt"
    target.parent.mkdir()
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "link.nt"
    link.symlink_to(Path("data") / "real.nt")  # relative, as ln -s makes them
    export_nt("-f", "nt", "-o", link)
    assert link.is_symlink() and os.readlink(link) == str(Path("data") / "real.nt")
    assert "https://example.org/bad" in target.read_text()
    assert mode(target) == 0o640
    assert leftovers(tmp_path) == leftovers(target.parent) == []


def test_a_dangling_symlink_gets_its_target_created(tmp_path, umask_022):
    link = tmp_path / "link.nt"
    link.symlink_to(tmp_path / "made.nt")
    export_nt("-f", "nt", "-o", link)
    assert link.is_symlink()
    assert "https://example.org/bad" in (tmp_path / "made.nt").read_text()
    assert mode(tmp_path / "made.nt") == 0o644


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_reader_gets_every_byte(tmp_path):
    expected = export_nt("-f", "nt").stdout_bytes
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = bytearray()

    def read() -> None:
        with open(fifo, "rb") as pipe:
            received.extend(pipe.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        export_nt("-f", "nt", "-o", fifo)
    finally:
        reader.join(timeout=60)  # a guard against hanging, not a timing: the reader waits for a writer
        if reader.is_alive() and stat.S_ISFIFO(os.lstat(fifo).st_mode):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # the command never opened it
            reader.join(timeout=60)
    assert bytes(received) == expected
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_dash_is_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plain = export_nt("-f", "nt").stdout
    assert export_nt("-f", "nt", "-o", "-").stdout == plain
    assert "https://example.org/bad" in plain
    validated = run("validate", SMALL, *SHAPES, "-f", "json", "-o", "-", "-q")
    assert validated.exit_code == 1 and json.loads(validated.stdout)["conforms"] is False
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_dev_null_stays_a_device_and_is_not_renamed(monkeypatch):
    def no_rename(*args):
        raise AssertionError(f"os.replace{args}: /dev/null must be written straight through")

    monkeypatch.setattr(os, "replace", no_rename)
    result = export_nt("-f", "nt", "-o", "/dev/null")
    assert result.exception is None and result.stdout == ""
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    validated = run("validate", SMALL, *SHAPES, "-o", "/dev/null", "-q")
    assert validated.exit_code == 1 and validated.stderr == ""  # ran, found problems, wrote nothing to see


def test_a_missing_folder_is_one_line_naming_the_path(tmp_path):
    target = tmp_path / "missing" / "out.json"
    one_line_error(run("validate", SMALL, *SHAPES, "-o", target), str(target), "no such folder")
    assert not target.parent.exists()


def test_a_directory_is_one_line(tmp_path):
    one_line_error(run("export", SMALL, "-o", tmp_path), str(tmp_path), "is a directory")


@pytest.mark.skipif(AS_ROOT, reason="root writes any file")
def test_a_read_only_file_is_refused_as_open_would(tmp_path):
    target = tmp_path / "locked.nt"
    target.write_text("old\n")
    target.chmod(0o444)
    one_line_error(run("export", SMALL, "-f", "nt", "-o", target), str(target), "permission denied")
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(AS_ROOT, reason="root writes any folder")
def test_a_writable_file_in_a_read_only_folder_is_written_in_place(tmp_path):
    folder = tmp_path / "shut"
    folder.mkdir()
    target = folder / "out.nt"
    target.write_text("old\n")
    folder.chmod(0o555)
    try:
        export_nt("-f", "nt", "-o", target)
        assert "https://example.org/bad" in target.read_text()
        one_line_error(run("export", SMALL, "-o", folder / "new.ttl"), "new.ttl", "permission denied")
    finally:
        folder.chmod(0o755)


def test_folder_outputs_refuse_dash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_error(run("template", "-o", "-"), "-o -", "folder")
    one_line_error(run("pull", "--endpoint", "http://127.0.0.1:9/query", "-o", "-"), "-o -", "folder")
    assert list(tmp_path.iterdir()) == []


# --- the format from -o's extension --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("x.jsonld", lambda p: json.loads(p.read_text()) and rdflib.Dataset().parse(p, format="json-ld")),
        ("x.nt", lambda p: rdflib.Graph().parse(p, format="nt")),
        ("x.nq", lambda p: rdflib.Dataset().parse(p, format="nquads")),
        ("x.trig", lambda p: rdflib.Dataset().parse(p, format="trig")),
        ("x.rdf", lambda p: rdflib.Graph().parse(p, format="xml")),
        ("x.ttl", lambda p: rdflib.Graph().parse(p, format="turtle")),
        ("x.graphml", lambda p: b"<graphml" in p.read_bytes()),
        ("x.xlsx", lambda p: p.read_bytes().startswith(b"PK")),
    ],
)
def test_export_takes_the_format_from_the_extension(tmp_path, name, check):
    target = tmp_path / name
    result = run("export", SMALL, "-o", target, "-q")
    assert result.exit_code == 0, result.stderr
    assert check(target)


def test_export_jsonld_is_json_ld_not_turtle(tmp_path):
    target = tmp_path / "x.jsonld"
    assert run("export", SMALL, "--no-ontology", "-o", target, "-q").exit_code == 0
    assert json.loads(target.read_text())["@context"]  # was Turtle, silently


def test_network_png_is_a_png(tmp_path):
    assert run("network", SMALL, "-o", tmp_path / "net.png", "-q").exit_code == 0
    assert (tmp_path / "net.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")  # was SVG, silently
    assert run("network", SMALL, "-o", tmp_path / "net.svg", "-q").exit_code == 0
    assert b"<svg" in (tmp_path / "net.svg").read_bytes()


def test_query_takes_the_format_from_the_extension(tmp_path):
    expected = {"csv": "p\r\nhttps://example.org/bad\r\n", "json": None, "srx": "<sparql", "xml": "<sparql"}
    for suffix, fragment in expected.items():
        target = tmp_path / f"q.{suffix}"
        result = run("query", "-e", PARTNERSHIPS, SMALL, "-o", target, "-q")
        assert result.exit_code == 0, result.stderr
        text = target.read_bytes().decode("utf-8")
        if suffix == "json":
            assert json.loads(text) == [{"p": "https://example.org/bad"}, {"p": "https://example.org/good"}]
        else:
            assert fragment in text, (suffix, text)
    construct = "CONSTRUCT { ?p a <https://example.org/P> } WHERE { ?p a msp:Partnership }"
    construct = "PREFIX msp: <https://w3id.org/msp/ontology#> " + construct
    assert run("query", "-e", construct, SMALL, "-o", tmp_path / "g.nt", "-q").exit_code == 0
    assert len(rdflib.Graph().parse(tmp_path / "g.nt", format="nt")) == 2


def test_validate_takes_the_format_from_the_extension(tmp_path):
    for suffix in ("json", "csv", "ttl", "txt"):
        assert run("validate", SMALL, *SHAPES, "-o", tmp_path / f"r.{suffix}", "-q").exit_code == 1
    assert json.loads((tmp_path / "r.json").read_text())["conforms"] is False
    assert (tmp_path / "r.csv").read_text().splitlines()[0].count(",") >= 3
    report = rdflib.Graph().parse(tmp_path / "r.ttl", format="turtle")
    shacl = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, rdflib.RDF.type, shacl.ValidationReport) in report
    # an extension validate does not write: the default format, text
    assert "does not meet the MSP composition rule" in (tmp_path / "r.txt").read_text()


def test_stats_and_an_unknown_extension(tmp_path):
    assert run("stats", SMALL, "-o", tmp_path / "s.json", "-q").exit_code == 0
    assert json.loads((tmp_path / "s.json").read_text())["triples"] > 0
    assert run("export", SMALL, "-o", tmp_path / "x.dat", "-q").exit_code == 0
    assert rdflib.Graph().parse(tmp_path / "x.dat", format="turtle")  # unknown: the default, turtle


def test_f_wins_when_it_agrees_with_the_extension(tmp_path):
    assert run("export", SMALL, "-f", "ttl", "-o", tmp_path / "x.ttl", "-q").exit_code == 0
    assert run("query", "-e", PARTNERSHIPS, SMALL, "-f", "xml", "-o", tmp_path / "q.srx", "-q").exit_code == 0
    assert run("export", SMALL, "-f", "nt", "-o", tmp_path / "x.txt", "-q").exit_code == 0
    assert rdflib.Graph().parse(tmp_path / "x.txt", format="nt")


@pytest.mark.parametrize(
    "args",
    [
        ("export", SMALL, "-f", "turtle", "-o", "x.jsonld"),
        ("network", SMALL, "-f", "svg", "-o", "x.png"),
        ("validate", SMALL, "-f", "csv", "-o", "x.json"),
        ("query", "-e", PARTNERSHIPS, SMALL, "-f", "csv", "-o", "x.json"),
    ],
)
def test_f_and_an_extension_that_disagree_is_an_error(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    f, o = args[args.index("-f") + 1], args[args.index("-o") + 1]
    one_line_error(run(*args), f"-f {f}", f"-o {o}")
    assert list(tmp_path.iterdir()) == []
