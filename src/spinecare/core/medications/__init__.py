"""Medicines: value types, dosing arithmetic and the MME / opioid-safety calculator (pure)."""

from spinecare.core.medications.mme import (
    MmeCalculator,
    calculate_mme,
    calculator_for,
)
from spinecare.core.medications.model import (
    Coding,
    Dosage,
    MedicationOrder,
    PatientMedications,
)
from spinecare.core.medications.results import MmeAssessment, NotCounted, OrderResult

__all__ = [
    "Coding",
    "Dosage",
    "MedicationOrder",
    "MmeAssessment",
    "MmeCalculator",
    "NotCounted",
    "OrderResult",
    "PatientMedications",
    "calculate_mme",
    "calculator_for",
]
