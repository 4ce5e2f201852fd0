"""Conventions users expect of a command and a library: ``--version``, shell completion, typed package."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import subprocess
import sys

import msp_graph

COMMAND = [sys.executable, "-m", "msp_graph.cli"]


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_version_prints_the_installed_version_and_exits_0():
    done = _run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"msp-graph {msp_graph.__version__}\n"
    # One version number: the package metadata is read from msp_graph.__version__.
    assert importlib.metadata.version("msp-graph") == msp_graph.__version__


def test_version_wins_over_a_command():
    done = _run("--version", "validate", "no-such-file.ttl")
    assert (done.returncode, done.stdout.split()) == (0, ["msp-graph", msp_graph.__version__])


def test_shell_completion_script_is_offered():
    done = _run("--show-completion", "bash")
    assert done.returncode == 0, done.stderr
    assert "_MSP_GRAPH_COMPLETE" in done.stdout


def test_completion_lists_the_commands():
    env = {"_MSP_GRAPH_COMPLETE": "complete_bash", "COMP_WORDS": "msp-graph va", "COMP_CWORD": "1"}
    done = subprocess.run(
        [sys.executable, "-c", "from msp_graph.cli import main; main()"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert "validate" in done.stdout.split()


def test_package_is_typed():
    """PEP 561: mypy and pyright read the package's annotations only when ``py.typed`` ships with it."""
    assert importlib.resources.files("msp_graph").joinpath("py.typed").is_file()


_PROGRAM = """
import atexit, sys
from msp_graph.stores import embedded
atexit.register(lambda: print("kept", len(embedded._KEPT), file=sys.stderr))
sys.argv = ["msp-graph", *sys.argv[1:]]
from msp_graph.cli import main
main()
"""


def test_a_program_run_ends_without_freeing_its_in_memory_store(tmp_path):
    """Run as the program, a command ends the process once its output is written: exit handlers run (they
    remove temporary files), the in-memory store is left for the process ending to free (about a second at
    10^6 triples), and stdout is complete."""
    out = tmp_path / "reason.json"
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, "reason", "-f", "json", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "kept 1" in done.stderr
    assert '"consistent": true' in out.read_text(encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, "query", "no-such-query"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "msp-graph: error:" in done.stderr


def test_called_from_python_the_command_returns_and_frees_its_store(tmp_path):
    from typer.testing import CliRunner

    from msp_graph.cli import app
    from msp_graph.stores import embedded

    before = len(embedded._KEPT)
    result = CliRunner().invoke(app, ["reason", "-f", "json", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert len(embedded._KEPT) == before


def test_pictures_are_an_extra_named_when_missing(tmp_path):
    """matplotlib (the ``picture`` extra) is only needed to draw: without it, ``export -f svg`` is one line
    naming the extra, and GraphML still works."""
    program = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "sys.argv = ['msp-graph', *sys.argv[1:]]\n"
        "from msp_graph.cli import main; main()\n"
    )
    done = _run_python(program, "export", "-f", "svg", "-o", str(tmp_path / "n.svg"))
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("msp-graph: error: ") and "msp-graph[picture]" in line
    assert not (tmp_path / "n.svg").exists()
    done = _run_python(program, "export", "-f", "graphml", "-o", str(tmp_path / "n.graphml"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "n.graphml").read_text(encoding="utf-8").startswith("<?xml")


def test_the_install_does_not_require_matplotlib():
    requires = importlib.metadata.requires("msp-graph") or []
    plain = [r for r in requires if "extra ==" not in r]
    assert not [r for r in plain if r.lower().startswith("matplotlib")]
    assert any(r.lower().startswith("matplotlib") and "picture" in r.partition(";")[2] for r in requires)


def _run_python(program: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", program, *args], capture_output=True, text=True, timeout=120)
