"""Doses per day from a timing, dose units, and the daily dose of one order.

The rules (shared/data/README.md, CDC opioid CDS logic):

- doses per day = frequency per period, scaled to one day; with ``frequencyMax`` take the
  maximum; with ``timeOfDay`` (or ``when``) count the times;
- a dose in units (tablets, capsules, sprays…) is multiplied by the product strength; a dose in
  mg (or mcg, g) is taken as written; a liquid dose in mL is multiplied by the mg/mL strength;
- a patch (strength in mg/hr) gives mcg/hr = patches × strength × 1000, whatever the change
  interval, so its doses per day do not matter.

Anything else (no timing, an unknown unit, mL of a tablet) gives ``None``: the order's dose is
unknown and the calculator reports it, never counts it as zero.
"""

from __future__ import annotations

from collections.abc import Iterable

from spinecare.core.medications.model import Dosage

MG = "mg"
MCG_PER_H = "mcg/h"
ML = "mL"
EACH = "each"

# FHIR UnitsOfTime → how many of the unit fit in one day.
_PER_DAY = {
    "s": 86400.0,
    "min": 1440.0,
    "h": 24.0,
    "d": 1.0,
    "wk": 1.0 / 7.0,
    "mo": 1.0 / 30.0,
    "a": 1.0 / 365.0,
}

_EACH_UNITS = [
    "1",
    "{tbl}",
    "tbl",
    "tab",
    "tabs",
    "tablet",
    "tablets",
    "{tablet}",
    "{tablets}",
    "cap",
    "caps",
    "capsule",
    "capsules",
    "{cap}",
    "{capsule}",
    "{capsules}",
    "patch",
    "patches",
    "{patch}",
    "{patches}",
    "spray",
    "sprays",
    "{spray}",
    "{sprays}",
    "actuation",
    "actuations",
    "{actuat}",
    "{actuation}",
    "{actuations}",
    "puff",
    "puffs",
    "{puff}",
    "{puffs}",
    "film",
    "films",
    "{film}",
    "{films}",
    "lozenge",
    "lozenges",
    "{lozenge}",
    "{lozenges}",
    "suppository",
    "suppositories",
    "{suppository}",
    "{suppositories}",
    "troche",
    "{troche}",
    "each",
    "{each}",
    "ea",
    "dose",
    "doses",
    "{dose}",
    "{doses}",
    "unit-dose",
    "{unit-dose}",
    "implant",
    "implants",
    "{implant}",
]

# Normalised unit → (kind, multiplier into the kind's base unit).
DOSE_UNITS: dict[str, tuple[str, float]] = {
    "mg": (MG, 1.0),
    "milligram": (MG, 1.0),
    "milligrams": (MG, 1.0),
    "g": (MG, 1000.0),
    "mcg": (MG, 0.001),
    "ug": (MG, 0.001),
    "µg": (MG, 0.001),
    "microgram": (MG, 0.001),
    "micrograms": (MG, 0.001),
    "ml": (ML, 1.0),
    "milliliter": (ML, 1.0),
    "millilitre": (ML, 1.0),
    "mcg/h": (MCG_PER_H, 1.0),
    "mcg/hr": (MCG_PER_H, 1.0),
    "ug/h": (MCG_PER_H, 1.0),
    "ug/hr": (MCG_PER_H, 1.0),
    "µg/h": (MCG_PER_H, 1.0),
    "mg/h": (MCG_PER_H, 1000.0),
    "mg/hr": (MCG_PER_H, 1000.0),
    **dict.fromkeys(_EACH_UNITS, (EACH, 1.0)),
}


def dose_unit(unit: str | None) -> tuple[str, float] | None:
    """``(kind, multiplier)`` for a dose unit as written, or ``None`` if SpineCare does not know it."""
    if unit is None:
        return None
    return DOSE_UNITS.get(unit) or DOSE_UNITS.get(unit.strip().lower())


def doses_per_day(
    *,
    frequency: float | None = None,
    frequency_max: float | None = None,
    period: float | None = None,
    period_unit: str | None = None,
    times_of_day: int = 0,
) -> float | None:
    """Doses per day from a FHIR ``Timing.repeat``; ``None`` when it cannot be worked out.

    ``times_of_day`` (the number of ``timeOfDay`` or ``when`` entries) wins: the order is taken
    at those times every day. Otherwise ``frequency`` (or ``frequency_max``, the larger) times
    per ``period`` ``period_unit``; a missing frequency means once per period (FHIR).
    """
    if times_of_day > 0:
        return float(times_of_day)
    count = frequency_max if frequency_max is not None else frequency
    if count is None:
        count = 1.0
    per_day = _PER_DAY.get(period_unit) if period_unit is not None else None
    if per_day is None or period is None or period <= 0 or count < 0:
        return None
    return count * per_day / period


def daily_dose(
    strength: float, strength_unit: str, dosages: Iterable[Dosage]
) -> tuple[float, str] | None:
    """Total daily dose of one order, in mg/day (or mcg/hr for patches), or ``None``."""
    total = 0.0
    seen = False
    if strength_unit == "MG" and type(dosages) is tuple and len(dosages) == 1:
        # the usual order: one instruction, tablets or mg of a tablet or capsule (fast path)
        d = dosages[0]
        unit = DOSE_UNITS.get(d.dose_unit) if d.dose_unit is not None else None
        if unit is not None and d.dose_value is not None and d.doses_per_day is not None:
            kind = unit[0]
            if kind == EACH:
                return d.dose_value * strength * d.doses_per_day, MG
            if kind == MG:
                return d.dose_value * unit[1] * d.doses_per_day, MG
    if strength_unit == "MG/HR":
        for d in dosages:
            unit = dose_unit(d.dose_unit)
            if d.dose_value is None or unit is None:
                return None
            kind, mult = unit
            if kind == EACH:
                total += d.dose_value * strength * 1000.0
            elif kind == MCG_PER_H:
                total += d.dose_value * mult
            else:
                return None
            seen = True
        return (total, MCG_PER_H) if seen else None
    for d in dosages:
        unit = dose_unit(d.dose_unit)
        if d.dose_value is None or d.doses_per_day is None or unit is None:
            return None
        kind, mult = unit
        if kind == MG:
            amount = d.dose_value * mult
        elif (kind == EACH and strength_unit in ("MG", "MG/ACTUAT")) or (
            kind == ML and strength_unit == "MG/ML"
        ):
            amount = d.dose_value * strength
        else:
            return None
        total += amount * d.doses_per_day
        seen = True
    return (total, MG) if seen else None
