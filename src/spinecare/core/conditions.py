"""The condition language: an all/any/not/at_least tree over declared, typed facts.

A condition is compiled once, when the knowledge base loads, into a plain Python callable.
Evaluation uses three-valued (Kleene) logic: a comparison on a fact that is not known is
*unknown*, and the result carries the names of the missing facts the outcome hinges on, so
that callers can ask for exactly the data needed instead of reading unknown as false.

Shapes (YAML)::

    {all: [c1, c2, ...]}          true if every c is true; false if any is false
    {any: [c1, c2, ...]}          true if any c is true; false if every c is false
    {not: c}
    {at_least: 4, of: [c1, ...]}  true if at least 4 are true; false if that can no longer happen
    {fact: name, OP: value}       OP is one of the operators below
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from spinecare.core.errors import ConditionError
from spinecare.core.facts import NUMERIC_TYPES, Facts, FactSpec, FactType, FactValue
from spinecare.core.text import did_you_mean

Truth = bool | None  # None is "unknown"
Outcome = tuple[Truth, frozenset[str]]  # (truth, the missing facts it hinges on)
Evaluator = Callable[[Facts], Outcome]

NO_MISSING: frozenset[str] = frozenset()
_TRUE: Outcome = (True, NO_MISSING)
_FALSE: Outcome = (False, NO_MISSING)

_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
_EQUALITY_OPS = ("eq", "ne")
_MEMBER_OPS = ("in", "not_in")
_SET_OPS = ("contains", "contains_any", "contains_all")
OPERATORS = (*_EQUALITY_OPS, *_ORDER_OPS, *_MEMBER_OPS, *_SET_OPS, "known")
_BRANCH_KEYS = ("all", "any", "not", "at_least")


@dataclass(frozen=True, slots=True)
class Leaf:
    """One comparison of a condition, and whether it sits under an odd number of ``not``."""

    fact: str
    evaluate: Evaluator
    negated: bool


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled condition: call ``evaluate(facts)``; ``facts`` lists every fact it reads."""

    evaluate: Evaluator
    facts: frozenset[str]
    source: Mapping[str, Any]
    leaves: tuple[Leaf, ...] = ()

    def supporting(self, facts: Facts) -> dict[str, FactValue]:
        """The findings that speak *for* the outcome: facts of comparisons that came out
        true (or false under a ``not``). A rule that fired shows these, not every fact it read
        (a "no" it checked to rule something out is not a finding in its favour).
        """
        out: dict[str, FactValue] = {}
        for leaf in self.leaves:
            truth, _ = leaf.evaluate(facts)
            if truth is not None and truth is not leaf.negated and leaf.fact in facts:
                out[leaf.fact] = facts[leaf.fact]
        return out


def compile_condition(
    tree: object, specs: Mapping[str, FactSpec], *, path: str = "when"
) -> Condition:
    """Compile a condition tree; raise ``ConditionError`` naming the key path on any problem."""
    used: set[str] = set()
    leaves: list[Leaf] = []
    evaluate = _compile(tree, specs, path, used, leaves, negated=False)
    source = tree if isinstance(tree, Mapping) else {}
    return Condition(evaluate=evaluate, facts=frozenset(used), source=source, leaves=tuple(leaves))


