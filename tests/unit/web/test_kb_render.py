"""Rule conditions and outcomes as clinician-readable text (``spinecare.web.clinic.kb_render``)."""

from __future__ import annotations

from spinecare.core.facts import FactSpec, FactType
from spinecare.web.clinic.kb_render import (
    ConditionLine,
    category_sort_key,
    category_title,
    comparison_text,
    condition_lines,
    then_items,
    words,
)

FACTS = {
    "age": FactSpec("age", FactType.INTEGER, "Age in whole years.", unit="years"),
    "fever": FactSpec("fever", FactType.BOOLEAN, "Fever or rigors with this episode."),
    "temperature_c": FactSpec("temperature_c", FactType.NUMBER, "Body temperature.", unit="Cel"),
    "sex": FactSpec("sex", FactType.ENUM, "Sex.", allowed=("female", "male", "other")),
    "pain_sites": FactSpec(
        "pain_sites", FactType.SET, "Where it hurts.", allowed=("axial", "below_knee", "foot")
    ),
    "fabq_score": FactSpec("fabq_score", FactType.NUMBER, "FABQ work subscale."),
}


def _texts(line: ConditionLine) -> list[object]:
    """The tree as nested lists of texts, for compact assertions."""
    if not line.children:
        return [line.text]
    return [line.text, [_texts(child) for child in line.children]]


def test_boolean_comparisons_read_yes_or_no() -> None:
    assert comparison_text("fever", "eq", True, FACTS["fever"]) == "Fever: yes"
    assert comparison_text("fever", "eq", False, FACTS["fever"]) == "Fever: no"
    assert comparison_text("fever", "ne", True, FACTS["fever"]) == "Fever: not yes"


def test_numeric_comparisons_use_symbols_and_units() -> None:
    assert comparison_text("age", "gt", 50, FACTS["age"]) == "Age > 50 years"
    assert comparison_text("age", "ge", 18, FACTS["age"]) == "Age ≥ 18 years"
    assert comparison_text("age", "le", 35, FACTS["age"]) == "Age ≤ 35 years"
    assert comparison_text("temperature_c", "lt", 38.0, FACTS["temperature_c"]) == (
        "Temperature < 38 °C"
    )
    assert comparison_text("temperature_c", "known", True, FACTS["temperature_c"]) == (
        "Temperature is recorded"
    )
    assert comparison_text("fabq_score", "lt", 19, FACTS["fabq_score"]) == "Fabq score < 19"
    assert comparison_text("age", "eq", 40, FACTS["age"]) == "Age is 40 years"


def test_list_and_set_comparisons_name_the_values() -> None:
    assert comparison_text("sex", "in", ["male", "other"], FACTS["sex"]) == (
        "Sex is one of: male, other"
    )
    assert comparison_text("sex", "not_in", ["female"], FACTS["sex"]) == "Sex is none of: female"
    assert comparison_text("sex", "eq", "female", FACTS["sex"]) == "Sex is female"
    assert comparison_text("sex", "ne", "female", FACTS["sex"]) == "Sex is not female"
    pain = FACTS["pain_sites"]
    assert comparison_text("pain_sites", "contains", "axial", pain) == "Pain sites includes axial"
    assert comparison_text("pain_sites", "contains_any", ["below_knee", "foot"], pain) == (
        "Pain sites includes any of: below knee, foot"
    )
    assert comparison_text("pain_sites", "contains_all", ["axial"], pain) == (
        "Pain sites includes all of: axial"
    )


def test_known_reads_recorded() -> None:
    assert comparison_text("fever", "known", True, FACTS["fever"]) == "Fever is recorded"
    assert comparison_text("fever", "known", False, FACTS["fever"]) == "Fever is not recorded"


def test_undeclared_fact_still_reads() -> None:
    assert comparison_text("mystery_flag", "eq", True, None) == "Mystery flag: yes"


def test_nested_tree_reads_as_nested_lists() -> None:
    tree = {
        "all": [
            {"at_least": 2, "of": [{"fact": "age", "gt": 50}, {"fact": "fever", "eq": True}]},
            {"any": [{"fact": "sex", "in": ["male"]}, {"fact": "pain_sites", "contains": "foot"}]},
            {"not": {"any": [{"fact": "fever", "known": False}]}},
            {"not": {"all": [{"fact": "age", "lt": 18}]}},
            {"not": {"fact": "fever", "eq": True}},
        ]
    }

    line = condition_lines(tree, FACTS)

    assert _texts(line) == [
        "all of:",
        [
            ["at least 2 of:", [["Age > 50 years"], ["Fever: yes"]]],
            ["any of:", [["Sex is one of: male"], ["Pain sites includes foot"]]],
            ["none of:", [["Fever is not recorded"]]],
            ["not all of:", [["Age < 18 years"]]],
            ["not:", [["Fever: yes"]]],
        ],
    ]
    assert line.is_group


def test_definition_is_given_once_per_rule() -> None:
    tree = {"all": [{"fact": "fever", "known": True}, {"fact": "fever", "eq": True}]}

    first, second = condition_lines(tree, FACTS).children

    assert first.definition == "Fever or rigors with this episode."
    assert first.fact == "fever"
    assert second.definition == ""


def test_single_comparison_is_a_leaf() -> None:
    line = condition_lines({"fact": "age", "ge": 65}, FACTS)

    assert (line.text, line.definition, line.is_group) == (
        "Age ≥ 65 years",
        "Age in whole years.",
        False,
    )


def test_then_items_in_reading_order() -> None:
    then = {
        "summary": "Suspected cauda equina syndrome",
        "flag": "cauda-equina-syndrome",
        "urgency": "emergency",
        "action": "Same-day   emergency\nassessment.",
        "custom_key": ["a_b", "c"],
    }

    items = [(i.label, i.value) for i in then_items(then, FACTS)]

    assert items == [
        ("Action", "Same-day emergency assessment."),
        ("Urgency", "Emergency"),
        ("Red flag", "cauda-equina-syndrome"),
        ("Custom key", "a b, c"),
    ]


def test_then_set_reads_as_the_facts_it_sets() -> None:
    items = then_items({"summary": "x", "set": {"fever": True, "age": 70}}, FACTS)

    assert [(i.label, i.value) for i in items] == [("Sets", "Fever: yes; Age is 70 years")]


def test_category_titles_and_order() -> None:
    assert category_title("red_flag") == "Red flags"
    assert category_title("something_new") == "Something new"
    cats = sorted(
        ["zeta", "derivation", "red_flag", "alpha", "imaging_variant"], key=category_sort_key
    )
    assert cats == ["red_flag", "imaging_variant", "derivation", "alpha", "zeta"]


def test_words() -> None:
    assert words("expert-opinion") == "Expert opinion"
    assert words("not_graded") == "Not graded"
