"""``surgical_referral(record, assessment, kb)``: the surgical referral decision.

Mechanism only; every indication, urgency, reason and citation is knowledge-base data:
- ``surgical_referral`` rules (``rules/surgery/``): then.urgency emergency | urgent | elective |
  not-indicated, then.procedure (a key of ``tables/surgical-procedures.yaml``), summary,
  reasons, and for emergency/urgent an action;
- ``surgical_criterion`` rules: the lumbar disc replacement label criteria, each met / not met /
  data needed (three-valued logic; unknown is never read as met).

Every surgical rule starts with ``{fact: surgical_referral_check, known: true}``: the facts it
reads from the surgical work-up exist only here, so the general evaluation does not apply these
rules and does not ask for their data. Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spinecare.core.evaluation.assessment import Assessment, Basis
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.facts import FactValue, normalise_facts
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.core.rules import RuleResult, run_rules

GATE_FACT = "surgical_referral_check"
URGENCIES = ("emergency", "urgent", "elective", "not-indicated")
REFERRAL_URGENCIES = ("emergency", "urgent", "elective")
TOP_URGENCIES = ("emergency", "urgent")
CRITERION_STATUSES = ("met", "not-met", "data-needed")
ADR = "disc-replacement"
_L3_S1 = frozenset({"L3-L4", "L4-L5", "L5-S1"})
_STENOSIS = frozenset({"central_stenosis", "lateral_recess_stenosis", "foraminal_stenosis"})


@dataclass(frozen=True, slots=True)
class Referral:
    """One surgical referral conclusion (a ``surgical_referral`` rule that fired)."""

    urgency: str
    procedure: str
    procedure_title: str
    summary: str
    action: str
    reasons: tuple[str, ...]
    question: str
    basis: Basis

    def to_dict(self) -> dict[str, Any]:
        return {
            "urgency": self.urgency,
            "procedure": self.procedure,
            "procedure_title": self.procedure_title,
            "summary": self.summary,
            "action": self.action,
            "reasons": list(self.reasons),
            "question": self.question,
            "basis": self.basis.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    label: str
    role: str  # required | trial
    status: str  # met | not-met | data-needed
    data_needed: tuple[str, ...]
    basis: Basis

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "role": self.role,
            "status": self.status,
            "data_needed": list(self.data_needed),
            "basis": self.basis.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class DiscReplacementCandidacy:
    """The label check: candidate | not-candidate | cannot-decide | not-offered (profile)."""

    verdict: str
    summary: str
    criteria: tuple[Criterion, ...]
    not_met: tuple[str, ...]
    data_needed: tuple[str, ...]
    cautions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": self.summary,
            "criteria": [c.to_dict() for c in self.criteria],
            "not_met": list(self.not_met),
            "data_needed": list(self.data_needed),
            "cautions": list(self.cautions),
        }


@dataclass(frozen=True, slots=True)
class SurgicalReferralDecision:
    profile: str
    urgency: str  # the highest referral urgency, or not-indicated
    referrals: tuple[Referral, ...]  # emergency → urgent → elective
    not_indicated: tuple[Referral, ...]
    provisional: bool  # a more urgent referral could still apply once data are recorded
    pending: tuple[dict[str, Any], ...]
    data_needed: tuple[str, ...]
    disc_replacement: DiscReplacementCandidacy | None
    rules_fired: tuple[str, ...] = ()

    @property
    def top(self) -> Referral | None:
        return self.referrals[0] if self.referrals else None

    def to_dict(self) -> dict[str, Any]:
        top = self.top
        return {
            "profile": self.profile,
            "urgency": self.urgency,
            "summary": top.summary if top else _no_referral_summary(self),
            "provisional": self.provisional,
            "referrals": [r.to_dict() for r in self.referrals],
            "not_indicated": [r.to_dict() for r in self.not_indicated],
            "pending": list(self.pending),
            "data_needed": list(self.data_needed),
            "disc_replacement": self.disc_replacement.to_dict() if self.disc_replacement else None,
            "rules_fired": list(self.rules_fired),
        }


def _no_referral_summary(d: SurgicalReferralDecision) -> str:
    if d.provisional:
        return "No surgical referral indicated yet — data needed: " + ", ".join(d.data_needed)
    return "No surgical referral indicated by the knowledge base"


def surgical_facts(record: EvaluationRecord, assessment: Assessment) -> dict[str, FactValue]:
    """The work-up facts the surgical rules read, on top of the Assessment's facts (None dropped)."""
    w = record.surgical_workup
    slips = [f for s in record.imaging for f in s.findings if f.kind == "spondylolisthesis"]
    kinds = {f.kind for s in record.imaging for f in s.findings}
    raw: dict[str, Any] = {
        GATE_FACT: True,
        "imaging_concordant": w.imaging_consistent_with_symptoms
        if w.imaging_consistent_with_symptoms is not None
        else _concordance(assessment),
        "dexa_t_score": w.dexa_t_score,
        "skeletally_mature": w.skeletally_mature,
        "discogenic_pain_confirmed": w.discogenic_pain_confirmed,
        "pars_defect": w.pars_defect,
        "isolated_radicular_compression": w.isolated_radicular_compression,
        "endplate_ml_mm": w.endplate_ml_mm,
        "endplate_ap_mm": w.endplate_ap_mm,
        "compromised_vertebral_bodies": w.compromised_vertebral_bodies,
        "active_infection": w.active_infection,
        "implant_material_allergy": w.implant_material_allergy,
        "spondylolisthesis_grade": _slip_grade(record, slips),
        "spondylolisthesis_type": w.spondylolisthesis_type
        or ("none" if record.imaging and not slips else None),
        "bony_stenosis": w.bony_stenosis
        if w.bony_stenosis is not None
        else (False if record.imaging and not kinds & _STENOSIS else None),
    }
    if w.ddd_levels is not None:
        raw["ddd_level_count"] = len(w.ddd_levels)
        if w.ddd_levels:
            raw["ddd_levels_within_l3_s1"] = set(w.ddd_levels) <= _L3_S1
    return {k: v for k, v in raw.items() if v is not None}


