"""The README's tour prints what it shows: every command of "A short tour" is run in a fresh folder, as a
user would type it, and each line the README shows must come out, in order (a line the README cut with
``...`` must start the same way)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _tour_blocks() -> list[str]:
    start = README.index("## A short tour")
    end = README.index("\n## ", start + 1)
    return re.findall(r"```text\n(.*?)```", README[start:end], re.S)


def _steps(block: str) -> list[tuple[str, list[str]]]:
    """``(command, shown lines)`` pairs; a block without ``$`` shows what ``msp-graph validate`` prints."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:].split("  #")[0].strip(), []))
        elif not steps:
            steps.append(("msp-graph validate", [line]))
        else:
            steps[-1][1].append(line)
    return steps


def _shown_in_order(shown: list[str], output: str) -> None:
    lines = output.splitlines()
    at = 0
    for want in shown:
        if not want.strip() or want.strip() == "...":
            continue
        prefix = want[:-3] if want.endswith("...") else None
        for i in range(at, len(lines)):
            if lines[i] == want or (prefix is not None and lines[i].startswith(prefix)):
                at = i + 1
                break
        else:
            raise AssertionError(f"the README shows {want!r}, which the command no longer prints")


@pytest.mark.parametrize("block", _tour_blocks(), ids=lambda b: b.splitlines()[0][:40])
def test_the_tour_prints_what_it_shows(block, tmp_path):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("COLUMNS", None)
    for command, shown in _steps(block):
        done = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode in (0, 1), f"{command}: exit {done.returncode}: {done.stderr}"
        _shown_in_order(shown, done.stdout + done.stderr)
