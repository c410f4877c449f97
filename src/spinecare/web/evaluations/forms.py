"""The evaluation step forms: raw input ⇄ Django form ⇄ the step's part of the EvaluationRecord.

``StepForm`` takes what was typed into one step (the ``form_state`` of that step: a dict of
field name → text, or a list of texts for tick boxes) and

- checks its shape with a Django form (a number is a number, a date is a date, a choice is one
  of the choices);
- turns it into the step's *fragment* of the record and merges it into the record (the step
  owns its paths: what was cleared there is removed from the record);
- lets the record model (``record_validate``) check the clinical ranges, and maps each error's
  path (``exam.slr.left.angle``) back to the field it came from;
- describes the page (sections, fields, values, errors) for the template.

Nothing here writes to the database: the views save through ``evaluations.services``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict

from spinecare.core.errors import UserError
from spinecare.core.instruments.model import Instrument
from spinecare.core.instruments.scoring import score
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.web.evaluations.services import RecordInvalid, record_validate
from spinecare.web.evaluations.steps import (
    ROOTS,
    SIDES,
    Field,
    Group,
    Instruments,
    NeuroGrid,
    Shape,
    SideTable,
    Step,
    field_name,
    group_field_shape,
    humanise,
    known_group_fields,
    path_exists,
    shape,
)

Raw = dict[str, Any]  # field name → str, or list[str] for tick boxes
Errors = dict[str, list[str]]  # field or block name → messages; "" = the whole step

NON_FIELD = ""
ACTION_RE = re.compile(r"^(add|remove):([A-Za-z0-9_.-]+)$")
SCORE_RE = re.compile(r"^-?\d+(\.\d+)?$")


# ---------------------------------------------------------------- inputs (one per form field)


@dataclass
class Input:
    """Everything a template needs to draw one field."""

    name: str
    label: str
    kind: str
    widget: str  # radio | select | checkboxes | number | date | text | textarea
    value: Any = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""
    errors: list[str] = field(default_factory=list)
    unknown: str = "Not asked"
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    none: Input | None = None  # the "none" tick box of a list where none differs from not asked

    @property
    def id(self) -> str:
        return f"f-{self.name}"

    @property
    def anchor(self) -> str:
        return f"field-{self.name}"

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def hint_text(self) -> str:
        parts = [self.hint] if self.hint else []
        if self.widget == "number" and self.range_text:
            parts.append(f"Range {self.range_text}.")
        return " ".join(parts)

    @property
    def stale_value(self) -> str:
        """A stored choice no longer offered (kept, so saving again does not lose it)."""
        offered = dict(self.choices)
        stale = self.kind in ("choice", "int") and bool(offered) and self.value not in ("", None)
        return str(self.value) if stale and str(self.value) not in offered else ""

    @property
    def describedby(self) -> str:
        ids = [self.hint_id] if self.hint_text else []
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def step_attr(self) -> str:
        return "1" if self.kind == "int" else "any"

    @property
    def range_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum:g}–{self.maximum:g}"
        return ""

    @property
    def display(self) -> str:
        """The value in words, for the review page ("" when blank)."""
        labels = dict(self.choices)
        if isinstance(self.value, list):
            return ", ".join(labels.get(v) or v for v in self.value)
        if self.value in ("", None):
            return ""
        if self.kind == "lines":
            return "; ".join(line.strip() for line in str(self.value).splitlines() if line.strip())
        return labels.get(str(self.value), str(self.value))


def _input(
    name: str, f: Field, sh: Shape, raw: Raw, extra_choices: list[tuple[str, str]] | None
) -> Input:
    kind = f.kind or sh.kind
    value: Any = raw.get(name, [] if kind == "multi" else "")
    if kind == "multi" and not isinstance(value, list):
        value = [value] if value else []
    if kind != "multi" and isinstance(value, list):
        value = value[-1] if value else ""
    choices: list[tuple[str, str]] = []
    widget: str = f.widget
    if kind == "tri":
        choices = [("yes", "Yes"), ("no", "No")]
        widget = widget or "radio"
    elif kind in ("choice", "multi"):
        choices = (
            extra_choices
            if extra_choices is not None
            else [(c, _capfirst(humanise(c))) for c in sh.choices]
        )
        widget = widget or ("checkboxes" if kind == "multi" else "select")
    elif kind == "int" and _small_range(sh):
        assert sh.minimum is not None
        assert sh.maximum is not None
        choices = [(str(n), str(n)) for n in range(int(sh.minimum), int(sh.maximum) + 1)]
        widget = widget or "select"
    else:
        widget = widget or {
            "lines": "textarea",
            "date": "date",
            "int": "number",
            "float": "number",
        }.get(kind, "text")
    return Input(
        name=name,
        label=f.label,
        kind=kind,
        widget=widget,
        value=value,
        choices=choices,
        hint=f.hint,
        unknown=f.unknown,
        minimum=sh.minimum,
        maximum=sh.maximum,
        required=sh.required,
    )


def _small_range(sh: Shape) -> bool:
    return sh.minimum is not None and sh.maximum is not None and sh.maximum - sh.minimum <= 10


def _django_field(inp: Input) -> forms.Field:
    if inp.kind == "flag":
        return forms.BooleanField(required=False)
    if inp.kind == "tri" or (inp.kind == "choice"):
        return forms.ChoiceField(required=False, choices=[("", ""), *inp.choices])
    if inp.kind == "multi":
        return forms.MultipleChoiceField(required=False, choices=inp.choices)
    if inp.kind == "int":
        if inp.choices:
            return forms.TypedChoiceField(
                required=False, choices=[("", ""), *inp.choices], coerce=int, empty_value=None
            )
        return forms.IntegerField(required=False)
    if inp.kind == "float":
        return forms.FloatField(required=False)
    if inp.kind == "date":
        return forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    if inp.kind == "lines":
        return forms.CharField(required=False, max_length=4000)
    return forms.CharField(required=False, max_length=500)


def _to_record_value(inp: Input, value: Any) -> Any:
    """A cleaned form value as record JSON; ``None`` means leave the path out (unknown)."""
    if value in (None, "", []):
        return None
    if inp.kind == "tri":
        return value == "yes"
    if inp.kind == "date":
        return value.isoformat()
    if inp.kind == "lines":
        lines = [line.strip() for line in str(value).splitlines() if line.strip()]
        return lines or None
    if inp.kind == "text":
        return str(value).strip() or None
    return value


def _to_raw(inp_kind: str, value: Any) -> Any:
    """A record value as the text a form field shows."""
    if value is None:
        return ""
    if inp_kind == "tri":
        return "yes" if value else "no"
    if inp_kind == "multi":
        return [str(v) for v in value]
    if inp_kind == "lines":
        return "\n".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- record paths


def _get(data: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
        if data is None:
            return None
    return data


def _set(data: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def _delete(data: dict[str, Any], parts: list[str]) -> None:
    for part in parts[:-1]:
        data = data.get(part)  # type: ignore[assignment]
        if not isinstance(data, dict):
            return
    data.pop(parts[-1], None)


def _prune(data: Any) -> Any:
    """Drop empty dicts left behind (``{"exam": {"slr": {}}}`` → ``{}``)."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            v = _prune(v)
            if v != {}:
                out[k] = v
        return out
    return data


