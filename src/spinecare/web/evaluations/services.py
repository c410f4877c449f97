"""Writes for evaluations: start, save, complete (which computes and stores the Assessment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from spinecare.core.errors import UserError
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.web.audit.models import Action
from spinecare.web.audit.services import audit_record
from spinecare.web.evaluations.models import Assessment, Evaluation, EvaluationStatus
from spinecare.web.kb import get_kb
from spinecare.web.patients.models import Patient


class RecordInvalid(UserError):
    """The evaluation record does not validate; ``errors`` maps field paths to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        first = next(iter(errors.items()))
        super().__init__(first[1], field=first[0])


def record_validate(data: dict[str, Any]) -> EvaluationRecord:
    """Validate a record dict; raise ``RecordInvalid`` with every error keyed by field path."""
    try:
        return EvaluationRecord.model_validate(data)
    except PydanticValidationError as exc:
        raise RecordInvalid(
            {".".join(str(p) for p in err["loc"]): err["msg"] for err in exc.errors()}
        ) from None


@transaction.atomic
def evaluation_start(
    *, user: User, patient: Patient, evaluation_date: dt.date, profile: str = ""
) -> Evaluation:
    if profile:
        get_kb().profile(profile)  # raises UserError naming the field for an unknown profile
    evaluation = Evaluation.objects.create(
        patient=patient,
        evaluation_date=evaluation_date,
        profile=profile,
        created_by=user,
        record={},
        form_state={},
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="evaluation",
        object_id=evaluation.pk,
        patient=patient,
    )
    return evaluation


@transaction.atomic
def evaluation_save(
    *,
    user: User,
    evaluation: Evaluation,
    record: dict[str, Any] | None = None,
    form_state: dict[str, Any] | None = None,
    current_step: str | None = None,
) -> Evaluation:
    """Save a draft. The form state is saved even when the record part does not validate."""
    if evaluation.status != EvaluationStatus.DRAFT:
        raise UserError("a completed evaluation cannot be changed; start a new one", field="status")
    fields = ["updated_at"]
    if form_state is not None:
        evaluation.form_state = form_state
        fields.append("form_state")
    if current_step is not None:
        evaluation.current_step = current_step
        fields.append("current_step")
    if record is not None:
        record_validate(record)
        evaluation.record = record
        fields.append("record")
    evaluation.save(update_fields=fields)
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="evaluation",
        object_id=evaluation.pk,
        patient=evaluation.patient,
        detail={"step": current_step or ""},
    )
    return evaluation


def _full_record(evaluation: Evaluation) -> EvaluationRecord:
    patient = evaluation.patient
    data = dict(evaluation.record)
    data.setdefault("patient_id", patient.mrn)
    data["evaluation_date"] = evaluation.evaluation_date.isoformat()
    if evaluation.profile:
        data["profile"] = evaluation.profile
    p = dict(data.get("patient") or {})
    p.setdefault("age", patient.age_on(evaluation.evaluation_date))
    if patient.sex in ("female", "male", "other"):
        p.setdefault("sex", patient.sex)
    data["patient"] = p
    return record_validate(data)


@transaction.atomic
def evaluation_complete(*, user: User, evaluation: Evaluation) -> Assessment:
    """Validate the record, run the engine and store the Assessment pinned to the KB."""
    if evaluation.status != EvaluationStatus.DRAFT:
        raise UserError("this evaluation is already complete", field="status")
    assessment = assessment_compute(user=user, evaluation=evaluation)
    evaluation.status = EvaluationStatus.COMPLETE
    evaluation.completed_at = timezone.now()
    evaluation.save(update_fields=["status", "completed_at", "updated_at"])
    return assessment


def assessment_compute(*, user: User, evaluation: Evaluation) -> Assessment:
    kb = get_kb()
    record = _full_record(evaluation)
    result = evaluate(record, kb, as_of=evaluation.evaluation_date)
    assessment = Assessment.objects.create(
        evaluation=evaluation,
        patient=evaluation.patient,
        as_of=evaluation.evaluation_date,
        profile=result.profile,
        kb_version=kb.version,
        kb_hash=kb.content_hash,
        rules_fired=[f.ref for f in result.trace.fired],
        highest_urgency=result.highest_urgency or "",
        red_flags=[f.flag for f in result.red_flags],
        result=result.to_dict(),
        created_by=user,
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="assessment",
        object_id=assessment.pk,
        patient=evaluation.patient,
        detail={"evaluation": evaluation.pk},
    )
    return assessment


@transaction.atomic
def evaluation_revise(
    *, user: User, evaluation: Evaluation, evaluation_date: dt.date
) -> Evaluation:
    """Start a new draft from a completed evaluation (to answer what it was missing).

    The completed evaluation and its Assessment stay as they are; the draft copies the record
    and what was typed into each step, and remembers which evaluation it revises.
    """
    if evaluation.status != EvaluationStatus.COMPLETE:
        raise UserError(
            "only a completed evaluation can be revised; edit the draft", field="status"
        )
    draft = Evaluation.objects.create(
        patient=evaluation.patient,
        evaluation_date=evaluation_date,
        profile=evaluation.profile,
        created_by=user,
        record=dict(evaluation.record),
        form_state=dict(evaluation.form_state),
        current_step=evaluation.current_step,
        revises=evaluation,
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="evaluation",
        object_id=draft.pk,
        patient=evaluation.patient,
        detail={"revises": evaluation.pk},
    )
    return draft


def evaluation_audit_view(*, user: User, evaluation: Evaluation, page: str) -> None:
    """Record that ``user`` looked at ``page`` (a step, the review) of an evaluation."""
    audit_record(
        user=user,
        action=Action.VIEW,
        object_type="evaluation",
        object_id=evaluation.pk,
        patient=evaluation.patient,
        detail={"page": page},
    )


def assessment_audit_view(*, user: User, assessment: Assessment) -> None:
    audit_record(
        user=user,
        action=Action.VIEW,
        object_type="assessment",
        object_id=assessment.pk,
        patient=assessment.patient,
    )


@transaction.atomic
def assessment_acknowledge_red_flags(*, user: User, assessment: Assessment) -> Assessment:
    """Record that ``user`` has seen the red flags and taken responsibility for acting on them."""
    if not assessment.red_flags:
        raise UserError("this assessment raised no red flags", field="red_flags")
    if assessment.red_flags_acknowledged_at is not None:
        raise UserError("the red flags are already acknowledged", field="red_flags")
    assessment.red_flags_acknowledged_at = timezone.now()
    assessment.red_flags_acknowledged_by = user
    assessment.save(update_fields=["red_flags_acknowledged_at", "red_flags_acknowledged_by"])
    audit_record(
        user=user,
        action=Action.UPDATE,
        object_type="assessment",
        object_id=assessment.pk,
        patient=assessment.patient,
        detail={"acknowledged": list(assessment.red_flags)},
    )
    return assessment


def evaluation_audit_list(*, user: User, count: int) -> None:
    """Record that ``user`` looked at the list of drafts and recent assessments."""
    audit_record(
        user=user, action=Action.VIEW, object_type="evaluation_list", detail={"count": count}
    )


def evaluation_audit_start_page(*, user: User, patient: Patient) -> None:
    """Record that ``user`` opened the page that starts an evaluation of ``patient``."""
    audit_record(
        user=user,
        action=Action.VIEW,
        object_type="patient",
        object_id=patient.pk,
        patient=patient,
        detail={"page": "evaluation_start"},
    )
