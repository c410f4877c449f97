"""Demo patients and their evaluations, for ``manage.py seed_demo`` (see ``demo.SEEDERS``).

Every name is obviously synthetic and every MRN starts with ``DEMO-``. Dates are relative to
the day of seeding, so that the worklist, "recently seen" and symptom durations look alive in a
fresh demo. Both seeders are idempotent: a patient whose MRN exists is left alone, and a demo
patient who already has an evaluation gets no more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from spinecare.core.errors import KnowledgeBaseError
from spinecare.web.accounts.selectors import user_get_by_username
from spinecare.web.evaluations.models import Evaluation
from spinecare.web.evaluations.services import (
    evaluation_complete,
    evaluation_save,
    evaluation_start,
)
from spinecare.web.kb import get_kb
from spinecare.web.patients.models import Patient
from spinecare.web.patients.services import patient_create

CLINICIAN_USERNAME = "demo"
PHYSIO_USERNAME = "physio"


@dataclass(frozen=True, slots=True)
class DemoPatient:
    number: int
    given_name: str
    family_name: str
    age: int
    sex: str
    physio: bool = False

    @property
    def mrn(self) -> str:
        return f"DEMO-{self.number:04d}"


# Family names say "this is not a real person"; ages and sexes are spread on purpose.
DEMO_PATIENTS: tuple[DemoPatient, ...] = (
    DemoPatient(1, "Ada", "Example", 47, "female"),
    DemoPatient(2, "Bruno", "Sample", 68, "male"),
    DemoPatient(3, "Chloe", "Testcase", 34, "female", physio=True),
    DemoPatient(4, "Dev", "Fictitious", 29, "male", physio=True),
    DemoPatient(5, "Elena", "Fictional", 72, "female"),
    DemoPatient(6, "Farid", "Madeup", 55, "male"),
    DemoPatient(7, "Grace", "Synthetic", 81, "female"),
    DemoPatient(8, "Hugo", "Dummy", 41, "male", physio=True),
    DemoPatient(9, "Ines", "Mockup", 63, "female"),
    DemoPatient(10, "Jonah", "Specimen", 38, "male", physio=True),
    DemoPatient(11, "Kira", "Democase", 26, "female"),
    DemoPatient(12, "Leon", "Trialrun", 59, "male"),
    DemoPatient(13, "Maya", "Notreal", 45, "female", physio=True),
    DemoPatient(14, "Nils", "Pretend", 77, "male"),
    DemoPatient(15, "Olu", "Imaginary", 33, "other"),
    DemoPatient(16, "Priya", "Example", 52, "female", physio=True),
    DemoPatient(17, "Quentin", "Sample", 66, "male"),
    DemoPatient(18, "Rosa", "Testcase", 19, "female"),
    DemoPatient(19, "Sami", "Fictitious", 48, "male", physio=True),
    DemoPatient(20, "Tove", "Fictional", 88, "female"),
    DemoPatient(21, "Umar", "Madeup", 31, "male"),
    DemoPatient(22, "Vera", "Synthetic", 57, "female", physio=True),
    DemoPatient(23, "Wim", "Dummy", 70, "male"),
    DemoPatient(24, "Xena", "Mockup", 42, "female"),
    DemoPatient(25, "Yusuf", "Specimen", 36, "male"),
)


def _date_of_birth(age: int, number: int, today: dt.date) -> dt.date:
    """A birthday ``age`` years ago, moved back a few weeks per patient so they differ."""
    try:
        birthday = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - age, day=28)
    return birthday - dt.timedelta(days=11 * number + 3)


def demo_seed_patients() -> list[str]:
    clinician = user_get_by_username(username=CLINICIAN_USERNAME)
    physio = user_get_by_username(username=PHYSIO_USERNAME)
    today = timezone.localdate()
    existing = set(Patient.objects.filter(mrn__startswith="DEMO-").values_list("mrn", flat=True))
    created = 0
    for p in DEMO_PATIENTS:
        if p.mrn in existing:
            continue
        patient_create(
            user=clinician,
            mrn=p.mrn,
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=_date_of_birth(p.age, p.number, today),
            sex=p.sex,
            phone=f"01632 960{p.number:03d}",  # Ofcom's range for drama: never a real number
            email=f"{p.given_name.lower()}.{p.family_name.lower()}@example.org",
            address=f"{p.number} Sample Street\nDemotown\nZZ99 9ZZ",
            physiotherapist=physio if p.physio else None,
        )
        created += 1
    return [f"demo patients: {created} created, {len(DEMO_PATIENTS) - created} already there"]


# ---------------------------------------------------------------- evaluations

_NO_RED_FLAGS: dict[str, Any] = {
    "trauma": "none",
    "fever": False,
    "weight_loss": False,
    "thoracic_pain": False,
    "night_pain": False,
    "rest_pain": False,
    "urinary_retention": False,
    "urinary_incontinence": False,
    "bowel_dysfunction": False,
    "saddle_sensory_change": False,
    "new_sexual_dysfunction": False,
    "bilateral_leg_symptoms": False,
    "progressive_weakness": False,
    "pulsatile_abdominal_mass": False,
    "sudden_severe_pain_eased_lying": False,
}
_NO_RISK_FACTORS: dict[str, Any] = {
    "osteoporosis": False,
    "cancer_history": False,
    "active_cancer": False,
    "immunosuppression": False,
    "long_term_corticosteroids": False,
    "iv_drug_use": False,
    "recent_bacterial_infection": False,
}


def _days_ago(days: int) -> str:
    """A marker the records below use for dates; ``_record`` fills in the real day."""
    return f"@{days}"


def _resolve(value: Any, today: dt.date) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return (today - dt.timedelta(days=int(value[1:]))).isoformat()
    if isinstance(value, dict):
        return {k: _resolve(v, today) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, today) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class DemoVisit:
    """One evaluation, ``days_ago`` before seeding; a draft unless ``complete``."""

    days_ago: int
    onset_days_ago: int
    history: dict[str, Any] = field(default_factory=dict)
    comorbidities: dict[str, Any] = field(default_factory=dict)
    exam: dict[str, Any] = field(default_factory=dict)
    questionnaires: tuple[tuple[str, list[int]], ...] = ()
    work_status: str | None = None
    patient: dict[str, Any] = field(default_factory=dict)  # e.g. prior treatments, surgery
    complete: bool = True
    red_flag_screen: bool = True  # answer every red-flag question "no" unless given


def _odi(level: int) -> list[int]:
    """ODI answers: ten items around ``level`` (0-5)."""
    return [max(0, min(5, level + (i % 3) - 1)) for i in range(10)]


_START_BACK_HIGH = [1, 0, 1, 1, 1, 1, 1, 1, 4]
_START_BACK_MEDIUM = [1, 0, 1, 1, 0, 0, 1, 0, 2]
_START_BACK_LOW = [0, 0, 0, 1, 0, 0, 0, 0, 1]

_SCIATICA_EXAM: dict[str, Any] = {
    "myotomes": {"L5": {"left": 4, "right": 5}, "S1": {"left": 5, "right": 5}},
    "dermatomes": {"L5": {"left": "reduced", "right": "normal"}},
    "reflexes": {"achilles": {"left": "normal", "right": "normal"}},
    "slr": {"left": {"angle": 40, "reproduces_leg_pain": True}, "right": {"angle": 80}},
}

# The clinical stories, by demo patient number. Oldest visit first.
DEMO_VISITS: dict[int, tuple[DemoVisit, ...]] = {
    # Sciatica, then suspected cauda equina syndrome: new urinary retention, saddle numbness,
    # both legs.
    1: (
        DemoVisit(
            days_ago=21,
            onset_days_ago=30,
            history={
                "pain_sites": ["axial", "buttock", "thigh", "below_knee"],
                "pain_side": "left",
                "leg_pain_worse_than_back": True,
            },
            exam={"slr": {"left": {"angle": 45, "reproduces_leg_pain": True}}},
            questionnaires=(("nrs", [6]), ("start_back", _START_BACK_MEDIUM)),
            work_status="working",
        ),
        DemoVisit(
            days_ago=0,
            onset_days_ago=30,
            history={
                "pain_sites": ["axial", "buttock", "thigh", "below_knee"],
                "pain_side": "both",
                "urinary_retention": True,
                "saddle_sensory_change": True,
                "bilateral_leg_symptoms": True,
                "leg_pain_worse_than_back": True,
            },
            exam={"saddle_sensation": "reduced", "anal_tone": "not_examined"},
            questionnaires=(("nrs", [8]),),
        ),
    ),
    # Suspected malignancy: previous cancer, weight loss, night pain, over 50.
    6: (
        DemoVisit(
            days_ago=2,
            onset_days_ago=50,
            history={
                "pain_sites": ["axial", "thoracic"],
                "weight_loss": True,
                "night_pain": True,
                "rest_pain": True,
                "thoracic_pain": True,
            },
            comorbidities={"cancer_history": True},
            questionnaires=(("nrs", [7]), ("odi", _odi(3))),
        ),
    ),
    # Suspected spinal infection: fever with intravenous drug use.
    21: (
        DemoVisit(
            days_ago=1,
            onset_days_ago=12,
            history={"pain_sites": ["axial"], "fever": True, "night_pain": True},
            comorbidities={"iv_drug_use": True},
            exam={"temperature_c": 38.6, "midline_spinal_tenderness": True},
            questionnaires=(("nrs", [9]),),
        ),
    ),
    # Osteoporotic fracture risk: 81, osteoporosis, long-term steroids, sudden pain.
    7: (
        DemoVisit(
            days_ago=6,
            onset_days_ago=8,
            history={"pain_sites": ["axial"], "trauma": "minor", "mechanism": "Sat down hard"},
            comorbidities={"osteoporosis": True, "long_term_corticosteroids": True},
            exam={"midline_spinal_tenderness": True},
            questionnaires=(("nrs", [7]),),
            work_status="retired",
        ),
    ),
    # Acute mechanical low back pain, seen twice, improving.
    4: (
        DemoVisit(
            days_ago=20,
            onset_days_ago=24,
            history={
                "pain_sites": ["axial", "buttock"],
                "mechanism": "Lifting a box",
                "aggravating": ["flexion", "sitting", "lifting"],
                "easing": ["walking", "lying"],
                "recurrent": False,
            },
            exam={
                "repeated_movements": {"response": "centralisation", "direction": "extension"},
                "lumbar_hypomobility": True,
                "hip_internal_rotation_deg": {"left": 40, "right": 38},
            },
            questionnaires=(("nrs", [6]), ("start_back", _START_BACK_LOW), ("odi", _odi(2))),
            work_status="modified_duties",
        ),
        DemoVisit(
            days_ago=3,
            onset_days_ago=24,
            history={"pain_sites": ["axial"], "aggravating": ["sitting"], "easing": ["walking"]},
            questionnaires=(("nrs", [3]), ("odi", _odi(1))),
            work_status="working",
        ),
    ),
    # Acute low back pain, first visit, still a draft.
    11: (
        DemoVisit(
            days_ago=0,
            onset_days_ago=5,
            history={"pain_sites": ["axial"], "mechanism": "Gardening"},
            complete=False,
        ),
    ),
    # Sciatica (L5 radiculopathy), three visits over three months.
    10: (
        DemoVisit(
            days_ago=95,
            onset_days_ago=110,
            history={
                "pain_sites": ["buttock", "thigh", "below_knee", "foot"],
                "pain_side": "left",
                "leg_pain_worse_than_back": True,
                "aggravating": ["sitting", "coughing", "flexion"],
            },
            exam=_SCIATICA_EXAM,
            questionnaires=(("nrs", [8]), ("start_back", _START_BACK_MEDIUM), ("odi", _odi(3))),
            work_status="off_work",
        ),
        DemoVisit(
            days_ago=50,
            onset_days_ago=110,
            history={
                "pain_sites": ["buttock", "thigh", "below_knee"],
                "pain_side": "left",
                "leg_pain_worse_than_back": True,
            },
            exam=_SCIATICA_EXAM,
            questionnaires=(("nrs", [6]), ("odi", _odi(2))),
            work_status="modified_duties",
        ),
        DemoVisit(
            days_ago=4,
            onset_days_ago=110,
            history={"pain_sites": ["buttock", "thigh"], "pain_side": "left"},
            questionnaires=(("nrs", [3]), ("odi", _odi(1))),
            work_status="working",
        ),
    ),
    # Sciatica, acute, first visit.
    3: (
        DemoVisit(
            days_ago=7,
            onset_days_ago=20,
            history={
                "pain_sites": ["buttock", "thigh", "below_knee"],
                "pain_side": "left",
                "leg_pain_worse_than_back": True,
            },
            exam={
                "slr": {"left": {"angle": 35, "reproduces_leg_pain": True}},
                "crossed_slr": {"right": False},
            },
            questionnaires=(("nrs", [7]), ("start_back", _START_BACK_MEDIUM)),
        ),
    ),
    # Lumbar spinal stenosis: neurogenic claudication eased by sitting.
    14: (
        DemoVisit(
            days_ago=60,
            onset_days_ago=400,
            history={
                "pain_sites": ["axial", "buttock", "thigh", "below_knee"],
                "pain_side": "both",
                "walking_distance_m": 200,
                "relief_sitting_or_flexion": True,
                "aggravating": ["walking", "standing", "extension"],
                "easing": ["sitting", "flexion"],
                "bilateral_leg_symptoms": False,
            },
            exam={"lumbar_extension_limited": True},
            questionnaires=(("nrs", [6]), ("odi", _odi(3))),
            work_status="retired",
        ),
        DemoVisit(
            days_ago=10,
            onset_days_ago=400,
            history={
                "pain_sites": ["axial", "buttock", "thigh"],
                "walking_distance_m": 400,
                "relief_sitting_or_flexion": True,
            },
            questionnaires=(("nrs", [5]), ("odi", _odi(2))),
            work_status="retired",
        ),
    ),
    5: (
        DemoVisit(
            days_ago=15,
            onset_days_ago=300,
            history={
                "pain_sites": ["axial", "buttock", "thigh"],
                "walking_distance_m": 100,
                "relief_sitting_or_flexion": True,
                "easing": ["sitting", "flexion"],
            },
            questionnaires=(("nrs", [7]),),
            work_status="retired",
        ),
    ),
    # Chronic low back pain with a high STarT Back score, seen over four months.
    16: (
        DemoVisit(
            days_ago=120,
            onset_days_ago=500,
            history={"pain_sites": ["axial", "buttock"], "recurrent": True},
            comorbidities={"depression": True},
            questionnaires=(("nrs", [7]), ("start_back", _START_BACK_HIGH), ("odi", _odi(3))),
            work_status="off_work",
        ),
        DemoVisit(
            days_ago=60,
            onset_days_ago=500,
            history={"pain_sites": ["axial", "buttock"]},
            questionnaires=(("nrs", [6]), ("odi", _odi(3))),
            work_status="off_work",
        ),
        DemoVisit(
            days_ago=12,
            onset_days_ago=500,
            history={"pain_sites": ["axial"]},
            questionnaires=(("nrs", [4]), ("start_back", _START_BACK_MEDIUM), ("odi", _odi(2))),
            work_status="modified_duties",
        ),
    ),
    # Radicular pain after an epidural steroid injection that helped for a while.
    12: (
        DemoVisit(
            days_ago=30,
            onset_days_ago=420,
            history={
                "pain_sites": ["buttock", "thigh", "below_knee"],
                "pain_side": "right",
                "leg_pain_worse_than_back": True,
            },
            patient={
                "prior_treatments": [
                    {"treatment": "physiotherapy", "weeks": 8, "response": "partial"},
                    {
                        "treatment": "esi",
                        "response": "helped",
                        "percent_relief": 60,
                        "end_date": _days_ago(75),
                    },
                ]
            },
            questionnaires=(("nrs", [5]), ("odi", _odi(2))),
        ),
    ),
    # Recurrent leg pain two years after an L4-L5 discectomy: for surgical review.
    17: (
        DemoVisit(
            days_ago=9,
            onset_days_ago=160,
            history={
                "pain_sites": ["buttock", "thigh", "below_knee", "foot"],
                "pain_side": "left",
                "leg_pain_worse_than_back": True,
            },
            patient={
                "prior_spine_surgery": [
                    {"procedure": "discectomy", "level": "L4-L5", "date": _days_ago(800)}
                ],
                "prior_treatments": [
                    {"treatment": "physiotherapy", "weeks": 12, "response": "no_effect"},
                    {"treatment": "esi", "response": "no_effect", "end_date": _days_ago(40)},
                ],
            },
            exam=_SCIATICA_EXAM,
            questionnaires=(("nrs", [7]), ("odi", _odi(3))),
            work_status="retired",
        ),
    ),
    # Physiotherapy caseload: acute and chronic low back pain.
    13: (
        DemoVisit(
            days_ago=16,
            onset_days_ago=21,
            history={"pain_sites": ["axial"], "mechanism": "Moving furniture"},
            exam={"repeated_movements": {"response": "centralisation", "direction": "extension"}},
            questionnaires=(("nrs", [5]), ("start_back", _START_BACK_LOW)),
        ),
    ),
    22: (
        DemoVisit(
            days_ago=45,
            onset_days_ago=240,
            history={"pain_sites": ["axial", "buttock"], "recurrent": True},
            questionnaires=(("nrs", [6]), ("start_back", _START_BACK_MEDIUM), ("odi", _odi(2))),
        ),
        DemoVisit(
            days_ago=5,
            onset_days_ago=240,
            history={"pain_sites": ["axial"]},
            questionnaires=(("nrs", [4]), ("odi", _odi(1))),
        ),
    ),
    # Inflammatory-looking back pain in a young adult (axial spondyloarthritis features).
    15: (
        DemoVisit(
            days_ago=25,
            onset_days_ago=200,
            history={
                "pain_sites": ["axial", "buttock"],
                "morning_stiffness_minutes": 60,
                "improves_with_movement": True,
                "wakes_second_half_of_night": True,
                "alternating_buttock_pain": True,
            },
            questionnaires=(("nrs", [5]),),
        ),
    ),
    # Drafts waiting to be finished.
    8: (
        DemoVisit(
            days_ago=1,
            onset_days_ago=35,
            history={"pain_sites": ["axial", "buttock"]},
            complete=False,
        ),
    ),
    19: (
        DemoVisit(
            days_ago=0,
            onset_days_ago=14,
            history={"pain_sites": ["axial"], "mechanism": "Long drive"},
            complete=False,
            red_flag_screen=False,
        ),
    ),
    # Recurrent acute episodes, routine.
    24: (
        DemoVisit(
            days_ago=40,
            onset_days_ago=10 + 40,
            history={"pain_sites": ["axial"], "recurrent": True},
            questionnaires=(("nrs", [5]), ("start_back", _START_BACK_LOW)),
        ),
    ),
    2: (
        DemoVisit(
            days_ago=18,
            onset_days_ago=150,
            history={
                "pain_sites": ["axial", "buttock", "thigh", "below_knee"],
                "pain_side": "right",
                "walking_distance_m": 300,
                "relief_sitting_or_flexion": True,
            },
            questionnaires=(("nrs", [6]), ("odi", _odi(2))),
            work_status="retired",
        ),
    ),
}


def _record(visit: DemoVisit, today: dt.date) -> dict[str, Any]:
    history: dict[str, Any] = dict(_NO_RED_FLAGS) if visit.red_flag_screen else {}
    history.update(visit.history)
    history["onset_date"] = (today - dt.timedelta(days=visit.onset_days_ago)).isoformat()
    comorbidities: dict[str, Any] = dict(_NO_RISK_FACTORS) if visit.red_flag_screen else {}
    comorbidities.update(visit.comorbidities)
    patient: dict[str, Any] = {**_resolve(visit.patient, today), "comorbidities": comorbidities}
    if visit.work_status:
        patient["work_status"] = visit.work_status
    evaluation_day = (today - dt.timedelta(days=visit.days_ago)).isoformat()
    return {
        "patient": patient,
        "history": history,
        "exam": dict(visit.exam),
        "questionnaires": [
            {"instrument": instrument, "date": evaluation_day, "answers": answers}
            for instrument, answers in visit.questionnaires
        ],
    }


def demo_seed_evaluations() -> list[str]:
    clinician = user_get_by_username(username=CLINICIAN_USERNAME)
    if clinician is None:
        return ["demo evaluations: skipped (no demo clinician)"]
    try:
        get_kb()
    except KnowledgeBaseError as exc:
        return [f"demo evaluations: skipped (the knowledge base has {len(exc.issues)} problems)"]
    today = timezone.localdate()
    mrns = {p.number: p.mrn for p in DEMO_PATIENTS}
    patients = {p.mrn: p for p in Patient.objects.filter(mrn__in=mrns.values())}
    seen = set(
        Evaluation.objects.filter(patient__in=patients.values()).values_list(
            "patient__mrn", flat=True
        )
    )
    completed = drafts = 0
    for number, visits in DEMO_VISITS.items():
        patient = patients.get(mrns[number])
        if patient is None or patient.mrn in seen:
            continue
        for visit in visits:
            evaluation = evaluation_start(
                user=clinician,
                patient=patient,
                evaluation_date=today - dt.timedelta(days=visit.days_ago),
            )
            evaluation_save(
                user=clinician,
                evaluation=evaluation,
                record=_record(visit, today),
                current_step="review" if visit.complete else "history",
            )
            if visit.complete:
                evaluation_complete(user=clinician, evaluation=evaluation)
                completed += 1
            else:
                drafts += 1
    return [f"demo evaluations: {completed} completed, {drafts} drafts"]
