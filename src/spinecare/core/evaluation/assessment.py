"""The Assessment: what the engine concludes from one evaluation, with its basis.

Red flags lead. Every conclusion carries the rule (``rule_id@version``), the findings it used,
and its citations, so that a clinician can check it without trusting SpineCare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spinecare.core.trace import Trace

URGENCY_ORDER = ("emergency", "urgent", "soon", "routine")


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value


@dataclass(frozen=True, slots=True)
class Basis:
    """Why a conclusion was drawn: the rule, the findings it read, the sources."""

    rule: str  # rule_id@version
    title: str
    findings: dict[str, Any]
    cites: tuple[str, ...]
    rationale: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "findings": {k: _jsonable(v) for k, v in self.findings.items()},
            "cites": list(self.cites),
            "rationale": self.rationale,
        }


@dataclass(frozen=True, slots=True)
class RedFlag:
    flag: str
    title: str
    urgency: str
    action: str
    basis: Basis

    def to_dict(self) -> dict[str, Any]:
        return {
            "flag": self.flag,
            "title": self.title,
            "urgency": self.urgency,
            "action": self.action,
            "basis": self.basis.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Conclusion:
    """A conclusion of any other kind (imaging advice, classification, stratification…)."""

    category: str
    summary: str
    details: dict[str, Any]
    basis: Basis

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "summary": self.summary,
            **{k: _jsonable(v) for k, v in self.details.items()},
            "basis": self.basis.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Diagnosis:
    id: str
    title: str
    icd10cm: str
    likelihood: str  # likely | possible
    rank: int
    serious: bool
    findings_for: dict[str, Any]
    findings_against: tuple[str, ...]
    bases: tuple[Basis, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "icd10cm": self.icd10cm,
            "likelihood": self.likelihood,
            "serious": self.serious,
            "findings_for": {k: _jsonable(v) for k, v in self.findings_for.items()},
            "findings_against": list(self.findings_against),
            "basis": [b.to_dict() for b in self.bases],
        }


@dataclass(frozen=True, slots=True)
class RootLevel:
    root: str
    side: str
    supporting: tuple[str, ...]
    strength: int
    imaging: str  # concordant | discordant | no imaging

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "side": self.side,
            "supporting": list(self.supporting),
            "strength": self.strength,
            "imaging": self.imaging,
        }


@dataclass(frozen=True, slots=True)
class ImagingRating:
    procedure: str
    title: str
    rating: str  # usually-appropriate | may-be-appropriate | usually-not-appropriate

    def to_dict(self) -> dict[str, Any]:
        return {"procedure": self.procedure, "title": self.title, "rating": self.rating}


@dataclass(frozen=True, slots=True)
class ImagingAdvice:
    variant: str | None
    variant_title: str
    ratings: tuple[ImagingRating, ...]
    statements: tuple[Conclusion, ...]
    order_check: dict[str, Any] | None
    basis: Basis | None
    notes: str = ""
    pending: tuple[str, ...] = ()  # more specific variants still undecided (data needed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "acr_variant": self.variant,
            "variant_title": self.variant_title,
            "provisional": bool(self.pending),
            "pending_variants": list(self.pending),
            "notes": self.notes,
            "ratings": [r.to_dict() for r in self.ratings],
            "statements": [s.to_dict() for s in self.statements],
            "order_check": self.order_check,
            "basis": self.basis.to_dict() if self.basis else None,
        }


@dataclass(frozen=True, slots=True)
class DataNeeded:
    fact: str
    question: str
    needed_for: tuple[str, ...]
    priority: str  # high (a red flag depends on it) | normal

    def to_dict(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "question": self.question,
            "needed_for": list(self.needed_for),
            "priority": self.priority,
        }


@dataclass(frozen=True)
class Assessment:
    patient_id: str | None
    as_of: str
    profile: str
    red_flags: tuple[RedFlag, ...]
    localisation: tuple[RootLevel, ...]
    imaging: ImagingAdvice
    stratification: tuple[Conclusion, ...]
    diagnoses: tuple[Diagnosis, ...]
    classifications: tuple[Conclusion, ...]
    scores: dict[str, dict[str, Any]]
    data_needed: tuple[DataNeeded, ...]
    facts: dict[str, Any]
    trace: Trace
    other: tuple[Conclusion, ...] = field(default=())
    unrecognised_medicines: tuple[str, ...] = ()  # not in the drug table: safety checks incomplete
    unmatched_allergies: tuple[str, ...] = ()  # allergies that match no drug in the table

    @property
    def highest_urgency(self) -> str | None:
        return self.red_flags[0].urgency if self.red_flags else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "as_of": self.as_of,
            "profile": self.profile,
            "highest_urgency": self.highest_urgency,
            "red_flags": [f.to_dict() for f in self.red_flags],
            "localisation": [r.to_dict() for r in self.localisation],
            "imaging": self.imaging.to_dict(),
            "stratification": [c.to_dict() for c in self.stratification],
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "classifications": [c.to_dict() for c in self.classifications],
            "scores": self.scores,
            "data_needed": [d.to_dict() for d in self.data_needed],
            "other": [c.to_dict() for c in self.other],
            "unrecognised_medicines": list(self.unrecognised_medicines),
            "unmatched_allergies": list(self.unmatched_allergies),
            "facts": {k: _jsonable(v) for k, v in sorted(self.facts.items())},
            "trace": self.trace.to_dict(),
        }
