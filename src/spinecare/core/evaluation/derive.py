"""From an evaluation record to the base facts the rules read.

Only mechanism lives here: copying answers, counting positive tests, computing the episode
duration from the onset date and ``as_of``, and summarising the neurological grid. Every
threshold that turns a number into a clinical category (acute < 4 weeks, SLR angle, ...) is a
``derivation`` rule in the knowledge base, not code. A fact left out of the result is unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from spinecare.core.evaluation.record import EvaluationRecord, Sides

ROOTS = ("L2", "L3", "L4", "L5", "S1")
SIJ_TESTS = ("distraction", "thigh_thrust", "compression", "sacral_thrust", "gaenslen", "faber")


def base_facts(record: EvaluationRecord, *, as_of: dt.date) -> dict[str, Any]:
    """Every fact that can be read straight off the record (None = unknown)."""
    p, h, x = record.patient, record.history, record.exam
    c = p.comorbidities
    facts: dict[str, Any] = {
        "age": p.age,
        "sex": p.sex,
        "pregnant": p.pregnant,
        "pregnancy_weeks": p.pregnancy_weeks,
        "work_status": p.work_status,
        "family_history_spondyloarthritis": p.family_history_spondyloarthritis,
        "prior_spine_surgery": None
        if p.prior_spine_surgery is None
        else bool(p.prior_spine_surgery),
        "prior_conservative_care_weeks": record.prior_conservative_care_weeks,
        "prior_treatment_no_response": _no_response(p.prior_treatments),
    }
    facts |= dict(c.model_dump().items())
    facts |= dict(p.preferences.model_dump().items())
    facts |= {
        name: getattr(h, name)
        for name in (
            "trauma",
            "back_pain_onset_age",
            "recurrent",
            "leg_pain_worse_than_back",
            "walking_distance_m",
            "relief_sitting_or_flexion",
            "night_pain",
            "rest_pain",
            "morning_stiffness_minutes",
            "wakes_second_half_of_night",
            "improves_with_movement",
            "nsaid_response_48h",
            "alternating_buttock_pain",
            "enthesitis",
            "arthritis_history",
            "fever",
            "weight_loss",
            "thoracic_pain",
            "failed_to_improve_4_weeks",
            "urinary_retention",
            "urinary_incontinence",
            "bowel_dysfunction",
            "new_sexual_dysfunction",
            "bilateral_leg_symptoms",
            "progressive_weakness",
            "pulsatile_abdominal_mass",
            "sudden_severe_pain_eased_lying",
        )
    }
    facts["pain_side"] = h.pain_side
    facts["pain_sites"] = h.pain_sites
    facts["aggravating"] = h.aggravating
    facts["easing"] = h.easing
    if h.onset_date is not None:
        days = (as_of - h.onset_date).days
        facts["symptom_duration_days"] = max(days, 0)
        facts["symptom_duration_weeks"] = round(max(days, 0) / 7, 2)
    facts["saddle_anaesthesia"] = _saddle(h.saddle_sensory_change, x.saddle_sensation)
    facts["reduced_anal_tone"] = {"reduced": True, "normal": False}.get(x.anal_tone or "")
    findings = {f.kind for study in record.imaging for f in study.findings}
    if record.imaging:
        facts["imaging_findings"] = sorted(findings)
        facts["imaging_modalities"] = sorted({study.modality for study in record.imaging})
    facts |= _neuro(record)
    facts |= _exam(record)
    return facts


def _no_response(treatments: list[Any] | None) -> bool | None:
    """Any treatment tried for this episode that did not help (no effect or worse)."""
    if treatments is None:
        return None
    responses = [t.response for t in treatments]
    if any(r in ("no_effect", "worse") for r in responses):
        return True
    return None if any(r is None for r in responses) else False


def _saddle(reported: bool | None, examined: str | None) -> bool | None:
    """Saddle anaesthesia if reported or found; no only when both are known to be normal."""
    found = None if examined is None else examined != "normal"
    if reported or found:
        return True
    if reported is False and found is False:
        return False
    return None


def _grid(grid: Mapping[Any, Sides[Any]], key: str) -> list[Any]:
    """Both sides' known values of one row of a left/right grid (myotomes, reflexes…)."""
    return _side_values(grid.get(key))


