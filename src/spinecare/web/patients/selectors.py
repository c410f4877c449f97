"""Reads for patients."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from spinecare.web.evaluations.models import Assessment, Evaluation
from spinecare.web.patients.models import Patient


def patient_visible_to(*, user: User) -> QuerySet[Patient]:
    """Patients a user may see: all for clinicians and front desk; assigned ones for physios.

    Administrators (and users without a role) see none.
    """
    qs = Patient.objects.select_related("physiotherapist")
    if user.has_perm("accounts.edit_clinical") or user.has_perm("accounts.manage_demographics"):
        return qs
    if user.has_perm("accounts.manage_rehabilitation"):
        return qs.filter(physiotherapist=user)
    return qs.none()


def patient_search(*, user: User, query: str = "", limit: int = 50) -> QuerySet[Patient]:
    """Search by name (any part), MRN (exact or prefix) or date of birth (YYYY-MM-DD)."""
    qs = patient_visible_to(user=user)
    query = query.strip()
    if not query:
        return qs.order_by("-updated_at")[:limit]
    try:
        dob = dt.date.fromisoformat(query)
    except ValueError:
        dob = None
    if dob is not None:
        return qs.filter(date_of_birth=dob)[:limit]
    cond = Q(mrn__istartswith=query)
    for term in query.replace(",", " ").split():
        cond |= Q(given_name__icontains=term) | Q(family_name__icontains=term)
    terms = query.replace(",", " ").split()
    if len(terms) > 1:  # "jane smith" must match both words
        both = Q()
        for term in terms:
            both &= Q(given_name__icontains=term) | Q(family_name__icontains=term)
        cond = Q(mrn__istartswith=query) | both
    return qs.filter(cond)[:limit]


def patient_find_duplicates(
    *, given_name: str, family_name: str, date_of_birth: dt.date, exclude_id: int | None = None
) -> QuerySet[Patient]:
    """Possible duplicates: same date of birth and the same family name (case-insensitive)."""
    qs = Patient.objects.filter(
        date_of_birth=date_of_birth, family_name__iexact=family_name.strip()
    )
    if exclude_id is not None:
        qs = qs.exclude(id=exclude_id)
    return qs


def patient_may_list(*, user: User) -> bool:
    """Whether the user may see patients at all (administrators and role-less users may not)."""
    return user.is_active and (
        user.has_perm("accounts.view_clinical") or user.has_perm("accounts.manage_demographics")
    )


def patient_get_visible(*, user: User, patient_id: int) -> Patient | None:
    """The patient if the user may see them, else None (physiotherapists: assigned only)."""
    return (
        patient_visible_to(user=user)
        .select_related("physiotherapist")
        .filter(pk=patient_id)
        .first()
    )


def patient_mrn_taken(*, mrn: str, exclude_id: int | None = None) -> bool:
    qs = Patient.objects.filter(mrn__iexact=mrn.strip())
    if exclude_id is not None:
        qs = qs.exclude(id=exclude_id)
    return qs.exists()


# ---------------------------------------------------------------- the chart's timeline


@dataclass(frozen=True, slots=True)
class RedFlagBrief:
    title: str
    urgency: str
    action: str = ""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing on a patient's chart, newest first: an evaluation or an assessment."""

    kind: str  # "evaluation" | "assessment"
    day: dt.date
    at: dt.datetime
    evaluation: Evaluation | None = None
    assessment: Assessment | None = None
    red_flags: tuple[RedFlagBrief, ...] = ()


def red_flag_briefs(items: object) -> tuple[RedFlagBrief, ...]:
    """Titles and urgencies from an Assessment's stored ``result["red_flags"]``."""
    if not isinstance(items, list):
        return ()
    return tuple(
        RedFlagBrief(
            title=str(item.get("title", "")),
            urgency=str(item.get("urgency", "")),
            action=" ".join(str(item.get("action", "")).split()),
        )
        for item in items
        if isinstance(item, dict)
    )


def patient_timeline(*, patient_id: int) -> list[TimelineEntry]:
    """Evaluations and assessments of one patient, newest first, in two queries.

    The stored Assessment JSON is not loaded whole: only its red flags and the leading
    diagnosis (``leading_diagnosis``, ``leading_likelihood``) are read from it.
    """
    evaluations = (
        Evaluation.objects.filter(patient_id=patient_id)
        .defer("record", "form_state")
        .select_related("created_by")
    )
    assessments = (
        Assessment.objects.filter(patient_id=patient_id)
        .defer("result", "rules_fired")
        .annotate(
            red_flag_items=KeyTransform("red_flags", "result"),
            leading_diagnosis=KeyTextTransform(
                "title", KeyTransform("0", KeyTransform("diagnoses", "result"))
            ),
            leading_likelihood=KeyTextTransform(
                "likelihood", KeyTransform("0", KeyTransform("diagnoses", "result"))
            ),
        )
        .select_related("created_by")
    )
    entries = [
        TimelineEntry(kind="evaluation", day=e.evaluation_date, at=e.created_at, evaluation=e)
        for e in evaluations
    ]
    entries += [
        TimelineEntry(
            kind="assessment",
            day=a.as_of,
            at=a.created_at,
            assessment=a,
            red_flags=red_flag_briefs(a.red_flag_items),
        )
        for a in assessments
    ]
    entries.sort(key=lambda entry: (entry.day, entry.at), reverse=True)
    return entries
