"""The data model of a validated questionnaire ("instrument"), as loaded from the KB.

Everything that differs between instruments (option scores, which items make up which scale,
how a scale is computed, how much may be missing, bands, classification, flags) is data here;
``scoring`` holds one generic algorithm and no instrument-specific branches.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from spinecare.core.knowledge_base import Citation
from spinecare.core.text import did_you_mean


class Method(StrEnum):
    """How a scale turns item scores into a value."""

    SUM = "sum"  # sum of item scores
    MEAN = "mean"  # mean of the answered items' scores
    PERCENT_OF_MAX = "percent_of_max"  # sum ÷ (sum of the answered items' maxima) × 100
    COUNT = "count"  # number of items scoring above 0 (e.g. statements ticked)


COMPARATORS: Mapping[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
}


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    score: int


@dataclass(frozen=True, slots=True)
class Item:
    """One question. ``text`` is the licensed wording, present only where we may ship it."""

    key: str
    label: str
    options: tuple[Option, ...]
    text: str | None = None

    @property
    def max_score(self) -> int:
        return max(o.score for o in self.options)

    @property
    def min_score(self) -> int:
        return min(o.score for o in self.options)

    @property
    def scores(self) -> frozenset[int]:
        return frozenset(o.score for o in self.options)

    def problems(self) -> list[tuple[str, str]]:
        """Invariants of an item definition, as (relative key, message) pairs."""
        out: list[tuple[str, str]] = []
        scores = [o.score for o in self.options]
        if len(scores) < 2 or any(b < a for a, b in pairwise(scores)) or len(set(scores)) < 2:
            out.append(("options", f"scores {scores} must rise (or stay level), not all equal"))
        if len({o.label for o in self.options}) != len(self.options):
            out.append(("options", "option labels must be unique within an item"))
        stems = [w[:4] for w in self.key.split("_") if len(w) >= 3]
        if stems and not any(stem in self.label.lower() for stem in stems):
            out.append(
                ("label", f"'{self.label}' does not match key '{self.key}' (id/label drift)")
            )
        return out


@dataclass(frozen=True, slots=True)
class Band:
    """A labelled score range of a scale; ``min``/``max`` are inclusive, as published.

    A score falls in the band with the greatest ``min`` not above it, so a non-integer score
    between one band's ``max`` and the next band's ``min`` (e.g. 20.5) stays in the lower band.
    """

    label: str
    min: float
    max: float
    interpretation: str = ""


def band_problems(bands: Sequence[Band], lo: float, hi: float) -> list[tuple[str, str]]:
    """Bands must run in order from ``lo`` to ``hi`` without overlaps or gaps wider than 1."""
    out: list[tuple[str, str]] = []
    if bands and bands[0].min != lo:
        out.append(("0.min", f"the first band must start at the scale minimum {lo:g}"))
    if bands and bands[-1].max != hi:
        out.append((f"{len(bands) - 1}.max", f"the last band must end at the scale maximum {hi:g}"))
    for k, band in enumerate(bands):
        if band.min > band.max:
            out.append((f"{k}", f"min {band.min:g} is above max {band.max:g}"))
        if k and band.min <= bands[k - 1].max:
            out.append((f"{k}.min", f"overlaps the band before (ending at {bands[k - 1].max:g})"))
        elif k and band.min - bands[k - 1].max > 1:
            out.append((f"{k}.min", f"leaves a gap after the band ending at {bands[k - 1].max:g}"))
    return out


def natural_range(method: Method, items: Sequence[Item]) -> tuple[float, float] | None:
    """The range ``method`` gives over ``items``; None if it needs lowest scores of 0."""
    lows = [i.min_score for i in items]
    highs = [i.max_score for i in items]
    if method is Method.SUM:
        return float(sum(lows)), float(sum(highs))
    if method is Method.MEAN:
        return sum(lows) / len(lows), sum(highs) / len(highs)
    if any(lows):
        return None
    return (0.0, 100.0) if method is Method.PERCENT_OF_MAX else (0.0, float(len(items)))


@dataclass(frozen=True, slots=True)
class Scale:
    id: str
    label: str
    items: tuple[str, ...]
    method: Method
    min: float
    max: float
    max_missing: int = 0  # unanswered items tolerated in this scale
    missing_as: int | None = None  # score given to an unanswered item (None: leave it out)
    decimals: int = 0  # reported precision; bands and classification use the unrounded value
    bands: tuple[Band, ...] = ()

    def problems(self, items: Mapping[str, Item]) -> list[tuple[str, str]]:
        """Invariants of a scale definition over the instrument's items (relative key, message)."""
        out: list[tuple[str, str]] = []
        for j, key in enumerate(self.items):
            if key not in items:
                out.append((f"items.{j}", f"no item '{key}'{did_you_mean(key, items)}"))
            elif key in self.items[:j]:
                out.append((f"items.{j}", f"item '{key}' is listed twice"))
        if out:
            return out
        members = [items[k] for k in self.items]
        if not all(i.options for i in members):
            return out  # the item's own problem is reported; nothing to check the scale against
        if self.max_missing >= len(members):
            out.append(("max_missing", "must leave at least one item to answer"))
        lenient = self.method in (Method.SUM, Method.COUNT) and self.max_missing
        if lenient and self.missing_as is None:
            out.append(("missing_as", "a sum or count that allows missing items needs it"))
        if self.missing_as is not None and any(self.missing_as not in i.scores for i in members):
            out.append(("missing_as", f"{self.missing_as} is not a score of every item"))
        expected = natural_range(self.method, members)
        if expected is None:
            out.append(("method", f"'{self.method}' needs every item's lowest score to be 0"))
        elif (self.min, self.max) != expected:
            got = f"{expected[0]:g}–{expected[1]:g}"
            out.append(("range", f"does not match the items: '{self.method}' gives {got}"))
        return out + [
            (f"bands.{k}", msg) for k, msg in band_problems(self.bands, self.min, self.max)
        ]

    def band_for(self, value: float) -> Band | None:
        found: Band | None = None
        for band in self.bands:
            if band.min <= value:
                found = band
        return found


