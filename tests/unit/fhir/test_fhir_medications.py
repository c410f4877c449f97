"""The fast FHIR / native reader for ``spinecare mme``: shapes, streaming, and the fast path."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest

from opioid_peer import DATA, available
from spinecare.core.errors import UserError
from spinecare.core.medications.model import ICD10CM, RXNORM, Coding, Dosage
from spinecare.fhir import medications as reader


def request(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": "rx",
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"code": "community"}]}],
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": "1049683", "display": "oxycodone 10 mg"}]
        },
        "authoredOn": "2025-05-22T10:30:00Z",
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}},
                "doseAndRate": [{"doseQuantity": {"value": 1, "code": "{tbl}"}}],
            }
        ],
        "dispenseRequest": {"expectedSupplyDuration": {"value": 2, "code": "wk"}},
    }
    resource.update(changes)
    return resource


def test_a_medication_request_becomes_an_order() -> None:
    order = reader.medication_order(request())
    assert order.id == "rx"
    assert order.rxnorm == "1049683"
    assert order.name == "oxycodone 10 mg"
    assert order.categories == ("community",)
    assert order.authored_on == dt.date(2025, 5, 22)
    assert order.dosages == (Dosage(3.0, 1, "{tbl}"),)
    assert order.supply_days == 14


@pytest.mark.parametrize(
    ("changes", "attribute", "value"),
    [
        ({"authoredOn": "2025-05"}, "authored_on", None),
        ({"authoredOn": 20250522}, "authored_on", None),
        ({"category": []}, "categories", ()),
        ({"dosageInstruction": []}, "dosages", ()),
        ({"dispenseRequest": {}}, "supply_days", None),
        ({"medicationCodeableConcept": {"text": "a home remedy"}}, "rxnorm", None),
        (
            {
                "medicationCodeableConcept": {
                    "coding": [
                        {"system": "http://snomed.info/sct", "code": "1"},
                        {"system": RXNORM, "code": "1"},
                        {"system": RXNORM, "code": "2"},
                    ]
                }
            },
            "other_rxnorm",
            ("2",),
        ),
    ],
)
def test_unusual_shapes_are_read_tolerantly(
    changes: dict[str, Any], attribute: str, value: object
) -> None:
    assert getattr(reader.medication_order(request(**changes)), attribute) == value


def test_dose_range_frequency_max_and_time_of_day() -> None:
    instruction = {
        "timing": {"repeat": {"timeOfDay": ["08:00:00", "20:00:00"]}},
        "doseAndRate": [
            {"doseRange": {"low": {"value": 1}, "high": {"value": 2, "unit": "tablet"}}}
        ],
    }
    order = reader.medication_order(request(dosageInstruction=[instruction]))
    assert order.dosages == (Dosage(2.0, 2, "tablet"),)
    instruction = {
        "timing": {"repeat": {"frequency": 1, "frequencyMax": 4, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg"}}],
    }
    order = reader.medication_order(request(dosageInstruction=[instruction]))
    assert order.dosages == (Dosage(4.0, 5, "mg"),)
    malformed = {"timing": {"repeat": {"frequency": [1], "period": "8", "periodUnit": {}}}}
    order = reader.medication_order(request(dosageInstruction=[malformed]))
    assert order.dosages == (Dosage(None, None, None),)


def test_the_fast_path_equals_the_general_path_on_the_reference_data() -> None:
    """Every MedicationRequest of handcheck and patients-1000 reads the same both ways."""
    if not available("patients-1000"):
        pytest.skip(f"reference data not found in {DATA.resolve()}")
    requests = []
    for name in ("handcheck", "patients-1000"):
        for line in (DATA / f"{name}.ndjson").read_bytes().splitlines():
            bundle = json.loads(line)
            requests += [
                e["resource"]
                for e in bundle["entry"]
                if e["resource"]["resourceType"] == "MedicationRequest"
            ]
    assert len(requests) > 1000
    fast = 0
    for r in requests:
        general = reader.general_order(r)  # also fills the memo tables the fast path reads
        usual = reader._usual_order(r)
        if usual is not None:
            fast += 1
            assert usual == general
        assert reader.medication_order(r) == general
    assert fast == len(requests)


def test_conditions_active_only() -> None:
    def condition(code: str, **extra: Any) -> dict[str, Any]:
        return {
            "resource": {
                "resourceType": "Condition",
                "code": {"coding": [{"system": ICD10CM, "code": code}, {"system": ICD10CM}]},
                **extra,
            }
        }

    bundle = {
        "resourceType": "Bundle",
        "id": "b1",
        "entry": [
            condition("D57.00"),
            condition("C25.9", clinicalStatus={"coding": [{"code": "remission"}]}),
            condition("F11.20", verificationStatus={"coding": [{"code": "refuted"}]}),
            condition("M54.50", clinicalStatus={"coding": [{"code": "active"}]}),
            {"fullUrl": "urn:x"},
        ],
    }
    [patient] = reader.bundle_patients(bundle)
    assert patient.patient_id == "b1"  # no Patient resource: the Bundle id
    assert patient.conditions == (Coding(ICD10CM, "D57.00"), Coding(ICD10CM, "M54.50"))


def test_medication_reference_contained() -> None:
    r = request(
        medicationReference={"reference": "#med"},
        contained=[
            {
                "resourceType": "Medication",
                "id": "med",
                "code": {"coding": [{"system": RXNORM, "code": "245134"}]},
            }
        ],
    )
    del r["medicationCodeableConcept"]
    assert reader.medication_order(r).rxnorm == "245134"
    r["medicationReference"] = {"reference": "#other"}
    assert reader.medication_order(r).rxnorm is None


def test_ndjson_is_streamed_line_by_line() -> None:
    """Lines are read as they come: a bad line 3 fails only after two patients were yielded."""
    bundle = {
        "resourceType": "Bundle",
        "entry": [{"resource": {"resourceType": "Patient", "id": "a"}}],
    }
    data = (json.dumps(bundle) + "\n\n" + json.dumps(bundle) + "\n{broken\n").encode()
    patients = reader.read_patients(io.BytesIO(data), name="f.ndjson")
    assert next(patients).patient_id == "a"
    assert next(patients).patient_id == "a"
    with pytest.raises(UserError, match="line 4") as info:
        next(patients)
    assert info.value.field == "f.ndjson line 4"


def test_native_records_one_or_many() -> None:
    record = {
        "patient_id": "n1",
        "medications": [
            {
                "id": "m",
                "rxnorm": "1049683",
                "authored_on": "2025-05-01",
                "dose": {"value": 10, "unit": "mg"},
                "times_of_day": 2,
                "category": ["community", "discharge"],
            }
        ],
        "conditions": [{"system": "snomed", "code": "417357006"}],
    }
    [patient] = reader.read_patients(io.BytesIO(json.dumps(record, indent=1).encode()))
    order = patient.orders[0]
    assert (order.status, order.intent, order.categories) == (
        "active",
        "order",
        ("community", "discharge"),
    )
    assert order.dosages == (Dosage(2.0, 10.0, "mg"),)
    assert patient.conditions == (Coding("http://snomed.info/sct", "417357006"),)
    many = reader.read_patients(
        io.BytesIO(json.dumps([record, {**record, "patient_id": "n2"}]).encode())
    )
    assert [p.patient_id for p in many] == ["n1", "n2"]
    assert list(reader.read_patients(io.BytesIO(b"\n\n"))) == []


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"patient_id": ""}, "record.patient_id"),
        ({"patient_id": "x", "medications": {}}, "record.medications"),
        (
            {
                "patient_id": "x",
                "medications": [{"id": "a", "rxnorm": "12ab", "authored_on": "2025-01-01"}],
            },
            "record.medications.0.rxnorm",
        ),
        (
            {
                "patient_id": "x",
                "medications": [{"id": "a", "rxnorm": "1", "authored_on": "2025-01-01T00:00"}],
            },
            "record.medications.0.authored_on",
        ),
        (
            {
                "patient_id": "x",
                "medications": [{"id": "a", "rxnorm": "1", "authored_on": "2025-01-01"}],
            },
            "record.medications.0.dose",
        ),
        (
            {
                "patient_id": "x",
                "medications": [
                    {
                        "id": "a",
                        "rxnorm": "1",
                        "authored_on": "2025-01-01",
                        "dose": {"value": 1, "unit": "mg", "per": 2},
                    }
                ],
            },
            "record.medications.0.dose",
        ),
        (
            {
                "patient_id": "x",
                "medications": [
                    {
                        "id": "a",
                        "rxnorm": "1",
                        "authored_on": "2025-01-01",
                        "dose": {"value": 1, "unit": "mg"},
                        "period": -1,
                    }
                ],
            },
            "record.medications.0.period",
        ),
        ({"patient_id": "x", "conditions": [{"system": "snomed"}]}, "record.conditions.0"),
        ({"patient_id": "x", "medications": ["oxycodone"]}, "record.medications.0"),
    ],
)
def test_native_record_errors_name_the_field(record: dict[str, Any], field: str) -> None:
    with pytest.raises(UserError) as info:
        reader.native_record(record)
    assert info.value.field == field


def test_documents_that_are_not_records() -> None:
    with pytest.raises(UserError, match="found a FHIR Observation"):
        list(reader.read_patients(io.BytesIO(b'{"resourceType": "Observation"}')))
    with pytest.raises(UserError, match="a JSON object"):
        list(reader.read_patients(io.BytesIO(b"42")))
