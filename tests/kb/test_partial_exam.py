"""A partial neurological examination is never read as a normal one, and a weak muscle found
on a partial examination still counts."""

from __future__ import annotations

import datetime as dt

import pytest

from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.knowledge import load_kb

AS_OF = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb()


def facts_of(kb: KnowledgeBase, exam: dict[str, object], **history: object) -> dict[str, object]:
    record = EvaluationRecord.model_validate({"exam": exam, "history": history})
    return evaluate(record, kb, as_of=AS_OF).facts


def test_partial_normal_grid_leaves_absence_unknown(kb: KnowledgeBase) -> None:
    """One normal muscle, dermatome and reflex do not make 'no weakness, no sensory loss'."""
    facts = facts_of(
        kb,
        {
            "myotomes": {"L5": {"left": 5}},
            "dermatomes": {"L5": {"left": "normal"}},
            "reflexes": {"achilles": {"left": "normal"}},
            "slr": {"left": {"reproduces_leg_pain": False}},
        },
    )
    for name in (
        "myotome_weakness",
        "dermatomal_sensory_loss",
        "reflex_reduced",
        "slr_positive",
        "weak_root_count",
    ):
        assert name not in facts, name


def test_weak_muscle_on_partial_exam_counts(kb: KnowledgeBase) -> None:
    """L5 graded 3 on a partial examination is weakness, at once."""
    facts = facts_of(kb, {"myotomes": {"L5": {"left": 3}}})
    assert facts["myotome_weakness"] is True
    assert "weak_root_count" not in facts  # one weak root on a partial exam: the count is unknown


def test_cancer_with_weakness_on_partial_exam_is_mscc_emergency(kb: KnowledgeBase) -> None:
    """A cancer history plus one weak muscle on a partial exam raises the MSCC emergency."""
    record = EvaluationRecord.model_validate(
        {
            "patient": {"age": 64, "comorbidities": {"cancer_history": True}},
            "exam": {"myotomes": {"L5": {"left": 3}}},
        }
    )
    a = evaluate(record, kb, as_of=AS_OF)
    assert a.highest_urgency == "emergency"
    assert "metastatic-spinal-cord-compression" in {f.flag for f in a.red_flags}


def test_complete_normal_grid_is_normal(kb: KnowledgeBase) -> None:
    """When every cell is examined and normal, the absence of each finding is known."""
    roots = ("L2", "L3", "L4", "L5", "S1")
    exam = {
        "myotomes": {r: {"left": 5, "right": 5} for r in roots},
        "dermatomes": {r: {"left": "normal", "right": "normal"} for r in roots},
        "reflexes": {n: {"left": "normal", "right": "normal"} for n in ("patellar", "achilles")},
        "slr": {s: {"reproduces_leg_pain": False} for s in ("left", "right")},
    }
    facts = facts_of(kb, exam)
    assert facts["myotome_weakness"] is False
    assert facts["weak_root_count"] == 0
    assert facts["dermatomal_sensory_loss"] is False
    assert facts["reflex_reduced"] is False
    assert facts["slr_positive"] is False
