"""``seed_demo`` also loads ~25 synthetic patients and their evaluations, idempotently."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from spinecare.web.audit.models import AuditEvent
from spinecare.web.demo_patients import DEMO_PATIENTS
from spinecare.web.evaluations.models import Assessment, Evaluation, EvaluationStatus
from spinecare.web.patients.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_kb() -> None:
    """Overrides conftest's: these pages use the KB as it is, so it is loaded once, not per test."""


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_patients_are_synthetic_and_spread() -> None:
    _seed()

    patients = Patient.objects.filter(mrn__startswith="DEMO-")
    assert patients.count() == len(DEMO_PATIENTS) == 25
    assert set(patients.values_list("sex", flat=True)) == {"female", "male", "other"}
    ages = sorted(p.age_on(p.updated_at.date()) for p in patients)
    assert ages[0] < 25
    assert ages[-1] > 80
    physio = User.objects.get(username="physio")
    assert 5 <= patients.filter(physiotherapist=physio).count() < 25
    assert all(p.email.endswith("@example.org") for p in patients)


def test_demo_clinical_data_covers_the_worklist() -> None:
    """Red-flag cases of several urgencies, drafts to finish, and follow-up visits."""
    _seed()

    urgencies = set(
        Assessment.objects.exclude(highest_urgency="").values_list("highest_urgency", flat=True)
    )
    assert {"emergency", "urgent"} <= urgencies
    flags = {f for a in Assessment.objects.all() for f in a.red_flags}
    assert "cauda-equina-syndrome" in flags
    assert "spinal-malignancy" in flags
    assert Evaluation.objects.filter(status=EvaluationStatus.DRAFT).count() >= 2
    assert Assessment.objects.filter(highest_urgency="").count() >= 10
    physio = User.objects.get(username="physio")
    assert Evaluation.objects.filter(patient__physiotherapist=physio).exists()
    several = [p for p in Patient.objects.all() if p.evaluations.count() >= 3]
    assert several


def test_demo_seed_twice_changes_nothing() -> None:
    _seed()
    counts = (Patient.objects.count(), Evaluation.objects.count(), Assessment.objects.count())
    events = AuditEvent.objects.count()

    out = _seed()

    assert (
        Patient.objects.count(),
        Evaluation.objects.count(),
        Assessment.objects.count(),
    ) == counts
    assert AuditEvent.objects.count() == events
    assert "demo patients: 0 created, 25 already there" in out
    assert "demo evaluations: 0 completed, 0 drafts" in out
