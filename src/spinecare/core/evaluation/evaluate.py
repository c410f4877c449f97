"""``evaluate(record, kb, as_of=...) -> Assessment``: the comprehensive evaluation engine.

Pure: no I/O, no clock. Order of work (CLINICAL_SAFETY.md): base facts from the record →
questionnaire scores → derivation rules → red-flag rules first → every other rule → the
Assessment, with red flags leading and data needed for red-flag questions marked high.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from spinecare.core.errors import UserError
from spinecare.core.evaluation.assessment import (
    URGENCY_ORDER,
    Assessment,
    Basis,
    Conclusion,
    DataNeeded,
    Diagnosis,
    ImagingAdvice,
    ImagingRating,
    RedFlag,
)
from spinecare.core.evaluation.derive import base_facts
from spinecare.core.evaluation.localise import localise
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.facts import FactValue, normalise_facts
from spinecare.core.instruments.scoring import score, score_total
from spinecare.core.knowledge_base import KnowledgeBase, Rule
from spinecare.core.plan.medicine_facts import medicine_facts
from spinecare.core.rules import RuleResult, run_rules
from spinecare.core.trace import build_trace

MAX_DERIVATION_PASSES = 5
as_of_min = dt.date.min
PLAN_CATEGORIES = frozenset(
    {
        "treatment_offer",
        "treatment_not_offered",
        "treatment_contraindication",
        "phase_entry",
        "goal",
    }
)
# Follow-up rules run over facts of an episode, in core.followup.engine, not here.
FOLLOWUP_CATEGORIES = frozenset({"followup_adjustment"})
SECTION_CATEGORIES = {
    "red_flag",
    "derivation",
    "imaging_variant",
    "imaging_statement",
    "stratification",
    "diagnosis",
    "diagnosis_against",
    "classification",
}


def evaluate(record: EvaluationRecord, kb: KnowledgeBase, *, as_of: dt.date) -> Assessment:
    """Turn one evaluation record into an Assessment under the record's guideline profile."""
    profile = kb.profile(record.profile).id
    raw = base_facts(record, as_of=as_of)
    scores = _score_questionnaires(record, kb, raw)
    med_facts, unrecognised, unmatched = medicine_facts(record, kb.tables.get("drugs", {}))
    raw |= med_facts
    facts = normalise_facts(kb.facts, {k: v for k, v in raw.items() if v is not None})
    derivations = kb.rules_for(profile, "derivation")
    facts, derived_from, derivation_results = apply_derivations(derivations, facts)
    # Plan rules (treatment options, phases, goals) run in core.plan.compose, not here.
    rules = [
        r
        for r in kb.rules_for(profile)
        if r.category != "derivation"
        and r.category not in PLAN_CATEGORIES
        and r.category not in FOLLOWUP_CATEGORIES
    ]
    # Red flags are evaluated first and lead everything that follows.
    rules.sort(key=lambda r: r.category != "red_flag")
    results = run_rules(rules, facts)
    by_cat: dict[str, list[RuleResult]] = {}
    for res in results:
        if res.fired:
            by_cat.setdefault(res.rule.category, []).append(res)
    trace = build_trace(
        kb, profile=profile, as_of=as_of.isoformat(), results=[*derivation_results, *results]
    )
    return Assessment(
        patient_id=record.patient_id,
        as_of=as_of.isoformat(),
        profile=profile,
        red_flags=_red_flags(by_cat.get("red_flag", [])),
        localisation=localise(record, kb.tables.get("nerve-roots", {})),
        imaging=_imaging(kb, record, results),
        stratification=tuple(_conclusion(r) for r in by_cat.get("stratification", [])),
        diagnoses=_diagnoses(kb, by_cat.get("diagnosis", []), by_cat.get("diagnosis_against", [])),
        classifications=tuple(_conclusion(r) for r in by_cat.get("classification", [])),
        scores=scores,
        data_needed=_data_needed(kb, results, derived_from),
        facts=dict(facts),
        trace=trace,
        unrecognised_medicines=tuple(unrecognised),
        unmatched_allergies=tuple(unmatched),
        other=tuple(
            _conclusion(r)
            for cat, rs in by_cat.items()
            if cat not in SECTION_CATEGORIES
            for r in rs
        ),
    )


