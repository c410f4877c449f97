"""The steps of the evaluation form: which fields of the EvaluationRecord each step asks, how.

A step is a list of sections (fieldsets). A field names its dotted path in the
``EvaluationRecord`` ("exam.myotomes.L5.left"); what kind of input it is (yes/no/not asked, a
choice, a number, a date…), its choices and its range are read from the record model itself,
so the form cannot drift from the record. Repeatable rows (imaging studies and their findings,
medicines, prior treatments…) are ``Group``s; the questionnaires come from the KB instruments.

Each record field is asked in exactly one step (tests check it); a step "owns" its paths, so
saving a step replaces exactly those parts of the record.

Form field names are the record path with ``-`` for ``.`` ("exam-myotomes-L5-left"), with row
numbers in groups ("imaging-0-findings-1-kind"), so a pydantic error location maps to a field.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from spinecare.core.evaluation.record import EvaluationRecord

ROOTS = ("L2", "L3", "L4", "L5", "S1")
SIDES = ("left", "right")
REFLEXES = ("patellar", "achilles")
SEP = "-"

Kind = Literal["tri", "choice", "multi", "int", "float", "date", "text", "lines"]


def field_name(path: str) -> str:
    """The form field name of a record path: ``exam.slr.left.angle`` → ``exam-slr-left-angle``."""
    return path.replace(".", SEP)


# ---------------------------------------------------------------- reading the record model


@dataclass(frozen=True)
class Shape:
    """What a record path holds, read from the pydantic model."""

    kind: Kind
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False  # a required field of a row model (e.g. a study's modality)


def _strip_optional(tp: Any) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _unannotate(tp: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while get_origin(tp) is typing.Annotated:
        args = get_args(tp)
        tp = args[0]
        for meta in args[1:]:
            metadata += getattr(meta, "metadata", [meta])
    return tp, metadata


def _resolve(path: str) -> tuple[Any, list[Any], bool]:
    """The type at a record path (``*`` for a row of a list), its constraints, required?"""
    tp: Any = EvaluationRecord
    metadata: list[Any] = []
    required = False
    for part in path.split("."):
        tp = _strip_optional(tp)
        origin = get_origin(tp)
        if part == "*":
            if origin is not list:
                raise KeyError(f"{path}: '*' on a non-list")
            tp, metadata, required = get_args(tp)[0], [], False
        elif origin is dict:
            key_type, value_type = get_args(tp)
            if part not in get_args(key_type):
                raise KeyError(f"{path}: '{part}' is not a key of {key_type}")
            tp, metadata, required = value_type, [], False
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(part)
            if info is None:
                raise KeyError(f"{path}: no field '{part}' in {tp.__name__}")
            tp, metadata, required = info.annotation, list(info.metadata), info.is_required()
        else:
            raise KeyError(f"{path}: cannot descend into {tp}")
    tp = _strip_optional(tp)
    tp, more = _unannotate(tp)
    return _strip_optional(tp), metadata + more, required


def _literal_values(tp: Any) -> tuple[str, ...] | None:
    if get_origin(tp) is Literal:
        return tuple(str(v) for v in get_args(tp))
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tuple(str(m.value) for m in tp)
    return None


def path_exists(path: str) -> bool:
    try:
        shape(path)
    except KeyError:
        return False
    return True


def _num(bound: object) -> float:
    assert isinstance(bound, int | float)
    return float(bound)


@cache
def shape(path: str) -> Shape:
    """The kind of input a record path needs; raises ``KeyError`` for a path not in the record."""
    tp, metadata, required = _resolve(path)
    lo = next((_num(m.ge) for m in metadata if isinstance(m, Ge)), None)
    lo = next((_num(m.gt) for m in metadata if isinstance(m, Gt)), lo)
    hi = next((_num(m.le) for m in metadata if isinstance(m, Le)), None)
    hi = next((_num(m.lt) for m in metadata if isinstance(m, Lt)), hi)
    values = _literal_values(tp)
    if values is not None:
        return Shape("choice", values, required=required)
    if get_origin(tp) is list:
        inner = _strip_optional(get_args(tp)[0])
        values = _literal_values(inner)
        if values is not None:
            return Shape("multi", values, required=required)
        if inner is str:
            return Shape("lines", required=required)
    if tp is bool:
        return Shape("tri", ("yes", "no"), required=required)
    if tp is int:
        return Shape("int", minimum=lo, maximum=hi, required=required)
    if tp is float:
        return Shape("float", minimum=lo, maximum=hi, required=required)
    if tp is dt.date:
        return Shape("date", required=required)
    if tp is str:
        return Shape("text", required=required)
    raise KeyError(f"{path}: no form input for {tp}")


# ---------------------------------------------------------------- the form's building blocks


@dataclass(frozen=True)
class Field:
    """One question. ``path`` is relative to the row inside a ``Group``."""

    path: str
    label: str
    hint: str = ""
    kind: Kind | None = None  # from the record model unless given
    widget: Literal["radio", "select", "checkboxes", ""] = ""
    unknown: str = "Not asked"  # what the empty answer of a yes/no question is called
    choices_from: str = ""  # "acr_procedures": choices from the KB instead of the record model
    none_label: str = ""  # a list where "none" ([]) differs from "not asked": the tick box's words


@dataclass(frozen=True)
class SideRow:
    """A finding on each side: ``path`` holds ``{side}``, e.g. ``exam.slr.{side}.angle``."""

    path: str
    label: str
    hint: str = ""
    unknown: str = "Not tested"

    def fields(self) -> tuple[Field, ...]:
        out = []
        for side in SIDES:
            path = self.path.format(side=side)
            tri = path_exists(path) and shape(path).kind == "tri"
            widget: Literal["select", ""] = "select" if tri else ""
            out.append(Field(path, f"{self.label}, {side}", widget=widget, unknown=self.unknown))
        return tuple(out)


@dataclass(frozen=True)
class SideTable:
    """Left/right findings as a table: one row per test, a column per side."""

    id: str
    title: str
    rows: tuple[SideRow, ...]
    hint: str = ""


@dataclass(frozen=True)
class NeuroGrid:
    """The myotome/dermatome grid L2–S1 × left/right and the two reflexes × left/right."""

    id: str = "neuro"
    title: str = "Neurological examination, L2–S1"
    hint: str = (
        "Key muscle strength as MRC grade 0 (no contraction) to 5 (normal); sensation at the "
        "dermatome's key sensory point. Leave a cell at “Not tested” when you did not examine it."
    )

    def fields(self) -> tuple[Field, ...]:
        out = []
        for root in ROOTS:
            for side in SIDES:
                out.append(
                    Field(
                        f"exam.myotomes.{root}.{side}",
                        f"{root} key muscle, {side} (MRC)",
                        unknown="Not tested",
                    )
                )
                out.append(
                    Field(
                        f"exam.dermatomes.{root}.{side}",
                        f"{root} sensation, {side}",
                        unknown="Not tested",
                    )
                )
        for reflex in REFLEXES:
            for side in SIDES:
                out.append(
                    Field(
                        f"exam.reflexes.{reflex}.{side}",
                        f"{reflex.capitalize()} reflex, {side}",
                        unknown="Not tested",
                    )
                )
        return tuple(out)


@dataclass(frozen=True)
class Group:
    """Repeatable rows: a list of models at ``path`` (e.g. ``imaging``), ``fields`` per row."""

    path: str
    noun: str  # "study", "finding", "medicine"…
    fields: tuple[Field, ...]
    sub: Group | None = None  # rows inside each row (a study's findings)
    hint: str = ""
    none_label: str = ""  # where no rows ([]) differs from "not asked": the tick box's words

    def row_paths(self) -> tuple[str, ...]:
        return tuple(f"{self.path}.*.{f.path}" for f in self.fields)


@dataclass(frozen=True)
class Instruments:
    """The questionnaires: one block per KB instrument (items and options from the KB)."""

    path: str = "questionnaires"


Item = Field | SideTable | NeuroGrid | Group | Instruments


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[Item, ...]
    hint: str = ""


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    intro: str
    sections: tuple[Section, ...]

    def fields(self) -> tuple[Field, ...]:
        """The step's scalar fields (not those inside groups), in page order.

        A field whose path the record model no longer has is left out, so the page keeps
        working while the record changes; a test checks that every path resolves.
        """
        return tuple(f for f in self.declared_fields() if path_exists(f.path))

    def declared_fields(self) -> tuple[Field, ...]:
        out: list[Field] = []
        for section in self.sections:
            for item in section.items:
                if isinstance(item, Field):
                    out.append(item)
                elif isinstance(item, SideTable):
                    out += [f for row in item.rows for f in row.fields()]
                elif isinstance(item, NeuroGrid):
                    out += item.fields()
        return tuple(out)

    def groups(self) -> tuple[Group, ...]:
        return tuple(item for s in self.sections for item in s.items if isinstance(item, Group))

    def has_instruments(self) -> bool:
        return any(isinstance(i, Instruments) for s in self.sections for i in s.items)

    def owned_paths(self) -> tuple[str, ...]:
        """The record paths this step writes (a group or the questionnaires as a whole)."""
        paths = [f.path for f in self.fields()] + [g.path for g in self.groups()]
        if self.has_instruments():
            paths.append(Instruments.path)
        return tuple(paths)


def _f(path: str, label: str, hint: str = "", **kw: Any) -> Field:
    return Field(path, label, hint, **kw)


def _tested(path: str, label: str, hint: str = "") -> Field:
    return Field(path, label, hint, unknown="Not tested")


# ---------------------------------------------------------------- the steps

HISTORY = Step(
    "history",
    "History",
    "The current episode: when and how it began, where it hurts and what changes it.",
    (
        Section(
            "onset",
            "Onset",
            (
                _f(
                    "history.onset_date",
                    "Date the current episode began",
                    "The episode's duration (acute, subacute, chronic) is worked out from it.",
                ),
                _f("history.mechanism", "How it began", "In the patient's words, briefly."),
                _f("history.recurrent", "Previous episodes of low back pain?"),
                _f(
                    "prior_conservative_care_weeks",
                    "Weeks of conservative care already tried for this episode",
                ),
            ),
        ),
        Section(
            "pain",
            "Pain",
            (
                _f("history.pain_sites", "Where is the pain?", "Tick every site that applies."),
                _f("history.pain_side", "Side of the leg or buttock symptoms"),
                _f(
                    "history.pain_character",
                    "Character of the pain",
                    "One description per line, e.g. burning, electric, aching.",
                ),
                _f("history.leg_pain_worse_than_back", "Leg pain worse than back pain?"),
            ),
        ),
        Section(
            "factors",
            "What makes it worse or better",
            (
                _f("history.aggravating", "Aggravating"),
                _f("history.easing", "Easing"),
                _f(
                    "history.walking_distance_m",
                    "Walking distance before leg symptoms start (metres)",
                ),
                _f(
                    "history.relief_sitting_or_flexion",
                    "Leg symptoms relieved by sitting or bending forward?",
                ),
                _f("history.morning_stiffness_minutes", "Morning stiffness (minutes)"),
            ),
        ),
    ),
)

CONTEXT = Step(
    "context",
    "Patient context",
    "Background that changes what is safe and what is likely. Age and sex come from the "
    "patient's details.",
    (
        Section(
            "person",
            "The patient",
            (
                _f("patient.pregnant", "Pregnant?", unknown="Not known"),
                _f("patient.pregnancy_weeks", "Weeks of pregnancy"),
                _f("patient.height_cm", "Height (cm)"),
                _f("patient.weight_kg", "Weight (kg)"),
                _f("patient.occupation", "Occupation"),
                _f("patient.work_status", "Work status"),
            ),
        ),
        Section(
            "comorbidities",
            "Other conditions",
            (
                _f("patient.comorbidities.egfr", "eGFR (mL/min/1.73 m²)", "The latest value."),
                _f("patient.comorbidities.gi_bleed_or_ulcer", "GI bleeding or peptic ulcer"),
                _f("patient.comorbidities.heart_failure", "Heart failure"),
                _f("patient.comorbidities.liver_disease", "Liver disease"),
                _f(
                    "patient.comorbidities.nsaid_sensitive_asthma",
                    "Asthma or reactions triggered by NSAIDs",
                ),
                _f("patient.comorbidities.diabetes", "Diabetes"),
                _f("patient.comorbidities.depression", "Depression"),
                _f("patient.comorbidities.anxiety", "Anxiety disorder"),
                _f("patient.comorbidities.substance_use_disorder", "Substance use disorder"),
                _f("patient.comorbidities.opioid_overdose_history", "Previous opioid overdose"),
            ),
        ),
        Section(
            "medicines",
            "Current medicines and allergies",
            (
                Group(
                    "patient.medications",
                    "medicine",
                    (
                        _f("name", "Medicine"),
                        _f("dose", "Dose and frequency"),
                        _f("rxnorm", "RxNorm code", "Optional."),
                        _f("active", "Currently taking?", unknown="—", widget="select"),
                    ),
                    none_label="Takes no medicines",
                    hint="Leave the rows empty and the box unticked if you did not ask.",
                ),
                _f(
                    "patient.allergies",
                    "Drug allergies",
                    "One per line, with the reaction if known.",
                    none_label="No known drug allergies",
                ),
            ),
        ),
        Section(
            "preferences",
            "What the patient wants",
            (
                _f(
                    "patient.preferences.declines_medicines",
                    "Declines medicines?",
                    unknown="Not discussed",
                ),
                _f(
                    "patient.preferences.declines_opioids",
                    "Declines opioids?",
                    unknown="Not discussed",
                ),
                _f(
                    "patient.preferences.prefers_active_therapy",
                    "Prefers active therapy (exercise) to passive treatment?",
                    unknown="Not discussed",
                ),
                _f(
                    "patient.preferences.declines_injections",
                    "Declines injections?",
                    unknown="Not discussed",
                ),
                _f(
                    "patient.preferences.declines_surgery",
                    "Declines surgery?",
                    unknown="Not discussed",
                ),
            ),
            hint="The treatment plan respects these; leave “Not discussed” if you have not asked.",
        ),
        Section(
            "treatments",
            "Treatment so far",
            (
                Group(
                    "patient.prior_treatments",
                    "treatment",
                    (
                        _f("treatment", "Treatment", "e.g. NSAID, physiotherapy, epidural."),
                        _f("weeks", "Weeks"),
                        _f("response", "Response"),
                        _f("percent_relief", "Relief (%)"),
                        _f("end_date", "Ended on"),
                    ),
                    none_label="No treatment tried yet for this episode",
                ),
                Group(
                    "patient.prior_spine_surgery",
                    "operation",
                    (
                        _f("procedure", "Spine operation"),
                        _f("level", "Level"),
                        _f("date", "Date"),
                    ),
                    none_label="No previous spine surgery",
                ),
            ),
        ),
    ),
)

_C = "patient.comorbidities"
RED_FLAGS = Step(
    "red-flags",
    "Red-flag questions",
    "Ask every question. Leave “Not asked” only if you did not ask: an unasked question is "
    "treated as unknown and listed as data needed, never as “no”.",
    (
        Section(
            "cauda-equina",
            "Cauda equina syndrome",
            (
                _f(
                    "history.urinary_retention",
                    "New difficulty passing urine, retention or altered urinary-stream sensation?",
                ),
                _f("history.urinary_incontinence", "New urinary incontinence?"),
                _f(
                    "history.bowel_dysfunction",
                    "New faecal incontinence or loss of rectal-fullness sensation?",
                ),
                _f(
                    "history.saddle_sensory_change",
                    "Numbness or altered sensation in the saddle, genital or perianal area?",
                ),
                _f("history.new_sexual_dysfunction", "New sexual dysfunction?"),
                _f(
                    "history.bilateral_leg_symptoms",
                    "Sciatica in both legs, or one-sided sciatica becoming two-sided?",
                ),
            ),
        ),
        Section(
            "neurological",
            "Neurological deficit",
            (_f("history.progressive_weakness", "Leg weakness that is getting worse?"),),
        ),
        Section(
            "malignancy",
            "Malignancy",
            (
                _f(f"{_C}.cancer_history", "Any past or current cancer?"),
                _f(f"{_C}.active_cancer", "Cancer currently under treatment or not in remission?"),
                _f("history.weight_loss", "Unexplained weight loss?"),
                _f(
                    "history.night_pain",
                    "Pain at night that wakes the patient and is not eased by changing position?",
                ),
                _f("history.rest_pain", "Constant pain at rest, not eased by rest or position?"),
                _f("history.thoracic_pain", "Thoracic (mid-back) pain?"),
                _f(
                    "history.failed_to_improve_4_weeks",
                    "No improvement after about a month of appropriate care?",
                ),
            ),
        ),
        Section(
            "infection",
            "Infection",
            (
                _f("history.fever", "Fever or rigors with this episode?"),
                _f(f"{_C}.immunosuppression", "Immunosuppressed by disease or treatment?"),
                _f(f"{_C}.iv_drug_use", "Intravenous drug use?"),
                _f(
                    f"{_C}.recent_bacterial_infection",
                    "Recent bacterial infection, penetrating wound or spinal procedure?",
                ),
            ),
        ),
        Section(
            "fracture",
            "Fracture",
            (
                _f(
                    "history.trauma",
                    "Trauma at onset",
                    "Minor: e.g. a fall from standing height or lifting. Major: e.g. a road "
                    "traffic collision or a fall from a height.",
                ),
                _f(f"{_C}.osteoporosis", "Known osteoporosis?"),
                _f(f"{_C}.long_term_corticosteroids", "Prolonged systemic corticosteroid use?"),
                _f(
                    "history.sudden_severe_pain_eased_lying",
                    "Sudden severe central spinal pain that is eased by lying down?",
                ),
            ),
        ),
        Section(
            "aaa",
            "Abdominal aortic aneurysm",
            (
                _f("history.pulsatile_abdominal_mass", "Pulsatile abdominal mass on examination?"),
                _f(f"{_C}.vascular_disease", "Peripheral or aortic vascular disease?"),
                _f(f"{_C}.cardiovascular_disease", "Established cardiovascular disease?"),
                _f(f"{_C}.smoker", "Current smoker?"),
            ),
        ),
        Section(
            "inflammatory",
            "Inflammatory back pain (axial spondyloarthritis)",
            (
                _f(
                    "history.back_pain_onset_age",
                    "Age when the back pain first began (any episode), in years",
                    "As the patient recalls it. NICE NG65 asks about onset before 45 and 35.",
                ),
                _f(
                    "history.wakes_second_half_of_night",
                    "Back pain wakes the patient in the second half of the night?",
                ),
                _f("history.improves_with_movement", "Back pain improves with movement?"),
                _f(
                    "history.nsaid_response_48h",
                    "Back pain improves within 48 hours of taking an NSAID?",
                ),
                _f(
                    "history.alternating_buttock_pain",
                    "Buttock pain, or pain alternating between the buttocks?",
                ),
                _f("history.enthesitis", "Current or past enthesitis?"),
                _f("history.arthritis_history", "Current or past arthritis?"),
                _f(f"{_C}.psoriasis", "Current or past psoriasis?"),
                _f(f"{_C}.inflammatory_bowel_disease", "Crohn's disease or ulcerative colitis?"),
                _f(f"{_C}.uveitis", "Current or past anterior uveitis?"),
                _f(
                    "patient.family_history_spondyloarthritis",
                    "A first-degree relative with spondyloarthritis or psoriasis?",
                ),
            ),
        ),
    ),
)

EXAM = Step(
    "exam",
    "Examination",
    "Record what you examined; leave the rest blank (“Not tested”).",
    (
        Section("neuro", "Neurological examination, L2–S1", (NeuroGrid(),)),
        Section(
            "tension",
            "Nerve tension tests",
            (
                SideTable(
                    "tension-tests",
                    "Nerve tension tests",
                    (
                        SideRow("exam.slr.{side}.angle", "Straight-leg raise angle (°)"),
                        SideRow("exam.slr.{side}.reproduces_leg_pain", "SLR reproduces leg pain"),
                        SideRow(
                            "exam.crossed_slr.{side}",
                            "Crossed SLR positive",
                            "Raising this leg reproduces pain in the other leg.",
                        ),
                        SideRow(
                            "exam.femoral_nerve_stretch.{side}", "Femoral nerve stretch positive"
                        ),
                    ),
                ),
            ),
        ),
        Section(
            "cauda-equina-exam",
            "Saddle sensation and anal tone",
            (
                _tested("exam.saddle_sensation", "Saddle sensation"),
                _tested("exam.anal_tone", "Anal tone", "Only when examined."),
                _tested(
                    "exam.upper_motor_neuron_signs",
                    "Upper motor neuron signs",
                    "e.g. extensor plantar response, clonus, spasticity.",
                ),
            ),
        ),
        Section(
            "gait",
            "Gait",
            (
                _tested("exam.gait", "Gait"),
                SideTable(
                    "walking",
                    "Heel and toe walking",
                    (
                        SideRow("exam.heel_walk.{side}", "Can walk on the heel"),
                        SideRow("exam.toe_walk.{side}", "Can walk on the toes"),
                    ),
                ),
            ),
        ),
        Section(
            "movement",
            "Lumbar movement",
            (
                _tested("exam.lumbar_flexion_limited", "Lumbar flexion limited"),
                _tested("exam.lumbar_extension_limited", "Lumbar extension limited"),
                _tested("exam.repeated_movements.response", "Response to repeated movements"),
                _tested(
                    "exam.repeated_movements.direction",
                    "Directional preference",
                    "The direction that centralises or abolishes the symptoms.",
                ),
                _tested(
                    "exam.repeated_movements.peripheralises_with",
                    "Peripheralises with",
                ),
                _tested(
                    "exam.lumbar_hypomobility",
                    "Lumbar hypomobility",
                    "At least one hypomobile segment on passive intervertebral testing.",
                ),
                _tested("exam.prone_instability_test", "Prone instability test positive"),
                _tested(
                    "exam.aberrant_movements",
                    "Aberrant movements during flexion",
                    "Painful arc, instability catch, Gowers' sign, reversal of lumbopelvic rhythm.",
                ),
                _tested("exam.midline_spinal_tenderness", "Focal midline spinal tenderness"),
            ),
        ),
        Section(
            "sij",
            "Sacroiliac joint provocation tests",
            (
                _tested("exam.sij_tests.distraction", "Distraction"),
                _tested("exam.sij_tests.thigh_thrust", "Thigh thrust"),
                _tested("exam.sij_tests.compression", "Compression"),
                _tested("exam.sij_tests.sacral_thrust", "Sacral thrust"),
                _tested("exam.sij_tests.gaenslen", "Gaenslen's test"),
                _tested("exam.sij_tests.faber", "FABER"),
            ),
            hint="Positive when the test reproduces the patient's usual pain.",
        ),
        Section(
            "hip-temperature",
            "Hip and temperature",
            (
                SideTable(
                    "hip",
                    "Hip internal rotation",
                    (SideRow("exam.hip_internal_rotation_deg.{side}", "Internal rotation (°)"),),
                ),
                _tested("exam.temperature_c", "Temperature (°C)"),
            ),
        ),
    ),
)

IMAGING = Step(
    "imaging",
    "Imaging",
    "Studies already done, with their findings by level. Leave empty when there are none.",
    (
        Section(
            "studies",
            "Imaging studies",
            (
                Group(
                    "imaging",
                    "study",
                    (_f("modality", "Modality"), _f("date", "Date")),
                    sub=Group(
                        "findings",
                        "finding",
                        (
                            _f("kind", "Finding"),
                            _f("level", "Level"),
                            _f("side", "Side"),
                            _f("location", "Location"),
                            _f("grade", "Grade"),
                            _f("herniation_type", "Herniation type"),
                            _f("compresses_root", "Compresses root"),
                        ),
                    ),
                ),
            ),
        ),
        Section(
            "order",
            "Proposed imaging",
            (
                _f(
                    "proposed_imaging.procedure",
                    "Imaging you are considering ordering",
                    "SpineCare checks it against the ACR Appropriateness Criteria.",
                    choices_from="acr_procedures",
                ),
            ),
        ),
    ),
)

PROCEDURES = Step(
    "procedures",
    "Procedures and work-up",
    "Spinal procedures already done (with the relief the patient reported), the safety screen "
    "before an injection, and surgical work-up findings. Leave anything not assessed blank: "
    "SpineCare then says what it needs instead of assuming.",
    (
        Section(
            "log",
            "Procedures already done",
            (
                Group(
                    "procedures",
                    "procedure",
                    (
                        _f("type", "Procedure"),
                        _f("date", "Date"),
                        _f("level", "Level"),
                        _f("side", "Side"),
                        _f("diagnostic", "Diagnostic block?", unknown="—", widget="select"),
                        _f("steroid", "Steroid"),
                        _f("steroid_dose_mg", "Steroid dose (mg)"),
                    ),
                    sub=Group(
                        "relief",
                        "relief report",
                        (
                            _f("days_after", "Days after the procedure"),
                            _f("percent_relief", "Relief of the index pain (%)"),
                        ),
                    ),
                    none_label="No spinal procedures so far",
                    hint="Leave the rows empty and the box unticked if you did not ask.",
                ),
            ),
        ),
        Section(
            "screen",
            "Before an injection",
            (
                _f(
                    "intervention_screen.systemic_infection",
                    "Systemic infection?",
                    unknown="Not asked",
                ),
                _f(
                    "intervention_screen.injection_site_infection",
                    "Infection at the injection site?",
                    unknown="Not examined",
                ),
                _f(
                    "intervention_screen.contrast_allergy",
                    "Allergy to contrast?",
                    unknown="Not asked",
                ),
                _f(
                    "intervention_screen.anticoagulation_plan_agreed",
                    "Anticoagulant plan agreed with the prescriber?",
                    unknown="Not yet",
                ),
                _f(
                    "intervention_screen.acute_severe_sciatica",
                    "Is the sciatica acute and severe (your judgement)?",
                    unknown="Not judged",
                ),
                _f(
                    "intervention_screen.facet_pain_suspected",
                    "Main source of pain thought to be the facet joints (medial branch nerves)?",
                    unknown="Not judged",
                ),
                _f(
                    "intervention_screen.rfa_not_possible_reason",
                    "A documented reason radiofrequency ablation cannot be done?",
                    unknown="Not recorded",
                ),
            ),
        ),
        Section(
            "surgical",
            "Surgical work-up",
            (
                _f(
                    "surgical_workup.imaging_consistent_with_symptoms",
                    "Imaging consistent with the symptoms and signs (your judgement)?",
                    unknown="Not judged",
                ),
                _f("surgical_workup.dexa_t_score", "Lowest DEXA T-score"),
                _f(
                    "surgical_workup.skeletally_mature",
                    "Skeletally mature?",
                    unknown="Not assessed",
                ),
                _f("surgical_workup.ddd_levels", "Levels of symptomatic degenerative disc disease"),
                _f(
                    "surgical_workup.discogenic_pain_confirmed",
                    "Discogenic pain confirmed by history and imaging?",
                    unknown="Not assessed",
                ),
                _f("surgical_workup.spondylolisthesis_type", "Spondylolisthesis type"),
                _f("surgical_workup.pars_defect", "Pars defect?", unknown="Not assessed"),
                _f("surgical_workup.bony_stenosis", "Bony stenosis?", unknown="Not assessed"),
                _f(
                    "surgical_workup.isolated_radicular_compression",
                    "Isolated radicular compression?",
                    unknown="Not assessed",
                ),
                _f("surgical_workup.endplate_ml_mm", "Endplate width (mm)"),
                _f("surgical_workup.endplate_ap_mm", "Endplate depth (mm)"),
                _f(
                    "surgical_workup.compromised_vertebral_bodies",
                    "Compromised vertebral bodies?",
                    unknown="Not assessed",
                ),
                _f("surgical_workup.active_infection", "Active infection?", unknown="Not assessed"),
                _f(
                    "surgical_workup.implant_material_allergy",
                    "Allergy to disc-replacement implant materials?",
                    unknown="Not asked",
                ),
            ),
        ),
    ),
)

QUESTIONNAIRES = Step(
    "questionnaires",
    "Questionnaires",
    "Enter the patient's answers item by item, or a score recorded elsewhere.",
    (Section("instruments", "Questionnaires", (Instruments(),)),),
)

STEPS: tuple[Step, ...] = (HISTORY, CONTEXT, RED_FLAGS, EXAM, IMAGING, PROCEDURES, QUESTIONNAIRES)
STEP_BY_SLUG = {s.slug: s for s in STEPS}
REVIEW = "review"


def step_after(slug: str) -> str:
    i = [s.slug for s in STEPS].index(slug)
    return STEPS[i + 1].slug if i + 1 < len(STEPS) else REVIEW


def step_before(slug: str) -> str | None:
    i = [s.slug for s in STEPS].index(slug)
    return STEPS[i - 1].slug if i else None


def known_group_fields(group: Group) -> tuple[Field, ...]:
    """The group's fields that the record model has (a field added to the spec early is skipped)."""
    out = []
    for f in group.fields:
        try:
            shape(_group_path(group, f))
        except KeyError:
            continue
        out.append(f)
    return tuple(out)


