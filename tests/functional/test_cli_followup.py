"""``spinecare followup`` as a clinician runs it: text and JSON, red flags first, field errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirun import run
from spinecare.cli import context

NEG = {
    "trauma": "none",
    "urinary_retention": False,
    "urinary_incontinence": False,
    "bowel_dysfunction": False,
    "saddle_sensory_change": False,
    "new_sexual_dysfunction": False,
    "bilateral_leg_symptoms": False,
    "progressive_weakness": False,
    "fever": False,
    "weight_loss": False,
}
BASELINE = {
    "patient_id": "FU-1",
    "evaluation_date": "2026-01-18",
    "patient": {"age": 40, "sex": "female", "medications": [], "allergies": []},
    "history": {"onset_date": "2026-01-04", "pain_sites": ["axial"], **NEG},
    "exam": {
        "saddle_sensation": "normal",
        "myotomes": {r: {"left": 5, "right": 5} for r in ("L2", "L3", "L4", "L5", "S1")},
    },
    "questionnaires": [{"instrument": "odi", "score": 40}, {"instrument": "nrs", "score": 7}],
}


def episode(findings: dict[str, object] | None = None) -> dict[str, object]:
    visit: dict[str, object] = {
        "date": "2026-03-01",
        "questionnaires": [{"instrument": "odi", "score": 18}, {"instrument": "nrs", "score": 3}],
    }
    if findings:
        visit["findings"] = findings
    return {
        "baseline": BASELINE,
        "plan": {
            "phase_reached": "self-management",
            "accepted_options": ["advice-self-management"],
        },
        "visits": [visit],
    }


@pytest.fixture(autouse=True)
def _fresh_kb_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    context.get_kb.cache_clear()
    monkeypatch.setenv("COLUMNS", "400")


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "episode.json"
    path.write_text(json.dumps(data))
    return path


def test_followup_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["followup", str(write(tmp_path, episode()))], capsys)
    assert code == 0
    assert "responder" in out
    assert "IMPROVED" in out
    assert "local policy" in out
    assert "RED FLAG" not in out


def test_followup_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["followup", str(write(tmp_path, episode())), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["episode_status"] == "responder"
    assert {o["instrument"]: o["classification"] for o in data["outcomes"]} == {
        "odi": "improved",
        "nrs": "improved",
    }


def test_a_new_red_flag_is_printed_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ep = episode({"history": {"urinary_retention": True}})
    code, out, _ = run(["followup", str(write(tmp_path, ep))], capsys)
    assert code == 0
    body = out.split("\n", 1)[1]  # after the title rule
    assert body.lstrip().startswith("╭")  # the red-flag panel comes first
    assert body.index("RED FLAG NEW SINCE BASELINE") < body.index("Outcomes")
    code, out, _ = run(["followup", str(write(tmp_path, ep)), "--json"], capsys)
    data = json.loads(out)
    assert next(iter(data)) == "reopen_evaluation"
    assert data["reopen_evaluation"] is True
    assert data["adjustments"][0]["action"] == "reopen-evaluation"


def test_followup_names_the_bad_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ep = episode()
    ep["visits"] = [{"date": "2026-03-01", "questionnaires": [{"instrument": "odi", "score": 140}]}]
    code, _, err = run(["followup", str(write(tmp_path, ep))], capsys)
    assert code == 2
    assert "visits.0.questionnaires.0.score" in err
