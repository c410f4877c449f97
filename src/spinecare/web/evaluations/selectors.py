"""Reads for evaluations and assessments."""

from __future__ import annotations

from django.db.models import QuerySet

from spinecare.web.evaluations.models import Assessment, Evaluation


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
