"""The evaluation step forms: every record field is asked once, input maps onto the record, and
every error lands on the field it came from.

No database: these exercise ``steps`` and ``forms`` directly (the record model and the KB).
"""

from __future__ import annotations

from typing import Any

import pytest

from spinecare.core.evaluation.evaluate import FOLLOWUP_CATEGORIES, PLAN_CATEGORIES
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.web.evaluations.forms import (
    StepForm,
    apply_action,
    merge_fragment,
    raw_from_record,
)
from spinecare.web.evaluations.steps import (
    CONTEXT,
    DEMOGRAPHIC_FACTS,
    EXAM,
    HISTORY,
    IMAGING,
    NOT_IN_FORM,
    QUESTIONNAIRES,
    RED_FLAGS,
    STEPS,
    all_record_leaf_paths,
    path_exists,
    targets_for_fact,
)
from spinecare.web.kb import get_kb


def _form(step: Any, raw: dict[str, Any], record: dict[str, Any] | None = None) -> StepForm:
    form = StepForm(step, raw, kb=get_kb())
    form.is_valid(record or {})
    return form


# ---------------------------------------------------------------- the steps cover the record


def test_every_record_field_is_asked_in_exactly_one_step() -> None:
    """A field added to EvaluationRecord must be given a place in the form (or a reason not)."""
    owners: dict[str, list[str]] = {}
    for step in STEPS:
        for path in step.owned_paths():
            owners.setdefault(path, []).append(step.slug)

    leaves = all_record_leaf_paths()
    missing = sorted(leaves - set(owners) - set(NOT_IN_FORM))
    twice = {p: s for p, s in owners.items() if len(s) > 1}

    assert missing == [], f"record fields no step asks: {missing}"
    assert twice == {}
    assert set(NOT_IN_FORM) <= leaves


def test_every_declared_field_exists_in_the_record() -> None:
    """The form skips a path the record lost (so pages keep working); this test does not."""
    stale = [f.path for s in STEPS for f in s.declared_fields() if not path_exists(f.path)]

    assert stale == []


def test_every_fact_the_engine_can_ask_for_links_to_a_field() -> None:
    """Each "data needed" prompt can link back to where it is answered (except age and sex).

    The facts are those the assessment's rules read, with each derived fact replaced by the
    facts its derivation rules read (as the engine reports data needed); plan rules are not
    part of the assessment.
    """
    kb = get_kb()
    derivers: dict[str, list[Any]] = {}
    for rule in kb.rules:
        if rule.category == "derivation":
            for name in rule.then["set"]:
                derivers.setdefault(name, []).append(rule)
    frontier = {
        name
        for rule in kb.rules
        if rule.category != "derivation"
        and rule.category not in PLAN_CATEGORIES
        and rule.category not in FOLLOWUP_CATEGORIES
        for name in rule.when.facts
    }
    seen: set[str] = set()
    while frontier:
        name = frontier.pop()
        if name not in seen:
            seen.add(name)
            frontier |= {f for r in derivers.get(name, []) for f in r.when.facts}
    unlinked = sorted(
        name
        # the surgical rules' gate is set by the referral module, never asked (core/surgery)
        for name in seen - set(derivers) - DEMOGRAPHIC_FACTS - {"surgical_referral_check"}
        if not targets_for_fact(name, frozenset(kb.instruments))
    )

    assert unlinked == []


def test_red_flag_questions_have_three_states() -> None:
    """Yes, no and "not asked": not asked is the empty answer and leaves the fact unknown."""
    form = StepForm(RED_FLAGS, {}, kb=get_kb())
    inp = form.inputs["history-urinary_retention"]

    assert inp.widget == "radio"
    assert [c for c, _ in inp.choices] == ["yes", "no"]
    assert inp.unknown == "Not asked"
    assert _form(RED_FLAGS, {"history-urinary_retention": ""}).fragment == {}
    no = _form(RED_FLAGS, {"history-urinary_retention": "no"})
    assert no.fragment == {"history": {"urinary_retention": False}}


# ---------------------------------------------------------------- input → record


