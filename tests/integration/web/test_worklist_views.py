"""The worklist (home page for clinical roles): open red flags, drafts, recently seen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from spinecare.web.audit.models import AuditEvent
from spinecare.web.evaluations.models import EvaluationStatus
from spinecare.web.kb import get_kb
from spinecare.web.patients.models import Patient
from webfactories import make_assessment, make_evaluation, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_kb() -> None:
    """Overrides conftest's: these pages use the KB as it is, so it is loaded once, not per test."""


def _flagged(
    staff: dict[str, User],
    family_name: str,
    urgencies: tuple[str, ...],
    days_ago: int = 0,
    **kw: object,
) -> Patient:
    patient = make_patient(family_name=family_name, **kw)  # type: ignore[arg-type]
    evaluation = make_evaluation(
        patient=patient,
        user=staff["clinician"],
        day=timezone.localdate() - dt.timedelta(days=days_ago),
    )
    make_assessment(evaluation=evaluation, user=staff["clinician"], urgencies=urgencies)
    return patient


@pytest.fixture
def signed_in(client: Client, staff: dict[str, User]) -> Client:
    client.force_login(staff["clinician"])
    return client


def _section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_open_red_flags_most_urgent_first(signed_in: Client, staff: dict[str, User]) -> None:
    """Ordered by urgency (emergency, urgent, soon, routine), then newest; urgency as a word."""
    _flagged(staff, "Routineflag", ("routine",))
    _flagged(staff, "Soonflag", ("soon",))
    _flagged(staff, "Emergencyold", ("emergency",), days_ago=5)
    _flagged(staff, "Urgentflag", ("urgent", "routine"))
    _flagged(staff, "Emergencynew", ("emergency",))
    _flagged(staff, "Noflags", ())

    html = signed_in.get(reverse("clinic:home")).content.decode()

    section = _section(html, "redflags-heading")
    names = ["EMERGENCYNEW", "EMERGENCYOLD", "URGENTFLAG", "SOONFLAG", "ROUTINEFLAG"]
    positions = [section.index(name) for name in names]
    assert positions == sorted(positions)
    assert "NOFLAGS" not in section
    for word in ("Emergency", "Urgent", "Soon", "Routine"):
        assert f">{word}</span>" in section
    assert "Possible spinal metastasis" in section


def test_acknowledged_red_flags_leave_the_worklist(
    signed_in: Client, staff: dict[str, User]
) -> None:
    patient = make_patient(family_name="Acknowledged")
    evaluation = make_evaluation(patient=patient, user=staff["clinician"])
    make_assessment(
        evaluation=evaluation, user=staff["clinician"], urgencies=("emergency",), acknowledged=True
    )

    html = signed_in.get(reverse("clinic:home")).content.decode()

    assert "ACKNOWLEDGED" not in _section(html, "redflags-heading")
    assert "No open red flags." in html


def test_one_row_per_patient_at_their_most_urgent(
    signed_in: Client, staff: dict[str, User]
) -> None:
    patient = _flagged(staff, "Twice", ("soon",), days_ago=10)
    evaluation = make_evaluation(patient=patient, user=staff["clinician"])
    make_assessment(evaluation=evaluation, user=staff["clinician"], urgencies=("urgent",))

    section = _section(signed_in.get(reverse("clinic:home")).content.decode(), "redflags-heading")

    assert section.count("TWICE") == 1
    assert ">Urgent</span>" in section


def test_drafts_and_recently_seen(signed_in: Client, staff: dict[str, User]) -> None:
    drafty = make_patient(family_name="Drafty")
    make_evaluation(patient=drafty, user=staff["physio"], status=EvaluationStatus.DRAFT)
    seen = make_patient(family_name="Seenlast")
    make_evaluation(
        patient=seen,
        user=staff["clinician"],
        day=timezone.localdate() - dt.timedelta(days=2),
        status=EvaluationStatus.COMPLETE,
    )
    make_patient(family_name="Neverseen")

    html = signed_in.get(reverse("clinic:home")).content.decode()

    drafts = _section(html, "drafts-heading")
    assert "DRAFTY" in drafts
    assert "Pip Physio" in drafts
    assert "SEENLAST" not in drafts
    recent = _section(html, "recent-heading")
    assert recent.index("DRAFTY") < recent.index("SEENLAST")
    assert "NEVERSEEN" not in html


def test_physio_worklist_holds_assigned_patients_only(
    client: Client, staff: dict[str, User]
) -> None:
    _flagged(staff, "Mine", ("urgent",), physiotherapist=staff["physio"])
    _flagged(staff, "Notmine", ("emergency",), physiotherapist=staff["other_physio"])
    client.force_login(staff["physio"])

    html = client.get(reverse("clinic:home")).content.decode()

    assert "MINE" in html
    assert "NOTMINE" not in html


def test_worklist_keeps_the_kb_summary(signed_in: Client) -> None:
    kb = get_kb()

    response = signed_in.get(reverse("clinic:home"))

    assertContains(response, f"KB {kb.version}")
    assertContains(response, kb.short_hash)
    assertContains(response, reverse("clinic:kb"))
    assertContains(response, "<title>Worklist · SpineCare</title>", html=False)


def test_worklist_view_is_audited_with_the_patients_shown(
    signed_in: Client, staff: dict[str, User]
) -> None:
    flagged = _flagged(staff, "Audited", ("soon",))
    make_patient(family_name="Notshown")

    signed_in.get(reverse("clinic:home"))

    event = AuditEvent.objects.get(action="view", object_type="worklist")
    assert event.user == staff["clinician"]
    assert event.detail == {"patients": [flagged.pk]}


def test_front_desk_home_has_no_worklist_and_no_audit(
    client: Client, staff: dict[str, User]
) -> None:
    _flagged(staff, "Hidden", ("emergency",))
    client.force_login(staff["front_desk"])

    response = client.get(reverse("clinic:home"))

    assertNotContains(response, "HIDDEN")
    assertContains(response, reverse("patients:create"))
    assert not AuditEvent.objects.filter(object_type="worklist").exists()


def test_worklist_query_count_does_not_grow_with_patients(
    signed_in: Client, staff: dict[str, User], django_assert_max_num_queries: object
) -> None:
    """20 flagged patients, 20 drafts and 20 recently seen cost a fixed handful of queries."""
    for i in range(20):
        patient = _flagged(
            staff, f"Many{i:02d}", ("urgent", "soon") if i % 2 else ("emergency",), days_ago=i
        )
        make_evaluation(patient=patient, user=staff["clinician"], status=EvaluationStatus.DRAFT)

    with django_assert_max_num_queries(9):  # type: ignore[operator]
        html = signed_in.get(reverse("clinic:home")).content.decode()

    assert _section(html, "redflags-heading").count("MANY") == 20
    assert _section(html, "drafts-heading").count("MANY") == 20
    assert _section(html, "recent-heading").count("MANY") == 10
