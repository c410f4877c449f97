"""``spinecare mme`` as a user runs it: FHIR Bundle, NDJSON, native records; table and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clirun import run
from spinecare.cli import context

AS_OF = ["--as-of", "2025-06-01"]
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.fixture(autouse=True)
def _fresh_kb_cache() -> None:
    context.get_kb.cache_clear()


def request(
    ident: str, code: str, *, dose: float = 1, unit: str = "tablet", **extra: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": ident,
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"code": "community"}]}],
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2025-05-22",
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}},
                "doseAndRate": [{"doseQuantity": {"value": dose, "unit": unit}}],
            }
        ],
    }
    resource.update(extra)
    return resource


def bundle(pid: str, *resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": pid}
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (patient, *resources)],
    }


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_fhir_bundle_json_prints_one_line_per_patient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pretty-printed Bundle: oxycodone 10 mg q8h = 45 MME, with the KB version recorded."""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle("p1", request("rx1", "1049683")), indent=2))
    code, out, _ = run(["mme", str(path), "--json", *AS_OF], capsys)
    assert code == 0
    [record] = json_lines(out)
    assert record["patient_id"] == "p1"
    assert record["total_mme"] == 45
    assert record["factor_set"] == "cdc2022"
    [rx] = record["prescriptions"]
    assert (rx["order"]["id"], rx["daily_dose"], rx["factor"], rx["mme"]) == ("rx1", 30, 1.5, 45)
    assert record["flags"]["mme_ge_50"] is False
    assert record["kb_version"]
    assert record["kb_hash"].startswith("sha256:")
    assert record["table"] == "table.mme-factors@1.1.0"


def test_ndjson_streams_patients_and_factor_sets_differ(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """NDJSON, one Bundle per line; --factors cdc2016 gives the 2016 totals."""
    path = tmp_path / "patients.ndjson"
    lines = [
        bundle("hm", request("a", "897696", per_day=None)),  # hydromorphone 2 mg q8h: 6 mg/day
        bundle("none"),
        bundle("tramadol", request("t", "835603")),  # tramadol 50 mg q8h: 150 mg/day
    ]
    path.write_text("\n".join(json.dumps(b) for b in lines) + "\n\n")
    _, out, _ = run(["mme", str(path), "--json", *AS_OF], capsys)
    assert [(r["patient_id"], r["total_mme"]) for r in json_lines(out)] == [
        ("hm", 30),
        ("none", 0),
        ("tramadol", 30),
    ]
    _, out, _ = run(["mme", str(path), "--json", "--factors", "cdc2016", *AS_OF], capsys)
    assert [r["total_mme"] for r in json_lines(out)] == [24, 0, 15]


def test_native_record_and_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The native record: methadone + alprazolam raises the safety flags with citations."""
    record = {
        "patient_id": "n1",
        "medications": [
            {
                "id": "m1",
                "rxnorm": "864706",
                "name": "methadone 10 mg tablet",
                "authored_on": "2025-05-01",
                "dose": {"value": 1, "unit": "tablet"},
                "frequency": 3,
                "period": 1,
                "period_unit": "d",
            },
            {
                "id": "b1",
                "rxnorm": "308048",
                "authored_on": "2025-05-01",
                "dose": {"value": 1, "unit": "tablet"},
                "doses_per_day": 2,
            },
        ],
        "conditions": [{"system": "icd-10-cm", "code": "M54.50"}],
    }
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    _, out, _ = run(["mme", str(path), "--json", *AS_OF], capsys)
    [result] = json_lines(out)
    assert result["total_mme"] == pytest.approx(141)
    flags = result["flags"]
    assert flags["mme_ge_90"]
    assert flags["opioid_and_benzodiazepine"]
    assert flags["offer_naloxone"]
    assert flags["methadone_caution"]
    assert flags["extended_release_opioid"]
    alerts = {a["id"]: a for a in result["alerts"]}
    assert "src.cdc-2022#recommendation-11" in alerts["opioid_and_benzodiazepine"]["cites"]
    assert "alprazolam" not in alerts["opioid_and_benzodiazepine"]["detail"]  # no name given
    assert "308048" in alerts["opioid_and_benzodiazepine"]["detail"]


def test_table_output_for_a_clinician(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --json: a table per patient, the total, and each flag with its source."""
    monkeypatch.setattr(context.console, "width", 200)
    path = tmp_path / "b.json"
    path.write_text(
        json.dumps(
            bundle(
                "p1",
                request("rx1", "1049683", dose=20, unit="mg"),
                request("rx2", "1049683", status="stopped"),
                request("rx3", "197806"),
            )
        )
    )
    code, out, _ = run(["mme", str(path), *AS_OF], capsys)
    assert code == 0
    assert "Patient p1" in out
    assert "Total: 90 MME/day" in out
    assert "counted" in out
    assert "status is not active" in out
    assert "at or above 90 MME/day" in out
    assert "src.cdc-2022#recommendation-4" in out
    assert "at least" in out  # an unknown medicine makes the total a lower bound


def test_table_shows_brand_names_in_brackets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """RxNorm names such as "... [Xanax]" are shown as written, not read as rich markup."""
    monkeypatch.setattr(context.console, "width", 200)
    benzo = request("b", "141928")
    benzo["medicationCodeableConcept"]["text"] = "alprazolam 0.5 MG Oral Tablet [Xanax]"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle("p[1]", request("rx", "1049683"), benzo)))
    _, out, _ = run(["mme", str(path), *AS_OF], capsys)
    assert "[Xanax]" in out
    assert "Patient p[1]" in out


