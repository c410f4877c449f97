"""An evaluation in a real browser: sign in, create a patient, evaluate, see the assessment.

Covers the red-flag banner (a cauda equina answer), a clean evaluation without red flags,
reloading mid-step without losing what was typed, and a validation error shown by its field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from spinecare.web.patients.models import Patient
from spinecare.web.patients.services import patient_create
from webfactories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow_test]


def _sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _patient(family_name: str) -> Patient:
    return patient_create(
        user=None,
        mrn=f"BR-{family_name.upper()}",
        given_name="Robin",
        family_name=family_name,
        date_of_birth=dt.date(1978, 6, 14),
        sex="male",
    )


def _start_evaluation(page: Any, base: str, patient: Patient) -> None:
    page.goto(f"{base}/evaluations/start/{patient.pk}/")
    page.get_by_role("button", name="Start the evaluation").click()
    page.wait_for_url(re.compile(r"/evaluations/\d+/step/history/$"))


def _save_and_continue(page: Any) -> None:
    page.locator(".ev-actions").get_by_role("button", name=re.compile("^Save and continue")).click()


def _onset(days_ago: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()


def test_cauda_equina_answer_shows_the_red_flag_banner(
    page: Any, live_server: Any, clinician: User
) -> None:
    base = live_server.url
    _sign_in(page, base, clinician)

    # Create the patient through the patients pages.
    page.goto(f"{base}/patients/new/")
    page.get_by_label("Given name").fill("Casey")
    page.get_by_label("Family name").fill("Equina")
    page.get_by_label("Date of birth").fill("03/04/1971")
    page.get_by_label("Sex", exact=True).select_option("female")
    page.get_by_label("MRN").fill("BR-CES-1")
    page.locator("main form").get_by_role("button").last.click()
    page.wait_for_url(re.compile(r"/patients/\d+/$"))
    page.get_by_role("link", name="Start a new evaluation").click()
    page.get_by_role("button", name="Start the evaluation").click()

    page.get_by_label("Date the current episode began").fill(_onset(10))
    page.get_by_label("Axial").check()
    page.get_by_label("Below the knee").check()
    _save_and_continue(page)  # → patient context
    page.wait_for_url(re.compile(r"/step/context/$"))
    _save_and_continue(page)  # → red-flag questions
    page.wait_for_url(re.compile(r"/step/red-flags/$"))
    page.locator("#f-history-urinary_retention").check()  # "Yes"
    page.locator("#f-history-fever-no").check()
    page.get_by_role("navigation", name="Evaluation steps").get_by_role(
        "button", name="Review"
    ).click()
    page.wait_for_url(re.compile(r"/review/$"))
    page.get_by_role("button", name="Complete the evaluation and see the assessment").click()
    page.wait_for_url(re.compile(r"/evaluations/assessments/\d+/$"))

    banner = page.get_by_role("alert").filter(has_text="Red flag")
    assert banner.is_visible()
    text = banner.inner_text()
    assert "Suspected cauda equina syndrome" in text
    assert "EMERGENCY" in text.upper()
    assert "Action:" in text
    # The banner is the first thing after the heading.
    assert page.locator("main h2").first.inner_text().startswith("⚠ Red flag")

    page.get_by_role("button", name=re.compile("I have seen this red flag")).click()
    page.wait_for_load_state()
    assert (
        "Acknowledged by Bea Browser"
        in page.get_by_role("alert").filter(has_text="Red flag").inner_text()
    )


def test_clean_evaluation_has_no_red_flag(page: Any, live_server: Any, clinician: User) -> None:
    base = live_server.url
    patient = _patient("Clean")
    _sign_in(page, base, clinician)
    _start_evaluation(page, base, patient)

    page.get_by_label("Date the current episode began").fill(_onset(14))
    page.get_by_label("Axial").check()
    page.get_by_role("navigation", name="Evaluation steps").get_by_role(
        "button", name="Red-flag questions"
    ).click()
    page.wait_for_url(re.compile(r"/step/red-flags/$"))
    for radio in page.locator("#step-form input[type=radio][value=no]").all():
        radio.check()
    page.locator("#f-history-trauma").select_option("none")
    page.locator("#f-history-back_pain_onset_age").fill("40")
    _save_and_continue(page)
    page.wait_for_url(re.compile(r"/step/exam/$"))
    page.get_by_role("navigation", name="Evaluation steps").get_by_role(
        "button", name="Review"
    ).click()
    page.wait_for_url(re.compile(r"/review/$"))
    page.get_by_role("button", name="Complete the evaluation and see the assessment").click()
    page.wait_for_url(re.compile(r"/evaluations/assessments/\d+/$"))

    assert page.get_by_role("heading", name="No red flag raised").is_visible()
    assert page.get_by_role("alert").count() == 0
    assert page.get_by_role("heading", name="Working diagnoses").is_visible()


def test_reload_mid_step_keeps_what_was_typed(page: Any, live_server: Any, clinician: User) -> None:
    base = live_server.url
    patient = _patient("Reload")
    _sign_in(page, base, clinician)
    _start_evaluation(page, base, patient)

    mechanism = page.get_by_label("How it began")
    mechanism.fill("Lifting a heavy box")
    mechanism.press("Tab")  # the change is saved in the background (htmx)
    page.locator("#autosave-status").get_by_text("Draft saved at").wait_for()
    page.reload()

    assert page.get_by_label("How it began").input_value() == "Lifting a heavy box"

    # Enter in a text box means "Save and continue"; back shows the step as it was left.
    page.get_by_label("How it began").press("Enter")
    page.wait_for_url(re.compile(r"/step/context/$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/step/history/$"))
    assert page.get_by_label("How it began").input_value() == "Lifting a heavy box"


def test_validation_error_is_shown_next_to_the_field(
    page: Any, live_server: Any, clinician: User
) -> None:
    base = live_server.url
    patient = _patient("Invalid")
    _sign_in(page, base, clinician)
    _start_evaluation(page, base, patient)
    page.get_by_role("navigation", name="Evaluation steps").get_by_role(
        "button", name="Examination"
    ).click()
    page.wait_for_url(re.compile(r"/step/exam/$"))

    page.get_by_label("Temperature (°C)").fill("50")
    page.locator("#f-exam-myotomes-L5-left").select_option("3")
    _save_and_continue(page)
    page.wait_for_url(re.compile(r"/step/exam/$"))

    field = page.locator("#field-exam-temperature_c")
    assert "Must be less than or equal to 45" in field.inner_text()
    assert page.get_by_label("Temperature (°C)").input_value() == "50"
    assert page.get_by_label("Temperature (°C)").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-exam-myotomes-L5-left").input_value() == "3"  # kept although invalid
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    summary.get_by_role("link").first.click()
    assert page.url.endswith("#field-exam-temperature_c")
