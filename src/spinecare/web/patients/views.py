"""Patient pages: search, create and edit demographics, and the chart. Thin: forms validate,
selectors read, services write and audit.

Access: administrators and users without a role get 403 on every page here; a patient the user
may not see (a physiotherapist's unassigned patient) is a 404, so that its existence is not
revealed. Front desk sees demographics only, never the clinical timeline.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_safe

from spinecare.web.patients.forms import PatientForm, PatientSearchForm
from spinecare.web.patients.models import Patient
from spinecare.web.patients.selectors import (
    patient_find_duplicates,
    patient_get_visible,
    patient_may_list,
    patient_search,
    patient_timeline,
)
from spinecare.web.patients.services import (
    patient_create,
    patient_record_search,
    patient_record_view,
    patient_update,
)

SEARCH_LIMIT = 50
IDENTITY_FIELDS = ("given_name", "family_name", "date_of_birth")


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not patient_may_list(user=user):
        raise PermissionDenied("Your role does not give access to patient records.")
    return user


def _demographics_user(request: HttpRequest) -> User:
    user = _user(request)
    if not user.has_perm("accounts.manage_demographics"):
        raise PermissionDenied("Your role does not allow changing demographics.")
    return user


def _visible_patient(user: User, patient_id: int) -> Patient:
    patient = patient_get_visible(user=user, patient_id=patient_id)
    if patient is None:
        raise Http404("No such patient, or not one of yours.")
    return patient


def _is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore needs the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@require_safe
@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PatientSearchForm(request.GET)
    query = form.query() if form.is_valid() else ""
    results = list(patient_search(user=user, query=query, limit=SEARCH_LIMIT))
    patient_record_search(user=user, result_count=len(results))
    context = {
        "form": form,
        "query": query,
        "results": results,
        "limit_reached": len(results) >= SEARCH_LIMIT,
    }
    template = "patients/_results.html" if _is_htmx(request) else "patients/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
@login_required
def chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = _user(request)
    patient = _visible_patient(user, patient_id)
    clinical = user.has_perm("accounts.view_clinical")
    timeline = patient_timeline(patient_id=patient.pk) if clinical else []
    patient_record_view(user=user, patient=patient, page="chart" if clinical else "demographics")
    context = {"patient": patient, "clinical": clinical, "timeline": timeline}
    return render(request, "patients/chart.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def create(request: HttpRequest) -> HttpResponse:
    user = _demographics_user(request)
    if request.method != "POST":
        return render(request, "patients/form.html", {"form": PatientForm(), "patient": None})
    form = PatientForm(request.POST)
    duplicates: list[Patient] = []
    if form.is_valid():
        duplicates = _unconfirmed_duplicates(request, form.cleaned_data, exclude_id=None)
        if not duplicates:
            try:
                patient = patient_create(user=user, **form.cleaned_data)
            except ValidationError as exc:  # e.g. the MRN was taken a moment ago
                form.add_error(None, exc)
            else:
                messages.success(request, f"Patient {patient.full_name} created.")
                return redirect("patients:chart", patient_id=patient.pk)
    context = {"form": form, "patient": None, "duplicates": duplicates}
    return render(request, "patients/form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = _demographics_user(request)
    patient = _visible_patient(user, patient_id)
    if request.method != "POST":
        patient_record_view(user=user, patient=patient, page="demographics_form")
        form = PatientForm(initial=PatientForm.initial_for(patient), patient_id=patient.pk)
        return render(request, "patients/form.html", {"form": form, "patient": patient})
    form = PatientForm(request.POST, patient_id=patient.pk)
    duplicates: list[Patient] = []
    if form.is_valid():
        data = form.cleaned_data
        identity_changed = any(data[f] != getattr(patient, f) for f in IDENTITY_FIELDS)
        if identity_changed:
            duplicates = _unconfirmed_duplicates(request, data, exclude_id=patient.pk)
        if not duplicates:
            before = patient.updated_at
            try:
                patient_update(user=user, patient=patient, **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                changed = patient.updated_at != before
                messages.success(
                    request, "Demographics saved." if changed else "No changes to save."
                )
                return redirect("patients:chart", patient_id=patient.pk)
    context = {"form": form, "patient": patient, "duplicates": duplicates}
    return render(request, "patients/form.html", context)


def _unconfirmed_duplicates(
    request: HttpRequest, data: dict[str, Any], *, exclude_id: int | None
) -> list[Patient]:
    """Possible duplicates the user has not yet confirmed are different people.

    The confirmation names the patients it was given for, so that changing the name or date
    of birth after the warning shows the warning again for any new match.
    """
    found = list(
        patient_find_duplicates(
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            exclude_id=exclude_id,
        )
    )
    confirmed = set(request.POST.get("confirm_duplicates", "").split(","))
    return found if any(str(p.pk) not in confirmed for p in found) else []
