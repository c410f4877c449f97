"""Who may open which page: every role against every patient and clinic page.

Physiotherapists see only patients assigned to them (others are a 404, so their existence is
not revealed); front desk sees and edits demographics but no clinical notes; administrators
and users without a role see no patient data at all; anonymous users are sent to sign in.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from spinecare.web.patients.models import Patient
from webfactories import make_assessment, make_evaluation, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_kb() -> None:
    """Overrides conftest's: these pages use the KB as it is, so it is loaded once, not per test."""


# Who is signed in: a staff key, or None for anonymous. "physio_unassigned" is a
# physiotherapist looking at a patient assigned to somebody else.
PRINCIPALS = (
    "clinician",
    "physio_assigned",
    "physio_unassigned",
    "front_desk",
    "administrator",
    "no_role",
    "anonymous",
)

EXPECTED_GET: dict[str, dict[str, int]] = {
    #                 clin  physA physU desk  admin none  anon
    "home": dict(zip(PRINCIPALS, (200, 200, 200, 200, 200, 200, 302), strict=True)),
    "search": dict(zip(PRINCIPALS, (200, 200, 200, 200, 403, 403, 302), strict=True)),
    "create": dict(zip(PRINCIPALS, (200, 403, 403, 200, 403, 403, 302), strict=True)),
    "chart": dict(zip(PRINCIPALS, (200, 200, 404, 200, 403, 403, 302), strict=True)),
    "edit": dict(zip(PRINCIPALS, (200, 403, 403, 200, 403, 403, 302), strict=True)),
    "kb": dict(zip(PRINCIPALS, (200, 200, 200, 200, 200, 200, 302), strict=True)),
}


@pytest.fixture
def patient(staff: dict[str, User]) -> Patient:
    p = make_patient(family_name="Zebedee", physiotherapist=staff["physio"])
    evaluation = make_evaluation(patient=p, user=staff["clinician"])
    make_assessment(evaluation=evaluation, user=staff["clinician"], urgencies=("urgent",))
    return p


def _sign_in(client: Client, staff: dict[str, User], principal: str) -> None:
    key = {"physio_assigned": "physio", "physio_unassigned": "other_physio"}.get(
        principal, principal
    )
    if principal != "anonymous":
        client.force_login(staff[key])


def _url(view: str, patient: Patient) -> str:
    return {
        "home": reverse("clinic:home"),
        "search": reverse("patients:search"),
        "create": reverse("patients:create"),
        "chart": reverse("patients:chart", args=[patient.pk]),
        "edit": reverse("patients:edit", args=[patient.pk]),
        "kb": reverse("clinic:kb"),
    }[view]


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("view", list(EXPECTED_GET))
def test_get_permissions(
    client: Client, staff: dict[str, User], patient: Patient, view: str, principal: str
) -> None:
    """Each role gets exactly the status the access matrix gives it; anonymous signs in first."""
    _sign_in(client, staff, principal)
    url = _url(view, patient)

    response = client.get(url)

    assert response.status_code == EXPECTED_GET[view][principal], (view, principal)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("clinic:login") + "?next=")


@pytest.mark.parametrize(
    ("principal", "status"),
    [
        ("physio_assigned", 403),
        ("physio_unassigned", 403),
        ("administrator", 403),
        ("no_role", 403),
        ("anonymous", 302),
    ],
)
@pytest.mark.parametrize("view", ["create", "edit"])
def test_post_refused_changes_nothing(
    client: Client,
    staff: dict[str, User],
    patient: Patient,
    view: str,
    principal: str,
    status: int,
) -> None:
    """Roles that may not manage demographics cannot create or change a patient by POST."""
    _sign_in(client, staff, principal)
    data = {
        "given_name": "Changed",
        "family_name": "Name",
        "date_of_birth": "1980-01-01",
        "sex": "male",
        "mrn": "NEW-1",
    }

    response = client.post(_url(view, patient), data)

    assert response.status_code == status
    assert not Patient.objects.filter(mrn="NEW-1").exists()
    patient.refresh_from_db()
    assert patient.family_name == "Zebedee"


@pytest.mark.parametrize("principal", ["clinician", "physio_assigned"])
def test_chart_shows_the_timeline_to_clinical_roles(
    client: Client, staff: dict[str, User], patient: Patient, principal: str
) -> None:
    _sign_in(client, staff, principal)

    response = client.get(_url("chart", patient))

    assertContains(response, "Timeline")
    assertContains(response, "Possible spinal metastasis")


def test_chart_shows_front_desk_demographics_only(
    client: Client, staff: dict[str, User], patient: Patient
) -> None:
    """Front desk sees the demographics and an edit link, and nothing clinical."""
    _sign_in(client, staff, "front_desk")

    response = client.get(_url("chart", patient))

    assertContains(response, "Demographics")
    assertContains(response, reverse("patients:edit", args=[patient.pk]))
    assertNotContains(response, "Timeline")
    assertNotContains(response, "Possible spinal metastasis")
    assertNotContains(response, "Assessment")
    assertNotContains(response, "Evaluation")


def test_physio_chart_has_no_edit_link(
    client: Client, staff: dict[str, User], patient: Patient
) -> None:
    _sign_in(client, staff, "physio_assigned")

    response = client.get(_url("chart", patient))

    assertNotContains(response, reverse("patients:edit", args=[patient.pk]))


@pytest.mark.parametrize(
    ("principal", "sees_patient"),
    [
        ("clinician", True),
        ("physio_assigned", True),
        ("physio_unassigned", False),
        ("front_desk", True),
    ],
)
def test_search_lists_only_visible_patients(
    client: Client, staff: dict[str, User], patient: Patient, principal: str, sees_patient: bool
) -> None:
    _sign_in(client, staff, principal)

    response = client.get(reverse("patients:search"), {"q": "Zebedee"})

    assert ("ZEBEDEE" in response.content.decode()) is sees_patient


@pytest.mark.parametrize(
    ("principal", "worklist"),
    [
        ("clinician", True),
        ("physio_assigned", True),
        ("front_desk", False),
        ("administrator", False),
        ("no_role", False),
    ],
)
def test_home_is_the_worklist_for_clinical_roles_only(
    client: Client, staff: dict[str, User], patient: Patient, principal: str, worklist: bool
) -> None:
    """The worklist (with patient names) is for clinical roles; others get a start page."""
    _sign_in(client, staff, principal)

    response = client.get(reverse("clinic:home"))

    assert ("Open red flags" in response.content.decode()) is worklist
    assert ("ZEBEDEE" in response.content.decode()) is worklist


def test_worklist_of_an_unassigned_physio_omits_the_patient(
    client: Client, staff: dict[str, User], patient: Patient
) -> None:
    _sign_in(client, staff, "physio_unassigned")

    response = client.get(reverse("clinic:home"))

    assertContains(response, "Open red flags")
    assertNotContains(response, "ZEBEDEE")


@pytest.mark.parametrize(
    ("principal", "links"),
    [
        ("clinician", ("Worklist", "Patients", "Knowledge base")),
        ("front_desk", ("Home", "Patients", "Knowledge base")),
        ("administrator", ("Home", "Knowledge base", "Administration")),
    ],
)
def test_navigation_offers_what_the_role_may_use(
    client: Client, staff: dict[str, User], principal: str, links: tuple[str, ...]
) -> None:
    _sign_in(client, staff, principal)

    nav = client.get(reverse("clinic:home")).content.decode().split('aria-label="Main"')[1]
    nav = nav.split("</nav>")[0]

    for link in links:
        assert f">{link}</a>" in nav
    if principal == "administrator":
        assert ">Patients</a>" not in nav
