"""Generic scoring of any instrument described by ``model.Instrument``.

``score(instrument, answers)`` takes one 0-based option index per item in form order (``None``
for unanswered) and returns an ``InstrumentResult``. Bad input raises ``UserError`` naming the
item (``items.<key>``) or ``answers`` for a wrong count. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from spinecare.core.errors import UserError
from spinecare.core.instruments.model import Instrument, Item, Method, Mic, Scale
from spinecare.core.text import did_you_mean

Number = int | float


@dataclass(frozen=True, slots=True)
class InstrumentResult:
    """The outcome of scoring one completed questionnaire.

    ``score`` is the instrument's primary scale, rounded for reporting; ``risk_group`` holds the
    instrument's classification outcome where it defines one (STarT Back risk group, PHQ-2 /
    GAD-2 screen result), named by ``classification_id``.
    """

    instrument: str
    version: str
    score: Number
    score_scale: str
    subscales: dict[str, Number]
    scales: dict[str, Number]
    band: str | None
    risk_group: str | None
    classification_id: str | None
    interpretation: str
    answered: int
    missing_items: tuple[str, ...]
    mic: Mic | None
    flags: tuple[str, ...] = ()
    item_scores: dict[str, int | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        mic = None
        if self.mic is not None:
            mic = {"points": self.mic.points, "percent": self.mic.percent}
        classification = None
        if self.classification_id is not None:
            classification = {"id": self.classification_id, "label": self.risk_group}
        return {
            "instrument": self.instrument,
            "version": self.version,
            "score": self.score,
            "score_scale": self.score_scale,
            "subscales": dict(self.subscales),
            "scales": dict(self.scales),
            "band": self.band,
            "risk_group": self.risk_group,
            "classification": classification,
            "flags": list(self.flags),
            "interpretation": self.interpretation,
            "answered": self.answered,
            "missing_items": list(self.missing_items),
            "item_scores": dict(self.item_scores),
            "mic": mic,
        }


def score_mapping(instrument: Instrument, answers: Mapping[str, int | None]) -> InstrumentResult:
    """Score answers given by item key; keys left out are unanswered."""
    keys = [item.key for item in instrument.items]
    for key in answers:
        if instrument.item_position(key) is None:
            raise UserError(
                f"{instrument.short_name} has no item '{key}'{did_you_mean(key, keys)}",
                field=f"items.{key}",
            )
    return score(instrument, [answers.get(key) for key in keys])


def score(instrument: Instrument, answers: Sequence[int | None]) -> InstrumentResult:
    """Score one questionnaire: ``answers`` holds a 0-based option index per item, or None."""
    items = instrument.items
    if isinstance(answers, str | bytes) or len(answers) != len(items):
        got = "text" if isinstance(answers, str | bytes) else f"{len(answers)} answers"
        raise UserError(
            f"{instrument.short_name} has {len(items)} items, one answer each in form order; "
            f"got {got}",
            field="answers",
        )
    item_scores = {item.key: _item_score(item, a) for item, a in zip(items, answers, strict=True)}
    raw = {s.id: _scale_value(instrument, s, item_scores) for s in instrument.scales}
    reported = {s.id: _round(raw[s.id], s.decimals) for s in instrument.scales}
    primary = instrument.primary
    band = primary.band_for(raw[primary.id])
    rule = instrument.classification.classify(raw) if instrument.classification else None
    flags = tuple(f for f in instrument.flags if all(c.holds(raw) for c in f.when))
    missing = tuple(k for k, v in item_scores.items() if v is None)
    notes = [band.interpretation if band else "", rule.interpretation if rule else ""]
    notes += [f.text for f in flags]
    notes += _missing_notes(instrument, item_scores)
    notes.append(_mic_note(instrument.mic))
    return InstrumentResult(
        instrument=instrument.id,
        version=instrument.version,
        score=reported[primary.id],
        score_scale=primary.id,
        subscales={k: v for k, v in reported.items() if k != primary.id},
        scales=reported,
        band=band.label if band else None,
        risk_group=rule.label if rule else None,
        classification_id=instrument.classification.id if instrument.classification else None,
        interpretation=" ".join(n.strip() for n in notes if n.strip()),
        answered=len(items) - len(missing),
        missing_items=missing,
        mic=instrument.mic,
        flags=tuple(f.id for f in flags),
        item_scores=item_scores,
    )


def _item_score(item: Item, answer: object) -> int | None:
    if answer is None:
        return None
    last = len(item.options) - 1
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise UserError(
            f"answer {answer!r} is not an option number: choose a whole number 0–{last}",
            field=f"items.{item.key}",
        )
    if not 0 <= answer <= last:
        raise UserError(
            f"answer {answer} is out of range: choose 0–{last}", field=f"items.{item.key}"
        )
    return item.options[answer].score


def _scale_value(instrument: Instrument, scale: Scale, scores: Mapping[str, int | None]) -> float:
    missing = [key for key in scale.items if scores[key] is None]
    if len(missing) > scale.max_missing:
        total = len(scale.items)
        where = "" if scale.id == instrument.score_scale else f" of the {scale.label} scale"
        raise UserError(
            f"{instrument.short_name}: {total - len(missing)} of {total} items{where} answered; "
            f"at least {total - scale.max_missing} needed "
            f"(unanswered: {', '.join(missing)})",
            field=f"items.{missing[0]}",
        )
    values: list[int] = []
    maxima: list[int] = []
    for key in scale.items:
        value = scores[key]
        if value is None:
            if scale.missing_as is None:
                continue
            value = scale.missing_as
        values.append(value)
        maxima.append(_item(instrument, key).max_score)
    if scale.method is Method.SUM:
        return float(sum(values))
    if scale.method is Method.COUNT:
        return float(sum(1 for v in values if v > 0))
    if scale.method is Method.MEAN:
        return sum(values) / len(values)
    return sum(values) / sum(maxima) * 100  # PERCENT_OF_MAX


def _item(instrument: Instrument, key: str) -> Item:
    position = instrument.item_position(key)
    assert position is not None, "the parser guarantees scale items exist"
    return instrument.items[position]


def _round(value: float, decimals: int) -> Number:
    """Round half up (not to even) to ``decimals`` places; whole numbers come back as int."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return int(rounded) if decimals == 0 else float(rounded)


