"""What the MME calculator says about a patient: per-order results, alerts, the assessment.

Plain strings for kinds and reasons (they go straight into JSON). The result types are frozen
dataclasses without ``__slots__``: ``spinecare mme --json`` serialises them with orjson, which
reads ``__dict__`` dataclasses several times faster than slotted ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from spinecare.core.medications.model import MedicationOrder


class Kind:
    """What a medicine is to the calculator (plain strings: they go straight into JSON)."""

    OPIOID: Final = "opioid"
    BENZODIAZEPINE: Final = "benzodiazepine"
    NALOXONE: Final = "naloxone"
    UNKNOWN: Final = "unknown"


class NotCounted:
    """Why an order is not in the total (plain strings, as they appear in the JSON output)."""

    NOT_ACTIVE: Final = "not_active"
    NOT_AN_ORDER: Final = "not_an_order"
    NOT_COMMUNITY: Final = "not_community"
    NO_AUTHORED_DATE: Final = "no_authored_date"
    AUTHORED_OVER_2_YEARS: Final = "authored_over_2_years_before"
    AUTHORED_AFTER_AS_OF: Final = "authored_after_as_of"
    NOT_AN_OPIOID: Final = "not_an_opioid"
    BUPRENORPHINE: Final = "buprenorphine"
    UNKNOWN_MEDICINE: Final = "unknown_medicine"
    NO_FACTOR: Final = "no_conversion_factor"
    DOSE_UNKNOWN: Final = "dose_not_computable"


REASON_TEXT: Mapping[str, str] = {
    NotCounted.NOT_ACTIVE: "status is not active",
    NotCounted.NOT_AN_ORDER: "intent is not order",
    NotCounted.NOT_COMMUNITY: "not a community (outpatient) prescription",
    NotCounted.NO_AUTHORED_DATE: "no authored date",
    NotCounted.AUTHORED_OVER_2_YEARS: "authored more than 2 years before the evaluation date",
    NotCounted.AUTHORED_AFTER_AS_OF: "authored after the evaluation date",
    NotCounted.NOT_AN_OPIOID: "not an opioid",
    NotCounted.BUPRENORPHINE: "buprenorphine is not counted",
    NotCounted.UNKNOWN_MEDICINE: "medicine not in the KB opioid product table",
    NotCounted.NO_FACTOR: "no conversion factor for this opioid or dose form",
    NotCounted.DOSE_UNKNOWN: "daily dose cannot be worked out",
}

#: Reasons that make the total incomplete when the order is current.
INCOMPLETE = frozenset({NotCounted.UNKNOWN_MEDICINE, NotCounted.NO_FACTOR, NotCounted.DOSE_UNKNOWN})


@dataclass(frozen=True)
class OrderResult:
    """One order as assessed: counted or not (and why), daily dose, factor and MME.

    ``daily_dose`` and ``mme`` are rounded to 6 decimals for display; the patient's total is
    the exact sum of the unrounded values.
    """

    order: MedicationOrder
    kind: str
    ingredient: str | None
    current: bool  # status, intent, category and date make it a current order
    counted: bool  # in the total
    reason: str | None  # NotCounted value when not counted
    daily_dose: float | None
    daily_dose_unit: str | None  # "mg" (per day) or "mcg/h" (patches)
    factor: float | None
    mme: float | None
    extended_release: bool = False
    note: str = ""


@dataclass(frozen=True)
class Alert:
    id: str
    severity: str
    title: str
    detail: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class MmeAssessment:
    """One patient's MME result: every order, the total, the flags and the fired alerts."""

    patient_id: str
    as_of: dt.date
    factor_set: str
    total_mme: float
    total_complete: bool  # False when a current order could not be converted
    prescriptions: tuple[OrderResult, ...]
    flags: Mapping[str, bool]  # read-only; shared between results with the same flags
    alerts: tuple[Alert, ...]
    kb_version: str = ""
    kb_hash: str = ""
    table: str = ""

    @property
    def counted(self) -> tuple[OrderResult, ...]:
        return tuple(r for r in self.prescriptions if r.counted)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the same shape orjson gives the dataclass."""
        plain: dict[str, Any] = _plain(self)
        return plain


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


class ReadOnlyFlags(dict[str, bool]):
    """The flags of a result: a dict (so it serialises as one) that refuses changes.

    One instance is shared by every result with the same flags.
    """

    __slots__ = ()

    def _read_only(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("the flags of an MME result are read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _read_only
    __ior__ = _read_only
