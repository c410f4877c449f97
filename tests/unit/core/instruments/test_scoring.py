"""Example-based tests of the generic instrument scorer, on the shipped instrument files."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

import spinecare
from spinecare.core.errors import UserError
from spinecare.core.instruments import Instrument, score, score_mapping
from spinecare.knowledge.instruments import parse_instrument

KB = Path(spinecare.__file__).parent / "kb"
SCENARIOS = sorted((KB / "scenarios" / "instruments").glob("*.yaml"))


@cache
def load(instrument_id: str) -> Instrument:
    path = KB / "instruments" / instrument_id / "instrument.yaml"
    return parse_instrument(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def refused(instrument_id: str, answers: list[Any]) -> UserError:
    with pytest.raises(UserError) as caught:
        score(load(instrument_id), answers)
    return caught.value


# ------------------------------------------------------------------ ODI


def test_odi_one_section_missing_divides_by_45() -> None:
    """16 points with one section unanswered scores 16/45 = 35.56 (not the truncated 35.5)."""
    result = score(load("odi"), [2, 2, 2, 2, 2, 2, 2, None, 1, 1])
    assert result.score == 35.56
    assert result.band == "moderate"
    assert result.missing_items == ("sex_life",)
    assert result.answered == 9


def test_odi_all_sections_answered_is_percent_of_50() -> None:
    """With all ten sections answered the index is the sum over 50 as a percentage."""
    assert score(load("odi"), [2, 2, 2, 2, 2, 2, 2, 2, 1, 1]).score == 36


def test_odi_two_sections_missing_is_refused() -> None:
    """Two unanswered sections are refused, naming the instrument, answered and needed counts."""
    err = refused("odi", [2, 2, 2, 2, 2, 2, 2, None, None, 1])
    assert err.field == "items.sex_life"
    assert "ODI 2.1a" in err.message
    assert "8 of 10" in err.message
    assert "at least 9" in err.message


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "minimal"),
        (20, "minimal"),
        (20.5, "minimal"),
        (21, "moderate"),
        (40, "moderate"),
        (41, "severe"),
        (60, "severe"),
        (61, "crippled"),
        (80, "crippled"),
        (81, "bed-bound or exaggerating"),
        (100, "bed-bound or exaggerating"),
    ],
)
def test_odi_band_edges(value: float, band: str) -> None:
    """Published bands are inclusive; a value between two bands stays in the lower band."""
    found = load("odi").primary.band_for(value)
    assert found is not None
    assert found.label == band


def test_odi_result_carries_mic_and_missing_note() -> None:
    """The interpretation names the band, the unanswered section and the MIC (10 points/30 %)."""
    result = score(load("odi"), [2, 2, 2, 2, 2, 2, 2, None, 1, 1])
    assert "moderate disability" in result.interpretation
    assert "sex_life" in result.interpretation
    assert "10 points or 30 %" in result.interpretation
    assert result.mic is not None
    assert (result.mic.points, result.mic.percent) == (10, 30)


# ------------------------------------------------------------------ STarT Back


@pytest.mark.parametrize(("option", "points"), [(0, 0), (1, 0), (2, 0), (3, 1), (4, 1)])
def test_start_back_item9_scores_only_very_much_and_extremely(option: int, points: int) -> None:
    """Bothersomeness scores 1 only for 'very much' (3) or 'extremely' (4)."""
    result = score(load("start_back"), [0, 0, 0, 0, 0, 0, 0, 0, option])
    assert result.score == points
    assert result.subscales == {"psychosocial": points}


@pytest.mark.parametrize(
    ("answers", "total", "psychosocial", "group"),
    [
        ([1, 1, 1, 0, 0, 0, 0, 0, 0], 3, 0, "low"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, 0, "medium"),
        ([1, 0, 0, 0, 1, 1, 1, 0, 0], 4, 3, "medium"),
        ([0, 0, 0, 0, 1, 1, 1, 1, 0], 4, 4, "high"),
        ([0, 0, 0, 0, 1, 1, 1, 0, 3], 4, 4, "high"),
        ([0, 0, 0, 0, 1, 1, 1, 0, 2], 3, 3, "low"),
    ],
)
def test_start_back_risk_group_boundaries(
    answers: list[int], total: int, psychosocial: int, group: str
) -> None:
    """Total 3/4 separates low from medium; psychosocial 3/4 separates medium from high."""
    result = score(load("start_back"), answers)
    assert (result.score, result.subscales["psychosocial"], result.risk_group) == (
        total,
        psychosocial,
        group,
    )


def test_start_back_psychosocial_items_identified_by_content() -> None:
    """The psychosocial subscale is the fear, anxiety, catastrophising, mood, bother items."""
    scale = load("start_back").scale("psychosocial")
    assert set(scale.items) == {"fear", "anxiety", "catastrophising", "low_mood", "bothersomeness"}


def test_start_back_refuses_a_missing_item() -> None:
    """STarT Back allows no missing item; the error names the item."""
    assert refused("start_back", [1, 1, 1, 1, 1, 1, 1, None, 4]).field == "items.low_mood"


# ------------------------------------------------------------------ PHQ-2, GAD-2


@pytest.mark.parametrize("instrument_id", ["phq2", "gad2"])
@pytest.mark.parametrize(("answers", "group"), [([1, 1], "negative"), ([2, 1], "positive")])
def test_two_item_screens_positive_from_3(
    instrument_id: str, answers: list[int], group: str
) -> None:
    """PHQ-2 and GAD-2: a total of 2 is negative, 3 is a positive screen."""
    result = score(load(instrument_id), answers)
    assert result.score == sum(answers)
    assert result.risk_group == group
    assert result.classification_id == "screen"


# ------------------------------------------------------------------ PEG, NRS, RMDQ, FABQ


@pytest.mark.parametrize(
    ("answers", "expected"),
    [([4, 5, 6], 5), ([5, 6, 6], 5.67), ([0, 0, 1], 0.33), ([0, 1, 1], 0.67)],
)
def test_peg_is_the_mean_rounded_to_2_decimals(answers: list[int], expected: float) -> None:
    """PEG is the mean of its three items, reported to 2 decimals."""
    assert score(load("peg"), answers).score == expected


def test_nrs_scores_the_rating_with_mic_2_points() -> None:
    """The NRS score is the rating itself; its MIC is 2 points or 30 %."""
    result = score(load("nrs"), [7])
    assert result.score == 7
    assert result.mic is not None
    assert (result.mic.points, result.mic.percent) == (2, 30)


def test_rmdq_unanswered_statements_count_as_not_ticked() -> None:
    """RMDQ counts ticked statements; unanswered ones count as not ticked and are listed."""
    result = score(load("rmdq"), [1, 1, 1, 1, 1] + [None] * 19)
    assert result.score == 5
    assert len(result.missing_items) == 19
    assert "counted as 'No (not ticked)'" in result.interpretation


def test_rmdq_refuses_a_form_with_nothing_answered() -> None:
    """A completely unanswered RMDQ is refused rather than scored 0."""
    assert refused("rmdq", [None] * 24).field == "items.stays_home"


@pytest.mark.parametrize(
    ("answers", "flag"),
    [([1] * 3 + [0] * 21, "floor_effect"), ([1] * 21 + [0] * 3, "ceiling_effect")],
)
def test_rmdq_floor_and_ceiling_notes(answers: list[int], flag: str) -> None:
    """RMDQ scores under 4 and over 20 carry a note that change shows little there."""
    assert score(load("rmdq"), answers).flags == (flag,)


def test_fabq_subscales_ignore_unscored_items() -> None:
    """FABQ-W is items 6, 7, 9-12, 15 and FABQ-PA items 2-5; 1, 8, 13, 14, 16 do not count."""
    answers = [6, 1, 2, 3, 4, 1, 1, 6, 1, 1, 1, 1, 6, 6, 1, 6]
    result = score(load("fabq"), answers)
    assert result.score == 7
    assert result.subscales == {"pa": 10}
    assert result.scales == {"pa": 10, "work": 7}


def test_fabq_unscored_items_may_be_blank() -> None:
    """Unscored FABQ items may be left unanswered."""
    result = score(load("fabq"), [None, 1, 1, 1, 1, 3, 3, None, 3, 3, 3, 3, None, None, 3, None])
    assert (result.score, result.subscales["pa"]) == (21, 4)


@pytest.mark.parametrize(("work", "flag"), [(18, "flynn_fabq_w_below_19"), (30, "fabq_w_above_29")])
def test_fabq_work_notes(work: int, flag: str) -> None:
    """FABQ-W under 19 (Flynn criterion) and over 29 add their notes; 19-29 adds none."""
    answers = [0] * 16
    for position in (5, 6, 8, 9, 10):  # items 6, 7, 9, 10, 11
        answers[position] = min(6, work)
        work -= answers[position]
    result = score(load("fabq"), answers)
    assert result.flags == (flag,)


def test_fabq_work_19_to_29_has_no_note() -> None:
    """FABQ-W of 19 to 29 triggers neither note."""
    answers = [0, 0, 0, 0, 0, 6, 6, 0, 6, 1, 0, 0, 0, 0, 0, 0]
    result = score(load("fabq"), answers)
    assert result.score == 19
    assert result.flags == ()


# ------------------------------------------------------------------ errors


def test_out_of_range_answer_names_the_item_and_the_choices() -> None:
    """An option index past the last option says which item and what to choose."""
    err = refused("odi", [7, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    assert err.field == "items.pain_intensity"
    assert err.message == "answer 7 is out of range: choose 0–5"


def test_negative_answer_is_out_of_range() -> None:
    """A negative option index is out of range."""
    assert refused("phq2", [0, -1]).field == "items.feeling_down"


@pytest.mark.parametrize("bad", ["2", 1.0, True])
def test_wrong_answer_type_names_the_item(bad: object) -> None:
    """Text, floats and booleans are not option indices; the error names the item."""
    err = refused("nrs", [bad])
    assert err.field == "items.pain_intensity"
    assert "not an option number" in err.message


@pytest.mark.parametrize("answers", [[0], [0, 0, 0], []])
def test_wrong_answer_count_names_answers(answers: list[int]) -> None:
    """The number of answers must equal the number of items."""
    err = refused("phq2", answers)
    assert err.field == "answers"
    assert "2 items" in err.message


def test_answers_as_a_string_is_refused() -> None:
    """A string is not a sequence of answers, even one of the right length."""
    assert refused("phq2", "12").field == "answers"  # type: ignore[arg-type]


def test_score_mapping_matches_score_and_fills_gaps_with_unanswered() -> None:
    """Answers by item key score the same as in form order; left-out keys are unanswered."""
    odi = load("odi")
    keys = [item.key for item in odi.items]
    answers = dict(zip(keys, [2, 2, 2, 2, 2, 2, 2, 0, 1, 1], strict=True))
    del answers["sex_life"]
    assert score_mapping(odi, answers).score == 35.56


def test_score_mapping_unknown_key_suggests_the_closest() -> None:
    """An unknown item key is refused with a did-you-mean suggestion."""
    with pytest.raises(UserError) as caught:
        score_mapping(load("odi"), {"walkng": 1})
    assert caught.value.field == "items.walkng"
    assert "did you mean 'walking'" in caught.value.message


def test_to_dict_is_json_ready_with_the_documented_keys() -> None:
    """to_dict() serialises to JSON with score, subscales, band, risk_group, interpretation."""
    data = score(load("start_back"), [1, 1, 1, 1, 1, 1, 1, 1, 4]).to_dict()
    parsed = json.loads(json.dumps(data))
    assert parsed["score"] == 9
    assert parsed["subscales"] == {"psychosocial": 5}
    assert parsed["risk_group"] == "high"
    assert parsed["classification"] == {"id": "risk_group", "label": "high"}
    assert parsed["band"] is None
    assert parsed["instrument"] == "start_back"
    assert parsed["version"] == "1.0.0"
    assert parsed["interpretation"]


# ------------------------------------------------------------------ shipped test vectors


def _vectors() -> list[Any]:
    out = []
    for path in SCENARIOS:
        for s in yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]:
            out.append(pytest.param(s["input"], s["expect"], id=s["id"]))
    return out


@pytest.mark.parametrize(("given", "expect"), _vectors())
def test_shipped_scenario(given: dict[str, Any], expect: dict[str, Any]) -> None:
    """Each test vector in kb/scenarios/instruments/ scores as its file expects."""
    inst = load(given["instrument"])
    if "error" in expect:
        with pytest.raises(UserError) as caught:
            score(inst, given["answers"])
        assert caught.value.field == expect["error"]
        return
    data = score(inst, given["answers"]).to_dict()
    if "score" in expect:
        assert data["score"] == pytest.approx(expect["score"])
    for key in ("band", "risk_group"):
        if key in expect:
            assert data[key] == expect[key]
    for name, value in expect.get("subscales", {}).items():
        assert data["subscales"][name] == pytest.approx(value)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_instrument_has_at_least_5_vectors(path: Path) -> None:
    """Each instrument ships at least five test vectors, including an error case."""
    scenarios = yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]
    assert len(scenarios) >= 5
    assert any("error" in s["expect"] for s in scenarios)
