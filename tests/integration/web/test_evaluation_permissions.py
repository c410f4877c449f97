"""Who may do what with evaluations and assessments, and that every view is audited.

Clinicians do everything. Physiotherapists may read evaluations and assessments of patients
assigned to them (others are a 404, so their existence is not revealed) but not start, change,
complete, revise or acknowledge. Front desk and administrators: 403. Anonymous: sign in.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from spinecare.web.audit.models import AuditEvent
from spinecare.web.evaluations.models import Assessment, Evaluation
from webfactories import make_assessment, make_evaluation, make_patient

pytestmark = pytest.mark.django_db

PRINCIPALS = (
    "clinician",
    "physio_assigned",
    "physio_unassigned",
    "front_desk",
    "administrator",
    "no_role",
    "anonymous",
)


def _row(*codes: int) -> dict[str, int]:
    return dict(zip(PRINCIPALS, codes, strict=True))


#                          clin  physA physU desk  admin none  anon
EXPECTED_GET = {
    "index": _row(200, 200, 200, 403, 403, 403, 302),
    "start": _row(200, 403, 403, 403, 403, 403, 302),
    "edit": _row(302, 302, 404, 403, 403, 403, 302),
    "step": _row(200, 200, 404, 403, 403, 403, 302),
    "review": _row(200, 200, 404, 403, 403, 403, 302),
    "assessment": _row(200, 200, 404, 403, 403, 403, 302),
}
EXPECTED_POST = {
    "start": _row(302, 403, 403, 403, 403, 403, 302),
    "step": _row(302, 403, 403, 403, 403, 403, 302),
    "autosave": _row(200, 403, 403, 403, 403, 403, 401),
    "complete": _row(302, 403, 403, 403, 403, 403, 302),
    "revise": _row(302, 403, 403, 403, 403, 403, 302),
    "acknowledge": _row(302, 403, 403, 403, 403, 403, 302),
}


@pytest.fixture
def objects(staff: dict[str, User]) -> dict[str, object]:
    patient = make_patient(family_name="Permtest", physiotherapist=staff["physio"])
    draft = make_evaluation(patient=patient, user=staff["clinician"])
    done = make_evaluation(patient=patient, user=staff["clinician"])
    assessment = make_assessment(evaluation=done, user=staff["clinician"], urgencies=("urgent",))
    return {"patient": patient, "draft": draft, "done": done, "assessment": assessment}


def _sign_in(client: Client, staff: dict[str, User], principal: str) -> None:
    key = {"physio_assigned": "physio", "physio_unassigned": "other_physio"}.get(
        principal, principal
    )
    if principal != "anonymous":
        client.force_login(staff[key])


def _url(view: str, o: dict[str, object]) -> str:
    patient, draft, done, assessment = o["patient"], o["draft"], o["done"], o["assessment"]
    assert isinstance(draft, Evaluation)
    assert isinstance(done, Evaluation)
    assert isinstance(assessment, Assessment)
    return {
        "index": lambda: reverse("evaluations:index"),
        "start": lambda: reverse("evaluations:start", args=[patient.pk]),  # type: ignore[attr-defined]
        "edit": lambda: reverse("evaluations:edit", args=[draft.pk]),
        "step": lambda: reverse("evaluations:step", args=[draft.pk, "history"]),
        "autosave": lambda: reverse("evaluations:autosave", args=[draft.pk, "history"]),
        "review": lambda: reverse("evaluations:review", args=[draft.pk]),
        "complete": lambda: reverse("evaluations:complete", args=[draft.pk]),
        "revise": lambda: reverse("evaluations:revise", args=[done.pk]),
        "assessment": lambda: reverse("evaluations:assessment", args=[assessment.pk]),
        "acknowledge": lambda: reverse("evaluations:acknowledge", args=[assessment.pk]),
    }[view]()


POST_DATA = {
    "start": {"evaluation_date": "2026-03-01"},
    "step": {"history-mechanism": "fall", "goto": "stay"},
    "autosave": {"history-mechanism": "fall"},
}


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("view", sorted(EXPECTED_GET))
def test_get_permissions(
    client: Client, staff: dict[str, User], objects: dict[str, object], principal: str, view: str
) -> None:
    _sign_in(client, staff, principal)

    response = client.get(_url(view, objects))

    assert response.status_code == EXPECTED_GET[view][principal]
    if principal == "anonymous":
        assert response["Location"].startswith(reverse("clinic:login"))


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("view", sorted(EXPECTED_POST))
def test_post_permissions(
    client: Client, staff: dict[str, User], objects: dict[str, object], principal: str, view: str
) -> None:
    _sign_in(client, staff, principal)

    response = client.post(_url(view, objects), POST_DATA.get(view, {}))

    assert response.status_code == EXPECTED_POST[view][principal]


def test_physio_reads_a_step_without_a_form(
    client: Client, staff: dict[str, User], objects: dict[str, object]
) -> None:
    client.force_login(staff["physio"])

    page = client.get(_url("step", objects)).content.decode()

    assert "ev-readonly-fields" in page
    assert 'id="step-form"' not in page
    assert "Revise" not in page


def test_physio_sees_no_acknowledge_button(
    client: Client, staff: dict[str, User], objects: dict[str, object]
) -> None:
    client.force_login(staff["physio"])

    page = client.get(_url("assessment", objects)).content.decode()

    assert "Not yet acknowledged" in page
    assert reverse("evaluations:acknowledge", args=[objects["assessment"].pk]) not in page  # type: ignore[attr-defined]


@pytest.mark.parametrize("view", ["index", "step", "review", "assessment", "start"])
def test_every_page_view_is_audited(
    client: Client, staff: dict[str, User], objects: dict[str, object], view: str
) -> None:
    client.force_login(staff["clinician"])
    before = AuditEvent.objects.filter(action="view").count()

    client.get(_url(view, objects))

    event = AuditEvent.objects.filter(action="view").latest("id")
    assert AuditEvent.objects.filter(action="view").count() == before + 1
    assert event.user == staff["clinician"]
    if view != "index":
        assert event.patient == objects["patient"]
