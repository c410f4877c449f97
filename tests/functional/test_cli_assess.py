"""``spinecare assess`` and ``spinecare schema evaluation`` as a clinician runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirun import run
from spinecare.cli import context

CES_RECORD = {
    "patient_id": "demo-1",
    "evaluation_date": "2026-11-20",
    "patient": {"age": 45, "sex": "male"},
    "history": {
        "onset_date": "2026-11-01",
        "urinary_retention": True,
        "pain_sites": ["axial", "below_knee"],
    },
    "exam": {
        "myotomes": {"L5": {"left": 3, "right": 5}},
        "dermatomes": {"L5": {"left": "reduced"}},
        "slr": {"left": {"angle": 40, "reproduces_leg_pain": True}},
    },
}


@pytest.fixture(autouse=True)
def _fresh_kb_cache() -> None:
    context.get_kb.cache_clear()


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(data))
    return path


def test_assess_prints_red_flag_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The readable summary starts with the red flag and its emergency action."""
    code, out, _ = run(["assess", str(write(tmp_path, CES_RECORD))], capsys)
    assert code == 0
    flat = " ".join(out.split())
    assert flat.index("RED FLAG") < flat.index("Neurological localisation") < flat.index("Imaging")
    assert "EMERGENCY" in flat
    assert "cauda equina" in flat.lower()
    assert "L5 left" in flat


def test_assess_json_is_the_assessment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the Assessment with the trace pinning KB version, hash and rules."""
    code, out, _ = run(["assess", str(write(tmp_path, CES_RECORD)), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["highest_urgency"] == "emergency"
    assert data["red_flags"][0]["flag"] == "cauda-equina-syndrome"
    assert data["trace"]["kb_hash"].startswith("sha256:")
    assert any(r["rule"].startswith("rule.redflag.cauda-equina@") for r in data["trace"]["fired"])
    assert data["as_of"] == "2026-11-20"


def test_assess_profile_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--profile picks the guideline profile and the output says which one decided."""
    code, out, _ = run(
        ["assess", str(write(tmp_path, CES_RECORD)), "--json", "--profile", "us-acp-cdc"], capsys
    )
    assert code == 0
    assert json.loads(out)["profile"] == "us-acp-cdc"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"patient": {"age": 400}}, "patient.age"),
        ({"exam": {"myotomes": {"L5": {"left": 7}}}}, "exam.myotomes.L5.left"),
        ({"history": {"urinary_retension": True}}, "history.urinary_retension"),
        (
            {"questionnaires": [{"instrument": "odi", "answers": [9] * 10}]},
            "questionnaires.0.items.pain_intensity",
        ),
    ],
)
def test_assess_malformed_input_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: object, field: str
) -> None:
    """Malformed input exits 2 with an error naming the field."""
    code, _, err = run(["assess", str(write(tmp_path, data))], capsys)
    assert code == 2
    assert field in err


def test_assess_unknown_profile_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown profile and a missing file are user errors, not tracebacks."""
    code, _, err = run(["assess", str(write(tmp_path, {})), "--profile", "uk-nise"], capsys)
    assert code == 2
    assert "did you mean 'uk-nice'" in err
    code, _, err = run(["assess", str(tmp_path / "nope.json")], capsys)
    assert code == 2
    assert "no such file" in err


def test_schema_evaluation_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """The published schema describes the record and forbids unknown keys."""
    code, out, _ = run(["schema", "evaluation"], capsys)
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "EvaluationRecord"
    assert "history" in schema["properties"]
    assert schema["$defs"]["History"]["additionalProperties"] is False
