"""Fact values are checked against their declarations."""

from __future__ import annotations

import pytest

from spinecare.core.errors import UserError
from spinecare.core.facts import FactSpec, FactType, normalise_facts

SPECS = {
    "age": FactSpec("age", FactType.INTEGER, "Age in years.", minimum=0, maximum=120),
    "egfr": FactSpec("egfr", FactType.NUMBER, "eGFR."),
    "sites": FactSpec("sites", FactType.SET, "Pain sites.", allowed=("axial", "foot")),
}


def test_normalise_drops_unknown_and_converts() -> None:
    """None means unknown and is dropped; sets become frozensets; numbers become floats."""
    out = normalise_facts(SPECS, {"age": None, "egfr": 40, "sites": ["foot"]})
    assert out == {"egfr": 40.0, "sites": frozenset({"foot"})}


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"agee": 3}, "agee", "did you mean 'age'"),
        ({"age": "3"}, "age", "must be a number"),
        ({"age": 3.5}, "age", "whole number"),
        ({"age": True}, "age", "must be a number"),
        ({"age": -1}, "age", "at least 0"),
        ({"sites": ["knee"]}, "sites", "unknown value(s) knee"),
        ({"sites": "foot"}, "sites", "list of values"),
    ],
)
def test_bad_values_name_the_fact(raw: dict[str, object], field: str, message: str) -> None:
    """A bad value raises a UserError naming the fact and the rule it breaks."""
    with pytest.raises(UserError) as info:
        normalise_facts(SPECS, raw)
    assert info.value.field == field
    assert message in info.value.message
