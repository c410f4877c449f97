"""Minimally invasive interventions: eligibility criterion by criterion, and the procedure log."""

from spinecare.core.interventions.eligibility import (
    check_table,
    evaluate_interventions,
    intervention_facts,
    plan_entry,
)
from spinecare.core.interventions.model import (
    CriterionResult,
    InterventionsReport,
    ProcedureEligibility,
)

__all__ = [
    "CriterionResult",
    "InterventionsReport",
    "ProcedureEligibility",
    "check_table",
    "evaluate_interventions",
    "intervention_facts",
    "plan_entry",
]
