"""The episode: the input of the follow-up engine (``follow_up(episode, kb, as_of=...)``).

Why a pydantic model inside the core (the reasoning of ADR 0010, applied to the episode):
the episode *contains* the baseline ``EvaluationRecord`` (itself a pydantic model, ADR 0010)
and, at each visit, a partial record of new findings. It is filled by the same adapters (a
JSON file on the command line, the KB's scenarios, later the web form) and needs the same exact
validation with field paths (``visits.1.questionnaires.0.score``) and one published schema.
Mirroring it as dataclasses would duplicate the record's ~150 fields and need a hand-written
converter. So, like the record, it is a frozen pydantic v2 model with ``extra="forbid"``; this
module is listed next to ``core.evaluation.record`` in the import-linter exception. Everything
the follow-up engine produces (``FollowUpReport`` and its parts) stays a frozen dataclass.

Every field is optional unless stated: a field left out is *unknown*, never read as "no".
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from spinecare.core.evaluation.record import EvaluationRecord, QuestionnaireResult

Response = Literal["resolved", "helped", "partial", "no_effect", "worse", "not_tolerated"]
Phase = Literal[
    "urgent-action",
    "self-management",
    "conservative",
    "escalation",
    "interventional",
    "surgical-opinion",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProcedureDone(_Model):
    procedure: str = Field(
        min_length=1,
        description="Procedure kind of tables/follow-up.yaml procedure_checkins: esi, mbb, "
        "facet_injection, rfa, sij_injection.",
    )
    date: dt.date
    level: str | None = None


class PlanContext(_Model):
    """What was planned and what happened since the baseline evaluation."""

    phase_reached: Phase | None = Field(
        None, description="The highest phase of stepped care reached in this episode."
    )
    proposed_options: list[str] = Field(
        default_factory=list, description="Option ids the plan proposed."
    )
    accepted_options: list[str] | None = Field(
        None,
        description="Option ids the patient accepted; [] = none; omitted = not recorded.",
    )
    opioid_started: dt.date | None = Field(None, description="Date an opioid was started.")
    opioid_escalations: list[dt.date] = Field(
        default_factory=list, description="Dates of opioid dose increases."
    )
    procedures: list[ProcedureDone] = Field(default_factory=list)


class TreatmentResponse(_Model):
    treatment: str = Field(
        min_length=1,
        description="A plan option id, a drug id or drug class of tables/drugs.yaml (e.g. "
        "naproxen, nsaid, opioid) or a procedure kind.",
    )
    response: Response
    percent_relief: float | None = Field(None, ge=0, le=100)


class GoalReport(_Model):
    """The clinician's judgement of a goal that no questionnaire measures (e.g. return to work)."""

    goal: str = Field(min_length=1)
    status: Literal["met", "on-track", "not-met"]
    note: str = ""


class FollowUpVisit(_Model):
    date: dt.date
    questionnaires: list[QuestionnaireResult] = Field(
        default_factory=list, description="Questionnaires at this visit (answers or a score)."
    )
    findings: EvaluationRecord | None = Field(
        None,
        description="New findings as a partial evaluation record (e.g. new red-flag answers, "
        "new medicines); merged over the baseline record to re-run the evaluation.",
    )
    responses: list[TreatmentResponse] = Field(default_factory=list)
    goal_reports: list[GoalReport] = Field(default_factory=list)


class Episode(_Model):
    """One episode of care: baseline evaluation, the plan context and the follow-up visits."""

    baseline: EvaluationRecord = Field(
        description="The baseline evaluation record; its evaluation_date is required."
    )
    plan: PlanContext = PlanContext()
    visits: list[FollowUpVisit] = Field(default_factory=list)
