"""Creating and editing demographics: validation next to the field, duplicate warning, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from spinecare.web.audit.models import AuditEvent
from spinecare.web.patients.models import Patient
from webfactories import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_kb() -> None:
    """Overrides conftest's: these pages use the KB as it is, so it is loaded once, not per test."""


def _data(**overrides: Any) -> dict[str, Any]:
    data = {
        "given_name": "Robin",
        "family_name": "Newcomer",
        "date_of_birth": "1981-06-15",
        "sex": "other",
        "mrn": "NEW-0001",
        "phone": "01632 960999",
        "email": "robin@example.org",
        "address": "1 Test Road",
        "physiotherapist": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def desk(client: Client, staff: dict[str, User]) -> Client:
    client.force_login(staff["front_desk"])
    return client


def test_create_form_is_labelled_in_keyboard_order(desk: Client) -> None:
    """Every field has a label; the fields come in the order they are asked."""
    response = desk.get(reverse("patients:create"))

    html = response.content.decode()
    order = [
        "id_given_name",
        "id_family_name",
        "id_date_of_birth",
        "id_sex",
        "id_mrn",
        "id_phone",
        "id_email",
        "id_address",
        "id_physiotherapist",
    ]
    for field_id in order:
        assertContains(response, f'<label for="{field_id}">')
    positions = [html.index(f'id="{field_id}"') for field_id in order]
    assert positions == sorted(positions)
    assert 'tabindex="' not in html.split("<form", 1)[1].split("</form>")[0]


def test_create_offers_physiotherapists_only(desk: Client, staff: dict[str, User]) -> None:
    response = desk.get(reverse("patients:create"))

    choices = {
        str(label) for _, label in response.context["form"].fields["physiotherapist"].choices
    }
    assert "Pip Physio (physio1)" in choices
    assert not any("clin" in c for c in choices)


def test_create_patient(desk: Client, staff: dict[str, User]) -> None:
    """A valid form creates the patient, audits it and shows the new chart."""
    response = desk.post(reverse("patients:create"), _data(physiotherapist=staff["physio"].pk))

    patient = Patient.objects.get(mrn="NEW-0001")
    assertRedirects(
        response, reverse("patients:chart", args=[patient.pk]), fetch_redirect_response=False
    )
    assert patient.physiotherapist == staff["physio"]
    assert patient.date_of_birth == dt.date(1981, 6, 15)
    event = AuditEvent.objects.get(action="create", object_type="patient")
    assert event.patient == patient
    assert event.user == staff["front_desk"]
    followed = desk.get(response["Location"])
    assertContains(followed, "Patient Robin Newcomer created.")


@pytest.mark.parametrize("typed", ["15/06/1981", "15.06.1981", "15-06-1981", "1981-06-15"])
def test_create_accepts_day_first_and_iso_dates(desk: Client, typed: str) -> None:
    desk.post(reverse("patients:create"), _data(date_of_birth=typed))

    assert Patient.objects.get(mrn="NEW-0001").date_of_birth == dt.date(1981, 6, 15)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("given_name", "", "This field is required."),
        ("family_name", "  ", "This field is required."),
        ("date_of_birth", "not a date", "Enter a valid date."),
        ("date_of_birth", "1899-12-31", "Date of birth must be after 1 January 1900."),
        ("sex", "", "This field is required."),
        ("mrn", "", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_validation_error_is_named_next_to_the_field(
    desk: Client, field: str, value: str, message: str
) -> None:
    """The error sits with its field (described by it, marked invalid) and in the summary."""
    response = desk.post(reverse("patients:create"), _data(**{field: value}))

    assert response.status_code == 200
    assert not Patient.objects.exists()
    html = response.content.decode()
    error_list = html.split(f'id="id_{field}_error"', 1)[1].split("</ul>", 1)[0]
    assert message in error_list
    field_html = (
        html.split(f'id="id_{field}"', 1)[0].rsplit("<", 1)[1]
        + html.split(f'id="id_{field}"', 1)[1].split(">", 1)[0]
    )
    assert 'aria-invalid="true"' in field_html
    assert f"id_{field}_error" in field_html
    assertContains(response, 'class="error-summary"')
    assertContains(response, f'href="#id_{field}"')
    assert not AuditEvent.objects.filter(action="create").exists()


def test_future_date_of_birth_is_refused(desk: Client) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = desk.post(reverse("patients:create"), _data(date_of_birth=tomorrow.isoformat()))

    assertContains(response, "Date of birth must be today or in the past.")


def test_taken_mrn_is_refused_whatever_its_case(desk: Client) -> None:
    make_patient(mrn="NEW-0001", family_name="Other")

    response = desk.post(reverse("patients:create"), _data(mrn="new-0001"))

    assertContains(response, "Another patient already has this MRN.")
    assert Patient.objects.count() == 1


def test_entered_values_survive_a_validation_error(desk: Client) -> None:
    response = desk.post(reverse("patients:create"), _data(mrn=""))

    assertContains(response, 'value="Robin"')
    assertContains(response, 'value="1981-06-15"')  # as typed
    assertContains(response, "1 Test Road")


# ---------------------------------------------------------------- duplicates


@pytest.fixture
def existing() -> Patient:
    return make_patient(
        given_name="Robyn", family_name="NEWCOMER", date_of_birth=dt.date(1981, 6, 15), mrn="OLD-1"
    )


def test_duplicate_warning_stops_creation(desk: Client, existing: Patient) -> None:
    """Same family name and date of birth: the matches are shown and nothing is created."""
    response = desk.post(reverse("patients:create"), _data())

    assert response.status_code == 200
    assert not Patient.objects.filter(mrn="NEW-0001").exists()
    assertContains(response, "Possible duplicate patient")
    assertContains(response, "OLD-1")
    assertContains(response, reverse("patients:chart", args=[existing.pk]))
    assertContains(response, f'name="confirm_duplicates" value="{existing.pk}"')
    assertContains(response, "Create anyway")
    assertContains(response, 'value="Robin"')  # nothing typed is lost


def test_duplicate_warning_enter_key_does_not_confirm(desk: Client, existing: Patient) -> None:
    """The first submit button (the one Enter presses) only checks again."""
    response = desk.post(reverse("patients:create"), _data())

    form = response.content.decode().split('<form method="post" class="form"', 1)[1]
    first_button = form.split("<button", 2)[1]
    assert "confirm_duplicates" not in first_button
    assert "Check again" in first_button


def test_create_anyway_after_confirmation(desk: Client, existing: Patient) -> None:
    response = desk.post(reverse("patients:create"), _data(confirm_duplicates=str(existing.pk)))

    patient = Patient.objects.get(mrn="NEW-0001")
    assertRedirects(response, reverse("patients:chart", args=[patient.pk]))


def test_confirmation_covers_only_the_patients_shown(desk: Client, existing: Patient) -> None:
    """A confirmation given for other patients does not cover a new match."""
    other = make_patient(family_name="Newcomer", date_of_birth=dt.date(1981, 6, 15), mrn="OLD-2")

    response = desk.post(reverse("patients:create"), _data(confirm_duplicates=str(existing.pk)))

    assert response.status_code == 200
    assertContains(response, "Possible duplicate patient")
    assertContains(response, f'value="{existing.pk},{other.pk}"')
    assert not Patient.objects.filter(mrn="NEW-0001").exists()


def test_no_warning_for_a_different_birth_date(desk: Client, existing: Patient) -> None:
    response = desk.post(reverse("patients:create"), _data(date_of_birth="1981-06-16"))

    assert response.status_code == 302


# ---------------------------------------------------------------- editing


@pytest.fixture
def patient(staff: dict[str, User]) -> Patient:
    return make_patient(
        given_name="Sam",
        family_name="Edit",
        date_of_birth=dt.date(1960, 2, 29),
        mrn="ED-1",
        physiotherapist=staff["physio"],
    )


def _as_post(patient: Patient, **changes: Any) -> dict[str, Any]:
    data = {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "mrn": patient.mrn,
        "phone": patient.phone,
        "email": patient.email,
        "address": patient.address,
        "physiotherapist": patient.physiotherapist_id or "",
    }
    data.update(changes)
    return data


def test_edit_form_shows_the_current_demographics_and_audits_the_view(
    desk: Client, patient: Patient, staff: dict[str, User]
) -> None:
    response = desk.get(reverse("patients:edit", args=[patient.pk]))

    assertContains(response, 'value="Sam"')
    assertContains(response, 'value="29/02/1960"')
    assertContains(response, f'<option value="{staff["physio"].pk}" selected>', html=False)
    event = AuditEvent.objects.get(action="view")
    assert (event.patient, event.user, event.detail) == (
        patient,
        staff["front_desk"],
        {"page": "demographics_form"},
    )


def test_edit_saves_and_audits_the_fields_changed(
    desk: Client, patient: Patient, staff: dict[str, User]
) -> None:
    response = desk.post(
        reverse("patients:edit", args=[patient.pk]),
        _as_post(patient, phone="01632 960123", physiotherapist=""),
    )

    assertRedirects(response, reverse("patients:chart", args=[patient.pk]))
    patient.refresh_from_db()
    assert patient.phone == "01632 960123"
    assert patient.physiotherapist is None
    event = AuditEvent.objects.get(action="update")
    assert event.patient == patient
    assert sorted(event.detail["fields"]) == ["phone", "physiotherapist"]
    assert "01632" not in str(event.detail)


def test_edit_without_changes_writes_no_update(desk: Client, patient: Patient) -> None:
    response = desk.post(reverse("patients:edit", args=[patient.pk]), _as_post(patient))

    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="update").exists()
    assertContains(desk.get(response["Location"]), "No changes to save.")


def test_edit_validation_error_next_to_the_field(desk: Client, patient: Patient) -> None:
    response = desk.post(reverse("patients:edit", args=[patient.pk]), _as_post(patient, mrn=""))

    assertContains(response, 'id="id_mrn_error"')
    patient.refresh_from_db()
    assert patient.mrn == "ED-1"


def test_edit_keeps_its_own_mrn(desk: Client, patient: Patient) -> None:
    """The patient's own MRN is not "taken"."""
    response = desk.post(
        reverse("patients:edit", args=[patient.pk]), _as_post(patient, given_name="Samuel")
    )

    assert response.status_code == 302


def test_edit_warns_when_the_identity_becomes_a_duplicate(desk: Client, patient: Patient) -> None:
    other = make_patient(family_name="Other", date_of_birth=dt.date(1960, 2, 29), mrn="OT-1")

    response = desk.post(
        reverse("patients:edit", args=[patient.pk]), _as_post(patient, family_name="other")
    )

    assertContains(response, "Possible duplicate patient")
    assertContains(response, "Save anyway")
    patient.refresh_from_db()
    assert patient.family_name == "Edit"
    confirmed = desk.post(
        reverse("patients:edit", args=[patient.pk]),
        _as_post(patient, family_name="other", confirm_duplicates=str(other.pk)),
    )
    assert confirmed.status_code == 302
    patient.refresh_from_db()
    assert patient.family_name == "other"


def test_edit_does_not_warn_again_when_identity_is_unchanged(
    desk: Client, patient: Patient
) -> None:
    """A pair already confirmed as different people is not questioned on every phone change."""
    make_patient(family_name="Edit", date_of_birth=dt.date(1960, 2, 29), mrn="TWIN-1")

    response = desk.post(
        reverse("patients:edit", args=[patient.pk]), _as_post(patient, phone="01632 960000")
    )

    assert response.status_code == 302


def test_clinician_may_edit_demographics(
    client: Client, staff: dict[str, User], patient: Patient
) -> None:
    client.force_login(staff["clinician"])

    response = client.post(
        reverse("patients:edit", args=[patient.pk]), _as_post(patient, email="sam@example.org")
    )

    assert response.status_code == 302
    assertNotContains(client.get(response["Location"]), "There is a problem")