def _concordance(assessment: Assessment) -> bool | None:
    """Yes if a localised root is compressed at the matching level; no if the localised roots
    were imaged and none is; unknown without a localised root or root imaging."""
    states = {r.imaging for r in assessment.localisation}
    if "concordant" in states:
        return True
    if states and states == {"discordant"}:
        return False
    return None


def _slip_grade(record: EvaluationRecord, slips: list[Any]) -> int | None:
    if not record.imaging:
        return None
    if not slips:
        return 0
    grades = [int(f.grade) for f in slips if f.grade in ("1", "2", "3", "4")]
    if len(grades) == len(slips) or (grades and max(grades) > 1):
        return max(grades)
    return None


def surgical_referral(
    record: EvaluationRecord, assessment: Assessment, kb: KnowledgeBase
) -> SurgicalReferralDecision:
    """Decide the surgical referral for an evaluated record, under the Assessment's profile."""
    extra = normalise_facts(kb.facts, surgical_facts(record, assessment))
    facts = {**assessment.facts, **extra}
    profile = assessment.profile
    referral_results = run_rules(kb.rules_for(profile, "surgical_referral"), facts)
    criterion_results = run_rules(kb.rules_for(profile, "surgical_criterion"), facts)
    procedures: Mapping[str, Any] = kb.tables.get("surgical-procedures", {}).get("procedures", {})
    fired = [_referral(r, procedures) for r in referral_results if r.fired]
    positive = sorted(
        (r for r in fired if r.urgency in REFERRAL_URGENCIES),
        key=lambda r: URGENCIES.index(r.urgency),
    )
    not_indicated = tuple(r for r in fired if r.urgency == "not-indicated")
    urgency = positive[0].urgency if positive else "not-indicated"
    rank = URGENCIES.index(urgency)
    pending_results = [
        r
        for r in referral_results
        if r.undecided
        and r.rule.then["urgency"] in REFERRAL_URGENCIES
        and URGENCIES.index(r.rule.then["urgency"]) < rank
    ]
    pending = tuple(
        {
            "rule": r.rule.ref,
            "title": r.rule.title,
            "urgency": r.rule.then["urgency"],
            "data_needed": sorted(r.missing - {GATE_FACT}),
        }
        for r in pending_results
    )
    needed = sorted({m for r in pending_results for m in r.missing} - {GATE_FACT})
    adr = _disc_replacement(criterion_results, not_indicated) if _adr_considered(record) else None
    return SurgicalReferralDecision(
        profile=profile,
        urgency=urgency,
        referrals=tuple(positive),
        not_indicated=not_indicated,
        provisional=bool(pending),
        pending=pending,
        data_needed=tuple(needed),
        disc_replacement=adr,
        rules_fired=tuple(r.rule.ref for r in (*referral_results, *criterion_results) if r.fired),
    )


