"""What a reasoning run gives back, shared by both engines (the rules engine and owlrl)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Entailments", "Inconsistency", "ReasoningResult"]


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
    #: Whether the data needed the equality rules (an owl:sameAs, two values of a functional property, two
    #: subjects of an inverse-functional one); None when the reasoner does not say.
    equality: bool | None = None

    @property
    def consistent(self) -> bool:
        return not self.inconsistencies


@dataclass(frozen=True)
class Entailments:
    """Which entailments a stage after reasoning reads: triples of ``predicates`` and types of ``classes``
    (N-Triples IRIs; ``classes`` None: every type). Given to ``reason(only=...)`` for a store read by that
    stage alone, then thrown away: the others are counted in ``ReasoningResult.inferred``, not stored."""

    predicates: frozenset[str]
    classes: frozenset[str] | None

    def __or__(self, other: Entailments) -> Entailments:
        classes = None if self.classes is None or other.classes is None else self.classes | other.classes
        return Entailments(self.predicates | other.predicates, classes)

    def wants_type(self, cls: str) -> bool:
        return self.classes is None or cls in self.classes
