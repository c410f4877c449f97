"""The Assessment page: red flags first, then what is missing, then everything else, each with its
basis one click away; read from the stored result; acknowledging red flags is recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.web.audit.models import AuditEvent
from spinecare.web.evaluations.models import Assessment
from spinecare.web.kb import get_kb
from webfactories import make_evaluation, make_patient

pytestmark = pytest.mark.django_db

CAUDA_EQUINA = {
    "history": {
        "onset_date": "2026-01-20",
        "pain_sites": ["axial", "below_knee"],
        "urinary_retention": True,
        "bilateral_leg_symptoms": True,
    },
    "exam": {"myotomes": {"L5": {"left": 3}}, "slr": {"left": {"reproduces_leg_pain": True}}},
    "proposed_imaging": {"procedure": "mri_without_contrast"},
}


def _assessment(
    user: User, record: dict[str, Any], *, family_name: str = "Assesstest"
) -> Assessment:
    """An Assessment stored as ``evaluation_complete`` stores it, from a real engine run."""
    kb = get_kb()
    patient = make_patient(family_name=family_name)
    evaluation = make_evaluation(patient=patient, user=user, day=dt.date(2026, 2, 1))
    result = evaluate(
        EvaluationRecord.model_validate({**record, "patient": {"age": 50}}),
        kb,
        as_of=dt.date(2026, 2, 1),
    )
    return Assessment.objects.create(
        evaluation=evaluation,
        patient=patient,
        as_of=dt.date(2026, 2, 1),
        profile=result.profile,
        kb_version=kb.version,
        kb_hash=kb.content_hash,
        rules_fired=[f.ref for f in result.trace.fired],
        highest_urgency=result.highest_urgency or "",
        red_flags=[f.flag for f in result.red_flags],
        result=result.to_dict(),
        created_by=user,
    )


@pytest.fixture
def clinician(staff: dict[str, User]) -> User:
    return staff["clinician"]


@pytest.fixture
def flagged(clinician: User) -> Assessment:
    return _assessment(clinician, CAUDA_EQUINA)


def _page(client: Client, assessment: Assessment) -> str:
    response = client.get(reverse("evaluations:assessment", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_red_flag_banner_comes_first_with_urgency_and_action(
    client: Client, clinician: User, flagged: Assessment
) -> None:
    client.force_login(clinician)

    page = _page(client, flagged)

    banner = page.index('class="ev-redflags" role="alert"')
    assert banner < page.index('id="localisation"') < page.index('id="imaging"')
    assert (
        page.index('id="imaging"') < page.index('id="diagnoses"') < page.index('id="data-needed"')
    )
    assert "Suspected cauda equina syndrome" in page
    assert ">Emergency</span>" in page  # the urgency as a word, not only a colour
    assert "Action:</strong> Same-day emergency assessment" in page
    assert "urinary retention: yes" in page
    assert "rule.redflag.cauda-equina@" in page
    assert "<title>RED FLAG" in page


def test_basis_is_one_click_away_on_every_item(
    client: Client, clinician: User, flagged: Assessment
) -> None:
    client.force_login(clinician)

    page = _page(client, flagged)

    result = flagged.result
    conclusions = (
        len(result["red_flags"])
        + (1 if result["imaging"]["basis"] else 0)
        + len(result["imaging"]["statements"])
        + len(result["stratification"])
        + sum(len(d["basis"]) for d in result["diagnoses"])
        + len(result["classifications"])
        + len(result["other"])
    )
    assert page.count('<details class="ev-basis">') == conclusions + 1  # + the trace's rule list
    for diagnosis in result["diagnoses"]:
        assert diagnosis["icd10cm"] in page


def test_unanswered_red_flag_questions_link_to_their_field(
    client: Client, clinician: User, flagged: Assessment
) -> None:
    client.force_login(clinician)

    page = _page(client, flagged)

    high = [d["fact"] for d in flagged.result["data_needed"] if d["priority"] == "high"]
    assert "fever" in high
    section = page.split('id="red-flag-questions"', 1)[1].split("</section>", 1)[0]
    step = reverse("evaluations:step", args=[flagged.evaluation_id, "red-flags"])
    assert f'href="{step}?at=field-history-fever#field-history-fever"' in section


def test_order_check_and_acr_variant_are_shown(
    client: Client, clinician: User, flagged: Assessment
) -> None:
    client.force_login(clinician)

    page = _page(client, flagged)

    assert f"low back pain, {flagged.result['imaging']['acr_variant']}:" in page
    assert "Order check: MRI lumbar spine without IV contrast" in page
    assert "Usually appropriate" in page


def test_page_reads_the_stored_result_not_the_engine(
    client: Client, clinician: User, flagged: Assessment
) -> None:
    """What was concluded under the pinned KB is shown, even if the engine would say otherwise."""
    result = dict(flagged.result)
    result["red_flags"] = [dict(result["red_flags"][0], title="Stored title, not recomputed")]
    flagged.result = result
    flagged.save(update_fields=["result"])
    client.force_login(clinician)

    page = _page(client, flagged)

    assert "Stored title, not recomputed" in page
    assert flagged.kb_hash[:19] in page


def test_clean_assessment_says_no_red_flag(client: Client, clinician: User) -> None:
    clean = _assessment(
        clinician,
        {
            "history": {
                "onset_date": "2026-01-20",
                "pain_sites": ["axial"],
                **dict.fromkeys(
                    (
                        "urinary_retention",
                        "urinary_incontinence",
                        "bowel_dysfunction",
                        "saddle_sensory_change",
                        "new_sexual_dysfunction",
                        "bilateral_leg_symptoms",
                        "progressive_weakness",
                        "fever",
                        "weight_loss",
                        "night_pain",
                        "rest_pain",
                        "thoracic_pain",
                    ),
                    False,
                ),
            }
        },
    )
    client.force_login(clinician)

    page = _page(client, clean)

    assert clean.red_flags == []
    assert "No red flag raised" in page
    assert 'role="alert"' not in page


def test_acknowledge_records_who_and_when_with_an_audit_event(
    client: Client, clinician: User, flagged: Assessment
) -> None:
    client.force_login(clinician)

    response = client.post(reverse("evaluations:acknowledge", args=[flagged.pk]))

    assertRedirects(
        response,
        reverse("evaluations:assessment", args=[flagged.pk]),
        fetch_redirect_response=False,
    )
    flagged.refresh_from_db()
    assert flagged.red_flags_acknowledged_by == clinician
    assert flagged.red_flags_acknowledged_at is not None
    event = AuditEvent.objects.get(
        object_type="assessment", object_id=str(flagged.pk), action="update"
    )
    assert event.user == clinician
    assert event.patient == flagged.patient
    assert event.detail == {"acknowledged": flagged.red_flags}
    page = client.get(reverse("evaluations:assessment", args=[flagged.pk]))
    assertContains(page, "<strong>Acknowledged</strong> by Cleo Clinic")
    assertNotContains(page, "I have seen")


def test_acknowledging_twice_changes_nothing(
    client: Client, clinician: User, flagged: Assessment
) -> None:
    client.force_login(clinician)
    client.post(reverse("evaluations:acknowledge", args=[flagged.pk]))
    flagged.refresh_from_db()
    first = flagged.red_flags_acknowledged_at

    response = client.post(reverse("evaluations:acknowledge", args=[flagged.pk]), follow=True)

    flagged.refresh_from_db()
    assert flagged.red_flags_acknowledged_at == first
    assertContains(response, "already acknowledged")
    assert AuditEvent.objects.filter(object_type="assessment", action="update").count() == 1


def test_assessment_page_queries_do_not_grow_with_its_content(
    client: Client, clinician: User, flagged: Assessment
) -> None:
    """No N+1: a result with more red flags, diagnoses and data needed costs the same queries."""
    small = _assessment(clinician, {"history": {"pain_sites": ["axial"]}}, family_name="Small")
    client.force_login(clinician)
    get_kb()
    _page(client, small)  # warm up: session, permissions cache, KB

    with CaptureQueriesContext(connection) as small_queries:
        _page(client, small)
    with CaptureQueriesContext(connection) as big_queries:
        _page(client, flagged)

    assert len(flagged.result["red_flags"]) > len(small.result["red_flags"])
    assert len(big_queries) == len(small_queries)
    assert len(big_queries) <= 8, [q["sql"] for q in big_queries]
