"""Generate ``msp_graph/validation/sparql/proven.json``: whether each SHACL-SPARQL text of the bundled
shapes may run once for all focus nodes (``sparql_based.set_at_a_time``), by SHA-256 of the text.

The verdict comes from rdflib's SPARQL algebra, whose parse took 0.45-1 s of every validation process for
the same four texts; the table spares it. A text missing from the table is parsed as before, so a stale
table costs time, never a wrong verdict: its key is the text's hash. ``tests/test_proven_table.py`` checks
that the committed file is what this tool writes.

Usage (from the repository root)::

    python tools/gen_proven.py           # rewrite the table
    python tools/gen_proven.py --check   # exit 1 when the committed table is out of date
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

from msp_graph.validation.shapes import load_shapes
from msp_graph.validation.sparql import sparql_based
from msp_graph.validation.sparql.compile import compile_shapes


def bundled_texts() -> list[str]:
    """The texts the bundled shapes ask ``set_at_a_time`` about, in compilation order."""
    texts: list[str] = []
    original = sparql_based._proven
    sparql_based._proven = lambda text: texts.append(text) or sparql_based.parsed_verdict(text)
    try:
        compile_shapes(load_shapes()[0])
    finally:
        sparql_based._proven = original
    return texts


def table() -> str:
    verdicts = {
        hashlib.sha256(t.encode("utf-8")).hexdigest(): sparql_based.parsed_verdict(t) for t in bundled_texts()
    }
    document = {
        "about": "Written by tools/gen_proven.py: set_at_a_time verdicts of the bundled shapes' SPARQL "
        "texts, by SHA-256 of the text (prologue included).",
        "verdicts": dict(sorted(verdicts.items())),
    }
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed table is out of date")
    wanted = table()
    if parser.parse_args().check:
        current = (
            sparql_based.PROVEN_TABLE.read_text(encoding="utf-8")
            if sparql_based.PROVEN_TABLE.exists()
            else ""
        )
        if current != wanted:
            print(
                f"{sparql_based.PROVEN_TABLE}: out of date; run python tools/gen_proven.py", file=sys.stderr
            )
            return 1
        return 0
    sparql_based.PROVEN_TABLE.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
