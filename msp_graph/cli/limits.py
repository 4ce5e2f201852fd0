"""``msp-graph limits``: the resource limits in force, where each comes from, and how to change it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..limits import LIMITS, limit
from .common import FormatTable, Reporter, message_options, output_options, write

__all__ = ["limits"]

_TABLE = FormatTable("limits", "table", ("table", "json"), {"json": "json"})


@message_options
@output_options(_TABLE, help="table or json.")
def limits(*, output: Path | None, format: str, report: Reporter):
    """List the resource limits (input sizes, rows, endpoint deadlines): value in force, default, variable."""
    rows = [
        {
            "name": item.name,
            "value": limit(item.name),
            "default": item.default,
            "unit": item.unit,
            "variable": item.env,
            "set": item.env in os.environ,
            "bounds": item.bounds,
        }
        for item in LIMITS.values()
    ]
    if format == "json":
        write(output, json.dumps(rows, indent=2) + "\n")
        return
    heads = ("name", "value", "unit", "variable", "bounds")
    cells = [[str(row[h]) + (" (set)" if h == "value" and row["set"] else "") for h in heads] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads[:-1])]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=False)) + "  bounds"]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=False)) + "  " + cell[-1] for cell in cells
    ]
    write(output, "\n".join(line.rstrip() for line in lines) + "\n")
