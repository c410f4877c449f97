"""Reference tables in ``kb/tables/``: cited data that rules and mechanisms look up.

Each table file has an id, version, title, citations and ``data``; the ``data`` of each known
table id is checked against its own model here, so a malformed table fails at load time.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from spinecare.knowledge.schema import CITE, ChangelogEntry, _semver

Rating = Literal["usually-appropriate", "may-be-appropriate", "usually-not-appropriate"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableFile(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: str
    title: str
    description: str = ""
    cites: list[str] = Field(min_length=1)
    data: dict[str, Any]
    changelog: list[ChangelogEntry] = Field(default_factory=list)

    def model_post_init(self, _context: Any) -> None:
        _semver(self.version)
        for cite in self.cites:
            if not CITE.match(cite):
                raise ValueError(f"'{cite}' is not a citation of the form src.<id>#<section>")


class AcrVariant(_Strict):
    title: str
    cites: list[str] = Field(min_length=1)
    ratings: dict[str, Rating]
    notes: str = ""


class AcrTable(_Strict):
    procedures: dict[str, str]
    precedence: list[str]
    verdicts: dict[str, str]
    variants: dict[str, AcrVariant]


class RootSpec(_Strict):
    myotome: str
    dermatome: str
    reflex: Literal["patellar", "achilles"] | None = None
    tension_test: Literal["slr", "femoral_nerve_stretch"] | None = None


class NerveRootTable(_Strict):
    roots: dict[Literal["L2", "L3", "L4", "L5", "S1"], RootSpec]
    level_to_root: dict[str, str]
    level_to_exiting_root: dict[str, str]
    compressive_findings: list[str]
    exiting_root_findings: list[str]
    root_imaging_modalities: list[str]


class DiagnosisEntry(_Strict):
    title: str
    icd10cm: str = Field(pattern=r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")
    snomed: str | None = Field(None, pattern=r"^\d{6,18}$")
    rank: int = Field(ge=1, le=100)
    serious: bool = False  # serious pathology: listed first, even when only possible
    description: str = ""


class DiagnosisTable(_Strict):
    diagnoses: dict[str, DiagnosisEntry]


class PlanPhaseSpec(_Strict):
    title: str
    order: int = Field(ge=0, le=100)
    description: str
    urgent: bool = False  # the phase that carries red-flag actions is never put on hold


OptionKind = Literal[
    "education",
    "self-care",
    "non-drug",
    "medicine",
    "referral",
    "exercise",
    "intervention",
    "surgery",
]


class TreatmentOption(_Strict):
    title: str
    kind: OptionKind
    phase: str
    detail: str = ""
    drug: str | None = None  # a key of tables/drugs.yaml for medicines


class TreatmentOptionsTable(_Strict):
    phases: dict[str, PlanPhaseSpec]
    options: dict[str, TreatmentOption]

    def model_post_init(self, _context: Any) -> None:
        for oid, opt in self.options.items():
            if opt.phase not in self.phases:
                raise ValueError(f"option '{oid}': unknown phase '{opt.phase}'")
            if (opt.kind == "medicine") != (opt.drug is not None):
                raise ValueError(
                    f"option '{oid}': a medicine names its drug, and only a medicine does"
                )


class DrugEntry(_Strict):
    title: str
    classes: list[str] = Field(min_length=1)
    rxnorm: list[str] = Field(default_factory=list)  # ingredient and product codes (RxCUI)
    names: list[str] = Field(min_length=1)  # lower-case names and synonyms, for matching entries
    usual_adult_dose: str = ""
    maximum: str = ""
    duration_limit: str = ""
    renal: str = ""
    hepatic: str = ""
    pregnancy: str = ""
    older_adults: str = ""
    phase: str | None = None  # when set, the drug is a treatment option of that plan phase
    cites: list[str] = Field(min_length=1)

    def model_post_init(self, _context: Any) -> None:
        for code in self.rxnorm:
            if not code.isdigit():
                raise ValueError(f"RxNorm code '{code}' is not a number")
        for name in self.names:
            if name != name.lower():
                raise ValueError(f"name '{name}' must be lower case")


class DrugTable(_Strict):
    classes: dict[
        str, str
    ]  # class id → description; each has facts on_<class> / allergic_to_<class>
    drugs: dict[str, DrugEntry]

    def model_post_init(self, _context: Any) -> None:
        for did, drug in self.drugs.items():
            for cls in drug.classes:
                if cls not in self.classes:
                    raise ValueError(f"drug '{did}': unknown class '{cls}'")


class InterventionCriterion(_Strict):
    """One eligibility criterion: a condition over facts; ``when: false`` = never met."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str
    when: dict[str, Any] | Literal[False]
    on_fail: Literal["not-eligible", "cannot-decide"]
    fail_text: str = ""  # what a "not met" means, shown with the result
    cites: list[str] = Field(min_length=1)

    def model_post_init(self, _context: Any) -> None:
        for cite in self.cites:
            if not CITE.match(cite):
                raise ValueError(f"'{cite}' is not a citation of the form src.<id>#<section>")
        if self.when is False and self.on_fail != "not-eligible":
            raise ValueError(f"criterion '{self.id}': 'when: false' must give not-eligible")


