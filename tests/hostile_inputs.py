"""Hostile inputs for the fault matrix and the fuzz suite, made at test time in temporary folders.

Nothing here is committed as a file: every input is written when a test first asks for it (``Inputs``),
so the big ones (a 17 MB literal, zip bombs of a few hundred KB that unpack to 600 MB) cost nothing
unless a selected test uses them. Also here: ``FakeEndpoint``, a loopback socket server that misbehaves
in one chosen way (never answers, trickles, cuts its answer, answers garbage, never stops) and counts the
connections it got, and ``store_fingerprint`` / ``tree_fingerprint`` to tell whether a failed command
changed a store or a folder; ``run_cli`` and ``classify`` run the command and judge its exit against the
contract.

>>> import tempfile
>>> inputs = Inputs(Path(tempfile.mkdtemp()))
>>> inputs.path("bad-turtle.ttl").read_bytes()[:7]
b'@prefix'
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_TTL = FIXTURES / "cli" / "small.ttl"

PREFIXES = (
    b"@prefix ex: <https://example.org/> .\n"
    b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    b"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    b"@prefix msp: <https://w3id.org/msp/ontology#> .\n"
)
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

ORGANISATIONS_HEADER = ["id", "name", "acronyms", "stakeholder_groups", "country"]
ORGANISATION_ROW = ["hostile-org", "Hostile Org", "HO", "un", "FRA"]

MiB = 1024 * 1024
BOMB_BYTES = 600 * MiB  # over the default workbook limit (512 MiB), a few hundred KB once deflated


# --- RDF ------------------------------------------------------------------------------------------------


def _ttl(body: bytes) -> bytes:
    return PREFIXES + body


def billion_laughs() -> bytes:
    """The classic entity-expansion bomb as RDF/XML: 10 levels of 10 references, about 1 KB on disk."""
    levels = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(levels) + "\n]>\n"
        f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="https://example.org/">\n'
        '<rdf:Description rdf:about="https://example.org/a"><ex:b>&lol9;</ex:b></rdf:Description>\n'
        "</rdf:RDF>\n"
    ).encode()


def external_entity(system_id: str) -> bytes:
    """RDF/XML that pulls ``system_id`` (a file or a URL) into a literal through an external entity."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "{system_id}">]>\n'
        f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="https://example.org/">\n'
        '<rdf:Description rdf:about="https://example.org/a"><ex:b>&xxe;</ex:b></rdf:Description>\n'
        "</rdf:RDF>\n"
    ).encode()


def jsonld_remote_context(url: str) -> bytes:
    """JSON-LD whose ``@context`` is a URL: a loader that fetches it reaches the network."""
    return json.dumps({"@context": url, "@id": "https://example.org/a", "name": "A"}).encode()


def deep_turtle(depth: int = 100_000) -> bytes:
    """Blank nodes nested ``depth`` deep: a recursive parser runs out of stack."""
    return _ttl(b"ex:a ex:p " + b"[ ex:p " * depth + b"ex:b" + b" ]" * depth + b" .\n")


def deep_jsonld(depth: int = 100_000) -> bytes:
    return b'{"@id": "https://example.org/a", "https://example.org/p": ' + b"[" * depth + b"]" * depth + b"}"


def big_literal(size: int = 17 * MiB) -> bytes:
    """One literal of ``size`` bytes (over the 16 MB buffer of pyoxigraph's parsers)."""
    return _ttl(b'ex:a rdfs:comment "' + b"x" * size + b'" .\n')