def _side_values(sides: Sides[Any] | None) -> list[Any]:
    return [] if sides is None else [v for v in (sides.left, sides.right) if v is not None]


def _neuro(record: EvaluationRecord) -> dict[str, Any]:
    """Summaries of the neurological grid. A finding found anywhere is known at once; its
    absence ("no weakness", "fewer than 2 weak roots") only when every cell was examined —
    a partial examination is never read as a normal one.
    """
    x = record.exam
    out: dict[str, Any] = {}
    grades = [g for root in ROOTS for g in _grid(x.myotomes, root)]
    complete_motor = len(grades) == 2 * len(ROOTS)
    weak_roots = {root for root in ROOTS for g in _grid(x.myotomes, root) if g < 5}
    if complete_motor:
        out["min_myotome_grade"] = min(grades)
    out["myotome_weakness"] = _any_or_complete([g < 5 for g in grades], complete=complete_motor)
    if complete_motor or len(weak_roots) >= 2:
        out["weak_root_count"] = len(weak_roots)
    sensory = [s for root in ROOTS for s in _grid(x.dermatomes, root)]
    out["dermatomal_sensory_loss"] = _any_or_complete(
        [s != "normal" for s in sensory], complete=len(sensory) == 2 * len(ROOTS)
    )
    reflexes = [r for name in ("patellar", "achilles") for r in _grid(x.reflexes, name)]
    out["reflex_reduced"] = _any_or_complete(
        [r in ("reduced", "absent") for r in reflexes], complete=len(reflexes) == 4
    )
    return out


def _any_or_complete(found: list[bool], *, complete: bool) -> bool | None:
    """True if any cell shows the finding; False only when every cell was examined."""
    if any(found):
        return True
    return False if complete else None


def _exam(record: EvaluationRecord) -> dict[str, Any]:
    x = record.exam
    out: dict[str, Any] = {}
    slr = list(_side_values(x.slr))
    if slr:
        angles = [s.angle for s in slr if s.angle is not None]
        if angles:
            out["slr_min_angle"] = min(angles)
        if len(angles) == 2:
            out["slr_average_angle"] = round(sum(angles) / 2, 1)
        positives = [s.reproduces_leg_pain for s in slr if s.reproduces_leg_pain is not None]
        out["slr_positive"] = _any_or_complete(positives, complete=len(positives) == 2)
    crossed = _side_values(x.crossed_slr)
    out["crossed_slr_positive"] = _any_or_complete(crossed, complete=len(crossed) == 2)
    femoral = _side_values(x.femoral_nerve_stretch)
    out["femoral_stretch_positive"] = _any_or_complete(femoral, complete=len(femoral) == 2)
    rm = x.repeated_movements
    out["repeated_movement_response"] = rm.response
    out["directional_preference"] = rm.direction
    sij = x.sij_tests
    results = [getattr(sij, t) for t in SIJ_TESTS]
    known = [r for r in results if r is not None]
    if known:
        out["sij_positive_tests"] = sum(known)
        out["sij_tests_done"] = len(known)
    # A maximum or an average over both sides is only known when both sides are recorded.
    hip = x.hip_internal_rotation_deg
    out["hip_internal_rotation_left_deg"] = hip.left
    out["hip_internal_rotation_right_deg"] = hip.right
    if hip.left is not None and hip.right is not None:
        out["hip_internal_rotation_max_deg"] = max(hip.left, hip.right)
    for name in (
        "lumbar_hypomobility",
        "prone_instability_test",
        "aberrant_movements",
        "midline_spinal_tenderness",
        "upper_motor_neuron_signs",
        "gait",
    ):
        out[name] = getattr(x, name)
    out["temperature_c"] = x.temperature_c
    return out
