"""Opioid safety in the plan: current opioids become an MME total with CDC 2022 flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.core.plan.compose import compose_plan
from spinecare.knowledge import load_kb

AS_OF = dt.date(2026, 1, 1)
OXY_10 = {
    "name": "oxycodone 10 mg tablet",
    "rxnorm": "1049683",
    "dose_value": 1,
    "dose_unit": "tablet",
}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb()


def safety(kb: KnowledgeBase, meds: list[dict[str, Any]]) -> dict[str, Any] | None:
    record = EvaluationRecord.model_validate({"patient": {"age": 50, "medications": meds}})
    plan = compose_plan(evaluate(record, kb, as_of=AS_OF), kb, record=record)
    return plan.extra.get("opioid_safety")


def test_oxycodone_every_8_hours_is_45_mme(kb: KnowledgeBase) -> None:
    """Oxycodone 10 mg three times a day = 30 mg × 1.5 = 45 MME/day, below 50."""
    s = safety(kb, [{**OXY_10, "doses_per_day": 3}])
    assert s is not None
    assert s["total_mme"] == pytest.approx(45)
    assert s["total_complete"] is True
    assert not s["flags"]["mme_ge_50"]


def test_two_tablets_every_8_hours_crosses_50(kb: KnowledgeBase) -> None:
    """20 mg three times a day = 90 MME/day: both thresholds flagged, with alerts cited."""
    s = safety(kb, [{**OXY_10, "dose_value": 2, "doses_per_day": 3}])
    assert s is not None
    assert s["total_mme"] == pytest.approx(90)
    assert s["flags"]["mme_ge_50"]
    assert s["flags"]["mme_ge_90"]
    assert s["flags"]["offer_naloxone"]
    assert all(alert["cites"] for alert in s["alerts"])


def test_opioid_without_structured_dose_is_never_counted_as_zero(kb: KnowledgeBase) -> None:
    """An opioid without a structured dose makes the total incomplete and is named."""
    s = safety(kb, [{**OXY_10, "doses_per_day": 3}, {"name": "morphine sulfate"}])
    assert s is not None
    assert s["total_complete"] is False
    assert s["opioids_without_structured_dose"] == ["morphine sulfate"]


def test_no_opioids_no_section(kb: KnowledgeBase) -> None:
    """Without opioid medicines the plan has no opioid-safety section."""
    assert safety(kb, [{"name": "ibuprofen"}]) is None
    assert safety(kb, []) is None


def test_reassessment_due_only_with_a_known_recent_start(kb: KnowledgeBase) -> None:
    """CDC Rec 7: a start 10 days ago makes a reassessment due; an unknown start claims nothing."""
    recent = safety(kb, [{**OXY_10, "doses_per_day": 3, "started_on": "2025-12-22"}])
    assert recent is not None
    assert recent["flags"]["reassess_opioid_start"] is True
    assert any(a["id"] == "reassess_opioid_start" for a in recent["alerts"])
    old = safety(kb, [{**OXY_10, "doses_per_day": 3, "started_on": "2025-06-01"}])
    assert old is not None
    assert old["flags"]["reassess_opioid_start"] is False
    unknown = safety(kb, [{**OXY_10, "doses_per_day": 3}])
    assert unknown is not None
    assert unknown["flags"]["reassess_opioid_start"] is False
    assert unknown["start_dates_unknown"] is True
