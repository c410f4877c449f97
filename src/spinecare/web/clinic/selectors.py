"""Reads for the clinic pages. Keyword-only ``<entity>_<action>`` functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Case, IntegerField, Max, Q, Value, When
from django.db.models.fields.json import KeyTransform

from spinecare.core.evaluation.assessment import URGENCY_ORDER
from spinecare.core.knowledge_base import KnowledgeBase, Rule, Source
from spinecare.web.clinic.kb_render import (
    ConditionLine,
    ThenItem,
    category_sort_key,
    category_title,
    condition_lines,
    then_items,
)
from spinecare.web.evaluations.models import Assessment, Evaluation, EvaluationStatus
from spinecare.web.kb import get_kb
from spinecare.web.patients.models import Patient
from spinecare.web.patients.selectors import RedFlagBrief, patient_visible_to, red_flag_briefs


@dataclass(frozen=True, slots=True)
class KBSummary:
    """What the home page says about the knowledge base in use."""

    label: str
    version: str
    release_date: str
    status: str
    content_hash: str
    short_hash: str
    rule_count: int
    instrument_count: int
    default_profile_id: str
    default_profile_title: str


def kb_get_summary() -> KBSummary:
    """The KB in use. Raises ``KnowledgeBaseError`` when it does not validate."""
    kb = get_kb()
    profile = kb.profiles.get(kb.default_profile)
    return KBSummary(
        label=kb.label,
        version=kb.version,
        release_date=str(kb.release_date),
        status=kb.status,
        content_hash=kb.content_hash,
        short_hash=kb.short_hash,
        rule_count=len(kb.rules),
        instrument_count=len(kb.instruments),
        default_profile_id=kb.default_profile,
        default_profile_title=profile.title if profile else kb.default_profile,
    )


# ---------------------------------------------------------------- the knowledge base page


@dataclass(frozen=True, slots=True)
class CitationView:
    """A rule's citation resolved to its source (``found`` is False if it does not resolve)."""

    source_id: str
    section: str
    short: str
    title: str
    found: bool


@dataclass(frozen=True, slots=True)
class DisabledIn:
    profile_id: str
    profile_title: str
    reason: str


@dataclass(frozen=True, slots=True)
class RuleView:
    id: str
    title: str
    category: str
    status: str
    version: str
    when: ConditionLine
    summary: str
    then: tuple[ThenItem, ...]
    urgency: str
    strength: str
    evidence_quality: str
    citations: tuple[CitationView, ...]
    rationale: str
    disabled_in: tuple[DisabledIn, ...]


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: str
    title: str
    rules: tuple[RuleView, ...]

    @property
    def anchor(self) -> str:
        return f"category-{self.id}"


@dataclass(frozen=True, slots=True)
class DisabledRule:
    rule_id: str
    rule_title: str
    reason: str


@dataclass(frozen=True, slots=True)
class ProfileView:
    id: str
    title: str
    jurisdiction: str
    description: str
    is_default: bool
    disabled: tuple[DisabledRule, ...]


@dataclass(frozen=True, slots=True)
class KBPage:
    """Everything the knowledge base page shows, for all rules or those in force in a profile."""

    summary: KBSummary
    profiles: tuple[ProfileView, ...]
    selected_profile: ProfileView | None
    categories: tuple[CategoryView, ...]
    sources: tuple[Source, ...]
    rule_count: int


def kb_get_page(*, profile_id: str | None = None) -> KBPage:
    """The KB in use, readable by a clinician; ``profile_id`` keeps only the rules in force.

    Raises ``KnowledgeBaseError`` when the KB does not validate and ``UserError`` (field
    ``profile``) for an unknown profile.
    """
    kb = get_kb()
    profiles = tuple(
        ProfileView(
            id=p.id,
            title=p.title,
            jurisdiction=p.jurisdiction,
            description=" ".join(p.description.split()),
            is_default=p.id == kb.default_profile,
            disabled=tuple(
                DisabledRule(
                    rule_id=rule_id,
                    rule_title=kb.rules_by_id[rule_id].title if rule_id in kb.rules_by_id else "",
                    reason=" ".join(reason.split()),
                )
                for rule_id, reason in p.disabled.items()
            ),
        )
        for p in sorted(kb.profiles.values(), key=lambda p: (p.id != kb.default_profile, p.id))
    )
    selected = None
    rules: tuple[Rule, ...] = kb.rules
    if profile_id:
        selected_id = kb.profile(profile_id).id
        selected = next(p for p in profiles if p.id == selected_id)
        rules = kb.rules_for(selected_id)
    by_category: dict[str, list[RuleView]] = {}
    for rule in rules:
        by_category.setdefault(rule.category, []).append(_rule_view(kb, rule))
    categories = tuple(
        CategoryView(id=cat, title=category_title(cat), rules=tuple(by_category[cat]))
        for cat in sorted(by_category, key=category_sort_key)
    )
    sources = tuple(sorted(kb.sources.values(), key=lambda s: (s.short or s.title).casefold()))
    return KBPage(
        summary=kb_get_summary(),
        profiles=profiles,
        selected_profile=selected,
        categories=categories,
        sources=sources,
        rule_count=len(rules),
    )


