"""Pydantic models for the knowledge-base files (the only place pydantic meets the KB).

Each model forbids unknown keys, so a typo in a file is an error, not silently ignored.
``kb_json_schema()`` publishes the file formats for authors and editors.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
ID = r"^[a-z0-9][a-z0-9._-]*$"
CITE = re.compile(r"^src\.[a-z0-9][a-z0-9._-]*(#.+)?$")

Status = Literal["draft", "review", "active", "retired"]
Strength = Literal["strong", "conditional", "weak", "consensus", "not-graded"]
Quality = Literal["high", "moderate", "low", "very-low", "expert-opinion", "not-graded"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _semver(value: str) -> str:
    if not SEMVER.match(value):
        raise ValueError(f"'{value}' is not a semantic version (MAJOR.MINOR.PATCH)")
    return value


class ChangelogEntry(_Strict):
    version: str
    note: str
    date: str | None = None


class ManifestFile(_Strict):
    id: str = Field(pattern=ID)
    title: str
    version: str
    release_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    status: Status
    default_profile: str
    description: str = ""
    terminology: dict[str, str] = Field(default_factory=dict)
    changelog: list[ChangelogEntry] = Field(default_factory=list)

    _v = field_validator("version")(_semver)


class SourceModel(_Strict):
    id: str = Field(pattern=r"^src\.[a-z0-9][a-z0-9._-]*$")
    title: str
    issuer: str
    year: int = Field(ge=1900, le=2100)
    short: str = ""
    edition: str = ""
    url: str = ""
    doi: str = ""
    notes: str = ""


class SourcesFile(_Strict):
    sources: list[SourceModel]


class FactModel(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: Literal["boolean", "integer", "number", "enum", "set", "string"]
    definition: str = Field(min_length=10)
    unit: str | None = None
    allowed: list[str] = Field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    fhir: str | None = None  # mapping hint for the FHIR adapter


class FactsFile(_Strict):
    facts: list[FactModel]


class RuleModel(_Strict):
    id: str = Field(pattern=r"^rule\.[a-z0-9][a-z0-9._-]*$")
    version: str
    status: Status
    title: str
    category: str = Field(pattern=ID)
    when: dict[str, Any]
    then: dict[str, Any]
    strength: Strength
    evidence_quality: Quality
    cites: list[str] = Field(min_length=1)
    rationale: str = Field(min_length=20)
    changelog: list[ChangelogEntry] = Field(default_factory=list)

    _v = field_validator("version")(_semver)

    @field_validator("cites")
    @classmethod
    def _cites(cls, value: list[str]) -> list[str]:
        for cite in value:
            if not CITE.match(cite):
                raise ValueError(f"'{cite}' is not a citation of the form src.<id>#<section>")
        return value

    @field_validator("then")
    @classmethod
    def _then(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(value.get("summary"), str) or not value["summary"].strip():
            raise ValueError("'then' needs a 'summary' a clinician can read")
        return value


class DisabledRule(_Strict):
    rule: str
    reason: str = Field(min_length=10)


class ProfileModel(_Strict):
    id: str = Field(pattern=ID)
    title: str
    jurisdiction: str
    description: str
    disabled_rules: list[DisabledRule] = Field(default_factory=list)


class ScenarioModel(_Strict):
    id: str = Field(pattern=ID)
    title: str
    profiles: list[str] = Field(default_factory=list)
    as_of: str = Field(default="2026-01-01", pattern=r"^\d{4}-\d{2}-\d{2}$")
    input: dict[str, Any]
    expect: dict[str, Any]
    notes: str = ""


class ScenariosFile(_Strict):
    scenarios: list[ScenarioModel]


class SiteConfigFile(_Strict):
    disabled_rules: list[DisabledRule] = Field(default_factory=list)


def kb_json_schema() -> dict[str, Any]:
    """JSON Schemas of every KB file format, keyed by folder."""
    return {
        "kb.yaml": ManifestFile.model_json_schema(),
        "sources": SourcesFile.model_json_schema(),
        "facts": FactsFile.model_json_schema(),
        "rules": RuleModel.model_json_schema(),
        "profiles": ProfileModel.model_json_schema(),
        "scenarios": ScenariosFile.model_json_schema(),
        "config": SiteConfigFile.model_json_schema(),
    }
