"""The evaluation flow in the browser's place: start, steps as drafts, review, complete.

What is typed is saved first, valid or not; errors show next to their field; reload and
back/forward draw the page from what was typed; a POST from an expired session keeps its input;
completing stores an Assessment pinned to the KB version, hash and rules that fired.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from spinecare.web.audit.models import AuditEvent
from spinecare.web.evaluations.models import Assessment, Evaluation, EvaluationStatus
from spinecare.web.kb import get_kb
from spinecare.web.patients.models import Patient
from webfactories import PASSWORD, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician(staff: dict[str, User]) -> User:
    return staff["clinician"]


@pytest.fixture
def patient() -> Patient:
    return make_patient(family_name="Flowtest", date_of_birth=dt.date(1975, 3, 2))


@pytest.fixture
def draft(client: Client, clinician: User, patient: Patient) -> Evaluation:
    client.force_login(clinician)
    response = client.post(
        reverse("evaluations:start", args=[patient.pk]),
        {"evaluation_date": "2026-02-01", "profile": ""},
    )
    evaluation = Evaluation.objects.get(patient=patient)
    assertRedirects(
        response,
        reverse("evaluations:step", args=[evaluation.pk, "history"]),
        fetch_redirect_response=False,
    )
    return evaluation


def _step(evaluation: Evaluation, slug: str) -> str:
    return reverse("evaluations:step", args=[evaluation.pk, slug])


def _post(
    client: Client, evaluation: Evaluation, slug: str, data: dict[str, Any], goto: str = "next"
) -> Any:
    return client.post(_step(evaluation, slug), {**data, "goto": goto})


def test_start_page_offers_date_and_profile(
    client: Client, clinician: User, patient: Patient
) -> None:
    client.force_login(clinician)

    response = client.get(reverse("evaluations:start", args=[patient.pk]))

    assertContains(response, '<label for="id_evaluation_date">')
    assertContains(response, "Guideline profile")
    assert AuditEvent.objects.filter(
        patient=patient, action="view", detail__page="evaluation_start"
    ).exists()


def test_start_creates_a_draft_with_an_audit_event(draft: Evaluation, clinician: User) -> None:
    assert draft.status == EvaluationStatus.DRAFT
    assert draft.evaluation_date == dt.date(2026, 2, 1)
    assert AuditEvent.objects.filter(
        object_type="evaluation", object_id=str(draft.pk), action="create", user=clinician
    ).exists()


def test_valid_step_saves_record_and_goes_on(client: Client, draft: Evaluation) -> None:
    response = _post(
        client,
        draft,
        "history",
        {"history-onset_date": "2026-01-05", "history-pain_sites": ["axial", "thigh"]},
    )

    assertRedirects(response, _step(draft, "context"), fetch_redirect_response=False)
    draft.refresh_from_db()
    assert draft.record == {
        "history": {"onset_date": "2026-01-05", "pain_sites": ["axial", "thigh"]}
    }
    assert draft.form_state["history"]["history-pain_sites"] == ["axial", "thigh"]
    assert draft.current_step == "context"


def test_invalid_input_is_saved_and_shown_with_its_error(client: Client, draft: Evaluation) -> None:
    """Nothing typed is lost: the draft keeps it, the record does not, the error is by the field."""
    response = _post(client, draft, "exam", {"exam-temperature_c": "52", "exam-gait": "antalgic"})

    assertRedirects(response, _step(draft, "exam"), fetch_redirect_response=False)
    draft.refresh_from_db()
    assert draft.form_state["exam"]["exam-temperature_c"] == "52"
    assert draft.record == {}

    page = client.get(_step(draft, "exam"))

    assertContains(page, 'value="52"')
    assertContains(page, 'aria-invalid="true"')
    field = page.content.decode().split('id="field-exam-temperature_c"', 1)[1].split("</div>", 1)[0]
    assert "Must be less than or equal to 45" in field
    assertContains(page, 'href="#field-exam-temperature_c"')  # the error summary links to it
    assertContains(page, '<option value="antalgic" selected>', html=False)


def test_back_keeps_invalid_input_and_goes_back(client: Client, draft: Evaluation) -> None:
    response = _post(client, draft, "context", {"patient-height_cm": "tall"}, goto="back")

    assertRedirects(response, _step(draft, "history"), fetch_redirect_response=False)
    draft.refresh_from_db()
    assert draft.form_state["context"] == {"patient-height_cm": "tall"}
    assertContains(client.get(_step(draft, "context")), "Enter a number.")


def test_reload_and_revisit_show_what_was_entered(client: Client, draft: Evaluation) -> None:
    _post(client, draft, "red-flags", {"history-urinary_retention": "no", "history-fever": "yes"})

    page = client.get(_step(draft, "red-flags"))

    assertContains(
        page,
        'name="history-urinary_retention" id="f-history-urinary_retention-no" value="no" checked',
    )
    assertContains(page, 'name="history-fever" id="f-history-fever" value="yes" checked')
    assertContains(
        page, 'name="history-weight_loss" id="f-history-weight_loss-unknown" value="" checked'
    )


def test_add_row_saves_and_shows_another_row(client: Client, draft: Evaluation) -> None:
    response = client.post(
        _step(draft, "imaging"),
        {"imaging-count": "1", "imaging-0-modality": "mri", "action": "add:imaging"},
    )

    assertRedirects(
        response, _step(draft, "imaging") + "#group-imaging", fetch_redirect_response=False
    )
    page = client.get(_step(draft, "imaging"))
    assertContains(page, 'name="imaging-1-modality"')
    assertContains(page, "Study 2")


def test_post_after_session_timeout_keeps_the_input(client: Client, draft: Evaluation) -> None:
    """The draft is on the server; what was typed when the session ended is saved after sign-in."""
    client.logout()

    response = _post(client, draft, "history", {"history-mechanism": "lifting a box"})

    step_url = _step(draft, "history")
    assertRedirects(
        response, f"{reverse('clinic:login')}?next={step_url}", fetch_redirect_response=False
    )
    signed_in = client.post(
        reverse("clinic:login"), {"username": "clin", "password": PASSWORD, "next": step_url}
    )
    assertRedirects(signed_in, step_url, fetch_redirect_response=False)
    page = client.get(step_url)
    assertContains(page, 'value="lifting a box"')
    assertContains(page, "before signing in again has been kept")
    draft.refresh_from_db()
    assert draft.form_state["history"]["history-mechanism"] == "lifting a box"


def test_autosave_keeps_form_state_only(client: Client, draft: Evaluation) -> None:
    response = client.post(
        reverse("evaluations:autosave", args=[draft.pk, "history"]),
        {"history-mechanism": "gardening", "history-walking_distance_m": "far"},
        headers={"hx-request": "true"},
    )

    assertContains(response, "Draft saved at")
    draft.refresh_from_db()
    assert draft.form_state["history"]["history-walking_distance_m"] == "far"
    assert draft.record == {}


def test_edit_resumes_at_the_current_step(client: Client, draft: Evaluation) -> None:
    _post(client, draft, "history", {})

    response = client.get(reverse("evaluations:edit", args=[draft.pk]))

    assertRedirects(response, _step(draft, "context"), fetch_redirect_response=False)


def test_review_lists_entries_and_unasked_red_flag_questions(
    client: Client, draft: Evaluation
) -> None:
    _post(client, draft, "red-flags", {"history-urinary_retention": "no"})

    page = client.get(reverse("evaluations:review", args=[draft.pk]))

    assertContains(
        page, "New difficulty passing urine, retention or altered urinary-stream sensation?"
    )
    assertContains(page, "<dd>No</dd>", html=True)
    assertContains(page, "Not asked (")
    assertContains(page, f'href="{_step(draft, "red-flags")}#field-history-fever"')
    assertContains(page, f'href="{_step(draft, "history")}">Edit')


def test_review_blocks_completion_while_a_step_has_errors(
    client: Client, draft: Evaluation
) -> None:
    _post(client, draft, "exam", {"exam-temperature_c": "99"})

    page = client.get(reverse("evaluations:review", args=[draft.pk]))
    response = client.post(reverse("evaluations:complete", args=[draft.pk]))

    assertContains(page, "Examination: 1 problem")
    assertRedirects(
        response, reverse("evaluations:review", args=[draft.pk]), fetch_redirect_response=False
    )
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.DRAFT
    assert not Assessment.objects.exists()


def _complete_with_cauda_equina(client: Client, draft: Evaluation) -> Assessment:
    _post(
        client,
        draft,
        "history",
        {"history-onset_date": "2026-01-20", "history-pain_sites": ["axial", "below_knee"]},
    )
    _post(client, draft, "red-flags", {"history-urinary_retention": "yes", "history-fever": "no"})
    _post(
        client,
        draft,
        "exam",
        {"exam-myotomes-L5-left": "4", "exam-slr-left-reproduces_leg_pain": "yes"},
    )
    response = client.post(reverse("evaluations:complete", args=[draft.pk]))
    assessment = Assessment.objects.get(evaluation=draft)
    assertRedirects(
        response,
        reverse("evaluations:assessment", args=[assessment.pk]),
        fetch_redirect_response=False,
    )
    return assessment


def test_complete_stores_an_assessment_pinned_to_the_kb(
    client: Client, draft: Evaluation, clinician: User
) -> None:
    assessment = _complete_with_cauda_equina(client, draft)

    kb = get_kb()
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.COMPLETE
    assert assessment.kb_version == kb.version
    assert assessment.kb_hash == kb.content_hash
    assert assessment.highest_urgency == "emergency"
    assert "cauda-equina-syndrome" in assessment.red_flags
    assert any(r.startswith("rule.redflag.cauda-equina@") for r in assessment.rules_fired)
    assert assessment.rules_fired == [f["rule"] for f in assessment.result["trace"]["fired"]]
    assert assessment.created_by == clinician
    assert AuditEvent.objects.filter(
        object_type="assessment", object_id=str(assessment.pk), action="create"
    ).exists()


def test_completed_evaluation_is_read_only_and_can_be_revised(
    client: Client, draft: Evaluation
) -> None:
    _complete_with_cauda_equina(client, draft)

    page = client.get(_step(draft, "red-flags") + "?at=field-history-fever")
    refused = _post(client, draft, "red-flags", {"history-fever": "yes"})
    revised = client.post(
        reverse("evaluations:revise", args=[draft.pk]),
        {"goto": "red-flags", "anchor": "field-history-fever"},
    )

    assertContains(page, '<fieldset class="ev-readonly-fields" disabled>')
    assertContains(page, 'name="anchor" value="field-history-fever"')
    assertNotContains(page, 'name="goto" value="next"')
    draft.refresh_from_db()
    assert draft.form_state["red-flags"]["history-fever"] == "no"
    assert refused.status_code == 302
    new = Evaluation.objects.exclude(pk=draft.pk).get()
    assert new.status == EvaluationStatus.DRAFT
    assert new.revises == draft
    assert new.record == draft.record
    assertRedirects(
        revised, _step(new, "red-flags") + "#field-history-fever", fetch_redirect_response=False
    )


def test_unknown_step_is_404(client: Client, draft: Evaluation) -> None:
    assert client.get(reverse("evaluations:step", args=[draft.pk, "nonsense"])).status_code == 404


def test_unknown_action_is_ignored(client: Client, draft: Evaluation) -> None:
    response = client.post(_step(draft, "history"), {"action": "explode", "goto": "stay"})

    assertRedirects(response, _step(draft, "history"), fetch_redirect_response=False)


@pytest.mark.parametrize(
    "slug", ["history", "context", "red-flags", "exam", "imaging", "questionnaires", "review"]
)
def test_pages_have_unique_ids_and_every_label_points_somewhere(
    client: Client, draft: Evaluation, slug: str
) -> None:
    """Anchors ("data needed" links, the error summary) and labels rely on ids."""
    url = reverse("evaluations:review", args=[draft.pk]) if slug == "review" else _step(draft, slug)

    html = client.get(url).content.decode()

    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert set(re.findall(r'\sfor="([^"]+)"', html)) <= set(ids)
    refs = re.findall(r'aria-(?:describedby|labelledby)="([^"]+)"', html)
    assert {ref for group in refs for ref in group.split()} <= set(ids)