def test_step_fragment_maps_fields_onto_the_record() -> None:
    form = _form(
        EXAM,
        {
            "exam-myotomes-L5-left": "3",
            "exam-dermatomes-L5-left": "reduced",
            "exam-reflexes-achilles-right": "absent",
            "exam-slr-left-angle": "40",
            "exam-slr-left-reproduces_leg_pain": "yes",
            "exam-sij_tests-faber": "no",
            "exam-temperature_c": "37.2",
        },
    )

    assert form.errors == {}
    assert form.merged == {
        "exam": {
            "myotomes": {"L5": {"left": 3}},
            "dermatomes": {"L5": {"left": "reduced"}},
            "reflexes": {"achilles": {"right": "absent"}},
            "slr": {"left": {"angle": 40, "reproduces_leg_pain": True}},
            "sij_tests": {"faber": False},
            "temperature_c": 37.2,
        }
    }
    EvaluationRecord.model_validate(form.merged)


def test_saving_a_step_replaces_only_its_own_paths() -> None:
    """Clearing a field removes it from the record; other steps' answers stay."""
    record = {
        "history": {"onset_date": "2026-01-01", "urinary_retention": True, "fever": False},
        "exam": {"gait": "antalgic"},
    }

    form = _form(RED_FLAGS, {"history-fever": "no"}, record)

    assert form.merged == {
        "history": {"onset_date": "2026-01-01", "fever": False},
        "exam": {"gait": "antalgic"},
    }


def test_repeatable_rows_skip_empty_rows() -> None:
    form = _form(
        IMAGING,
        {
            "imaging-count": "3",
            "imaging-0-modality": "mri",
            "imaging-0-date": "2026-01-10",
            "imaging-0-findings-count": "2",
            "imaging-0-findings-1-kind": "disc_herniation",
            "imaging-0-findings-1-level": "L4-L5",
            "imaging-0-findings-1-side": "left",
            "imaging-2-modality": "radiograph",
        },
    )

    assert form.errors == {}
    assert form.merged == {
        "imaging": [
            {
                "modality": "mri",
                "date": "2026-01-10",
                "findings": [{"kind": "disc_herniation", "level": "L4-L5", "side": "left"}],
            },
            {"modality": "radiograph"},
        ]
    }


def test_questionnaire_answers_become_option_indexes() -> None:
    kb = get_kb()
    nrs = kb.instruments["nrs"]
    item = nrs.items[0].key

    form = _form(QUESTIONNAIRES, {f"questionnaires-nrs-{item}": "7"})

    assert form.errors == {}
    assert form.merged == {"questionnaires": [{"instrument": "nrs", "answers": [7]}]}


def test_record_to_form_and_back_is_lossless() -> None:
    """A record entered elsewhere shows in the form, and saving it unchanged changes nothing."""
    record = {
        "history": {
            "onset_date": "2026-01-01",
            "pain_sites": ["axial", "thigh"],
            "recurrent": False,
        },
        "patient": {
            "comorbidities": {"egfr": 55.0, "diabetes": True},
            "medications": [{"name": "Naproxen", "dose": "500 mg bd"}],
            "allergies": ["penicillin"],
            "prior_spine_surgery": [],  # asked: none (not the same as not asked)
        },
        "exam": {"myotomes": {"S1": {"right": 4}}, "hip_internal_rotation_deg": {"left": 30}},
        "imaging": [{"modality": "ct", "findings": [{"kind": "fracture", "level": "L1-L2"}]}],
        "questionnaires": [{"instrument": "odi", "score": 34.0}],
        "prior_conservative_care_weeks": 6.0,
    }
    merged: dict[str, Any] = {}
    for step in STEPS:
        form = _form(step, raw_from_record(step, record, kb=get_kb()), merged)
        assert form.errors == {}, (step.slug, form.errors)
        assert form.merged is not None
        merged = form.merged

    assert EvaluationRecord.model_validate(merged) == EvaluationRecord.model_validate(record)


def test_none_differs_from_not_asked_for_lists() -> None:
    """Ticking "takes no medicines" records [] (asked: none); leaving it empty records nothing."""
    none = _form(CONTEXT, {"patient-medications-none": "on", "patient-allergies-none": "on"})
    unasked = _form(CONTEXT, {})

    assert none.merged == {"patient": {"medications": [], "allergies": []}}
    assert unasked.merged == {}


def test_none_and_a_listed_item_together_are_refused() -> None:
    form = _form(
        CONTEXT,
        {"patient-medications-none": "on", "patient-medications-0-name": "Naproxen"},
    )

    assert form.merged is None
    assert form.inputs["patient-medications-none"].errors
    assert form.error_list()[0][0] == "field-patient-medications-none"


