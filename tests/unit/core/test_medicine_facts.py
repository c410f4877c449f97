"""Medicine, allergy and questionnaire-total facts: unknown is never read as 'none'."""

from __future__ import annotations

from typing import Any

import pytest

from spinecare.core.errors import UserError
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.instruments.scoring import score_total
from spinecare.core.plan.medicine_facts import medicine_facts
from spinecare.knowledge import load_kb

TABLE: dict[str, Any] = {
    "classes": {"nsaid": "NSAIDs", "anticoagulant": "Anticoagulants"},
    "drugs": {
        "ibuprofen": {"classes": ["nsaid"], "rxnorm": ["5640"], "names": ["ibuprofen", "nurofen"]},
        "warfarin": {"classes": ["anticoagulant"], "rxnorm": ["11289"], "names": ["warfarin"]},
    },
}


def facts_for(patient: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    return medicine_facts(EvaluationRecord.model_validate({"patient": patient}), TABLE)


def test_medicines_not_asked_leave_every_class_unknown() -> None:
    """No medicine list at all: nothing is known (never read as 'takes nothing')."""
    facts, unrecognised, _ = facts_for({})
    assert "on_anticoagulant" not in facts
    assert not unrecognised


def test_empty_medicine_list_means_none() -> None:
    """An explicit empty list means the patient takes no medicines."""
    facts, _, _ = facts_for({"medications": []})
    assert facts["on_anticoagulant"] is False
    assert facts["on_nsaid"] is False


def test_recognised_by_code_name_brand_and_misspelling() -> None:
    """A medicine is matched by RxNorm code, name, brand name or a close misspelling."""
    for med in ({"name": "x", "rxnorm": "11289"}, {"name": "Warfarin 3 mg"}, {"name": "warfarine"}):
        facts, unrecognised, _ = facts_for({"medications": [med]})
        assert facts["on_anticoagulant"] is True, med
        assert facts["on_nsaid"] is False
        assert not unrecognised
    facts, _, _ = facts_for({"medications": [{"name": "Nurofen 200mg"}]})
    assert facts["on_nsaid"] is True


def test_unrecognised_medicine_makes_absent_classes_unknown() -> None:
    """An unknown medicine could be an anticoagulant: absence is then unknown, presence still known."""
    facts, unrecognised, _ = facts_for(
        {"medications": [{"name": "ibuprofen"}, {"name": "zorblax"}]}
    )
    assert facts["on_nsaid"] is True
    assert facts["on_anticoagulant"] is None
    assert unrecognised == ["zorblax"]


def test_stopped_medicines_do_not_count() -> None:
    """A medicine marked inactive is not a current medicine."""
    facts, _, _ = facts_for({"medications": [{"name": "warfarin", "active": False}]})
    assert facts["on_anticoagulant"] is False


def test_allergies() -> None:
    """Allergies match drugs and class names; unmatched ones are reported; not asked = unknown."""
    facts, _, unmatched = facts_for({"allergies": ["Ibuprofen (rash)", "penicillin"]})
    assert facts["allergic_to_nsaid"] is True
    assert facts["allergic_to_anticoagulant"] is False
    assert unmatched == ["penicillin"]
    facts, _, _ = facts_for({"allergies": ["NSAIDs"]})
    assert facts["allergic_to_nsaid"] is True
    facts, _, _ = facts_for({})
    assert "allergic_to_nsaid" not in facts


def test_score_total_classifies_only_from_the_total() -> None:
    """A PHQ-2 total of 5 screens positive; a STarT Back total gives no risk group (needs subscale)."""
    kb = load_kb()
    phq = score_total(kb.instruments["phq2"], 5, field="q.score")
    assert phq["risk_group"] == "positive"
    assert score_total(kb.instruments["phq2"], 2, field="q.score")["risk_group"] == "negative"
    sb = score_total(kb.instruments["start_back"], 6, field="q.score")
    assert sb["risk_group"] is None
    assert "answers" in sb["interpretation"]
    with pytest.raises(UserError) as info:
        score_total(kb.instruments["odi"], 120, field="questionnaires.0.score")
    assert info.value.field == "questionnaires.0.score"