def apply_derivations(
    rules: Iterable[Rule], facts: Mapping[str, FactValue]
) -> tuple[dict[str, FactValue], dict[str, frozenset[str]], list[RuleResult]]:
    """Run ``derivation`` rules to a fixed point; each sets facts via ``then.set``.

    Returns the enlarged facts, for each fact still unknown the inputs it waits on, and the
    results of the derivation rules that fired (for the trace). A derived fact is never
    overwritten: the first rule (in KB order) that sets it wins.
    """
    rules = list(rules)
    out = dict(facts)
    fired: dict[str, RuleResult] = {}
    for _ in range(MAX_DERIVATION_PASSES):
        changed = False
        for rule in rules:
            if rule.id in fired:
                continue
            res = run_rules([rule], out)[0]
            if res.fired:
                fired[rule.id] = res
                for name, value in rule.then["set"].items():
                    if name not in out:
                        out[name] = value
                        changed = True
        if not changed:
            break
    waiting: dict[str, frozenset[str]] = {}
    for rule in rules:
        if rule.id in fired:
            continue
        truth, missing = rule.when.evaluate(out)
        if truth is None:
            for name in rule.then["set"]:
                if name not in out:
                    waiting[name] = waiting.get(name, frozenset()) | missing
    return out, waiting, list(fired.values())


