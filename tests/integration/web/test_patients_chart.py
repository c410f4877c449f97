"""The patient chart: demographics and, for clinical roles, the timeline; audited; no-store."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from spinecare.web.audit.models import AuditEvent
from spinecare.web.evaluations.models import EvaluationStatus
from spinecare.web.evaluations.services import (
    evaluation_complete,
    evaluation_save,
    evaluation_start,
)
from spinecare.web.patients.models import Patient
from webfactories import make_assessment, make_evaluation, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_kb() -> None:
    """Overrides conftest's: these pages use the KB as it is, so it is loaded once, not per test."""


@pytest.fixture
def patient(staff: dict[str, User]) -> Patient:
    return make_patient(
        given_name="Chartie", family_name="Timeline", physiotherapist=staff["physio"]
    )


@pytest.fixture
def signed_in(client: Client, staff: dict[str, User]) -> Client:
    client.force_login(staff["clinician"])
    return client


def _chart(client: Client, patient: Patient) -> str:
    response = client.get(reverse("patients:chart", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_chart_shows_demographics(signed_in: Client, patient: Patient) -> None:
    html = _chart(signed_in, patient)

    assert "<h1>Chartie TIMELINE</h1>" in html
    assert "17 May 1970" in html
    assert "Pip Physio" in html
    assert "No evaluations yet." in html


def test_timeline_newest_first_with_status_and_red_flags(
    signed_in: Client, staff: dict[str, User], patient: Patient
) -> None:
    """Drafts and completed evaluations, and assessments with their red flags, newest first."""
    today = timezone.localdate()
    old = make_evaluation(
        patient=patient, user=staff["clinician"], day=today - dt.timedelta(days=90)
    )
    make_assessment(evaluation=old, user=staff["clinician"])
    recent = make_evaluation(
        patient=patient, user=staff["clinician"], day=today - dt.timedelta(days=3)
    )
    make_assessment(
        evaluation=recent,
        user=staff["clinician"],
        urgencies=("emergency", "soon"),
        diagnosis="Cauda equina syndrome",
    )
    make_evaluation(patient=patient, user=staff["clinician"], day=today)

    html = _chart(signed_in, patient)

    timeline = html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    items = timeline.split('<li class="timeline__item')[1:]
    kinds = [item.split('"', 1)[0].split()[0] for item in items]
    assert kinds == [
        "timeline__item--evaluation",  # today's draft
        "timeline__item--assessment",  # 3 days ago, flagged
        "timeline__item--evaluation",
        "timeline__item--assessment",  # 90 days ago, no flags
        "timeline__item--evaluation",
    ]
    assert "Draft" in items[0]
    assert "Complete" in items[2]
    assert "Red flags: " in items[1]
    assert '<span class="urgency urgency--emergency">Emergency</span>' in items[1]
    assert "Suspected cauda equina syndrome" in items[1]
    assert "Act: emergency." in items[1]  # the action of an unacknowledged flag
    assert "Soon" in items[1]
    assert "KB 9.8.7" in items[1]
    assert "Leading diagnosis: Cauda equina syndrome" in items[1]
    assert "Leading diagnosis" not in items[3]
    assert "No red flags raised." in items[3]


def test_acknowledged_flags_do_not_repeat_the_action(
    signed_in: Client, staff: dict[str, User], patient: Patient
) -> None:
    evaluation = make_evaluation(patient=patient, user=staff["clinician"])
    make_assessment(
        evaluation=evaluation, user=staff["clinician"], urgencies=("urgent",), acknowledged=True
    )

    html = _chart(signed_in, patient)

    assert "Red flags acknowledged" in html
    assert "Act: urgent." not in html


def test_chart_with_a_real_assessment(
    signed_in: Client, staff: dict[str, User], patient: Patient
) -> None:
    """A completed evaluation through the services: the engine's red flag reaches the chart."""
    clinician = staff["clinician"]
    evaluation = evaluation_start(
        user=clinician, patient=patient, evaluation_date=timezone.localdate()
    )
    evaluation_save(
        user=clinician,
        evaluation=evaluation,
        record={"history": {"urinary_retention": True, "pain_sites": ["axial", "below_knee"]}},
    )
    assessment = evaluation_complete(user=clinician, evaluation=evaluation)

    html = _chart(signed_in, patient)

    assert assessment.highest_urgency == "emergency"
    assert "Suspected cauda equina syndrome" in html
    assert '<span class="urgency urgency--emergency">Emergency</span>' in html
    assert f"KB {assessment.kb_version}" in html


def test_chart_view_is_audited(signed_in: Client, staff: dict[str, User], patient: Patient) -> None:
    _chart(signed_in, patient)

    event = AuditEvent.objects.get(action="view")
    assert event.user == staff["clinician"]
    assert event.patient == patient
    assert (event.object_type, event.object_id) == ("patient", str(patient.pk))
    assert event.detail == {"page": "chart"}


def test_front_desk_view_is_audited_as_demographics(
    client: Client, staff: dict[str, User], patient: Patient
) -> None:
    client.force_login(staff["front_desk"])

    _chart(client, patient)

    assert AuditEvent.objects.get(action="view").detail == {"page": "demographics"}


def test_refused_chart_writes_no_view_event(
    client: Client, staff: dict[str, User], patient: Patient
) -> None:
    client.force_login(staff["other_physio"])

    assert client.get(reverse("patients:chart", args=[patient.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="view").exists()


def test_signed_in_pages_are_not_stored(signed_in: Client, patient: Patient) -> None:
    """Pages with patient data carry Cache-Control: no-store (and private)."""
    response = signed_in.get(reverse("patients:chart", args=[patient.pk]))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_start_evaluation_link_for_clinicians_only(
    client: Client, staff: dict[str, User], patient: Patient
) -> None:
    try:
        start_url = reverse("evaluations:start", args=[patient.pk])
    except NoReverseMatch:
        pytest.skip("the evaluation pages (evaluations:start) are not there yet")
    client.force_login(staff["clinician"])
    assertContains(client.get(reverse("patients:chart", args=[patient.pk])), start_url)
    client.force_login(staff["physio"])
    assertNotContains(client.get(reverse("patients:chart", args=[patient.pk])), start_url)


def test_chart_query_count_does_not_grow_with_the_timeline(
    signed_in: Client,
    staff: dict[str, User],
    patient: Patient,
    django_assert_max_num_queries: object,
) -> None:
    """20 evaluations with 20 assessments cost the same few queries as one (no N+1)."""
    today = timezone.localdate()
    for i in range(20):
        evaluation = make_evaluation(
            patient=patient, user=staff["clinician"], day=today - dt.timedelta(days=7 * i)
        )
        if i % 4:
            make_assessment(evaluation=evaluation, user=staff["clinician"], urgencies=("urgent",))
        else:
            make_assessment(evaluation=evaluation, user=staff["clinician"])
    make_evaluation(patient=patient, user=staff["physio"], status=EvaluationStatus.DRAFT)

    with django_assert_max_num_queries(8):  # type: ignore[operator]
        html = _chart(signed_in, patient)

    assert html.count('class="timeline__item ') == 41
