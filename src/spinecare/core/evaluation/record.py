"""The evaluation record: everything a clinician finds in one comprehensive evaluation.

Every field is optional. A field left out is *unknown*, and the engine reports what it needed
and did not get. The record is the validated boundary type of the core (ADR 0004): a form, a
JSON file or FHIR data fills it; ``spinecare schema evaluation`` publishes its JSON Schema.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Root = Literal["L2", "L3", "L4", "L5", "S1"]
Level = Literal["T12-L1", "L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"]
MRC = Annotated[int, Field(ge=0, le=5, description="MRC grade 0 (no contraction) to 5 (normal)")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=True)


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"
    CENTRAL = "central"


class Sensation(StrEnum):
    NORMAL = "normal"
    REDUCED = "reduced"
    ABSENT = "absent"


class ReflexGrade(StrEnum):
    ABSENT = "absent"
    REDUCED = "reduced"
    NORMAL = "normal"
    BRISK = "brisk"


T = TypeVar("T")


class Sides(_Model, Generic[T]):
    """A finding on each side; either side may be unknown."""

    left: T | None = None
    right: T | None = None


class Comorbidities(_Model):
    osteoporosis: bool | None = None
    cancer_history: bool | None = Field(None, description="Any past or current malignancy.")
    active_cancer: bool | None = None
    immunosuppression: bool | None = None
    long_term_corticosteroids: bool | None = None
    iv_drug_use: bool | None = None
    recent_bacterial_infection: bool | None = None
    egfr: float | None = Field(None, ge=0, le=200, description="eGFR in mL/min/1.73 m².")
    gi_bleed_or_ulcer: bool | None = None
    cardiovascular_disease: bool | None = None
    heart_failure: bool | None = None
    liver_disease: bool | None = None
    nsaid_sensitive_asthma: bool | None = None
    substance_use_disorder: bool | None = None
    opioid_overdose_history: bool | None = None
    depression: bool | None = None
    anxiety: bool | None = None
    diabetes: bool | None = None
    smoker: bool | None = None
    vascular_disease: bool | None = Field(
        None, description="Peripheral or aortic vascular disease."
    )
    psoriasis: bool | None = None
    inflammatory_bowel_disease: bool | None = None
    uveitis: bool | None = None


class Medication(_Model):
    name: str = Field(min_length=1)
    rxnorm: str | None = Field(None, pattern=r"^\d+$")
    dose: str | None = Field(None, description="The dose as written, e.g. '10 mg every 8 hours'.")
    dose_value: float | None = Field(None, gt=0, description="Amount per dose, with dose_unit.")
    dose_unit: str | None = Field(
        None,
        description="Unit of dose_value: tablet, capsule, patch, mg, mcg, mL, or mcg/h for a patch.",
    )
    doses_per_day: float | None = Field(None, gt=0, le=48)
    started_on: dt.date | None = Field(
        None,
        description="When this medicine (or its current dose) was started; omitted = not known.",
    )
    active: bool = True


class PriorTreatment(_Model):
    treatment: str = Field(min_length=1, description="e.g. nsaid, physiotherapy, esi, mbb.")
    weeks: float | None = Field(None, ge=0)
    response: (
        Literal["resolved", "helped", "partial", "no_effect", "worse", "not_tolerated"] | None
    ) = None
    percent_relief: float | None = Field(None, ge=0, le=100)
    end_date: dt.date | None = None


class SpineSurgery(_Model):
    procedure: str
    level: Level | None = None
    date: dt.date | None = None


class Preferences(_Model):
    """What the patient has said they want; unknown when not discussed."""

    declines_medicines: bool | None = None
    declines_opioids: bool | None = None
    prefers_active_therapy: bool | None = None
    declines_injections: bool | None = None
    declines_surgery: bool | None = None


class Patient(_Model):
    age: int | None = Field(None, ge=0, le=120)
    sex: Literal["female", "male", "other"] | None = None
    pregnant: bool | None = None
    pregnancy_weeks: int | None = Field(None, ge=0, le=45)
    height_cm: float | None = Field(None, gt=30, lt=260)
    weight_kg: float | None = Field(None, gt=2, lt=400)
    occupation: str | None = None
    work_status: (
        Literal[
            "working",
            "modified_duties",
            "off_work",
            "unemployed",
            "retired",
            "student",
            "homemaker",
        ]
        | None
    ) = None
    comorbidities: Comorbidities = Comorbidities()
    medications: list[Medication] | None = Field(
        None, description="Current medicines; [] = none; omitted = not asked (never read as none)."
    )
    allergies: list[str] | None = Field(
        None, description="Drug allergies; [] = no known drug allergies; omitted = not asked."
    )
    preferences: Preferences = Preferences()
    prior_spine_surgery: list[SpineSurgery] | None = Field(
        None, description="Previous lumbar spine operations; [] = none; omitted = not asked."
    )
    prior_treatments: list[PriorTreatment] | None = Field(
        None, description="Treatments tried for this episode; [] = none; omitted = not asked."
    )
    family_history_spondyloarthritis: bool | None = None


PainSite = Literal["axial", "buttock", "thigh", "below_knee", "foot", "groin", "thoracic"]
Movement = Literal[
    "flexion", "extension", "sitting", "standing", "walking", "lying", "lifting", "coughing"
]


class History(_Model):
    onset_date: dt.date | None = None
    back_pain_onset_age: int | None = Field(
        None,
        ge=0,
        le=120,
        description="Age when the patient's low back pain first began (any episode).",
    )
    mechanism: str | None = None
    trauma: Literal["none", "minor", "major"] | None = None
    recurrent: bool | None = Field(None, description="Previous episodes of low back pain.")
    pain_sites: list[PainSite] | None = None
    pain_side: Side | None = None
    pain_character: list[str] = []
    leg_pain_worse_than_back: bool | None = None
    aggravating: list[Movement] | None = None
    easing: list[Movement] | None = None
    walking_distance_m: int | None = Field(None, ge=0, description="Distance before leg symptoms.")
    relief_sitting_or_flexion: bool | None = None
    night_pain: bool | None = None
    rest_pain: bool | None = None
    morning_stiffness_minutes: int | None = Field(None, ge=0)
    wakes_second_half_of_night: bool | None = None
    improves_with_movement: bool | None = None
    nsaid_response_48h: bool | None = None
    alternating_buttock_pain: bool | None = None
    enthesitis: bool | None = None
    arthritis_history: bool | None = None
    fever: bool | None = None
    weight_loss: bool | None = Field(None, description="Unexplained weight loss.")
    thoracic_pain: bool | None = None
    failed_to_improve_4_weeks: bool | None = None
    urinary_retention: bool | None = None
    urinary_incontinence: bool | None = None
    bowel_dysfunction: bool | None = None
    saddle_sensory_change: bool | None = None
    new_sexual_dysfunction: bool | None = None
    bilateral_leg_symptoms: bool | None = None
    progressive_weakness: bool | None = None
    pulsatile_abdominal_mass: bool | None = None
    sudden_severe_pain_eased_lying: bool | None = None


class SLR(_Model):
    angle: int | None = Field(None, ge=0, le=120)
    reproduces_leg_pain: bool | None = None


class RepeatedMovements(_Model):
    response: Literal["centralisation", "peripheralisation", "no_effect", "mixed"] | None = None
    direction: (
        Literal["extension", "flexion", "lateral_shift_left", "lateral_shift_right"] | None
    ) = None
    peripheralises_with: Literal["extension", "flexion"] | None = None


class SIJTests(_Model):
    distraction: bool | None = None
    thigh_thrust: bool | None = None
    compression: bool | None = None
    sacral_thrust: bool | None = None
    gaenslen: bool | None = None
    faber: bool | None = None


class Exam(_Model):
    myotomes: dict[Root, Sides[MRC]] = {}
    dermatomes: dict[Root, Sides[Sensation]] = {}
    reflexes: dict[Literal["patellar", "achilles"], Sides[ReflexGrade]] = {}
    slr: Sides[SLR] = Sides[SLR]()
    crossed_slr: Sides[bool] = Sides[bool]()
    femoral_nerve_stretch: Sides[bool] = Sides[bool]()
    saddle_sensation: Sensation | None = None
    anal_tone: Literal["normal", "reduced", "not_examined"] | None = None
    gait: (
        Literal["normal", "antalgic", "high_stepping", "trendelenburg", "wide_based", "unable"]
        | None
    ) = None
    heel_walk: Sides[bool] = Sides[bool]()
    toe_walk: Sides[bool] = Sides[bool]()
    lumbar_flexion_limited: bool | None = None
    lumbar_extension_limited: bool | None = None
    repeated_movements: RepeatedMovements = RepeatedMovements()
    sij_tests: SIJTests = SIJTests()
    hip_internal_rotation_deg: Sides[int] = Sides[int]()
    lumbar_hypomobility: bool | None = None
    prone_instability_test: bool | None = None
    aberrant_movements: bool | None = None
    midline_spinal_tenderness: bool | None = None
    temperature_c: float | None = Field(None, ge=30, le=45)
    upper_motor_neuron_signs: bool | None = None


FindingKind = Literal[
    "disc_herniation",
    "central_stenosis",
    "foraminal_stenosis",
    "lateral_recess_stenosis",
    "spondylolisthesis",
    "fracture",
    "modic_change",
    "facet_arthropathy",
    "tumour_suspected",
    "infection_suspected",
    "cauda_equina_compression",
    "normal",
]


class ImagingFinding(_Model):
    kind: FindingKind
    level: Level | None = None
    side: Side | None = None
    grade: (
        Literal["mild", "moderate", "severe", "1", "2", "3", "4", "type1", "type2", "type3"] | None
    ) = None
    herniation_type: Literal["bulge", "protrusion", "extrusion", "sequestration"] | None = None
    location: Literal["central", "paracentral", "foraminal", "extraforaminal"] | None = Field(
        None,
        description="Where in the canal: foraminal and extraforaminal findings affect the exiting root.",
    )
    compresses_root: Root | None = None


class ImagingStudy(_Model):
    modality: Literal[
        "radiograph", "mri", "mri_contrast", "ct", "ct_myelography", "bone_scan", "pet_ct"
    ]
    date: dt.date | None = None
    findings: list[ImagingFinding] = []


class QuestionnaireResult(_Model):
    instrument: str = Field(description="Instrument id, e.g. odi, start_back.")
    date: dt.date | None = None
    answers: list[int | None] | None = Field(None, description="0-based option index per item.")
    score: float | None = Field(
        None, description="A score recorded elsewhere, when answers are not given."
    )


class ImagingOrder(_Model):
    procedure: str = Field(description="ACR procedure id, e.g. mri_without_contrast.")


ProcedureType = Literal[
    "esi-interlaminar",
    "esi-transforaminal",
    "esi-caudal",
    "facet-injection",
    "mbb",
    "rfa",
    "sij-injection",
]


class ReliefReport(_Model):
    """The patient's relief after a procedure, at a set time (pain diary or review)."""

    days_after: float = Field(ge=0, description="Days after the procedure (0.25 = 6 hours).")
    percent_relief: float = Field(ge=0, le=100, description="Relief of the index pain, %.")


