"""Spreadsheet import at scale: a generated workbook of N rows, imported by the ``msp-graph import`` command.

``python -m bench.sheets --rows 1000000`` writes a workbook (``--format csv``: a folder of CSV files) of
``--rows`` rows in all: 1 % partnerships, 40 % organisations (each with an acronym, a stakeholder group
and a country), the rest memberships (each naming a partnership and an organisation by id, ids made from
them), then runs the command as a child process and reports its wall time and its own peak memory (the
child's ``ru_maxrss`` from ``wait4``):

* ``default limits``: ``import --dry-run --no-validate`` as installed; a workbook whose sheets hold more
  than ``MSP_GRAPH_MAX_ROWS`` rows (200,000 by default) is refused (exit 2);
* ``limit raised``: the same with ``MSP_GRAPH_MAX_ROWS`` = N: every row read, checked and turned into
  triples (written nowhere);
* ``--store``: also ``import --store DIR --no-validate`` (the triples written into a new store, each file
  bulk-loaded a bounded part at a time, then published in one transaction);
* ``--validate``: also ``import --dry-run`` with validation (reasoning and the shapes over an in-memory copy
  of the data: memory grows with the triples); with ``--store`` too, ``import --store DIR`` as a user runs
  it (validated, then written).

The workbook is kept in ``--folder`` (default: a temporary folder) and reused when it is there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GROUPS = ("employers-organisations", "workers-organisations", "government", "civil-society")


def _sheets(rows: int) -> dict[str, tuple[list[str], object]]:
    """Per sheet its header and a generator of its rows (``rows`` in all)."""
    partnerships = max(1, rows // 100)
    organisations = max(1, rows * 2 // 5)
    memberships = max(0, rows - partnerships - organisations)

    def membership(i: int) -> list[str]:  # a distinct (partnership, organisation) pair for every row
        organisation = i % organisations
        partnership = (organisation + (i // organisations) * max(1, partnerships // 2)) % partnerships
        return [f"p-{partnership}", f"o-{organisation}", "member"]

    return {
        "partnerships": (
            ["id", "name", "levels"],
            ([f"p-{i}", f"Partnership {i}", "global"] for i in range(partnerships)),
        ),
        "organisations": (
            ["id", "name", "acronyms", "stakeholder_groups", "country"],
            ([f"o-{i}", f"Organisation {i}", f"O{i}", GROUPS[i % 4], "FRA"] for i in range(organisations)),
        ),
        "memberships": (
            ["partnership", "organisation", "roles"],
            (membership(i) for i in range(memberships)),
        ),
    }


def generate(rows: int, out: Path, *, format: str = "xlsx") -> Path:
    """Write the workbook (``out`` a ``.xlsx`` file) or the folder of CSV files (``out`` a folder)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if format == "csv":
        import csv

        out.mkdir(exist_ok=True)
        for name, (header, body) in _sheets(rows).items():
            with open(out / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(body)
        return out
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    for name, (header, body) in _sheets(rows).items():
        ws = workbook.create_sheet(name)
        ws.append(header)
        for row in body:
            ws.append(row)
    workbook.save(out)
    return out


def measure(args: list[str], env: dict[str, str], *, timeout: float) -> dict:
    """Run ``msp-graph ARGS`` as a child; its exit code, wall seconds and own peak memory (MiB)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "msp_graph.cli", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            child.kill()
            _, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.05)
    wall = time.perf_counter() - started
    last = (child.stderr.read().decode("utf-8", "replace").strip().splitlines() or [""])[-1]
    child.stderr.close()
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": round(wall, 2),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "said": last[:160],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--store", action="store_true", help="also import into a new store")
    parser.add_argument("--validate", action="store_true", help="also a dry run with validation")
    parser.add_argument("--timeout", type=float, default=3600)
    options = parser.parse_args(argv)
    folder = options.folder or Path(tempfile.mkdtemp(prefix="msp-graph-bench-sheets-"))
    source = folder / (f"rows-{options.rows}" + (".xlsx" if options.format == "xlsx" else ""))
    if not source.exists():
        started = time.perf_counter()
        generate(options.rows, source, format=options.format)
        print(f"generated {source} in {time.perf_counter() - started:.1f} s", flush=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("MSP_GRAPH_")}
    raised = {**base, "MSP_GRAPH_MAX_ROWS": str(options.rows)}
    runs = [
        ("default limits", ["import", str(source), "--dry-run", "--no-validate"], base),
        ("limit raised", ["import", str(source), "--dry-run", "--no-validate"], raised),
    ]
    if options.store:
        store = folder / "store"
        shutil.rmtree(store, ignore_errors=True)
        runs.append(
            (
                "limit raised, into a new store",
                ["import", str(source), "--store", str(store), "--no-validate"],
                raised,
            )
        )
    if options.validate:
        runs.append(("limit raised, validated", ["import", str(source), "--dry-run"], raised))
    if options.validate and options.store:
        store = folder / "store-validated"
        shutil.rmtree(store, ignore_errors=True)
        runs.append(
            (
                "limit raised, validated, into a new store",
                ["import", str(source), "--store", str(store)],
                raised,
            )
        )
    print(f"| {options.rows:,} rows ({options.format}) | exit | wall | peak RSS | last line |")
    print("|---|---|---|---|---|")
    for name, args, env in runs:
        result = measure(args, env, timeout=options.timeout)
        cells = [name, result["exit"], f"{result['seconds']} s", f"{result['peak_mib']} MiB", result["said"]]
        print("| " + " | ".join(map(str, cells)) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
