"""Running the command in-process, as the tests of several modules do, and the one-line error contract."""

from __future__ import annotations

from typer.testing import CliRunner

from msp_graph.cli import app


def run(*args):
    """``msp-graph ARGS`` through Typer's runner (arguments may be paths or numbers)."""
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(result, *fragments: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr starting ``msp-graph: error:`` holding ``fragments``."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("msp-graph: error: "), result.stderr
    assert all(f in lines[0] for f in fragments), lines[0]
    assert result.stdout == ""
