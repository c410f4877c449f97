"""Property tests of the instrument scorer over every shipped instrument (hypothesis)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import spinecare
from spinecare.core.errors import UserError
from spinecare.core.instruments import Instrument, score
from spinecare.knowledge.instruments import parse_instrument

KB = Path(spinecare.__file__).parent / "kb"
IDS = sorted(p.parent.name for p in (KB / "instruments").glob("*/instrument.yaml"))


@cache
def load(instrument_id: str) -> Instrument:
    path = KB / "instruments" / instrument_id / "instrument.yaml"
    return parse_instrument(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


@st.composite
def completed(draw: st.DrawFn) -> tuple[Instrument, list[int]]:
    """An instrument and a fully answered form for it."""
    inst = load(draw(st.sampled_from(IDS)))
    answers = [draw(st.integers(0, len(item.options) - 1)) for item in inst.items]
    return inst, answers


def test_shipped_instruments_found() -> None:
    """All eight instruments are under test."""
    assert IDS == ["fabq", "gad2", "nrs", "odi", "peg", "phq2", "rmdq", "start_back"]


@given(completed())
def test_every_scale_stays_within_its_range(case: tuple[Instrument, list[int]]) -> None:
    """Every scale of every instrument stays within its declared range."""
    inst, answers = case
    result = score(inst, answers)
    for scale in inst.scales:
        assert scale.min <= result.scales[scale.id] <= scale.max
    assert result.score == result.scales[inst.score_scale]


@given(completed(), st.data())
def test_raising_one_answer_never_lowers_any_scale(
    case: tuple[Instrument, list[int]], data: st.DataObject
) -> None:
    """Moving one answer to a later (higher) option never lowers a scale."""
    inst, answers = case
    raisable = [i for i, a in enumerate(answers) if a < len(inst.items[i].options) - 1]
    if not raisable:
        return
    i = data.draw(st.sampled_from(raisable))
    higher = list(answers)
    higher[i] = data.draw(st.integers(answers[i] + 1, len(inst.items[i].options) - 1))
    before, after = score(inst, answers), score(inst, higher)
    for scale_id, value in before.scales.items():
        assert after.scales[scale_id] >= value


@given(st.lists(st.integers(0, 5), min_size=10, max_size=10), st.integers(0, 9))
def test_odi_with_one_section_missing_is_sum_over_45(answers: list[int], missing: int) -> None:
    """ODI with one section unanswered equals the sum of the other nine over 45, as %."""
    given_answers: list[int | None] = list(answers)
    given_answers[missing] = None
    total = sum(a for a in given_answers if a is not None)
    assert score(load("odi"), given_answers).score == pytest.approx(total / 45 * 100, abs=0.005)


@given(
    st.lists(st.integers(0, 5), min_size=10, max_size=10),
    st.lists(st.integers(0, 9), min_size=2, max_size=10, unique=True),
)
def test_odi_with_two_or_more_sections_missing_is_refused(
    answers: list[int], missing: list[int]
) -> None:
    """ODI with two or more sections unanswered is refused, naming the first one."""
    given_answers: list[int | None] = list(answers)
    for i in missing:
        given_answers[i] = None
    with pytest.raises(UserError) as caught:
        score(load("odi"), given_answers)
    assert caught.value.field == f"items.{load('odi').items[min(missing)].key}"


@given(completed(), st.data())
def test_a_missing_item_in_a_strict_scale_is_refused(
    case: tuple[Instrument, list[int]], data: st.DataObject
) -> None:
    """Where a scale allows no missing item, leaving one of its items out is refused."""
    inst, answers = case
    strict = [key for s in inst.scales if s.max_missing == 0 for key in s.items]
    if not strict:
        return
    key = data.draw(st.sampled_from(strict))
    position = inst.item_position(key)
    assert position is not None
    gappy: list[int | None] = list(answers)
    gappy[position] = None
    with pytest.raises(UserError) as caught:
        score(inst, gappy)
    assert caught.value.field == f"items.{key}"


@given(completed())
def test_result_records_answers_and_versions(case: tuple[Instrument, list[int]]) -> None:
    """A complete form is recorded as fully answered under the instrument's id and version."""
    inst, answers = case
    result = score(inst, answers)
    assert (result.instrument, result.version) == (inst.id, inst.version)
    assert result.answered == len(inst.items)
    assert result.missing_items == ()
