"""The treatment plan (issue 4): safety invariants over every record vignette, and statuses.

The invariants are checked for EVERY record scenario of the knowledge base (not only the plan
folder) under BOTH guideline profiles, whatever profiles the scenario itself names:
- every proposed item carries at least one reason with a citation;
- every not-offered or excluded item carries a reason (with a citation);
- nothing excluded (or contraindicated) is proposed; an option appears once;
- an item waiting for data says which data;
- an emergency or urgent red flag puts every non-urgent phase on hold and the plan starts with
  the red-flag actions; without one, nothing is on hold.
Then the guideline-profile and preference behaviour of the non-drug content, the phase entries
and the goals, and finally the status precedence of the composer on a small constructed KB.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

import pytest

from spinecare.core.assurance import resolve_relative_dates
from spinecare.core.conditions import compile_condition
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import Citation, KnowledgeBase, Rule, Scenario
from spinecare.core.plan.compose import HOLD_URGENCIES, compose_plan
from spinecare.core.plan.model import PlanItem, TreatmentPlan
from spinecare.knowledge import load_kb

AS_OF = dt.date(2026, 1, 1)
PROFILES = ("uk-nice", "us-acp-cdc")


@functools.cache
def _kb() -> KnowledgeBase:
    return load_kb()


def _record_scenarios() -> list[Scenario]:
    return [s for s in _kb().scenarios if "record" in s.input and "error" not in s.expect]


def _plan_for(data: dict[str, Any], profile: str, as_of: dt.date = AS_OF) -> TreatmentPlan:
    kb = _kb()
    record = EvaluationRecord.model_validate({**data, "profile": profile})
    return compose_plan(evaluate(record, kb, as_of=as_of), kb)


@functools.cache
def _scenario_plan(scenario_id: str, profile: str) -> TreatmentPlan:
    scenario = next(s for s in _kb().scenarios if s.id == scenario_id)
    as_of = dt.date.fromisoformat(scenario.as_of)
    data: dict[str, Any] = resolve_relative_dates(scenario.input["record"], as_of)
    return _plan_for(data, profile, as_of)


CASES = [
    pytest.param(s.id, profile, id=f"{s.id}[{profile}]")
    for s in _record_scenarios()
    for profile in PROFILES
]


def _item(plan: TreatmentPlan, option: str) -> PlanItem:
    found = [i for i in plan.items if i.option == option]
    assert found, f"{option} not considered; got {[i.option for i in plan.items]}"
    return found[0]


# ------------------------------------------------------------------ invariants, every vignette


def test_there_are_record_vignettes_to_check() -> None:
    assert len(_record_scenarios()) >= 25
    assert len([s for s in _record_scenarios() if s.id.startswith("plan-")]) >= 25


@pytest.mark.parametrize(("scenario_id", "profile"), CASES)
def test_every_proposed_item_has_a_cited_reason(scenario_id: str, profile: str) -> None:
    plan = _scenario_plan(scenario_id, profile)
    for item in plan.items_with("proposed"):
        assert item.why, f"{item.option} proposed without a reason"
        assert any(r.basis.cites for r in item.why), f"{item.option}: no reason has a citation"
        assert all(r.text.strip() for r in item.why)
        assert item.strength in ("offer", "consider"), item.option


@pytest.mark.parametrize(("scenario_id", "profile"), CASES)
def test_every_declined_item_has_a_cited_reason(scenario_id: str, profile: str) -> None:
    plan = _scenario_plan(scenario_id, profile)
    for item in (*plan.items_with("not-offered"), *plan.items_with("excluded")):
        assert item.reasons_against, f"{item.option} is {item.status} without a reason"
        for reason in item.reasons_against:
            assert reason.text.strip()
            assert reason.basis.cites, f"{item.option}: reason without a citation"


@pytest.mark.parametrize(("scenario_id", "profile"), CASES)
def test_nothing_excluded_is_proposed(scenario_id: str, profile: str) -> None:
    plan = _scenario_plan(scenario_id, profile)
    options = [i.option for i in plan.items]
    assert len(options) == len(set(options)), "an option is listed twice"
    excluded = {i.option for i in plan.items_with("excluded")}
    proposed = {i.option for i in plan.items_with("proposed")}
    assert not excluded & proposed
    for item in plan.items_with("proposed"):
        assert not any(r.severity == "contraindicated" for r in item.reasons_against)
        assert all(c.severity == "caution" for c in item.cautions), item.option


@pytest.mark.parametrize(("scenario_id", "profile"), CASES)
def test_data_needed_items_say_what_is_needed(scenario_id: str, profile: str) -> None:
    plan = _scenario_plan(scenario_id, profile)
    for item in plan.items_with("data-needed"):
        assert item.data_needed, f"{item.option} waits for data without naming it"


@pytest.mark.parametrize(("scenario_id", "profile"), CASES)
def test_urgent_red_flags_hold_the_plan_and_come_first(scenario_id: str, profile: str) -> None:
    plan = _scenario_plan(scenario_id, profile)
    phases = _kb().tables["treatment-options"]["phases"]
    urgent_flags = [a for a in plan.urgent_actions if a["urgency"] in HOLD_URGENCIES]
    ordered = [p.order for p in plan.phases]
    assert ordered == sorted(ordered)
    assert plan.phases[0].id == "urgent-action"
    assert phases["urgent-action"]["urgent"]
    if urgent_flags:
        assert plan.urgent_actions[0]["urgency"] in HOLD_URGENCIES
        assert all(a["action"].strip() for a in plan.urgent_actions)
        for phase in plan.phases:
            if phases[phase.id].get("urgent"):
                assert not phase.on_hold, phase.id
            else:
                assert phase.on_hold, f"{phase.id} not on hold despite an urgent red flag"
        assert list(plan.to_dict())[:5] == [
            "patient_id",
            "as_of",
            "profile",
            "urgent_actions",
            "phases",
        ]
    else:
        assert not any(p.on_hold for p in plan.phases)


@pytest.mark.parametrize(("scenario_id", "profile"), CASES)
def test_items_and_goals_are_well_formed(scenario_id: str, profile: str) -> None:
    plan = _scenario_plan(scenario_id, profile)
    assert plan.profile == profile
    phase_ids = {p.id for p in plan.phases}
    for item in plan.items:
        assert item.phase in phase_ids
    for goal in plan.goals:
        assert goal.target.strip(), goal.id
        assert goal.basis.cites, goal.id


# ------------------------------------------------------------------ profiles and preferences

BASE: dict[str, Any] = {
    "patient": {
        "age": 40,
        "sex": "female",
        "work_status": "working",
        "comorbidities": {"cancer_history": False, "immunosuppression": False},
    },
    "history": {
        "onset_date": "2025-12-18",  # two weeks before AS_OF: acute
        "pain_sites": ["axial"],
        "trauma": "none",
        "failed_to_improve_4_weeks": False,
    },
}


def _with(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: dict(v) for k, v in BASE.items()}
    for path, value in changes.items():
        section, _, name = path.partition("__")
        data.setdefault(section, {})
        if name:
            data[section][name] = value
        else:
            data[section] = value
    return data


def test_acupuncture_the_profile_decides() -> None:
    uk = _item(_plan_for(BASE, "uk-nice"), "acupuncture")
    assert uk.status == "not-offered"
    assert [r.basis.rule.partition("@")[0] for r in uk.reasons_against] == [
        "rule.plan.nondrug.nice-acupuncture-not-offered"
    ]
    assert "NICE NG59 does not recommend acupuncture" in uk.reasons_against[0].text
    us = _item(_plan_for(BASE, "us-acp-cdc"), "acupuncture")
    assert us.status == "proposed"
    assert us.strength == "offer"
    assert "ACP 2017" in us.why[0].text


@pytest.mark.parametrize("option", ["tens", "traction", "lumbar-supports", "cold"])
def test_declined_in_both_profiles_with_each_profiles_reason(option: str) -> None:
    uk = _item(_plan_for(BASE, "uk-nice"), option)
    us = _item(_plan_for(BASE, "us-acp-cdc"), option)
    assert uk.status == us.status == "not-offered"
    assert "NICE" in uk.reasons_against[0].text
    assert "ACP 2017" in us.reasons_against[0].text


def test_heat_offered_under_acp_for_acute_pain_only() -> None:
    assert _item(_plan_for(BASE, "us-acp-cdc"), "superficial-heat").status == "proposed"
    assert _item(_plan_for(BASE, "uk-nice"), "superficial-heat").status == "not-offered"
    chronic = _with(history__onset_date="2025-06-01")
    assert _item(_plan_for(chronic, "us-acp-cdc"), "superficial-heat").status == "not-offered"


def test_prefers_active_therapy_makes_passive_options_consider_not_excluded() -> None:
    plain = _plan_for(BASE, "us-acp-cdc")
    active = _plan_for(_with(patient__preferences={"prefers_active_therapy": True}), "us-acp-cdc")
    for option in ("superficial-heat", "massage"):
        assert _item(plain, option).strength == "offer"
        item = _item(active, option)
        assert item.status == "proposed"
        assert item.strength == "consider"
        assert any("prefers active therapy" in r.text for r in item.why)


def test_manual_therapy_under_nice_only_with_exercise() -> None:
    plan = _plan_for(BASE, "uk-nice")
    for option in ("massage", "spinal-manipulation"):
        item = _item(plan, option)
        assert item.strength == "consider"
        assert "part of a treatment package that includes exercise" in item.why[0].text


def test_start_back_matched_care() -> None:
    def plan(answers: list[int]) -> TreatmentPlan:
        q = [{"instrument": "start_back", "answers": answers}]
        return _plan_for({**BASE, "questionnaires": q}, "uk-nice")

    low = plan([0, 0, 1, 1, 0, 0, 0, 0, 2])
    medium = plan([1, 1, 1, 1, 0, 0, 0, 0, 2])
    high = plan([1, 0, 1, 1, 1, 1, 1, 1, 3])
    assert any("STarT Back low" in r.text for r in _item(low, "advice-self-management").why)
    assert "physiotherapy" not in {i.option for i in low.items}
    assert _item(medium, "physiotherapy").status == "proposed"
    assert _item(high, "psychologically-informed-physiotherapy").status == "proposed"
    assert {p.id: p.entry for p in high.phases}["escalation"] == "met"


def test_pregnancy_cautions_keep_exercise_proposed() -> None:
    pregnant = _with(patient__pregnant=True, patient__pregnancy_weeks=20)
    item = _item(_plan_for(pregnant, "uk-nice"), "exercise-programme")
    assert item.status == "proposed"
    assert item.cautions
    acupuncture = _item(_plan_for(pregnant, "us-acp-cdc"), "acupuncture")
    assert acupuncture.status == "proposed"
    assert acupuncture.cautions


def test_return_to_work_only_when_off_work_or_modified() -> None:
    working = _plan_for(BASE, "uk-nice")
    assert "return-to-work-support" not in {i.option for i in working.items}
    assert "return-to-work" not in {g.id for g in working.goals}
    off = _plan_for(_with(patient__work_status="off_work"), "us-acp-cdc")
    assert _item(off, "return-to-work-support").status == "proposed"
    assert "return-to-work" in {g.id for g in off.goals}


# ------------------------------------------------------------------ phases and goals


def _entries(plan: TreatmentPlan) -> dict[str, str]:
    return {p.id: p.entry for p in plan.phases}


def test_self_management_and_conservative_open_from_the_start() -> None:
    entries = _entries(_plan_for(BASE, "uk-nice"))
    assert entries["self-management"] == entries["conservative"] == "always"
    assert entries["urgent-action"] == "always"


def test_acute_improving_low_risk_does_not_escalate() -> None:
    data = {**BASE, "questionnaires": [{"instrument": "start_back", "answers": [0] * 9}]}
    entries = _entries(_plan_for(data, "uk-nice"))
    assert entries["escalation"] == "not-met"
    assert entries["interventional"] == entries["surgical-opinion"] == "not-met"


def test_chronic_not_improving_opens_escalation_and_interventional() -> None:
    data = _with(history__onset_date="2025-06-01", history__failed_to_improve_4_weeks=True)
    plan = _plan_for(data, "uk-nice")
    entries = _entries(plan)
    assert entries["escalation"] == entries["interventional"] == "met"
    escalation = next(p for p in plan.phases if p.id == "escalation")
    rules = {r.basis.rule.partition("@")[0] for r in escalation.entry_criteria}
    assert rules == {"rule.plan.phase.escalation-chronic", "rule.plan.phase.escalation-no-response"}


def _sciatica(**history: Any) -> dict[str, Any]:
    data = _with(
        history__onset_date="2025-10-20",  # ten weeks
        history__pain_sites=["buttock", "thigh", "below_knee"],
        history__leg_pain_worse_than_back=True,
        history__failed_to_improve_4_weeks=True,
    )
    data["prior_conservative_care_weeks"] = 8
    data["history"].update(history)
    return data


def test_persistent_sciatica_surgical_opinion_needs_imaging() -> None:
    no_imaging = _plan_for(_sciatica(), "uk-nice")
    assert _entries(no_imaging)["surgical-opinion"] == "data-needed"
    item = _item(no_imaging, "spinal-surgical-opinion")
    assert item.status == "data-needed"
    assert "imaging_findings" in item.data_needed
    with_mri = _sciatica()
    with_mri["imaging"] = [{"modality": "mri", "findings": [{"kind": "disc_herniation"}]}]
    plan = _plan_for(with_mri, "us-acp-cdc")
    assert _entries(plan)["surgical-opinion"] == "met"
    assert _item(plan, "spinal-surgical-opinion").status == "proposed"
    improving = _sciatica(failed_to_improve_4_weeks=False)
    improving["imaging"] = with_mri["imaging"]
    assert _entries(_plan_for(improving, "uk-nice"))["surgical-opinion"] == "not-met"


def test_goal_targets_come_from_the_minimal_important_change() -> None:
    data = {
        **_with(history__onset_date="2025-06-01"),
        "questionnaires": [
            {"instrument": "odi", "score": 30},
            {"instrument": "nrs", "score": 7},
            {"instrument": "peg", "score": 6},
        ],
    }
    goals = {g.id: g for g in _plan_for(data, "us-acp-cdc").goals}
    assert set(goals) >= {"odi-improvement", "pain-nrs-improvement", "peg-improvement"}
    assert goals["odi-improvement"].baseline == 30
    assert "from 30 to 21 or lower" in goals["odi-improvement"].target
    assert "30 %" in goals["peg-improvement"].target
    assert "function-baseline" not in goals


def test_walking_goal_has_no_invented_number() -> None:
    data = _with(
        history__pain_sites=["buttock", "thigh"],
        history__aggravating=["walking"],
        history__walking_distance_m=150,
        history__relief_sitting_or_flexion=True,
    )
    goal = next(g for g in _plan_for(data, "uk-nice").goals if g.id == "walking-distance")
    assert not any(ch.isdigit() for ch in goal.target)


# ------------------------------------------------------------------ status precedence, small KB


def _rule(kb: KnowledgeBase, rid: str, category: str, when: Any, then: dict[str, Any]) -> Rule:
    return Rule(
        id=rid,
        version="1.0.0",
        status="draft",
        title=rid,
        category=category,
        when=compile_condition(when, kb.facts),
        then={"summary": f"{rid} summary", **then},
        strength="strong",
        evidence_quality="low",
        cites=(Citation.parse("src.nice-ng59#test"),),
        rationale="A constructed rule for the status tests.",
    )


@functools.cache
def _small_kb() -> KnowledgeBase:
    kb = _kb()
    table = {
        "phases": {
            "urgent-action": {"title": "Act first", "order": 0, "urgent": True, "description": "x"},
            "care": {"title": "Care", "order": 1, "description": "x"},
        },
        "options": {
            name: {"title": name, "kind": "non-drug", "phase": "care"}
            for name in ("plain", "contra", "pending", "declined", "cautioned")
        },
    }
    offer = {"strength": "offer"}
    rules = (
        _rule(
            kb,
            "rule.t.offer",
            "treatment_offer",
            {"fact": "age", "ge": 16},
            {**offer, "options": ["plain", "contra", "pending", "declined", "cautioned"]},
        ),
        _rule(
            kb,
            "rule.t.contra",
            "treatment_contraindication",
            {"fact": "egfr", "lt": 30},
            {"option": "contra", "severity": "contraindicated"},
        ),
        _rule(
            kb,
            "rule.t.pending",
            "treatment_contraindication",
            {"fact": "heart_failure", "eq": True},
            {"option": "pending", "severity": "contraindicated"},
        ),
        _rule(
            kb,
            "rule.t.declined",
            "treatment_not_offered",
            {"fact": "age", "ge": 16},
            {"option": "declined"},
        ),
        _rule(
            kb,
            "rule.t.caution",
            "treatment_contraindication",
            {"fact": "age", "ge": 65},
            {"option": "cautioned", "severity": "caution"},
        ),
    )
    return dataclasses.replace(
        kb, rules=rules, tables={**kb.tables, "treatment-options": table, "drugs": {}}
    )


def test_status_precedence_on_a_small_kb() -> None:
    kb = _small_kb()
    record = EvaluationRecord.model_validate(
        {"patient": {"age": 70, "comorbidities": {"egfr": 25}}}
    )
    plan = compose_plan(evaluate(record, kb, as_of=AS_OF), kb)
    status = {i.option: i.status for i in plan.items}
    assert status == {
        "plain": "proposed",
        "contra": "excluded",  # contraindicated beats the offer
        "pending": "data-needed",  # heart failure unknown: never proposed while unknown
        "declined": "not-offered",
        "cautioned": "proposed",
    }
    by_option = {i.option: i for i in plan.items}
    assert by_option["contra"].reasons_against[0].severity == "contraindicated"
    assert by_option["pending"].data_needed == ("heart_failure",)
    assert by_option["cautioned"].cautions
    assert by_option["cautioned"].strength == "offer"


def test_unknown_safety_fact_resolved_either_way() -> None:
    kb = _small_kb()

    def status(heart_failure: bool) -> str:
        record = EvaluationRecord.model_validate(
            {"patient": {"age": 40, "comorbidities": {"heart_failure": heart_failure}}}
        )
        plan = compose_plan(evaluate(record, kb, as_of=AS_OF), kb)
        return {i.option: i.status for i in plan.items}["pending"]

    assert status(False) == "proposed"
    assert status(True) == "excluded"


def test_red_flag_hold_with_the_real_kb() -> None:
    kb = _kb()
    data = _with(history__urinary_retention=True)
    plan = _plan_for(data, "uk-nice")
    assert plan.urgent_actions
    assert plan.urgent_actions[0]["urgency"] == "emergency"
    held = {p.id for p in plan.phases if p.on_hold}
    assert held == set(kb.tables["treatment-options"]["phases"]) - {"urgent-action"}
