"""The ``instruments`` and ``score`` commands, on a small Typer app over the shipped instruments."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

import spinecare
from spinecare.cli.instruments import register
from spinecare.knowledge.instruments import parse_instrument

KB = Path(spinecare.__file__).parent / "kb"


def _stand_in_kb() -> Any:
    instruments = {}
    for path in sorted((KB / "instruments").glob("*/instrument.yaml")):
        inst = parse_instrument(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
        instruments[inst.id] = inst
    return SimpleNamespace(instruments=instruments)


STAND_IN = _stand_in_kb()


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app, lambda: STAND_IN)
    return app


def run(app: typer.Typer, *args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_instruments_lists_every_instrument_with_its_licence(app: typer.Typer) -> None:
    """`instruments` shows each id, item count and licence status in a table."""
    result = run(app, "instruments")
    assert result.exit_code == 0, result.output
    for inst_id in ("odi", "rmdq", "peg", "nrs", "phq2", "gad2", "fabq"):
        assert inst_id in result.stdout
    assert "licence-required" in result.stdout
    assert "free-to-reproduce" in result.stdout


def test_score_odi_with_a_blank_section(app: typer.Typer) -> None:
    """An empty field is unanswered: 16 points over 9 sections prints 35.56 and the band."""
    result = run(app, "score", "odi", "--answers", "2,2,2,2,2,2,2,,1,1")
    assert result.exit_code == 0, result.output
    assert "35.56" in result.stdout
    assert "band: moderate" in result.stdout
    assert "unanswered: sex_life" in result.stdout


def test_score_json_has_score_band_subscales_and_risk_group(app: typer.Typer) -> None:
    """--json prints the result as JSON with score, subscales, band and risk_group."""
    result = run(app, "score", "start_back", "--answers", "0,0,0,0,1,1,1,0,3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["score"] == 4
    assert data["subscales"] == {"psychosocial": 4}
    assert data["risk_group"] == "high"
    assert data["band"] is None


def test_score_prints_the_classification(app: typer.Typer) -> None:
    """The human-readable output names the classification and its outcome."""
    result = run(app, "score", "phq2", "--answers", "2, 1")
    assert result.exit_code == 0, result.output
    assert "Depression screen: positive" in result.stdout


def test_score_prints_subscales(app: typer.Typer) -> None:
    """Subscales are printed with their labels."""
    result = run(app, "score", "fabq", "-a", ",1,1,1,1,3,3,,3,3,3,3,,,3,")
    assert result.exit_code == 0, result.output
    assert "FABQ-W 21" in result.stdout
    assert "FABQ-PA 4" in result.stdout


def test_out_of_range_answer_exits_2_with_the_item(app: typer.Typer) -> None:
    """An out-of-range answer prints the field and message on stderr and exits 2."""
    result = run(app, "score", "odi", "--answers", "7,0,0,0,0,0,0,0,0,0")
    assert result.exit_code == 2
    assert "items.pain_intensity: answer 7 is out of range: choose 0–5" in result.stderr
    assert "Traceback" not in result.output


def test_non_number_answer_exits_2_naming_the_item(app: typer.Typer) -> None:
    """A field that is not a whole number names the item at that position."""
    result = run(app, "score", "gad2", "--answers", "1,x")
    assert result.exit_code == 2
    assert "items.worrying" in result.stderr


def test_wrong_answer_count_exits_2(app: typer.Typer) -> None:
    """Too few answers is an error on `answers`."""
    result = run(app, "score", "nrs", "--answers", "1,2")
    assert result.exit_code == 2
    assert "answers:" in result.stderr


def test_too_many_missing_exits_2_with_counts(app: typer.Typer) -> None:
    """Two blank ODI sections are refused with how many were answered and needed."""
    result = run(app, "score", "odi", "--answers", "1,1,1,1,1,1,1,,,1")
    assert result.exit_code == 2
    assert "8 of 10 items answered; at least 9 needed" in result.stderr


def test_unknown_instrument_suggests_the_closest(app: typer.Typer) -> None:
    """An unknown instrument exits 2 with a did-you-mean suggestion."""
    result = run(app, "score", "odl", "--answers", "1")
    assert result.exit_code == 2
    assert "did you mean 'odi'" in result.stderr