def merge_fragment(
    record: Mapping[str, Any], owned: Iterable[str], fragment: Mapping[str, Any]
) -> dict[str, Any]:
    """``record`` with the ``owned`` paths replaced by what ``fragment`` holds for them."""
    out = copy.deepcopy(dict(record))
    for path in owned:
        _delete(out, path.split("."))
    for path in owned:
        value = _get(fragment, path.split("."))
        if value is not None:
            _set(out, path.split("."), copy.deepcopy(value))
    pruned: dict[str, Any] = _prune(out)
    return pruned


# ---------------------------------------------------------------- the step form


@dataclass
class GroupRow:
    index: int
    prefix: str
    inputs: list[Input]
    sub: GroupView | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class GroupView:
    name: str  # form name of the list, e.g. "imaging" or "imaging-0-findings"
    title: str
    noun: str
    rows: list[GroupRow]
    errors: list[str] = field(default_factory=list)
    hint: str = ""
    none: Input | None = None  # "Takes no medicines": no rows, and that was asked

    @property
    def anchor(self) -> str:
        return f"group-{self.name}"

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass
class InstrumentView:
    id: str
    name: str
    short_name: str
    description: str
    instructions: str
    licence_note: str
    date: Input
    score: Input
    items: list[Input]
    errors: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"instrument-{self.id}"

    @property
    def has_input(self) -> bool:
        return bool(self.date.value or self.score.value or any(i.value for i in self.items))

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors
            or self.score.errors
            or self.date.errors
            or any(i.errors for i in self.items)
        )

    @property
    def answered(self) -> int:
        return sum(1 for i in self.items if i.value != "")