_PARENT: dict[str, str] = {}


def _group_path(group: Group, f: Field) -> str:
    base = _PARENT.get(group.path, "")
    return f"{base}{group.path}.*.{f.path}"


for _step in STEPS:
    for _g in _step.groups():
        if _g.sub is not None:
            _PARENT[_g.sub.path] = f"{_g.path}.*."


def group_field_shape(group: Group, f: Field) -> Shape:
    return shape(_group_path(group, f))


# ---------------------------------------------------------------- data needed → field

# Facts the engine computes from several inputs: where to answer them.
_DERIVED_FACT_FIELDS: dict[str, tuple[str, ...]] = {
    "saddle_anaesthesia": ("history.saddle_sensory_change", "exam.saddle_sensation"),
    # surgical work-up facts derived by core.surgery.referral
    "ddd_level_count": ("surgical_workup.ddd_levels",),
    "ddd_levels_within_l3_s1": ("surgical_workup.ddd_levels",),
    "imaging_concordant": ("surgical_workup.imaging_consistent_with_symptoms",),
    "spondylolisthesis_grade": ("imaging",),
    "reduced_anal_tone": ("exam.anal_tone",),
    "symptom_duration_days": ("history.onset_date",),
    "symptom_duration_weeks": ("history.onset_date",),
    "duration_category": ("history.onset_date",),
    "min_myotome_grade": ("@neuro",),
    "weak_root_count": ("@neuro",),
    "myotome_weakness": ("@neuro",),
    "dermatomal_sensory_loss": ("@neuro",),
    "reflex_reduced": ("@neuro",),
    "slr_min_angle": ("exam.slr.left.angle",),
    "slr_average_angle": ("exam.slr.left.angle",),
    "slr_positive": ("exam.slr.left.reproduces_leg_pain",),
    "crossed_slr_positive": ("exam.crossed_slr.left",),
    "femoral_stretch_positive": ("exam.femoral_nerve_stretch.left",),
    "repeated_movement_response": ("exam.repeated_movements.response",),
    "directional_preference": ("exam.repeated_movements.direction",),
    "sij_positive_tests": ("@sij",),
    "sij_tests_done": ("@sij",),
    "hip_internal_rotation_left_deg": ("exam.hip_internal_rotation_deg.left",),
    "hip_internal_rotation_right_deg": ("exam.hip_internal_rotation_deg.right",),
    "hip_internal_rotation_max_deg": ("exam.hip_internal_rotation_deg.left",),
    "imaging_findings": ("imaging",),
    "imaging_modalities": ("imaging",),
    "prior_spine_surgery": ("patient.prior_spine_surgery",),
}
# Facts worked out from a list (core.plan.medicine_facts): where that list is entered.
_FACT_PREFIXES: tuple[tuple[str, str], ...] = (
    ("on_", "patient.medications"),
    ("allergic_to_", "patient.allergies"),
    ("failed_drug_classes", "patient.prior_treatments"),
)
# Facts taken from the patient's details (demographics), not from the evaluation form.
DEMOGRAPHIC_FACTS = frozenset({"age", "sex"})


