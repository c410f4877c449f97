"""Small factories for the web integration tests: staff in each role, patients, evaluations.

Patients go through ``patient_create`` (the service); evaluations and assessments are written
directly, with a stored result shaped like ``Assessment.to_dict()``, so that page tests do not
depend on what the knowledge base concludes today.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from spinecare.web.accounts.roles import Role
from spinecare.web.accounts.services import user_create
from spinecare.web.evaluations.models import Assessment, Evaluation, EvaluationStatus
from spinecare.web.patients.models import Patient
from spinecare.web.patients.services import patient_create

PASSWORD = "correct-horse-battery"
_numbers = itertools.count(1)

RED_FLAG_TITLES = {
    "emergency": "Suspected cauda equina syndrome",
    "urgent": "Possible spinal metastasis",
    "soon": "Possible osteoporotic vertebral fracture",
    "routine": "Feature that can point to spinal malignancy",
}


def make_user(role: Role | None, username: str | None = None, **names: str) -> User:
    username = username or f"{role.value if role else 'nobody'}-{next(_numbers)}"
    if role is None:
        return User.objects.create_user(username=username, password=PASSWORD)
    return user_create(username=username, password=PASSWORD, role=role, **names)


def make_patient(
    *,
    family_name: str = "Testperson",
    given_name: str = "Alex",
    date_of_birth: dt.date = dt.date(1970, 5, 17),
    mrn: str | None = None,
    physiotherapist: User | None = None,
    sex: str = "female",
) -> Patient:
    return patient_create(
        user=None,
        mrn=mrn or f"TEST-{next(_numbers):05d}",
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        sex=sex,
        physiotherapist=physiotherapist,
    )


def make_evaluation(
    *,
    patient: Patient,
    user: User,
    day: dt.date | None = None,
    status: str = EvaluationStatus.DRAFT,
) -> Evaluation:
    return Evaluation.objects.create(
        patient=patient,
        evaluation_date=day or timezone.localdate(),
        status=status,
        record={"history": {"pain_sites": ["axial"]}},
        created_by=user,
        completed_at=timezone.now() if status == EvaluationStatus.COMPLETE else None,
    )


def make_assessment(
    *,
    evaluation: Evaluation,
    user: User,
    urgencies: tuple[str, ...] = (),
    acknowledged: bool = False,
    diagnosis: str = "",
) -> Assessment:
    """An assessment raising one red flag per urgency given (most urgent first)."""
    flags: list[dict[str, Any]] = [
        {
            "flag": f"flag-{urgency}",
            "title": RED_FLAG_TITLES[urgency],
            "urgency": urgency,
            "action": f"Act: {urgency}.",
            "basis": {"rule": "rule.x@1.0.0", "title": "", "findings": {}, "cites": []},
        }
        for urgency in urgencies
    ]
    if evaluation.status != EvaluationStatus.COMPLETE:
        evaluation.status = EvaluationStatus.COMPLETE
        evaluation.completed_at = timezone.now()
        evaluation.save(update_fields=["status", "completed_at"])
    return Assessment.objects.create(
        evaluation=evaluation,
        patient=evaluation.patient,
        as_of=evaluation.evaluation_date,
        profile="uk-nice",
        kb_version="9.8.7",
        kb_hash="sha256:" + "ab" * 32,
        rules_fired=[],
        highest_urgency=urgencies[0] if urgencies else "",
        red_flags=[f["flag"] for f in flags],
        result={
            "red_flags": flags,
            "diagnoses": [{"id": "dx", "title": diagnosis, "likelihood": "likely"}]
            if diagnosis
            else [],
            "trace": {"fired": []},
        },
        created_by=user,
        red_flags_acknowledged_at=timezone.now() if acknowledged else None,
    )