def _score_questionnaires(
    record: EvaluationRecord, kb: KnowledgeBase, raw: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Score each questionnaire (latest per instrument wins) and expose it as facts."""
    scores: dict[str, dict[str, Any]] = {}
    # The latest of each instrument wins: undated entries first, then by date, then list order.
    order = sorted(
        range(len(record.questionnaires)),
        key=lambda n: (
            record.questionnaires[n].date is not None,
            record.questionnaires[n].date or as_of_min,
            n,
        ),
    )
    for i in order:
        q = record.questionnaires[i]
        inst = kb.instruments.get(q.instrument)
        if inst is None:
            raise UserError(
                f"unknown instrument '{q.instrument}'", field=f"questionnaires.{i}.instrument"
            )
        if q.answers is not None:
            try:
                result = score(inst, q.answers).to_dict()
            except UserError as exc:
                raise UserError(exc.message, field=f"questionnaires.{i}.{exc.field}") from None
        elif q.score is not None:
            result = score_total(inst, q.score, field=f"questionnaires.{i}.score")
        else:
            raise UserError("give either answers or a score", field=f"questionnaires.{i}")
        scores[inst.id] = result
        raw[f"{inst.id}_score"] = result["score"]
        for name, value in (result.get("subscales") or {}).items():
            raw[f"{inst.id}_{name}"] = value
        if result.get("risk_group"):
            raw[f"{inst.id}_risk_group"] = result["risk_group"]
    return scores


def _basis(res: RuleResult) -> Basis:
    rule = res.rule
    return Basis(
        rule=rule.ref,
        title=rule.title,
        findings=dict(res.supporting),
        cites=tuple(str(c) for c in rule.cites),
        rationale=rule.rationale,
    )


def _conclusion(res: RuleResult) -> Conclusion:
    then = res.rule.then
    details = {k: v for k, v in then.items() if k != "summary"}
    return Conclusion(res.rule.category, then["summary"], details, _basis(res))


def _red_flags(results: list[RuleResult]) -> tuple[RedFlag, ...]:
    flags = [
        RedFlag(
            flag=r.rule.then["flag"],
            title=r.rule.then["summary"],
            urgency=r.rule.then["urgency"],
            action=r.rule.then["action"],
            basis=_basis(r),
        )
        for r in results
    ]
    flags.sort(key=lambda f: URGENCY_ORDER.index(f.urgency))
    return tuple(flags)


def _imaging(
    kb: KnowledgeBase, record: EvaluationRecord, results: list[RuleResult]
) -> ImagingAdvice:
    table: Mapping[str, Any] = kb.tables.get("acr-lbp-2021", {})
    variants: Mapping[str, Any] = table.get("variants", {})
    precedence: list[str] = table.get("precedence", [])
    variant_results = [r for r in results if r.rule.category == "imaging_variant"]
    fired = {r.rule.then["acr_variant"]: r for r in variant_results if r.fired}
    undecided = {r.rule.then["acr_variant"] for r in variant_results if r.undecided}
    chosen = next((v for v in precedence if v in fired), None)
    statements = tuple(
        _conclusion(r) for r in results if r.rule.category == "imaging_statement" and r.fired
    )
    # A more specific variant that could still apply once data are in makes the choice provisional.
    pending = tuple(
        v
        for v in precedence[: precedence.index(chosen) if chosen else len(precedence)]
        if v in undecided
    )
    if chosen is None:
        check = _order_check(record, table, None, pending=pending)
        return ImagingAdvice(None, "", (), statements, check, None, pending=pending)
    variant = variants[chosen]
    procedures: Mapping[str, str] = table.get("procedures", {})
    ratings = tuple(
        ImagingRating(proc, procedures.get(proc, proc), rating)
        for proc, rating in variant.get("ratings", {}).items()
    )
    return ImagingAdvice(
        chosen,
        variant["title"],
        ratings,
        statements,
        _order_check(record, table, chosen, pending=pending),
        _basis(fired[chosen]),
        notes=variant.get("notes", ""),
        pending=pending,
    )


def _order_check(
    record: EvaluationRecord,
    table: Mapping[str, Any],
    variant: str | None,
    *,
    pending: tuple[str, ...],
) -> dict[str, Any] | None:
    order = record.proposed_imaging
    if order is None:
        return None
    procedures: Mapping[str, str] = table.get("procedures", {})
    if order.procedure not in procedures:
        raise UserError(
            f"unknown imaging procedure '{order.procedure}'; known: {', '.join(procedures)}",
            field="proposed_imaging.procedure",
        )
    if variant is None:
        reason = (
            "The ACR variant cannot be chosen until the data needed are recorded "
            f"(it could be {', '.join(pending)})."
            if pending
            else "No ACR low back pain variant fits this clinical situation; the criteria do "
            "not rate imaging for it (see the imaging statements)."
        )
        return {"procedure": order.procedure, "result": "cannot-decide", "reason": reason}
    spec = table["variants"][variant]
    rating = spec.get("ratings", {}).get(order.procedure)
    verdicts: Mapping[str, str] = table.get("verdicts", {})
    title = f"ACR Appropriateness Criteria, low back pain, {variant}: {spec['title']}"
    if rating is None:
        reason = (
            f"{title} — SpineCare's table has no confirmed ACR rating for "
            f"{procedures[order.procedure]} in this variant. {spec.get('notes', '')}".strip()
        )
    else:
        reason = f"{title} — {procedures[order.procedure]} is {rating.replace('-', ' ')}."
    if pending:
        reason += (
            f" Provisional: a more specific variant ({', '.join(pending)}) may apply once the "
            "data needed are recorded."
        )
    return {
        "procedure": order.procedure,
        "variant": variant,
        "rating": rating or "not-rated",
        "result": verdicts.get(rating or "not-rated", "not-rated"),
        "provisional": bool(pending),
        "reason": reason,
    }


def _diagnoses(
    kb: KnowledgeBase, supporting: list[RuleResult], against: list[RuleResult]
) -> tuple[Diagnosis, ...]:
    catalogue: Mapping[str, Any] = kb.tables.get("diagnoses", {}).get("diagnoses", {})
    grouped: dict[str, list[RuleResult]] = {}
    for r in supporting:
        grouped.setdefault(r.rule.then["diagnosis"], []).append(r)
    contra: dict[str, list[str]] = {}
    for r in against:
        contra.setdefault(r.rule.then["diagnosis"], []).append(r.rule.then["summary"])
    out = []
    for dx_id, rs in grouped.items():
        entry = catalogue[dx_id]
        likely = any(r.rule.then.get("likelihood") == "likely" for r in rs)
        findings: dict[str, Any] = {}
        for r in rs:
            findings |= r.supporting
        out.append(
            Diagnosis(
                id=dx_id,
                title=entry["title"],
                icd10cm=entry["icd10cm"],
                likelihood="likely" if likely else "possible",
                rank=int(entry.get("rank", 100)),
                serious=bool(entry.get("serious", False)),
                findings_for=findings,
                findings_against=tuple(contra.get(dx_id, [])),
                bases=tuple(_basis(r) for r in rs),
            )
        )
    # Serious pathology first, even when only possible: it must be ruled out, not buried.
    out.sort(
        key=lambda d: (
            not d.serious,
            d.likelihood != "likely",
            bool(d.findings_against),
            d.rank,
            d.id,
        )
    )
    return tuple(out)


def _data_needed(
    kb: KnowledgeBase, results: list[RuleResult], derived_from: Mapping[str, frozenset[str]]
) -> tuple[DataNeeded, ...]:
    supported = {
        r.rule.then["diagnosis"] for r in results if r.fired and r.rule.category == "diagnosis"
    }
    needed: dict[str, set[str]] = {}
    high: set[str] = set()
    for res in results:
        if not res.undecided:
            continue
        if res.rule.category == "diagnosis_against" and res.rule.then["diagnosis"] not in supported:
            continue  # a finding against a diagnosis nobody is considering is not worth asking
        for base in _expand(res.missing, derived_from):
            needed.setdefault(base, set()).add(res.rule.title)
            if res.rule.category == "red_flag":
                high.add(base)
    items = [
        DataNeeded(
            fact=name,
            question=kb.facts[name].definition if name in kb.facts else name,
            needed_for=tuple(sorted(titles)),
            priority="high" if name in high else "normal",
        )
        for name, titles in needed.items()
    ]
    items.sort(key=lambda d: (d.priority != "high", d.fact))
    return tuple(items)


def _expand(missing: frozenset[str], derived_from: Mapping[str, frozenset[str]]) -> set[str]:
    """Replace derived facts by the inputs they wait on, through any depth of derivation."""
    out: set[str] = set()
    todo = list(missing)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in derived_from:
            todo.extend(derived_from[name])
        else:
            out.add(name)
    return out
