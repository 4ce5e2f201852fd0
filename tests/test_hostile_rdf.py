"""Hostile RDF input files (issue 14): each is refused with one ``LoadError`` line (exit 2 on the command
line), without a traceback, a hang or a crash, and nothing is loaded.

The cases: a term over pyoxigraph's 16 MiB parser buffer; a file over the size limit; XML entity declarations
(the "billion laughs"); nesting deep enough to crash pyoxigraph (JSON-LD, RDF 1.2 triple terms, RDF/XML);
bytes that are not UTF-8 text; paths that are not regular files. Cases that crashed or hung the process before
they were refused run in a child process with a time-out, so that a regression fails the test instead of
killing the test run.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import msp_graph
from msp_graph.errors import LoadError
from msp_graph.loading import check_files, load_files, open_store, parse_file
from msp_graph.stores import EmbeddedStore, embedded, terms

GRAPH = "http://example.org/g"
TRIPLE = b"<http://example.org/s> <http://example.org/p> "
BUFFER = 16 * 1024 * 1024  # pyoxigraph's parser buffer
RDF_XML = (
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
    b'<rdf:Description rdf:about="http://example.org/s"><e:p>%s</e:p></rdf:Description></rdf:RDF>\n'
)
DEPTH = 20_000  # past every nesting that crashed pyoxigraph (JSON-LD from ~4,000, triple terms ~20,000)


def _remote_load(path):
    # A remote store parses the whole file locally before it sends anything: no server needed here.
    return msp_graph.RemoteStore("http://127.0.0.1:9/sparql").load(path, graph=GRAPH)


# Every way the API reads an RDF file.
LOADERS = {
    "parse_file": parse_file,
    "EmbeddedStore.load": lambda path: EmbeddedStore().load(path, graph=GRAPH),
    "load_files": lambda path: load_files(open_store(), [path]),
    "RemoteStore.load": _remote_load,
}

# The same loaders in a child process, for inputs that crashed or hung the interpreter before the fix.
CHILD = """
import sys
import msp_graph
from msp_graph.loading import load_files, open_store, parse_file
path, how = sys.argv[1], sys.argv[2]
store = open_store()
try:
    if how == "parse_file":
        parse_file(path)
    elif how == "load_files":
        load_files(store, [path])
    elif how == "RemoteStore.load":
        msp_graph.RemoteStore("http://127.0.0.1:9/sparql").load(path, graph="http://example.org/g")
    else:
        store.load(path, graph="http://example.org/g")
except msp_graph.LoadError as error:
    print("LoadError:", error)
else:
    print("loaded", store.count())
