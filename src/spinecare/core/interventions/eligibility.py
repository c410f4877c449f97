"""Eligibility for minimally invasive procedures, criterion by criterion.

Mechanism only. The procedures, each profile's ordered criteria (conditions in the ordinary
condition language), their citations and what a failure means are knowledge-base data
(``tables/interventions.yaml``). Evaluation is three-valued: a criterion whose condition
hinges on an unknown fact is ``data-needed``, never ``not-met`` and never ``met``.

Overall result, in order of precedence:
- ``not-eligible`` — a criterion with ``on_fail: not-eligible`` is not met;
- ``cannot-decide`` — any other criterion is not met (``on_fail: cannot-decide``, e.g. a
  safety plan to agree first) or needs data;
- ``eligible`` — every criterion is met. Nothing else can give ``eligible``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from spinecare.core.conditions import compile_condition
from spinecare.core.evaluation.assessment import Assessment
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.facts import normalise_facts
from spinecare.core.interventions.log import log_facts
from spinecare.core.interventions.model import (
    CANNOT_DECIDE,
    DATA_NEEDED,
    ELIGIBLE,
    MET,
    NOT_ELIGIBLE,
    NOT_MET,
    CriterionResult,
    InterventionsReport,
    ProcedureEligibility,
)
from spinecare.core.knowledge_base import KnowledgeBase

TABLE = "interventions"
SCREEN_FACTS = (
    "systemic_infection",
    "injection_site_infection",
    "anticoagulation_plan_agreed",
    "acute_severe_sciatica",
    "facet_pain_suspected",
    "rfa_not_possible_reason",
)


def intervention_facts(
    assessment: Assessment, record: EvaluationRecord, kb: KnowledgeBase
) -> dict[str, Any]:
    """The Assessment's facts plus those derived from the procedure log and safety screen."""
    table: Mapping[str, Any] = kb.tables.get(TABLE, {})
    as_of = dt.date.fromisoformat(assessment.as_of)
    raw: dict[str, Any] = log_facts(record.procedures, table.get("log_facts", {}), as_of=as_of)
    screen = record.intervention_screen
    raw |= {name: getattr(screen, name) for name in SCREEN_FACTS}
    raw["contrast_allergy"] = _contrast_allergy(record, table.get("contrast_allergy_terms", []))
    raw["root_imaging_concordant"] = _imaging_concordant(assessment)
    raw["baseline_outcome_recorded"] = any(
        inst in assessment.scores for inst in table.get("baseline_instruments", [])
    )
    facts = dict(assessment.facts)
    facts.update(normalise_facts(kb.facts, raw))
    return facts


def _contrast_allergy(record: EvaluationRecord, terms: list[str]) -> bool | None:
    explicit = record.intervention_screen.contrast_allergy
    if explicit is not None:
        return explicit
    allergies = record.patient.allergies
    if allergies is None:
        return None  # not asked: unknown, never "no allergy"
    return any(term in a.lower() for a in allergies for term in terms)


def _imaging_concordant(assessment: Assessment) -> bool | None:
    """A localised root with concordant imaging → yes; localised roots all discordant → no."""
    states = {r.imaging for r in assessment.localisation}
    if "concordant" in states:
        return True
    if states and states <= {"discordant"}:
        return False
    return None


def rule_set(kb: KnowledgeBase, profile: str) -> str:
    return str(kb.tables.get(TABLE, {}).get("rule_sets", {}).get(profile, ""))


def evaluate_interventions(
    assessment: Assessment,
    record: EvaluationRecord,
    kb: KnowledgeBase,
    *,
    procedure: str | None = None,
) -> InterventionsReport:
    """Eligibility of every procedure (or one) under the Assessment's profile."""
    profile = assessment.profile
    facts = intervention_facts(assessment, record, kb)
    log_names = kb.tables.get(TABLE, {}).get("log_facts", {})
    return InterventionsReport(
        profile=profile,
        rule_set=rule_set(kb, profile),
        as_of=assessment.as_of,
        procedures=eligibility_from_facts(facts, kb, profile, procedure=procedure),
        log_facts={k: facts.get(k) for k in log_names},
    )


