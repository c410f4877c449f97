"""Reads for evaluations and assessments."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from spinecare.web.evaluations.models import Assessment, Evaluation, EvaluationStatus
from spinecare.web.patients.selectors import patient_visible_to


def evaluation_list_for_patient(*, patient_id: int) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(patient_id=patient_id).select_related("created_by")


def assessment_latest_for_evaluation(*, evaluation_id: int) -> Assessment | None:
    return (
        Assessment.objects.filter(evaluation_id=evaluation_id)
        .order_by("-created_at", "-id")
        .first()
    )


def assessment_open_red_flags(*, limit: int = 100) -> QuerySet[Assessment]:
    """Latest assessments with a red flag not yet acknowledged, most urgent first."""
    return (
        Assessment.objects.exclude(highest_urgency="")
        .filter(red_flags_acknowledged_at__isnull=True)
        .select_related("patient")
        .order_by("created_at")[:limit]
    )


def evaluation_get_visible(*, user: User, evaluation_id: int) -> Evaluation | None:
    """The evaluation if its patient is visible to ``user`` (one query), else None."""
    return (
        Evaluation.objects.filter(pk=evaluation_id, patient__in=patient_visible_to(user=user))
        .select_related("patient", "created_by", "revises")
        .first()
    )


def assessment_get_visible(*, user: User, assessment_id: int) -> Assessment | None:
    """The assessment with everything its page shows, if its patient is visible to ``user``."""
    return (
        Assessment.objects.filter(pk=assessment_id, patient__in=patient_visible_to(user=user))
        .select_related("patient", "evaluation", "created_by", "red_flags_acknowledged_by")
        .first()
    )


def assessment_list_for_evaluation(*, evaluation_id: int) -> QuerySet[Assessment]:
    return Assessment.objects.filter(evaluation_id=evaluation_id).order_by("-created_at", "-id")


def evaluation_list_drafts(*, user: User, limit: int = 50) -> QuerySet[Evaluation]:
    """Draft evaluations of patients visible to ``user``, most recently changed first."""
    return (
        Evaluation.objects.filter(
            status=EvaluationStatus.DRAFT, patient__in=patient_visible_to(user=user)
        )
        .select_related("patient", "created_by")
        .order_by("-updated_at", "-id")[:limit]
    )


def assessment_list_recent(*, user: User, limit: int = 20) -> QuerySet[Assessment]:
    """The latest assessments of patients visible to ``user``, newest first."""
    return (
        Assessment.objects.filter(patient__in=patient_visible_to(user=user))
        .select_related("patient")
        .order_by("-created_at", "-id")[:limit]
    )