"""


def _child(path: Path, how: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), how], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    return done.stdout.strip()


def _cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "msp_graph.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def _refused(done: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 2 with one line on stderr naming ``words``, no traceback."""
    assert done.returncode == 2, (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr[-3000:]
    for word in words:
        assert word in lines[0]
    return lines[0]


# --- a term over the parser's buffer ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_literal(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big-literal.ttl"
    path.write_bytes(TRIPLE + b'"' + b"a" * (BUFFER + 1024 * 1024) + b'" .\n')
    return path


@pytest.mark.parametrize("how", LOADERS)
def test_a_literal_over_the_parser_buffer_is_a_load_error(big_literal, how):
    with pytest.raises(LoadError, match=r"big-literal\.ttl:1: .*16 MiB") as caught:
        LOADERS[how](big_literal)
    assert "\n" not in str(caught.value)


def test_a_literal_over_the_parser_buffer_in_bytes_is_a_load_error(big_literal):
    # The same bound for bytes as for files, in every store (the embedded one in memory loads with
    # pyoxigraph's ``load``, whose parser has the buffer; its ``bulk_load`` of bytes had none).
    with pytest.raises(LoadError, match=r"^<data>: .*16 MiB"):
        _remote_load_bytes(big_literal.read_bytes())
    store = EmbeddedStore()
    with pytest.raises(LoadError, match=r"^<data>: .*16 MiB"):
        store.load(big_literal.read_bytes(), graph=GRAPH, format="ttl")
    assert store.graphs() == []  # nothing half-loaded


def _remote_load_bytes(data: bytes, format: str = "ttl"):
    return msp_graph.RemoteStore("http://127.0.0.1:9/sparql").load(data, graph=GRAPH, format=format)


def test_an_iri_over_the_parser_buffer_is_a_load_error(tmp_path):
    path = tmp_path / "huge-iri.ttl"
    path.write_bytes(b"<http://example.org/" + b"a" * (BUFFER + 1024) + b"> <http://example.org/p> 1 .\n")
    with pytest.raises(LoadError, match=r"huge-iri\.ttl:1: .*16 MiB"):
        parse_file(path)


@pytest.mark.parametrize(
    "command",
    [
        ["load", "--store", "store"],
        ["validate"],
        ["query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"],
        ["export", "-f", "nt"],
        ["reason"],
    ],
    ids=lambda c: c[0],
)
def test_a_literal_over_the_parser_buffer_on_the_command_line(big_literal, tmp_path, command):
    done = _cli(*command, str(big_literal), cwd=tmp_path)
    _refused(done, "big-literal.ttl", "16 MiB")


# --- size limit ---------------------------------------------------------------------------------------------


SIZED = TRIPLE + b'"' + b"x" * 199 + b'" .\n'  # 250 bytes


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "data.ttl"
    path.write_bytes(SIZED)
    monkeypatch.setenv("MSP_GRAPH_MAX_FILE_BYTES", "249")
    for load in LOADERS.values():
        with pytest.raises(
            LoadError, match=r"data\.ttl: 250 bytes, more than .* 249 bytes.*MSP_GRAPH_MAX_FILE"
        ):
            load(path)
    with pytest.raises(LoadError, match="MSP_GRAPH_MAX_FILE_BYTES"):
        check_files([path])
    monkeypatch.setenv("MSP_GRAPH_MAX_FILE_BYTES", "250")
    assert len(parse_file(path)) == 1


def test_a_file_over_the_size_limit_on_the_command_line(tmp_path):
    (tmp_path / "data.ttl").write_bytes(SIZED)
    done = _cli("load", "--store", "store", "data.ttl", cwd=tmp_path, env={"MSP_GRAPH_MAX_FILE_BYTES": "100"})
    _refused(done, "data.ttl", "250 bytes", "MSP_GRAPH_MAX_FILE_BYTES")
    assert not (tmp_path / "store").exists()


# --- XML entities -------------------------------------------------------------------------------------------


def _laughs(levels: int = 10) -> bytes:
    """The "billion laughs": 10 levels of 10 references, 3 * 10^10 bytes once expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)
    ]
    doctype = f"<!DOCTYPE rdf:RDF [\n{chr(10).join(entities)}\n]>\n".encode()
    return b'<?xml version="1.0"?>\n' + doctype + RDF_XML % f"&lol{levels - 1};".encode()


@pytest.fixture
def laughs(tmp_path) -> Path:
    path = tmp_path / "laughs.rdf"
    path.write_bytes(_laughs())
    return path


@pytest.mark.parametrize("how", LOADERS)
def test_a_billion_laughs_is_refused_by_the_api(laughs, how):
    out = _child(laughs, how)
    assert out.startswith("LoadError: ") and "XML entity declarations are not accepted" in out, out
    assert "laughs.rdf" in out


def test_entity_declarations_in_rdf_xml_bytes_are_refused():
    with pytest.raises(LoadError, match="XML entity declarations are not accepted"):
        _remote_load_bytes(_laughs(3), format="rdf")


@pytest.mark.parametrize("command", [["load", "--store", "store"], ["validate"]], ids=lambda c: c[0])
def test_a_billion_laughs_is_refused_by_the_command_line(laughs, tmp_path, command):
    done = _cli(*command, str(laughs), cwd=tmp_path)
    _refused(done, "laughs.rdf", "XML entity declarations are not accepted")
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(
    "doctype",
    [
        # pyoxigraph honours a DOCTYPE anywhere, even inside the root element: not only in the prolog.
        b'<!DOCTYPE x [<!ENTITY lol0 "lol">]>',
        b'<!DOCTYPE x [<!ENTITY lol0 SYSTEM "file:///etc/hostname">]>',
        b'<!DOCTYPE x [<!ENTITY % lol0 "lol">]>',
    ],
    ids=["internal", "external", "parameter"],
)
@pytest.mark.parametrize("where", ["prolog", "inside the root"])
def test_every_entity_declaration_is_refused(tmp_path, doctype, where):
    body = RDF_XML % b"&lol0;"
    data = doctype + body if where == "prolog" else body.replace(b"<rdf:Desc", doctype + b"<rdf:Desc", 1)
    path = tmp_path / "entities.rdf"
    path.write_bytes(data)
    store = EmbeddedStore()
    with pytest.raises(LoadError, match=r"entities\.rdf: XML entity declarations are not accepted"):
        store.load(path, graph=GRAPH)
    assert store.graphs() == []


def test_rdf_xml_with_a_harmless_doctype_still_loads(tmp_path):
    path = tmp_path / "doctype.owl"
    path.write_bytes(b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF>\n' + RDF_XML % b"plain text")
    assert load_files(open_store(), [path]) == [msp_graph.source_graph("doctype")]
    assert [q.object.value for q in parse_file(path)] == ["plain text"]


# --- nesting that crashed pyoxigraph ------------------------------------------------------------------------


def _nested(kind: str, depth: int) -> bytes:
    key = b'"http://example.org/p": '
    if kind == "jsonld":
        return b'{"@id": "http://example.org/s", ' + (key + b"{") * depth + key + b'"x"' + b"}" * depth + b"}"
    if kind == "jsonld-strings":  # brackets and escaped quotes in strings are not nesting; the objects are
        level = b'"http://example.org/note": "\\"}]}] {[", ' + key + b"{"
        return b'{"@id": "http://example.org/s", ' + level * depth + key + b'"x"' + b"}" * depth + b"}"
    term = b"<<( <http://example.org/s> <http://example.org/p> "
    if kind == "ttl":  # RDF 1.2 triple terms
        return TRIPLE + term * depth + b"1" + b" )>>" * depth + b" .\n"
    if kind == "ttl-comments":  # closing marks in comments between the levels do not close them
        return TRIPLE + (term + b"# )>> )>>\n") * depth + b"1" + b" )>>" * depth + b" .\n"
    rdf = RDF_XML.replace(b"<e:p>%s</e:p>", b"%s").replace(b"<rdf:RDF ", b'<rdf:RDF rdf:version="1.2" ')
    return rdf % (  # RDF 1.2 triple terms in RDF/XML
        b'<e:p rdf:parseType="Triple"><rdf:Description rdf:about="http://example.org/s">' * depth
        + b"<e:p>x</e:p>"
        + b"</rdf:Description></e:p>" * depth
    )


SUFFIX = {"jsonld": "jsonld", "jsonld-strings": "jsonld", "ttl": "ttl", "ttl-comments": "ttl", "rdf": "rdf"}


@pytest.mark.parametrize("kind", SUFFIX)
@pytest.mark.parametrize("how", ["EmbeddedStore.load", "parse_file"])
def test_nesting_that_crashed_the_parser_is_refused(tmp_path, kind, how):
    path = tmp_path / f"deep.{SUFFIX[kind]}"
    path.write_bytes(_nested(kind, DEPTH))
    out = _child(path, how)
    assert out.startswith("LoadError: ") and "deep." in out and "nested more than" in out, out


@pytest.mark.parametrize("kind", SUFFIX)
def test_moderate_nesting_still_loads(tmp_path, kind):
    path = tmp_path / f"nested.{SUFFIX[kind]}"
    path.write_bytes(_nested(kind, 50))
    assert EmbeddedStore().load(path, graph=GRAPH) > 0


_JSON_TEXT = st.text(alphabet='ab{}[]"\\ \né', max_size=6)
_JSON = st.recursive(
    _JSON_TEXT | st.integers(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_JSON_TEXT, inner, max_size=3),
    max_leaves=30,
)


def _json_depth(value) -> int:
    if isinstance(value, dict):
        value = list(value.values())
    return 1 + max(map(_json_depth, value), default=0) if isinstance(value, list) else 0


@settings(max_examples=300, deadline=None)
@given(value=_JSON, limit=st.integers(1, 6), chunk=st.integers(1, 9), indent=st.sampled_from([None, 1]))
def test_json_nesting_is_measured_exactly_across_pieces(value, limit, chunk, indent):
    # Brackets, quotes and backslashes inside strings, cut anywhere by the pieces the file is read in.
    data = json.dumps(value, indent=indent, ensure_ascii=False).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(terms, "_MAX_NESTING", limit)
        patch.setattr(terms, "_CHUNK", chunk)
        try:
            terms.screen("x.jsonld", io.BytesIO(data), terms.rdf_format("jsonld"))
        except LoadError:
            refused = True
        else:
            refused = False
    assert refused == (_json_depth(value) > limit)


def test_many_shallow_parse_types_still_load(tmp_path):
    # More parseType attributes than the nesting limit: the elements' depth is measured, and is shallow.
    path = tmp_path / "flat.rdf"
    resource = b'<e:p rdf:parseType="Resource"><e:q>%d</e:q></e:p>'
    path.write_bytes(RDF_XML.replace(b"<e:p>%s</e:p>", b"%s") % b"".join(resource % i for i in range(3000)))
    assert EmbeddedStore().load(path, graph=GRAPH) == 6000


def test_nesting_hidden_in_strings_and_comments_is_not_counted(tmp_path):
    path = tmp_path / "strings.ttl"
    fake = b"<<( " * 5000
    path.write_bytes(b'# %s\n%s"%s" , """%s\n""" , <http://example.org/#x> .\n' % (fake, TRIPLE, fake, fake))
    assert EmbeddedStore().load(path, graph=GRAPH) == 3


def test_deep_collections_and_blank_nodes_load(tmp_path):
    # Turtle's own nesting (collections, blank node property lists) is parsed without recursion.
    depth = 100_000
    brackets = tmp_path / "brackets.ttl"
    brackets.write_bytes(TRIPLE + b"[ <http://example.org/p> " * depth + b"1" + b" ]" * depth + b" .\n")
    parens = tmp_path / "parens.ttl"
    parens.write_bytes(TRIPLE + b"(" * depth + b")" * depth + b" .\n")
    assert EmbeddedStore().load(brackets, graph=GRAPH) == depth + 1
    assert len(parse_file(parens)) == 2 * depth - 1


@pytest.mark.parametrize("data", [b"(" * 100_000, b"[ <http://example.org/p> " * 100_000])
def test_unclosed_deep_nesting_is_a_syntax_error(tmp_path, data):
    path = tmp_path / "open.ttl"
    path.write_bytes(TRIPLE + data)
    with pytest.raises(LoadError, match=r"open\.ttl:1:\d+: "):
        parse_file(path)


# --- bytes that are not UTF-8 RDF text ------------------------------------------------------------------


NOT_TEXT = [
    ("nul.ttl", TRIPLE + b'"a" .\n\x00\x00\n', r"nul\.ttl:2:1: .*\\x00"),
    ("binary.nq", b"\x00\x01\x02\xff" * 64, r"binary\.nq:1:\d+: "),
    ("latin1.nt", TRIPLE + b'"caf\xe9" .\n', r"latin1\.nt:1:\d+: (?i:invalid UTF-8)"),
    ("bom.ttl", b"\xef\xbb\xbf" + TRIPLE + b'"x" .\n', r"bom\.ttl:1:1: .*byte order mark"),
    ("utf16.ttl", "\ufeff<urn:x:s> <urn:x:p> 1 .\n".encode("utf-16-le"), r"utf16\.ttl: .*UTF-16"),
    (
        "cut.jsonld",
        b'{"@id": "http://example.org/s", "http://example.org/p": "a\nb"}',
        r"cut\.jsonld:1:\d+: ",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), NOT_TEXT, ids=[case[0] for case in NOT_TEXT])
def test_bytes_that_are_not_rdf_text_are_one_line_errors(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    for how, load in LOADERS.items():
        with pytest.raises(LoadError, match=message) as caught:
            load(path)
        text = str(caught.value)
        assert text.isprintable(), (how, text)  # no raw NUL, newline or BOM in the one line
        assert "(line " not in text and "between columns" not in text, text  # the location is said once


def test_a_nul_inside_a_literal_is_data(tmp_path):
    path = tmp_path / "nul-literal.ttl"
    path.write_bytes(TRIPLE + b'"a\x00b" .\n')
    assert [q.object.value for q in parse_file(path)] == ["a\x00b"]


def test_long_iris_under_the_buffer_load(tmp_path):
    path = tmp_path / "long-iri.ttl"
    path.write_bytes(b"<http://example.org/" + b"a" * (4 * 1024 * 1024) + b"> <http://example.org/p> 1 .\n")
    assert EmbeddedStore().load(path, graph=GRAPH) == 1


# --- paths that are not regular files -----------------------------------------------------------------------


@pytest.fixture
def odd_paths(tmp_path) -> Path:
    (tmp_path / "folder.ttl").mkdir()
    os.symlink("loop-b.ttl", tmp_path / "loop-a.ttl")
    os.symlink("loop-a.ttl", tmp_path / "loop-b.ttl")
    os.symlink("nowhere.ttl", tmp_path / "dangling.ttl")
    os.symlink("/dev/zero", tmp_path / "zero.ttl")
    os.mkfifo(tmp_path / "fifo.ttl")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("folder.ttl", "is a directory"),
        ("loop-a.ttl", "cannot read: Too many levels of symbolic links"),
        ("dangling.ttl", "no such file"),
        ("zero.ttl", "not a regular file"),
        ("fifo.ttl", "not a regular file"),
    ],
)
def test_paths_that_are_not_regular_files_are_refused(odd_paths, name, message):
    out = _child(odd_paths / name, "load_files")  # a FIFO blocked the reader for ever
    assert out.startswith(f"LoadError: {odd_paths / name}: ") and message in out, out
    with pytest.raises(LoadError, match=message):
        check_files([odd_paths / name])


def test_a_fifo_on_the_command_line(odd_paths):
    done = _cli("load", "--store", "store", "fifo.ttl", cwd=odd_paths)
    _refused(done, "fifo.ttl", "not a regular file")


def test_a_file_removed_between_the_check_and_the_read(tmp_path, monkeypatch):
    path = tmp_path / "gone.ttl"
    path.write_bytes(TRIPLE + b'"x" .\n')
    checked = embedded.file_source

    def check_then_remove(source, format):
        found = checked(source, format)
        Path(source).unlink()
        return found

    monkeypatch.setattr(embedded, "file_source", check_then_remove)
    store = EmbeddedStore()
    with pytest.raises(LoadError, match=r"gone\.ttl: no such file"):
        store.load(path, graph=GRAPH)
    assert store.graphs() == []


def test_deeply_nested_rdf_xml_is_refused_before_the_quadratic_parse(tmp_path):
    """Plain nested descriptions (no triple terms): pyoxigraph's RDF/XML parser takes time quadratic in the
    depth (10^5 levels, 2.6 MB: about 70 s), so the depth is measured first, for every RDF/XML input."""
    depth = 100_000
    path = tmp_path / "deep.rdf"
    path.write_bytes(
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
        + b"<ex:p><rdf:Description>" * depth
        + b"</rdf:Description></ex:p>" * depth
        + b"</rdf:Description></rdf:RDF>"
    )
    with pytest.raises(LoadError, match="nested more than"):
        load_files(open_store(), [path])
    _refused(_cli("load", str(path), "--store", str(tmp_path / "s"), cwd=tmp_path), "deep.rdf", "nested")
    assert not (tmp_path / "s").exists()
