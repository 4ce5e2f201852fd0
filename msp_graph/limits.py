"""Resource limits: the one table of bounds on input sizes, rows and waiting, each overridable.

Every limit has a default that fits a 2-core, 24 GiB machine and an environment variable that overrides it
(so one setting reaches every command, the API and a CI job alike). Values are read when used, not at
import, and a bad value is a one-line ``SettingError`` naming the variable.

>>> limit("max_rows")
200000
>>> import os; os.environ["MSP_GRAPH_MAX_ROWS"] = "10"
>>> limit("max_rows")
10
>>> os.environ["MSP_GRAPH_MAX_ROWS"] = "nan"
>>> limit("max_rows")
Traceback (most recent call last):
...
msp_graph.errors.SettingError: MSP_GRAPH_MAX_ROWS='nan': not a positive whole number; ...
>>> del os.environ["MSP_GRAPH_MAX_ROWS"]

The table is documented in the README's reference ("Limits") and printed by ``msp-graph limits``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from .errors import SettingError

__all__ = ["LIMITS", "Limit", "limit"]

_MiB = 1024 * 1024
_GiB = 1024 * _MiB
_MAX_SECONDS = 1e6


@dataclass(frozen=True)
class Limit:
    """One bound: its name, the variable that overrides it, the default, the unit and what it bounds."""

    name: str
    env: str
    default: int | float
    unit: str  # "bytes", "rows", "seconds", "processes"
    bounds: str

    @property
    def whole(self) -> bool:
        return self.unit != "seconds"


LIMITS: dict[str, Limit] = {
    item.name: item
    for item in (
        Limit("max_file_bytes", "MSP_GRAPH_MAX_FILE_BYTES", 8 * _GiB, "bytes",
              "size of one RDF input file (or update file) read by any command"),
        Limit("max_query_bytes", "MSP_GRAPH_MAX_QUERY_BYTES", 16 * _MiB, "bytes",
              "one query text (-e, --file, run_query); an update may be as large as max_file_bytes"),
        Limit("max_rows", "MSP_GRAPH_MAX_ROWS", 200_000, "rows",
              "rows of one spreadsheet (CSV file or XLSX sheet) read by import"),
        Limit("max_sheet_bytes", "MSP_GRAPH_MAX_SHEET_BYTES", 512 * _MiB, "bytes",
              "uncompressed size of one XLSX workbook (the sum of its zip members), checked before reading"),
        Limit("max_response_bytes", "MSP_GRAPH_MAX_RESPONSE_BYTES", 4 * _GiB, "bytes",
              "body of one answer from a SPARQL endpoint"),
        Limit("timeout", "MSP_GRAPH_TIMEOUT", 60.0, "seconds",
              "one request to a SPARQL endpoint, from connecting to the end of the body (a deadline, not "
              "a per-read time-out)"),
        Limit("network_timeout", "MSP_GRAPH_NETWORK_TIMEOUT", 30.0, "seconds",
              "a SERVICE call of a query or a LOAD <url> of an update, allowed only with --allow-network"),
        Limit("processes", "MSP_GRAPH_PROCESSES", 2, "processes",
              "processes that run the compiled SHACL checks of a big in-memory store (1: this one only; "
              "more than 2 count as 2)"),
    )
}  # fmt: skip


def limit(name: str) -> int | float:
    """The value of limit ``name``: its environment variable if set, else its default."""
    item = LIMITS[name]
    raw = os.environ.get(item.env)
    if raw is None or not raw.strip():
        return item.default
    try:
        value = int(raw) if item.whole else float(raw)
    except ValueError:
        value = math.nan
    # Seconds past 10^6 overflow the system's timers (socket time-outs), so they are refused too.
    if not math.isfinite(value) or value <= 0 or (not item.whole and value > _MAX_SECONDS):
        kind = "positive whole number" if item.whole else f"number of seconds in (0, {_MAX_SECONDS:g}]"
        raise SettingError(f"{item.env}={raw!r}: not a {kind}; unset it or give e.g. {item.default}")
    return value