def _adr_considered(record: EvaluationRecord) -> bool:
    """The label check is shown once degenerative disc disease or discogenic pain is recorded."""
    w = record.surgical_workup
    return bool(w.ddd_levels) or w.discogenic_pain_confirmed is True


def _basis(res: RuleResult) -> Basis:
    return Basis(
        rule=res.rule.ref,
        title=res.rule.title,
        findings={k: v for k, v in res.supporting.items() if k != GATE_FACT},
        cites=tuple(str(c) for c in res.rule.cites),
        rationale=res.rule.rationale,
    )


def _referral(res: RuleResult, procedures: Mapping[str, Any]) -> Referral:
    then = res.rule.then
    proc = then["procedure"]
    return Referral(
        urgency=then["urgency"],
        procedure=proc,
        procedure_title=procedures.get(proc, {}).get("title", proc),
        summary=then["summary"],
        action=then.get("action", ""),
        reasons=tuple(then.get("reasons", ())),
        question=then.get("question", ""),
        basis=_basis(res),
    )


def _criterion(res: RuleResult) -> Criterion:
    then = res.rule.then
    status = "met" if res.fired else "data-needed" if res.undecided else "not-met"
    return Criterion(
        id=then["criterion"],
        label=then["summary"],
        role=then.get("role", "required"),
        status=status,
        data_needed=tuple(sorted(res.missing - {GATE_FACT})) if res.undecided else (),
        basis=_basis(res),
    )


def _disc_replacement(
    results: list[RuleResult], not_indicated: tuple[Referral, ...]
) -> DiscReplacementCandidacy:
    criteria = tuple(_criterion(r) for r in results if r.rule.then.get("procedure") == ADR)
    required = [c for c in criteria if c.role == "required"]
    not_met = tuple(c.label for c in required if c.status == "not-met")
    needed = tuple(sorted({m for c in required for m in c.data_needed}))
    cautions = tuple(
        f"{c.label}: {'not met' if c.status == 'not-met' else 'not recorded'} — the trial "
        "evidence may not apply"
        for c in criteria
        if c.role == "trial" and c.status != "met"
    )
    against = [r for r in not_indicated if r.procedure == ADR]
    if against:
        verdict, summary = "not-offered", against[0].summary
    elif not_met:
        verdict, summary = "not-candidate", "Not a candidate: " + "; ".join(not_met)
    elif needed:
        verdict, summary = "cannot-decide", "Cannot decide — needs: " + ", ".join(needed)
    else:
        verdict, summary = "candidate", "Every label criterion is met"
    return DiscReplacementCandidacy(verdict, summary, criteria, not_met, needed, cautions)


def surgical_referral_extra(
    assessment: Assessment, kb: KnowledgeBase, record: EvaluationRecord | None
) -> dict[str, Any]:
    """The plan's ``extra`` entry (called from ``core.plan.compose._extra``)."""
    if record is None:
        return {}
    return {"surgical_referral": surgical_referral(record, assessment, kb).to_dict()}


def urgent_surgical_actions(extra: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    """Emergency and urgent surgical referrals as actions for the top of the plan."""
    decision = extra.get("surgical_referral") or {}
    return tuple(
        {
            "flag": "surgical-referral",
            "kind": "surgical-referral",
            "title": r["summary"],
            "urgency": r["urgency"],
            "action": r["action"] or r["summary"],
            "basis": r["basis"],
        }
        for r in decision.get("referrals", [])
        if r["urgency"] in TOP_URGENCIES
    )


def with_surgical_actions(
    urgent: tuple[dict[str, Any], ...], extra: Mapping[str, Any]
) -> tuple[dict[str, Any], ...]:
    """The plan's first actions: red-flag actions and emergency/urgent surgical referrals,
    most urgent first (a stable sort keeps red flags before referrals of the same urgency)."""
    from spinecare.core.evaluation.assessment import URGENCY_ORDER

    merged = (*urgent, *urgent_surgical_actions(extra))
    return tuple(sorted(merged, key=lambda a: URGENCY_ORDER.index(a["urgency"])))
