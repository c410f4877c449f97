from __future__ import annotations

import logging

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from spinecare.core.errors import KnowledgeBaseError, UserError
from spinecare.web.accounts.selectors import user_get_role
from spinecare.web.clinic.forms import KBProfileForm
from spinecare.web.clinic.selectors import kb_get_page, kb_get_summary, worklist_get
from spinecare.web.clinic.services import worklist_record_view
from spinecare.web.patients.forms import PatientSearchForm

logger = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    template_name = "clinic/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or prefetch cannot sign you out."""


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The worklist for clinical roles; a short start page for everybody else."""
    try:
        kb, kb_issue_count = kb_get_summary(), 0
    except KnowledgeBaseError as exc:
        logger.error("knowledge base does not validate: %d issue(s)", len(exc.issues))
        kb, kb_issue_count = None, len(exc.issues)
    user = request.user
    worklist = None
    if isinstance(user, User) and user.has_perm("accounts.view_clinical"):
        worklist = worklist_get(user=user, today=timezone.localdate())
        worklist_record_view(user=user, patient_ids=worklist.patient_ids)
    context = {
        "role": user_get_role(user=user),
        "kb": kb,
        "kb_issue_count": kb_issue_count,
        "worklist": worklist,
        "search_form": PatientSearchForm(),
    }
    return render(request, "clinic/home.html", context)


@require_safe
@login_required
def knowledge_base(request: HttpRequest) -> HttpResponse:
    """The KB in use, every rule readable by a clinician; ``?profile=`` keeps those in force."""
    form = KBProfileForm(request.GET)
    profile_id = form.cleaned_data["profile"] if form.is_valid() else ""
    try:
        page = kb_get_page(profile_id=profile_id or None)
    except KnowledgeBaseError as exc:
        logger.error("knowledge base does not validate: %d issue(s)", len(exc.issues))
        context = {"page": None, "form": form, "kb_issue_count": len(exc.issues)}
        return render(request, "clinic/kb.html", context)
    except UserError:  # the profile vanished between the form and the page
        page = kb_get_page()
    return render(request, "clinic/kb.html", {"page": page, "form": form})