def test_stdin_is_read_with_a_dash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    data = json.dumps(bundle("s1", request("rx", "1049683"))).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    _, out, _ = run(["mme", "-", "--json", *AS_OF], capsys)
    assert json_lines(out)[0]["total_mme"] == 45


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('{"resourceType": "Bundle"}', ["--as-of", "1st June"], "--as-of: must be a date"),
        ('{"resourceType": "Bundle"}', ["--factors", "cdc2099"], "unknown factor set 'cdc2099'"),
        ('{"resourceType": "Patient"}\n', AS_OF, "found a FHIR Patient"),
        ('{"resourceType": "Bundle"}\n{oops\n', AS_OF, "line 2: not valid JSON"),
        ('{\n "patient_id": "x",\n', AS_OF, "not valid JSON"),
        ('{"patient_id": "x", "medicine": []}', AS_OF, "unknown key(s) medicine"),
        (
            '{"patient_id": "x", "medications": [{"id": "a", "rxnorm": "1049683"}]}',
            AS_OF,
            "medications.0.authored_on: required",
        ),
    ],
)
def test_user_errors_exit_2_with_a_clear_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    args: list[str],
    message: str,
) -> None:
    path = tmp_path / "in.json"
    path.write_text(content)
    code, _, err = run(["mme", str(path), "--json", *args], capsys)
    assert code == 2
    assert message in " ".join(err.split())


def test_missing_file_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["mme", str(tmp_path / "nope.ndjson"), *AS_OF], capsys)
    assert code == 2
    assert "cannot read" in err


def test_bundle_with_two_patients_is_split_by_subject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {
        "resourceType": "Bundle",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "a"}},
            {"resource": {"resourceType": "Patient", "id": "b"}},
            {"resource": request("ra", "1049683", subject={"reference": "Patient/a"})},
            {"resource": request("rb", "1049683", subject={"reference": "Patient/b"})},
            {"resource": request("rb2", "1049683", subject={"reference": "Patient/b"})},
        ],
    }
    path = tmp_path / "two.json"
    path.write_text(json.dumps(doc))
    _, out, _ = run(["mme", str(path), "--json", *AS_OF], capsys)
    assert [(r["patient_id"], r["total_mme"]) for r in json_lines(out)] == [("a", 45), ("b", 90)]


