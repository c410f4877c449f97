"""Leaflet attachment on the treatment plan (issue 6).

- The urgent-help (cauda equina safety-net) leaflet is attached to EVERY plan: checked over every
  record scenario of the KB under both guideline profiles, including red-flag plans on hold.
- Each attachment rule, end to end (record → Assessment → plan.extra["leaflets"]): the leaflet
  appears when its rule fires and not when the facts are absent or unknown.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

import pytest

from spinecare.cli.context import kb_path
from spinecare.core.assurance import resolve_relative_dates
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase, Scenario
from spinecare.core.leaflets import attach_leaflets
from spinecare.core.plan.compose import compose_plan
from spinecare.core.plan.model import TreatmentPlan
from spinecare.knowledge import load_kb

AS_OF = dt.date(2026, 1, 1)
PROFILES = ("uk-nice", "us-acp-cdc")
URGENT = "urgent-help"
SCREEN = {
    "trauma": "none",
    "urinary_retention": False,
    "urinary_incontinence": False,
    "bowel_dysfunction": False,
    "saddle_sensory_change": False,
    "new_sexual_dysfunction": False,
    "bilateral_leg_symptoms": False,
    "progressive_weakness": False,
    "fever": False,
    "weight_loss": False,
    "night_pain": False,
    "rest_pain": False,
    "thoracic_pain": False,
    "pulsatile_abdominal_mass": False,
    "sudden_severe_pain_eased_lying": False,
}


@functools.cache
def _kb() -> KnowledgeBase:
    return load_kb(kb_path())


def _record_scenarios() -> list[Scenario]:
    return [s for s in _kb().scenarios if "record" in s.input and "error" not in s.expect]


def _plan(data: dict[str, Any], profile: str = "uk-nice", as_of: dt.date = AS_OF) -> TreatmentPlan:
    kb = _kb()
    record = EvaluationRecord.model_validate({**data, "profile": profile})
    return compose_plan(evaluate(record, kb, as_of=as_of), kb, record=record)


def _ids(plan: TreatmentPlan) -> list[str]:
    return [entry["id"] for entry in plan.extra.get("leaflets", [])]


def _record(**history: Any) -> dict[str, Any]:
    patient = history.pop("patient", {"age": 40})
    return {"patient": patient, "history": {**SCREEN, "onset_date": "2025-12-20", **history}}


# ------------------------------------------------------------------ always attached


def test_there_are_many_record_vignettes() -> None:
    assert len(_record_scenarios()) >= 30


@pytest.mark.parametrize("profile", PROFILES)
def test_urgent_help_leaflet_is_attached_to_every_plan(profile: str) -> None:
    missing = []
    on_hold_seen = 0
    for s in _record_scenarios():
        as_of = dt.date.fromisoformat(s.as_of)
        plan = _plan(resolve_relative_dates(s.input["record"], as_of), profile, as_of)
        ids = _ids(plan)
        if not ids or ids[0] != URGENT:
            missing.append(s.id)
        on_hold_seen += any(p.on_hold for p in plan.phases)
    assert not missing, f"urgent-help missing or not first in: {missing}"
    assert on_hold_seen, "no red-flag (on hold) plan was checked"


def test_urgent_help_is_attached_without_any_findings_and_without_the_record() -> None:
    kb = _kb()
    record = EvaluationRecord.model_validate({"patient": {"age": 30}})
    assessment = evaluate(record, kb, as_of=AS_OF)
    assert [e["id"] for e in attach_leaflets(assessment, kb)] == [URGENT]
    plan = compose_plan(assessment, kb)  # no record: the leaflets are still there
    assert _ids(plan) == [URGENT]
    entry = plan.extra["leaflets"][0]
    assert entry["always"] is True
    assert entry["version"]
    assert entry["title"]


# ------------------------------------------------------------------ attachment rules


def test_sciatica_leaflet_when_radicular_pain_is_likely() -> None:
    plan = _plan(
        _record(pain_sites=["buttock", "thigh", "below_knee"], leg_pain_worse_than_back=True)
    )
    assert "sciatica" in _ids(plan)
    entry = next(e for e in plan.extra["leaflets"] if e["id"] == "sciatica")
    assert entry["why"][0]["rule"].startswith("rule.leaflet.sciatica@")
    assert entry["why"][0]["cites"]
    assert "sciatica" not in _ids(
        _plan(_record(pain_sites=["axial"], leg_pain_worse_than_back=False))
    )


def test_opioid_leaflet_when_on_an_opioid_and_not_when_medicines_not_asked() -> None:
    on = _plan(_record(patient={"age": 50, "medications": [{"name": "tramadol 50 mg capsules"}]}))
    assert "medicines-opioids-naloxone" in _ids(on)
    none = _plan(_record(patient={"age": 50, "medications": []}))
    assert "medicines-opioids-naloxone" not in _ids(none)
    unknown = _plan(_record(patient={"age": 50}))
    assert "medicines-opioids-naloxone" not in _ids(unknown)


def test_return_to_work_leaflet_when_off_work() -> None:
    assert "return-to-work" in _ids(_plan(_record(patient={"age": 35, "work_status": "off_work"})))
    assert "return-to-work" not in _ids(
        _plan(_record(patient={"age": 35, "work_status": "working"}))
    )


@pytest.mark.parametrize(
    ("instrument", "answers", "attached"),
    [
        ("phq2", [2, 1], True),
        ("gad2", [1, 2], True),
        ("phq2", [1, 1], False),
        ("gad2", [0, 2], False),
    ],
)
def test_mood_leaflet_when_a_mood_screen_is_positive(
    instrument: str, answers: list[int], attached: bool
) -> None:
    data = _record()
    data["questionnaires"] = [{"instrument": instrument, "answers": answers}]
    assert ("mood-and-pain" in _ids(_plan(data))) is attached


def test_choosing_leaflets_never_adds_data_needed() -> None:
    kb = _kb()
    record = EvaluationRecord.model_validate({"patient": {"age": 30}, "history": SCREEN})
    assessment = evaluate(record, kb, as_of=AS_OF)
    leaflet_titles = {r.title for r in kb.rules if r.category == "leaflet"}
    for needed in assessment.data_needed:
        assert not set(needed.needed_for) & leaflet_titles, needed.fact


def test_leaflets_follow_the_plan_json() -> None:
    plan = _plan(
        _record(patient={"age": 35, "work_status": "off_work"}, aggravating=["sitting", "lifting"])
    )
    as_dict = json.loads(json.dumps(plan.to_dict()))  # set-valued findings serialise too
    ids = [e["id"] for e in as_dict["leaflets"]]
    assert ids[0] == URGENT
    assert {"desk-ergonomics", "lifting-and-handling", "return-to-work"} <= set(ids)
    desk = next(e for e in as_dict["leaflets"] if e["id"] == "desk-ergonomics")
    assert desk["why"][0]["findings"]["aggravating"] == ["lifting", "sitting"]
