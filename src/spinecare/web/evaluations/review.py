"""The review page: everything entered, step by step, and what still stops completion.

``review_steps`` also rebuilds the record from what was typed into every step (a step saved
only by autosave has not been merged yet), so completing uses exactly what the review shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spinecare.core.errors import UserError
from spinecare.core.instruments.scoring import score
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.web.evaluations.forms import (
    GridRowView,
    GroupView,
    Input,
    InstrumentView,
    SideRowView,
    StepForm,
    raw_from_record,
)
from spinecare.web.evaluations.models import Evaluation, EvaluationStatus
from spinecare.web.evaluations.steps import RED_FLAGS, STEPS, Step


@dataclass
class ReviewGroupRow:
    text: str
    sub: list[str] = field(default_factory=list)


@dataclass
class ReviewTable:
    caption: str
    headers: list[str]
    rows: list[list[str]]  # the first cell is the row's heading


@dataclass
class ReviewSection:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # (label, value in words)
    groups: list[tuple[str, list[ReviewGroupRow]]] = field(default_factory=list)
    tables: list[ReviewTable] = field(default_factory=list)


@dataclass
class ReviewStep:
    step: Step
    sections: list[ReviewSection]
    not_asked: list[Input]
    problems: list[tuple[str, str, str]]
    entered: bool

    @property
    def slug(self) -> str:
        return self.step.slug


def _row_text(inputs: list[Input]) -> str:
    return ", ".join(
        f"{i.label.lower()} {i.display}" if i.kind in ("tri", "int", "float") else i.display
        for i in inputs
        if i.display
    )


def _group_rows(view: GroupView) -> list[ReviewGroupRow]:
    rows = []
    for row in view.rows:
        text = _row_text(row.inputs)
        sub = [
            _row_text(r.inputs) for r in (row.sub.rows if row.sub else []) if _row_text(r.inputs)
        ]
        if text or sub:
            rows.append(ReviewGroupRow(text or "(no details)", sub))
    return rows


def _side_table(caption: str, rows: list[SideRowView]) -> ReviewTable | None:
    cells = [
        [r.label, r.left.display or "–", r.right.display or "–"]
        for r in rows
        if r.left.display or r.right.display
    ]
    return ReviewTable(caption, ["", "Left", "Right"], cells) if cells else None


def _grid_table(rows: list[GridRowView]) -> ReviewTable | None:
    cells = [
        [r.root, *(c.display or "–" for c in r.cells)]
        for r in rows
        if any(c.display for c in r.cells)
    ]
    headers = ["Root", "Muscle, left", "Muscle, right", "Sensation, left", "Sensation, right"]
    return ReviewTable("Key muscles (MRC) and sensation", headers, cells) if cells else None


def _score_text(kb: KnowledgeBase | None, inst: InstrumentView) -> str:
    """The score the answers give (the same scorer the engine uses), or "" if incomplete."""
    if kb is None or inst.id not in kb.instruments or not inst.answered:
        return ""
    answers = [int(i.value) if i.value != "" else None for i in inst.items]
    try:
        result = score(kb.instruments[inst.id], answers)
    except (UserError, ValueError):
        return ""
    group = result.risk_group or result.band or ""
    return f"score {result.score:g}" + (f" ({group})" if group else "")


def _review(form: StepForm) -> tuple[list[ReviewSection], list[Input]]:
    sections = []
    not_asked: list[Input] = []
    for section in form.sections:
        out = ReviewSection(section.title)
        for item in section.items:
            inputs: list[Input] = [item.input] if item.input is not None else []
            tables = [_side_table(item.title, item.side_rows), _grid_table(item.grid_rows)]
            tables.append(_side_table("Reflexes", item.reflex_rows))
            out.tables += [t for t in tables if t is not None]
            for inp in inputs:
                if inp.display:
                    out.rows.append((inp.label, inp.display))
                elif inp.none is not None and inp.none.value:
                    out.rows.append((inp.label, inp.none.label))
                elif form.step is RED_FLAGS:
                    not_asked.append(inp)
            if item.group is not None:
                rows = _group_rows(item.group)
                if rows:
                    out.groups.append((item.group.title, rows))
                elif item.group.none is not None and item.group.none.value:
                    out.rows.append((item.group.title, item.group.none.label))
            for inst in item.instruments:
                if not inst.has_input:
                    continue
                parts = []
                if inst.answered:
                    n = len(inst.items)
                    parts.append(f"{inst.answered} of {n} item{'s' if n != 1 else ''} answered")
                    if scored := _score_text(form.kb, inst):
                        parts.append(scored)
                if inst.score.value:
                    parts.append(f"score {inst.score.value} (recorded elsewhere)")
                if inst.date.value:
                    parts.append(f"completed {inst.date.value}")
                out.rows.append((inst.short_name, "; ".join(parts)))
        if out.rows or out.groups or out.tables:
            sections.append(out)
    return sections, not_asked


def review_steps(
    evaluation: Evaluation, *, kb: KnowledgeBase | None
) -> tuple[list[ReviewStep], dict[str, Any], list[tuple[Step, int]]]:
    """Each step's summary, the record rebuilt from every step, and the steps with problems."""
    record: dict[str, Any] = dict(evaluation.record)
    check = evaluation.status == EvaluationStatus.DRAFT
    out = []
    problems: list[tuple[Step, int]] = []
    for step in STEPS:
        saved = evaluation.form_state.get(step.slug)
        raw: Mapping[str, Any] = (
            saved if isinstance(saved, dict) else raw_from_record(step, evaluation.record, kb=kb)
        )
        form = StepForm(step, dict(raw), kb=kb)
        if check and isinstance(saved, dict):
            if form.is_valid(record):
                assert form.merged is not None
                record = form.merged
            else:
                problems.append((step, len(form.error_list())))
        sections, not_asked = _review(form)
        out.append(
            ReviewStep(
                step=step,
                sections=sections,
                not_asked=not_asked,
                problems=form.error_list(),
                entered=bool(sections),
            )
        )
    return out, record, problems