# ---------------------------------------------------------------- errors next to the field


def test_range_error_from_the_record_model_is_on_the_field() -> None:
    """The record model checks clinical ranges; its error path names the form field."""
    form = _form(EXAM, {"exam-temperature_c": "50", "exam-slr-right-angle": "150"})

    assert form.merged is None
    assert form.inputs["exam-temperature_c"].errors == ["Must be less than or equal to 45"]
    assert form.inputs["exam-slr-right-angle"].errors == ["Must be less than or equal to 120"]


def test_shape_error_from_the_django_form_is_on_the_field() -> None:
    form = _form(
        HISTORY, {"history-onset_date": "last tuesday", "history-walking_distance_m": "far"}
    )

    assert form.inputs["history-onset_date"].errors == ["Enter a valid date."]
    assert form.inputs["history-walking_distance_m"].errors == ["Enter a whole number."]


def test_error_in_a_row_after_an_empty_row_names_that_row() -> None:
    """Empty rows are dropped before validation; the error still points at the row typed in."""
    form = _form(
        IMAGING,
        {
            "imaging-count": "2",
            "imaging-1-modality": "mri",
            "imaging-1-findings-count": "2",
            "imaging-1-findings-1-level": "L5-S1",  # a finding without its kind
        },
    )

    assert form.inputs["imaging-1-findings-1-kind"].errors == ["Field required"]
    assert ("field-imaging-1-findings-1-kind", "Finding", "Field required") in form.error_list()


def test_incomplete_questionnaire_error_is_on_the_first_missing_item() -> None:
    kb = get_kb()
    phq2 = kb.instruments["phq2"]
    first, second = (i.key for i in phq2.items)

    form = _form(QUESTIONNAIRES, {f"questionnaires-phq2-{first}": "1"})

    assert form.inputs[f"questionnaires-phq2-{second}"].errors
    assert form.merged is None


def test_answers_and_score_together_are_refused() -> None:
    kb = get_kb()
    item = kb.instruments["nrs"].items[0].key

    form = _form(
        QUESTIONNAIRES, {f"questionnaires-nrs-{item}": "3", "questionnaires-nrs-score": "3"}
    )

    assert form.inputs["questionnaires-nrs-score"].errors


# ---------------------------------------------------------------- adding and removing rows


def test_add_row_and_remove_row_renumber() -> None:
    raw = {
        "imaging-count": "3",
        "imaging-0-modality": "mri",
        "imaging-1-modality": "ct",
        "imaging-2-modality": "radiograph",
        "imaging-2-findings-0-kind": "fracture",
    }

    removed = apply_action(raw, "remove:imaging-1")
    added = apply_action(removed, "add:imaging-1-findings")

    assert removed == {
        "imaging-count": "2",
        "imaging-0-modality": "mri",
        "imaging-1-modality": "radiograph",
        "imaging-1-findings-0-kind": "fracture",
    }
    assert added["imaging-1-findings-count"] == "2"
    assert apply_action(raw, "nonsense") == raw


@pytest.mark.parametrize(
    ("record", "owned", "fragment", "expected"),
    [
        ({"a": {"b": 1}}, ["a.b"], {}, {}),
        ({"a": {"b": 1, "c": 2}}, ["a.b"], {"a": {"b": 3}}, {"a": {"b": 3, "c": 2}}),
        ({"l": [1]}, ["l"], {"l": [2, 3]}, {"l": [2, 3]}),
    ],
)
def test_merge_fragment(
    record: dict[str, Any], owned: list[str], fragment: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert merge_fragment(record, owned, fragment) == expected


def test_proposed_imaging_is_chosen_from_the_kb_procedures() -> None:
    procedures = get_kb().tables["acr-lbp-2021"]["procedures"]
    chosen = next(iter(procedures))

    form = _form(IMAGING, {"proposed_imaging-procedure": chosen})
    bad = _form(IMAGING, {"proposed_imaging-procedure": "x_ray_of_the_knee"})

    assert [c for c, _ in form.inputs["proposed_imaging-procedure"].choices] == list(procedures)
    assert form.merged == {"proposed_imaging": {"procedure": chosen}}
    assert bad.inputs["proposed_imaging-procedure"].errors
