"""Surgical referral (issue 5): the decision, its place at the top of the plan, the letter."""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

import pytest

from spinecare.core.assurance import resolve_relative_dates
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase, Scenario
from spinecare.core.plan.compose import compose_plan
from spinecare.core.surgery.letter import (
    NOT_RECORDED,
    SECTION_IDS,
    Clinic,
    letter_text,
    referral_letter,
)
from spinecare.core.surgery.referral import (
    GATE_FACT,
    TOP_URGENCIES,
    surgical_facts,
    surgical_referral,
)
from spinecare.knowledge import load_kb

AS_OF = dt.date(2026, 1, 1)


@functools.cache
def _kb() -> KnowledgeBase:
    return load_kb()


def _surgery_scenarios() -> list[Scenario]:
    return [s for s in _kb().scenarios if "surgery_record" in s.input]


CASES = [(s.id, p) for s in _surgery_scenarios() for p in (s.profiles or (_kb().default_profile,))]


def _record(scenario_id: str, profile: str) -> tuple[EvaluationRecord, dt.date]:
    s = next(s for s in _surgery_scenarios() if s.id == scenario_id)
    as_of = dt.date.fromisoformat(s.as_of)
    data = resolve_relative_dates(s.input["surgery_record"], as_of)
    return EvaluationRecord.model_validate({**data, "profile": profile}), as_of


SCIATICA: dict[str, Any] = {
    "patient_id": "P-1042",
    "evaluation_date": "2026-01-01",
    "patient": {
        "age": 42,
        "sex": "male",
        "occupation": "warehouse supervisor",
        "work_status": "off_work",
        "medications": [{"name": "naproxen", "dose": "500 mg twice daily"}],
        "allergies": ["penicillin"],
        "prior_treatments": [
            {"treatment": "physiotherapy", "weeks": 6, "response": "no_effect"},
            {
                "treatment": "epidural steroid injection",
                "response": "partial",
                "percent_relief": 30,
            },
        ],
    },
    "history": {
        "onset_date": "2025-10-23",
        "pain_sites": ["axial", "buttock", "thigh", "below_knee", "foot"],
        "pain_side": "left",
        "leg_pain_worse_than_back": True,
        "failed_to_improve_4_weeks": True,
        "urinary_retention": False,
        "urinary_incontinence": False,
        "bowel_dysfunction": False,
        "saddle_sensory_change": False,
        "new_sexual_dysfunction": False,
        "bilateral_leg_symptoms": False,
        "progressive_weakness": False,
    },
    "exam": {
        "myotomes": {
            r: {"left": 4 if r == "L5" else 5, "right": 5} for r in ("L2", "L3", "L4", "L5", "S1")
        },
        "dermatomes": {"L5": {"left": "reduced", "right": "normal"}},
        "reflexes": {"achilles": {"left": "normal", "right": "normal"}},
        "slr": {"left": {"angle": 35, "reproduces_leg_pain": True}},
        "saddle_sensation": "normal",
    },
    "imaging": [
        {
            "modality": "mri",
            "date": "2025-12-18",
            "findings": [
                {
                    "kind": "disc_herniation",
                    "level": "L4-L5",
                    "side": "left",
                    "location": "paracentral",
                    "herniation_type": "extrusion",
                }
            ],
        }
    ],
    "prior_conservative_care_weeks": 9,
    "questionnaires": [{"instrument": "odi", "score": 46}],
}


def _decide(data: dict[str, Any], profile: str = "uk-nice") -> Any:
    kb = _kb()
    record = EvaluationRecord.model_validate({**data, "profile": profile})
    a = evaluate(record, kb, as_of=AS_OF)
    return record, a, surgical_referral(record, a, kb)


def _with(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(data))
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


# ------------------------------------------------------------------ rules stay in step


def _rule_when(rule_id: str) -> Any:
    return _kb().rules_by_id[rule_id].when.source


