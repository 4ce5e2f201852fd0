"""What a reasoning run gives back, shared by both engines (the rules engine and owlrl)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Inconsistency", "ReasoningResult"]


@dataclass(frozen=True)
class Inconsistency:
    """One OWL 2 RL inconsistency: the rule that fired, owlrl's message and the triples involved."""

    rule: str
    message: str
    triples: tuple[tuple[str, str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass
class ReasoningResult:
    """What a reasoning run produced: how many triples were inferred and the inconsistencies found."""

    asserted: int
    inferred: int
    inconsistencies: list[Inconsistency] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.inconsistencies
