"""Evaluation pages: start, the steps, review and complete; the Assessment and its red flags.

Thin: each view checks the role, loads through ``selectors``, writes through ``services`` (which
audit), and leaves the form work to ``forms.StepForm``. Every POST redirects (post/redirect/get),
and every step page is drawn from what was typed (``form_state``), so reload, back/forward and
signing in again after a session timeout all show the input as it was left.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from spinecare.core.errors import KnowledgeBaseError, UserError
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.web.evaluations import selectors, services
from spinecare.web.evaluations.forms import (
    ACTION_RE,
    Raw,
    StepForm,
    apply_action,
    raw_from_record,
)
from spinecare.web.evaluations.models import Evaluation, EvaluationStatus
from spinecare.web.evaluations.presenters import assessment_page
from spinecare.web.evaluations.review import review_steps
from spinecare.web.evaluations.steps import (
    REVIEW,
    STEP_BY_SLUG,
    STEPS,
    step_after,
    step_before,
)
from spinecare.web.kb import get_kb
from spinecare.web.patients.selectors import patient_get_visible

VIEW_CLINICAL = "accounts.view_clinical"
EDIT_CLINICAL = "accounts.edit_clinical"
PENDING_KEY = "evaluations.pending_input"
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_ANCHOR_RE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_SKIP_KEYS = frozenset({"csrfmiddlewaretoken", "action", "goto"})


# ---------------------------------------------------------------- helpers


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _require(request: HttpRequest, perm: str) -> User:
    user = _user(request)
    if not user.has_perm(perm):
        raise PermissionDenied
    return user


def _kb() -> KnowledgeBase | None:
    try:
        return get_kb()
    except KnowledgeBaseError:
        return None


def _evaluation(user: User, evaluation_id: int) -> Evaluation:
    evaluation = selectors.evaluation_get_visible(user=user, evaluation_id=evaluation_id)
    if evaluation is None:
        raise Http404("No such evaluation")
    return evaluation


def _step_url(evaluation: Evaluation, slug: str, anchor: str = "") -> str:
    if slug == REVIEW:
        url = reverse("evaluations:review", args=[evaluation.pk])
    else:
        url = reverse("evaluations:step", args=[evaluation.pk, slug])
    return f"{url}#{anchor}" if anchor else url


def _raw_from_post(post: QueryDict) -> Raw:
    """The submitted values (one text, or a list for several ticks), minus the buttons."""
    out: Raw = {}
    for key in post:
        if key in _SKIP_KEYS or not _KEY_RE.match(key):
            continue
        values = [str(v) for v in post.getlist(key)]
        out[key] = values[0] if len(values) == 1 else values
    return out


def _can_edit(user: User, evaluation: Evaluation) -> bool:
    return user.has_perm(EDIT_CLINICAL) and evaluation.status == EvaluationStatus.DRAFT


def login_required_keeping_input(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like ``login_required``, but a POST from an expired session keeps what was typed.

    The input is kept in the (new, anonymous) session; Django keeps session data across
    signing in, so the step page saves it into the draft once the user is back.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.method == "POST" and "step" in kwargs:
            request.session[PENDING_KEY] = {
                "evaluation": kwargs.get("evaluation_id"),
                "step": kwargs["step"],
                "raw": _raw_from_post(request.POST),
            }
            path = reverse("evaluations:step", args=[kwargs["evaluation_id"], kwargs["step"]])
            return redirect_to_login(path)
        return redirect_to_login(request.get_full_path())

    return wrapper


def _login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------- list and start


@require_safe
@_login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _require(request, VIEW_CLINICAL)
    drafts = list(selectors.evaluation_list_drafts(user=user))
    recent = list(selectors.assessment_list_recent(user=user))
    services.evaluation_audit_list(user=user, count=len(drafts) + len(recent))
    return render(request, "evaluations/index.html", {"drafts": drafts, "recent": recent})


class StartForm(forms.Form):
    evaluation_date = forms.DateField(
        label="Date of the evaluation",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Usually today. The episode's duration is counted up to this date.",
    )
    profile = forms.ChoiceField(
        label="Guideline profile",
        required=False,
        help_text="Where guidelines differ, which ones SpineCare follows.",
    )

    def __init__(self, *args: Any, kb: KnowledgeBase | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "The knowledge base's default")]
        if kb is not None:
            default = kb.profiles.get(kb.default_profile)
            if default is not None:
                choices = [("", f"Default: {default.title}")]
            choices += [(p.id, p.title) for p in kb.profiles.values()]
        field = self.fields["profile"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


@require_http_methods(["GET", "HEAD", "POST"])
@_login_required
def start(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = _require(request, EDIT_CLINICAL)
    patient = patient_get_visible(user=user, patient_id=patient_id)
    if patient is None:
        raise Http404("No such patient")
    kb = _kb()
    if request.method == "POST":
        form = StartForm(request.POST, kb=kb)
        if form.is_valid():
            try:
                evaluation = services.evaluation_start(
                    user=user,
                    patient=patient,
                    evaluation_date=form.cleaned_data["evaluation_date"],
                    profile=form.cleaned_data["profile"],
                )
            except UserError as exc:
                form.add_error("profile" if exc.field == "profile" else None, exc.message)
            else:
                return redirect(_step_url(evaluation, STEPS[0].slug))
    else:
        form = StartForm(initial={"evaluation_date": timezone.localdate()}, kb=kb)
    services.evaluation_audit_start_page(user=user, patient=patient)
    drafts = [
        e
        for e in selectors.evaluation_list_for_patient(patient_id=patient.pk)
        if e.status == EvaluationStatus.DRAFT
    ]
    return render(
        request,
        "evaluations/start.html",
        {
            "patient": patient,
            "form": form,
            "drafts": drafts,
            "kb_ok": kb is not None,
            "age": patient.age_on(timezone.localdate()),
        },
    )


@require_safe
@_login_required
def edit(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """Where to continue: the step last saved for a draft, otherwise the review page."""
    user = _require(request, VIEW_CLINICAL)
    evaluation = _evaluation(user, evaluation_id)
    if _can_edit(user, evaluation):
        slug = evaluation.current_step if evaluation.current_step in STEP_BY_SLUG else ""
        if evaluation.current_step == REVIEW:
            slug = REVIEW
        return redirect(_step_url(evaluation, slug or STEPS[0].slug))
    return redirect(_step_url(evaluation, REVIEW))


# ---------------------------------------------------------------- the steps


def _apply_pending(request: HttpRequest, user: User, evaluation: Evaluation, slug: str) -> None:
    """Save what was typed before a session timeout, once the user has signed in again."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return
    if pending.get("evaluation") != evaluation.pk or pending.get("step") != slug:
        return
    del request.session[PENDING_KEY]
    raw = pending.get("raw")
    if not isinstance(raw, dict) or not _can_edit(user, evaluation):
        return
    services.evaluation_save(
        user=user,
        evaluation=evaluation,
        form_state={**evaluation.form_state, slug: raw},
        current_step=slug,
    )
    messages.info(
        request, "What you entered before signing in again has been kept. Check it and save."
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_keeping_input
def step(request: HttpRequest, evaluation_id: int, step: str) -> HttpResponse:
    user = _require(request, EDIT_CLINICAL if request.method == "POST" else VIEW_CLINICAL)
    spec = STEP_BY_SLUG.get(step)
    if spec is None:
        raise Http404("No such step")
    evaluation = _evaluation(user, evaluation_id)
    kb = _kb()
    if request.method == "POST":
        if evaluation.status != EvaluationStatus.DRAFT:
            messages.error(request, "This evaluation is complete and cannot be changed.")
            return redirect(_step_url(evaluation, step))
        return _step_post(request, user, evaluation, spec.slug, kb)
    _apply_pending(request, user, evaluation, spec.slug)
    editable = _can_edit(user, evaluation)
    saved = evaluation.form_state.get(spec.slug)
    raw = saved if isinstance(saved, dict) else raw_from_record(spec, evaluation.record, kb=kb)
    form = StepForm(spec, raw, kb=kb)
    if editable and isinstance(saved, dict):
        form.is_valid(evaluation.record)  # show the problems of what was typed
    services.evaluation_audit_view(user=user, evaluation=evaluation, page=spec.slug)
    previous = step_before(spec.slug)
    return render(
        request,
        "evaluations/step.html",
        {
            "evaluation": evaluation,
            "patient": evaluation.patient,
            "step": spec,
            "steps": STEPS,
            "form": form,
            "errors": form.error_list(),
            "editable": editable,
            "can_revise": user.has_perm(EDIT_CLINICAL)
            and evaluation.status == EvaluationStatus.COMPLETE,
            "previous": previous,
            "next": step_after(spec.slug),
            "kb_ok": kb is not None,
            "age": evaluation.patient.age_on(evaluation.evaluation_date),
            "target_anchor": target
            if _ANCHOR_RE.match(target := request.GET.get("at", ""))
            else "",
        },
    )


def _step_post(
    request: HttpRequest, user: User, evaluation: Evaluation, slug: str, kb: KnowledgeBase | None
) -> HttpResponse:
    raw = _raw_from_post(request.POST)
    action = request.POST.get("action", "")
    raw = apply_action(raw, action)
    # 1. Keep what was typed, valid or not, before anything else can go wrong.
    services.evaluation_save(
        user=user, evaluation=evaluation, form_state={**evaluation.form_state, slug: raw}
    )
    # 2. Check it, alone and merged into the record; save the record part if it is valid.
    form = StepForm(STEP_BY_SLUG[slug], raw, kb=kb)
    valid = form.is_valid(evaluation.record)
    goto = request.POST.get("goto", "next")
    if match := ACTION_RE.match(action):
        verb, target = match.groups()
        # Back to the list a row was added to or removed from ("imaging-0-findings").
        anchor = "group-" + (target.rsplit("-", 1)[0] if verb == "remove" else target)
        destination = slug
    elif goto == "next":
        destination, anchor = (step_after(slug) if valid else slug), ""
    elif goto == "back":
        destination, anchor = step_before(slug) or slug, ""
    elif goto in STEP_BY_SLUG or goto == REVIEW:
        destination, anchor = goto, ""
    else:
        destination, anchor = slug, ""
    if valid:
        assert form.merged is not None
        services.evaluation_save(
            user=user,
            evaluation=evaluation,
            record=form.merged,
            current_step=destination,
        )
        if not match and goto == "stay":
            messages.success(request, "Draft saved.")
    elif destination != slug:  # on the step itself the error summary says it
        count = len(form.error_list())
        messages.error(
            request,
            f"{STEP_BY_SLUG[slug].title}: {count} problem{'s' if count != 1 else ''} to fix. "
            "What you typed is saved in the draft.",
        )
    return redirect(_step_url(evaluation, destination, anchor))


@require_POST
def autosave(request: HttpRequest, evaluation_id: int, step: str) -> HttpResponse:
    """htmx: keep what is being typed in a step (no checks) as the user goes."""
    if not request.user.is_authenticated:
        return HttpResponse(
            '<span class="autosave autosave--failed">Not saved: your session has ended. '
            "Save the step to sign in again; your input will be kept.</span>",
            status=401,
        )
    user = _require(request, EDIT_CLINICAL)
    if step not in STEP_BY_SLUG:
        raise Http404("No such step")
    evaluation = _evaluation(user, evaluation_id)
    if evaluation.status != EvaluationStatus.DRAFT:
        return HttpResponse(status=409)
    services.evaluation_save(
        user=user,
        evaluation=evaluation,
        form_state={**evaluation.form_state, step: _raw_from_post(request.POST)},
    )
    return render(request, "evaluations/includes/autosaved.html", {"at": timezone.localtime()})


# ---------------------------------------------------------------- review and complete


@require_safe
@_login_required
def review(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    user = _require(request, VIEW_CLINICAL)
    evaluation = _evaluation(user, evaluation_id)
    kb = _kb()
    steps, _record, problems = review_steps(evaluation, kb=kb)
    assessments = list(selectors.assessment_list_for_evaluation(evaluation_id=evaluation.pk))
    services.evaluation_audit_view(user=user, evaluation=evaluation, page=REVIEW)
    return render(
        request,
        "evaluations/review.html",
        {
            "evaluation": evaluation,
            "patient": evaluation.patient,
            "steps": STEPS,
            "review_steps": steps,
            "problems": problems,
            "editable": _can_edit(user, evaluation),
            "can_revise": user.has_perm(EDIT_CLINICAL)
            and evaluation.status == EvaluationStatus.COMPLETE,
            "assessments": assessments,
            "kb_ok": kb is not None,
            "age": evaluation.patient.age_on(evaluation.evaluation_date),
        },
    )


@require_POST
@_login_required
def complete(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    user = _require(request, EDIT_CLINICAL)
    evaluation = _evaluation(user, evaluation_id)
    if evaluation.status != EvaluationStatus.DRAFT:
        messages.error(request, "This evaluation is already complete.")
        return redirect(_step_url(evaluation, REVIEW))
    kb = _kb()
    if kb is None:
        messages.error(
            request, "The knowledge base does not validate, so no assessment can be made now."
        )
        return redirect(_step_url(evaluation, REVIEW))
    _steps, record, problems = review_steps(evaluation, kb=kb)
    if problems:
        messages.error(request, "Fix the problems listed below before completing the evaluation.")
        return redirect(_step_url(evaluation, REVIEW))
    try:
        if record != evaluation.record:
            services.evaluation_save(
                user=user, evaluation=evaluation, record=record, current_step=REVIEW
            )
        assessment = services.evaluation_complete(user=user, evaluation=evaluation)
    except UserError as exc:
        where = f" ({exc.field})" if exc.field else ""
        messages.error(request, f"The evaluation could not be completed: {exc.message}{where}")
        return redirect(_step_url(evaluation, REVIEW))
    return redirect("evaluations:assessment", assessment_id=assessment.pk)


@require_POST
@_login_required
def revise(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """Start a new draft from a completed evaluation, and go to the field to answer."""
    user = _require(request, EDIT_CLINICAL)
    evaluation = _evaluation(user, evaluation_id)
    try:
        draft = services.evaluation_revise(
            user=user, evaluation=evaluation, evaluation_date=timezone.localdate()
        )
    except UserError as exc:
        messages.error(request, exc.message)
        return redirect(_step_url(evaluation, REVIEW))
    slug = request.POST.get("goto", "")
    anchor = request.POST.get("anchor", "")
    messages.info(
        request,
        "A new draft copied from the completed evaluation. Add what was missing, then "
        "complete it for a new assessment.",
    )
    return redirect(
        _step_url(
            draft,
            slug if slug in STEP_BY_SLUG else STEPS[0].slug,
            anchor if _ANCHOR_RE.match(anchor) else "",
        )
    )


# ---------------------------------------------------------------- the assessment


@require_safe
@_login_required
def assessment(request: HttpRequest, assessment_id: int) -> HttpResponse:
    user = _require(request, VIEW_CLINICAL)
    found = selectors.assessment_get_visible(user=user, assessment_id=assessment_id)
    if found is None:
        raise Http404("No such assessment")
    page = assessment_page(found.result, evaluation_id=found.evaluation_id, kb=_kb())
    services.assessment_audit_view(user=user, assessment=found)
    return render(
        request,
        "evaluations/assessment.html",
        {
            "assessment": found,
            "patient": found.patient,
            "evaluation": found.evaluation,
            "page": page,
            "can_acknowledge": user.has_perm(EDIT_CLINICAL),
            "can_revise": user.has_perm(EDIT_CLINICAL),
            "age": found.patient.age_on(found.as_of),
        },
    )


@require_POST
@_login_required
def acknowledge(request: HttpRequest, assessment_id: int) -> HttpResponseRedirect:
    user = _require(request, EDIT_CLINICAL)
    found = selectors.assessment_get_visible(user=user, assessment_id=assessment_id)
    if found is None:
        raise Http404("No such assessment")
    try:
        services.assessment_acknowledge_red_flags(user=user, assessment=found)
    except UserError as exc:
        messages.error(request, exc.message[:1].upper() + exc.message[1:] + ".")
    else:
        messages.success(request, "Red flags acknowledged.")
    return redirect("evaluations:assessment", assessment_id=found.pk)