@dataclass(frozen=True)
class Target:
    """Where in the form a fact is answered: the step and the anchor of the field."""

    step: str
    anchor: str
    label: str


@cache
def _path_index() -> dict[str, Target]:
    out: dict[str, Target] = {
        "@neuro": Target(EXAM.slug, "grid-neuro", "Neurological examination, L2–S1"),
        "@sij": Target(EXAM.slug, "section-sij", "Sacroiliac joint provocation tests"),
    }
    for step in STEPS:
        for f in step.fields():
            out[f.path] = Target(step.slug, f"field-{field_name(f.path)}", f.label)
        for g in step.groups():
            out[g.path] = Target(step.slug, f"group-{field_name(g.path)}", _group_title(g))
    return out


def _group_title(group: Group) -> str:
    return {
        "imaging": "Imaging studies",
        "patient.medications": "Current medicines",
        "patient.prior_treatments": "Treatment so far",
        "patient.prior_spine_surgery": "Previous spine surgery",
    }.get(group.path, group.noun)


def targets_for_fact(fact: str, instrument_ids: frozenset[str] = frozenset()) -> list[Target]:
    """The form fields where a fact of the KB is answered (empty when none, e.g. age)."""
    index = _path_index()
    if fact in _DERIVED_FACT_FIELDS:
        return [index[p] for p in _DERIVED_FACT_FIELDS[fact] if p in index]
    for prefix, path in _FACT_PREFIXES:
        if fact.startswith(prefix) and path in index:
            return [index[path]]
    instrument = next(
        (i for i in sorted(instrument_ids, key=len, reverse=True) if fact.startswith(f"{i}_")),
        None,
    )
    if instrument is not None:
        return [Target(QUESTIONNAIRES.slug, f"instrument-{instrument}", instrument)]
    for prefix in (
        "history.",
        "patient.",
        f"{_C}.",
        "exam.",
        "surgical_workup.",
        "intervention_screen.",
        "",
    ):
        if prefix + fact in index:
            return [index[prefix + fact]]
    return []


