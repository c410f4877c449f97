"""Value types for medicines: a patient's orders (input) and the KB's medication tables.

Stdlib only (ADR 0004). The FHIR and native readers in ``spinecare.fhir.medications`` build the
input types; ``spinecare.knowledge.medications`` builds the table types from ``kb/medications/``
and ``kb/valuesets/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"


# ----------------------------------------------------------------------------- patient input


# The order types are frozen dataclasses without ``__slots__``: ``spinecare mme --json``
# serialises results (which hold the orders) with orjson, which reads ``__dict__`` dataclasses
# several times faster than slotted ones.

T = TypeVar("T")
_new = object.__new__
_set = object.__setattr__


def build(cls: type[T], fields: dict[str, Any]) -> T:
    """Make a frozen, ``__dict__``-based dataclass from a dict holding *every* field.

    Same object as ``cls(**fields)``, without the generated ``__init__``'s one
    ``object.__setattr__`` call per field (2-3 times faster). Used on the per-order hot path of
    ``spinecare mme``; tests check it gives equal objects.
    """
    obj = _new(cls)
    _set(obj, "__dict__", fields)
    return obj


@dataclass(frozen=True)
class Dosage:
    """One dosage instruction: how many doses a day, and how much per dose.

    ``dose_unit`` is what the order says (a UCUM code such as ``mg`` or ``{tbl}``, or text such
    as ``tablet``); ``spinecare.core.medications.dosing`` interprets it. ``None`` means unknown.
    """

    doses_per_day: float | None
    dose_value: float | None
    dose_unit: str | None


@dataclass(frozen=True)
class MedicationOrder:
    """A medication order (FHIR MedicationRequest), reduced to what the MME logic reads."""

    id: str
    rxnorm: str | None
    name: str = ""
    status: str | None = None  # active | stopped | completed | on-hold | …
    intent: str | None = None  # order | plan | proposal | …
    categories: tuple[str, ...] = ()  # community | inpatient | outpatient | discharge
    authored_on: dt.date | None = None
    dosages: tuple[Dosage, ...] = ()
    supply_days: float | None = None
    other_rxnorm: tuple[str, ...] = ()  # further RxNorm codings of the same medicine


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str


@dataclass(frozen=True, slots=True)
class PatientMedications:
    """One patient's medication orders and active conditions (only the codes)."""

    patient_id: str
    orders: tuple[MedicationOrder, ...] = ()
    conditions: tuple[Coding, ...] = ()


# ----------------------------------------------------------------------------- KB tables


@dataclass(frozen=True, slots=True)
class OpioidProduct:
    """An RxNorm opioid product: its opioid ingredient and strength per unit.

    ``strength_unit`` is ``MG`` (per tablet, capsule, film…), ``MG/ML``, ``MG/HR`` (patches) or
    ``MG/ACTUAT``. Rows of the same ingredient (two salts) are summed by the loader.
    """

    rxcui: str
    name: str
    dose_form: str
    ingredient: str  # lower case, e.g. "oxycodone"
    ingredient_rxcui: str
    strength: float
    strength_unit: str


@dataclass(frozen=True, slots=True)
class MmeFactor:
    """The MME conversion factor of one ingredient by one route.

    ``per`` is the unit of the daily dose the factor multiplies: ``mg/day`` or ``mcg/h``.
    ``tiers`` (upper bound in mg/day inclusive, ``None`` for open; factor) replaces ``factor``
    for dose-banded factors (methadone in 2016).
    """

    ingredient: str
    route: str
    per: str
    factor: float | None
    tiers: tuple[tuple[float | None, float], ...] = ()
    cites: tuple[str, ...] = ()
    note: str = ""

    def factor_for(self, daily_dose: float) -> float:
        if self.factor is not None:
            return self.factor
        for up_to, factor in self.tiers:
            if up_to is None or daily_dose <= up_to:
                return factor
        raise ValueError(f"no factor band for {daily_dose} {self.per}")  # the loader forbids it


@dataclass(frozen=True, slots=True)
class ExcludedIngredient:
    """An ingredient deliberately not counted (buprenorphine) or with no factor, and why."""

    ingredient: str
    reason: str
    cites: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FactorSet:
    id: str
    title: str
    cites: tuple[str, ...]
    factors: Mapping[tuple[str, str], MmeFactor]  # (ingredient, route) → factor
    not_counted: Mapping[str, ExcludedIngredient]
    no_factor: Mapping[str, ExcludedIngredient]
    note: str = ""


@dataclass(frozen=True, slots=True)
class FlagSpec:
    """A flag the MME calculator raises: severity, texts (with template fields) and citations.

    The numbers a flag compares with live here too, beside its text: ``threshold_mme`` (total
    MME/day, at or above) for the ``mme_ge_*`` flags; an acute-supply window in days (more than
    ``supply_days_more_than`` and less than ``supply_days_less_than``) for ``acute_supply_long``;
    ``within_days`` of an order's authored date for ``reassess_opioid_start``.
    """

    id: str
    severity: str  # info | warning | critical (CDS Hooks card indicators)
    title: str
    detail: str
    cites: tuple[str, ...]
    threshold_mme: float | None = None
    supply_days_more_than: float | None = None
    supply_days_less_than: float | None = None
    within_days: int | None = None


@dataclass(frozen=True, slots=True)
class MmeTable:
    """Everything in ``kb/medications/mme-factors.yaml``."""

    id: str
    version: str
    title: str
    default_set: str
    routes: Mapping[str, str]  # dose form → route
    sets: Mapping[str, FactorSet]
    flags: Mapping[str, FlagSpec]
    cites: tuple[str, ...] = ()
    source_file: str = ""

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass(frozen=True, slots=True)
class ValueSet:
    """A code set (an expansion): codes by code-system URI."""

    id: str
    codes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def codes_for(self, system: str) -> frozenset[str]:
        return self.codes.get(system, frozenset())

    def __contains__(self, coding: object) -> bool:
        return isinstance(coding, Coding) and coding.code in self.codes_for(coding.system)

    def __len__(self) -> int:
        return sum(len(c) for c in self.codes.values())
