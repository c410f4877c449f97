"""Red-flag safety (issue 3 acceptance): emergencies are never missed, clean cases stay clean.

These tests read every record vignette in the knowledge base, not only the red-flag folder, so
a vignette written for imaging or diagnosis that mentions a cauda equina feature is held to the
same standard. The property tests build records directly, to cover combinations nobody wrote.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinecare.core.assurance import resolve_relative_dates, scenario_profiles
from spinecare.core.evaluation.assessment import URGENCY_ORDER, Assessment
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase, Scenario
from spinecare.knowledge import load_kb

AS_OF = dt.date(2026, 1, 1)
PROFILES = ("uk-nice", "us-acp-cdc")
CES_FLAG = "cauda-equina-syndrome"
# The cauda equina questions in the record's history, and the fact each becomes.
CES_HISTORY = {
    "urinary_retention": "urinary_retention",
    "urinary_incontinence": "urinary_incontinence",
    "bowel_dysfunction": "bowel_dysfunction",
    "saddle_sensory_change": "saddle_anaesthesia",
    "new_sexual_dysfunction": "new_sexual_dysfunction",
    "bilateral_leg_symptoms": "bilateral_leg_symptoms",
}
ABNORMAL_SADDLE = ("reduced", "absent")


@functools.cache
def _kb() -> KnowledgeBase:
    return load_kb()


def _record_scenarios() -> list[Scenario]:
    return [s for s in _kb().scenarios if "record" in s.input and "error" not in s.expect]


def _record_data(scenario: Scenario) -> dict[str, Any]:
    data: dict[str, Any] = resolve_relative_dates(
        scenario.input["record"], dt.date.fromisoformat(scenario.as_of)
    )
    return data


def _assess(data: dict[str, Any], profile: str, as_of: dt.date = AS_OF) -> Assessment:
    record = EvaluationRecord.model_validate({**data, "profile": profile})
    return evaluate(record, _kb(), as_of=as_of)


def _assess_scenario(scenario: Scenario, profile: str) -> Assessment:
    return _assess(_record_data(scenario), profile, dt.date.fromisoformat(scenario.as_of))


def _has_ces_feature(data: dict[str, Any]) -> bool:
    history = data.get("history") or {}
    exam = data.get("exam") or {}
    return any(history.get(q) is True for q in CES_HISTORY) or (
        exam.get("saddle_sensation") in ABNORMAL_SADDLE
    )


def _cases(select: Any) -> list[Any]:
    return [
        pytest.param(s, profile, id=f"{s.id}[{profile}]")
        for s in _record_scenarios()
        if select(s)
        for profile in scenario_profiles(_kb(), s)
    ]


CES_CASES = _cases(lambda s: _has_ces_feature(_record_data(s)))
CLEAN_CASES = _cases(lambda s: s.expect.get("red_flags") == [])
ALL_CASES = _cases(lambda s: True)


def test_the_safety_sets_are_not_empty() -> None:
    """The KB holds vignettes with a cauda equina feature and clean vignettes to check."""
    assert len(CES_CASES) >= 5
    assert len(CLEAN_CASES) >= 8


@pytest.mark.parametrize(("scenario", "profile"), CES_CASES)
def test_every_vignette_with_a_cauda_equina_feature_is_an_emergency(
    scenario: Scenario, profile: str
) -> None:
    """A vignette with any cauda equina feature yields an emergency led by the CES flag.

    The features are a "yes" to new urinary retention or incontinence, bowel dysfunction,
    saddle sensory change, new sexual dysfunction or bilateral leg symptoms, or reduced or
    absent saddle sensation on examination.
    """
    a = _assess_scenario(scenario, profile)
    assert a.highest_urgency == "emergency"
    assert CES_FLAG in {f.flag for f in a.red_flags}


@pytest.mark.parametrize(("scenario", "profile"), CLEAN_CASES)
def test_no_vignette_without_red_flags_yields_a_red_flag(scenario: Scenario, profile: str) -> None:
    """A vignette whose expected red flags are none yields no red flag at all."""
    a = _assess_scenario(scenario, profile)
    assert [f.flag for f in a.red_flags] == []
    assert a.highest_urgency is None


answers = st.sampled_from([True, False, None])


@settings(max_examples=200, deadline=None)
@given(
    ces=st.fixed_dictionaries(dict.fromkeys(CES_HISTORY, answers)),
    profile=st.sampled_from(PROFILES),
)
def test_cauda_equina_answers_decide_emergency_and_missing_answers_are_high_priority(
    ces: dict[str, bool | None], profile: str
) -> None:
    """Emergency if and only if a cauda equina answer is yes; unanswered ones are asked first.

    For any mix of yes / no / not asked, with saddle sensation examined and normal: the
    Assessment is an emergency exactly when at least one answer is yes; when none is yes, every
    question left unanswered is listed as high-priority data needed (never read as "no").
    """
    history = {q: v for q, v in ces.items() if v is not None}
    a = _assess({"history": history, "exam": {"saddle_sensation": "normal"}}, profile)
    any_yes = any(v is True for v in ces.values())
    assert (a.highest_urgency == "emergency") is any_yes
    assert (CES_FLAG in {f.flag for f in a.red_flags}) is any_yes
    if not any_yes:
        priority = {d.fact: d.priority for d in a.data_needed}
        for question, fact in CES_HISTORY.items():
            if ces[question] is None:
                assert priority.get(fact) == "high", fact
            else:
                assert fact not in priority, fact


# Red-flag answers that, in combination, raise flags of every urgency.
FLAG_HISTORY = (
    "urinary_retention",
    "bilateral_leg_symptoms",
    "progressive_weakness",
    "fever",
    "weight_loss",
    "night_pain",
    "thoracic_pain",
    "failed_to_improve_4_weeks",
    "sudden_severe_pain_eased_lying",
    "pulsatile_abdominal_mass",
    "wakes_second_half_of_night",
    "improves_with_movement",
    "nsaid_response_48h",
    "alternating_buttock_pain",
)
FLAG_COMORBIDITIES = (
    "cancer_history",
    "iv_drug_use",
    "immunosuppression",
    "osteoporosis",
    "long_term_corticosteroids",
    "smoker",
    "psoriasis",
)


def _is_sorted(a: Assessment) -> bool:
    ranks = [URGENCY_ORDER.index(f.urgency) for f in a.red_flags]
    return ranks == sorted(ranks)


@settings(max_examples=150, deadline=None)
@given(
    history=st.fixed_dictionaries(dict.fromkeys(FLAG_HISTORY, answers)),
    comorbidities=st.fixed_dictionaries(dict.fromkeys(FLAG_COMORBIDITIES, answers)),
    age=st.integers(min_value=18, max_value=95),
    trauma=st.sampled_from(["none", "minor", "major", None]),
    weeks=st.integers(min_value=0, max_value=120),
    profile=st.sampled_from(PROFILES),
)
def test_red_flags_are_sorted_by_urgency_for_any_combination(
    history: dict[str, bool | None],
    comorbidities: dict[str, bool | None],
    age: int,
    trauma: str | None,
    weeks: int,
    profile: str,
) -> None:
    """Whatever flags are raised, the Assessment lists them emergency first, routine last.

    The highest urgency reported is that of the first flag.
    """
    h: dict[str, Any] = {k: v for k, v in history.items() if v is not None}
    h["onset_date"] = (AS_OF - dt.timedelta(weeks=weeks)).isoformat()
    if trauma is not None:
        h["trauma"] = trauma
    record = {
        "patient": {
            "age": age,
            "comorbidities": {k: v for k, v in comorbidities.items() if v is not None},
        },
        "history": h,
    }
    a = _assess(record, profile)
    assert _is_sorted(a), [f.urgency for f in a.red_flags]
    if a.red_flags:
        assert a.highest_urgency == a.red_flags[0].urgency


@pytest.mark.parametrize(("scenario", "profile"), ALL_CASES)
def test_red_flags_are_sorted_by_urgency_in_every_vignette(
    scenario: Scenario, profile: str
) -> None:
    """In every record vignette of the KB the red flags come emergency first, routine last."""
    assert _is_sorted(_assess_scenario(scenario, profile))
