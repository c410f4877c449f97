"""Read the KB folder, validate every file, compile the rules, return a ``KnowledgeBase``.

Every problem is collected (not just the first) and reported with the file and the key path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

import spinecare
from spinecare.core.conditions import compile_condition
from spinecare.core.errors import ConditionError, KBIssue, KnowledgeBaseError
from spinecare.core.facts import FactSpec, FactType
from spinecare.core.instruments.model import Instrument
from spinecare.core.knowledge_base import (
    Citation,
    KnowledgeBase,
    Profile,
    Rule,
    Scenario,
    Source,
    Table,
)
from spinecare.knowledge import schema
from spinecare.knowledge.checks import cross_check
from spinecare.knowledge.instruments import parse_instrument
from spinecare.knowledge.leaflets import load_leaflets
from spinecare.knowledge.medications import load_medications
from spinecare.knowledge.tables import TABLE_MODELS, TableFile

M = TypeVar("M", bound=BaseModel)
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def default_kb_path() -> Path:
    """The knowledge base shipped inside the installed package."""
    return Path(spinecare.__file__).resolve().parent / "kb"


def content_hash(root: Path) -> str:
    """sha256 over every file's relative path and bytes, in path order."""
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return "sha256:" + digest.hexdigest()


class _Reader:
    """Collects issues while reading files, so that one run reports all of them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.issues: list[KBIssue] = []

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def issue(self, file: str, key: str, message: str) -> None:
        self.issues.append(KBIssue(file=file, key=key, message=message))

    def read(self, path: Path, model: type[M]) -> M | None:
        rel = self.rel(path)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else ""
            self.issue(rel, where, f"not valid YAML: {getattr(exc, 'problem', exc)}")
            return None
        return self.validate(rel, data, model)

    def read_raw(self, path: Path) -> Any:
        rel = self.rel(path)
        try:
            return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
        except yaml.YAMLError as exc:
            self.issue(rel, "", f"not valid YAML: {exc}")
            return None

    def validate(self, rel: str, data: Any, model: type[M]) -> M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                key = ".".join(str(part) for part in err["loc"])
                self.issue(rel, key, err["msg"])
            return None

    def files(self, folder: str, pattern: str = "*.yaml") -> list[Path]:
        base = self.root / folder
        return sorted(base.rglob(pattern)) if base.is_dir() else []


def load_kb(path: Path | None = None) -> KnowledgeBase:
    """Load and validate the KB at ``path`` (default: the packaged one)."""
    root = (path or default_kb_path()).resolve()
    if not (root / "kb.yaml").is_file():
        raise KnowledgeBaseError([KBIssue(str(root), "", "no kb.yaml manifest here")])
    r = _Reader(root)
    manifest = r.read(root / "kb.yaml", schema.ManifestFile)
    sources = _sources(r)
    facts = _facts(r)
    instruments = _instruments(r)
    facts |= _instrument_facts(r, instruments, facts)
    rules = _rules(r, facts)
    profiles = _profiles(r)
    site_disabled = _site_config(r)
    tables, table_info = _tables(r)
    scenarios = _scenarios(r)
    medications = load_medications(root, r.issues, sources.keys())
    leaflets = load_leaflets(root, r.issues, sources.keys())
    if manifest is None:
        raise KnowledgeBaseError(r.issues)
    if site_disabled:
        profiles = {
            pid: Profile(
                p.id, p.title, p.description, p.jurisdiction, {**p.disabled, **site_disabled}
            )
            for pid, p in profiles.items()
        }
    kb = KnowledgeBase(
        version=manifest.version,
        release_date=manifest.release_date,
        status=manifest.status,
        content_hash=content_hash(root),
        default_profile=manifest.default_profile,
        sources=sources,
        facts=facts,
        rules=tuple(rules),
        profiles=profiles,
        instruments=instruments,
        scenarios=tuple(scenarios),
        tables=tables,
        table_info=table_info,
        terminology=dict(manifest.terminology),
        opioid_products=medications.products,
        mme_factors=medications.mme,
        valuesets=medications.valuesets,
        leaflets=leaflets,
    )
    r.issues.extend(cross_check(kb))
    if r.issues:
        raise KnowledgeBaseError(r.issues)
    return kb


def _unique(r: _Reader, seen: dict[str, str], ident: str, rel: str, key: str, what: str) -> bool:
    if ident in seen:
        r.issue(rel, key, f"duplicate {what} id '{ident}' (first defined in {seen[ident]})")
        return False
    seen[ident] = rel
    return True


def _sources(r: _Reader) -> dict[str, Source]:
    out: dict[str, Source] = {}
    seen: dict[str, str] = {}
    for path in r.files("sources"):
        parsed = r.read(path, schema.SourcesFile)
        for i, s in enumerate(parsed.sources if parsed else []):
            if _unique(r, seen, s.id, r.rel(path), f"sources.{i}.id", "source"):
                out[s.id] = Source(**s.model_dump())
    return out


def _facts(r: _Reader) -> dict[str, FactSpec]:
    out: dict[str, FactSpec] = {}
    seen: dict[str, str] = {}
    for path in r.files("facts"):
        parsed = r.read(path, schema.FactsFile)
        rel = r.rel(path)
        for i, f in enumerate(parsed.facts if parsed else []):
            kind = FactType(f.type)
            if kind in (FactType.ENUM, FactType.SET) and not f.allowed:
                r.issue(rel, f"facts.{i}.allowed", f"{f.type} fact '{f.name}' needs allowed values")
            if _unique(r, seen, f.name, rel, f"facts.{i}.name", "fact"):
                out[f.name] = FactSpec(
                    name=f.name,
                    type=kind,
                    definition=f.definition,
                    unit=f.unit,
                    allowed=tuple(f.allowed),
                    minimum=f.minimum,
                    maximum=f.maximum,
                    source_file=rel,
                )
    return out


def _rules(r: _Reader, facts: Mapping[str, FactSpec]) -> list[Rule]:
    out: list[Rule] = []
    seen: dict[str, str] = {}
    for path in r.files("rules"):
        rel = r.rel(path)
        m = r.read(path, schema.RuleModel)
        if m is None or not _unique(r, seen, m.id, rel, "id", "rule"):
            continue
        try:
            when = compile_condition(m.when, facts, path="when")
        except ConditionError as exc:
            r.issue(rel, exc.field or "when", exc.message)
            continue
        out.append(
            Rule(
                id=m.id,
                version=m.version,
                status=m.status,
                title=m.title,
                category=m.category,
                when=when,
                then=m.then,
                strength=m.strength,
                evidence_quality=m.evidence_quality,
                cites=tuple(Citation.parse(c) for c in m.cites),
                rationale=m.rationale,
                source_file=rel,
            )
        )
    return out


def _profiles(r: _Reader) -> dict[str, Profile]:
    out: dict[str, Profile] = {}
    seen: dict[str, str] = {}
    for path in r.files("profiles"):
        rel = r.rel(path)
        m = r.read(path, schema.ProfileModel)
        if m is None or not _unique(r, seen, m.id, rel, "id", "profile"):
            continue
        disabled = {d.rule: d.reason for d in m.disabled_rules}
        out[m.id] = Profile(m.id, m.title, m.description, m.jurisdiction, disabled)
    return out


def _site_config(r: _Reader) -> dict[str, str]:
    disabled: dict[str, str] = {}
    for path in r.files("config"):
        m = r.read(path, schema.SiteConfigFile)
        for d in m.disabled_rules if m else []:
            disabled[d.rule] = f"switched off by site configuration: {d.reason}"
    return disabled


def _instruments(r: _Reader) -> dict[str, Instrument]:
    out: dict[str, Instrument] = {}
    seen: dict[str, str] = {}
    for path in r.files("instruments", "instrument.yaml"):
        rel = r.rel(path)
        data = r.read_raw(path)
        if data is None:
            continue
        try:
            inst = parse_instrument(data, rel)
        except KnowledgeBaseError as exc:
            r.issues.extend(exc.issues)
            continue
        if _unique(r, seen, inst.id, rel, "id", "instrument"):
            out[inst.id] = inst
    return out


def _instrument_facts(
    r: _Reader, instruments: Mapping[str, Instrument], declared: Mapping[str, FactSpec]
) -> dict[str, FactSpec]:
    """Declare ``<id>_score``, ``<id>_<subscale>`` and ``<id>_risk_group`` for each instrument."""
    out: dict[str, FactSpec] = {}
    for inst in instruments.values():
        rel = f"instruments/{inst.id}/instrument.yaml"
        for scale in inst.scales:
            name = f"{inst.id}_score" if scale.id == inst.score_scale else f"{inst.id}_{scale.id}"
            out[name] = FactSpec(
                name=name,
                type=FactType.NUMBER,
                definition=f"{inst.name}: {scale.label} (from a scored questionnaire).",
                minimum=scale.min,
                maximum=scale.max,
                source_file=rel,
            )
        cls = inst.classification
        if cls is not None:
            groups = tuple(dict.fromkeys(rule.label for rule in cls.rules))
            name = f"{inst.id}_risk_group"
            out[name] = FactSpec(
                name=name,
                type=FactType.ENUM,
                definition=f"{inst.name}: {cls.label} (from a scored questionnaire).",
                allowed=groups,
                source_file=rel,
            )
    for name in out:
        if name in declared:
            r.issue(declared[name].source_file, name, f"fact '{name}' is declared by an instrument")
    return out


def _tables(r: _Reader) -> tuple[dict[str, Mapping[str, Any]], dict[str, Table]]:
    data: dict[str, Mapping[str, Any]] = {}
    info: dict[str, Table] = {}
    seen: dict[str, str] = {}
    for path in r.files("tables"):
        rel = r.rel(path)
        m = r.read(path, TableFile)
        if m is None or not _unique(r, seen, m.id, rel, "id", "table"):
            continue
        model = TABLE_MODELS.get(m.id)
        if model is None:
            r.issue(rel, "id", f"unknown table id '{m.id}'; known: {', '.join(TABLE_MODELS)}")
            continue
        checked = r.validate(rel, m.data, model)
        if checked is None:
            # re-prefix the keys with "data." for the author
            r.issues[:] = [
                i
                if i.file != rel or i.key.startswith("data")
                else type(i)(i.file, f"data.{i.key}", i.message)
                for i in r.issues
            ]
            continue
        data[m.id] = checked.model_dump()
        info[m.id] = Table(m.id, m.version, m.title, tuple(Citation.parse(c) for c in m.cites), rel)
    return data, info


def _scenarios(r: _Reader) -> list[Scenario]:
    out: list[Scenario] = []
    seen: dict[str, str] = {}
    for path in r.files("scenarios"):
        rel = r.rel(path)
        parsed = r.read(path, schema.ScenariosFile)
        for i, s in enumerate(parsed.scenarios if parsed else []):
            if _unique(r, seen, s.id, rel, f"scenarios.{i}.id", "scenario"):
                out.append(
                    Scenario(
                        id=s.id,
                        title=s.title,
                        file=f"{rel}#scenarios.{i}",
                        profiles=tuple(s.profiles),
                        input=s.input,
                        expect=s.expect,
                        as_of=s.as_of,
                        notes=s.notes,
                    )
                )
    return out


def iter_issue_lines(issues: Iterable[KBIssue]) -> Iterable[str]:
    for issue in issues:
        yield str(issue)