def test_emergency_referral_uses_exactly_the_cauda_equina_red_flag_conditions() -> None:
    surgical = _rule_when("rule.surgery.emergency-cauda-equina")["all"]
    assert surgical[0] == {"fact": GATE_FACT, "known": True}
    assert surgical[1:] == [_rule_when("rule.redflag.cauda-equina")]


def test_urgent_referral_uses_exactly_the_progressive_deficit_red_flag_conditions() -> None:
    surgical = _rule_when("rule.surgery.urgent-motor-deficit")["all"]
    assert surgical[1:] == [_rule_when("rule.redflag.progressive-neuro-deficit")]


def test_every_surgical_rule_is_gated_so_the_evaluation_never_applies_or_asks_for_it() -> None:
    kb = _kb()
    surgical = [r for r in kb.rules if r.category in ("surgical_referral", "surgical_criterion")]
    assert len(surgical) >= 20
    record, a, _ = _decide(_with(SCIATICA, surgical_workup={"ddd_levels": ["L4-L5"]}), "us-acp-cdc")
    fired = {f.ref.partition("@")[0] for f in a.trace.fired}
    undecided = {ref.partition("@")[0] for ref in a.trace.undecided}
    assert not {r.id for r in surgical} & (fired | undecided)
    surgical_only = set(surgical_facts(record, a)) - set(a.facts)
    assert surgical_only, "the work-up facts exist only in the surgical decision"
    assert not surgical_only & {d.fact for d in a.data_needed}


# ------------------------------------------------------------------ the decision


def test_realistic_sciatica_gets_an_elective_discectomy_opinion() -> None:
    _, _, d = _decide(SCIATICA)
    assert d.urgency == "elective"
    assert [r.procedure for r in d.referrals] == ["discectomy"]
    assert not d.provisional
    assert all(r.basis.cites and r.reasons for r in d.referrals)


def test_one_week_less_of_care_is_not_yet_a_referral() -> None:
    _, _, d = _decide(_with(SCIATICA, prior_conservative_care_weeks=5))
    assert d.urgency == "not-indicated"
    assert "discectomy" in {r.procedure for r in d.not_indicated}


def test_unknown_bladder_answer_makes_an_elective_decision_provisional() -> None:
    _, _, d = _decide(_with(SCIATICA, history__urinary_retention=None))
    assert d.urgency == "elective"
    assert d.provisional
    assert "urinary_retention" in d.data_needed


def test_cauda_equina_is_an_emergency_ahead_of_the_elective_referral() -> None:
    _, _, d = _decide(_with(SCIATICA, history__urinary_retention=True))
    assert [r.urgency for r in d.referrals] == ["emergency", "elective"]
    assert d.top is not None
    assert d.top.action


@pytest.mark.parametrize(("scenario_id", "profile"), CASES)
def test_disc_replacement_never_candidate_while_a_required_criterion_is_unmet_or_unknown(
    scenario_id: str, profile: str
) -> None:
    record, as_of = _record(scenario_id, profile)
    kb = _kb()
    d = surgical_referral(record, evaluate(record, kb, as_of=as_of), kb)
    adr = d.disc_replacement
    if adr is None:
        return
    required = [c for c in adr.criteria if c.role == "required"]
    if adr.verdict == "candidate":
        assert all(c.status == "met" for c in required)
    for c in adr.criteria:
        assert (c.status == "data-needed") == bool(c.data_needed)


# ------------------------------------------------------------------ top of the plan


@pytest.mark.parametrize(("scenario_id", "profile"), CASES)
def test_every_emergency_or_urgent_referral_is_at_the_top_of_the_plan(
    scenario_id: str, profile: str
) -> None:
    record, as_of = _record(scenario_id, profile)
    kb = _kb()
    a = evaluate(record, kb, as_of=as_of)
    plan = compose_plan(a, kb, record=record)
    decision = plan.extra["surgical_referral"]
    urgent = [r for r in decision["referrals"] if r["urgency"] in TOP_URGENCIES]
    titles = [x["title"] for x in plan.urgent_actions]
    for r in urgent:
        assert r["summary"] in titles
    if urgent:
        assert plan.urgent_actions[0]["urgency"] == urgent[0]["urgency"] or (
            plan.urgent_actions[0]["urgency"] == "emergency"
        )
        text = json.dumps(plan.to_dict(), default=sorted)  # sets as sorted lists
        first_phase = text.index('"phases"')
        for r in urgent:
            assert text.index(json.dumps(r["summary"])) < first_phase


