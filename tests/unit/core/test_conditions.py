"""The condition language: typed compilation and three-valued evaluation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinecare.core.conditions import compile_condition
from spinecare.core.errors import ConditionError
from spinecare.core.facts import FactSpec, FactType

SPECS = {
    "fever": FactSpec("fever", FactType.BOOLEAN, "Temperature of 38 °C or more."),
    "age": FactSpec("age", FactType.INTEGER, "Age in whole years.", minimum=0, maximum=120),
    "egfr": FactSpec("egfr", FactType.NUMBER, "Estimated GFR.", unit="mL/min/1.73m2"),
    "trauma": FactSpec("trauma", FactType.ENUM, "Trauma.", allowed=("none", "minor", "major")),
    "sites": FactSpec("sites", FactType.SET, "Pain sites.", allowed=("axial", "thigh", "foot")),
    "note": FactSpec("note", FactType.STRING, "Free text note."),
}


def ev(tree: object, **facts: object) -> tuple[object, set[str]]:
    cond = compile_condition(tree, SPECS)
    truth, missing = cond.evaluate(facts)  # type: ignore[arg-type]
    return truth, set(missing)


def test_leaf_missing_fact_is_unknown_and_named() -> None:
    """A comparison on an absent fact is unknown and names that fact."""
    assert ev({"fact": "fever", "eq": True}) == (None, {"fever"})


@pytest.mark.parametrize(
    ("tree", "facts", "expected"),
    [
        ({"fact": "age", "gt": 50}, {"age": 51}, True),
        ({"fact": "age", "gt": 50}, {"age": 50}, False),
        ({"fact": "age", "ge": 50}, {"age": 50}, True),
        ({"fact": "age", "lt": 18}, {"age": 17}, True),
        ({"fact": "age", "le": 18}, {"age": 19}, False),
        ({"fact": "egfr", "lt": 30}, {"egfr": 25.0}, True),
        ({"fact": "trauma", "eq": "major"}, {"trauma": "major"}, True),
        ({"fact": "trauma", "ne": "none"}, {"trauma": "none"}, False),
        ({"fact": "trauma", "in": ["minor", "major"]}, {"trauma": "minor"}, True),
        ({"fact": "trauma", "not_in": ["minor", "major"]}, {"trauma": "minor"}, False),
        ({"fact": "sites", "contains": "foot"}, {"sites": frozenset({"foot"})}, True),
        (
            {"fact": "sites", "contains_any": ["foot", "thigh"]},
            {"sites": frozenset({"axial"})},
            False,
        ),
        (
            {"fact": "sites", "contains_all": ["foot", "thigh"]},
            {"sites": frozenset({"foot", "thigh"})},
            True,
        ),
        ({"fact": "fever", "known": True}, {}, False),
        ({"fact": "fever", "known": False}, {}, True),
        ({"fact": "note", "eq": "x"}, {"note": "x"}, True),
    ],
)
def test_comparisons(tree: dict[str, object], facts: dict[str, object], expected: bool) -> None:
    """Each operator compares a known value as documented."""
    assert ev(tree, **facts)[0] is expected


def test_all_false_beats_unknown() -> None:
    """all() is false as soon as one child is false, even when others are unknown."""
    tree = {"all": [{"fact": "fever", "eq": True}, {"fact": "age", "gt": 50}]}
    assert ev(tree, age=30) == (False, set())


def test_any_true_beats_unknown() -> None:
    """any() is true as soon as one child is true, even when others are unknown."""
    tree = {"any": [{"fact": "fever", "eq": True}, {"fact": "age", "gt": 50}]}
    assert ev(tree, age=60) == (True, set())


def test_any_with_unknown_and_false_is_unknown_naming_the_missing() -> None:
    """any(false, unknown) is unknown, never a silent false."""
    tree = {"any": [{"fact": "fever", "eq": True}, {"fact": "age", "gt": 50}]}
    assert ev(tree, age=30) == (None, {"fever"})


def test_not_keeps_missing() -> None:
    """not(unknown) is unknown with the same missing facts."""
    assert ev({"not": {"fact": "fever", "eq": True}}) == (None, {"fever"})
    assert ev({"not": {"fact": "fever", "eq": True}}, fever=False) == (True, set())


def test_at_least() -> None:
    """at_least: true at n true, false once n can no longer be reached, else unknown."""
    tree = {
        "at_least": 2,
        "of": [
            {"fact": "fever", "eq": True},
            {"fact": "age", "gt": 50},
            {"fact": "egfr", "lt": 30},
        ],
    }
    assert ev(tree, fever=True, age=60) == (True, set())
    assert ev(tree, fever=False, age=40) == (False, set())
    assert ev(tree, fever=True, age=40) == (None, {"egfr"})


@pytest.mark.parametrize(
    ("tree", "field", "message"),
    [
        ({"fact": "fevr", "eq": True}, "when.fact", "did you mean 'fever'"),
        ({"fact": "fever", "eq": 3}, "when.eq", "must be true or false"),
        ({"fact": "trauma", "gt": 2}, "when.gt", "needs a numeric fact"),
        ({"fact": "trauma", "eq": "severe"}, "when.eq", "must be one of none, minor, major"),
        ({"fact": "sites", "eq": "foot"}, "when.eq", "is a set fact"),
        ({"fact": "sites", "contains": "knee"}, "when.contains", "not allowed"),
        ({"fact": "age", "eq": 200}, "when.eq", "at most 120"),
        ({"fact": "age"}, "when", "exactly one operator"),
        ({"all": []}, "when.all", "non-empty list"),
        ({"all": [{"fact": "age", "gt": 1}], "any": []}, "when", "exactly one of"),
        ({"at_least": 3, "of": [{"fact": "age", "gt": 1}]}, "when", "can never be met"),
        (
            {"any": [{"fact": "age", "gt": 1}, {"fact": "x", "eq": 1}]},
            "when.any.1.fact",
            "unknown fact",
        ),
        ("fever", "when", "must be a mapping"),
    ],
)
def test_compile_errors_name_the_key_path(tree: object, field: str, message: str) -> None:
    """A condition that does not fit the vocabulary is rejected with its key path."""
    with pytest.raises(ConditionError) as info:
        compile_condition(tree, SPECS)
    assert info.value.field == field
    assert message in info.value.message


def test_condition_lists_the_facts_it_reads() -> None:
    """A compiled condition declares every fact it reads (used for the trace)."""
    tree = {"all": [{"fact": "fever", "eq": True}, {"not": {"fact": "age", "lt": 18}}]}
    assert compile_condition(tree, SPECS).facts == {"fever", "age"}


_bool_fact = st.sampled_from([None, True, False])


@given(a=_bool_fact, b=_bool_fact, c=_bool_fact)
def test_kleene_logic_matches_truth_tables(a: bool | None, b: bool | None, c: bool | None) -> None:
    """all/any/not agree with Kleene's strong three-valued logic for every combination."""
    specs = {n: FactSpec(n, FactType.BOOLEAN, "A boolean fact.") for n in "abc"}
    facts = {k: v for k, v in {"a": a, "b": b, "c": c}.items() if v is not None}
    leaves = [{"fact": n, "eq": True} for n in "abc"]
    vals = [a, b, c]
    all_t, _ = compile_condition({"all": leaves}, specs).evaluate(facts)
    any_t, _ = compile_condition({"any": leaves}, specs).evaluate(facts)
    exp_all = False if False in vals else (None if None in vals else True)
    exp_any = True if True in vals else (None if None in vals else False)
    assert all_t is exp_all
    assert any_t is exp_any
    # De Morgan holds in Kleene logic: not(all(x)) == any(not x)
    nall, _ = compile_condition({"not": {"all": leaves}}, specs).evaluate(facts)
    anyn, _ = compile_condition({"any": [{"not": leaf} for leaf in leaves]}, specs).evaluate(facts)
    assert nall is anyn