class InterventionProfileCriteria(_Strict):
    criteria: list[InterventionCriterion] = Field(min_length=1)

    def model_post_init(self, _context: Any) -> None:
        ids = [c.id for c in self.criteria]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate criterion ids: {', '.join(dupes)}")


class InterventionProcedure(_Strict):
    title: str
    detail: str = ""
    profiles: dict[str, InterventionProfileCriteria] = Field(min_length=1)


class ProcedureLogFact(_Strict):
    """A fact derived from the procedure log (mechanism in core/interventions/log.py)."""

    measure: Literal["count", "months_since_last", "last_best_relief", "count_with_relief"]
    types: list[str] = Field(min_length=1)
    diagnostic: bool | None = None  # only diagnostic (true) / therapeutic (false) entries
    within_months: int | None = Field(None, ge=1)  # rolling window for counts
    min_relief: float | None = Field(None, ge=0, le=100)  # for count_with_relief
    cites: list[str] = Field(min_length=1)

    def model_post_init(self, _context: Any) -> None:
        if (self.measure == "count_with_relief") != (self.min_relief is not None):
            raise ValueError("min_relief is needed by count_with_relief, and only by it")


class InterventionsTable(_Strict):
    rule_sets: dict[str, str] = Field(min_length=1)  # profile id → the rule set's name
    contrast_allergy_terms: list[str] = Field(min_length=1)  # lower-case allergy text matches
    baseline_instruments: list[str] = Field(min_length=1)  # a score from one = baseline documented
    log_facts: dict[str, ProcedureLogFact]
    definitions: dict[str, Any] = {}  # YAML anchors shared by the procedures below
    procedures: dict[str, InterventionProcedure] = Field(min_length=1)

    def model_post_init(self, _context: Any) -> None:
        for pid, proc in self.procedures.items():
            for profile in proc.profiles:
                if profile not in self.rule_sets:
                    raise ValueError(f"procedure '{pid}': no rule set for profile '{profile}'")


class SurgicalProcedure(_Strict):
    title: str
    description: str = ""


class SurgicalProceduresTable(_Strict):
    """Procedure classes named by the surgical referral rules (then.procedure)."""

    procedures: dict[str, SurgicalProcedure] = Field(min_length=1)


class FollowUpContactSpec(_Strict):
    id: str
    title: str
    weeks: float = Field(gt=0)
    questionnaires: list[str]
    purpose: str = ""
    cites: list[str] = Field(min_length=1)


class OpioidReassessmentSpec(_Strict):
    earliest_weeks: float = Field(ge=0)
    latest_weeks: float = Field(gt=0)
    questionnaires: list[str]
    text: str
    cites: list[str] = Field(min_length=1)


class OpioidTaperSpec(_Strict):
    max_percent_per_month: float = Field(gt=0, le=100)
    abrupt_discontinuation: Literal["never"]
    text: str
    cites: list[str] = Field(min_length=1)


class ProcedureCheckinSpec(_Strict):
    title: str
    checkin_days: list[int] = Field(min_length=1)
    relief_threshold_percent: float = Field(ge=0, le=100)
    threshold_text: str
    cites: list[str] = Field(min_length=1)


class OutcomeSpec(_Strict):
    domains: list[Literal["pain", "function"]] = Field(min_length=1)
    higher_is_worse: bool
    recovered_at_or_below: float | None = None


class FollowUpTable(_Strict):
    """tables/follow-up.yaml: schedule (local policy), CDC 2022 opioid timings, outcomes."""

    window_days: int = Field(ge=0)
    window_cites: list[str] = Field(min_length=1)
    function_instruments: list[str] = Field(min_length=1)
    exercise_options: list[str]
    routine_contacts: list[FollowUpContactSpec]
    opioid_reassessment: OpioidReassessmentSpec
    opioid_taper: OpioidTaperSpec
    procedure_checkins: dict[str, ProcedureCheckinSpec]
    outcomes: dict[str, OutcomeSpec]
    recovered_cites: list[str] = Field(min_length=1)
    episode_status: dict[Literal["responder", "partial", "non-responder", "recovered"], str]
    episode_status_cites: list[str] = Field(min_length=1)


TABLE_MODELS: dict[str, type[BaseModel]] = {
    "acr-lbp-2021": AcrTable,
    "nerve-roots": NerveRootTable,
    "diagnoses": DiagnosisTable,
    "treatment-options": TreatmentOptionsTable,
    "drugs": DrugTable,
    "follow-up": FollowUpTable,
    "interventions": InterventionsTable,
    "surgical-procedures": SurgicalProceduresTable,
}
