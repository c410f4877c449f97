"""Running compiled rules over facts, with the trace every output must carry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from spinecare.core.conditions import Truth
from spinecare.core.facts import Facts, FactValue
from spinecare.core.knowledge_base import Rule


@dataclass(frozen=True, slots=True)
class RuleResult:
    """How one rule came out for one patient.

    ``truth`` is True (fired), False (did not apply) or None (undecided: ``missing`` lists the
    facts it needs). ``facts_used`` holds the known values of every fact the rule reads.
    """

    rule: Rule
    truth: Truth
    missing: frozenset[str]
    facts_used: Mapping[str, FactValue]
    supporting: Mapping[str, FactValue] = field(default_factory=dict)

    @property
    def fired(self) -> bool:
        return self.truth is True

    @property
    def undecided(self) -> bool:
        return self.truth is None


def run_rule(rule: Rule, facts: Facts) -> RuleResult:
    truth, missing = rule.when.evaluate(facts)
    used = {name: facts[name] for name in sorted(rule.when.facts) if name in facts}
    supporting = rule.when.supporting(facts) if truth is True else {}
    return RuleResult(
        rule=rule, truth=truth, missing=missing, facts_used=used, supporting=supporting
    )


def run_rules(rules: Iterable[Rule], facts: Facts) -> list[RuleResult]:
    """Evaluate every rule; the order of the result is the order of ``rules``."""
    return [run_rule(rule, facts) for rule in rules]


def data_needed(results: Iterable[RuleResult]) -> list[str]:
    """The missing facts that undecided rules hinge on, sorted, each once."""
    needed: set[str] = set()
    for result in results:
        if result.truth is None:
            needed |= result.missing
    return sorted(needed)
