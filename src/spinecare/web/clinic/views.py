from __future__ import annotations

import logging

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from spinecare.core.errors import KnowledgeBaseError
from spinecare.web.accounts.selectors import user_get_role
from spinecare.web.clinic.selectors import kb_get_summary

logger = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    template_name = "clinic/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link or prefetch cannot sign you out."""


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    try:
        kb, kb_issue_count = kb_get_summary(), 0
    except KnowledgeBaseError as exc:
        logger.error("knowledge base does not validate: %d issue(s)", len(exc.issues))
        kb, kb_issue_count = None, len(exc.issues)
    context = {
        "role": user_get_role(user=request.user),
        "kb": kb,
        "kb_issue_count": kb_issue_count,
    }
    return render(request, "clinic/home.html", context)
