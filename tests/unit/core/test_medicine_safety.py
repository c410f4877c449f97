"""Medicine safety invariants of the treatment plan, over every record scenario of the KB.

Every record vignette in ``scenarios/`` (not only the medicine ones) is evaluated and its plan
composed under BOTH profiles, and for every plan:

1. No option with a fired ``contraindicated`` rule is proposed, and an option whose
   contraindication check is undecided (a safety fact unknown) is not proposed either. This is
   recomputed here from the rules, independently of the composer's status logic.
2. No opioid is proposed first line. The rules make this hold in two ways, and the test checks
   exactly those: an opioid in the conservative phase (codeine under NICE) is proposed only when
   every NSAID option is *excluded* (NICE NG59: a weak opioid only if an NSAID is
   contraindicated — "not tolerated or ineffective" cannot be read from a record yet, the fact
   ``nsaid_not_tolerated_or_ineffective`` is accepted too); an opioid in a later phase
   (tramadol, second line under ACP 2017 Rec 3) is proposed only when an NSAID option was
   considered in an earlier phase; a strong opioid is proposed only when
   ``nonopioid_medicines_failed`` is true (ACP Rec 3: after NSAIDs, tramadol and duloxetine).
3. Every proposed item carries a cited reason; every excluded or not-offered item carries a
   reason with a citation; every caution is cited; a data-needed item names what is missing.

A property-based test then varies eGFR, GI-bleed history, anticoagulant use and pregnancy and
checks the NSAID status against the contraindications computed by hand: excluded when any is
present, data needed (never proposed) when none is present but one is unknown, else proposed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from spinecare.core.assurance import input_kind, resolve_relative_dates
from spinecare.core.errors import UserError
from spinecare.core.evaluation.assessment import Assessment
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.core.plan.compose import _targets, compose_plan, plan_options
from spinecare.core.plan.model import TreatmentPlan
from spinecare.core.rules import run_rules
from spinecare.knowledge import load_kb

PROFILES = ("uk-nice", "us-acp-cdc")
NSAID_GATE_RULE = "rule.plan.medicine.nice-weak-opioid-acute-nsaid-unsuitable"
DECLINES_RULE = "rule.plan.medicine.declines-medicines-not-offered"


@cache
def kb() -> KnowledgeBase:
    return load_kb()


def drugs() -> dict[str, Any]:
    return dict(kb().tables["drugs"]["drugs"])


def classes_of(option: str) -> set[str]:
    spec = plan_options(kb()).get(option, {})
    drug = spec.get("drug")
    return set(drugs()[drug]["classes"]) if drug else set()


def phase_order() -> dict[str, int]:
    return {pid: int(p["order"]) for pid, p in kb().tables["treatment-options"]["phases"].items()}


@cache
def all_plans() -> tuple[tuple[str, str, Assessment, TreatmentPlan], ...]:
    """(scenario id, profile, assessment, plan) for every record scenario under both profiles."""
    out = []
    for s in kb().scenarios:
        if input_kind(s) != "record" or "error" in s.expect:
            continue
        as_of = dt.date.fromisoformat(s.as_of)
        data = resolve_relative_dates(s.input["record"], as_of)
        for profile in PROFILES:
            try:
                record = EvaluationRecord.model_validate({**data, "profile": profile})
                a = evaluate(record, kb(), as_of=as_of)
            except (ValidationError, UserError):
                continue
            out.append((s.id, profile, a, compose_plan(a, kb())))
    return tuple(out)


def plan_cases() -> Iterator[Any]:
    for sid, profile, a, plan in all_plans():
        yield pytest.param(a, plan, id=f"{sid}@{profile}")


def test_enough_record_plans_are_checked() -> None:
    """Guard against the loop silently checking nothing (e.g. every record failing to load)."""
    assert len(all_plans()) >= 200
    medicine_plans = [p for sid, _, _, p in all_plans() if sid.startswith("med-")]
    assert len(medicine_plans) >= 80


@pytest.mark.parametrize(("assessment", "plan"), list(plan_cases()))
def test_no_contraindicated_or_unchecked_medicine_is_proposed(
    assessment: Assessment, plan: TreatmentPlan
) -> None:
    rules = [
        r
        for r in kb().rules_for(plan.profile)
        if r.category == "treatment_contraindication" and r.then["severity"] == "contraindicated"
    ]
    status = {i.option: i.status for i in plan.items}
    options = plan_options(kb())
    for res in run_rules(rules, assessment.facts):
        if not (res.fired or res.undecided):
            continue
        for option in _targets(res.rule, options, drugs()):
            if option not in status:
                continue
            assert status[option] != "proposed", (option, res.rule.id)
            if res.fired:
                assert status[option] == "excluded", (option, res.rule.id)


@pytest.mark.parametrize(("assessment", "plan"), list(plan_cases()))
def test_no_opioid_is_proposed_first_line(assessment: Assessment, plan: TreatmentPlan) -> None:
    order = phase_order()
    nsaid_items = [i for i in plan.items if "nsaid" in classes_of(i.option)]
    for item in plan.items:
        cls = classes_of(item.option)
        if item.status != "proposed" or "opioid" not in cls:
            continue
        assert nsaid_items, f"{item.option} proposed although no NSAID option was considered"
        if order[item.phase] <= order["conservative"]:
            nsaid_failed = assessment.facts.get("nsaid_not_tolerated_or_ineffective") is True
            assert nsaid_failed or all(i.status == "excluded" for i in nsaid_items), (
                f"{item.option} proposed first line while an NSAID is "
                f"{[(i.option, i.status) for i in nsaid_items]}"
            )
        else:
            assert any(order[i.phase] < order[item.phase] for i in nsaid_items), item.option
        if "strong_opioid" in cls:
            assert assessment.facts.get("nonopioid_medicines_failed") is True, item.option


@pytest.mark.parametrize(("assessment", "plan"), list(plan_cases()))
def test_every_item_carries_cited_reasons(assessment: Assessment, plan: TreatmentPlan) -> None:
    for item in plan.items:
        if item.status == "proposed":
            assert item.why, f"{item.option} proposed without a reason"
            assert all(r.basis.cites for r in item.why), item.option
        if item.status in ("excluded", "not-offered"):
            assert item.reasons_against, f"{item.option} {item.status} without a reason"
            assert all(r.text and r.basis.cites for r in item.reasons_against), item.option
        if item.status == "excluded":
            assert any(r.severity == "contraindicated" for r in item.reasons_against), item.option
        if item.status == "data-needed":
            assert item.data_needed, f"{item.option} waits for data without naming it"
        assert all(r.basis.cites for r in item.cautions), item.option


def test_preference_rule_covers_every_medicine_option() -> None:
    """'The patient prefers not to take medicines' must reach every medicine of the plan."""
    rule = kb().rules_by_id[DECLINES_RULE]
    medicines = {did for did, d in drugs().items() if d.get("phase")}
    assert set(rule.then["options"]) == medicines


def test_weak_opioid_gate_repeats_every_nsaid_contraindication() -> None:
    """NICE's weak-opioid exception ('NSAID contraindicated…') lists exactly the facts of the
    NSAID contraindication rules (a duplicate NSAID excepted): a new NSAID contraindication
    must be added to the gate too, or an opioid could be proposed while an NSAID is excluded
    for a reason the gate does not know (or vice versa)."""
    nsaid_facts: set[str] = set()
    for r in kb().rules:
        if (
            r.category == "treatment_contraindication"
            and r.then.get("severity") == "contraindicated"
            and r.then.get("drug_class") == "nsaid"
        ):
            nsaid_facts |= r.when.facts
    gate = kb().rules_by_id[NSAID_GATE_RULE].when.facts
    assert nsaid_facts - {"on_nsaid"} == gate - {
        "duration_category",
        "nsaid_not_tolerated_or_ineffective",
    }


# ---------------------------------------------------------------- property-based: NSAIDs

WARFARIN = {"name": "Warfarin 3 mg", "rxnorm": "11289"}


def nsaid_record(
    egfr: int | None,
    gi_bleed: bool | None,
    anticoagulant: bool | None,
    pregnant: bool | None,
    weeks: int | None,
    duration_days: int,
) -> dict[str, Any]:
    comorbidities: dict[str, Any] = {
        "heart_failure": False,
        "nsaid_sensitive_asthma": False,
        "cardiovascular_disease": False,
        "liver_disease": False,
        "substance_use_disorder": False,
        "opioid_overdose_history": False,
    }
    if egfr is not None:
        comorbidities["egfr"] = egfr
    if gi_bleed is not None:
        comorbidities["gi_bleed_or_ulcer"] = gi_bleed
    patient: dict[str, Any] = {
        "age": 40,
        "sex": "female",
        "comorbidities": comorbidities,
        "allergies": [],
    }
    if anticoagulant is not None:  # None: the medicine list was not taken
        patient["medications"] = [WARFARIN] if anticoagulant else []
    if pregnant is not None:
        patient["pregnant"] = pregnant
    if weeks is not None:
        patient["pregnancy_weeks"] = weeks
    onset = dt.date(2026, 1, 1) - dt.timedelta(days=duration_days)
    return {
        "patient": patient,
        "history": {"onset_date": onset.isoformat(), "trauma": "none", "pain_sites": ["axial"]},
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    egfr=st.one_of(st.none(), st.integers(min_value=5, max_value=120)),
    gi_bleed=st.sampled_from([None, True, False]),
    anticoagulant=st.sampled_from([None, True, False]),
    pregnant=st.sampled_from([None, True, False]),
    weeks=st.one_of(st.none(), st.integers(min_value=4, max_value=41)),
    duration_days=st.sampled_from([5, 40, 120]),
    profile=st.sampled_from(PROFILES),
)
def test_nsaid_never_proposed_when_a_contraindication_is_present_or_unknown(
    egfr: int | None,
    gi_bleed: bool | None,
    anticoagulant: bool | None,
    pregnant: bool | None,
    weeks: int | None,
    duration_days: int,
    profile: str,
) -> None:
    data = nsaid_record(egfr, gi_bleed, anticoagulant, pregnant, weeks, duration_days)
    record = EvaluationRecord.model_validate({**data, "profile": profile})
    plan = compose_plan(evaluate(record, kb(), as_of=dt.date(2026, 1, 1)), kb())
    status = {i.option: i.status for i in plan.items}

    # "Pregnant at 20 weeks or later" is false as soon as either half is known to be false
    # (not pregnant, or a gestation under 20 weeks), whatever the other half.
    late_pregnancy = pregnant is True and weeks is not None and weeks >= 20
    pregnancy_clear = pregnant is False or (weeks is not None and weeks < 20)
    present = (egfr is not None and egfr < 30) or gi_bleed is True or anticoagulant is True
    present = present or late_pregnancy
    unknown = egfr is None or gi_bleed is None or anticoagulant is None
    unknown = unknown or not (late_pregnancy or pregnancy_clear)
    for option in ("ibuprofen", "naproxen"):
        got = status.get(option)
        if present:
            assert got == "excluded", (option, got)
        elif unknown:
            assert got == "data-needed", (option, got)
        else:
            assert got == "proposed", (option, got)
