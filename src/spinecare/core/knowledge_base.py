"""The in-memory knowledge base: immutable, validated, versioned and hashed.

``spinecare.knowledge`` builds it from the files in ``spinecare/kb/``; the core only reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from spinecare.core.conditions import Condition
from spinecare.core.facts import FactSpec

if TYPE_CHECKING:
    from spinecare.core.instruments.model import Instrument
    from spinecare.core.leaflets import Leaflet
    from spinecare.core.medications.model import MmeTable, OpioidProduct, ValueSet


@dataclass(frozen=True, slots=True)
class Source:
    """A bibliographic record: a guideline, a paper, a coverage policy."""

    id: str
    title: str
    issuer: str
    year: int
    short: str = ""
    edition: str = ""
    url: str = ""
    doi: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Citation:
    """``source#section``: the source id and the section, recommendation or table cited."""

    source: str
    section: str = ""

    @classmethod
    def parse(cls, text: str) -> Citation:
        source, _, section = text.partition("#")
        return cls(source=source.strip(), section=section.strip())

    def __str__(self) -> str:
        return f"{self.source}#{self.section}" if self.section else self.source


@dataclass(frozen=True, slots=True)
class Rule:
    """One recommendation: when (a condition over facts) → then (what it proposes)."""

    id: str
    version: str
    status: str
    title: str
    category: str
    when: Condition
    then: Mapping[str, Any]
    strength: str
    evidence_quality: str
    cites: tuple[Citation, ...]
    rationale: str
    source_file: str = ""

    @property
    def ref(self) -> str:
        """``rule_id@version``, the form stored with every result."""
        return f"{self.id}@{self.version}"


@dataclass(frozen=True, slots=True)
class Profile:
    """A guideline profile: which rules are switched off where guidelines differ, and why."""

    id: str
    title: str
    description: str
    jurisdiction: str
    disabled: Mapping[str, str] = field(default_factory=dict)  # rule id → reason


@dataclass(frozen=True, slots=True)
class Scenario:
    """A clinical test case: input in, expected output. Dates are relative to ``as_of``."""

    id: str
    title: str
    file: str
    profiles: tuple[str, ...]
    input: Mapping[str, Any]
    expect: Mapping[str, Any]
    as_of: str = "2026-01-01"
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """A cited reference table (e.g. ACR ratings, nerve-root anatomy); data in ``KnowledgeBase.tables``."""

    id: str
    version: str
    title: str
    cites: tuple[Citation, ...]
    source_file: str = ""


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything SpineCare knows, as loaded from one KB release."""

    version: str
    release_date: str
    status: str
    content_hash: str
    default_profile: str
    sources: Mapping[str, Source]
    facts: Mapping[str, FactSpec]
    rules: tuple[Rule, ...]
    profiles: Mapping[str, Profile]
    instruments: Mapping[str, Instrument]
    scenarios: tuple[Scenario, ...]
    tables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    table_info: Mapping[str, Table] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    terminology: Mapping[str, str] = field(default_factory=dict)
    # Medicines (kb/medications/, kb/valuesets/): RxNorm opioid products by rxcui, the MME
    # conversion table, and code sets by value-set id.
    opioid_products: Mapping[str, OpioidProduct] = field(default_factory=dict)
    mme_factors: MmeTable | None = None
    valuesets: Mapping[str, ValueSet] = field(default_factory=dict)
    # Patient leaflets (kb/leaflets/<id>.md) by id.
    leaflets: Mapping[str, Leaflet] = field(default_factory=dict)

    @cached_property
    def rules_by_id(self) -> Mapping[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    @property
    def short_hash(self) -> str:
        return self.content_hash.removeprefix("sha256:")[:12]

    @property
    def label(self) -> str:
        """Human-readable identity, e.g. ``KB 0.1.0 (sha256 1a2b3c4d5e6f)``."""
        return f"KB {self.version} (sha256 {self.short_hash})"

    def profile(self, profile_id: str | None) -> Profile:
        from spinecare.core.errors import UserError
        from spinecare.core.text import did_you_mean

        pid = profile_id or self.default_profile
        try:
            return self.profiles[pid]
        except KeyError:
            raise UserError(
                f"unknown guideline profile '{pid}'{did_you_mean(pid, self.profiles)}; "
                f"known: {', '.join(sorted(self.profiles))}",
                field="profile",
            ) from None

    def rules_for(self, profile_id: str | None, category: str | None = None) -> tuple[Rule, ...]:
        """The rules in force under a profile (optionally one category), in KB order."""
        return self._rules_for(self.profile(profile_id).id, category)

    def _rules_for(self, profile_id: str, category: str | None) -> tuple[Rule, ...]:
        key = (profile_id, category)
        cache: dict[tuple[str, str | None], tuple[Rule, ...]] = self.__dict__.setdefault(
            "_rules_cache", {}
        )
        if key not in cache:
            disabled = self.profiles[profile_id].disabled
            cache[key] = tuple(
                r
                for r in self.rules
                if r.id not in disabled
                and r.status != "retired"
                and (category is None or r.category == category)
            )
        return cache[key]
