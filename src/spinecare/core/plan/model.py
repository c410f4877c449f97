"""The TreatmentPlan: phases of stepped care, items with their basis, goals.

Every option the knowledge base considered for this patient stays visible with its status:
``proposed``, ``data-needed`` (it would be proposed, but a safety check cannot be decided
yet), ``not-offered`` (the guideline profile does not recommend it) or ``excluded``
(contraindicated for this patient), each with its reasons and citations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spinecare.core.evaluation.assessment import Basis

STATUSES = ("proposed", "data-needed", "not-offered", "excluded")


@dataclass(frozen=True, slots=True)
class Reason:
    text: str
    basis: Basis
    severity: str = ""  # for cautions and contraindications: caution | contraindicated

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "basis": self.basis.to_dict()}
        if self.severity:
            out["severity"] = self.severity
        return out


@dataclass(frozen=True, slots=True)
class PlanItem:
    option: str
    title: str
    kind: str  # education | self-care | non-drug | medicine | referral | exercise | intervention | surgery
    phase: str
    status: str
    detail: str
    strength: str  # offer | consider (for proposed items)
    why: tuple[Reason, ...] = ()
    reasons_against: tuple[Reason, ...] = ()  # why not offered / excluded
    cautions: tuple[Reason, ...] = ()
    data_needed: tuple[str, ...] = ()
    drug: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "title": self.title,
            "kind": self.kind,
            "phase": self.phase,
            "status": self.status,
            "detail": self.detail,
            "strength": self.strength,
            "drug": self.drug,
            "why": [r.to_dict() for r in self.why],
            "reasons_against": [r.to_dict() for r in self.reasons_against],
            "cautions": [r.to_dict() for r in self.cautions],
            "data_needed": list(self.data_needed),
        }


@dataclass(frozen=True, slots=True)
class PlanPhase:
    id: str
    title: str
    order: int
    description: str
    entry: str  # met | not-met | data-needed | always
    entry_criteria: tuple[Reason, ...] = ()
    on_hold: str = ""  # why the phase waits (e.g. an urgent red flag comes first)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "order": self.order,
            "description": self.description,
            "entry": self.entry,
            "entry_criteria": [r.to_dict() for r in self.entry_criteria],
            "on_hold": self.on_hold,
        }


@dataclass(frozen=True, slots=True)
class Goal:
    id: str
    title: str
    measure: str
    baseline: float | None
    target: str
    basis: Basis

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "measure": self.measure,
            "baseline": self.baseline,
            "target": self.target,
            "basis": self.basis.to_dict(),
        }


@dataclass(frozen=True)
class TreatmentPlan:
    patient_id: str | None
    as_of: str
    profile: str
    urgent_actions: tuple[dict[str, Any], ...]
    phases: tuple[PlanPhase, ...]
    items: tuple[PlanItem, ...]
    goals: tuple[Goal, ...]
    kb_version: str
    kb_hash: str
    rules_fired: tuple[str, ...] = ()
    rules_undecided: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def items_with(self, status: str) -> list[PlanItem]:
        return [i for i in self.items if i.status == status]

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "as_of": self.as_of,
            "profile": self.profile,
            "urgent_actions": list(self.urgent_actions),
            "phases": [p.to_dict() for p in self.phases],
            "items": [i.to_dict() for i in self.items],
            "goals": [g.to_dict() for g in self.goals],
            "kb_version": self.kb_version,
            "kb_hash": self.kb_hash,
            "rules_fired": list(self.rules_fired),
            "rules_undecided": list(self.rules_undecided),
            **self.extra,
        }
