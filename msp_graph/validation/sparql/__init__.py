"""The fast SHACL engine: shapes compiled to SPARQL, each constraint one query over all its focus nodes."""

from .engine import COMPILED, ValidationNotes, compile_shapes, validate_store

__all__ = ["COMPILED", "ValidationNotes", "compile_shapes", "validate_store"]
