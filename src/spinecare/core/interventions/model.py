"""Eligibility results: per criterion met / not-met / data-needed, per procedure overall."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MET, NOT_MET, DATA_NEEDED = "met", "not-met", "data-needed"
ELIGIBLE, NOT_ELIGIBLE, CANNOT_DECIDE = "eligible", "not-eligible", "cannot-decide"


@dataclass(frozen=True, slots=True)
class CriterionResult:
    id: str
    label: str
    status: str  # met | not-met | data-needed
    on_fail: str  # not-eligible | cannot-decide
    fail_text: str
    cites: tuple[str, ...]
    missing: tuple[str, ...] = ()
    findings: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "status": self.status,
            "on_fail": self.on_fail,
            "fail_text": self.fail_text,
            "cites": list(self.cites),
            "missing": list(self.missing),
            "findings": {k: _jsonable(v) for k, v in self.findings},
        }


@dataclass(frozen=True, slots=True)
class ProcedureEligibility:
    procedure: str
    title: str
    profile: str
    rule_set: str
    status: str  # eligible | not-eligible | cannot-decide
    criteria: tuple[CriterionResult, ...]
    because: tuple[str, ...] = ()  # labels of the criteria that make it not eligible
    needs: tuple[str, ...] = ()  # facts or actions still needed (cannot decide)

    @property
    def summary(self) -> str:
        if self.status == ELIGIBLE:
            return "eligible"
        if self.status == NOT_ELIGIBLE:
            return "not eligible (because " + "; ".join(self.because) + ")"
        return "cannot decide — needs " + "; ".join(self.needs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "title": self.title,
            "profile": self.profile,
            "rule_set": self.rule_set,
            "status": self.status,
            "summary": self.summary,
            "because": list(self.because),
            "needs": list(self.needs),
            "criteria": [c.to_dict() for c in self.criteria],
        }


@dataclass(frozen=True)
class InterventionsReport:
    profile: str
    rule_set: str
    as_of: str
    procedures: tuple[ProcedureEligibility, ...]
    log_facts: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "rule_set": self.rule_set,
            "as_of": self.as_of,
            "procedure_log_facts": {k: _jsonable(v) for k, v in self.log_facts.items()},
            "procedures": [p.to_dict() for p in self.procedures],
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, frozenset | set):
        return sorted(v)
    return v
