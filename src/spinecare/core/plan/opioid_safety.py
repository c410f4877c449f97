"""Opioid safety in the plan: the total MME/day of current opioid medicines (CDC 2022).

The patient's current medicines from the evaluation record become medication orders for the MME
calculator (``core.medications``); the plan then shows the total, each opioid's daily dose,
factor and MME, and the CDC 2022 flags (pause before 50 MME/day, naloxone, benzodiazepine
co-prescription, ...). A medicine without an RxNorm code or a structured dose cannot be counted
and is listed as such, never counted as zero.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.core.medications.mme import calculate_mme
from spinecare.core.medications.model import Dosage, MedicationOrder, PatientMedications
from spinecare.core.plan.medicine_facts import match_drug_names

REASSESS = "reassess_opioid_start"


def opioid_safety(
    record: EvaluationRecord, kb: KnowledgeBase, *, as_of: dt.date
) -> dict[str, Any] | None:
    """MME and flags for the record's current medicines, or None when the KB has no MME table
    or no current medicine is an opioid or benzodiazepine the calculator knows."""
    meds = record.patient.medications
    if not meds or kb.mme_factors is None:
        return None
    orders = []
    not_structured = []
    for i, med in enumerate(meds):
        if not med.active:
            continue
        if (
            med.rxnorm is None
            or med.dose_value is None
            or med.dose_unit is None
            or med.doses_per_day is None
        ):
            if med.rxnorm in kb.opioid_products or "opioid" in _classes(med.name, kb):
                not_structured.append(med.name)
            continue
        orders.append(
            MedicationOrder(
                id=f"record-medication-{i}",
                rxnorm=med.rxnorm,
                name=med.name,
                status="active",
                intent="order",
                categories=("community",),
                # A current medicine of the record is current by definition; its start date
                # (when known) drives the CDC Rec 7 reassessment alert, see below.
                authored_on=med.started_on or as_of,
                dosages=(Dosage(med.doses_per_day, med.dose_value, med.dose_unit),),
            )
        )
    if not orders and not not_structured:
        return None
    result = calculate_mme(
        PatientMedications(patient_id=record.patient_id or "patient", orders=tuple(orders)),
        kb,
        as_of=as_of,
    )
    if not result.counted and not not_structured and not any(result.flags.values()):
        return None
    out = result.to_dict()
    if any(m.started_on is None for m in meds if m.active and m.rxnorm):
        # Without start dates the orders only look new: do not claim a reassessment is due.
        out["alerts"] = [a for a in out["alerts"] if a["id"] != REASSESS]
        out["flags"] = {**out["flags"], REASSESS: False}
        out["start_dates_unknown"] = True
    out["opioids_without_structured_dose"] = not_structured
    if not_structured:
        out["total_complete"] = False
    return out


def _classes(name: str, kb: KnowledgeBase) -> set[str]:
    drugs = kb.tables.get("drugs", {}).get("drugs", {})
    by_name = {n: did for did, d in drugs.items() for n in d.get("names", [])}
    return {c for did in match_drug_names(name, by_name) for c in drugs[did]["classes"]}
