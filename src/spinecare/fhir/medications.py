"""Read patients' medicines fast: FHIR R4 Bundles (JSON or NDJSON) and the native MME record.

This path reads plain dicts, not ``fhir.resources`` models: ``spinecare mme`` must read tens of
thousands of patients a second in a few tens of MB. It reads only what the MME logic needs.

**FHIR R4** (a Bundle, or NDJSON with one Bundle per line, streamed line by line):

- ``Patient.id`` is the patient id. A Bundle with several Patients is split by each resource's
  ``subject.reference`` (``Patient/<id>`` or the Patient entry's ``fullUrl``).
- ``MedicationRequest``: ``medicationCodeableConcept`` (or ``medicationReference`` to a
  ``Medication`` in the Bundle or contained) RxNorm codings; ``status``, ``intent``,
  ``category[].coding[].code``, ``authoredOn`` (date part), ``dosageInstruction[]``
  (``timing.repeat`` frequency / frequencyMax / period / periodUnit / timeOfDay / when;
  ``doseAndRate[0].doseQuantity`` or the high end of ``doseRange``),
  ``dispenseRequest.expectedSupplyDuration``.
- ``Condition``: ``code.coding[]``, unless ``clinicalStatus`` is inactive, remission or resolved,
  or ``verificationStatus`` is refuted or entered-in-error.

**Native SpineCare record** (a JSON object, a JSON array of them, or NDJSON of them)::

    {"patient_id": "p-001",
     "medications": [
       {"id": "rx-1", "rxnorm": "1049683", "name": "oxycodone hydrochloride 10 MG Oral Tablet",
        "status": "active", "intent": "order", "category": "community",
        "authored_on": "2025-05-22",
        "dose": {"value": 1, "unit": "tablet"},
        "frequency": 1, "period": 8, "period_unit": "h",
        "supply_days": 30}],
     "conditions": [{"system": "icd-10-cm", "code": "D57.00"}]}

``id``, ``rxnorm``, ``authored_on`` and ``dose`` are required. ``status``, ``intent`` and
``category`` default to ``active``, ``order`` and ``community`` (a record of current community
prescriptions). Timing: ``frequency``/``frequency_max`` per ``period`` ``period_unit`` (s, min,
h, d, wk, mo, a), or ``times_of_day`` (a count), or ``doses_per_day``; a patch needs none.
Dose units: mg, mcg, g, mL, mcg/h, or a count (tablet, capsule, patch, spray…). Condition
systems: ``icd-10-cm``, ``snomed`` or the code-system URI. Unknown keys are errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from spinecare.core.errors import UserError
from spinecare.core.medications.dosing import doses_per_day
from spinecare.core.medications.model import (
    ICD10CM,
    RXNORM,
    SNOMED,
    Coding,
    Dosage,
    MedicationOrder,
    PatientMedications,
    build,
)

loads: Callable[[bytes | str], Any]
try:
    import orjson

    loads = orjson.loads
    JSON_LIBRARY = "orjson"
except ImportError:  # pragma: no cover - orjson is a dependency; the fallback keeps us working
    import json

    loads = json.loads
    JSON_LIBRARY = "json"

Resource = dict[str, Any]
_SYSTEMS = {"icd-10-cm": ICD10CM, "icd10cm": ICD10CM, "snomed": SNOMED, "rxnorm": RXNORM}
_INACTIVE = frozenset({"inactive", "remission", "resolved"})
_NOT_TRUE = frozenset({"refuted", "entered-in-error"})
_DAYS = {"d": 1.0, "day": 1.0, "days": 1.0, "wk": 7.0, "week": 7.0, "weeks": 7.0, "mo": 30.0}
_DAYS |= {"month": 30.0, "months": 30.0, "h": 1 / 24, "hour": 1 / 24, "hours": 1 / 24}


# ----------------------------------------------------------------------------- files


def read_patients(source: Path | IO[bytes], *, name: str = "") -> Iterator[PatientMedications]:
    """Every patient in a file: NDJSON streamed line by line, or one JSON document.

    A first line that is a complete JSON value means NDJSON (one Bundle or record per line);
    otherwise the whole file is one JSON document (a Bundle, a record or an array of records).
    """
    if isinstance(source, Path):
        try:
            handle: IO[bytes] = source.open("rb")
        except OSError as exc:
            raise UserError(f"cannot read {source}: {exc.strerror}", field="FILE") from None
        with handle:
            yield from read_patients(handle, name=name or str(source))
        return
    label = name or "input"
    first = source.readline()
    while first and not first.strip():
        first = source.readline()
    if not first:
        return
    try:
        document = loads(first)
    except ValueError:
        document = None
    if document is None:  # a multi-line JSON document
        try:
            document = loads(first + source.read())
        except ValueError as exc:
            raise UserError(f"not valid JSON: {exc}", field=label) from None
        yield from _document(document, label)
        return
    yield from _document(document, f"{label} line 1")
    number = 1
    for line in source:
        number += 1
        try:
            record = loads(line)
        except ValueError as exc:
            if not line.strip():
                continue
            raise UserError(f"not valid JSON: {exc}", field=f"{label} line {number}") from None
        # the common case first: one FHIR Bundle per line
        if type(record) is dict and record.get("resourceType") == "Bundle":
            found = bundle_patients(record)
            if len(found) == 1:
                yield found[0]
            else:
                yield from found
        else:
            yield from _document(record, f"{label} line {number}")


def _document(doc: Any, where: str) -> Iterable[PatientMedications]:
    if isinstance(doc, dict):
        if doc.get("resourceType") == "Bundle":
            return bundle_patients(doc)
        if "patient_id" in doc or "medications" in doc:
            return (native_record(doc, where),)
        kind = doc.get("resourceType")
        what = f"a FHIR {kind}" if kind else "an object without patient_id or resourceType"
        raise UserError(f"expected a FHIR Bundle or a SpineCare record, found {what}", field=where)
    if isinstance(doc, list):
        return [p for i, item in enumerate(doc) for p in _document(item, f"{where}[{i}]")]
    raise UserError("expected a FHIR Bundle or a SpineCare record (a JSON object)", field=where)


# ----------------------------------------------------------------------------- FHIR


def bundle_patients(bundle: Resource) -> list[PatientMedications]:
    """The patients of one FHIR Bundle, with their MedicationRequests and Conditions."""
    patients: list[tuple[str, str]] = []  # (id, fullUrl)
    requests: list[Resource] = []
    conditions: list[Resource] = []
    medications: dict[str, Resource] = {}
    for entry in bundle.get("entry") or ():
        try:
            resource = entry["resource"]
            kind = resource["resourceType"]
        except (KeyError, TypeError):
            continue
        if kind == "MedicationRequest":
            requests.append(resource)
        elif kind == "Condition":
            conditions.append(resource)
        elif kind == "Patient":
            patients.append((resource.get("id") or "", entry.get("fullUrl") or ""))
        elif kind == "Medication":
            if resource.get("id"):
                medications[f"Medication/{resource['id']}"] = resource
            if entry.get("fullUrl"):
                medications[entry["fullUrl"]] = resource
    if len(patients) <= 1:
        pid = patients[0][0] if patients else (bundle.get("id") or "")
        return [_patient(pid, requests, conditions, medications)]
    out = []
    for pid, full_url in patients:
        refs = {f"Patient/{pid}", full_url} - {""}
        out.append(
            _patient(
                pid,
                [r for r in requests if _subject(r) in refs],
                [c for c in conditions if _subject(c) in refs],
                medications,
            )
        )
    return out


def _subject(resource: Resource) -> str:
    subject = resource.get("subject")
    return (subject.get("reference") or "") if isinstance(subject, dict) else ""


def _patient(
    pid: str, requests: list[Resource], conditions: list[Resource], meds: dict[str, Resource]
) -> PatientMedications:
    codings: list[Coding] = []
    for c in conditions:
        status = c.get("clinicalStatus")
        if status and _status_code(status) in _INACTIVE:
            continue
        verification = c.get("verificationStatus")
        if verification and _status_code(verification) in _NOT_TRUE:
            continue
        code = c.get("code")
        for coding in (code.get("coding") or ()) if code else ():
            key = (coding.get("system"), coding.get("code"))
            found = _coding_memo.get(key)
            if found is None:
                if not (type(key[0]) is str and type(key[1]) is str and key[0] and key[1]):
                    continue
                found = Coding(key[0], key[1])
                _memo_put(_coding_memo, key, found)
            codings.append(found)
    orders = tuple([medication_order(r, meds) for r in requests])
    return PatientMedications(pid, orders, tuple(codings))


def _status_code(concept: Any) -> str | None:
    if not concept:
        return None
    coding = concept.get("coding")
    return coding[0].get("code") if coding else None


def medication_order(r: Resource, meds: dict[str, Resource] | None = None) -> MedicationOrder:
    """A FHIR R4 MedicationRequest (a dict) as a core ``MedicationOrder``."""
    fast = _usual_order(r)
    return fast if fast is not None else general_order(r, meds)


def general_order(r: Resource, meds: dict[str, Resource] | None = None) -> MedicationOrder:
    """``medication_order`` for any shape: every element optional, every type checked."""
    get = r.get
    concept = get("medicationCodeableConcept")
    if concept is None and "medicationReference" in r:
        concept = _referenced_code(r, meds or {})
    rxnorm: str | None = None
    others: tuple[str, ...] = ()
    name = ""
    if concept:
        name = concept.get("text") or ""
        for coding in concept.get("coding") or ():
            if coding.get("system") == RXNORM:
                code = coding.get("code")
                if code:
                    if rxnorm is None:
                        rxnorm = code
                    else:
                        others += (code,)
                    if not name:
                        name = coding.get("display") or ""
    category = get("category")
    categories: tuple[str, ...] = ()
    if category:
        codings = category[0].get("coding") if len(category) == 1 else None
        if codings and len(codings) == 1:  # the usual shape: one category, one coding
            categories = _category_memo.get(codings[0].get("code") or "") or _categories(category)
        else:
            categories = _categories(category)
    authored = get("authoredOn")
    authored_on = _dates.get(authored) if type(authored) is str else None
    if authored_on is None and authored is not None:
        authored_on = _date(authored)
    supply = None
    dispense = get("dispenseRequest")
    if dispense:
        duration = dispense.get("expectedSupplyDuration")
        if duration:
            supply = _duration_days(duration)
    instructions = get("dosageInstruction")
    return build(
        MedicationOrder,
        {
            "id": get("id") or "",
            "rxnorm": rxnorm,
            "name": name,
            "status": get("status"),
            "intent": get("intent"),
            "categories": categories,
            "authored_on": authored_on,
            "dosages": tuple(map(_dosage, instructions)) if instructions else (),
            "supply_days": supply,
            "other_rxnorm": others,
        },
    )


def _usual_order(r: Resource) -> MedicationOrder | None:
    """The usual shape, read with subscripts instead of ``.get`` (faster); else ``None``.

    One RxNorm coding, one category with one coding, one dosage instruction, a supply duration,
    and a category code and authored date already seen (memoised) by the general path. Anything
    else returns ``None`` and ``medication_order`` reads it the general, tolerant way; a test
    checks that both ways give equal orders.
    """
    try:
        concept = r["medicationCodeableConcept"]
        codings = concept["coding"]
        category = r["category"]
        instructions = r["dosageInstruction"]
        if len(codings) != 1 or len(category) != 1 or len(instructions) != 1:
            return None
        coding = codings[0]
        code = coding["code"]
        category_codings = category[0]["coding"]
        if coding["system"] != RXNORM or type(code) is not str or len(category_codings) != 1:
            return None
        categories = _category_memo.get(category_codings[0]["code"])
        authored_on = _dates.get(r["authoredOn"])
        ident = r["id"]
        if categories is None or authored_on is None or type(ident) is not str:
            return None
        supply = _duration_days(r["dispenseRequest"]["expectedSupplyDuration"])
        return build(
            MedicationOrder,
            {
                "id": ident,
                "rxnorm": code or None,
                "name": concept.get("text") or coding.get("display") or "",
                "status": r["status"],
                "intent": r["intent"],
                "categories": categories,
                "authored_on": authored_on,
                "dosages": (_dosage(instructions[0]),),
                "supply_days": supply,
                "other_rxnorm": (),
            },
        )
    except (KeyError, TypeError, IndexError, AttributeError):
        return None


def _referenced_code(r: Resource, meds: dict[str, Resource]) -> Any:
    ref = (r.get("medicationReference") or {}).get("reference") or ""
    if ref.startswith("#"):
        for contained in r.get("contained") or ():
            if contained.get("id") == ref[1:]:
                return contained.get("code")
        return None
    med = meds.get(ref)
    return med.get("code") if med else None


# Small memo tables: these values repeat across thousands of orders, and the core values are
# immutable, so sharing one instance is safe and saves building it again. Bounded in size.
_MEMO_LIMIT = 8192
_dates: dict[str, dt.date | None] = {}
_category_memo: dict[str, tuple[str, ...]] = {}
_dosage_memo: dict[tuple[Any, ...], Dosage] = {}
_coding_memo: dict[tuple[Any, Any], Coding] = {}


def _memo_put(memo: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value


def _categories(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if len(value) == 1:
        codings = value[0].get("coding")
        if codings and len(codings) == 1:
            code = codings[0].get("code") or ""
            found = _category_memo.get(code)
            if found is None:
                found = (code,)
                _memo_put(_category_memo, code, found)
            return found
    return tuple(c.get("code") or "" for cat in value for c in cat.get("coding") or ())


def _num(value: Any) -> float | None:
    kind = type(value)
    return value if kind is float or kind is int else None


def _date(value: Any) -> dt.date | None:
    if type(value) is not str:
        return None
    try:
        return _dates[value]
    except KeyError:
        pass
    day = None
    if len(value) >= 10:
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            day = None
    _memo_put(_dates, value, day)
    return day


def _duration_days(duration: Resource) -> float | None:
    value = _num(duration.get("value"))
    scale = _DAYS.get(duration.get("code") or duration.get("unit") or "d")
    return value * scale if value is not None and scale is not None else None


def _dosage(d: Resource) -> Dosage:
    timing = d.get("timing")
    repeat = timing.get("repeat") if timing else None
    value = unit = None
    rates = d.get("doseAndRate")
    if rates:
        quantity = rates[0].get("doseQuantity")
        if quantity is None:
            quantity = (rates[0].get("doseRange") or {}).get("high")
        if quantity:
            value = _num(quantity.get("value"))
            unit = quantity.get("code") or quantity.get("unit")
            if type(unit) is not str:
                unit = None
    if repeat:
        times = repeat.get("timeOfDay") or repeat.get("when")
        key: tuple[Any, ...] = (
            repeat.get("frequency"),
            repeat.get("frequencyMax"),
            repeat.get("period"),
            repeat.get("periodUnit"),
            len(times) if type(times) is list else 0,
            value,
            unit,
        )
    else:
        key = (None, None, None, None, 0, value, unit)
    try:
        found = _dosage_memo.get(key)
    except TypeError:  # a malformed timing (a list where a number belongs): not memoised
        found = None
    if found is None:
        per_day = None
        if repeat:
            period_unit = key[3]
            per_day = doses_per_day(
                frequency=_num(key[0]),
                frequency_max=_num(key[1]),
                period=_num(key[2]),
                period_unit=period_unit if type(period_unit) is str else None,
                times_of_day=key[4],
            )
        found = Dosage(per_day, value, unit)
        with contextlib.suppress(TypeError):
            _memo_put(_dosage_memo, key, found)
    return found


# ----------------------------------------------------------------------------- native


_RECORD_KEYS = frozenset({"patient_id", "medications", "conditions"})
_MED_KEYS = frozenset(
    {
        "id",
        "rxnorm",
        "name",
        "status",
        "intent",
        "category",
        "authored_on",
        "dose",
        "frequency",
        "frequency_max",
        "period",
        "period_unit",
        "times_of_day",
        "doses_per_day",
        "supply_days",
    }
)


def native_record(doc: Resource, where: str = "record") -> PatientMedications:
    """A native SpineCare MME record (see the module docstring) as core values."""
    _keys(doc, _RECORD_KEYS, where)
    pid = doc.get("patient_id")
    if not isinstance(pid, str) or not pid:
        raise UserError("patient_id must be a non-empty string", field=f"{where}.patient_id")
    meds = doc.get("medications", [])
    if not isinstance(meds, list):
        raise UserError("must be a list", field=f"{where}.medications")
    orders = tuple(_native_order(m, f"{where}.medications.{i}") for i, m in enumerate(meds))
    conditions = []
    for i, c in enumerate(doc.get("conditions") or ()):
        here = f"{where}.conditions.{i}"
        _keys(c, frozenset({"system", "code"}), here)
        system, code = c.get("system"), c.get("code")
        if not isinstance(system, str) or not isinstance(code, str) or not code:
            raise UserError("needs a system and a code", field=here)
        conditions.append(Coding(_SYSTEMS.get(system.lower(), system), code))
    return PatientMedications(pid, orders, tuple(conditions))


def _keys(doc: Any, allowed: frozenset[str], where: str) -> None:
    if not isinstance(doc, dict):
        raise UserError("must be a JSON object", field=where)
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise UserError(
            f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
            field=where,
        )


def _native_order(m: Any, where: str) -> MedicationOrder:
    _keys(m, _MED_KEYS, where)
    for key in ("id", "rxnorm", "authored_on"):
        if not isinstance(m.get(key), str) or not m[key]:
            raise UserError("required (a string)", field=f"{where}.{key}")
    if not m["rxnorm"].isdigit():
        raise UserError("an RxNorm code is digits", field=f"{where}.rxnorm")
    authored = _date(m["authored_on"])
    if authored is None or len(m["authored_on"]) != 10:
        raise UserError("must be a date like 2025-05-22", field=f"{where}.authored_on")
    dose = m.get("dose")
    if not isinstance(dose, dict) or _num(dose.get("value")) is None or not dose.get("unit"):
        raise UserError('required: {"value": <number>, "unit": "<unit>"}', field=f"{where}.dose")
    _keys(dose, frozenset({"value", "unit"}), f"{where}.dose")
    numbers = {}
    for key in (
        "frequency",
        "frequency_max",
        "period",
        "times_of_day",
        "doses_per_day",
        "supply_days",
    ):
        if key in m:
            numbers[key] = _num(m[key])
            if numbers[key] is None or numbers[key] < 0:  # type: ignore[operator]
                raise UserError("must be a number ≥ 0", field=f"{where}.{key}")
    per_day = numbers.get("doses_per_day")
    if per_day is None:
        per_day = doses_per_day(
            frequency=numbers.get("frequency"),
            frequency_max=numbers.get("frequency_max"),
            period=numbers.get("period"),
            period_unit=m.get("period_unit"),
            times_of_day=int(numbers.get("times_of_day") or 0),
        )
    category = m.get("category", "community")
    return MedicationOrder(
        id=m["id"],
        rxnorm=m["rxnorm"],
        name=m.get("name") or "",
        status=m.get("status", "active"),
        intent=m.get("intent", "order"),
        categories=(category,) if isinstance(category, str) else tuple(category),
        authored_on=authored,
        dosages=(Dosage(per_day, float(dose["value"]), str(dose["unit"])),),
        supply_days=numbers.get("supply_days"),
    )
