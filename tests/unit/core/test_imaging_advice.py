"""Imaging advice: the ACR low back pain table, the variant rules and the order check.

The expected ratings below are copied from the clinical reference (clinical-facts.md §3.1, ACR
Appropriateness Criteria Low Back Pain, revised 2021). Variants 1 and 2 rate every procedure
"usually not appropriate"; for variants 3-7 only the cells the reference confirms are in the
table, and the "?" cells must stay out (the order check then says "not-rated").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from spinecare.core.errors import UserError
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.knowledge import load_kb

AS_OF = dt.date(2026, 1, 1)
UA, MBA, UNA = "usually-appropriate", "may-be-appropriate", "usually-not-appropriate"
PROCEDURES = (
    "radiograph",
    "mri_without_contrast",
    "mri_without_and_with_contrast",
    "mri_with_contrast",
    "ct_without_contrast",
    "ct_with_contrast",
    "ct_without_and_with_contrast",
    "ct_myelography",
    "bone_scan_spect",
    "discography",
    "fdg_pet_ct",
)
# clinical-facts.md §3.1, variants 3-7, without the "?" cells.
CONFIRMED: dict[str, dict[str, str]] = {
    "V3": {
        "radiograph": MBA,
        "mri_without_contrast": UA,
        "mri_without_and_with_contrast": MBA,
        "ct_without_contrast": MBA,
        "ct_myelography": MBA,
        "bone_scan_spect": MBA,
    },
    "V4": {
        "mri_without_contrast": UA,
        "mri_without_and_with_contrast": UA,
        "ct_without_contrast": MBA,
        "ct_myelography": MBA,
    },
    "V5": {
        "radiograph": UA,
        "mri_without_contrast": UA,
        "mri_without_and_with_contrast": UA,
        "ct_without_contrast": MBA,
        "ct_myelography": MBA,
    },
    "V6": {
        "radiograph": UA,
        "mri_without_contrast": UA,
        "mri_without_and_with_contrast": MBA,
        "ct_without_contrast": UA,
        "ct_myelography": MBA,
    },
    "V7": {
        "radiograph": MBA,
        "mri_without_contrast": UA,
        "mri_without_and_with_contrast": UA,
        "ct_without_contrast": MBA,
        "ct_with_contrast": MBA,
        "ct_myelography": MBA,
    },
}
VERDICTS = {UA: "appropriate", MBA: "may-be-appropriate", UNA: "usually-not-appropriate"}
ORDER_RESULTS = {*VERDICTS.values(), "not-rated", "cannot-decide"}

# A complete, negative red-flag screen with a normal motor examination (ACR variant 1 or 2
# needs every red-flag question answered).
NO_RED_FLAGS: dict[str, Any] = {
    "patient": {
        "age": 34,
        "sex": "male",
        "comorbidities": {
            "cancer_history": False,
            "immunosuppression": False,
            "iv_drug_use": False,
            "osteoporosis": False,
            "long_term_corticosteroids": False,
            "recent_bacterial_infection": False,
        },
    },
    "history": {
        "onset_date": "2025-12-18",
        "trauma": "none",
        "fever": False,
        "weight_loss": False,
        "urinary_retention": False,
        "urinary_incontinence": False,
        "bowel_dysfunction": False,
        "saddle_sensory_change": False,
        "new_sexual_dysfunction": False,
        "bilateral_leg_symptoms": False,
        "progressive_weakness": False,
    },
    "exam": {
        "saddle_sensation": "normal",
        "myotomes": {root: {"left": 5, "right": 5} for root in ("L2", "L3", "L4", "L5", "S1")},
    },
}
# New urinary retention: suspected cauda equina syndrome, ACR variant 4.
CES: dict[str, Any] = {"history": {"onset_date": "2025-12-25", "urinary_retention": True}}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb()


@pytest.fixture(scope="module")
def acr(kb: KnowledgeBase) -> Mapping[str, Any]:
    return kb.tables["acr-lbp-2021"]


def order_check(kb: KnowledgeBase, record: dict[str, Any], procedure: str) -> dict[str, Any]:
    rec = EvaluationRecord.model_validate({**record, "proposed_imaging": {"procedure": procedure}})
    check = evaluate(rec, kb, as_of=AS_OF).imaging.order_check
    assert check is not None
    return check


def test_procedures_are_the_eleven_acr_procedures(acr: Mapping[str, Any]) -> None:
    """The table names exactly the eleven lumbar imaging procedures ACR rates."""
    assert set(acr["procedures"]) == set(PROCEDURES)


@pytest.mark.parametrize("variant", ["V1", "V2"])
def test_v1_v2_rate_every_procedure_usually_not_appropriate(
    acr: Mapping[str, Any], variant: str
) -> None:
    """Variants 1 and 2 rate all eleven procedures, every one usually not appropriate."""
    assert acr["variants"][variant]["ratings"] == dict.fromkeys(PROCEDURES, UNA)


@pytest.mark.parametrize("variant", sorted(CONFIRMED))
def test_v3_to_v7_hold_only_the_confirmed_ratings(acr: Mapping[str, Any], variant: str) -> None:
    """Variants 3-7 hold exactly the confirmed cells; the unconfirmed ("?") cells are absent."""
    assert acr["variants"][variant]["ratings"] == CONFIRMED[variant]


def test_precedence_is_a_permutation_of_the_variants(acr: Mapping[str, Any]) -> None:
    """Precedence lists every variant once, most specific first (cauda equina leads)."""
    precedence = acr["precedence"]
    assert sorted(precedence) == sorted(acr["variants"])
    assert len(precedence) == len(set(precedence))
    assert precedence == ["V4", "V7", "V5", "V6", "V3", "V2", "V1"]


def test_each_rating_maps_to_its_verdict(acr: Mapping[str, Any]) -> None:
    """Each ACR rating, and "not-rated", maps to the order-check verdict of the same meaning."""
    assert acr["verdicts"] == {**VERDICTS, "not-rated": "not-rated"}


def test_one_variant_rule_per_variant(kb: KnowledgeBase, acr: Mapping[str, Any]) -> None:
    """Every ACR variant is chosen by exactly one imaging_variant rule."""
    chosen = [r.then["acr_variant"] for r in kb.rules if r.category == "imaging_variant"]
    assert sorted(chosen) == sorted(acr["variants"])


@pytest.mark.parametrize(
    ("record", "procedure", "result"),
    [
        (NO_RED_FLAGS, "mri_without_contrast", "usually-not-appropriate"),
        (CES, "mri_without_contrast", "appropriate"),
        (CES, "ct_without_contrast", "may-be-appropriate"),
        (CES, "radiograph", "not-rated"),
        ({"patient": {"age": 30}}, "mri_without_contrast", "cannot-decide"),
    ],
)
def test_order_check_verdicts(
    kb: KnowledgeBase, record: dict[str, Any], procedure: str, result: str
) -> None:
    """MRI in acute low back pain without red flags is usually not appropriate; in suspected
    cauda equina syndrome MRI is appropriate, CT may be, radiography is not rated; with no
    variant yet the order check cannot decide."""
    assert order_check(kb, record, procedure)["result"] == result


def test_not_rated_cell_reports_no_rating(kb: KnowledgeBase) -> None:
    """An unconfirmed cell is reported as not rated, never as a guessed rating."""
    check = order_check(kb, CES, "radiograph")
    assert check["variant"] == "V4"
    assert check["rating"] == "not-rated"
    assert "no confirmed ACR rating" in check["reason"]


def test_scenarios_show_every_order_check_verdict(kb: KnowledgeBase) -> None:
    """The imaging vignettes between them expect every result the order check can give."""
    shown = {
        s.expect["imaging_order"]
        for s in kb.scenarios
        if "scenarios/imaging/" in s.file and "imaging_order" in s.expect
    }
    assert shown == ORDER_RESULTS


def test_unknown_procedure_is_a_user_error(kb: KnowledgeBase) -> None:
    """An order for a procedure not in the table is an input error naming the field."""
    with pytest.raises(UserError) as info:
        order_check(kb, NO_RED_FLAGS, "mri_whole_spine")
    assert info.value.field == "proposed_imaging.procedure"
    assert "mri_whole_spine" in info.value.message