@dataclass
class SideRowView:
    label: str
    hint: str
    left: Input
    right: Input


@dataclass
class GridRowView:
    root: str
    muscle: str
    dermatome: str
    cells: list[Input]  # myotome left, right, dermatome left, right


@dataclass
class ItemView:
    type: str  # field | sides | grid | group | instruments
    input: Input | None = None
    id: str = ""
    title: str = ""
    hint: str = ""
    side_rows: list[SideRowView] = field(default_factory=list)
    grid_rows: list[GridRowView] = field(default_factory=list)
    reflex_rows: list[SideRowView] = field(default_factory=list)
    group: GroupView | None = None
    instruments: list[InstrumentView] = field(default_factory=list)


@dataclass
class SectionView:
    id: str
    title: str
    hint: str
    items: list[ItemView]

    @property
    def anchor(self) -> str:
        return f"section-{self.id}"


GROUP_TITLES = {
    "imaging": "Imaging studies",
    "findings": "Findings",
    "patient.medications": "Current medicines",
    "patient.prior_treatments": "Treatments tried for this episode",
    "patient.prior_spine_surgery": "Previous spine surgery",
}


class StepForm:
    """One step's input: checked, turned into record JSON, and laid out for the template."""

    def __init__(self, step: Step, raw: Raw | None, *, kb: KnowledgeBase | None) -> None:
        self.step = step
        self.raw: Raw = dict(raw or {})
        self.kb = kb
        self.inputs: dict[str, Input] = {}
        self.errors: Errors = {}
        self.fragment: dict[str, Any] = {}
        # compact list path ("imaging.0.findings") → raw row numbers, to map errors back
        self._rows: dict[str, list[int]] = {}
        # questionnaire position in the record → instrument id
        self._questionnaires: list[str] = []
        self.sections = self._layout()
        self._validated = False

    # ------------------------------------------------------------ layout

    def _add(
        self, name: str, f: Field, sh: Shape, choices: list[tuple[str, str]] | None = None
    ) -> Input:
        inp = _input(name, f, sh, self.raw, choices)
        self.inputs[name] = inp
        return inp

    def _field(self, f: Field) -> Input:
        inp = self._field_input(f)
        inp.none = self._none(inp.name, f.none_label)
        return inp

    def _field_input(self, f: Field) -> Input:
        if f.choices_from == "acr_procedures":
            if self.kb is None:  # keep whatever was chosen, as text, until the KB is back
                return self._add(field_name(f.path), f, Shape("text"))
            choices = list(self.acr_procedures().items())
            sh = Shape("choice", tuple(c for c, _ in choices))
            return self._add(field_name(f.path), f, sh, choices)
        # "required" is shown only in rows (a study needs its modality); outside them a field
        # required inside an optional part (the proposed order's procedure) is still optional.
        return self._add(field_name(f.path), f, replace(shape(f.path), required=False))

    def owned_paths(self) -> tuple[str, ...]:
        """The record paths saving this step replaces (not the questionnaires without a KB)."""
        paths = self.step.owned_paths()
        if self.kb is None:
            paths = tuple(p for p in paths if p != Instruments.path)
        return paths

    def acr_procedures(self) -> dict[str, str]:
        if self.kb is None:
            return {}
        table: Mapping[str, Any] = self.kb.tables.get("acr-lbp-2021", {})
        return dict(table.get("procedures", {}))

    def _layout(self) -> list[SectionView]:
        out = []
        for section in self.step.sections:
            items: list[ItemView] = []
            for item in section.items:
                if isinstance(item, Field):
                    if path_exists(item.path):
                        items.append(ItemView("field", input=self._field(item)))
                elif isinstance(item, SideTable):
                    rows = []
                    for row in item.rows:
                        if not all(path_exists(f.path) for f in row.fields()):
                            continue
                        left, right = (self._field(f) for f in row.fields())
                        rows.append(SideRowView(row.label, row.hint, left, right))
                    items.append(
                        ItemView(
                            "sides", id=item.id, title=item.title, hint=item.hint, side_rows=rows
                        )
                    )
                elif isinstance(item, NeuroGrid):
                    items.append(self._grid(item))
                elif isinstance(item, Group):
                    view = self._group(item, item.path, field_name(item.path))
                    items.append(ItemView("group", group=view))
                elif isinstance(item, Instruments):
                    items.append(ItemView("instruments", instruments=self._instruments()))
            out.append(SectionView(section.id, section.title, section.hint, items))
        return out

    def _grid(self, grid: NeuroGrid) -> ItemView:
        by_path = {f.path: f for f in grid.fields()}
        roots: Mapping[str, Any] = {}
        if self.kb is not None:
            roots = self.kb.tables.get("nerve-roots", {}).get("roots", {})
        rows = []
        for root in ROOTS:
            cells = [
                self._field(by_path[f"exam.{part}.{root}.{side}"])
                for part in ("myotomes", "dermatomes")
                for side in SIDES
            ]
            spec = roots.get(root, {})
            rows.append(
                GridRowView(root, spec.get("myotome", ""), spec.get("dermatome", ""), cells)
            )
        reflexes = []
        for reflex, roots_text in (("patellar", "L3–L4"), ("achilles", "S1")):
            left, right = (self._field(by_path[f"exam.reflexes.{reflex}.{side}"]) for side in SIDES)
            reflexes.append(SideRowView(f"{reflex.capitalize()} ({roots_text})", "", left, right))
        return ItemView(
            "grid",
            id=grid.id,
            title=grid.title,
            hint=grid.hint,
            grid_rows=rows,
            reflex_rows=reflexes,
        )

    def _row_count(self, name: str) -> int:
        try:
            count = int(self.raw.get(f"{name}-count", 0))
        except (TypeError, ValueError):
            count = 0
        pattern = re.compile(rf"^{re.escape(name)}-(\d+)-")
        seen = [int(m.group(1)) + 1 for k in self.raw if (m := pattern.match(k))]
        return max([count, 1, *seen])

    def _group(self, group: Group, path: str, name: str) -> GroupView:
        rows = []
        fields = known_group_fields(group)
        for i in range(self._row_count(name)):
            prefix = f"{name}-{i}"
            inputs = [
                self._add(
                    f"{prefix}-{field_name(f.path)}",
                    replace(f, unknown="—"),
                    group_field_shape(group, f),
                )
                for f in fields
            ]
            sub = None
            if group.sub is not None:
                sub = self._group(
                    group.sub,
                    f"{path}.{i}.{group.sub.path}",
                    f"{prefix}-{field_name(group.sub.path)}",
                )
            rows.append(GroupRow(i, prefix, inputs, sub))
        return GroupView(
            name,
            GROUP_TITLES.get(group.path, group.noun),
            group.noun,
            rows,
            hint=group.hint,
            none=self._none(name, group.none_label),
        )

    def _none(self, name: str, label: str) -> Input | None:
        """The tick box saying a list is empty because there is nothing, not because unasked."""
        if not label:
            return None
        inp = Input(
            f"{name}-none", label, "flag", "checkbox", value=_flag(self.raw.get(f"{name}-none"))
        )
        self.inputs[inp.name] = inp
        return inp

    def _instruments(self) -> list[InstrumentView]:
        if self.kb is None:
            return []
        out = []
        for inst in self.kb.instruments.values():
            base = f"questionnaires-{inst.id}"
            date = self._add(
                f"{base}-date", Field("", "Date completed", unknown="—"), Shape("date")
            )
            primary = inst.primary
            score_input = self._add(
                f"{base}-score",
                Field(
                    "",
                    f"Score recorded elsewhere ({primary.min:g}–{primary.max:g})",
                    "Only when you do not have the answers.",
                ),
                Shape("float", minimum=primary.min, maximum=primary.max),
            )
            items = []
            for n, item in enumerate(inst.items, start=1):
                text = item.text if inst.licence.item_text_shipped and item.text else item.label
                choices = [(str(k), opt.label) for k, opt in enumerate(item.options)]
                items.append(
                    self._add(
                        f"{base}-{item.key}",
                        Field("", f"{n}. {text}", widget="select", unknown="Not answered"),
                        Shape("choice", tuple(c for c, _ in choices)),
                        choices,
                    )
                )
            note = (
                ""
                if inst.licence.item_text_shipped
                else (
                    "Item wording is licensed and not shipped: use the licensed form, then enter the "
                    "option chosen for each section."
                )
            )
            out.append(
                InstrumentView(
                    inst.id,
                    inst.name,
                    inst.short_name,
                    " ".join(inst.description.split()),
                    inst.instructions or "",
                    note,
                    date,
                    score_input,
                    items,
                )
            )
        return out

    # ------------------------------------------------------------ checking

    def is_valid(self, record: Mapping[str, Any]) -> bool:
        """Check the input alone and merged into ``record``; sets ``errors`` and ``merged``."""
        self._validated = True
        self.merged: dict[str, Any] | None = None
        data = MultiValueDict({k: (v if isinstance(v, list) else [v]) for k, v in self.raw.items()})
        django_form = forms.Form(data=data)
        for name, inp in self.inputs.items():
            django_form.fields[name] = _django_field(inp)
        if not django_form.is_valid():
            for name, errors in django_form.errors.items():
                self.errors.setdefault(name or NON_FIELD, []).extend(str(e) for e in errors)
        cleaned = django_form.cleaned_data
        self.fragment = self._fragment(cleaned)
        self._check_questionnaires(cleaned)
        if self.errors:
            self._attach_errors()
            return False
        merged = merge_fragment(record, self.owned_paths(), self.fragment)
        try:
            record_validate(merged)
        except RecordInvalid as exc:
            for path, message in exc.errors.items():
                self.errors.setdefault(self.name_for_path(path), []).append(_tidy(message))
            self._attach_errors()
            return False
        self.merged = merged
        return True

    def _fragment(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.step.fields():
            name = field_name(f.path)
            value = self._or_none(
                name, _to_record_value(self.inputs[name], cleaned.get(name)), cleaned
            )
            if value is not None:
                _set(out, f.path.split("."), value)
        for group in self.step.groups():
            name = field_name(group.path)
            rows = self._or_none(
                name, self._group_rows(group, group.path, name, cleaned) or None, cleaned
            )
            if rows is not None:
                _set(out, group.path.split("."), rows)
        if self.step.has_instruments():
            answers = self._questionnaire_list(cleaned)
            if answers:
                out[Instruments.path] = answers
        return out

    def _or_none(self, name: str, value: Any, cleaned: Mapping[str, Any]) -> Any:
        """``[]`` when "none" is ticked and nothing is listed; an error when both."""
        if not cleaned.get(f"{name}-none"):
            return value
        if value:
            self.errors.setdefault(f"{name}-none", []).append(
                "Untick this box or remove what is listed: it cannot be both."
            )
            return value
        return []

    def _group_rows(
        self, group: Group, path: str, name: str, cleaned: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        raw_numbers: list[int] = []
        for i in range(self._row_count(name)):
            prefix = f"{name}-{i}"
            row: dict[str, Any] = {}
            for f in known_group_fields(group):
                fname = f"{prefix}-{field_name(f.path)}"
                value = _to_record_value(self.inputs[fname], cleaned.get(fname))
                if value is not None:
                    row[f.path] = value
            if group.sub is not None:
                sub_path = f"{path}.{len(rows)}.{group.sub.path}"
                sub_rows = self._group_rows(
                    group.sub, sub_path, f"{prefix}-{field_name(group.sub.path)}", cleaned
                )
                if sub_rows:
                    row[group.sub.path] = sub_rows
            if row:
                rows.append(row)
                raw_numbers.append(i)
        self._rows[path] = raw_numbers
        return rows

    def _questionnaire_list(self, cleaned: Mapping[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.kb is None:
            return out
        for inst in self.kb.instruments.values():
            base = f"questionnaires-{inst.id}"
            answers = [cleaned.get(f"{base}-{item.key}") or None for item in inst.items]
            answers_int = [int(a) if a is not None else None for a in answers]
            entry: dict[str, Any] = {"instrument": inst.id}
            date = cleaned.get(f"{base}-date")
            if date:
                entry["date"] = date.isoformat()
            if any(a is not None for a in answers_int):
                entry["answers"] = answers_int
            value = cleaned.get(f"{base}-score")
            if value is not None:
                entry["score"] = value
            if "answers" in entry or "score" in entry:
                out.append(entry)
                self._questionnaires.append(inst.id)
            elif date:
                self.errors.setdefault(f"{base}-score", []).append(
                    "Enter the answers or a score, or clear the date."
                )
        return out

    def _check_questionnaires(self, cleaned: Mapping[str, Any]) -> None:
        if self.kb is None:
            return
        for entry in self.fragment.get(Instruments.path, []):
            inst: Instrument = self.kb.instruments[entry["instrument"]]
            base = f"questionnaires-{inst.id}"
            if "answers" in entry and "score" in entry:
                self.errors.setdefault(f"{base}-score", []).append(
                    "Give the answers or a score, not both: the score is worked out from the answers."
                )
                continue
            if "answers" in entry:
                try:
                    score(inst, entry["answers"])
                except UserError as exc:
                    where = (exc.field or "").removeprefix("items.")
                    name = f"{base}-{where}" if f"{base}-{where}" in self.inputs else base
                    self.errors.setdefault(name, []).append(exc.message)
            else:
                primary = inst.primary
                if not primary.min <= entry["score"] <= primary.max:
                    self.errors.setdefault(f"{base}-score", []).append(
                        f"{inst.short_name} scores run from {primary.min:g} to {primary.max:g}."
                    )

    def name_for_path(self, path: str) -> str:
        """The form field (or block) an error at a record path belongs to."""
        parts = path.split(".")
        if parts and parts[0] == Instruments.path and len(parts) > 1 and parts[1].isdigit():
            i = int(parts[1])
            inst = self._questionnaires[i] if i < len(self._questionnaires) else ""
            base = f"questionnaires-{inst}"
            if len(parts) > 3 and parts[2] == "answers" and parts[3].isdigit() and self.kb:
                items = self.kb.instruments[inst].items
                if int(parts[3]) < len(items):
                    return f"{base}-{items[int(parts[3])].key}"
            if len(parts) > 2 and parts[2] in ("score", "date"):
                return f"{base}-{parts[2]}"
            return base
        raw: list[str] = []
        compact: list[str] = []
        for part in parts:
            key = ".".join(compact)
            if part.isdigit() and key in self._rows and int(part) < len(self._rows[key]):
                raw.append(str(self._rows[key][int(part)]))
            else:
                raw.append(part)
            compact.append(part)
        for n in range(len(raw), 0, -1):
            name = field_name(".".join(raw[:n]))
            if name in self.inputs or self._is_block(name):
                return name
        return NON_FIELD

    def _is_block(self, name: str) -> bool:
        return any(k.startswith(f"{name}-") for k in self.inputs)

    def _attach_errors(self) -> None:
        """Put each error on its input; errors for rows or whole blocks stay in ``errors``."""
        for name, messages in self.errors.items():
            if name in self.inputs:
                self.inputs[name].errors = messages
        for view in self._groups_and_instruments():
            if isinstance(view, InstrumentView):
                view.errors = self.errors.get(f"questionnaires-{view.id}", [])
            else:
                view.errors = self.errors.get(view.name, [])
                for row in view.rows:
                    row.errors = self.errors.get(row.prefix, [])

    def _groups_and_instruments(self) -> Iterable[GroupView | InstrumentView]:
        def walk(g: GroupView) -> Iterable[GroupView]:
            yield g
            for row in g.rows:
                if row.sub is not None:
                    yield from walk(row.sub)

        for section in self.sections:
            for item in section.items:
                if item.group is not None:
                    yield from walk(item.group)
                yield from item.instruments

    # ------------------------------------------------------------ summaries

    def error_list(self) -> list[tuple[str, str, str]]:
        """(anchor, label, message) for the error summary at the top of the page."""
        out = []
        for name, messages in self.errors.items():
            inp = self.inputs.get(name)
            if inp is not None:
                anchor, label = inp.anchor, inp.label
            elif name == NON_FIELD:
                anchor, label = "", ""
            else:
                anchor = (
                    f"instrument-{name.split('-')[1]}"
                    if name.startswith("questionnaires-")
                    else f"group-{name}"
                )
                label = ""
            for message in messages:
                out.append((anchor, label, message))
        return out


def _tidy(message: str) -> str:
    """Pydantic's wording, made a little friendlier."""
    message = message.replace("Input should be ", "Must be ")
    return message[:1].upper() + message[1:] if message else message


# ---------------------------------------------------------------- raw input ⇄ record


def raw_from_post(form: StepForm, post: Mapping[str, Any], getlist: Any) -> Raw:
    """The submitted values of the step's fields (and row counts), nothing else."""
    out: Raw = {}
    for key in post:
        if key in ("csrfmiddlewaretoken", "action", "goto"):
            continue
        if not _KEY_RE.match(key):
            continue
        values = [str(v) for v in getlist(key)]
        out[key] = values if len(values) != 1 or _is_multi(form, key) else values[0]
    for name, inp in form.inputs.items():
        if inp.kind == "multi" and name not in out:
            out[name] = []
    return out


_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


def _is_multi(form: StepForm, key: str) -> bool:
    inp = form.inputs.get(key)
    return inp is not None and inp.kind == "multi"


def apply_action(raw: Raw, action: str) -> Raw:
    """``add:<list>`` adds a row; ``remove:<list>-<n>`` removes row n and renumbers the rest."""
    match = ACTION_RE.match(action or "")
    if not match:
        return raw
    verb, target = match.groups()
    out = dict(raw)
    if verb == "add":
        count = _count(out, target)
        out[f"{target}-count"] = str(count + 1)
        return out
    name, _, number = target.rpartition("-")
    if not number.isdigit() or not name:
        return raw
    n = int(number)
    count = _count(out, name)
    pattern = re.compile(rf"^{re.escape(name)}-(\d+)-(.*)$")
    renumbered: Raw = {}
    for key, value in out.items():
        m = pattern.match(key)
        if not m:
            renumbered[key] = value
            continue
        i, rest = int(m.group(1)), m.group(2)
        if i == n:
            continue
        renumbered[f"{name}-{i - 1 if i > n else i}-{rest}"] = value
    renumbered[f"{name}-count"] = str(max(count - 1, 1))
    return renumbered


def _count(raw: Raw, name: str) -> int:
    try:
        count = int(raw.get(f"{name}-count", 1))
    except (TypeError, ValueError):
        count = 1
    pattern = re.compile(rf"^{re.escape(name)}-(\d+)-")
    seen = [int(m.group(1)) + 1 for k in raw if (m := pattern.match(k))]
    return max([count, 1, *seen])


def raw_from_record(step: Step, record: Mapping[str, Any], *, kb: KnowledgeBase | None) -> Raw:
    """What the step's fields show for a record entered elsewhere (no form state yet)."""
    out: Raw = {}
    for f in step.fields():
        value = _get(record, f.path.split("."))
        if value == [] and f.none_label:
            out[f"{field_name(f.path)}-none"] = "on"
        elif value is not None:
            out[field_name(f.path)] = _to_raw(f.kind or shape(f.path).kind, value)
    for group in step.groups():
        rows = _get(record, group.path.split("."))
        if rows == [] and group.none_label:
            out[f"{field_name(group.path)}-none"] = "on"
        _raw_group(group, rows or [], field_name(group.path), out)
    if step.has_instruments() and kb is not None:
        for entry in record.get(Instruments.path) or []:
            inst = kb.instruments.get(entry.get("instrument", ""))
            if inst is None:
                continue
            base = f"questionnaires-{inst.id}"
            if entry.get("date"):
                out[f"{base}-date"] = entry["date"]
            if entry.get("score") is not None:
                out[f"{base}-score"] = _to_raw("float", entry["score"])
            for item, answer in zip(inst.items, entry.get("answers") or [], strict=False):
                if answer is not None:
                    out[f"{base}-{item.key}"] = str(answer)
    return out


def _raw_group(group: Group, rows: list[dict[str, Any]], name: str, out: Raw) -> None:
    if not rows:
        return
    out[f"{name}-count"] = str(len(rows))
    for i, row in enumerate(rows):
        prefix = f"{name}-{i}"
        for f in known_group_fields(group):
            value = row.get(f.path)
            if value is not None:
                out[f"{prefix}-{field_name(f.path)}"] = _to_raw(
                    f.kind or group_field_shape(group, f).kind, value
                )
        if group.sub is not None:
            _raw_group(
                group.sub,
                row.get(group.sub.path) or [],
                f"{prefix}-{field_name(group.sub.path)}",
                out,
            )


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def _flag(value: Any) -> str:
    """A tick box's raw value as "on" or ""."""
    if isinstance(value, list):
        value = value[-1] if value else ""
    return "on" if value not in ("", None, "false", "off") else ""
