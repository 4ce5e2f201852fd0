"""Where the bundled ontology, vocabularies, shapes, queries and data are.

In a wheel they are copied into ``msp_graph/_bundled``; in a source checkout (editable install) they are
the top-level folders of the repository. Nothing here reads ``../shared``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_dir", "bundled_files"]

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The folder of a bundled resource kind: ``ontology``, ``vocab``, ``shapes``, ``queries`` or ``data``."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} is missing from the installation")


def bundled_files(name: str, pattern: str = "*.ttl") -> list[Path]:
    """The files of a bundled folder matching ``pattern`` (recursively), sorted for reproducible runs."""
    return sorted(p for p in bundled_dir(name).rglob(pattern) if p.is_file())
