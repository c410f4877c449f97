"""Writes for patients: every change is audited in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from spinecare.web.audit.models import Action
from spinecare.web.audit.services import audit_record
from spinecare.web.patients.models import Patient

DEMOGRAPHIC_FIELDS = (
    "mrn",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address",
    "physiotherapist",
)


@transaction.atomic
def patient_create(
    *,
    user: User | None,
    mrn: str,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date,
    sex: str = "unknown",
    email: str = "",
    phone: str = "",
    address: str = "",
    physiotherapist: User | None = None,
) -> Patient:
    patient = Patient(
        mrn=mrn.strip(),
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        date_of_birth=date_of_birth,
        sex=sex,
        email=email.strip(),
        phone=phone.strip(),
        address=address.strip(),
        physiotherapist=physiotherapist,
    )
    patient.full_clean()
    patient.save()
    audit_record(
        user=user,
        action=Action.CREATE,
        object_type="patient",
        object_id=patient.pk,
        patient=patient,
    )
    return patient


@transaction.atomic
def patient_update(*, user: User | None, patient: Patient, **changes: Any) -> Patient:
    """Change demographics; the audit event lists the fields changed (not their values)."""
    unknown = set(changes) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise ValidationError(f"not demographic fields: {', '.join(sorted(unknown))}")
    changed = [name for name, value in changes.items() if getattr(patient, name) != value]
    for name in changed:
        setattr(patient, name, changes[name])
    if changed:
        patient.full_clean()
        patient.save()
        audit_record(
            user=user,
            action=Action.UPDATE,
            object_type="patient",
            object_id=patient.pk,
            patient=patient,
            detail={"fields": changed},
        )
    return patient


def patient_record_view(*, user: User, patient: Patient, page: str) -> None:
    """Audit that ``user`` saw ``patient``'s record on ``page`` (``chart``, ``demographics``)."""
    audit_record(
        user=user,
        action=Action.VIEW,
        object_type="patient",
        object_id=patient.pk,
        patient=patient,
        detail={"page": page},
    )


def patient_record_search(*, user: User, result_count: int) -> None:
    """Audit a patient search. Never the query: it may hold a name or a date of birth."""
    audit_record(
        user=user,
        action=Action.SEARCH,
        object_type="patient",
        detail={"results": result_count},
    )
