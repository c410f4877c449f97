"""The FollowUpReport and its parts: frozen dataclasses with ``to_dict`` (ADR 0004).

Order matters for safety: ``to_dict`` puts the red flags first, and any new or more urgent red
flag makes ``reopen_evaluation`` true and puts every other proposal on hold when its urgency is
emergency or urgent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spinecare.core.evaluation.assessment import Basis, DataNeeded

CHANGE_CLASSES = ("improved", "no-important-change", "worse")
EPISODE_STATUSES = ("responder", "partial", "non-responder", "recovered")
GOAL_STATUSES = ("met", "on-track", "not-met", "not-measured", "not-assessed")


@dataclass(frozen=True, slots=True)
class RedFlagChange:
    """A red flag present at the follow-up, and how it compares with baseline."""

    flag: str
    title: str
    urgency: str
    action: str
    status: str  # new | more-urgent | persisting
    baseline_urgency: str | None
    basis: Basis

    @property
    def leads(self) -> bool:
        return self.status in ("new", "more-urgent")

    def to_dict(self) -> dict[str, Any]:
        return {
            "flag": self.flag,
            "title": self.title,
            "urgency": self.urgency,
            "action": self.action,
            "status": self.status,
            "baseline_urgency": self.baseline_urgency,
            "basis": self.basis.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Contact:
    """One scheduled follow-up contact and the questionnaires due at it."""

    id: str
    kind: str  # routine | opioid-reassessment | procedure-checkin
    title: str
    due: str
    window_start: str
    window_end: str
    questionnaires: tuple[str, ...]
    purpose: str
    cites: tuple[str, ...]
    status: str  # done | due | overdue | upcoming
    local_policy: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "due": self.due,
            "window": [self.window_start, self.window_end],
            "questionnaires": list(self.questionnaires),
            "purpose": self.purpose,
            "cites": list(self.cites),
            "status": self.status,
            "local_policy": self.local_policy,
        }


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    """One outcome measure at the latest visit against baseline and the previous measurement.

    ``change_*`` are signed (current − reference); the classification reads them in the
    instrument's direction (higher is worse for ODI, RMDQ, NRS and PEG) against its MIC.
    """

    instrument: str
    baseline: float
    previous: float
    current: float
    date: str
    change_points: float
    change_percent: float | None
    change_vs_previous_points: float
    change_vs_previous_percent: float | None
    classification: str
    classification_vs_previous: str
    mic_points: float | None
    mic_percent: float | None
    higher_is_worse: bool
    cites: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "baseline": self.baseline,
            "previous": self.previous,
            "current": self.current,
            "date": self.date,
            "change_points": self.change_points,
            "change_percent": self.change_percent,
            "change_vs_previous_points": self.change_vs_previous_points,
            "change_vs_previous_percent": self.change_vs_previous_percent,
            "classification": self.classification,
            "classification_vs_previous": self.classification_vs_previous,
            "mic": {"points": self.mic_points, "percent": self.mic_percent},
            "higher_is_worse": self.higher_is_worse,
            "cites": list(self.cites),
        }


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A proposed change to the plan, from a ``followup_adjustment`` rule."""

    action: str
    summary: str
    basis: Basis
    details: dict[str, Any] = field(default_factory=dict)
    on_hold: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "summary": self.summary,
            "details": self.details,
            "on_hold": self.on_hold,
            "basis": self.basis.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class GoalProgress:
    goal: str
    title: str
    measure: str
    baseline: float | None
    current: float | None
    target: str
    status: str  # one of GOAL_STATUSES
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "title": self.title,
            "measure": self.measure,
            "baseline": self.baseline,
            "current": self.current,
            "target": self.target,
            "status": self.status,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ProcedureRelief:
    procedure: str
    date: str
    percent_relief: float | None
    threshold_percent: float
    meets_threshold: bool | None
    threshold_text: str
    cites: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "date": self.date,
            "percent_relief": self.percent_relief,
            "threshold_percent": self.threshold_percent,
            "meets_threshold": self.meets_threshold,
            "threshold_text": self.threshold_text,
            "cites": list(self.cites),
        }


@dataclass(frozen=True)
class FollowUpReport:
    patient_id: str | None
    as_of: str
    profile: str
    baseline_date: str
    visit_date: str | None
    weeks_since_baseline: float | None
    red_flags: tuple[RedFlagChange, ...]
    outcomes: tuple[OutcomeChange, ...]
    episode_status: str | None
    episode_status_reason: str
    adjustments: tuple[Adjustment, ...]
    goals: tuple[GoalProgress, ...]
    schedule: tuple[Contact, ...]
    procedure_relief: tuple[ProcedureRelief, ...]
    data_needed: tuple[DataNeeded, ...]
    facts: dict[str, Any]
    kb_version: str
    rules_fired: tuple[str, ...] = ()
    rules_undecided: tuple[str, ...] = ()
    risk_group: str | None = None

    @property
    def new_red_flags(self) -> tuple[RedFlagChange, ...]:
        return tuple(f for f in self.red_flags if f.leads)

    @property
    def reopen_evaluation(self) -> bool:
        return bool(self.new_red_flags)

    def to_dict(self) -> dict[str, Any]:
        # Red flags lead the output; keep them the first keys.
        return {
            "reopen_evaluation": self.reopen_evaluation,
            "new_red_flags": [f.to_dict() for f in self.new_red_flags],
            "red_flags": [f.to_dict() for f in self.red_flags],
            "patient_id": self.patient_id,
            "as_of": self.as_of,
            "profile": self.profile,
            "baseline_date": self.baseline_date,
            "visit_date": self.visit_date,
            "weeks_since_baseline": self.weeks_since_baseline,
            "episode_status": self.episode_status,
            "episode_status_reason": self.episode_status_reason,
            "outcomes": [o.to_dict() for o in self.outcomes],
            "adjustments": [a.to_dict() for a in self.adjustments],
            "goals": [g.to_dict() for g in self.goals],
            "schedule": [c.to_dict() for c in self.schedule],
            "procedure_relief": [p.to_dict() for p in self.procedure_relief],
            "risk_group": self.risk_group,
            "data_needed": [d.to_dict() for d in self.data_needed],
            "kb_version": self.kb_version,
            "rules_fired": list(self.rules_fired),
            "rules_undecided": list(self.rules_undecided),
            "facts": {
                k: sorted(v) if isinstance(v, frozenset) else v
                for k, v in sorted(self.facts.items())
            },
        }
