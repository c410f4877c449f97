"""The declared fact vocabulary.

Rules may only refer to facts declared in ``kb/facts/``. A fact's value is absent from a
``Facts`` mapping when it is not known; absence is *unknown*, never false.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

FactValue = bool | int | float | str | frozenset[str]
Facts = Mapping[str, FactValue]


class FactType(StrEnum):
    BOOLEAN = "boolean"
    INTEGER = "integer"
    NUMBER = "number"
    ENUM = "enum"
    SET = "set"  # a set of enum values, e.g. the pain sites
    STRING = "string"


NUMERIC_TYPES = frozenset({FactType.INTEGER, FactType.NUMBER})


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One declared fact: what it means, its type, unit and allowed values."""

    name: str
    type: FactType
    definition: str
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    source_file: str = ""
    allowed_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_set", frozenset(self.allowed))

    def check_value(self, value: object) -> str | None:
        """Return why ``value`` is not a valid value of this fact, or None when it is."""
        t = self.type
        if t is FactType.BOOLEAN:
            return None if isinstance(value, bool) else "must be true or false"
        if t in NUMERIC_TYPES:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return "must be a number"
            if t is FactType.INTEGER and not isinstance(value, int):
                return "must be a whole number"
            if self.minimum is not None and value < self.minimum:
                return f"must be at least {self.minimum:g}"
            if self.maximum is not None and value > self.maximum:
                return f"must be at most {self.maximum:g}"
            return None
        if t is FactType.ENUM:
            if not isinstance(value, str) or value not in self.allowed_set:
                return f"must be one of {', '.join(self.allowed)}"
            return None
        if t is FactType.SET:
            if not isinstance(value, frozenset | set | list | tuple):
                return "must be a list of values"
            bad = [v for v in value if v not in self.allowed_set]
            if bad:
                return f"has unknown value(s) {', '.join(map(str, bad))}; allowed: {', '.join(self.allowed)}"
            return None
        return None if isinstance(value, str) else "must be text"


def normalise_facts(
    specs: Mapping[str, FactSpec], raw: Mapping[str, object]
) -> dict[str, FactValue]:
    """Check raw values against their declarations; return a clean ``Facts`` dict.

    ``None`` means unknown and is dropped. Raises ``UserError`` naming the fact on any problem.
    """
    from spinecare.core.errors import UserError
    from spinecare.core.text import did_you_mean

    out: dict[str, FactValue] = {}
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None:
            raise UserError(f"unknown fact{did_you_mean(name, specs)}", field=name)
        if value is None:
            continue
        problem = spec.check_value(value)
        if problem:
            raise UserError(f"{problem} (got {value!r})", field=name)
        if spec.type is FactType.SET:
            out[name] = frozenset(value)  # type: ignore[call-overload]
        elif spec.type is FactType.NUMBER and isinstance(value, int):
            out[name] = float(value)
        else:
            out[name] = value  # type: ignore[assignment]
    return out
