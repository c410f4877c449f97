"""``compose_plan(record, assessment, kb)``: the personalised, stepped treatment plan.

Mechanism only; every option, dose, phase and reason is knowledge-base data:
- ``tables/treatment-options.yaml``: the phases of stepped care and the options considered;
- ``tables/drugs.yaml``: the drug table (class, RxNorm codes, usual dose and maximum, cautions);
- rules in the categories below, evaluated over the Assessment's facts.

An option is *considered* when any rule names it. Its status, in order of precedence:
``excluded`` (a ``contraindicated`` rule fired) → ``not-offered`` (the profile does not
recommend it) → ``data-needed`` (an offer fired but a contraindication check is undecided) →
``proposed`` (an offer fired; ``caution`` rules that fired are attached). A contraindicated
option is therefore never proposed, and an unknown safety fact is never read as "safe".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from spinecare.core.evaluation.assessment import Assessment, Basis
from spinecare.core.evaluation.evaluate import PLAN_CATEGORIES
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase, Rule
from spinecare.core.leaflets import leaflet_extra
from spinecare.core.plan.model import Goal, PlanItem, PlanPhase, Reason, TreatmentPlan
from spinecare.core.plan.opioid_safety import opioid_safety
from spinecare.core.rules import RuleResult, run_rules

HOLD_URGENCIES = ("emergency", "urgent")


def compose_plan(
    assessment: Assessment, kb: KnowledgeBase, *, record: EvaluationRecord | None = None
) -> TreatmentPlan:
    """Compose the plan for an Assessment (its facts, profile and red flags).

    With the evaluation ``record``, the plan also carries the opioid-safety summary (total
    MME/day and CDC 2022 flags) of the patient's current medicines.
    """
    table: Mapping[str, Any] = kb.tables.get("treatment-options", {})
    drugs: Mapping[str, Any] = kb.tables.get("drugs", {}).get("drugs", {})
    options = plan_options(kb)
    rules = [r for r in kb.rules_for(assessment.profile) if r.category in PLAN_CATEGORIES]
    results = run_rules(rules, assessment.facts)
    by_option = _group_by_option(results, options, drugs)

    items = [
        _item(option_id, options[option_id], drugs, by_option[option_id])
        for option_id in options
        if option_id in by_option and _considered(by_option[option_id])
    ]
    phase_order = {pid: int(p.get("order", 0)) for pid, p in table.get("phases", {}).items()}
    items.sort(key=lambda i: (phase_order.get(i.phase, 99), _STATUS_ORDER[i.status], i.title))

    urgent = tuple(
        {
            "flag": f.flag,
            "title": f.title,
            "urgency": f.urgency,
            "action": f.action,
            "basis": f.basis.to_dict(),
        }
        for f in assessment.red_flags
    )
    hold = next((f for f in assessment.red_flags if f.urgency in HOLD_URGENCIES), None)
    hold_text = f"On hold: act on the {hold.urgency} red flag first ({hold.title})." if hold else ""
    phases = tuple(
        _phase(pid, spec, results, hold_text)
        for pid, spec in sorted(
            table.get("phases", {}).items(), key=lambda kv: kv[1].get("order", 0)
        )
    )
    from spinecare.core.surgery.referral import with_surgical_actions

    extra = _extra(assessment, kb, record)
    return TreatmentPlan(
        patient_id=assessment.patient_id,
        as_of=assessment.as_of,
        profile=assessment.profile,
        urgent_actions=with_surgical_actions(urgent, extra),  # urgent surgery first
        phases=phases,
        items=tuple(items),
        goals=_goals(assessment, kb, results),
        kb_version=kb.version,
        kb_hash=kb.content_hash,
        rules_fired=tuple(r.rule.ref for r in results if r.fired),
        rules_undecided=tuple(r.rule.ref for r in results if r.undecided),
        extra=extra,
    )


def plan_options(kb: KnowledgeBase) -> dict[str, Mapping[str, Any]]:
    """Every option: the treatment-options table plus each drug that names a plan phase."""
    options: dict[str, Mapping[str, Any]] = dict(
        kb.tables.get("treatment-options", {}).get("options", {})
    )
    for did, drug in kb.tables.get("drugs", {}).get("drugs", {}).items():
        if drug.get("phase"):
            options.setdefault(
                did,
                {
                    "title": drug["title"],
                    "kind": "medicine",
                    "phase": drug["phase"],
                    "drug": did,
                    "detail": "",
                },
            )
    return options


def _extra(
    assessment: Assessment, kb: KnowledgeBase, record: EvaluationRecord | None
) -> dict[str, Any]:
    extra: dict[str, Any] = dict(leaflet_extra(assessment, kb))  # patient leaflets, always
    if record is None:
        return extra
    from spinecare.core.interventions import plan_entry  # eligibility per procedure (issue 5)

    if (interventions := plan_entry(assessment, kb, record)) is not None:
        extra["interventions"] = interventions
    from spinecare.core.surgery.referral import surgical_referral_extra  # issue 5

    extra |= surgical_referral_extra(assessment, kb, record)
    safety = opioid_safety(record, kb, as_of=dt.date.fromisoformat(assessment.as_of))
    return {**extra, "opioid_safety": safety} if safety is not None else extra


_STATUS_ORDER = {"proposed": 0, "data-needed": 1, "not-offered": 2, "excluded": 3}


def _targets(rule: Rule, options: Mapping[str, Any], drugs: Mapping[str, Any]) -> list[str]:
    then = rule.then
    if "option" in then:
        return [then["option"]]
    if "options" in then:
        return list(then["options"])
    cls = then.get("drug_class")
    return [
        oid
        for oid, spec in options.items()
        if spec.get("drug") and cls in drugs.get(spec["drug"], {}).get("classes", [])
    ]


def _group_by_option(
    results: Iterable[RuleResult], options: Mapping[str, Any], drugs: Mapping[str, Any]
) -> dict[str, list[RuleResult]]:
    grouped: dict[str, list[RuleResult]] = {}
    for res in results:
        if res.rule.category in ("phase_entry", "goal"):
            continue
        for oid in _targets(res.rule, options, drugs):
            grouped.setdefault(oid, []).append(res)
    return grouped


def _considered(results: list[RuleResult]) -> bool:
    """Shown when an offer or a "not offered" rule fired, or an offer waits on data."""
    return any(
        (r.fired and r.rule.category in ("treatment_offer", "treatment_not_offered"))
        or (r.undecided and r.rule.category == "treatment_offer")
        for r in results
    )


def _basis(res: RuleResult) -> Basis:
    return Basis(
        rule=res.rule.ref,
        title=res.rule.title,
        findings=dict(res.supporting),
        cites=tuple(str(c) for c in res.rule.cites),
        rationale=res.rule.rationale,
    )


def _reason(res: RuleResult) -> Reason:
    return Reason(res.rule.then["summary"], _basis(res), res.rule.then.get("severity", ""))


def _item(
    option_id: str, spec: Mapping[str, Any], drugs: Mapping[str, Any], results: list[RuleResult]
) -> PlanItem:
    def fired(category: str, severity: str | None = None) -> list[RuleResult]:
        return [
            r
            for r in results
            if r.fired
            and r.rule.category == category
            and (severity is None or r.rule.then.get("severity") == severity)
        ]

    offers = fired("treatment_offer")
    contraindicated = fired("treatment_contraindication", "contraindicated")
    not_offered = fired("treatment_not_offered")
    cautions = fired("treatment_contraindication", "caution")
    pending = [
        r
        for r in results
        if r.undecided
        and r.rule.category == "treatment_contraindication"
        and r.rule.then.get("severity") == "contraindicated"
    ]
    offer_pending = [r for r in results if r.undecided and r.rule.category == "treatment_offer"]
    missing = sorted(
        {m for r in (pending if offers else [*offer_pending, *pending]) for m in r.missing}
    )
    if contraindicated:
        status = "excluded"
    elif not_offered:
        status = "not-offered"
    elif offers and not pending:
        status = "proposed"
    else:
        status = "data-needed"
    drug_id = spec.get("drug")
    detail = spec.get("detail", "")
    if drug_id and not detail:
        detail = drugs.get(drug_id, {}).get("usual_adult_dose", "")
    strength = (
        "offer" if any(r.rule.then.get("strength") == "offer" for r in offers) else "consider"
    )
    return PlanItem(
        option=option_id,
        title=spec["title"],
        kind=spec["kind"],
        phase=spec["phase"],
        status=status,
        detail=detail,
        strength=strength if offers else "",
        why=tuple(_reason(r) for r in offers),
        reasons_against=tuple(_reason(r) for r in (*contraindicated, *not_offered)),
        cautions=tuple(_reason(r) for r in cautions),
        data_needed=tuple(missing) if status == "data-needed" else (),
        drug=drug_id,
    )


def _phase(pid: str, spec: Mapping[str, Any], results: list[RuleResult], hold: str) -> PlanPhase:
    entry_rules = [
        r for r in results if r.rule.category == "phase_entry" and r.rule.then.get("phase") == pid
    ]
    if not entry_rules:
        entry = "always"
    elif any(r.fired for r in entry_rules):
        entry = "met"
    elif any(r.undecided for r in entry_rules):
        entry = "data-needed"
    else:
        entry = "not-met"
    return PlanPhase(
        id=pid,
        title=spec["title"],
        order=int(spec.get("order", 0)),
        description=spec.get("description", ""),
        entry=entry,
        entry_criteria=tuple(_reason(r) for r in entry_rules if r.fired),
        on_hold=hold if hold and not spec.get("urgent", False) else "",
    )


def _goals(
    assessment: Assessment, kb: KnowledgeBase, results: list[RuleResult]
) -> tuple[Goal, ...]:
    goals = []
    for res in results:
        if not (res.fired and res.rule.category == "goal"):
            continue
        then = res.rule.then
        measure = then.get("measure", "")
        baseline = assessment.scores.get(measure, {}).get("score")
        target = then.get("target_text", "")
        inst = kb.instruments.get(measure)
        if then.get("target") == "mic" and inst is not None and inst.mic is not None:
            target = _mic_target(inst.mic.points, inst.mic.percent, baseline)
        goals.append(Goal(then["goal"], then["summary"], measure, baseline, target, _basis(res)))
    return tuple(goals)


def _mic_target(points: float | None, percent: float | None, baseline: float | None) -> str:
    """An improvement of at least the minimal important change (points or percent of baseline)."""
    parts = []
    if points is not None:
        parts.append(f"{points:g} points")
    if percent is not None:
        parts.append(f"{percent:g} %")
    text = f"improve by at least {' or '.join(parts)} (minimal important change)"
    if baseline is None:
        return text + "; baseline not recorded yet"
    drops = [
        d
        for d in (points, (baseline * percent / 100) if percent is not None else None)
        if d is not None
    ]
    target = baseline - min(drops)
    return f"{text}: from {round(baseline, 1):g} to {round(max(target, 0.0), 1):g} or lower"