class ProcedureRecord(_Model):
    """One interventional procedure already done (the procedure log)."""

    type: ProcedureType
    date: dt.date
    level: Level | None = None
    side: Side | None = None
    diagnostic: bool | None = Field(
        None, description="A diagnostic block (medial branch blocks always are)."
    )
    steroid: str | None = None
    steroid_dose_mg: float | None = Field(None, ge=0)
    relief: list[ReliefReport] = Field(
        [], description="Relief reports; [] = none recorded yet (relief unknown)."
    )


class InterventionScreen(_Model):
    """Pre-procedure safety screen and clinician judgements; omitted = unknown."""

    systemic_infection: bool | None = None
    injection_site_infection: bool | None = None
    contrast_allergy: bool | None = Field(
        None, description="Overrides the match of patient.allergies against contrast terms."
    )
    anticoagulation_plan_agreed: bool | None = Field(
        None, description="A peri-procedural anticoagulant plan agreed with the prescriber."
    )
    acute_severe_sciatica: bool | None = Field(
        None, description="Clinician's judgement: the sciatica is acute and severe (NICE NG59)."
    )
    facet_pain_suspected: bool | None = Field(
        None,
        description="Main source of pain thought to be structures supplied by the medial branch nerves.",
    )
    rfa_not_possible_reason: bool | None = Field(
        None, description="A documented reason why radiofrequency ablation cannot be done."
    )