@given(a=_bool_fact, b=_bool_fact)
def test_unknown_result_always_names_a_missing_fact(a: bool | None, b: bool | None) -> None:
    """Whenever the outcome is unknown, at least one missing fact is named (data needed)."""
    specs = {n: FactSpec(n, FactType.BOOLEAN, "A boolean fact.") for n in "ab"}
    facts = {k: v for k, v in {"a": a, "b": b}.items() if v is not None}
    for kind in ("all", "any"):
        truth, missing = compile_condition(
            {kind: [{"fact": "a", "eq": True}, {"fact": "b", "eq": True}]}, specs
        ).evaluate(facts)
        if truth is None:
            assert missing
            assert missing <= {"a", "b"} - set(facts)


def test_supporting_findings_are_the_comparisons_in_favour() -> None:
    """Supporting findings list what spoke for the outcome, not the 'no' answers also read."""
    tree = {
        "all": [
            {"any": [{"fact": "fever", "eq": True}, {"fact": "age", "gt": 50}]},
            {"not": {"fact": "trauma", "eq": "major"}},
        ]
    }
    cond = compile_condition(tree, SPECS)
    facts = {"fever": False, "age": 70, "trauma": "none"}
    assert cond.evaluate(facts)[0] is True
    # age spoke for it; trauma=none counts (false under a not); fever=False did not.
    assert cond.supporting(facts) == {"age": 70, "trauma": "none"}
