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


TABLE_MODELS: dict[str, type[BaseModel]] = {
    "acr-lbp-2021": AcrTable,
    "nerve-roots": NerveRootTable,
    "diagnoses": DiagnosisTable,
    "treatment-options": TreatmentOptionsTable,
    "drugs": DrugTable,
}