def _compile(
    tree: object,
    specs: Mapping[str, FactSpec],
    path: str,
    used: set[str],
    leaves: list[Leaf],
    *,
    negated: bool,
) -> Evaluator:
    if not isinstance(tree, Mapping):
        raise ConditionError("a condition must be a mapping", field=path)
    keys = set(tree)
    if "fact" in keys:
        leaf = _compile_leaf(tree, specs, path, used)
        leaves.append(Leaf(str(tree["fact"]), leaf, negated))
        return leaf
    branch = [k for k in _BRANCH_KEYS if k in keys]
    if len(branch) != 1:
        raise ConditionError(
            f"expected exactly one of {', '.join(_BRANCH_KEYS)} or a 'fact' comparison, "
            f"got keys {', '.join(sorted(map(str, keys))) or '(none)'}",
            field=path,
        )
    kind = branch[0]
    if kind == "not":
        if keys != {"not"}:
            raise ConditionError("'not' takes no other keys", field=path)
        inner = _compile(tree["not"], specs, f"{path}.not", used, leaves, negated=not negated)
        return _negate(inner)
    if kind == "at_least":
        if keys != {"at_least", "of"}:
            raise ConditionError("'at_least' needs exactly the keys at_least and of", field=path)
        n = tree["at_least"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConditionError("'at_least' must be a whole number ≥ 1", field=f"{path}.at_least")
        children = _compile_list(tree["of"], specs, f"{path}.of", used, leaves, negated=negated)
        if n > len(children):
            raise ConditionError(
                f"'at_least: {n}' can never be met by {len(children)} conditions", field=path
            )
        return _at_least(n, children)
    if keys != {kind}:
        raise ConditionError(f"'{kind}' takes no other keys", field=path)
    children = _compile_list(tree[kind], specs, f"{path}.{kind}", used, leaves, negated=negated)
    return _all(children) if kind == "all" else _any(children)


def _compile_list(
    items: object,
    specs: Mapping[str, FactSpec],
    path: str,
    used: set[str],
    leaves: list[Leaf],
    *,
    negated: bool,
) -> list[Evaluator]:
    if not isinstance(items, list) or not items:
        raise ConditionError("must be a non-empty list of conditions", field=path)
    return [
        _compile(item, specs, f"{path}.{i}", used, leaves, negated=negated)
        for i, item in enumerate(items)
    ]


def _compile_leaf(
    tree: Mapping[str, Any], specs: Mapping[str, FactSpec], path: str, used: set[str]
) -> Evaluator:
    name = tree["fact"]
    if not isinstance(name, str):
        raise ConditionError("'fact' must be a fact name", field=f"{path}.fact")
    spec = specs.get(name)
    if spec is None:
        raise ConditionError(
            f"unknown fact '{name}'{did_you_mean(name, specs)}", field=f"{path}.fact"
        )
    ops = [k for k in tree if k != "fact"]
    if len(ops) != 1 or ops[0] not in OPERATORS:
        raise ConditionError(
            f"a comparison needs exactly one operator out of {', '.join(OPERATORS)}, "
            f"got {', '.join(map(str, ops)) or '(none)'}",
            field=path,
        )
    op = ops[0]
    value = tree[op]
    used.add(name)
    _check_operand(spec, op, value, f"{path}.{op}")
    return _leaf(name, op, value, spec)


def _check_operand(spec: FactSpec, op: str, value: object, path: str) -> None:
    t = spec.type
    if op == "known":
        if not isinstance(value, bool):
            raise ConditionError("'known' takes true or false", field=path)
        return
    if op in _SET_OPS:
        if t is not FactType.SET:
            raise ConditionError(
                f"'{op}' only applies to set facts; '{spec.name}' is {t}", field=path
            )
        values = [value] if op == "contains" else value
        if not isinstance(values, list) or not values:
            raise ConditionError(f"'{op}' takes a non-empty list", field=path)
        _check_members(spec, values, path)
        return
    if t is FactType.SET:
        raise ConditionError(
            f"'{spec.name}' is a set fact; use contains, contains_any or contains_all", field=path
        )
    if op in _ORDER_OPS:
        if t not in NUMERIC_TYPES:
            raise ConditionError(f"'{op}' needs a numeric fact; '{spec.name}' is {t}", field=path)
        _check_scalar(spec, value, path)
        return
    if op in _MEMBER_OPS:
        if not isinstance(value, list) or not value:
            raise ConditionError(f"'{op}' takes a non-empty list", field=path)
        for i, v in enumerate(value):
            _check_scalar(spec, v, f"{path}.{i}")
        return
    _check_scalar(spec, value, path)


def _check_scalar(spec: FactSpec, value: object, path: str) -> None:
    problem = spec.check_value(value)
    if problem:
        raise ConditionError(
            f"value {value!r} does not fit fact '{spec.name}': {problem}", field=path
        )


def _check_members(spec: FactSpec, values: list[object], path: str) -> None:
    bad = [v for v in values if v not in spec.allowed_set]
    if bad:
        raise ConditionError(
            f"value(s) {', '.join(map(repr, bad))} not allowed for '{spec.name}'; "
            f"allowed: {', '.join(spec.allowed)}",
            field=path,
        )


def _leaf(name: str, op: str, value: Any, spec: FactSpec) -> Evaluator:
    missing: Outcome = (None, frozenset({name}))
    if op == "known":
        want: bool = value

        def known(facts: Facts) -> Outcome:
            return _TRUE if (name in facts) is want else _FALSE

        return known
    test: Callable[[FactValue], bool]
    if op == "eq":
        test = value.__eq__ if not isinstance(value, int | float) else (lambda v: v == value)
    elif op == "ne":
        test = lambda v: v != value  # noqa: E731
    elif op in _ORDER_OPS:
        cmp = _ORDER_OPS[op]
        test = lambda v: cmp(v, value)  # noqa: E731
    elif op in _MEMBER_OPS:
        members = frozenset(value)
        test = members.__contains__ if op == "in" else (lambda v: v not in members)
    elif op == "contains":
        test = lambda v: value in v  # type: ignore[operator]  # noqa: E731
    elif op == "contains_any":
        wanted = frozenset(value)
        test = lambda v: not wanted.isdisjoint(v)  # type: ignore[arg-type]  # noqa: E731
    else:  # contains_all
        wanted = frozenset(value)
        test = lambda v: wanted <= v  # type: ignore[operator]  # noqa: E731

    def leaf(facts: Facts) -> Outcome:
        v = facts.get(name)
        if v is None:
            return missing
        return _TRUE if test(v) else _FALSE

    return leaf


def _negate(inner: Evaluator) -> Evaluator:
    def negate(facts: Facts) -> Outcome:
        truth, missing = inner(facts)
        return (None if truth is None else not truth, missing)

    return negate


def _all(children: list[Evaluator]) -> Evaluator:
    def all_(facts: Facts) -> Outcome:
        missing: frozenset[str] = NO_MISSING
        unknown = False
        for child in children:
            truth, m = child(facts)
            if truth is False:
                return _FALSE
            if truth is None:
                unknown = True
                missing = missing | m
        return (None, missing) if unknown else _TRUE

    return all_


def _any(children: list[Evaluator]) -> Evaluator:
    def any_(facts: Facts) -> Outcome:
        missing: frozenset[str] = NO_MISSING
        unknown = False
        for child in children:
            truth, m = child(facts)
            if truth is True:
                return _TRUE
            if truth is None:
                unknown = True
                missing = missing | m
        return (None, missing) if unknown else _FALSE

    return any_


def _at_least(n: int, children: list[Evaluator]) -> Evaluator:
    total = len(children)

    def at_least(facts: Facts) -> Outcome:
        true = false = 0
        missing: frozenset[str] = NO_MISSING
        for child in children:
            truth, m = child(facts)
            if truth is True:
                true += 1
                if true >= n:
                    return _TRUE
            elif truth is False:
                false += 1
                if total - false < n:
                    return _FALSE
            else:
                missing = missing | m
        return (None, missing)

    return at_least
