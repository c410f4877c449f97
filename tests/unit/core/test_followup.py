"""Follow-up (issue 6): the safety properties, over every episode vignette and random scores.

- A new (or more urgent) red flag at follow-up always leads the report: first in ``red_flags``
  and in the JSON, ``reopen_evaluation`` true, the re-open proposal first, and every other
  proposal on hold when the flag is emergency or urgent.
- An opioid taper is never abrupt: every taper SpineCare proposes carries a rate no faster than
  the cited maximum (CDC 2022 Rec 5: about 10 % per month), the KB refuses a rule that steps an
  opioid down without a rate or faster than that, and the "stop medicines" proposal never names
  an opioid.
- Improvements below the minimal important change are never reported as improved (hypothesis,
  for every instrument with a MIC; once directly and once through the whole engine).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinecare.core.assurance import resolve_relative_dates
from spinecare.core.conditions import compile_condition
from spinecare.core.followup.checks import check_adjustment
from spinecare.core.followup.engine import TABLE, classify_change, follow_up, is_opioid
from spinecare.core.followup.episode import Episode
from spinecare.core.followup.model import FollowUpReport
from spinecare.core.knowledge_base import Citation, KnowledgeBase, Rule, Scenario
from spinecare.knowledge import load_kb

PROFILES = ("uk-nice", "us-acp-cdc")
CDC_REC5_MAX_PERCENT_PER_MONTH = 10  # clinical-facts §4.3 Rec 5: "taper ~10 % per month or slower"
HOLD = ("emergency", "urgent")


@functools.cache
def _kb() -> KnowledgeBase:
    return load_kb()


def _episode_scenarios() -> list[Scenario]:
    return [s for s in _kb().scenarios if "episode" in s.input and "error" not in s.expect]


def _episode(data: dict[str, Any], profile: str) -> Episode:
    base = {**data["baseline"], "profile": profile}
    return Episode.model_validate({**data, "baseline": base})


@functools.cache
def _scenario_report(scenario_id: str, profile: str) -> FollowUpReport:
    s = next(s for s in _kb().scenarios if s.id == scenario_id)
    as_of = dt.date.fromisoformat(s.as_of)
    data = resolve_relative_dates(s.input["episode"], as_of)
    return follow_up(_episode(data, profile), _kb(), as_of=as_of)


CASES = [pytest.param(s.id, p, id=f"{s.id}[{p}]") for s in _episode_scenarios() for p in PROFILES]


def test_there_are_at_least_30_episode_vignettes() -> None:
    assert len(_episode_scenarios()) >= 30


# ------------------------------------------------------------------ red flags lead


def _assert_red_flags_lead(report: FollowUpReport) -> None:
    if not report.new_red_flags:
        assert report.reopen_evaluation is False
        assert all(a.action != "reopen-evaluation" for a in report.adjustments)
        return
    out = report.to_dict()
    assert list(out)[:2] == ["reopen_evaluation", "new_red_flags"]
    assert out["reopen_evaluation"] is True
    assert report.red_flags[0].leads
    assert report.adjustments, "a new red flag must produce the re-open proposal"
    assert report.adjustments[0].action == "reopen-evaluation"
    if any(f.urgency in HOLD for f in report.new_red_flags):
        assert all(a.on_hold for a in report.adjustments[1:])
        assert all(a.action != "discharge" for a in report.adjustments)


@pytest.mark.parametrize(("scenario_id", "profile"), CASES)
def test_every_vignette_red_flags_lead_and_tapers_are_gradual(
    scenario_id: str, profile: str
) -> None:
    report = _scenario_report(scenario_id, profile)
    _assert_red_flags_lead(report)
    _assert_tapers_gradual(report)


BASE: dict[str, Any] = {
    "evaluation_date": "2026-01-18",
    "patient": {
        "age": 40,
        "sex": "female",
        "medications": [],
        "allergies": [],
        "comorbidities": {
            "cancer_history": False,
            "active_cancer": False,
            "immunosuppression": False,
            "iv_drug_use": False,
            "recent_bacterial_infection": False,
            "osteoporosis": False,
            "long_term_corticosteroids": False,
        },
    },
    "history": {
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
        "onset_date": "2026-01-04",
        "pain_sites": ["axial"],
        "failed_to_improve_4_weeks": False,
    },
    "exam": {
        "saddle_sensation": "normal",
        "myotomes": {r: {"left": 5, "right": 5} for r in ("L2", "L3", "L4", "L5", "S1")},
    },
    "questionnaires": [{"instrument": "rmdq", "score": 12}, {"instrument": "nrs", "score": 6}],
}
NEW_FINDINGS = {
    "cauda-equina": {
        "history": {"urinary_retention": True, "saddle_sensory_change": True},
        "exam": {"saddle_sensation": "reduced"},
    },
    "progressive-weakness": {"history": {"progressive_weakness": True}},
    "fever": {"history": {"fever": True}},
    "cancer": {"patient": {"comorbidities": {"cancer_history": True}}},
}


@pytest.mark.parametrize("finding", sorted(NEW_FINDINGS))
@pytest.mark.parametrize("rmdq", [1, 8, 12, 20])  # recovered, partial, unchanged, worse
@pytest.mark.parametrize("profile", PROFILES)
def test_a_new_red_flag_at_follow_up_always_leads(finding: str, rmdq: int, profile: str) -> None:
    """Whatever the response (even recovery), a new red-flag finding leads and re-opens."""
    data = {
        "baseline": BASE,
        "plan": {"phase_reached": "conservative", "accepted_options": ["physiotherapy"]},
        "visits": [
            {
                "date": "2026-03-01",
                "questionnaires": [
                    {"instrument": "rmdq", "score": rmdq},
                    {"instrument": "nrs", "score": 3},
                ],
                "findings": NEW_FINDINGS[finding],
            }
        ],
    }
    report = follow_up(_episode(data, profile), _kb())
    assert report.new_red_flags, f"{finding}: no new red flag raised"
    assert report.reopen_evaluation
    _assert_red_flags_lead(report)
    assert all(a.action != "discharge" for a in report.adjustments)


def test_a_red_flag_already_present_at_baseline_is_persisting_not_new() -> None:
    base = {**BASE, "history": {**BASE["history"], "fever": True}}
    data = {"baseline": base, "visits": [{"date": "2026-03-01"}]}
    report = follow_up(_episode(data, "uk-nice"), _kb())
    assert [f.status for f in report.red_flags] == ["persisting"]
    assert not report.reopen_evaluation


def test_no_visit_no_red_flag_comparison_and_nothing_is_reported_new() -> None:
    report = follow_up(_episode({"baseline": BASE}, "uk-nice"), _kb())
    assert report.red_flags == ()
    assert report.episode_status is None


# ------------------------------------------------------------------ opioid taper never abrupt


def _assert_tapers_gradual(report: FollowUpReport) -> None:
    limit = _kb().tables[TABLE]["opioid_taper"]["max_percent_per_month"]
    for a in report.adjustments:
        if a.details.get("drug_class") and is_opioid(_kb(), a.details["drug_class"]):
            assert a.action == "step-down"
            rate = a.details.get("taper_percent_per_month")
            assert rate is not None
            assert 0 < rate <= limit <= CDC_REC5_MAX_PERCENT_PER_MONTH
            assert a.details.get("abrupt_discontinuation") == "never"
        for med in a.details.get("medicines", []):
            assert not is_opioid(_kb(), med), f"'{a.action}' would stop the opioid {med}"


def test_the_taper_limit_in_the_kb_is_the_cited_cdc_maximum() -> None:
    taper = _kb().tables[TABLE]["opioid_taper"]
    assert taper["max_percent_per_month"] <= CDC_REC5_MAX_PERCENT_PER_MONTH
    assert taper["abrupt_discontinuation"] == "never"
    assert "src.cdc-2022#recommendation-5" in taper["cites"]


def test_every_opioid_step_down_rule_tapers_within_the_cited_maximum() -> None:
    kb = _kb()
    limit = kb.tables[TABLE]["opioid_taper"]["max_percent_per_month"]
    opioid_rules = [
        r
        for r in kb.rules
        if r.category == "followup_adjustment"
        and r.then.get("drug_class")
        and is_opioid(kb, r.then["drug_class"])
    ]
    assert opioid_rules, "the KB has no opioid taper rule"
    for r in opioid_rules:
        assert r.then["action"] == "step-down"
        assert 0 < r.then["taper_percent_per_month"] <= limit, r.id
        assert "never" in r.then["summary"].lower()
        assert "abrupt" in r.then["summary"].lower()


def _rule(then: dict[str, Any]) -> Rule:
    return Rule(
        id="rule.test.taper",
        version="1.0.0",
        status="draft",
        title="t",
        category="followup_adjustment",
        when=compile_condition({"fact": "on_opioid", "eq": True}, _kb().facts),
        then={"summary": "s", **then},
        strength="strong",
        evidence_quality="low",
        cites=(Citation.parse("src.cdc-2022#recommendation-5"),),
        rationale="r",
    )


@pytest.mark.parametrize(
    ("then", "problem"),
    [
        ({"action": "step-down", "drug_class": "opioid"}, "must be a taper with a rate"),
        (
            {"action": "step-down", "drug_class": "opioid", "taper_percent_per_month": 25},
            "exceeds the cited maximum",
        ),
        (
            {"action": "step-down", "drug_class": "strong_opioid", "taper_percent_per_month": 100},
            "exceeds the cited maximum",
        ),
    ],
)
def test_the_kb_check_refuses_an_abrupt_or_fast_opioid_step_down(
    then: dict[str, Any], problem: str
) -> None:
    assert any(problem in p for p in check_adjustment(_kb(), _rule(then)))


def test_the_kb_check_accepts_a_gradual_taper() -> None:
    then = {"action": "step-down", "drug_class": "opioid", "taper_percent_per_month": 10}
    assert check_adjustment(_kb(), _rule(then)) == []


def test_an_unhelpful_opioid_is_tapered_never_listed_for_stopping() -> None:
    base = {
        **BASE,
        "patient": {**BASE["patient"], "medications": [{"name": "oxycodone 5 mg"}]},
    }
    data = {
        "baseline": base,
        "plan": {"accepted_options": ["oxycodone", "naproxen"], "opioid_started": "2026-01-18"},
        "visits": [
            {
                "date": "2026-03-01",
                "questionnaires": [{"instrument": "rmdq", "score": 12}],
                "responses": [
                    {"treatment": "oxycodone", "response": "no_effect"},
                    {"treatment": "naproxen", "response": "no_effect"},
                ],
            }
        ],
    }
    report = follow_up(_episode(data, "us-acp-cdc"), _kb())
    _assert_tapers_gradual(report)
    tapers = [a for a in report.adjustments if a.details.get("taper_percent_per_month")]
    assert tapers
    stops = [a for a in report.adjustments if "medicines" in a.details]
    assert [a.details["medicines"] for a in stops] == [["naproxen"]]


# ------------------------------------------------------------------ below the MIC is never improved


def _mic_instruments() -> list[str]:
    kb = _kb()
    return sorted(i for i in kb.tables[TABLE]["outcomes"] if kb.instruments[i].mic is not None)


def test_every_outcome_instrument_has_a_mic() -> None:
    assert set(_mic_instruments()) >= {"odi", "rmdq", "nrs", "peg"}


def _below_mic(instrument: str, baseline: float, current: float) -> bool:
    mic = _kb().instruments[instrument].mic
    assert mic is not None
    gain = baseline - current  # higher is worse for every outcome instrument
    below_points = mic.points is None or gain < mic.points - 1e-6
    below_percent = (
        mic.percent is None or baseline == 0 or gain * 100 / baseline < mic.percent - 1e-6
    )
    return below_points and below_percent


def _range(instrument: str) -> tuple[float, float]:
    scale = _kb().instruments[instrument].primary
    return scale.min, scale.max


@pytest.mark.parametrize("instrument", ["odi", "rmdq", "nrs", "peg"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_change_below_the_mic_is_never_improved(instrument: str, data: st.DataObject) -> None:
    lo, hi = _range(instrument)
    baseline = data.draw(st.floats(lo, hi, allow_nan=False))
    current = data.draw(st.floats(lo, hi, allow_nan=False))
    mic = _kb().instruments[instrument].mic
    assert mic is not None
    got = classify_change(
        baseline, current, mic_points=mic.points, mic_percent=mic.percent, higher_is_worse=True
    )
    if _below_mic(instrument, baseline, current):
        assert got != "improved", (baseline, current)
    if current >= baseline:
        assert got != "improved"


@pytest.mark.parametrize("instrument", ["odi", "rmdq", "nrs"])
def test_a_change_of_exactly_the_mic_points_is_improved(instrument: str) -> None:
    mic = _kb().instruments[instrument].mic
    assert mic is not None
    assert mic.points is not None
    hi = _range(instrument)[1]
    got = classify_change(
        hi, hi - mic.points, mic_points=mic.points, mic_percent=mic.percent, higher_is_worse=True
    )
    assert got == "improved"


def _int_scores(instrument: str) -> st.SearchStrategy[int]:
    lo, hi = _range(instrument)
    return st.integers(int(lo), int(hi))


@pytest.mark.parametrize("instrument", ["odi", "rmdq", "nrs", "peg"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_engine_never_reports_a_sub_mic_change_as_improved(
    instrument: str, data: st.DataObject
) -> None:
    baseline = data.draw(_int_scores(instrument))
    current = data.draw(_int_scores(instrument))
    base = {**BASE, "questionnaires": [{"instrument": instrument, "score": baseline}]}
    ep = {
        "baseline": base,
        "visits": [
            {"date": "2026-03-01", "questionnaires": [{"instrument": instrument, "score": current}]}
        ],
    }
    report = follow_up(_episode(ep, "uk-nice"), _kb())
    (outcome,) = report.outcomes
    if _below_mic(instrument, baseline, current):
        assert outcome.classification != "improved"
        assert report.episode_status in ("non-responder", "recovered")
        if report.episode_status == "recovered":
            assert instrument == "rmdq"
            assert current <= 2
    goal = [g for g in report.goals if g.measure == instrument]
    if goal and _below_mic(instrument, baseline, current):
        assert goal[0].status != "met"


# ------------------------------------------------------------------ status and schedule


def test_recovery_uses_the_cited_rmdq_cut_off_from_the_kb() -> None:
    table = _kb().tables[TABLE]
    assert table["outcomes"]["rmdq"]["recovered_at_or_below"] == 2
    assert "src.kamper-2010#results" in table["recovered_cites"]


def test_routine_contacts_are_marked_local_policy() -> None:
    report = follow_up(_episode({"baseline": BASE}, "uk-nice"), _kb())
    routine = [c for c in report.schedule if c.kind == "routine"]
    assert routine
    assert all(c.local_policy for c in routine)
    assert all(
        any(x.startswith("src.spinecare-follow-up-policy") for x in c.cites) for c in routine
    )


def test_opioid_reassessment_window_is_cdc_1_to_4_weeks() -> None:
    data = {"baseline": BASE, "plan": {"opioid_started": "2026-02-01"}}
    report = follow_up(_episode(data, "us-acp-cdc"), _kb(), as_of=dt.date(2026, 2, 10))
    (c,) = [c for c in report.schedule if c.kind == "opioid-reassessment"]
    assert (c.window_start, c.window_end) == ("2026-02-08", "2026-03-01")
    assert "src.cdc-2022#recommendation-7" in c.cites
    assert not c.local_policy
    assert c.status == "due"


def test_report_is_frozen() -> None:
    report = follow_up(_episode({"baseline": BASE}, "uk-nice"), _kb())
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.episode_status = "responder"  # type: ignore[misc]