class SurgicalWorkup(_Model):
    """Findings of a surgical work-up (for the surgical referral and the disc replacement label
    check); every field optional, omitted = not assessed."""

    imaging_consistent_with_symptoms: bool | None = Field(
        None, description="Clinician's judgement: imaging findings match the symptoms and signs."
    )
    dexa_t_score: float | None = Field(None, ge=-10, le=10, description="Lowest DEXA T-score.")
    skeletally_mature: bool | None = None
    ddd_levels: list[Level] | None = Field(
        None,
        description="Levels of symptomatic degenerative disc disease; [] = none; omitted = not assessed.",
    )
    discogenic_pain_confirmed: bool | None = Field(
        None, description="Discogenic pain confirmed by history and imaging."
    )
    spondylolisthesis_type: Literal["none", "degenerative", "isthmic", "other"] | None = None
    pars_defect: bool | None = None
    bony_stenosis: bool | None = None
    isolated_radicular_compression: bool | None = None
    endplate_ml_mm: float | None = Field(None, gt=0, le=100, description="Endplate width (mm).")
    endplate_ap_mm: float | None = Field(None, gt=0, le=100, description="Endplate depth (mm).")
    compromised_vertebral_bodies: bool | None = None
    active_infection: bool | None = None
    implant_material_allergy: bool | None = Field(
        None, description="Allergy or sensitivity to disc replacement implant materials."
    )


class EvaluationRecord(_Model):
    """One comprehensive evaluation of one patient."""

    patient_id: str | None = None
    evaluation_date: dt.date | None = None
    profile: str | None = Field(None, description="Guideline profile; default from the KB.")
    patient: Patient = Patient()
    history: History = History()
    exam: Exam = Exam()
    imaging: list[ImagingStudy] = []
    questionnaires: list[QuestionnaireResult] = []
    prior_conservative_care_weeks: float | None = Field(None, ge=0)
    proposed_imaging: ImagingOrder | None = None
    surgical_workup: SurgicalWorkup = SurgicalWorkup()
    procedures: list[ProcedureRecord] | None = Field(
        None, description="Procedure log; [] = none done; omitted = not asked (unknown)."
    )
    intervention_screen: InterventionScreen = InterventionScreen()
