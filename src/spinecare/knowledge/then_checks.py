"""What a rule's ``then`` must hold, by category, checked at load time.

A category not listed here only needs the ``summary`` every rule has (``schema.RuleModel``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from spinecare.core.errors import KBIssue
from spinecare.core.evaluation.assessment import URGENCY_ORDER
from spinecare.core.knowledge_base import KnowledgeBase, Rule
from spinecare.core.text import did_you_mean

Check = Callable[[KnowledgeBase, Rule], list[str]]


def _need_text(then: Mapping[str, Any], *keys: str) -> list[str]:
    return [
        f"then.{k}: required text" for k in keys if not isinstance(then.get(k), str) or not then[k]
    ]


def _red_flag(kb: KnowledgeBase, rule: Rule) -> list[str]:
    then = rule.then
    out = _need_text(then, "flag", "action")
    if then.get("urgency") not in URGENCY_ORDER:
        out.append(f"then.urgency: must be one of {', '.join(URGENCY_ORDER)}")
    return out


def _derivation(kb: KnowledgeBase, rule: Rule) -> list[str]:
    values = rule.then.get("set")
    if not isinstance(values, Mapping) or not values:
        return ["then.set: a derivation sets at least one fact"]
    out = []
    for name, value in values.items():
        spec = kb.facts.get(name)
        if spec is None:
            out.append(f"then.set.{name}: unknown fact{did_you_mean(name, kb.facts)}")
            continue
        problem = spec.check_value(value)
        if problem:
            out.append(f"then.set.{name}: {problem}")
    return out


def _imaging_variant(kb: KnowledgeBase, rule: Rule) -> list[str]:
    variants = kb.tables.get("acr-lbp-2021", {}).get("variants", {})
    v = rule.then.get("acr_variant")
    return [] if v in variants else [f"then.acr_variant: '{v}' is not a variant of the ACR table"]


def _diagnosis(kb: KnowledgeBase, rule: Rule) -> list[str]:
    catalogue = kb.tables.get("diagnoses", {}).get("diagnoses", {})
    dx = rule.then.get("diagnosis")
    out = (
        []
        if dx in catalogue
        else [
            f"then.diagnosis: '{dx}' is not in tables/diagnoses.yaml{did_you_mean(str(dx), catalogue)}"
        ]
    )
    if rule.category == "diagnosis" and rule.then.get("likelihood") not in ("likely", "possible"):
        out.append("then.likelihood: must be likely or possible")
    return out


def _plan_target(kb: KnowledgeBase, rule: Rule) -> list[str]:
    from spinecare.core.plan.compose import plan_options

    options = plan_options(kb)
    classes = kb.tables.get("drugs", {}).get("classes", {})
    then = rule.then
    named = [k for k in ("option", "options", "drug_class") if k in then]
    if len(named) != 1:
        return ["then: name exactly one of option, options, drug_class"]
    out = []
    wanted = then.get("options") or ([then["option"]] if "option" in then else [])
    for oid in wanted:
        if oid not in options:
            out.append(
                f"then.option: '{oid}' is not in tables/treatment-options.yaml{did_you_mean(str(oid), options)}"
            )
    if "drug_class" in then and then["drug_class"] not in classes:
        out.append(f"then.drug_class: '{then['drug_class']}' is not a class of tables/drugs.yaml")
    return out


def _treatment_offer(kb: KnowledgeBase, rule: Rule) -> list[str]:
    out = _plan_target(kb, rule)
    if rule.then.get("strength") not in ("offer", "consider"):
        out.append("then.strength: must be offer or consider")
    return out


def _treatment_contraindication(kb: KnowledgeBase, rule: Rule) -> list[str]:
    out = _plan_target(kb, rule)
    if rule.then.get("severity") not in ("contraindicated", "caution"):
        out.append("then.severity: must be contraindicated or caution")
    return out


def _phase_entry(kb: KnowledgeBase, rule: Rule) -> list[str]:
    phases = kb.tables.get("treatment-options", {}).get("phases", {})
    p = rule.then.get("phase")
    return (
        []
        if p in phases
        else [f"then.phase: '{p}' is not a phase of tables/treatment-options.yaml"]
    )


def _goal(kb: KnowledgeBase, rule: Rule) -> list[str]:
    then = rule.then
    out = _need_text(then, "goal")
    if then.get("target") == "mic" and then.get("measure") not in kb.instruments:
        out.append(f"then.measure: '{then.get('measure')}' is not an instrument")
    if then.get("target") != "mic" and not then.get("target_text"):
        out.append("then: a goal needs target: mic (with a measure) or a target_text")
    return out


def _leaflet(kb: KnowledgeBase, rule: Rule) -> list[str]:
    lid = rule.then.get("leaflet")
    if lid in kb.leaflets:
        return []
    hint = did_you_mean(str(lid), kb.leaflets)
    return [f"then.leaflet: '{lid}' is not a leaflet in leaflets/{hint}"]


def _followup_adjustment(kb: KnowledgeBase, rule: Rule) -> list[str]:
    from spinecare.core.followup.checks import check_adjustment

    return check_adjustment(kb, rule)


def _surgical_gate(rule: Rule) -> list[str]:
    """Surgical rules read work-up facts only the surgical module sets: they must start with
    the gate, so the general evaluation neither applies them nor asks for their data."""
    from spinecare.core.surgery.referral import GATE_FACT

    items = rule.when.source.get("all")
    first = items[0] if isinstance(items, list) and items else None
    if first != {"fact": GATE_FACT, "known": True}:
        return [f"when: must be an 'all' whose first item is {{fact: {GATE_FACT}, known: true}}"]
    return []


def _surgical_procedure(kb: KnowledgeBase, rule: Rule) -> list[str]:
    procedures = kb.tables.get("surgical-procedures", {}).get("procedures", {})
    p = rule.then.get("procedure")
    if p in procedures:
        return []
    return [
        f"then.procedure: '{p}' is not in tables/surgical-procedures.yaml{did_you_mean(str(p), procedures)}"
    ]


def _surgical_referral(kb: KnowledgeBase, rule: Rule) -> list[str]:
    from spinecare.core.surgery.referral import TOP_URGENCIES, URGENCIES

    then = rule.then
    out = _surgical_gate(rule) + _surgical_procedure(kb, rule)
    if then.get("urgency") not in URGENCIES:
        out.append(f"then.urgency: must be one of {', '.join(URGENCIES)}")
    reasons = then.get("reasons")
    if (
        not isinstance(reasons, list)
        or not reasons
        or not all(isinstance(r, str) and r for r in reasons)
    ):
        out.append("then.reasons: a non-empty list of texts")
    if then.get("urgency") in TOP_URGENCIES:
        out += _need_text(then, "action")
    if then.get("urgency") in ("emergency", "urgent", "elective"):
        out += _need_text(then, "question")
    return out


def _surgical_criterion(kb: KnowledgeBase, rule: Rule) -> list[str]:
    then = rule.then
    out = _surgical_gate(rule) + _surgical_procedure(kb, rule) + _need_text(then, "criterion")
    if then.get("role") not in ("required", "trial"):
        out.append("then.role: must be required or trial")
    return out


CHECKS: dict[str, Check] = {
    "red_flag": _red_flag,
    "derivation": _derivation,
    "imaging_variant": _imaging_variant,
    "diagnosis": _diagnosis,
    "diagnosis_against": _diagnosis,
    "treatment_offer": _treatment_offer,
    "treatment_not_offered": _plan_target,
    "treatment_contraindication": _treatment_contraindication,
    "phase_entry": _phase_entry,
    "goal": _goal,
    "followup_adjustment": _followup_adjustment,
    "leaflet": _leaflet,
    "surgical_referral": _surgical_referral,
    "surgical_criterion": _surgical_criterion,
}


def check_then(kb: KnowledgeBase) -> list[KBIssue]:
    issues = []
    for rule in kb.rules:
        check = CHECKS.get(rule.category)
        for problem in check(kb, rule) if check else []:
            key, _, message = problem.partition(": ")
            issues.append(KBIssue(rule.source_file, key, message))
    return issues
