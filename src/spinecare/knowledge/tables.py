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


class DiagnosisEntry(_Strict):
    title: str
    icd10cm: str = Field(pattern=r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")
    snomed: str | None = Field(None, pattern=r"^\d{6,18}$")
    rank: int = Field(ge=1, le=100)
    serious: bool = False  # serious pathology: listed first, even when only possible
    description: str = ""


class DiagnosisTable(_Strict):
    diagnoses: dict[str, DiagnosisEntry]


TABLE_MODELS: dict[str, type[BaseModel]] = {
    "acr-lbp-2021": AcrTable,
    "nerve-roots": NerveRootTable,
    "diagnoses": DiagnosisTable,
}
