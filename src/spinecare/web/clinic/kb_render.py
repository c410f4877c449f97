"""Knowledge-base rules as text a clinician can read: pure functions, no Django, no I/O.

``condition_lines`` turns a rule's condition tree (``all``/``any``/``not``/``at_least`` over fact
comparisons) into nested lines such as "any of:" → "Urinary retention: yes". Leaves carry the
fact's declared definition so that the page can show what the fact means, and numbers carry
the fact's unit. ``then_items`` lists what a rule proposes, and ``category_title`` names a rule
category for a heading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spinecare.core.facts import FactSpec, FactType

CATEGORY_TITLES: dict[str, str] = {
    "red_flag": "Red flags",
    "imaging_variant": "Imaging: ACR clinical variants",
    "imaging_statement": "Imaging advice",
    "stratification": "Risk stratification",
    "diagnosis": "Diagnosis",
    "diagnosis_against": "Diagnosis: findings against",
    "classification": "Treatment-based classification",
    "derivation": "Derived facts",
}
# Categories in the order a clinician meets them; any other category follows, alphabetically.
CATEGORY_ORDER = tuple(CATEGORY_TITLES)

# UCUM units as written in the fact files → as a clinician writes them.
UNIT_TEXT: dict[str, str] = {"Cel": "°C", "mL/min/1.73m2": "mL/min/1.73 m²", "m": "metres"}

_COMPARISON_SYMBOLS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}
_LIST_PHRASES = {
    "in": "is one of",
    "not_in": "is none of",
    "contains_any": "includes any of",
    "contains_all": "includes all of",
}

# Keys of a rule's ``then`` shown by name, in this order; others follow in file order.
THEN_LABELS: dict[str, str] = {
    "action": "Action",
    "urgency": "Urgency",
    "flag": "Red flag",
    "diagnosis": "Diagnosis",
    "likelihood": "Likelihood",
    "classification": "Classification",
    "direction": "Direction",
    "risk_group": "Risk group",
    "matched_care": "Matched care",
    "acr_variant": "ACR variant",
    "caveat": "Caveat",
    "set": "Sets",
}


@dataclass(frozen=True, slots=True)
class ConditionLine:
    """One line of a condition: a group heading ("all of:") with children, or a comparison."""

    text: str
    definition: str = ""
    fact: str = ""
    children: tuple[ConditionLine, ...] = field(default=())

    @property
    def is_group(self) -> bool:
        return bool(self.children)


@dataclass(frozen=True, slots=True)
class ThenItem:
    label: str
    value: str


def words(code: object) -> str:
    """``expert-opinion`` → ``Expert opinion``: a code from the KB as words."""
    text = str(code).replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def humanise(code: object) -> str:
    """``below_knee`` → ``below knee``; ``True`` → ``yes``."""
    if isinstance(code, bool):
        return "yes" if code else "no"
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code).replace("_", " ")


# Name endings that only repeat the unit: ``symptom_duration_days < 16 days`` reads
# ``Symptom duration < 16 days``.
_UNIT_SUFFIXES = ("_c", "_deg", "_m", "_cm", "_kg", "_days", "_weeks", "_minutes", "_years")


def fact_label(name: str, *, has_unit: bool = False) -> str:
    """``saddle_anaesthesia`` → ``Saddle anaesthesia``; a unit ending goes if a unit follows."""
    if has_unit:
        for suffix in _UNIT_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name.removesuffix(suffix)
                break
    text = humanise(name)
    return text[:1].upper() + text[1:]


def unit_text(unit: str | None) -> str:
    if not unit:
        return ""
    return UNIT_TEXT.get(unit, unit)


def category_title(category: str) -> str:
    return CATEGORY_TITLES.get(category) or fact_label(category)


def category_sort_key(category: str) -> tuple[int, str]:
    try:
        return (CATEGORY_ORDER.index(category), category)
    except ValueError:
        return (len(CATEGORY_ORDER), category)


def condition_lines(
    tree: Mapping[str, Any], facts: Mapping[str, FactSpec], *, _defined: set[str] | None = None
) -> ConditionLine:
    """The condition tree as a ``ConditionLine`` tree; unknown shapes are shown as they are.

    A fact's definition is given once per tree, at its first comparison.
    """
    defined: set[str] = set() if _defined is None else _defined
    if "fact" in tree:
        return _leaf(tree, facts, defined)
    if "all" in tree:
        return ConditionLine("all of:", children=_children(tree["all"], facts, defined))
    if "any" in tree:
        return ConditionLine("any of:", children=_children(tree["any"], facts, defined))
    if "at_least" in tree:
        n = tree["at_least"]
        return ConditionLine(
            f"at least {n} of:", children=_children(tree.get("of", []), facts, defined)
        )
    if "not" in tree:
        inner = tree["not"]
        if isinstance(inner, Mapping) and "any" in inner:
            return ConditionLine("none of:", children=_children(inner["any"], facts, defined))
        if isinstance(inner, Mapping) and "all" in inner:
            return ConditionLine("not all of:", children=_children(inner["all"], facts, defined))
        return ConditionLine("not:", children=(condition_lines(inner, facts, _defined=defined),))
    return ConditionLine(str(dict(tree)))


def _children(
    items: object, facts: Mapping[str, FactSpec], defined: set[str]
) -> tuple[ConditionLine, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(
        condition_lines(item, facts, _defined=defined)
        for item in items
        if isinstance(item, Mapping)
    )


def _leaf(
    tree: Mapping[str, Any], facts: Mapping[str, FactSpec], defined: set[str]
) -> ConditionLine:
    name = str(tree["fact"])
    spec = facts.get(name)
    ops = [k for k in tree if k != "fact"]
    op = ops[0] if ops else ""
    value = tree.get(op)
    text = comparison_text(name, op, value, spec)
    definition = spec.definition if spec is not None and name not in defined else ""
    defined.add(name)
    return ConditionLine(text, definition=definition, fact=name)


def comparison_text(name: str, op: str, value: object, spec: FactSpec | None) -> str:
    """One comparison in words: ``Age > 50 years``, ``Fever: yes``, ``Sex is one of: male, other``."""
    unit = unit_text(spec.unit if spec else None)
    label = fact_label(name, has_unit=bool(unit))
    is_boolean = spec is not None and spec.type is FactType.BOOLEAN
    if op == "known":
        return f"{label} is recorded" if value else f"{label} is not recorded"
    if op == "eq":
        if is_boolean or isinstance(value, bool):
            return f"{label}: {humanise(value)}"
        return f"{label} is {_value(value, unit)}"
    if op == "ne":
        if is_boolean or isinstance(value, bool):
            return f"{label}: not {humanise(value)}"
        return f"{label} is not {_value(value, unit)}"
    if op in _COMPARISON_SYMBOLS:
        return f"{label} {_COMPARISON_SYMBOLS[op]} {_value(value, unit)}"
    if op == "contains":
        return f"{label} includes {humanise(value)}"
    if op in _LIST_PHRASES:
        values = value if isinstance(value, list | tuple) else [value]
        listed = ", ".join(humanise(v) for v in values)
        return f"{label} {_LIST_PHRASES[op]}: {listed}"
    return f"{label} {op} {humanise(value)}".strip()


def _value(value: object, unit: str) -> str:
    text = humanise(value)
    return f"{text} {unit}" if unit else text


def then_items(then: Mapping[str, Any], facts: Mapping[str, FactSpec]) -> list[ThenItem]:
    """What a rule proposes, except its ``summary`` (shown as the heading of the Then part)."""
    keys = [k for k in THEN_LABELS if k in then]
    keys += [k for k in then if k not in THEN_LABELS and k != "summary"]
    items = []
    for key in keys:
        value = then[key]
        if key == "set" and isinstance(value, Mapping):
            shown = "; ".join(
                comparison_text(str(name), "eq", v, facts.get(str(name)))
                for name, v in value.items()
            )
        elif key == "urgency":
            shown = fact_label(str(value))
        elif isinstance(value, str) and key in ("action", "matched_care", "caveat"):
            shown = " ".join(value.split())
        elif isinstance(value, list | tuple):
            shown = ", ".join(humanise(v) for v in value)
        else:
            shown = humanise(value)
        items.append(ThenItem(label=THEN_LABELS.get(key) or fact_label(str(key)), value=shown))
    return items
