"""Parse and check ``kb/instruments/<id>/instrument.yaml`` into a core ``Instrument``.

The pydantic models below fix the file format (unknown keys are errors); ``_check`` adds the
cross-checks a schema cannot express. Every problem is collected and raised together as a
``KnowledgeBaseError`` naming the file and the key path (e.g. ``scales.0.items.3``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from spinecare.core.errors import KBIssue, KnowledgeBaseError
from spinecare.core.instruments import model as m
from spinecare.core.knowledge_base import Citation
from spinecare.core.text import did_you_mean

SEMVER = r"^\d+\.\d+\.\d+$"
CITE = r"^src\.[a-z0-9][a-z0-9._-]*#.+$"
KEY = r"^[a-z][a-z0-9_]*$"
COMPARISON = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(<=|>=|<|>|==)\s*(-?\d+(?:\.\d+)?)\s*$")
OPERATORS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq"}
FREE_TO_SHIP = frozenset({"public-domain", "free-to-reproduce"})
LicenceStatus = Literal[
    "public-domain", "free-to-reproduce", "free-non-commercial", "licence-required", "unclear"
]


def _cite(value: str) -> str:
    if not re.match(CITE, value):
        raise ValueError(f"'{value}' is not a citation of the form src.<id>#<section>")
    return value


def _comparison(value: str) -> str:
    if not COMPARISON.match(value):
        raise ValueError(f"'{value}' is not a comparison of a scale such as 'psychosocial >= 4'")
    return value


Cite = Annotated[str, AfterValidator(_cite)]
Comparison = Annotated[str, AfterValidator(_comparison)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionModel(_Strict):
    label: str = Field(min_length=1)
    score: int


class ItemModel(_Strict):
    key: str = Field(pattern=KEY)
    label: str = Field(min_length=1)
    text: str | None = None
    options: list[OptionModel] | None = None
    option_set: str | None = None

    @model_validator(mode="after")
    def _one_source_of_options(self) -> ItemModel:
        if (self.options is None) == (self.option_set is None):
            raise ValueError("give exactly one of 'options' or 'option_set'")
        return self


class RangeModel(_Strict):
    min: float
    max: float


class BandModel(_Strict):
    label: str = Field(min_length=1)
    min: float
    max: float
    interpretation: str = ""


class ScaleModel(_Strict):
    id: str = Field(pattern=KEY)
    label: str = Field(min_length=1)
    items: list[str] = Field(min_length=1)
    method: Literal["sum", "mean", "percent_of_max", "count"]
    range: RangeModel
    max_missing: int = Field(default=0, ge=0)
    missing_as: int | None = None
    decimals: int = Field(default=0, ge=0, le=4)
    bands: list[BandModel] = Field(default_factory=list)


class ClassRuleModel(_Strict):
    label: str = Field(min_length=1)
    when: list[Comparison] = Field(default_factory=list)
    interpretation: str = ""


class ClassificationModel(_Strict):
    id: str = Field(pattern=KEY)
    label: str
    rules: list[ClassRuleModel] = Field(min_length=2)


class FlagModel(_Strict):
    id: str = Field(pattern=KEY)
    when: list[Comparison] = Field(min_length=1)
    text: str = Field(min_length=10)


class MicModel(_Strict):
    points: float | None = Field(default=None, gt=0)
    percent: float | None = Field(default=None, gt=0, le=100)
    cites: list[Cite] = Field(min_length=1)
    notes: str = ""

    @model_validator(mode="after")
    def _some_value(self) -> MicModel:
        if self.points is None and self.percent is None:
            raise ValueError("give 'points', 'percent' or both (or leave 'mic' out)")
        return self


class LicenceModel(_Strict):
    status: LicenceStatus
    holder: str = Field(min_length=2)
    item_text_shipped: bool
    notes: str = Field(min_length=10)
    attribution: str = ""


class ChangeModel(_Strict):
    version: str = Field(pattern=SEMVER)
    note: str
    date: str | None = None


class InstrumentModel(_Strict):
    id: str = Field(pattern=KEY)
    version: str = Field(pattern=SEMVER)
    name: str
    short_name: str
    status: Literal["draft", "review", "active", "retired"]
    description: str = Field(min_length=20)
    instructions: str | None = None
    option_sets: dict[str, list[OptionModel]] = Field(default_factory=dict)
    items: list[ItemModel] = Field(min_length=1)
    scales: list[ScaleModel] = Field(min_length=1)
    score_scale: str
    classification: ClassificationModel | None = None
    flags: list[FlagModel] = Field(default_factory=list)
    mic: MicModel | None = None
    licence: LicenceModel
    cites: list[Cite] = Field(min_length=1)
    changelog: list[ChangeModel] = Field(min_length=1)


def parse_instrument(data: Mapping[str, Any], file: str) -> m.Instrument:
    """Validate one instrument file's data; raise ``KnowledgeBaseError`` listing every problem."""
    try:
        model = InstrumentModel.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeBaseError(
            [KBIssue(file, ".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        ) from None
    items = [_item(model, it) for it in model.items]
    scales = [_scale(s) for s in model.scales]
    issues: list[tuple[str, str]] = []
    _check(model, items, scales, issues)
    if issues:
        raise KnowledgeBaseError([KBIssue(file, key, msg) for key, msg in issues])
    return _build(model, items, scales, file)


def instrument_issues(
    instrument: m.Instrument, known_sources: set[str], file: str
) -> list[KBIssue]:
    """Citations of an instrument that do not resolve to a known source."""
    cites = [(f"cites.{i}", c) for i, c in enumerate(instrument.cites)]
    if instrument.mic is not None:
        cites += [(f"mic.cites.{i}", c) for i, c in enumerate(instrument.mic.cites)]
    out = []
    for key, c in cites:
        if c.source not in known_sources:
            hint = did_you_mean(c.source, known_sources)
            out.append(KBIssue(file, key, f"'{c}' does not resolve: no source '{c.source}'{hint}"))
    return out


def _item(model: InstrumentModel, it: ItemModel) -> m.Item:
    raw = it.options if it.options is not None else model.option_sets.get(it.option_set or "", [])
    options = tuple(m.Option(o.label, o.score) for o in raw)
    return m.Item(key=it.key, label=it.label, options=options, text=it.text)


def _check(
    model: InstrumentModel,
    items: list[m.Item],
    scales: list[m.Scale],
    issues: list[tuple[str, str]],
) -> None:
    by_key: dict[str, m.Item] = {}
    for i, (it, item) in enumerate(zip(model.items, items, strict=True)):
        if it.key in by_key:
            issues.append((f"items.{i}.key", f"duplicate item key '{it.key}'"))
        by_key[it.key] = item
        if it.option_set is not None and it.option_set not in model.option_sets:
            hint = did_you_mean(it.option_set, model.option_sets)
            issues.append((f"items.{i}.option_set", f"no option set '{it.option_set}'{hint}"))
        else:
            issues += [(f"items.{i}.{key}", msg) for key, msg in item.problems()]
    _check_licence(model, issues)
    ids = [s.id for s in model.scales]
    for i, s in enumerate(scales):
        if s.id in ids[:i]:
            issues.append((f"scales.{i}.id", f"duplicate scale id '{s.id}'"))
        issues += [(f"scales.{i}.{key}", msg) for key, msg in s.problems(by_key)]
    if model.score_scale not in ids:
        hint = did_you_mean(model.score_scale, ids)
        issues.append(("score_scale", f"no scale '{model.score_scale}'{hint}"))
    rules = model.classification.rules if model.classification else []
    whens = [(f"flags.{f}.when", flag.when) for f, flag in enumerate(model.flags)]
    for r, rule in enumerate(rules):
        whens.append((f"classification.rules.{r}.when", rule.when))
        if (r == len(rules) - 1) == bool(rule.when):
            issues.append((whens[-1][0], "the last rule, and only the last, has no conditions"))
    for at, when in whens:
        for c, cond in enumerate(_conditions(when)):
            if cond.scale not in ids:
                hint = did_you_mean(cond.scale, ids)
                issues.append((f"{at}.{c}", f"no scale '{cond.scale}'{hint}"))


def _check_licence(model: InstrumentModel, issues: list[tuple[str, str]]) -> None:
    lic = model.licence
    texts = [i for i, it in enumerate(model.items) if it.text is not None]
    if lic.item_text_shipped and lic.status not in FREE_TO_SHIP:
        allowed = " or ".join(sorted(FREE_TO_SHIP))
        issues.append(("licence.item_text_shipped", f"needs licence status {allowed}"))
    elif lic.item_text_shipped and len(texts) != len(model.items):
        issues.append(("items", "item_text_shipped is true, so every item needs its 'text'"))
    elif not lic.item_text_shipped and (texts or model.instructions):
        at = f"items.{texts[0]}.text" if texts else "instructions"
        issues.append((at, "licensed wording present but licence.item_text_shipped is false"))


def _conditions(conditions: list[str]) -> tuple[m.Condition, ...]:
    out = []
    for text in conditions:
        found = COMPARISON.match(text)
        assert found is not None, "validated by the schema"
        scale, op, value = found.groups()
        out.append(m.Condition(scale, OPERATORS[op], float(value)))
    return tuple(out)


def _scale(s: ScaleModel) -> m.Scale:
    return m.Scale(
        **s.model_dump(include={"id", "label", "max_missing", "missing_as", "decimals"}),
        items=tuple(s.items),
        method=m.Method(s.method),
        min=s.range.min,
        max=s.range.max,
        bands=tuple(m.Band(**b.model_dump()) for b in s.bands),
    )


def _build(
    model: InstrumentModel, items: list[m.Item], scales: list[m.Scale], file: str
) -> m.Instrument:
    classification = mic = None
    if (c := model.classification) is not None:
        rules = tuple(m.ClassRule(r.label, _conditions(r.when), r.interpretation) for r in c.rules)
        classification = m.Classification(c.id, c.label, rules)
    if model.mic is not None:
        cites = tuple(Citation.parse(x) for x in model.mic.cites)
        mic = m.Mic(model.mic.points, model.mic.percent, cites, model.mic.notes)
    plain = {"id", "version", "name", "short_name", "status", "description", "instructions"}
    return m.Instrument(
        **model.model_dump(include=plain),
        items=tuple(items),
        scales=tuple(scales),
        score_scale=model.score_scale,
        licence=m.Licence(**model.licence.model_dump()),
        classification=classification,
        cites=tuple(Citation.parse(x) for x in model.cites),
        mic=mic,
        source_file=file,
        flags=tuple(m.Flag(f.id, _conditions(f.when), f.text) for f in model.flags),
        changelog=tuple(m.ChangeEntry(**ch.model_dump()) for ch in model.changelog),
    )