def test_urgent_referral_is_listed_first_even_without_a_red_flag_action() -> None:
    """The invariant does not lean on the red flag: the referral itself is a first action."""
    from spinecare.core.surgery.referral import with_surgical_actions

    extra = {
        "surgical_referral": {
            "referrals": [
                {
                    "summary": "Urgent referral",
                    "urgency": "urgent",
                    "action": "Refer now",
                    "basis": {},
                }
            ]
        }
    }
    routine = ({"flag": "x", "title": "routine flag", "urgency": "routine", "action": "a"},)
    actions = with_surgical_actions(routine, extra)
    assert [a["title"] for a in actions] == ["Urgent referral", "routine flag"]


# ------------------------------------------------------------------ the letter


def test_letter_has_every_section_with_the_record_content() -> None:
    kb = _kb()
    record, a, d = _decide(SCIATICA)
    letter = referral_letter(record, a, d, kb)
    assert [s.id for s in letter.sections] == list(SECTION_IDS)
    assert all(s.lines for s in letter.sections)

    def flat(section: str) -> str:
        return " ".join(letter.section(section).lines)

    assert "Routine (elective)" in flat("reason")
    assert "discectomy" in flat("reason").lower()
    assert "2025-10-23" in flat("history")
    assert "10 weeks" in flat("history")
    assert "urinary retention no" in flat("history")
    assert "L5 left 4/5" in flat("examination")
    assert "L5 left reduced" in flat("examination")
    assert "35°" in flat("examination")
    assert "imaging concordant" in flat("examination")
    assert "L4-L5" in flat("imaging")
    assert "extrusion" in flat("imaging")
    assert "9 weeks" in flat("treatments")
    assert "physiotherapy — 6 weeks — no effect" in flat("treatments")
    assert "30 % relief" in flat("treatments")
    assert "Oswestry" in flat("outcome_scores")
    assert "46" in flat("outcome_scores")
    assert "naproxen 500 mg twice daily" in flat("medications")
    assert "penicillin" in flat("medications")
    assert "would you offer a discectomy" in flat("question")
    assert letter.clinic is None
    assert letter.recipient
    assert any("NICE NG59" in c for c in letter.citations)
    data = letter.to_dict()
    assert data["clinic"] is None
    assert [s["id"] for s in data["sections"]] == list(SECTION_IDS)
    text = letter_text(letter)
    for s in letter.sections:
        assert s.title.upper() in text


def test_letter_says_not_recorded_instead_of_dropping_a_section() -> None:
    kb = _kb()
    data = {"patient": {"age": 50}, "history": {"pain_sites": ["axial"]}}
    record, a, d = _decide(data)
    letter = referral_letter(record, a, d, kb, clinic=Clinic("Spine Clinic", ("1 High St",)))
    assert [s.id for s in letter.sections] == list(SECTION_IDS)
    assert NOT_RECORDED in " ".join(letter.section("medications").lines)
    assert NOT_RECORDED in " ".join(letter.section("treatments").lines)
    assert letter_text(letter).startswith("Spine Clinic\n1 High St\n")
    assert letter.to_dict()["clinic"]["name"] == "Spine Clinic"


def test_emergency_letter_goes_to_the_on_call_surgeon() -> None:
    kb = _kb()
    record, a, d = _decide(_with(SCIATICA, history__urinary_retention=True))
    letter = referral_letter(record, a, d, kb)
    assert letter.urgency == "emergency"
    assert letter.recipient == "On-call spinal surgeon"
    assert letter.section("reason").lines[0].startswith("Urgency: EMERGENCY")