def test_medication_reference_and_conditions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """medicationReference to a Medication in the Bundle; resolved conditions are ignored."""
    rx = request("r", "0")
    del rx["medicationCodeableConcept"]
    rx["medicationReference"] = {"reference": "Medication/m1"}
    med = {
        "resourceType": "Medication",
        "id": "m1",
        "code": {"coding": [{"system": RXNORM, "code": "1049683"}]},
    }
    sickle = {
        "resourceType": "Condition",
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "D57.00"}]},
    }
    resolved = {
        **sickle,
        "clinicalStatus": {"coding": [{"code": "resolved"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C25.9"}]},
    }
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(bundle("p", rx, med, sickle, resolved)))
    _, out, _ = run(["mme", str(path), "--json", *AS_OF], capsys)
    [result] = json_lines(out)
    assert result["total_mme"] == 45
    exclusion = next(a for a in result["alerts"] if a["id"] == "guideline_exclusion")
    assert exclusion["detail"].startswith("Recorded: sickle cell disease. ")


def supply(days: float) -> dict[str, Any]:
    """``dispenseRequest.expectedSupplyDuration`` of ``days`` days."""
    duration = {"value": days, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
    return {"expectedSupplyDuration": duration}


def test_acute_supply_longer_than_7_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """CDC 2022 rec. 6 (CDS window): a 10-day acute supply is flagged; 7 and 30 days are not."""
    monkeypatch.setattr(context.console, "width", 200)
    path = tmp_path / "supply.ndjson"
    lines = [
        bundle(
            f"s{days}",
            request("rx", "1049683", authoredOn="2025-01-10", dispenseRequest=supply(days)),
        )
        for days in (10, 7, 30)
    ]
    path.write_text("\n".join(json.dumps(b) for b in lines) + "\n")
    _, out, _ = run(["mme", str(path), "--json", *AS_OF], capsys)
    results = {r["patient_id"]: r for r in json_lines(out)}
    assert {pid: r["flags"]["acute_supply_long"] for pid, r in results.items()} == {
        "s10": True,
        "s7": False,
        "s30": False,
    }
    assert results["s10"]["prescriptions"][0]["order"]["supply_days"] == 10
    [alert] = [a for a in results["s10"]["alerts"] if a["id"] == "acute_supply_long"]
    assert alert["title"] == "Acute opioid prescription for more than 7 days"
    assert "10-day supply" in alert["detail"]
    assert alert["cites"] == ["src.cdc-2022#recommendation-6", "src.cdc-opioid-cds#REC06"]
    assert not any(a["id"] == "acute_supply_long" for a in results["s30"]["alerts"])
    _, out, _ = run(["mme", str(path), *AS_OF], capsys)
    assert "Supply" in out
    assert "10 d" in out
    assert "Acute opioid prescription for more than 7 days" in out
    assert "src.cdc-opioid-cds#REC06" in out


def test_reassess_after_a_recent_opioid_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """CDC 2022 rec. 7: authored 10 days before --as-of → reassess by authored + 28 days;
    authored 60 days before → no flag. Shown in the table with the due date."""
    monkeypatch.setattr(context.console, "width", 200)
    path = tmp_path / "recent.ndjson"
    lines = [
        bundle("recent", request("rx", "1049683", authoredOn="2025-05-22")),
        bundle("older", request("rx", "1049683", authoredOn="2025-04-02")),
    ]
    path.write_text("\n".join(json.dumps(b) for b in lines) + "\n")
    _, out, _ = run(["mme", str(path), "--json", *AS_OF], capsys)
    recent, older = json_lines(out)
    assert recent["flags"]["reassess_opioid_start"] is True
    alert = recent["alerts"][-1]
    assert alert["id"] == "reassess_opioid_start"
    assert alert["title"] == "Reassess benefits and risks by 2025-06-19"
    assert "(authored 2025-05-22, reassess by 2025-06-19)" in alert["detail"]
    assert alert["cites"] == ["src.cdc-2022#recommendation-7"]
    assert older["flags"]["reassess_opioid_start"] is False
    assert older["alerts"] == []
    _, out, _ = run(["mme", str(path), *AS_OF], capsys)
    assert "Reassess benefits and risks by 2025-06-19" in out
    assert "src.cdc-2022#recommendation-7" in out


def test_results_before_a_bad_line_are_still_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lines are written in chunks; after an input error, the lines before it are still out."""
    path = tmp_path / "broken.ndjson"
    path.write_text(json.dumps(bundle("ok", request("rx", "1049683"))) + "\n{oops\n")
    code, out, err = run(["mme", str(path), "--json", *AS_OF], capsys)
    assert code == 2
    assert "line 2: not valid JSON" in " ".join(err.split())
    assert [r["patient_id"] for r in json_lines(out)] == ["ok"]