@dataclass(frozen=True, slots=True)
class Condition:
    """``scale OP value``, e.g. ``psychosocial ge 4``."""

    scale: str
    op: str
    value: float

    def holds(self, values: Mapping[str, float]) -> bool:
        return COMPARATORS[self.op](values[self.scale], self.value)


@dataclass(frozen=True, slots=True)
class ClassRule:
    """One outcome of a classification; it applies when all its conditions hold."""

    label: str
    when: tuple[Condition, ...]
    interpretation: str = ""


@dataclass(frozen=True, slots=True)
class Classification:
    """Ordered rules; the first whose conditions all hold wins (the last has none)."""

    id: str
    label: str
    rules: tuple[ClassRule, ...]

    def classify(self, values: Mapping[str, float]) -> ClassRule:
        for rule in self.rules:
            if all(c.holds(values) for c in rule.when):
                return rule
        raise AssertionError("the parser guarantees a final rule without conditions")


@dataclass(frozen=True, slots=True)
class Flag:
    """A note added to the interpretation when all its conditions hold."""

    id: str
    when: tuple[Condition, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Mic:
    """Minimal important change of the primary scale: absolute points and/or % of baseline."""

    points: float | None
    percent: float | None
    cites: tuple[Citation, ...] = ()
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Licence:
    status: str
    holder: str
    item_text_shipped: bool
    notes: str = ""
    attribution: str = ""


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    version: str
    note: str
    date: str | None = None


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    name: str
    short_name: str
    status: str
    description: str
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    score_scale: str  # id of the scale reported as ``score``
    licence: Licence
    cites: tuple[Citation, ...]
    classification: Classification | None = None
    flags: tuple[Flag, ...] = ()
    mic: Mic | None = None
    instructions: str | None = None
    changelog: tuple[ChangeEntry, ...] = ()
    source_file: str = ""
    _item_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_item_index", {it.key: i for i, it in enumerate(self.items)})

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def item_position(self, key: str) -> int | None:
        return self._item_index.get(key)

    def scale(self, scale_id: str) -> Scale:
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(scale_id)

    @property
    def primary(self) -> Scale:
        return self.scale(self.score_scale)