def padded_turtle(size: int) -> bytes:
    """Valid Turtle of about ``size`` bytes (many small triples)."""
    lines = [f'ex:s{i} rdfs:label "label {i}" .\n'.encode() for i in range(size // 30 + 1)]
    return _ttl(b"".join(lines))


def control_turtle() -> bytes:
    """Valid Turtle whose literals hold what XML 1.0 cannot (C0 controls, NUL, U+FFFE) and a CR."""
    return _ttl(
        b'ex:good rdfs:label "bell \\u0007 vt \\u000B nul \\u0000 fffe \\uFFFE"@en ;\n'
        b'    rdfs:comment "line one\\r\\nline two" ;\n'
        b'    ex:raw "raw \x01\x02\x1f controls" .\n'
    )


def ill_typed_turtle() -> bytes:
    """The small fixture plus ill-typed literals (a date that is no date, an integer that is no integer)."""
    return SMALL_TTL.read_bytes() + (
        b"\n<https://example.org/good> <http://purl.org/dc/terms/date> "
        b'"2020-13-45"^^<http://www.w3.org/2001/XMLSchema#date> ;\n'
        b'    <https://example.org/count> "many"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    )


def weird_boolean_turtle() -> bytes:
    """The small fixture plus a boolean and an integer whose lexical forms rdflib reads as something else."""
    return SMALL_TTL.read_bytes() + (
        b'\n<https://example.org/good> <https://example.org/flag> "yes"'
        b"^^<http://www.w3.org/2001/XMLSchema#boolean> ;\n"
        b'    <https://example.org/size> "0x10"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    )


def service_query(url: str, *, silent: bool = False) -> str:
    return f"SELECT * WHERE {{ SERVICE {'SILENT ' if silent else ''}<{url}> {{ ?s ?p ?o }} }} LIMIT 1"


def service_shapes(url: str) -> bytes:
    """A SHACL-SPARQL shape whose constraint calls ``url`` through SERVICE."""
    return (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <https://example.org/> .\n"
        "ex:Remote a sh:NodeShape ; sh:targetNode ex:good ;\n"
        '  sh:sparql [ a sh:SPARQLConstraint ; sh:message "remote" ;\n'
        f'    sh:select """SELECT $this WHERE {{ SERVICE <{url}> {{ $this ?p ?o }} }}""" ] .\n'
    ).encode()


# --- spreadsheets ---------------------------------------------------------------------------------------


def csv_bytes(header: list[str], rows: list[list[str]], *, delimiter: str = ",") -> bytes:
    import csv

    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def organisations_csv(*rows: list[str]) -> bytes:
    return csv_bytes(ORGANISATIONS_HEADER, list(rows) or [ORGANISATION_ROW])


def many_rows(count: int) -> list[list[str]]:
    return [[f"org-{i}", f"Organisation {i}", "", "un", ""] for i in range(count)]


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook (openpyxl) with one sheet per entry: the first row is the header."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def organisations_xlsx(rows: list[list[object]] | None = None) -> bytes:
    return xlsx_bytes({"organisations": [ORGANISATIONS_HEADER, *(rows or [ORGANISATION_ROW])]})


def rewrite_zip(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The zip ``data`` with each member passed through ``change(name, body)`` (None: unchanged)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as sink:
        for info in source.infolist():
            body = source.read(info)
            changed = change(info.filename, body)
            sink.writestr(info.filename, body if changed is None else changed)
    return out.getvalue()


def _first_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def xlsx_with_dtd() -> bytes:
    """A workbook whose sheet XML declares an internal entity and uses it (defused parsers refuse any DTD)."""

    def change(name: str, body: bytes) -> bytes | None:
        if not _first_sheet(name):
            return None
        declaration = b""
        if body.startswith(b"<?xml"):
            declaration, _, body = body.partition(b"?>")
            declaration += b"?>"
        body = body.replace(b"Hostile Org", b"&e;")
        return declaration + b'<!DOCTYPE worksheet [<!ENTITY e "Entity Org">]>' + body

    return rewrite_zip(organisations_xlsx(), change)


def xlsx_not_well_formed() -> bytes:
    """A workbook whose sheet XML is cut in the middle."""
    return rewrite_zip(
        organisations_xlsx(), lambda name, body: body[: len(body) // 2] if _first_sheet(name) else None
    )


def damage_member(data: bytes, member: int, where: float, patch: bytes) -> bytes:
    """The zip ``data`` with ``patch`` written over the compressed bytes of its ``member``-th entry, at
    ``where`` (0..1) of the way through them: a damaged deflate stream (zlib errors), or a bad CRC."""
    import struct

    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    info = infos[member % len(infos)]
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    at = start + int(where * max(0, info.compress_size - len(patch)))
    damaged = bytearray(data)
    damaged[at : at + len(patch)] = patch
    return bytes(damaged)


def xlsx_corrupt_deflate() -> bytes:
    """A workbook whose biggest member (the theme) holds a damaged deflate stream."""
    data = organisations_xlsx()
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    biggest = max(range(len(infos)), key=lambda i: infos[i].compress_size)
    return damage_member(data, biggest, 0.5, b"\xff" * 8)


def xlsx_with_formula() -> bytes:
    return organisations_xlsx([["f-org", "=1+1", "", "un", ""]])


def xlsx_bomb(path: Path, size: int = BOMB_BYTES) -> None:
    """A workbook whose sheet XML is padded with ``size`` bytes of blanks: valid XML, tiny once deflated."""
    good = organisations_xlsx()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as sink,
    ):
        for info in source.infolist():
            body = source.read(info)
            if not _first_sheet(info.filename):
                sink.writestr(info.filename, body)
                continue
            head, marker, tail = body.partition(b"<sheetData>")
            with sink.open(info.filename, "w", force_zip64=True) as member:
                member.write(head + marker)
                block = b" " * MiB
                for _ in range(size // MiB):
                    member.write(block)
                member.write(tail)


def csv_zip_bomb(path: Path, size: int = BOMB_BYTES) -> None:
    """A .zip of CSV whose organisations.csv unpacks to ``size`` bytes of identical rows."""
    row = b"x,X,,un,\n"
    block = row * (MiB // len(row))
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as sink,
        sink.open("organisations.csv", "w", force_zip64=True) as member,
    ):
        member.write(",".join(ORGANISATIONS_HEADER).encode() + b"\n")
        for _ in range(size // len(block)):
            member.write(block)


def traversal_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as sink:
        sink.writestr("../../escaped-organisations.csv", organisations_csv())
    return out.getvalue()


# --- the inputs, built on first use --------------------------------------------------------------------

_STATIC: dict[str, Callable[[], bytes]] = {
    "good.ttl": lambda: SMALL_TTL.read_bytes(),
    "good2.ttl": lambda: _ttl(b'ex:extra a msp:Partnership ; rdfs:label "Extra Alliance"@en .\n'),
    "good.nt": lambda: b'<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\n',
    "empty.ttl": lambda: b"",
    "bad-turtle.ttl": lambda: _ttl(b'ex:a ex:b "unterminated .\nex:c ex:d ex:e .\n'),
    "bad-ntriples.nt": lambda: b"<a> <b> <c>\n",
    "bad-rdfxml.rdf": lambda: (
        f'<rdf:RDF xmlns:rdf="{RDF_NS}"><rdf:Description rdf:about="https://example.org/a">'
        "<unclosed></rdf:RDF>"
    ).encode(),
    "bad-jsonld.jsonld": lambda: b'{"@context": {"ex": "https://example.org/"}, "@id": "ex:a", "ex:b": [',
    "bad-trig.trig": lambda: b"<https://example.org/g> { <https://example.org/a> <https://example.org/b> ",
    "bad-nquads.nq": lambda: (
        b"<https://e.org/a> <https://e.org/b> <https://e.org/c> <https://e.org/g> <x:y> .\n"
    ),
    "nul-in-syntax.ttl": lambda: _ttl(b"ex:a\x00 ex:b ex:c .\n"),
    "nul-in-literal.ttl": lambda: _ttl(b'ex:a rdfs:label "nul \x00 here" .\n'),
    "bad-utf8.ttl": lambda: _ttl(b'ex:a rdfs:label "caf\xe9 \xff\xfe" .\n'),
    "control.ttl": control_turtle,
    "ill-typed.ttl": ill_typed_turtle,
    "weird-boolean.ttl": weird_boolean_turtle,
    "laughs.rdf": billion_laughs,
    "xxe-file.rdf": lambda: external_entity("file:///etc/passwd"),
    "deep.ttl": deep_turtle,
    "deep.jsonld": deep_jsonld,
    "oversized.ttl": lambda: padded_turtle(8000),
    "data.txt": lambda: SMALL_TTL.read_bytes(),
    "bad.rq": lambda: b"SELECT * WHERE { ?s ?p }",
    "bad-utf8.rq": lambda: b'SELECT * WHERE { ?s ?p "caf\xe9" }',
    "bad-utf8.ru": lambda: b'INSERT DATA { <https://example.org/a> <https://example.org/b> "caf\xe9" }',
    "oversized.ru": lambda: (
        b"INSERT DATA {\n"
        + b"".join(f'<https://e.org/s{i}> <https://e.org/p> "{i}" .\n'.encode() for i in range(300))
        + b"}\n"
    ),
    "csv/organisations.csv": organisations_csv,
    "csv-bad-utf8/organisations.csv": lambda: organisations_csv(["x", "Caf\xe9", "", "un", ""]).replace(
        "Café".encode(), b"Caf\xe9"
    ),
    "csv-nul/organisations.csv": lambda: organisations_csv(["x", "N\x00L", "", "un", ""]),
    "csv-header-only/organisations.csv": lambda: csv_bytes(ORGANISATIONS_HEADER, []),
    "csv-many-rows/organisations.csv": lambda: organisations_csv(*many_rows(20)),
    "csv-huge-cell/organisations.csv": lambda: organisations_csv(["x", "N" * 300_000, "", "un", ""]),
    "csv-control/organisations.csv": lambda: organisations_csv(["x", "bell\x07 vt\x0b cr\r", "", "un", ""]),
    "csv-formula/organisations.csv": lambda: organisations_csv(
        ["x", '=HYPERLINK("http://127.0.0.1/")', "+1", "un", ""]
    ),
    "csv-bad-date/memberships.csv": lambda: csv_bytes(
        ["partnership", "organisation", "start"], [["Good Alliance", "ILO", "2020-13-45"]]
    ),
    "csv-dup-ids/a-organisations.csv": lambda: organisations_csv(["same-id", "First Name", "", "un", ""]),
    "csv-dup-ids/b-organisations.csv": lambda: organisations_csv(
        ["same-id", "Second Name", "", "workers-organisations", ""]
    ),
    "not-a-zip.xlsx": lambda: b"this is not a workbook\n",
    "truncated.xlsx": lambda: organisations_xlsx()[:1500],
    "dtd.xlsx": xlsx_with_dtd,
    "not-well-formed.xlsx": xlsx_not_well_formed,
    "corrupt-deflate.xlsx": xlsx_corrupt_deflate,
    "formula.xlsx": xlsx_with_formula,
    "small.xlsx": organisations_xlsx,
    "many-rows.xlsx": lambda: organisations_xlsx(many_rows(20)),
    "not-a-zip.zip": lambda: b"PK\x03\x04 broken",
    "traversal.zip": traversal_zip,
}

_BIG: dict[str, Callable[[Path], None]] = {
    "big-literal.ttl": lambda path: path.write_bytes(big_literal()),
    "bomb.xlsx": xlsx_bomb,
    "bomb-csv.zip": csv_zip_bomb,
}


class Inputs:
    """The hostile inputs, each written into ``folder`` the first time it is asked for (thread-safe).

    ``path(name)``: a file above; ``fifo.SUFFIX`` a named pipe; ``loop.ttl`` a symlink to itself; a name
    ending in ``/`` a folder holding the inputs named under it (``csv/`` -> ``csv/organisations.csv``).
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        target = self.folder / name
        with self._lock:
            if not target.exists() and not target.is_symlink():
                target.parent.mkdir(parents=True, exist_ok=True)
                if name in _STATIC:
                    target.write_bytes(_STATIC[name]())
                elif name in _BIG:
                    _BIG[name](target)
                elif name.startswith("fifo."):
                    os.mkfifo(target)
                elif name == "loop.ttl":
                    target.symlink_to(target.name)
                elif name.endswith("/"):  # a folder: the inputs under it (none for "folder/")
                    target.mkdir(parents=True, exist_ok=True)
                    for inner in _STATIC:
                        if inner.startswith(name):
                            (self.folder / inner).write_bytes(_STATIC[inner]())
                else:
                    raise KeyError(f"no hostile input named {name!r}")
        return target

    @staticmethod
    def names() -> list[str]:
        return sorted([*_STATIC, *_BIG, "fifo.ttl", "fifo.csv", "fifo.rq", "loop.ttl"])


# --- fingerprints: did a command change something? -----------------------------------------------------


def store_fingerprint(path: Path) -> str:
    """A digest of every quad of the Oxigraph store at ``path`` (staging graphs included), read-only."""
    import pyoxigraph as ox

    if not (path / "CURRENT").exists():
        return "absent" if not path.exists() else "not-a-store"
    store = ox.Store.read_only(str(path))
    try:
        lines = sorted(str(quad) for quad in store.quads_for_pattern(None, None, None, None))
    finally:
        del store
    digest = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass"))
    return f"{len(lines)}:{digest.hexdigest()}"


def tree_fingerprint(folder: Path, *, skip: tuple[Path, ...] = ()) -> dict[str, str]:
    """Every file and folder under ``folder`` (not under ``skip``): its kind and, for a file, a digest."""
    found: dict[str, str] = {}
    if not folder.exists():
        return found
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = [d for d in dirs if here / d not in skip]
        for name in dirs:
            found[str((here / name).relative_to(folder))] = "dir"
        for name in files:
            path = here / name
            key = str(path.relative_to(folder))
            if path.is_symlink() or not path.is_file():
                found[key] = "special"
                continue
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def remote_fingerprint(query_url: str, *, timeout: float = 30) -> str:
    """A digest of every quad of the named graphs of a SPARQL endpoint (SPARQL 1.1 protocol, TSV results)."""
    query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    request = urllib.request.Request(
        f"{query_url}?{urllib.parse.urlencode({'query': query})}",
        headers={"Accept": "text/tab-separated-values"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        lines = sorted(answer.read().decode("utf-8").splitlines()[1:])
    return f"{len(lines)}:{hashlib.sha256(chr(10).join(lines).encode()).hexdigest()}"


# --- running the command and judging what it did --------------------------------------------------------

MEMORY = 4 << 30  # address space of one command: a bomb fails its case, not the machine

LAUNCH = (
    "import resource, runpy\n"
    f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY}))\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "runpy.run_module('msp_graph.cli', run_name='__main__', alter_sys=True)\n"
)  # the same as `python -m msp_graph.cli`, with the limits set first

FINDINGS = {"validate", "reason", "import"}  # the commands whose exit 1 means "findings"

PYTHON_WARNING = re.compile(r"^\S+\.py:\d+: \w*Warning: ", re.MULTILINE)  # from the warnings module
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|panicked at|Fatal Python error")
_IMPORT_LINE = re.compile(r"msp-graph: (error|warning): .+|msp-graph: \d+ errors?; nothing was imported")


def run_cli(
    args: list[str | bytes], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int | None, bytes, bytes]:
    """``python -m msp_graph.cli ARGS`` (4 GiB of address space, no core file) in its own process group;
    at the time-out the group is killed and the exit is None. ``env`` (default: this process's) is used as
    it is, except that the ``MSP_GRAPH_*`` settings of this process are left out unless given."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSP_GRAPH_")}
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        return process.returncode, stdout, stderr
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=30)
        return None, stdout, stderr


def clean_refusal(command: str, stdout: str, stderr: str) -> str | None:
    """What keeps an exit 2 from being the contract's refusal, or None.

    The refusal: one stderr line ``msp-graph: error: ...`` and nothing on stdout; for ``import``, its
    listing of every problem (``msp-graph: error|warning: ...`` lines, then the count).
    """
    lines = [line for line in stderr.splitlines() if line.strip()]
    if stdout.strip():
        return "exit 2 with output on stdout"
    if not lines or not lines[0].startswith("msp-graph: error: "):
        return "exit 2 without a first line 'msp-graph: error: ...'"
    if command == "import":
        strays = [line for line in lines if not _IMPORT_LINE.fullmatch(line)]
        return f"exit 2 with stray lines: {strays[:2]}" if strays else None
    return None if len(lines) == 1 else f"exit 2 with {len(lines)} lines on stderr"


def classify(command: str, code: int | None, stdout: str, stderr: str) -> tuple[str, str]:
    """(category, detail) of a run: ok, clean2, unclean2, wrong-exit, traceback, crash or hang.

    >>> classify("load", 2, "", "msp-graph: error: x.ttl: no such file")
    ('clean2', '')
    >>> classify("export", 1, "", "")[0], classify("validate", 1, "", "")[0], classify("load", -11, "", "")[0]
    ('wrong-exit', 'ok', 'crash')
    """
    if code is None:
        return "hang", "killed at the time-out"
    if _TRACEBACK.search(stderr) or _TRACEBACK.search(stdout):
        return "traceback", ""
    if code < 0 or code not in (0, 1, 2):
        return "crash", f"exit code {code}"
    if code == 0 or (code == 1 and command in FINDINGS):
        return "ok", ""
    if code == 1:
        return "wrong-exit", f"exit 1 from {command}, which has no findings to report"
    problem = clean_refusal(command, stdout, stderr)
    return ("unclean2", problem) if problem else ("clean2", "")


# --- a misbehaving endpoint ----------------------------------------------------------------------------

_SRJ = "application/sparql-results+json"
_MODES = ("closed", "silent", "trickle", "truncated", "short", "garbage", "error500", "endless", "redirect")


class FakeEndpoint:
    """A loopback server that misbehaves in one way (``mode``) and counts the connections it accepted.

    * ``closed``: nothing listens on the port (connection refused);
    * ``silent``: accepts and never answers;
    * ``trickle``: answers 200 and then one byte a second;
    * ``truncated``: a complete HTTP answer whose SPARQL JSON is cut in the middle;
    * ``short``: announces more bytes than it sends, then closes;
    * ``garbage``: 200 with an HTML page; ``error500``: a server error;
    * ``endless``: SPARQL JSON results that never end (until the client goes, or 60 s);
    * ``redirect``: 302 to ``file:///etc/passwd``.

    Every loop is bounded in time; ``close()`` stops it. Use as a context manager.
    """

    def __init__(self, mode: str):
        if mode not in _MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.connections = 0
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        if mode == "closed":
            self.sock.close()
            return
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def __enter__(self) -> FakeEndpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            self._held.append(conn)
            if self.mode != "silent":
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        data = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = min(int(line.split(b":", 1)[1].strip() or 0), 16 * MiB)
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                body += chunk

    def _serve(self, conn: socket.socket) -> None:
        self._read_request(conn)
        with contextlib.suppress(OSError):
            getattr(self, f"_answer_{self.mode}")(conn)
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)
        conn.close()

    @staticmethod
    def _head(status: str, kind: str, length: int | None) -> bytes:
        sized = f"Content-Length: {length}\r\n" if length is not None else ""
        return f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n{sized}Connection: close\r\n\r\n".encode()

    def _answer_trickle(self, conn: socket.socket) -> None:
        conn.sendall(self._head("200 OK", _SRJ, 1_000_000))
        deadline = time.monotonic() + 120
        while not self._stop.is_set() and time.monotonic() < deadline:
            conn.sendall(b" ")
            self._stop.wait(1)

    def _answer_truncated(self, conn: socket.socket) -> None:
        body = b'{"head":{"vars":["s","n","g"]},"results":{"bindings":[{"s":{"type":"uri","value":"https://ex'
        conn.sendall(self._head("200 OK", _SRJ, len(body)) + body)

    def _answer_short(self, conn: socket.socket) -> None:
        conn.sendall(self._head("200 OK", _SRJ, 5000) + b'{"head":{"vars":["s"]},"results":{"bind')

    def _answer_garbage(self, conn: socket.socket) -> None:
        body = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
        conn.sendall(self._head("200 OK", "text/html", len(body)) + body)

    def _answer_error500(self, conn: socket.socket) -> None:
        body = b"java.lang.NullPointerException\n\tat somewhere\n"
        conn.sendall(self._head("500 Internal Server Error", "text/plain", len(body)) + body)

    def _answer_redirect(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\n\r\n")

    def _answer_endless(self, conn: socket.socket) -> None:
        conn.sendall(self._head("200 OK", _SRJ, None) + b'{"head":{"vars":["s"]},"results":{"bindings":[')
        row = b'{"s":{"type":"literal","value":"' + b"x" * 200 + b'"}},'
        block = row * 256
        deadline, sent = time.monotonic() + 60, 0
        while not self._stop.is_set() and time.monotonic() < deadline and sent < 4096 * MiB:
            conn.sendall(block)
            sent += len(block)

    def close(self) -> None:
        self._stop.set()
        if self.mode == "closed":
            return
        self._thread.join(timeout=5)
        for conn in self._held:
            with contextlib.suppress(OSError):
                conn.close()
        self.sock.close()