def eligibility_from_facts(
    facts: Mapping[str, Any], kb: KnowledgeBase, profile: str, *, procedure: str | None = None
) -> tuple[ProcedureEligibility, ...]:
    """Each procedure's eligibility under ``profile`` from a complete set of facts."""
    out = []
    for pid, spec in kb.tables.get(TABLE, {}).get("procedures", {}).items():
        if procedure is not None and pid != procedure:
            continue
        criteria = spec.get("profiles", {}).get(profile)
        if criteria is None:
            continue
        out.append(_procedure(pid, spec, profile, rule_set(kb, profile), criteria, facts, kb))
    return tuple(out)


def _procedure(
    pid: str,
    spec: Mapping[str, Any],
    profile: str,
    rules: str,
    criteria: Mapping[str, Any],
    facts: Mapping[str, Any],
    kb: KnowledgeBase,
) -> ProcedureEligibility:
    results = tuple(
        _criterion(c, facts, kb, f"tables/{TABLE}.procedures.{pid}.profiles.{profile}.{i}")
        for i, c in enumerate(criteria["criteria"])
    )
    hard = [c for c in results if c.status == NOT_MET and c.on_fail == NOT_ELIGIBLE]
    pending = [c for c in results if c.status != MET]
    because: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    if hard:
        status = NOT_ELIGIBLE
        because = tuple(c.fail_text or f"not met: {c.label}" for c in hard)
    elif pending:
        status = CANNOT_DECIDE
        items: list[str] = []
        for c in pending:
            wanted = list(c.missing) if c.status == DATA_NEEDED else [c.fail_text or c.label]
            items += [w for w in wanted if w not in items]
        needs = tuple(items)
    else:
        status = ELIGIBLE
    assert status != ELIGIBLE or all(c.status == MET for c in results)  # safety invariant
    return ProcedureEligibility(
        procedure=pid,
        title=str(spec["title"]),
        profile=profile,
        rule_set=rules,
        status=status,
        criteria=results,
        because=because,
        needs=needs,
    )


def _criterion(
    crit: Mapping[str, Any], facts: Mapping[str, Any], kb: KnowledgeBase, path: str
) -> CriterionResult:
    when = crit["when"]
    findings: dict[str, Any] = {}
    missing: frozenset[str] = frozenset()
    if when is False:
        truth: bool | None = False
    else:
        cond = compile_condition(when, kb.facts, path=f"{path}.when")
        truth, missing = cond.evaluate(facts)
        findings = {f: facts[f] for f in sorted(cond.facts) if f in facts}
    status = MET if truth is True else NOT_MET if truth is False else DATA_NEEDED
    return CriterionResult(
        id=str(crit["id"]),
        label=str(crit["label"]),
        status=status,
        on_fail=str(crit["on_fail"]),
        fail_text=str(crit.get("fail_text", "")),
        cites=tuple(str(c) for c in crit["cites"]),
        missing=tuple(sorted(missing)) if status == DATA_NEEDED else (),
        findings=tuple(findings.items()),
    )


def check_table(kb: KnowledgeBase) -> list[str]:
    """Every criterion condition compiles against the declared facts; problems as text."""
    from spinecare.core.errors import ConditionError

    problems: list[str] = []
    table: Mapping[str, Any] = kb.tables.get(TABLE, {})
    for pid, spec in table.get("procedures", {}).items():
        for profile, crits in spec.get("profiles", {}).items():
            for i, c in enumerate(crits["criteria"]):
                if c["when"] is False:
                    continue
                path = f"tables/{TABLE}.procedures.{pid}.profiles.{profile}.{i}.when"
                try:
                    compile_condition(c["when"], kb.facts, path=path)
                except ConditionError as exc:
                    problems.append(f"{exc.field}: {exc}")
    for name in table.get("log_facts", {}):
        if name not in kb.facts:
            problems.append(f"tables/{TABLE}.log_facts.{name}: fact not declared in facts/")
    return problems


def plan_entry(
    assessment: Assessment, kb: KnowledgeBase, record: EvaluationRecord
) -> dict[str, Any] | None:
    """The ``interventions`` entry of a TreatmentPlan's ``extra`` (interventional phase)."""
    if TABLE not in kb.tables:
        return None
    report = evaluate_interventions(assessment, record, kb)
    return {"phase": "interventional", **report.to_dict()}