def label_for_path(path: str) -> str:
    target = _path_index().get(path)
    return target.label if target else path


def humanise(value: str) -> str:
    """A stored code as words: ``below_knee`` → ``below knee``."""
    return VALUE_LABELS.get(value, value.replace("_", " "))


VALUE_LABELS: dict[str, str] = {
    "mri": "MRI",
    "mri_contrast": "MRI with contrast",
    "ct": "CT",
    "ct_myelography": "CT myelography",
    "pet_ct": "PET-CT",
    "bone_scan": "Bone scan",
    "radiograph": "Radiograph",
    "type1": "Modic type 1",
    "type2": "Modic type 2",
    "type3": "Modic type 3",
    "1": "Grade 1",
    "2": "Grade 2",
    "3": "Grade 3",
    "4": "Grade 4",
    "lateral_shift_left": "lateral shift left",
    "lateral_shift_right": "lateral shift right",
    "not_examined": "not examined",
    "no_effect": "no effect",
    "not_tolerated": "not tolerated",
    "modified_duties": "modified duties",
    "off_work": "off work",
    "below_knee": "below the knee",
    "high_stepping": "high-stepping",
    "wide_based": "wide-based",
    "trendelenburg": "Trendelenburg",
    "tumour_suspected": "tumour suspected",
    "infection_suspected": "infection suspected",
    "cauda_equina_compression": "cauda equina compression",
    "disc_herniation": "disc herniation",
    "central_stenosis": "central stenosis",
    "foraminal_stenosis": "foraminal stenosis",
    "lateral_recess_stenosis": "lateral recess stenosis",
    "modic_change": "Modic change",
    "facet_arthropathy": "facet arthropathy",
}


def all_record_leaf_paths() -> set[str]:
    """Every path of the record a clinician can enter (tests: each is asked in one step)."""
    out: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            path = f"{prefix}{name}"
            tp = _strip_optional(_unannotate(_strip_optional(info.annotation))[0])
            origin = get_origin(tp)
            if origin is dict:
                key_type, value_type = get_args(tp)
                for key in get_args(key_type):
                    walk(value_type, f"{path}.{key}.")
            elif origin is list and _is_model(get_args(tp)[0]):
                out.add(path)  # a group
            elif _is_model(tp):
                walk(tp, f"{path}.")
            else:
                out.add(path)

    walk(EvaluationRecord, "")
    return out


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


# Record paths that are not asked in the form, and why.
NOT_IN_FORM: dict[str, str] = {
    "patient_id": "set from the patient",
    "evaluation_date": "set when the evaluation is started",
    "profile": "chosen when the evaluation is started",
    "patient.age": "from the patient's date of birth",
    "patient.sex": "from the patient's details",
}
