"""``spinecare referral`` and the surgical part of ``spinecare plan`` as a clinician runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinecare.cli import context
from spinecare.cli.main import main
from spinecare.core.surgery.letter import SECTION_IDS

NEG = {
    "urinary_retention": False,
    "urinary_incontinence": False,
    "bowel_dysfunction": False,
    "saddle_sensory_change": False,
    "new_sexual_dysfunction": False,
    "bilateral_leg_symptoms": False,
    "progressive_weakness": False,
}
RECORD = {
    "patient_id": "P-7",
    "evaluation_date": "2026-01-01",
    "patient": {"age": 42, "sex": "male", "medications": [], "allergies": []},
    "history": {
        "onset_date": "2025-10-23",
        "pain_sites": ["axial", "below_knee"],
        "pain_side": "left",
        "failed_to_improve_4_weeks": True,
        **NEG,
    },
    "exam": {
        "myotomes": {
            r: {"left": 4 if r == "L5" else 5, "right": 5} for r in ("L2", "L3", "L4", "L5", "S1")
        },
        "saddle_sensation": "normal",
    },
    "imaging": [
        {
            "modality": "mri",
            "findings": [{"kind": "disc_herniation", "level": "L4-L5", "side": "left"}],
        }
    ],
    "prior_conservative_care_weeks": 9,
}


@pytest.fixture(autouse=True)
def _fresh_kb_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    context.get_kb.cache_clear()
    monkeypatch.setenv("COLUMNS", "400")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(data))
    return path


def test_referral_prints_the_letter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["referral", str(write(tmp_path, RECORD))], capsys)
    assert code == 0
    for title in ("REASON FOR REFERRAL", "HISTORY", "EXAMINATION", "IMAGING", "QUESTION TO"):
        assert title in out
    assert "discectomy" in out.lower()


def test_referral_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["referral", str(write(tmp_path, RECORD)), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [s["id"] for s in data["letter"]["sections"]] == list(SECTION_IDS)
    assert data["decision"]["urgency"] == "elective"


def test_plan_puts_an_emergency_referral_at_the_top(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ces = json.loads(json.dumps(RECORD))
    ces["history"]["urinary_retention"] = True
    path = write(tmp_path, ces)
    code, out = run(["plan", str(path)], capsys)
    assert code == 0
    flat = " ".join(out.split())
    referral = "Emergency referral to the on-call spinal surgeon today"
    assert referral in flat
    assert flat.index(referral) < flat.index("1. Advice and self-management")
    code, out = run(["plan", str(path), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    keys = list(data)
    assert keys.index("urgent_actions") < keys.index("phases")
    assert data["urgent_actions"][0]["urgency"] == "emergency"
    assert any(a["title"].startswith(referral) for a in data["urgent_actions"])
    assert data["surgical_referral"]["urgency"] == "emergency"