def _missing_notes(instrument: Instrument, scores: Mapping[str, int | None]) -> list[str]:
    notes: list[str] = []
    for scale in instrument.scales:
        missing = [key for key in scale.items if scores[key] is None]
        if not missing:
            continue
        answered = len(scale.items) - len(missing)
        if scale.missing_as is None:
            notes.append(
                f"{scale.label}: scored from the {answered} of {len(scale.items)} items answered "
                f"(unanswered: {', '.join(missing)})."
            )
        else:
            option = next(
                o for o in _item(instrument, missing[0]).options if o.score == scale.missing_as
            )
            notes.append(
                f"{scale.label}: {len(missing)} unanswered item(s) counted as "
                f"'{option.label}' ({', '.join(missing)})."
            )
    return notes


def _mic_note(mic: Mic | None) -> str:
    if mic is None or (mic.points is None and mic.percent is None):
        return ""
    parts = []
    if mic.points is not None:
        parts.append(f"{mic.points:g} points")
    if mic.percent is not None:
        parts.append(f"{mic.percent:g} % of the baseline score")
    return f"Minimal important change: {' or '.join(parts)}."


def score_total(instrument: Instrument, total: float, *, field: str) -> dict[str, Any]:
    """A score recorded elsewhere, without its answers (e.g. a PHQ-2 total of 5).

    It is range-checked; its band and classification are given only when they depend on the
    primary scale alone (PHQ-2, GAD-2), never guessed when they need subscales (STarT Back).
    """
    scale = instrument.scale(instrument.score_scale)
    if not scale.min <= total <= scale.max:
        raise UserError(
            f"{instrument.short_name} score {total:g} is outside its range {scale.min:g}–{scale.max:g}",
            field=field,
        )
    band = scale.band_for(total)
    cls = instrument.classification
    risk_group = None
    interpretation = band.interpretation if band is not None else ""
    if cls is not None:
        if all(c.scale == scale.id for rule in cls.rules for c in rule.when):
            outcome = cls.classify({scale.id: total})
            risk_group = outcome.label
            interpretation = outcome.interpretation or interpretation
        else:
            interpretation = (
                f"{cls.label} needs the answers to each item; only the total was recorded."
            )
    return {
        "instrument": instrument.id,
        "version": instrument.version,
        "score": total,
        "score_scale": scale.id,
        "subscales": {},
        "band": band.label if band is not None else None,
        "risk_group": risk_group,
        "interpretation": interpretation,
        "answers_given": False,
    }