def _rule_view(kb: KnowledgeBase, rule: Rule) -> RuleView:
    citations = []
    for cite in rule.cites:
        source = kb.sources.get(cite.source)
        citations.append(
            CitationView(
                source_id=cite.source,
                section=cite.section,
                short=(source.short or source.title) if source else cite.source,
                title=source.title if source else "",
                found=source is not None,
            )
        )
    return RuleView(
        id=rule.id,
        title=rule.title,
        category=rule.category,
        status=rule.status,
        version=rule.version,
        when=condition_lines(rule.when.source, kb.facts),
        summary=" ".join(str(rule.then.get("summary", "")).split()),
        then=tuple(then_items(rule.then, kb.facts)),
        urgency=str(rule.then.get("urgency", "")),
        strength=rule.strength,
        evidence_quality=rule.evidence_quality,
        citations=tuple(citations),
        rationale=" ".join(rule.rationale.split()),
        disabled_in=tuple(
            DisabledIn(profile_id=p.id, profile_title=p.title, reason=" ".join(reason.split()))
            for p in kb.profiles.values()
            for rule_id, reason in p.disabled.items()
            if rule_id == rule.id
        ),
    )


# ---------------------------------------------------------------- the worklist

_URGENCY_RANK = Case(
    *(When(highest_urgency=u, then=Value(i)) for i, u in enumerate(URGENCY_ORDER)),
    default=Value(len(URGENCY_ORDER)),
    output_field=IntegerField(),
)


@dataclass(frozen=True, slots=True)
class OpenRedFlags:
    """A patient's most urgent assessment whose red flags nobody has acknowledged yet."""

    patient: Patient
    assessment: Assessment
    red_flags: tuple[RedFlagBrief, ...]

    @property
    def urgency(self) -> str:
        return self.assessment.highest_urgency


@dataclass(frozen=True, slots=True)
class Worklist:
    open_red_flags: tuple[OpenRedFlags, ...]
    drafts: tuple[Evaluation, ...]
    recent: tuple[Patient, ...]

    @property
    def patient_ids(self) -> list[int]:
        """Every patient shown, for the audit trail."""
        ids = {row.patient.pk for row in self.open_red_flags}
        ids |= {e.patient_id for e in self.drafts}
        ids |= {p.pk for p in self.recent}
        return sorted(ids)


def worklist_open_red_flags(*, user: User, limit: int = 50) -> list[OpenRedFlags]:
    """One row per patient the user may see, most urgent first, then newest first."""
    assessments = (
        Assessment.objects.exclude(highest_urgency="")
        .filter(
            red_flags_acknowledged_at__isnull=True,
            patient__in=patient_visible_to(user=user).values("pk"),
        )
        .defer("result", "rules_fired")
        .annotate(urgency_rank=_URGENCY_RANK, red_flag_items=KeyTransform("red_flags", "result"))
        .select_related("patient")
        .order_by("urgency_rank", "-created_at", "-id")[: limit * 4]
    )
    rows: dict[int, OpenRedFlags] = {}
    for a in assessments:
        if a.patient_id not in rows and len(rows) < limit:
            rows[a.patient_id] = OpenRedFlags(
                patient=a.patient,
                assessment=a,
                red_flags=red_flag_briefs(a.red_flag_items),
            )
    return list(rows.values())


def worklist_draft_evaluations(*, user: User, limit: int = 25) -> list[Evaluation]:
    """Evaluations still in draft for patients the user may see, most recently touched first."""
    return list(
        Evaluation.objects.filter(
            status=EvaluationStatus.DRAFT,
            patient__in=patient_visible_to(user=user).values("pk"),
        )
        .defer("record", "form_state")
        .select_related("patient", "created_by")
        .order_by("-updated_at", "-id")[:limit]
    )


def worklist_recent_patients(*, user: User, today: dt.date, limit: int = 10) -> list[Patient]:
    """Patients the user may see with an evaluation up to ``today``, most recently seen first.

    Each carries ``last_seen`` (the date of their latest evaluation).
    """
    return list(
        patient_visible_to(user=user)
        .annotate(
            last_seen=Max(
                "evaluations__evaluation_date",
                filter=Q(evaluations__evaluation_date__lte=today),
            )
        )
        .filter(last_seen__isnull=False)
        .order_by("-last_seen", "family_name", "id")[:limit]
    )


def worklist_get(*, user: User, today: dt.date) -> Worklist:
    return Worklist(
        open_red_flags=tuple(worklist_open_red_flags(user=user)),
        drafts=tuple(worklist_draft_evaluations(user=user)),
        recent=tuple(worklist_recent_patients(user=user, today=today)),
    )
